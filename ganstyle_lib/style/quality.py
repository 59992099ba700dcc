"""A loss-independent yardstick for stylised images: how close the textures, how far from the photo.

Methods that optimise different losses cannot be compared by their losses:
the TensorFlow tutorial's 1e-2/1e4 loss and the course's normalised loss are
different numbers for the same picture. So every result is scored the same
way, on ImageNet VGG19 features (pass any :class:`VGGFeatures`):

* **relative Gram error** per style layer, ``‖G(x) − G(style)‖_F / ‖G(style)‖_F``
  (0 = the texture statistics of the painting exactly; about 1 = unrelated);
* **relative content error**, ``‖F(x) − F(content)‖_F / ‖F(content)‖_F`` at
  ``block4_conv2`` (0 = the photograph's features unchanged).

A good stylisation has a low Gram error *and* a content error that is not
much higher than needed; the pair is what to compare. :data:`MID_LAYERS`
(``block2_conv1`` – ``block4_conv1``) carry most of what people see as brush
strokes; ``block1_conv1`` is mostly colour, ``block5_conv1`` large shapes.

All images are float32 ``(1, H, W, 3)`` in ``[0, 1]``; sizes may differ
(Gram matrices are averaged over positions).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from .features import GATYS_CONTENT_LAYERS, STYLE_LAYERS, VGGFeatures
from .losses import gram_matrix
from .transfer import resize_to

__all__ = [
    "MID_LAYERS",
    "QUALITY_LAYERS",
    "relative_gram_errors",
    "relative_content_error",
    "mean_mid_gram_error",
    "score",
    "crop_gram_error",
    "score_frames",
    "first_match",
    "quality_extractor",
]

#: The style layers whose mean relative Gram error is the headline style figure.
MID_LAYERS: tuple[str, ...] = ("block2_conv1", "block3_conv1", "block4_conv1")
#: Every layer :func:`score` needs: the five style layers and the content layer.
QUALITY_LAYERS: tuple[str, ...] = tuple(STYLE_LAYERS) + tuple(GATYS_CONTENT_LAYERS)


def quality_extractor(weights: str = "auto") -> VGGFeatures:
    """A :class:`VGGFeatures` with :data:`QUALITY_LAYERS` (ImageNet weights when available)."""
    return VGGFeatures(QUALITY_LAYERS, weights=weights)


def _relative(a: tf.Tensor, b: tf.Tensor) -> float:
    return float(tf.norm(a - b) / tf.maximum(tf.norm(b), 1e-12))


def _grams(features: dict[str, tf.Tensor], layers: Sequence[str]) -> dict[str, tf.Tensor]:
    return {layer: gram_matrix(features[layer]) for layer in layers}


def _gram_errors(features: dict[str, tf.Tensor], want_grams: dict[str, tf.Tensor]) -> dict[str, float]:
    # each layer's relative Gram error against targets computed once (a style image's Gram matrices)
    return {layer: _relative(gram_matrix(features[layer]), want) for layer, want in want_grams.items()}


def relative_gram_errors(
    extractor: VGGFeatures, image, style, layers: Sequence[str] = STYLE_LAYERS
) -> dict[str, float]:
    """``{layer: ‖G(image) − G(style)‖_F / ‖G(style)‖_F}`` for each layer (image and style ``(1, H, W, 3)``)."""
    return _gram_errors(extractor(image), _grams(extractor(style), layers))


def relative_content_error(extractor: VGGFeatures, image, content, layer: str = GATYS_CONTENT_LAYERS[0]) -> float:
    """``‖F(image) − F(content)‖_F / ‖F(content)‖_F`` at ``layer``; both images the same size."""
    image, content = tf.convert_to_tensor(image, tf.float32), tf.convert_to_tensor(content, tf.float32)
    if image.shape[1:3] != content.shape[1:3]:
        raise ValueError(
            f"image {tuple(image.shape)} and content {tuple(content.shape)} must have the same "
            "size; resize one with transfer.resize_to(image, content.shape[1:3])"
        )
    return _relative(extractor(image)[layer], extractor(content)[layer])


def mean_mid_gram_error(errors: dict[str, float]) -> float:
    """The mean of :func:`relative_gram_errors` over :data:`MID_LAYERS`."""
    return float(np.mean([errors[layer] for layer in MID_LAYERS]))


def crop_gram_error(extractor: VGGFeatures, image, style, crop: int = 128, grid: int = 3) -> float:
    """The mean Gram error over :data:`MID_LAYERS` of ``grid × grid`` evenly spaced ``crop``-pixel squares.

    The whole image's Gram matrix is about the average of its parts', so the figure of :func:`score`
    also rewards *variety*: parts that miss the style in different ways cancel out, as the parts of
    a painting do. Scoring squares asks instead how close each part's texture is. Score the style
    image itself the same way for the floor (no square of a painting holds all of it): in notebook
    05 a network trained on 128-px crops came within 0.9-1.3x of an optimisation square by square
    while its whole-image error was about twice as high. ``image``: ``(1, H, W, 3)`` with ``H, W >= crop``;
    ``style`` is scored whole.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    h, w = int(image.shape[1]), int(image.shape[2])
    if crop > min(h, w):
        raise ValueError(f"crop {crop} is larger than the image ({h} x {w}); pass crop <= {min(h, w)}")
    want = _grams(extractor(style), MID_LAYERS)
    errors = []
    for y in np.linspace(0, h - crop, grid).round().astype(int):
        for x in np.linspace(0, w - crop, grid).round().astype(int):
            errors.append(mean_mid_gram_error(_gram_errors(extractor(image[:, y : y + crop, x : x + crop]), want)))
    return float(np.mean(errors))


