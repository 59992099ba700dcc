"""Losses of optimisation-based style transfer (Gatys, Ecker & Bethge, CVPR 2016).

Naming: ``*_loss`` functions return a scalar float32 tensor; the Gram matrix
is a feature statistic, not a loss. Feature maps are ``(B, H, W, C)`` float32
(any range), images ``(B, H, W, 3)`` in ``[0, 1]``; losses are averaged over
the batch.

**The course's normalisation convention** (``normalized=True``, the default).
Each layer's loss is divided by the squared magnitude of its *target*:

.. math::

    G^l = \\frac{1}{H_l W_l} F^{l\\top} F^l, \\qquad
    \\mathcal{L}_{style} = \\sum_l w_l \\frac{\\lVert G^l - G^l_t\\rVert_F^2}{\\lVert G^l_t\\rVert_F^2},
    \\qquad
    \\mathcal{L}_{content} = \\frac{1}{|C|}\\sum_{l\\in C}
        \\frac{\\lVert F^l - F^l_t\\rVert_F^2}{\\lVert F^l_t\\rVert_F^2},

with style-layer weights :math:`w_l` summing to 1 by default (equal), and the
total-variation loss the mean absolute difference between neighbouring pixels
(horizontal plus vertical). Every term is then a dimensionless relative error
of order 1, whatever the raw feature magnitudes -- which differ by orders of
magnitude between layers, between ImageNet and untrained weights, and between
image sizes. The same weights therefore work for trained and untrained VGG19
and at every image size.

**The TensorFlow tutorial's convention** (``normalized=False``, used by the
benchmark's baseline, ``tensorflow.org/tutorials/generative/style_transfer``):
mean squared error of Gram matrices and of feature maps, each averaged over
its layers, and ``tf.image.total_variation`` (a *sum* of absolute differences)
for TV -- see :func:`tutorial_loss`.
"""

from __future__ import annotations

from collections.abc import Mapping

import tensorflow as tf

__all__ = [
    "gram_matrix",
    "content_loss",
    "style_layer_loss",
    "style_loss",
    "total_variation_loss",
    "tutorial_loss",
]

_EPS = 1e-12


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """Channel-by-channel correlations of feature maps, normalised by the number of positions.

    ``features`` ``(B, H, W, C)`` -> ``(B, C, C)`` with
    ``G[b, c, d] = sum_{i,j} F[b, i, j, c] F[b, i, j, d] / (H W)``.
    Dividing by ``H W`` (as the TensorFlow tutorial does) makes Gram matrices of
    different image sizes comparable. The positions are summed away, so the
    Gram matrix keeps *which features occur together* and forgets *where*:
    that is texture, or style.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    if features.shape.rank != 4:
        raise ValueError(f"gram_matrix expects feature maps (B, H, W, C), got shape {features.shape}")
    shape = tf.shape(features)
    positions = tf.cast(shape[1] * shape[2], tf.float32)
    return tf.einsum("bijc,bijd->bcd", features, features) / positions


def _relative_error(x: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Per-example ``||x - t||^2 / ||t||^2``, averaged over the batch."""
    axes = list(range(1, x.shape.rank))
    num = tf.reduce_sum(tf.square(x - target), axis=axes)
    den = tf.reduce_sum(tf.square(target), axis=axes)
    return tf.reduce_mean(num / (den + _EPS))


