"""Conditional GANs for digits: a label-embedding generator and a projection discriminator.

Both networks take two inputs, ``[x, label]`` with integer labels ``(B,)`` in
``0 .. n_classes - 1``, and otherwise follow the DCGAN builders of
:mod:`ganstyle_lib.gan.models`:

* :func:`conditional_generator` -- ``[z (B, latent_dim), label (B,)]`` -> digits
  ``(B, 28, 28, 1)`` in [-1, 1]. The label is looked up in a learned embedding
  table and **concatenated** to z before the projection (Mirza & Osindero 2014
  concatenate a one-hot label; an embedding is the same thing with a learned
  linear map in front).
* :func:`projection_discriminator` -- ``[image (B, 28, 28, 1), label (B,)]`` ->
  logits ``(B, 1)``. The **projection discriminator** (Miyato & Koyama 2018,
  "cGANs with Projection Discriminator", ICLR) computes features ``phi(x)`` and
  returns ``psi(phi(x)) + <embed(y), phi(x)>``: an unconditional logit plus the
  inner product of the features with the class's embedding. Spectral
  normalisation on every kernel (and on the embedding) by default.

:func:`projection_logits` is the formula on plain arrays (the notebook's exercise).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from .models import check_output_shape, dcgan_batch_norm, maybe_spectral_norm, upsample_to_28, weight_init

__all__ = ["conditional_generator", "projection_discriminator", "projection_logits", "class_grid_inputs"]


def conditional_generator(
    latent_dim: int = 64,
    n_classes: int = 10,
    width: int = 32,
    *,
    embed_dim: int = 16,
    seed: int | None = None,
    name: str = "conditional_generator",
) -> keras.Model:
    """Generator ``[z (B, latent_dim), label (B,) int]`` -> digits (B, 28, 28, 1) in [-1, 1].

    ``concat(z, embedding[label])`` (B, latent_dim + embed_dim), then the layout of
    :func:`~ganstyle_lib.gan.models.dcgan_generator`: dense to 7x7x(2*width),
    BN/ReLU, two 4x4 stride-2 transposed convolutions (7 -> 14x14xwidth ->
    28x28x(width/2)), each followed by BN/ReLU, then a 3x3 convolution to one
    channel ("to_pixels") and tanh.
    """
    init = weight_init(seed)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    e = layers.Embedding(
        n_classes,
        embed_dim,
        embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=seed),
        name="label_embedding",
    )(label)  # (B, embed_dim)
    x = layers.Concatenate(name="z_and_label")([z, e])
    image = upsample_to_28(x, width, init)
    return check_output_shape(keras.Model([z, label], image, name=name), (28, 28, 1))


def projection_discriminator(
    n_classes: int = 10,
    width: int = 32,
    *,
    spectral_norm: bool = True,
    seed: int | None = None,
    name: str = "projection_discriminator",
) -> keras.Model:
    """Discriminator ``[image (B, 28, 28, 1) in [-1, 1], label (B,) int]`` -> logits (B, 1).

    ``phi``: 4x4 stride-2 convs (28 -> 14 -> 7, width and 2*width channels),
    LeakyReLU(0.2), flatten -> phi (B, 7*7*2*width). Logit
    ``psi(phi) + sum(embed[label] * phi)`` with ``psi`` a dense layer and
    ``embed`` a (n_classes, 7*7*2*width) table (Miyato & Koyama 2018, eq. 3; they sum-pool
    the features of a deep ResNet, but after two convolutions pooling would throw away the
    digit's layout).
    ``spectral_norm=True`` (default) wraps every kernel and the embedding in
    ``keras.layers.SpectralNormalization``; otherwise batch norm on the second conv.
    """
    init = weight_init(seed)
    image = keras.Input((28, 28, 1), name="image")
    label = keras.Input((), dtype="int32", name="label")
    x = maybe_spectral_norm(
        layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=init, name="down1"), spectral_norm
    )(image)  # 14x14
    x = layers.LeakyReLU(0.2)(x)
    x = maybe_spectral_norm(
        layers.Conv2D(
            2 * width, 4, strides=2, padding="same", use_bias=spectral_norm, kernel_initializer=init, name="down2"
        ),
        spectral_norm,
    )(x)  # 7x7
    if not spectral_norm:
        x = dcgan_batch_norm("down2_bn")(x)
    x = layers.LeakyReLU(0.2)(x)
    phi = layers.Flatten(name="features")(x)  # (B, 7*7*2*width)
    psi = maybe_spectral_norm(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"), spectral_norm)(
        phi
    )
    # The class embedding V as a bias-free dense layer on one-hot labels: one_hot(y) @ V = V[y].
    # (Keras' SpectralNormalization around an Embedding layer leaves the table without gradients.)
    one_hot = layers.CategoryEncoding(n_classes, output_mode="one_hot", name="one_hot")(label)
    embed = maybe_spectral_norm(
        layers.Dense(7 * 7 * 2 * width, use_bias=False, kernel_initializer=init, name="class_embedding"), spectral_norm
    )(one_hot)  # (B, 7*7*2*width)
    projection = layers.Dot(axes=1, name="projection")([embed, phi])  # (B, 1)
    logit = layers.Add(name="logit_plus_projection", dtype="float32")([psi, projection])
    return check_output_shape(keras.Model([image, label], logit, name=name), (1,))


def projection_logits(features: Any, labels: Any, class_embedding: Any, w: Any, b: Any) -> Any:
    """The projection discriminator's output on plain arrays (NumPy or tensors).

    Args:
        features: phi(x), shape (B, F).
        labels: int class labels, shape (B,).
        class_embedding: the table V, shape (n_classes, F).
        w, b: the unconditional head psi(phi) = phi @ w + b, w (F,), b scalar.

    Returns:
        Logits (B,) in the dtype of ``features``: ``phi @ w + b + sum_f V[label, f] * phi[:, f]``.
    """
    import numpy as np

    phi = np.asarray(features)
    v = np.asarray(class_embedding)[np.asarray(labels, np.int64)]  # (B, F): V[y]
    return phi @ np.asarray(w) + np.asarray(b, phi.dtype) + np.sum(v * phi, axis=1)


def class_grid_inputs(latent_dim: int, n_classes: int = 10, per_class: int = 10, seed: int = 0) -> tuple[Any, Any]:
    """Inputs for a class grid: ``(z (n_classes*per_class, latent_dim) float32, labels int32)``.

    Row r holds class r; column c uses the same latent vector in every row, so a
    column shows one "style" drawn as each digit.
    """
    import numpy as np

    z = np.random.default_rng(seed).standard_normal((per_class, latent_dim)).astype("float32")
    return np.tile(z, (n_classes, 1)), np.repeat(np.arange(n_classes, dtype="int32"), per_class)
