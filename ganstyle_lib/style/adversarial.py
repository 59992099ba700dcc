"""Adversarial style losses: a patch discriminator learns what the style's patches look like.

A Gram-matrix loss (:mod:`.losses`) matches a *fixed* statistic of the style:
second moments of feature maps. A discriminator *learns* the statistic instead:
it is trained to tell patches of the style image from patches of stylised
outputs, and the stylisation network is trained to fool it -- the GAN game of
:mod:`ganstyle_lib.gan` with the style image's patches as the "real data".

* :func:`patch_discriminator` -- a fully convolutional discriminator whose
  output is a *grid* of logits, one per input patch (PatchGAN of Isola, Zhu,
  Zhou & Efros, CVPR 2017; a Markovian discriminator as in Li & Wand, ECCV 2016).
  Every convolution is ``'valid'``, so each logit judges exactly one
  ``R x R`` window of the input, ``R`` = :func:`patch_receptive_field`, and the
  grid has the shape :func:`patch_grid_shape` gives.
* :func:`receptive_field` -- ``R`` of any stack of convolutions.
* :class:`PatchAdversary` -- the discriminator, its optimiser, a loss pair from
  :data:`ganstyle_lib.gan.losses.LOSSES` and the style image it crops real
  patches from: ``generator_loss(fake)`` for the stylisation network's loss,
  ``discriminator_step(fake)`` for one update of the discriminator. Pass it to
  :class:`~.training.PerceptualTrainer` as ``adversary=``.
* :func:`patch_distance` -- a sliced Wasserstein distance between the
  distributions of small *pixel* patches of two sets of images (as the
  progressive-GAN paper measures its samples, Karras et al. 2018): a style
  measure that depends on no network at all, so it means the same with
  untrained and ImageNet VGG19 features.

Images are float32 ``(B, H, W, 3)`` in ``[0, 1]`` (the style convention); the
discriminator maps them to ``[-1, 1]`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..gan import losses as gan_losses
from .networks import InstanceNormalization

__all__ = [
    "receptive_field",
    "patch_layers",
    "patch_receptive_field",
    "patch_grid_shape",
    "patch_discriminator",
    "PatchAdversary",
    "patch_distance",
]


# --------------------------------------------------------------------------- geometry


def receptive_field(kernel_sizes: Sequence[int], strides: Sequence[int]) -> int:
    """Side ``R`` of the input window that one output position of a stack of convolutions sees.

    Walk back from one output position: a layer with kernel ``k`` and stride
    ``s`` turns a window of ``r`` positions of its output into
    ``(r - 1) * s + k`` positions of its input. Start from ``r = 1`` at the
    last layer. Example: kernels ``(4, 4, 4, 4, 4)``, strides ``(2, 2, 2, 1, 1)``
    give ``R = 70``, the "70 x 70 PatchGAN" of Isola et al.
    """
    if len(kernel_sizes) != len(strides):
        raise ValueError(f"{len(kernel_sizes)} kernel sizes but {len(strides)} strides")
    r = 1
    for k, s in zip(reversed(list(kernel_sizes)), reversed(list(strides))):
        r = (r - 1) * int(s) + int(k)
    return r


def valid_output_size(size: int, kernel_sizes: Sequence[int], strides: Sequence[int]) -> int:
    """Length of one side of the output of a stack of unpadded ('valid') convolutions.

    A layer with kernel ``k`` and stride ``s`` fits ``(n - k) // s + 1`` windows
    into ``n`` input positions; apply it layer by layer, first layer first.
    Example: a 64-pixel side through kernels ``(4, 4, 4, 4)``, strides
    ``(2, 2, 1, 1)`` gives 64 -> 31 -> 14 -> 11 -> 8.
    """
    if len(kernel_sizes) != len(strides):
        raise ValueError(f"{len(kernel_sizes)} kernel sizes but {len(strides)} strides")
    n = int(size)
    for k, s in zip(kernel_sizes, strides):
        n = (n - int(k)) // int(s) + 1
    return n


def patch_layers(num_downsamples: int = 3, kernel_size: int = 4) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(kernel_sizes, strides)`` of :func:`patch_discriminator`'s convolutions.

    ``num_downsamples`` stride-2 convolutions, then one stride-1 convolution
    with features and one stride-1 convolution to the logit.
    """
    if num_downsamples < 0:
        raise ValueError(f"num_downsamples must be >= 0, got {num_downsamples}")
    n = num_downsamples + 2
    return (kernel_size,) * n, (2,) * num_downsamples + (1, 1)


