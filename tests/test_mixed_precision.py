"""Every trainer under mixed precision: one step, finite losses, float32 variables (issue 11).

``mixed_bfloat16`` is what a CPU with native bfloat16 (and a TPU) gets; ``mixed_float16``
what a GPU gets -- it runs (slowly) on a CPU too, so its loss scaling is tested here.
Networks are tiny; each case is one short ``fit()`` epoch.
"""

import numpy as np
import pytest
import tensorflow as tf

keras = pytest.importorskip("keras")

from ganstyle_lib import device  # noqa: E402
from ganstyle_lib.gan import models  # noqa: E402
from ganstyle_lib.gan.training import GAN  # noqa: E402
from ganstyle_lib.style import features, networks, training  # noqa: E402

POLICIES = ["mixed_bfloat16", "mixed_float16"]
HALF = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


@pytest.fixture(params=POLICIES)
def policy(request):
    """The global policy set for the test's model building, float32 again afterwards."""
    name = device.set_mixed_precision(request.param)
    try:
        yield name
    finally:
        device.set_mixed_precision(False)


def _check(variables, optimizer, policy, logs, compute_layer, steps=1):
    assert logs and all(np.isfinite(float(v)) for v in logs.values()), logs
    assert variables and {v.dtype for v in variables} == {"float32"}  # weights stay float32
    assert compute_layer.compute_dtype == HALF[policy]  # ...but compute is 16-bit
    scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16"), type(optimizer)  # loss scaling only for fp16
    applied = int(optimizer.iterations.numpy())
    if scaled:
        # Dynamic loss scaling starts at 2**15 and *skips* a step whose scaled gradients
        # overflow float16 (then halves the scale): some of the first steps may be skipped,
        # but training must get going within a few.
        assert 1 <= applied <= steps, (applied, steps)
    else:
        assert applied == steps


def _style(size=32):
    rng = np.random.default_rng(0)
    return tf.constant(rng.uniform(size=(1, size, size, 3)), tf.float32)


def test_gan(policy):
    keras.utils.set_random_seed(0)
    gan = GAN(models.dcgan_generator(8, 8, seed=1), models.dcgan_discriminator(8, seed=2), ema_decay=0.9)
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    logs = {k: v[-1] for k, v in gan.fit(x, batch_size=8, epochs=1, verbose=0).history.items()}
    _check(
        gan.generator.weights + gan.discriminator.weights + gan.ema_generator.weights,
        gan.g_optimizer,
        policy,
        logs,
        gan.generator.layers[1],
        steps=4,
    )
    if isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer):
        assert int(gan.d_optimizer.iterations.numpy()) >= 1
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
    assert gan.generator.output.dtype == gan.discriminator.output.dtype == "float32"  # what feeds the losses
    assert np.isfinite(gan.generate(2)).all()


def test_perceptual_trainer(policy):
    keras.utils.set_random_seed(0)
    style_layers = ("block1_conv1", "block2_conv1")
    extractor = features.VGGFeatures(style_layers + training.CONTENT_LAYERS, weights="untrained")
    net = networks.transformer_net(0.125, residual_output=True)
    trainer = training.PerceptualTrainer(net, _style(), extractor=extractor, style_layers=style_layers)
    trainer.compile(keras.optimizers.Adam(1e-3))
    images = tf.random.stateless_uniform((2, 16, 16, 3), seed=(0, 1))
    logs = {k: v[-1] for k, v in trainer.fit(images, batch_size=2, epochs=1, verbose=0).history.items()}
    assert set(logs) >= {"loss", "content", "style", "tv"}
    conv = next(layer for layer in net.layers if layer.weights)
    _check(net.weights, trainer.optimizer, policy, logs, conv)
    assert trainer.stylize(images, None).dtype == tf.float32


def test_adain_trainer(policy):
    keras.utils.set_random_seed(0)
    encoder = features.VGGFeatures(networks.ADAIN_LAYERS, weights="untrained")
    stylizer = networks.AdaINStylizer(encoder, width=0.125)
    trainer = training.AdaINTrainer(stylizer)
    trainer.compile(keras.optimizers.Adam(1e-3))
    pair = (
        tf.random.stateless_uniform((2, 16, 16, 3), seed=(0, 1)),
        tf.random.stateless_uniform((2, 16, 16, 3), seed=(0, 2)),
    )
    ds = tf.data.Dataset.from_tensors(pair)
    logs = {k: v[-1] for k, v in trainer.fit(ds, epochs=1, verbose=0).history.items()}
    conv = next(layer for layer in stylizer.decoder.layers if layer.weights)
    _check(stylizer.decoder.weights, trainer.optimizer, policy, logs, conv)
