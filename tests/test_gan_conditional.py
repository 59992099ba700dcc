"""Notebook 03's library: conditional networks, spectral norm, WGAN-GP in the GAN model, exercise checks.

The gradient penalty on critics with known gradient norms (linear critic, finite
differences, uniform interpolation weights) is tested in ``tests/test_gan_losses.py``.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
import tensorflow as tf  # noqa: E402

from ganstyle_lib.gan import conditional, toy  # noqa: E402
from ganstyle_lib.gan.training import GAN  # noqa: E402

LATENT, WIDTH = 8, 8


def test_conditional_generator_output_depends_on_the_label():
    g = conditional.conditional_generator(LATENT, 10, WIDTH, seed=0)
    z = np.random.default_rng(0).standard_normal((4, LATENT)).astype("float32")
    outs = [np.asarray(g([z, np.full(4, k, "int32")], training=False)) for k in (0, 3, 7)]
    assert outs[0].shape == (4, 28, 28, 1) and np.abs(outs[0]).max() <= 1.0
    # An untrained generator's pixels are tiny (about 5e-5 here: N(0, 0.02) weights, four layers deep),
    # so compare the change with the output's own scale, not with a fixed number.
    scale = np.abs(outs[0]).mean()
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert np.abs(outs[a] - outs[b]).mean() > 0.1 * scale, "changing the label must change the image"
    again = np.asarray(g([z, np.zeros(4, "int32")], training=False))
    np.testing.assert_allclose(again, outs[0], atol=1e-3 * scale)  # and nothing else changes it


@pytest.mark.parametrize("spectral_norm", [True, False])
def test_projection_discriminator_logit_depends_on_the_label_through_the_projection(spectral_norm):
    d = conditional.projection_discriminator(10, WIDTH, spectral_norm=spectral_norm, seed=0)
    x = np.random.default_rng(1).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    l0 = np.asarray(d([x, np.zeros(3, "int32")]))
    l5 = np.asarray(d([x, np.full(3, 5, "int32")]))
    assert l0.shape == (3, 1) and not np.allclose(l0, l5)
    # the logit is psi(phi) + <V[y], phi>: check it against the formula with the layers' own weights
    phi = np.asarray(keras.Model(d.inputs, d.get_layer("features").output)([x, np.full(3, 5, "int32")]))
    dense = [layer for layer in d.layers if "logit" == getattr(getattr(layer, "layer", layer), "name", "")][0]
    table = [layer for layer in d.layers if "class_embedding" == getattr(getattr(layer, "layer", layer), "name", "")][0]
    dense, table = getattr(dense, "layer", dense), getattr(table, "layer", table)
    w, b = np.asarray(dense.kernel)[:, 0], np.asarray(dense.bias)[0]
    expected = conditional.projection_logits(phi, np.full(3, 5), np.asarray(table.kernel), w, b)
    np.testing.assert_allclose(l5[:, 0], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "layer, shape", [(lambda: keras.layers.Dense(7), (5, 12)), (lambda: keras.layers.Conv2D(6, 4), (2, 9, 9, 3))]
)
def test_spectral_normalisation_makes_the_largest_singular_value_one(layer, shape):
    keras.utils.set_random_seed(0)
    sn = keras.layers.SpectralNormalization(layer(), power_iterations=1)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    sn(x)
    kernel = np.asarray(sn.layer.kernel)
    before = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
    for _ in range(30):  # each training-mode call does one power iteration and rescales the kernel
        sn(x, training=True)
    kernel = np.asarray(sn.layer.kernel)
    after = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
    assert abs(before - 1.0) > 0.05  # it was not 1 to begin with
    assert after == pytest.approx(1.0, abs=0.02)


def _labelled(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return tf.data.Dataset.from_tensor_slices(
        (rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n))
    ).batch(8)


def test_conditional_wgan_gp_fit_step_and_generate_by_label():
    keras.utils.set_random_seed(0)
    gan = GAN(
        conditional.conditional_generator(LATENT, 10, WIDTH, seed=1),
        conditional.projection_discriminator(10, WIDTH, spectral_norm=False, seed=2),
        d_steps=2,
        gp_weight=10.0,
        ema_decay=0.9,
    )
    gan.compile(
        keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        loss="wasserstein",
    )
    before = [np.array(w.numpy()) for w in gan.discriminator.weights]
    logs = gan.fit(_labelled(), epochs=1, verbose=0).history
    assert np.isfinite(logs["d_loss"]).all() and gan.conditional and gan.step.numpy() == 2
    assert any(not np.allclose(a, np.asarray(b)) for a, b in zip(before, gan.discriminator.weights))
    images = gan.generate(np.zeros((3, LATENT), "float32"), labels=[1, 2, 3])
    assert images.shape == (3, 28, 28, 1)
    assert not np.allclose(images[0], images[1])
    with pytest.raises(ValueError, match="with_labels"):
        gan.gan_step(np.zeros((2, 28, 28, 1), "float32"))


def test_gan_gradient_penalty_raises_the_critic_loss():
    """The same step with gp_weight > 0 reports a larger d_loss (penalty >= 0 is added)."""
    from ganstyle_lib.gan import models

    def first_d_loss(gp_weight):
        keras.utils.set_random_seed(0)
        gan = GAN(
            models.dcgan_generator(LATENT, WIDTH, seed=1),
            models.dcgan_discriminator(WIDTH, batch_norm=False, seed=2),
            gp_weight=gp_weight,
        )
        gan.compile(keras.optimizers.Adam(0.0), keras.optimizers.Adam(0.0), loss="wasserstein")
        x = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
        return float(gan.gan_step(x)["d_loss"])

    assert first_d_loss(10.0) > first_d_loss(0.0) + 1.0  # small init weights: ||grad|| << 1, penalty ~ 10
    with pytest.raises(ValueError, match="gp_weight"):
        GAN(models.dcgan_generator(LATENT, WIDTH), models.dcgan_discriminator(WIDTH), gp_weight=-1)


def _ring_modes(**kwargs):
    target = toy.ring(8, 2.0, 0.02)
    g = toy.make_generator(8, 2, hidden=(128, 128), seed=0)
    d = toy.make_discriminator(2, hidden=kwargs.pop("d_hidden"), seed=100)
    run = toy.train_toy_gan(
        g, d, target, steps=RING_STEPS, batch_size=256, snapshot_every=RING_STEPS, seed=0, progress=False, **kwargs
    )
    # a loose radius (3 x 0.1): after a short run samples sit near, not on, the modes
    return toy.mode_coverage(run.snapshots[-1].samples, target.centers, 0.1).modes_covered


# Margin measured 2026-11-25 with seeds 0-4 (generator, critic and sampling seeds all changed): at 300 steps
# the baseline covered 0-1 modes and WGAN-GP 3-8, so `>= baseline + 2` held for every seed. Longer runs
# shrink the margin (450 steps: WGAN-GP 2-7), so the step count is part of the claim.
RING_STEPS = 300


def test_wgan_gp_covers_more_ring_modes_than_the_collapsing_baseline():
    baseline = _ring_modes(loss="non_saturating", d_hidden=(128,))
    wgan_gp = _ring_modes(loss="wasserstein", gp_weight=10.0, d_steps=2, betas=(0.0, 0.9), d_hidden=(128, 128))
    assert baseline <= 2, f"the baseline should collapse (covered {baseline} of 8 modes)"
    assert wgan_gp >= baseline + 2, f"WGAN-GP covered {wgan_gp} modes, the baseline {baseline}"
