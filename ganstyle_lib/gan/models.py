"""DCGAN generators and discriminators (Radford, Metz & Chintala 2016, arXiv:1511.06434).

Two resolutions, one recipe: the generator *projects* a latent vector to a small
feature map and doubles its side with stride-2 transposed convolutions
(batch norm + ReLU in between, ``tanh`` at the end so images are in [-1, 1]);
the discriminator mirrors it with stride-2 convolutions and LeakyReLU(0.2) and
returns one **logit** per image (no sigmoid: the losses take logits).

* :func:`dcgan_generator` / :func:`dcgan_discriminator` -- 28x28x1 digits:
  7 -> 14 -> 28 -> one 3x3 convolution to pixels, and 28 -> 14 -> 7 -> 4 -> logit.
  Small enough to train to good digits in about a minute on a laptop CPU.
* :func:`dcgan_generator_64` / :func:`dcgan_discriminator_64` -- 64x64x3 RGB,
  the paper's 4 -> 8 -> 16 -> 32 -> 64 layout.
* :func:`tutorial_generator` / :func:`tutorial_discriminator` -- the TensorFlow
  DCGAN tutorial's published networks (5x5 kernels, a 7x7x256 projection),
  kept as the baseline for the benchmark and the notebook's comparison.
* Building blocks, public because :mod:`.conditional` builds its networks from
  them too: :func:`weight_init`, :func:`dcgan_batch_norm`,
  :func:`maybe_spectral_norm`, :func:`upsample_to_28` (the 28x28 generator's
  body) and :func:`check_output_shape`.

Every weight is drawn from N(0, 0.02) as in the DCGAN paper; BN scales from
N(1, 0.02). Each builder asserts its output shape.

Why 4x4 kernels with stride 2? A 4x4 kernel is divisible by the stride, so
every output pixel of a transposed convolution receives the same number of
kernel taps -- fewer checkerboard artefacts than 5x5/3x3 (Odena et al. 2016,
"Deconvolution and checkerboard artifacts") -- and it costs 16 instead of 25
multiply-adds per tap.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

__all__ = [
    "weight_init",
    "dcgan_batch_norm",
    "maybe_spectral_norm",
    "check_output_shape",
    "upsample_to_28",
    "dcgan_generator",
    "dcgan_discriminator",
    "dcgan_generator_64",
    "dcgan_discriminator_64",
    "tutorial_generator",
    "tutorial_discriminator",
    "count_flops",
    "gan_step_flops",
]


def weight_init(seed: int | None = None) -> keras.initializers.Initializer:
    """N(0, 0.02), the DCGAN paper's initialisation for every conv and dense kernel."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=seed)


def dcgan_batch_norm(name: str | None = None) -> layers.Layer:
    """The batch normalisation every DCGAN builder here uses (also :mod:`.conditional`'s).

    Scales start from N(1, 0.02) as in the DCGAN paper; momentum 0.9 and synchronised
    statistics, for the reasons below.
    """
    # momentum 0.9: moving statistics catch up within tens of steps, so samples drawn in
    # inference mode look right even after a short (quick-mode) run.
    # synchronized=True: under a tf.distribute strategy the batch statistics are taken over
    # the *global* batch (all-reduced), so n replicas train exactly like one device with the
    # same global batch (tested); per-replica statistics made 2-replica weights drift from
    # single-device ones by ~1e-2 after 4 steps. On one device it is the same computation.
    return layers.BatchNormalization(
        momentum=0.9,
        epsilon=1e-5,
        synchronized=True,
        gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02),
        name=name,
    )


def maybe_spectral_norm(layer: layers.Layer, spectral_norm: bool) -> layers.Layer:
    """Wrap ``layer`` in spectral normalisation (Miyato et al. 2018) when ``spectral_norm``, else return it."""
    return layers.SpectralNormalization(layer) if spectral_norm else layer


def check_output_shape(model: keras.Model, expected: tuple[int, ...]) -> keras.Model:
    """Return ``model`` after asserting its output shape without the batch axis is ``expected``.

    Every builder ends with it, so a wrong layer size fails where the model is built,
    not several layers later inside a loss.
    """
    got = tuple(model.output_shape[1:])
    assert got == expected, f"{model.name}: output shape {got}, expected {expected}"
    return model


def dcgan_generator(
    latent_dim: int = 64, width: int = 32, *, seed: int | None = None, name: str = "generator"
) -> keras.Model:
    """Generator z (B, latent_dim) -> digits (B, 28, 28, 1) in [-1, 1] (tanh).

    Dense projection to 7x7x(2*width) -> BN/ReLU -> 4x4 transposed conv, stride 2
    to 14x14xwidth -> BN/ReLU -> 4x4 transposed conv, stride 2 to 28x28x(width/2)
    -> BN/ReLU -> 3x3 conv to 28x28x1 ("to_pixels") -> tanh.
    """
    z = keras.Input((latent_dim,), name="z")
    image = upsample_to_28(z, width, weight_init(seed))
    return check_output_shape(keras.Model(z, image, name=name), (28, 28, 1))