def score(extractor: VGGFeatures, image, content, style) -> dict[str, float]:
    """Every figure at once: ``{"gram:<layer>": ..., "gram_mid": ..., "content": ...}``."""
    grams = relative_gram_errors(extractor, image, style)
    out = {f"gram:{layer}": value for layer, value in grams.items()}
    out["gram_mid"] = mean_mid_gram_error(grams)
    out["content"] = relative_content_error(extractor, image, content)
    return out


def score_frames(extractor: VGGFeatures, result, content, style, *, full_size_only: bool = False) -> list[dict]:
    """Score every frame an optimisation kept (``transfer.stylize(..., frame_every=k)``), then its final image.

    ``result``: a ``TransferResult``; its frames are ``(step, seconds, image)``. A frame of a coarse scale
    is resized to the content's size first -- it is what stopping there would give, since the next scale
    starts from it -- unless ``full_size_only``, which skips such frames. Returns one dict per frame:
    ``{"step", "seconds", "gram:<layer>"..., "gram_mid", "content"}``, in order. The targets' features are
    computed once, so each frame costs one forward pass of ``extractor``.
    """
    content = tf.convert_to_tensor(content, tf.float32)
    size = tuple(content.shape[1:3])
    want_grams = _grams(extractor(style), STYLE_LAYERS)
    content_layer = GATYS_CONTENT_LAYERS[0]
    want_content = extractor(content)[content_layer]
    frames = list(result.frames) + [(len(result.history), result.seconds, result.image)]
    rows = []
    for step, seconds, image in frames:
        image = tf.convert_to_tensor(image, tf.float32)
        if tuple(image.shape[1:3]) != size:
            if full_size_only:
                continue
            image = resize_to(image, size)
        got = extractor(image)
        grams = _gram_errors(got, want_grams)
        row = {"step": step, "seconds": seconds, **{f"gram:{layer}": v for layer, v in grams.items()}}
        row["gram_mid"] = mean_mid_gram_error(grams)
        row["content"] = _relative(got[content_layer], want_content)
        rows.append(row)
    return rows


def first_match(rows: Sequence[dict], target: dict) -> dict | None:
    """The first row of :func:`score_frames` whose Gram error (``gram_mid``) *and* content error are both
    no higher than ``target``'s (a :func:`score` dict, e.g. a network's output); ``None`` if no row is."""
    for row in rows:
        if row["gram_mid"] <= target["gram_mid"] and row["content"] <= target["content"]:
            return row
    return None