def patch_receptive_field(num_downsamples: int = 3, kernel_size: int = 4) -> int:
    """The patch side ``R`` that each logit of :func:`patch_discriminator` judges.

    With 4 x 4 kernels: 0 -> 7, 1 -> 16, 2 -> 34, 3 -> 70, 4 -> 142 pixels.
    """
    return receptive_field(*patch_layers(num_downsamples, kernel_size))


def patch_grid_shape(height: int, width: int, num_downsamples: int = 3, kernel_size: int = 4) -> tuple[int, int]:
    """Shape ``(h, w)`` of the logit grid for an ``height x width`` input ('valid' convolutions).

    Layer by layer ``n -> (n - k) // s + 1`` (:func:`valid_output_size`); this equals
    ``(n - R) // J + 1`` with ``R`` the receptive field and ``J = 2 ** num_downsamples``
    the distance, in input pixels, between the windows of neighbouring logits.
    Raises ``ValueError`` when the input is smaller than one window.
    """
    size = patch_receptive_field(num_downsamples, kernel_size)
    if min(height, width) < size:
        raise ValueError(
            f"a {height}x{width} input is smaller than the discriminator's {size}x{size} "
            f"receptive field; use larger crops or fewer downsamplings (num_downsamples)"
        )
    layers = patch_layers(num_downsamples, kernel_size)
    return valid_output_size(height, *layers), valid_output_size(width, *layers)


# --------------------------------------------------------------------------- the network


def patch_discriminator(
    num_downsamples: int = 3,
    width: int = 64,
    *,
    kernel_size: int = 4,
    norm: str = "none",
    input_shape: Sequence[int | None] = (None, None, 3),
    seed: int | None = None,
    name: str = "patch_discriminator",
) -> keras.Model:
    """A PatchGAN discriminator: images ``(B, H, W, 3)`` in [0, 1] -> logits ``(B, h, w, 1)``.

    ======================  ==========================================  =============
    layer                   what                                        channels
    ======================  ==========================================  =============
    down1 ... downN         k x k conv, stride 2, LeakyReLU(0.2)        64, 128, 256...
    features                k x k conv, stride 1, LeakyReLU(0.2)        2 x the last
    logits                  k x k conv, stride 1, no activation         1
    ======================  ==========================================  =============

    Channel counts are ``width * 2**i`` capped at ``8 * width``, as in pix2pix.
    All convolutions are 'valid' (no padding), so with ``norm="none"`` (the
    default) logit ``(i, j)`` depends on the input window of side
    ``R = patch_receptive_field(num_downsamples, kernel_size)`` starting at pixel
    ``(i J, j J)``, ``J = 2 ** num_downsamples``, and on nothing else.
    ``norm="instance"`` (CycleGAN's choice) instance-normalises every layer but
    the first and the last; each logit then also depends on the whole picture
    through the normalisation's per-image mean and variance -- and those
    per-channel statistics, the very ones a Gram loss matches, are removed.
    ``num_downsamples=3`` with 4 x 4 kernels is the 70 x 70 PatchGAN; on the
    course's 64-pixel CPU crops use 2 (34 x 34 windows, an 8 x 8 grid).
    Logits have no sigmoid: the losses of :mod:`ganstyle_lib.gan.losses` take them as they are.
    """
    if norm not in ("instance", "none"):
        raise ValueError(f"norm must be 'instance' or 'none', got {norm!r}")
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)  # DCGAN/pix2pix initialisation
    images = keras.Input(shape=tuple(input_shape), name="image")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_gan_range")(images)  # [0, 1] -> [-1, 1]
    channels = width
    for i in range(num_downsamples + 1):
        last_features = i == num_downsamples
        label = "features" if last_features else f"down{i + 1}"
        channels = min(width * 2**i, 8 * width)
        x = keras.layers.Conv2D(
            channels,
            kernel_size,
            strides=1 if last_features else 2,
            padding="valid",
            kernel_initializer=init,
            use_bias=(i == 0 or norm == "none"),
            name=label,
        )(x)
        if i > 0 and norm == "instance":
            x = InstanceNormalization(name=f"{label}_norm")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{label}_lrelu")(x)
    logits = keras.layers.Conv2D(1, kernel_size, padding="valid", kernel_initializer=init, name="logits")(x)
    return keras.Model(images, logits, name=name)


