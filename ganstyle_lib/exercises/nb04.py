"""Checks of notebook 04's exercises: the Gram matrix and the content, style and total-variation losses.

Inputs are batched, non-square and of several channel counts. Call
``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = [
    "check_gram_matrix",
    "check_content_loss",
    "check_style_loss",
    "check_total_variation_loss",
    "hint",
    "use",
    "EXERCISES",
]

# (batch, height, width, channels) of successive trials: batched, non-square, odd sizes.
_SHAPES = ((1, 5, 7, 3), (2, 6, 4, 8), (3, 9, 5, 16))
_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1")


def _tf():
    import tensorflow as tf

    return tf


def _losses():
    from ..style import losses

    return losses


def _gram(f, scale: str = "hw"):
    tf = _tf()
    g = tf.einsum("bijc,bijd->bcd", f, f)
    h, w, c = (tf.cast(n, tf.float32) for n in (tf.shape(f)[1], tf.shape(f)[2], tf.shape(f)[3]))
    return {"hw": g / (h * w), "none": g, "hwc": g / (h * w * c)}[scale]


def _style_variant(features, targets, weights, *, weighted=True, normalised=True, batch="mean"):
    tf = _tf()
    total = 0.0
    for layer, target in targets.items():
        g = _gram(features[layer])
        num = tf.reduce_sum(tf.square(g - target), axis=[1, 2])
        den = tf.reduce_sum(tf.square(target), axis=[1, 2]) if normalised else 1.0
        per = (tf.reduce_mean if batch == "mean" else tf.reduce_sum)(num / den)
        total += (weights[layer] if weighted else 1.0) * per
    return total


def _tv(x, power=1, mean=True, directions=2):
    tf = _tf()
    dy = tf.abs(x[:, 1:] - x[:, :-1]) ** power
    dx = tf.abs(x[:, :, 1:] - x[:, :, :-1]) ** power
    reduce = tf.reduce_mean if mean else tf.reduce_sum
    return reduce(dy) + (reduce(dx) if directions == 2 else 0.0)


EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "gram_matrix",
            "for each image, every pair of channels gets the sum over positions of their product; divide by "
            "the number of positions so the size of the image does not matter.",
            "einsum('bijc,bijd->bcd', F, F) / (H * W)",
            lambda: _losses().gram_matrix,
            [
                Mistake(
                    lambda f: _gram(f, "none"),
                    "the sums are not divided by the number of positions "
                    "H * W: a larger image would have a larger Gram matrix.",
                ),
                Mistake(
                    lambda f: _gram(f, "hwc"),
                    "divide by the number of positions H * W only, not by the channels as well.",
                ),
                Mistake(
                    lambda f: (
                        _tf().einsum("bijc,bijd->cd", f, f)[None]
                        / _tf().cast(_tf().shape(f)[1] * _tf().shape(f)[2], _tf().float32)
                    ),
                    "the batch axis was summed away: each image needs its own Gram matrix.",
                ),
            ],
        ),
        Exercise(
            "content_loss",
            "squared difference between the two feature maps, relative to the target's own size, per example, "
            "then averaged over the batch.",
            "mean over the batch of sum((F - F_t)^2) / sum(F_t^2)",
            lambda: _losses().content_loss,
            [
                Mistake(
                    lambda f, t: _tf().reduce_mean(_tf().square(f - t)),
                    "the squared error is not normalised by the target's own squared size.",
                ),
                Mistake(
                    lambda f, t: _tf().reduce_sum(_tf().square(f - t)) / _tf().reduce_sum(_tf().square(t)),
                    "the ratio is taken over the whole batch at once: take it per example, then average.",
                ),
                Mistake(
                    lambda f, t: _tf().reduce_mean(
                        _tf().reduce_sum(_tf().square(f - t), [1, 2, 3]) / _tf().reduce_sum(_tf().square(f), [1, 2, 3])
                    ),
                    "divide by the target's squared size, not by the features'.",
                ),
            ],
        ),
        Exercise(
            "style_loss",
            "for each layer compare the Gram matrix of the features with the target Gram, relative to the "
            "target's size, weight it, average over the batch and add up the layers.",
            "sum over layers of w_l * mean over the batch of ||G_l - G_l,t||^2 / ||G_l,t||^2",
            lambda: _losses().style_loss,
            [
                Mistake(
                    lambda f, t, w: _style_variant(f, t, w, weighted=False),
                    "the layer weights are not used: each layer's term is multiplied by its weight.",
                ),
                Mistake(
                    lambda f, t, w: _style_variant(f, t, w, normalised=False),
                    "the difference is not normalised by the target Gram's squared size: deep layers would dominate.",
                ),
                Mistake(
                    lambda f, t, w: _style_variant(f, t, w, batch="sum"),
                    "the batch is summed, not averaged: the loss would grow with the batch size.",
                ),
            ],
        ),
        Exercise(
            "total_variation_loss",
            "the mean absolute difference between vertical neighbours plus that between horizontal ones.",
            "mean(|x[:, 1:] - x[:, :-1]|) + mean(|x[:, :, 1:] - x[:, :, :-1]|)",
            lambda: _losses().total_variation_loss,
            [
                Mistake(
                    lambda x: _tv(x, power=2),
                    "differences are squared: this loss uses their absolute values (squares would blur edges more).",
                ),
                Mistake(
                    lambda x: _tv(x, directions=1), "only the vertical differences are there: add the horizontal ones."
                ),
                Mistake(
                    lambda x: _tv(x, mean=False), "sums instead of means: the loss would grow with the image size."
                ),
            ],
        ),
    ]
}


def hint(name: str | None = None, level: int = 1) -> None:
    """Print a pointer (level 1) or the full formula (level 2) for exercise ``name``."""
    core.show_hint(EXERCISES, name, level)


def use(name: str, fn: Callable) -> Callable:
    """Your ``fn`` if it passed its check, else the library's version (prints which)."""
    return core.use(EXERCISES, name, fn)


