"""Checks of notebook 05's exercises: instance normalisation, the residual block, AdaIN.

Inputs are batched, non-square and of several channel counts, with the channels real
feature maps have: one all zero (a dead ReLU unit) and one almost constant (where an
epsilon in the wrong place shows). Call ``checks.check_<name>(your_function)``;
``checks.hint(name)`` gives a pointer, ``checks.hint(name, 2)`` the formula. See
:mod:`.core` for the convention.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = ["check_instance_norm", "check_residual_block", "check_adain", "hint", "use", "EXERCISES"]

# (batch, height, width, channels) of successive trials: batched, non-square, odd sizes.
_SHAPES = ((1, 5, 7, 3), (2, 6, 4, 8), (3, 9, 5, 16))
_EPS = 1e-5


def _tf():
    import tensorflow as tf

    return tf


def _networks():
    from ..style import networks

    return networks


def _norm(x, eps=_EPS, where="inside", axes=(1, 2)):
    """Instance norm with one part changed (or none): the building block of the mistakes below."""
    tf = _tf()
    mean = tf.reduce_mean(x, list(axes), keepdims=True)
    var = tf.reduce_mean(tf.square(x - mean), list(axes), keepdims=True)
    if where == "inside":
        return (x - mean) / tf.sqrt(var + eps)
    if where == "outside":
        return (x - mean) / (tf.sqrt(var) + eps)
    return (x - mean) / (var + eps)  # "variance": divides by the variance, not the standard deviation


def _adain(c, s, eps=_EPS, where="inside", style_std=True):
    tf = _tf()
    s_mean = tf.reduce_mean(s, [1, 2], keepdims=True)
    s_var = tf.reduce_mean(tf.square(s - s_mean), [1, 2], keepdims=True)
    s_std = (tf.sqrt(s_var + eps) if where == "inside" else tf.sqrt(s_var) + eps) if style_std else 1.0
    return _norm(c, eps, where) * s_std + s_mean


_NO_EPS = (
    "an all-zero channel (common after a ReLU) has variance 0, so without epsilon inside the square root "
    "the division is 0 / 0 = nan."
)
_EPS_OUTSIDE = (
    "epsilon belongs inside the square root, sqrt(variance + epsilon): outside it, a channel with a "
    "tiny variance is scaled differently."
)

EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "instance_norm",
            "for each sample and each channel separately, subtract the mean over the positions (height and "
            "width) and divide by the standard deviation, with epsilon added to the variance; keep the reduced "
            "axes so the statistics broadcast against x.",
            "mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True); (x - mean) / tf.sqrt(var + epsilon)",
            lambda: _networks().instance_norm,
            [
                Mistake(lambda x: _norm(x, eps=0.0), _NO_EPS),
                Mistake(lambda x: _norm(x, where="outside"), _EPS_OUTSIDE),
                Mistake(
                    lambda x: _norm(x, axes=(0, 1, 2)),
                    "the statistics include the batch axis (batch norm): instance norm uses each sample's "
                    "own positions only (axes 1 and 2).",
                ),
                Mistake(
                    lambda x: _norm(x, where="variance"),
                    "divide by the standard deviation (the square root of the variance), not by the variance.",
                ),
            ],
        ),
        Exercise(
            "residual_block",
            "the block learns a change to x: conv1, norm1, ReLU, conv2, norm2, then add x back; there is no "
            "ReLU after the addition.",
            "y = relu(norm1(conv1(x))); y = norm2(conv2(y)); return x + y",
            lambda: lambda block, x: block(x),
            [
                Mistake(
                    lambda b, x: _tf().nn.relu(x + b.norm2(b.conv2(_tf().nn.relu(b.norm1(b.conv1(x)))))),
                    "a ReLU after the addition would clip the skip path: Johnson et al. leave it out.",
                ),
                Mistake(
                    lambda b, x: b.norm2(b.conv2(_tf().nn.relu(b.norm1(b.conv1(x))))),
                    "the skip connection is missing: add x to the result.",
                ),
                Mistake(
                    lambda b, x: x + _tf().nn.relu(b.norm2(b.conv2(_tf().nn.relu(b.norm1(b.conv1(x)))))),
                    "only the first norm is followed by a ReLU: the second branch output goes straight "
                    "into the addition.",
                ),
            ],
        ),
        Exercise(
            "adain",
            "normalise the content per sample and channel (as instance norm does), then give it the style's "
            "per-channel standard deviation and mean; the two maps may differ in height and width.",
            "instance_norm(content) * sqrt(var_s + epsilon) + mean_s, with mean_s, var_s over axes 1, 2 of the "
            "style (keepdims=True)",
            lambda: _networks().adain,
            [
                Mistake(lambda c, s: _adain(c, s, eps=0.0), _NO_EPS),
                Mistake(lambda c, s: _adain(c, s, where="outside"), _EPS_OUTSIDE),
                Mistake(
                    lambda c, s: _adain(c, s, style_std=False),
                    "the style's mean is there but not its standard deviation: scale by it too.",
                ),
                Mistake(
                    lambda c, s: _adain(s, c),
                    "content and style are swapped: the layout comes from the content, the statistics from the style.",
                ),
                Mistake(lambda c, s: _norm(c), "the result is only normalised: add the style's statistics."),
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


def _feature_map(rng: np.random.Generator, shape, scale: float = 1.0, shift: float = 0.0):
    """Random features with one all-zero channel and one almost constant channel, as after a ReLU."""
    x = rng.standard_normal(shape) * scale + shift
    x[..., 0] = 0.0
    x[..., -1] = 0.5 + 0.005 * rng.standard_normal(shape[:-1])  # variance 2.5e-5: epsilon's place matters
    return _tf().constant(x.astype(np.float32))


def check_instance_norm(instance_norm: Callable) -> None:
    """Your ``instance_norm(x)``: each sample's each channel to mean 0, variance 1 (zero channels stay 0)."""
    EXERCISES["instance_norm"].check(
        instance_norm,
        core.by_shape(_SHAPES, lambda rng, shape: (_feature_map(rng, shape, rng.uniform(0.5, 3), rng.uniform(-2, 2)),)),
        n_trials=len(_SHAPES),
        rtol=1e-4,
        atol=1e-4,
    )


def check_adain(adain: Callable) -> None:
    """Your ``adain(content, style)``: content features with the style's per-channel mean and std."""

    def build(rng, shape):
        b, h, w, c = shape
        return _feature_map(rng, shape, 2.0, 1.0), _feature_map(rng, (b, h + 2, w + 3, c), 0.5, -1.0)

    EXERCISES["adain"].check(adain, core.by_shape(_SHAPES, build), n_trials=len(_SHAPES), rtol=1e-4, atol=1e-4)


def check_residual_block(residual_block: Callable) -> None:
    """Your ``residual_block(block, x)`` using ``block.conv1``, ``block.norm1``, ``block.conv2``, ``block.norm2``."""
    blocks: dict = {}

    def build(rng, shape):
        channels = shape[-1]
        if channels not in blocks:
            block = _networks().ResidualBlock(channels, name=f"check_res_{channels}")
            block.build(shape)
            block.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in block.get_weights()])
            blocks[channels] = block
        return blocks[channels], _tf().constant(rng.standard_normal(shape).astype(np.float32))

    EXERCISES["residual_block"].check(
        residual_block,
        core.by_shape(_SHAPES, build),
        n_trials=len(_SHAPES),
        rtol=1e-3,
        atol=1e-3,
    )