# --------------------------------------------------------------------------- the adversarial loss


class PatchAdversary:
    """A patch discriminator playing against a stylisation network, with the style image as "real data".

    Args:
        discriminator: from :func:`patch_discriminator`.
        style: the style image ``(1, H, W, 3)`` in [0, 1]; real patches are random
            crops (and horizontal flips) of it, as large as the stylised batch.
        weight: ``lambda_adv``, multiplies the generator loss.
        loss: a name from :data:`ganstyle_lib.gan.losses.LOSSES`; default
            ``"least_squares"`` (CycleGAN's choice: smooth gradients even for
            patches the discriminator rejects confidently).
        optimizer: the discriminator's own optimiser; default Adam(2e-4, beta_1=0.5).
        seed: seed of the crop positions.

    Both losses average over every logit of the grid: each patch is one sample
    of the game.
    """

    def __init__(
        self,
        discriminator: keras.Model,
        style: Any,
        *,
        weight: float = 1.0,
        loss: str = "least_squares",
        optimizer: keras.optimizers.Optimizer | None = None,
        seed: int = 0,
    ) -> None:
        if loss not in gan_losses.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(gan_losses.LOSSES)}")
        style = tf.convert_to_tensor(style, tf.float32)
        if style.shape.rank != 4 or style.shape[0] != 1 or style.shape[-1] != 3:
            raise ValueError(f"style must be one image (1, H, W, 3) in [0, 1], got shape {style.shape}")
        self.discriminator = discriminator
        self.style = style
        self.weight = float(weight)
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = gan_losses.LOSSES[loss]
        self.optimizer = optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        # Built now, outside any tf.function, so its slots exist before the first traced step.
        self.optimizer.build(discriminator.trainable_variables)
        self._rng = tf.random.Generator.from_seed(seed)

    def real_patches(self, batch_size: Any, height: int, width: int) -> tf.Tensor:
        """``(batch_size, height, width, 3)`` random crops of the style image, half of them mirrored."""
        h, w = int(self.style.shape[1]), int(self.style.shape[2])
        if h < height or w < width:
            raise ValueError(
                f"the style image ({h}x{w}) is smaller than the {height}x{width} crops; "
                "load it larger (data.load_image(..., max_dim=...)) or use smaller crops"
            )
        # Top-left corners, then boxes in crop_and_resize's normalised coordinates that land on whole
        # pixels: the crops are exact copies of the style image's pixels, no interpolation.
        top = self._rng.uniform([batch_size], 0, h - height + 1, dtype=tf.int32)
        left = self._rng.uniform([batch_size], 0, w - width + 1, dtype=tf.int32)
        top, left = tf.cast(top, tf.float32), tf.cast(left, tf.float32)
        boxes = tf.stack(
            [
                top / max(h - 1, 1),
                left / max(w - 1, 1),
                (top + height - 1) / max(h - 1, 1),
                (left + width - 1) / max(w - 1, 1),
            ],
            axis=1,
        )
        crops = tf.image.crop_and_resize(self.style, boxes, tf.zeros([batch_size], tf.int32), (height, width))
        flip = self._rng.uniform([batch_size, 1, 1, 1]) < 0.5
        return tf.where(flip, tf.reverse(crops, axis=[2]), crops)

    def generator_loss(self, fake: tf.Tensor) -> tf.Tensor:
        """``weight * g_loss(D(fake))``: small when the discriminator takes the outputs' patches for the style's."""
        return self.weight * self.g_loss_fn(self.discriminator(fake, training=False))

    def discriminator_loss(self, fake: tf.Tensor) -> tf.Tensor:
        """``d_loss(D(real patches), D(fake))`` on as many real crops as there are fakes (unweighted)."""
        shape = tf.shape(fake)
        real = self.real_patches(shape[0], int(fake.shape[1]), int(fake.shape[2]))
        return self.d_loss_fn(self.discriminator(real, training=True), self.discriminator(fake, training=True))

    def discriminator_step(self, fake: tf.Tensor) -> tf.Tensor:
        """One optimiser update of the discriminator against ``fake`` (gradients stop at ``fake``)."""
        fake = tf.stop_gradient(fake)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            loss = self.discriminator_loss(fake)
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return loss


