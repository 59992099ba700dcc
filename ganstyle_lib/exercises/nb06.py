"""Checks of notebook 06's exercises: PatchGAN receptive field and output size, cycle-consistency loss.

Call ``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = [
    "check_receptive_field",
    "check_valid_output_size",
    "check_cycle_consistency_loss",
    "hint",
    "use",
    "EXERCISES",
]


def _tf():
    import tensorflow as tf

    return tf


def _adversarial():
    from ..style import adversarial

    return adversarial


def _cycle():
    from ..style import cycle

    return cycle


def _rf_forward(kernels, strides):
    r = 1
    for k, s in zip(kernels, strides):  # first layer first: the wrong direction
        r = (r - 1) * s + k
    return r


def _out_size(size, kernels, strides, rounding=math.floor, order=1):
    for k, s in list(zip(kernels, strides))[::order]:
        size = int(rounding((size - k) / s)) + 1
    return size


EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "receptive_field",
            "start from one output pixel (r = 1) at the last layer and walk back to the input: each layer "
            "multiplies the span by its stride and adds its kernel's extra width.",
            "r = 1; for (k, s) from the last layer to the first: r = (r - 1) * s + k",
            lambda: _adversarial().receptive_field,
            [
                Mistake(
                    _rf_forward,
                    "the layers are walked first-to-last: start at the output (the last "
                    "layer) and go back towards the input.",
                ),
                Mistake(
                    lambda k, s: sum(k) - len(k) + 1,
                    "the strides are ignored: a stride-2 layer doubles the span of every layer after it.",
                ),
                Mistake(
                    lambda k, s: int(np.prod(s)) * k[-1],
                    "the kernels of the earlier layers also widen the field: go layer by layer.",
                ),
            ],
        ),
        Exercise(
            "valid_output_size",
            "layer by layer, first layer first: count the positions where a whole window fits, one every "
            "stride pixels (a window that does not fit is dropped).",
            "for (k, s): size = (size - k) // s + 1",
            lambda: _adversarial().valid_output_size,
            [
                Mistake(
                    lambda n, k, s: _out_size(n, k, s, rounding=math.ceil),
                    "the division rounds up: a window that does not fit completely is dropped (round down).",
                ),
                Mistake(
                    lambda n, k, s: _out_size(n, k, s, order=-1),
                    "the layers are taken last-to-first: the input goes through the first layer first.",
                ),
                Mistake(
                    lambda n, k, s: _out_size(n, [1] * len(k), s, rounding=math.ceil),
                    "this is the size with 'same' padding: here there is no padding ('valid'), so each "
                    "layer also loses kernel - 1 pixels.",
                ),
            ],
        ),
        Exercise(
            "cycle_consistency_loss",
            "the mean absolute difference (L1) between the images and their reconstructions, over every pixel "
            "and image: one float32 number.",
            "mean(|real - reconstructed|)",
            lambda: _cycle().cycle_consistency_loss,
            [
                Mistake(
                    lambda a, b: _tf().reduce_mean(_tf().square(a - b)),
                    "the differences are squared (L2): CycleGAN uses absolute differences (L1), which blur less.",
                ),
                Mistake(
                    lambda a, b: _tf().reduce_sum(_tf().abs(a - b)),
                    "a sum instead of a mean: the loss would grow with the image size and the batch.",
                ),
                Mistake(
                    lambda a, b: _tf().reduce_mean(_tf().abs(a - b), axis=[1, 2, 3]),
                    "one value per image: average over the batch as well, to one number.",
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


def check_receptive_field(receptive_field: Callable) -> None:
    """Your ``receptive_field(kernel_sizes, strides)`` on the 70 x 70 PatchGAN, then random stacks."""
    calls = [0]

    def make(rng):
        calls[0] += 1
        if calls[0] == 1:  # the paper's network first: its answer is known (70)
            return [4, 4, 4, 4, 4], [2, 2, 2, 1, 1]
        depth = int(rng.integers(2, 7))
        return [int(k) for k in rng.integers(1, 8, size=depth)], [int(s) for s in rng.integers(1, 4, size=depth)]

    EXERCISES["receptive_field"].check(receptive_field, make, n_trials=6, check_dtype=False)


def check_valid_output_size(valid_output_size: Callable) -> None:
    """Your ``valid_output_size(size, kernel_sizes, strides)`` on the course's discriminator, then random stacks."""
    calls = [0]

    def make(rng):
        calls[0] += 1
        if calls[0] == 1:  # the course's N = 2 discriminator on a 64-pixel crop: 8 logits per side
            return 64, [4, 4, 4, 4], [2, 2, 1, 1]
        depth = int(rng.integers(2, 6))
        kernels = [int(k) for k in rng.integers(1, 8, size=depth)]
        strides = [int(s) for s in rng.integers(1, 4, size=depth)]
        # at least one full window: the input must cover the receptive field
        return _adversarial().receptive_field(kernels, strides) + int(rng.integers(0, 60)), kernels, strides

    EXERCISES["valid_output_size"].check(valid_output_size, make, n_trials=6, check_dtype=False)


def check_cycle_consistency_loss(cycle_consistency_loss: Callable) -> None:
    """Your ``cycle_consistency_loss(real, reconstructed)``: mean absolute error, a float32 scalar."""
    shapes = ((1, 5, 7, 3), (2, 6, 4, 3), (3, 9, 5, 3))
    calls = [0]

    def make(rng):
        shape = shapes[calls[0] % len(shapes)]
        calls[0] += 1
        real = rng.uniform(0, 1, shape).astype(np.float32)
        rec = np.clip(real + rng.normal(0, 0.2, shape), 0, 1).astype(np.float32)
        return _tf().constant(real), _tf().constant(rec)

    e = EXERCISES["cycle_consistency_loss"]
    e.check(cycle_consistency_loss, make, n_trials=len(shapes))