def _tensor(rng: np.random.Generator, shape, low=None):
    data = rng.uniform(0.0, 1.0, shape) if low == 0 else rng.standard_normal(shape)
    return _tf().constant(data.astype(np.float32))


def _check(name: str, fn: Callable, build: Callable) -> None:
    EXERCISES[name].check(fn, core.by_shape(_SHAPES, build), n_trials=len(_SHAPES), rtol=1e-4, atol=1e-5)


def check_gram_matrix(gram_matrix: Callable) -> None:
    """Your ``gram_matrix(features)``: ``(B, H, W, C)`` -> ``(B, C, C)``, divided by ``H * W``."""
    _check("gram_matrix", gram_matrix, lambda rng, shape: (_tensor(rng, shape),))


def check_content_loss(content_loss: Callable) -> None:
    """Your ``content_loss(features, target)`` = ``||F - F_t||^2 / ||F_t||^2`` (batch mean)."""
    _check("content_loss", content_loss, lambda rng, shape: (_tensor(rng, shape), _tensor(rng, shape)))


def _style_inputs(rng: np.random.Generator, shape: tuple) -> tuple:
    b, h, w, c = shape
    features, targets = {}, {}  # the ✗ block describes each entry by its shape
    for i, layer in enumerate(_LAYERS):  # each layer its own size, as in VGG19
        size = (b, max(2, h // (i + 1)), max(2, w // (i + 1)), c * (i + 1))
        features[layer] = _tensor(rng, size)
        targets[layer] = _losses().gram_matrix(_tensor(rng, (1,) + size[1:]))
    weights = dict(zip(_LAYERS, rng.uniform(0.1, 1.0, len(_LAYERS)).tolist()))
    return features, targets, weights


def check_style_loss(style_loss: Callable) -> None:
    """Your ``style_loss(features, target_grams, layer_weights)`` = sum_l w_l ||G_l - G_l,t||^2 / ||G_l,t||^2."""
    _check("style_loss", style_loss, _style_inputs)


def check_total_variation_loss(total_variation_loss: Callable) -> None:
    """Your ``total_variation_loss(images)`` = mean |vertical differences| + mean |horizontal differences|."""
    _check("total_variation_loss", total_variation_loss, lambda rng, shape: (_tensor(rng, shape, low=0),))
