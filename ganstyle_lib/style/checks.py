"""Exercise checks of notebook 04 (the Gram-matrix style loss).

Each ``check_*`` compares a learner's function with the library's reference
(:mod:`ganstyle_lib.style.losses`) on fresh random inputs of several shapes
-- batched, non-square, different channel counts -- through
:func:`ganstyle_lib.exercises.check_function`, and raises with a helpful
message when they disagree. On success ``check_function`` prints one line starting with a check mark.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from . import losses

__all__ = ["check_gram_matrix", "check_content_loss", "check_style_loss", "check_total_variation_loss"]

# (batch, height, width, channels) of successive trials: batched, non-square, odd sizes.
_SHAPES = ((1, 5, 7, 3), (2, 6, 4, 8), (3, 9, 5, 16))
_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1")


def _tensor(rng: np.random.Generator, shape, low=None) -> tf.Tensor:
    data = rng.uniform(0.0, 1.0, shape) if low == 0 else rng.standard_normal(shape)
    return tf.constant(data.astype(np.float32))


class _Trials:
    """``make_inputs(rng)`` for successive trials: each call moves to the next shape."""

    def __init__(self, build: Callable[[np.random.Generator, tuple], tuple]) -> None:
        self.build, self.calls = build, 0

    def __call__(self, rng: np.random.Generator | None = None) -> tuple:
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(1234 + self.calls)
        shape = _SHAPES[self.calls % len(_SHAPES)]
        self.calls += 1
        return self.build(rng, shape)


def _check(name: str, learner_fn: Callable, reference_fn: Callable, make_inputs: Callable, *,
           hint: str, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    if not callable(learner_fn):
        raise TypeError(f"check_{name} expects your function itself, e.g. check_{name}({name}), "
                        f"got {type(learner_fn).__name__}")
    from ..exercises import check_function

    check_function(learner_fn, reference_fn, make_inputs, n_trials=len(_SHAPES), rtol=rtol, atol=atol,
                   name=name, hint=hint)


class _Layers(dict):
    """``{layer: tensor}`` that prints as shapes, so failure messages stay short."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {tuple(np.shape(v))}" if hasattr(v, "shape") else f"{k!r}: {v:.3g}"
                               for k, v in self.items()) + "}"


def check_gram_matrix(gram_matrix: Callable[[tf.Tensor], tf.Tensor]) -> None:
    """Your ``gram_matrix(features)``: ``(B, H, W, C)`` -> ``(B, C, C)``, divided by ``H * W``."""
    _check("gram_matrix", gram_matrix, losses.gram_matrix,
           _Trials(lambda rng, shape: (_tensor(rng, shape),)),
           hint="sum F[b,i,j,c] * F[b,i,j,d] over the positions i, j, then divide by H * W")


def check_content_loss(content_loss: Callable[[tf.Tensor, tf.Tensor], tf.Tensor]) -> None:
    """Your ``content_loss(features, target)`` = ``||F - F_t||^2 / ||F_t||^2`` (batch mean)."""
    _check("content_loss", content_loss, losses.content_loss,
           _Trials(lambda rng, shape: (_tensor(rng, shape), _tensor(rng, shape))),
           hint="divide the sum of squared differences by the sum of the target's squares, per example")


def _style_inputs(rng: np.random.Generator, shape: tuple) -> tuple[dict, dict, dict]:
    b, h, w, c = shape
    features, targets = _Layers(), _Layers()
    for i, layer in enumerate(_LAYERS):  # each layer its own size, as in VGG19
        size = (b, max(2, h // (i + 1)), max(2, w // (i + 1)), c * (i + 1))
        features[layer] = _tensor(rng, size)
        targets[layer] = losses.gram_matrix(_tensor(rng, (1,) + size[1:]))
    weights = _Layers(zip(_LAYERS, (rng.uniform(0.1, 1.0, len(_LAYERS))).tolist()))
    return features, targets, weights


def check_style_loss(style_loss: Callable[[dict, dict, dict], tf.Tensor]) -> None:
    """Your ``style_loss(features, target_grams, layer_weights)`` = sum_l w_l ||G_l - G_l,t||^2 / ||G_l,t||^2."""
    _check("style_loss", style_loss, losses.style_loss, _Trials(_style_inputs),
           hint="for each layer: w_l * ||G - G_t||^2 / ||G_t||^2 with G from your gram_matrix; "
                "average over the batch, sum over the layers")


def check_total_variation_loss(total_variation_loss: Callable[[tf.Tensor], tf.Tensor]) -> None:
    """Your ``total_variation_loss(images)`` = mean |vertical differences| + mean |horizontal differences|."""
    _check("total_variation_loss", total_variation_loss, losses.total_variation_loss,
           _Trials(lambda rng, shape: (_tensor(rng, shape, low=0),)),
           hint="two means: of |x[:, 1:] - x[:, :-1]| (vertical) and of |x[:, :, 1:] - x[:, :, :-1]| (horizontal)")

