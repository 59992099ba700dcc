"""Exercise checks of notebook 06 (adversarial style losses and cycle consistency).

Each check compares the learner's function with the library's reference on
fresh random inputs (seeded: the same inputs every run) through
:func:`ganstyle_lib.exercises.check_function`, raises ``AssertionError`` with a
helpful message when they disagree, lets a stub's ``NotImplementedError``
through, and on success prints one fixed line.
"""

from __future__ import annotations

import contextlib
import io
from typing import Callable

import numpy as np
import tensorflow as tf

from . import adversarial, cycle

__all__ = ["check_receptive_field", "check_valid_output_size", "check_cycle_consistency_loss"]


def _require_callable(name: str, learner_fn: object) -> None:
    if not callable(learner_fn):
        raise TypeError(f"check_{name} expects your function itself, e.g. check_{name}({name}), "
                        f"got {type(learner_fn).__name__}")


def _run(name: str, learner_fn: Callable, reference_fn: Callable, make_inputs: Callable, *, n_trials: int,
         hint: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    from ..exercises import check_function

    with contextlib.redirect_stdout(io.StringIO()):  # its line shows an error figure that varies by machine
        check_function(learner_fn, reference_fn, make_inputs, n_trials=n_trials, rtol=rtol, atol=atol,
                       name=name, hint=hint)
    print(f"✓ {name} matches the reference on {n_trials} random inputs")


def check_receptive_field(receptive_field: Callable) -> None:
    """Your ``receptive_field(kernel_sizes, strides)`` on the 70 x 70 PatchGAN and on random stacks."""
    _require_callable("receptive_field", receptive_field)
    calls = {"n": 0}

    def make(rng):
        calls["n"] += 1
        if calls["n"] == 1:  # the paper's network first: its answer is known (70)
            return [4, 4, 4, 4, 4], [2, 2, 2, 1, 1]
        depth = int(rng.integers(1, 7))
        return ([int(k) for k in rng.integers(1, 8, size=depth)],
                [int(s) for s in rng.integers(1, 4, size=depth)])

    _run("receptive_field", lambda k, s: receptive_field(list(k), list(s)),
         lambda k, s: adversarial.receptive_field(k, s), make, n_trials=6,
         hint="start from r = 1 at the last layer and go backwards: r = (r - 1) * stride + kernel")


def check_valid_output_size(valid_output_size: Callable) -> None:
    """Your ``valid_output_size(size, kernel_sizes, strides)`` on the course's discriminator and random stacks."""
    _require_callable("valid_output_size", valid_output_size)
    calls = {"n": 0}

    def make(rng):
        calls["n"] += 1
        if calls["n"] == 1:  # the course's N = 2 discriminator on a 64-pixel crop: 8 logits per side
            return 64, [4, 4, 4, 4], [2, 2, 1, 1]
        depth = int(rng.integers(1, 6))
        kernels = [int(k) for k in rng.integers(1, 8, size=depth)]
        strides = [int(s) for s in rng.integers(1, 4, size=depth)]
        # at least one full window: the input must cover the receptive field
        size = adversarial.receptive_field(kernels, strides) + int(rng.integers(0, 60))
        return size, kernels, strides

    _run("valid_output_size", lambda n, k, s: valid_output_size(n, list(k), list(s)),
         lambda n, k, s: adversarial.valid_output_size(n, k, s), make, n_trials=6,
         hint="layer by layer, first layer first: n = (n - kernel) // stride + 1 (integer division: "
              "a window that does not fit is dropped)")


def check_cycle_consistency_loss(cycle_consistency_loss: Callable) -> None:
    """Your ``cycle_consistency_loss(real, reconstructed)``: mean absolute error, a float32 scalar."""
    _require_callable("cycle_consistency_loss", cycle_consistency_loss)
    shapes = ((1, 5, 7, 3), (2, 6, 4, 3), (3, 9, 5, 3))
    calls = {"n": 0}

    def make(rng):
        shape = shapes[calls["n"] % len(shapes)]
        calls["n"] += 1
        real = rng.uniform(0, 1, shape).astype(np.float32)
        rec = np.clip(real + rng.normal(0, 0.2, shape), 0, 1).astype(np.float32)
        return tf.constant(real), tf.constant(rec)

    _run("cycle_consistency_loss", lambda a, b: cycle_consistency_loss(a, b),
         lambda a, b: cycle.cycle_consistency_loss(a, b), make, n_trials=len(shapes),
         hint="the L1 norm, averaged: tf.reduce_mean(tf.abs(real - reconstructed)) over every pixel and image")