# --------------------------------------------------------------------------- measuring


def _pixel_patches(images: np.ndarray, size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random ``size x size x 3`` patches of ``images`` ``(B, H, W, 3)``.

    Flattened: ``(count, size*size*3)``.
    """
    b, h, w, c = images.shape
    if min(h, w) < size:
        raise ValueError(f"images of {h}x{w} pixels are smaller than {size}x{size} patches")
    idx = rng.integers(b, size=count)
    top = rng.integers(h - size + 1, size=count)
    left = rng.integers(w - size + 1, size=count)
    rows = top[:, None] + np.arange(size)[None, :]  # (count, size)
    cols = left[:, None] + np.arange(size)[None, :]
    patches = images[idx[:, None, None], rows[:, :, None], cols[:, None, :]]  # (count, size, size, C)
    return patches.reshape(count, size * size * c)


def _downsample(images: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return images
    b, h, w, c = images.shape
    h, w = h // factor * factor, w // factor * factor
    return images[:, :h, :w].reshape(b, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def patch_distance(
    images: Any,
    reference: Any,
    *,
    patch_size: int = 7,
    scales: Sequence[int] = (1, 2),
    n_patches: int = 4096,
    n_projections: int = 128,
    seed: int = 0,
) -> float:
    """Sliced Wasserstein distance between the pixel-patch distributions of two image sets.

    ``images`` ``(B, H, W, 3)`` and ``reference`` ``(B', H', W', 3)`` in [0, 1] (sizes may differ).
    At each scale (1 = full resolution, 2 = averaged over 2 x 2 pixels, ...),
    ``n_patches`` random ``patch_size x patch_size`` patches of each set become
    points in ``R^(3 patch_size^2)``; both point clouds are projected on
    ``n_projections`` random unit directions and the sorted projections
    compared: ``SW_1 = mean_directions mean_i |a_(i) - b_(i)|`` (the 1-D
    Wasserstein distance has this closed form). The result is averaged over
    scales and multiplied by 100. Colour, contrast and local texture all count,
    *where* things are does not. Identical distributions give about 0 plus
    sampling noise (both sets are sampled independently: about 0.5 for
    uniform noise images with the defaults), so compare a result with the
    distance between two samples of the reference itself.
    Seeded: the same inputs give the same number. No network is involved, so
    the measure does not change with the VGG19 weights (Karras et al. 2018 use
    the same idea on Laplacian-pyramid patches to evaluate GANs).
    """
    a, b = (np.asarray(x, np.float32) for x in (images, reference))
    for name, x in (("images", a), ("reference", b)):
        if x.ndim != 4 or x.shape[-1] != 3:
            raise ValueError(f"{name} must be RGB images (B, H, W, 3) in [0, 1], got shape {x.shape}")
    rng = np.random.default_rng(seed)
    dim = patch_size * patch_size * 3
    distances = []
    for factor in scales:
        pa = _pixel_patches(_downsample(a, factor), patch_size, n_patches, rng)
        pb = _pixel_patches(_downsample(b, factor), patch_size, n_patches, rng)
        directions = rng.standard_normal((dim, n_projections)).astype(np.float32)
        directions /= np.linalg.norm(directions, axis=0, keepdims=True)
        proj_a, proj_b = np.sort(pa @ directions, axis=0), np.sort(pb @ directions, axis=0)
        distances.append(float(np.abs(proj_a - proj_b).mean()))
    return 100.0 * float(np.mean(distances))