def content_loss(features: tf.Tensor, target: tf.Tensor, *, normalized: bool = True) -> tf.Tensor:
    """How far feature maps ``(B, H, W, C)`` are from the content target's (same shape or batch 1).

    ``normalized=True``: ``||F - F_t||^2 / ||F_t||^2`` (0 = identical, 1 = as far
    as all-zero features). ``normalized=False``: mean squared error.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    target = tf.broadcast_to(tf.convert_to_tensor(target, tf.float32), tf.shape(features))
    if normalized:
        return _relative_error(features, target)
    return tf.reduce_mean(tf.square(features - target))


def style_layer_loss(gram: tf.Tensor, target_gram: tf.Tensor, *, normalized: bool = True) -> tf.Tensor:
    """One layer's style loss between Gram matrices ``(B, C, C)`` (target may have batch 1).

    ``normalized=True``: ``||G - G_t||_F^2 / ||G_t||_F^2``; else the mean squared error.
    """
    gram = tf.convert_to_tensor(gram, tf.float32)
    target_gram = tf.broadcast_to(tf.convert_to_tensor(target_gram, tf.float32), tf.shape(gram))
    if normalized:
        return _relative_error(gram, target_gram)
    return tf.reduce_mean(tf.square(gram - target_gram))


def style_loss(
    features: Mapping[str, tf.Tensor],
    target_grams: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float] | None = None,
    *,
    normalized: bool = True,
) -> tf.Tensor:
    """Weighted sum over layers of :func:`style_layer_loss`.

    ``features``: ``{layer: (B, H, W, C)}`` of the image being optimised;
    ``target_grams``: ``{layer: (1 or B, C, C)}`` of the style image, for the
    layers that count; ``layer_weights``: ``{layer: w_l}``, default ``1 / L`` for
    each of the ``L`` target layers (so the loss is an average). Layers missing
    from ``layer_weights`` get weight 0.
    """
    layers = list(target_grams)
    if not layers:
        raise ValueError("target_grams is empty: give the style target of at least one layer")
    missing = [l for l in layers if l not in features]
    if missing:
        raise KeyError(f"no features for style layer(s) {missing}; the extractor returned {list(features)}")
    if layer_weights is None:
        layer_weights = {l: 1.0 / len(layers) for l in layers}
    unknown = sorted(set(layer_weights) - set(layers))
    if unknown:
        raise KeyError(f"layer_weights names layers without a target: {unknown}")
    total = tf.constant(0.0)
    for layer in layers:
        w = float(layer_weights.get(layer, 0.0))
        if w:
            total += w * style_layer_loss(gram_matrix(features[layer]), target_grams[layer], normalized=normalized)
    return total


def total_variation_loss(images: tf.Tensor, *, reduction: str = "mean") -> tf.Tensor:
    """Total variation (anisotropic, L1) of images ``(B, H, W, C)``: a smoothness penalty.

    ``reduction="mean"`` (the course): mean ``|x[i+1, j] - x[i, j]|`` plus mean
    ``|x[i, j+1] - x[i, j]|``, averaged over the batch -- between 0 (flat) and
    2 for ``[0, 1]`` images, independent of the image size.
    ``reduction="sum"``: the sums of those differences per image, averaged over
    the batch; equal to ``mean(tf.image.total_variation(images))`` (the tutorial).
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4:
        raise ValueError(f"total_variation_loss expects images (B, H, W, C), got shape {images.shape}")
    dy = tf.abs(images[:, 1:, :, :] - images[:, :-1, :, :])
    dx = tf.abs(images[:, :, 1:, :] - images[:, :, :-1, :])
    if reduction == "mean":
        return tf.reduce_mean(dy) + tf.reduce_mean(dx)
    if reduction == "sum":
        return tf.reduce_mean(tf.reduce_sum(dy, axis=[1, 2, 3]) + tf.reduce_sum(dx, axis=[1, 2, 3]))
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def tutorial_loss(
    features: Mapping[str, tf.Tensor],
    images: tf.Tensor,
    style_targets: Mapping[str, tf.Tensor],
    content_targets: Mapping[str, tf.Tensor],
    *,
    style_weight: float = 1e-2,
    content_weight: float = 1e4,
    tv_weight: float = 30.0,
) -> dict[str, tf.Tensor]:
    """The TensorFlow style-transfer tutorial's total loss, term by term.

    ``style_targets`` are Gram matrices, ``content_targets`` feature maps:
    ``style = style_weight / L_s * sum_l mean((G_l - G_l,t)^2)``,
    ``content = content_weight / L_c * sum_l mean((F_l - F_l,t)^2)``,
    ``tv = tv_weight * tf.image.total_variation(images)``. Returns a dict with
    ``total``, ``style``, ``content``, ``tv`` (already weighted).
    """
    s = tf.add_n(
        [style_layer_loss(gram_matrix(features[l]), t, normalized=False) for l, t in style_targets.items()]
    ) * (style_weight / len(style_targets))
    c = tf.add_n([content_loss(features[l], t, normalized=False) for l, t in content_targets.items()]) * (
        content_weight / len(content_targets)
    )
    tv = tv_weight * total_variation_loss(images, reduction="sum")
    return {"total": s + c + tv, "style": s, "content": c, "tv": tv}