def upsample_to_28(x: Any, width: int, init: keras.initializers.Initializer) -> Any:
    """The 28x28 generator's body, shared with the conditional generator: (B, d) -> (B, 28, 28, 1) in [-1, 1].

    ``x`` is a symbolic Keras tensor (B, d) -- the latent vector, or the latent vector
    joined with a label embedding -- and the result is the tanh output (float32).
    """
    x = layers.Dense(7 * 7 * 2 * width, use_bias=False, kernel_initializer=init, name="project")(x)
    x = dcgan_batch_norm("project_bn")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, 2 * width))(x)  # 7x7
    x = layers.Conv2DTranspose(
        width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init, name="up1"
    )(x)  # 14x14
    x = dcgan_batch_norm("up1_bn")(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(
        max(width // 2, 1), 4, strides=2, padding="same", use_bias=False, kernel_initializer=init, name="up2"
    )(x)  # 28x28
    x = dcgan_batch_norm("up2_bn")(x)
    x = layers.ReLU()(x)
    # Why a last 3x3 convolution instead of a transposed convolution straight to one
    # channel: each output pixel of a stride-2 transposed convolution is made by one of
    # four different sub-kernels, so a single-channel output carries a faint 2x2
    # checkerboard that real digits never have -- and the FCD's classifier sees it.
    # Mixing width/2 feature maps at full resolution removes it; measured with the
    # benchmark's recipe (benchmarks/RESULTS.md), FCD after 3,000 steps fell from 96 to 65.
    x = layers.Conv2D(1, 3, padding="same", kernel_initializer=init, name="to_pixels")(x)  # 28x28x1
    # float32 output even under a mixed-precision policy: it feeds the losses.
    return layers.Activation("tanh", dtype="float32", name="tanh")(x)


def dcgan_discriminator(
    width: int = 32,
    *,
    batch_norm: bool = True,
    spectral_norm: bool = False,
    seed: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Discriminator digits (B, 28, 28, 1) in [-1, 1] -> logits (B, 1).

    4x4 conv, stride 2 to 14x14xwidth -> LeakyReLU(0.2) -> 4x4 conv, stride 2 to
    7x7x(2*width) -> batch norm -> LeakyReLU(0.2) -> 3x3 conv, stride 2 to
    4x4x(4*width) -> batch norm -> LeakyReLU(0.2) -> dense 1. As in the DCGAN
    paper there is no batch norm on the first layer; measured here, batch norm
    made the digits recognisable in about half the steps, and the third
    convolution (a wider view of each digit before the verdict) took the FCD after
    3,000 steps from 65 to 36 (benchmarks/RESULTS.md).
    ``spectral_norm=True`` wraps every conv/dense kernel in
    ``keras.layers.SpectralNormalization`` (used in notebook 03) and drops the
    batch norm, as in Miyato et al. 2018.
    """
    init = weight_init(seed)
    use_bn = batch_norm and not spectral_norm
    image = keras.Input((28, 28, 1), name="image")
    x = maybe_spectral_norm(
        layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init, name="down1"), spectral_norm
    )(image)  # 14x14
    x = layers.LeakyReLU(0.2)(x)
    for i, (channels, kernel) in enumerate(((2 * width, 4), (4 * width, 3)), start=2):
        x = maybe_spectral_norm(
            layers.Conv2D(
                channels,
                kernel,
                strides=2,
                padding="same",
                use_bias=not use_bn,
                kernel_initializer=init,
                name=f"down{i}",
            ),
            spectral_norm,
        )(x)  # 7x7, 4x4
        if use_bn:
            x = dcgan_batch_norm(f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logit = maybe_spectral_norm(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"), spectral_norm)(
        x
    )
    return check_output_shape(keras.Model(image, logit, name=name), (1,))


def dcgan_generator_64(
    latent_dim: int = 100, width: int = 64, *, channels: int = 3, seed: int | None = None, name: str = "generator_64"
) -> keras.Model:
    """The DCGAN paper's generator: z (B, latent_dim) -> images (B, 64, 64, channels) in [-1, 1].

    Project to 4x4x(8*width), then four 4x4 stride-2 transposed convolutions
    4 -> 8 -> 16 -> 32 -> 64 halving the channels (8w, 4w, 2w, w, channels).
    """
    init = weight_init(seed)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(4 * 4 * 8 * width, use_bias=False, kernel_initializer=init, name="project")(z)
    x = dcgan_batch_norm("project_bn")(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((4, 4, 8 * width))(x)  # 4x4
    for i, mult in enumerate((4, 2, 1), start=1):  # 8, 16, 32
        x = layers.Conv2DTranspose(
            mult * width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init, name=f"up{i}"
        )(x)
        x = dcgan_batch_norm(f"up{i}_bn")(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=init, name="up4")(x)  # 64x64
    image = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return check_output_shape(keras.Model(z, image, name=name), (64, 64, channels))


def dcgan_discriminator_64(
    width: int = 64,
    *,
    channels: int = 3,
    spectral_norm: bool = False,
    seed: int | None = None,
    name: str = "discriminator_64",
) -> keras.Model:
    """The DCGAN paper's discriminator: images (B, 64, 64, channels) -> logits (B, 1).

    Four 4x4 stride-2 convolutions 64 -> 32 -> 16 -> 8 -> 4 (w, 2w, 4w, 8w channels),
    LeakyReLU(0.2), batch norm on all but the first (no batch norm when
    ``spectral_norm=True``, which then normalises every kernel instead), dense 1.
    """
    init = weight_init(seed)
    image = keras.Input((64, 64, channels), name="image")
    x = image
    for i, mult in enumerate((1, 2, 4, 8), start=1):  # 32, 16, 8, 4
        x = maybe_spectral_norm(
            layers.Conv2D(
                mult * width,
                4,
                strides=2,
                padding="same",
                use_bias=spectral_norm or i == 1,
                kernel_initializer=init,
                name=f"down{i}",
            ),
            spectral_norm,
        )(x)
        if i > 1 and not spectral_norm:
            x = dcgan_batch_norm(f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logit = maybe_spectral_norm(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"), spectral_norm)(
        x
    )
    return check_output_shape(keras.Model(image, logit, name=name), (1,))


def tutorial_generator(latent_dim: int = 100, *, name: str = "tutorial_generator") -> keras.Model:
    """The TensorFlow DCGAN tutorial's generator (tensorflow.org/tutorials/generative/dcgan).

    Dense 7x7x256 -> BN/LeakyReLU -> 5x5 transposed convs 128 (stride 1), 64
    (stride 2), 1 (stride 2, tanh). Keras' default Glorot initialisation, as there.
    """
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(7 * 7 * 256, use_bias=False)(z)
    x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, 256))(x)
    x = layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False)(x)
    image = layers.Activation("tanh", dtype="float32")(x)
    return check_output_shape(keras.Model(z, image, name=name), (28, 28, 1))


def tutorial_discriminator(*, name: str = "tutorial_discriminator") -> keras.Model:
    """The TensorFlow DCGAN tutorial's discriminator: 5x5 convs 64, 128 (stride 2),
    LeakyReLU, dropout 0.3, dense 1 logit."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(64, 5, strides=2, padding="same")(image)
    x = layers.Dropout(0.3)(layers.LeakyReLU()(x))
    x = layers.Conv2D(128, 5, strides=2, padding="same")(x)
    x = layers.Dropout(0.3)(layers.LeakyReLU()(x))
    logit = layers.Dense(1, dtype="float32")(layers.Flatten()(x))
    return check_output_shape(keras.Model(image, logit, name=name), (1,))


def count_flops(model: keras.Model) -> int:
    """Multiply-add FLOPs (2 per MAC) of one forward pass for ONE example.

    Counts Dense, Conv2D and Conv2DTranspose layers (the rest is negligible):
    a conv costs ``H_out * W_out * C_out * k_h * k_w * C_in`` MACs, a transposed
    conv ``H_in * W_in * C_in * k_h * k_w * C_out`` MACs (every input pixel
    scatters one kernel). A training step costs about 3x the forward FLOPs
    (forward, gradient w.r.t. activations, gradient w.r.t. weights).
    """
    macs = 0

    def visit(layer: Any) -> None:
        nonlocal macs
        inner = getattr(layer, "layer", None)  # SpectralNormalization wraps a layer
        target = inner if isinstance(inner, layers.Layer) else layer
        if isinstance(target, layers.Conv2DTranspose):
            _, h, w, c_in = layer.input.shape
            kh, kw = target.kernel_size
            macs += h * w * c_in * kh * kw * target.filters
        elif isinstance(target, layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = target.kernel_size
            macs += h * w * c_out * kh * kw * layer.input.shape[-1]
        elif isinstance(target, layers.Dense):
            macs += int(layer.input.shape[-1]) * target.units

    for lyr in model.layers:
        if isinstance(lyr, keras.Model):
            macs += count_flops(lyr) // 2
        else:
            visit(lyr)
    return int(2 * macs)


def gan_step_flops(
    generator: keras.Model, discriminator: keras.Model, batch_size: int, d_steps: int = 1, shared_fakes: bool = False
) -> int:
    """Approximate FLOPs of one GAN training step (``GAN.gan_step``).

    Per discriminator update: G forward on B noise vectors, D forward + backward
    (3x) on B real and B fake images. Generator update: G and D forward + backward
    (3x) on B images. ``3 x forward`` = forward, backward to activations, backward
    to weights. With ``shared_fakes`` (``GAN(shared_fakes=True)``) the discriminator
    update reuses the generator update's fakes: one G forward pass fewer.
    """
    g, d = count_flops(generator), count_flops(discriminator)
    per_d_update = batch_size * ((0 if shared_fakes else g) + 3 * 2 * d)
    per_g_update = 3 * batch_size * (g + d)
    return int(d_steps * per_d_update + per_g_update)
