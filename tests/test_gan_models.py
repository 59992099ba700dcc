"""DCGAN builders: output shapes, ranges, initialisation, the spectral-norm hook, FLOP counts."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from ganstyle_lib.gan import models  # noqa: E402


@pytest.mark.parametrize("latent_dim,width", [(64, 32), (16, 8)])
def test_digits_generator_and_discriminator_shapes(latent_dim, width):
    g = models.dcgan_generator(latent_dim, width)
    d = models.dcgan_discriminator(width)
    z = np.random.default_rng(0).standard_normal((3, latent_dim)).astype("float32")
    images = np.asarray(g(z, training=False))
    assert images.shape == (3, 28, 28, 1)
    assert images.min() >= -1.0 and images.max() <= 1.0  # tanh
    assert tuple(d(images).shape) == (3, 1)


def test_rgb_64_shapes_follow_4_8_16_32_64():
    g = models.dcgan_generator_64(latent_dim=32, width=8)
    d = models.dcgan_discriminator_64(width=8)
    sides = [lyr.output.shape[1] for lyr in g.layers if lyr.name.startswith("up") and "bn" not in lyr.name]
    assert sides == [8, 16, 32, 64]
    images = g(np.zeros((2, 32), "float32"))
    assert tuple(images.shape) == (2, 64, 64, 3)
    assert tuple(d(images).shape) == (2, 1)


def test_spectral_norm_hook_wraps_kernels():
    d = models.dcgan_discriminator(8, spectral_norm=True)
    wrapped = [lyr for lyr in d.layers if isinstance(lyr, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 4  # three convolutions and the dense logit
    assert tuple(d(np.zeros((2, 28, 28, 1), "float32")).shape) == (2, 1)
    d64 = models.dcgan_discriminator_64(width=8, spectral_norm=True)
    assert not any(isinstance(lyr, keras.layers.BatchNormalization) for lyr in d64.layers)


def test_weights_start_from_normal_0_002():
    g = models.dcgan_generator(64, 32, seed=1)
    kernel = np.asarray(g.get_layer("up1").kernel)
    assert abs(kernel.mean()) < 2e-3
    assert kernel.std() == pytest.approx(0.02, rel=0.1)


def test_tutorial_baseline_and_flop_counts():
    small_g, tut_g = models.dcgan_generator(), models.tutorial_generator()
    assert tuple(tut_g.output_shape) == (None, 28, 28, 1)
    assert tuple(models.tutorial_discriminator().output_shape) == (None, 1)
    # 5x5 kernels and a 7x7x256 projection cost far more per image than the small DCGAN
    assert models.count_flops(tut_g) > 10 * models.count_flops(small_g)
    # one dense layer: 2 * in * out
    inp = keras.Input((5,))
    assert models.count_flops(keras.Model(inp, keras.layers.Dense(3)(inp))) == 30
