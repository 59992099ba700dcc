"""Exercise checks of notebook 05 (feed-forward stylisation).

Each check compares the learner's function with the library's reference in
:mod:`ganstyle_lib.style.networks` on fresh random inputs (seeded: the same
inputs every run) through :func:`ganstyle_lib.exercises.check_function`, and
raises ``AssertionError`` with a helpful message when they disagree. On
success it prints one fixed line (no error figures, so the notebook's stored
output is the same on every machine).
"""

from __future__ import annotations

import contextlib
import io
from typing import Callable

import numpy as np
import tensorflow as tf

from . import networks

__all__ = ["check_instance_norm", "check_adain", "check_residual_block"]

# (batch, height, width, channels) of successive trials: batched, non-square, odd sizes.
_SHAPES = ((1, 5, 7, 3), (2, 6, 4, 8), (3, 9, 5, 16))


def _tensor(rng: np.random.Generator, shape, scale: float = 1.0, shift: float = 0.0) -> tf.Tensor:
    return tf.constant((rng.standard_normal(shape) * scale + shift).astype(np.float32))


def _run(name: str, learner_fn: Callable, reference_fn: Callable, make_inputs: Callable, *, hint: str,
         rtol: float = 1e-4, atol: float = 1e-4) -> None:
    if not callable(learner_fn):
        raise TypeError(f"check_{name} expects your function itself, e.g. check_{name}({name}), "
                        f"got {type(learner_fn).__name__}")
    from ..exercises import check_function

    calls = {"n": 0}

    def inputs(rng):
        shape = _SHAPES[calls["n"] % len(_SHAPES)]
        calls["n"] += 1
        return make_inputs(rng, shape)

    with contextlib.redirect_stdout(io.StringIO()):  # its line shows an error figure that varies by machine
        check_function(learner_fn, reference_fn, inputs, n_trials=len(_SHAPES), rtol=rtol, atol=atol,
                       name=name, hint=hint)
    print(f"✓ {name} matches the reference on {len(_SHAPES)} random inputs")


def check_instance_norm(instance_norm: Callable) -> None:
    """Your ``instance_norm(x)``: ``(B, H, W, C)`` -> same shape, each sample's each channel to mean 0, variance 1."""
    _run("instance_norm", lambda x: instance_norm(x), lambda x: networks.instance_norm(x),
         lambda rng, shape: (_tensor(rng, shape, scale=rng.uniform(0.5, 3), shift=rng.uniform(-2, 2)),),
         hint="mean and variance over axes 1 and 2 (height, width) only, keepdims=True; "
              "divide by sqrt(variance + 1e-5)")


def check_adain(adain: Callable) -> None:
    """Your ``adain(content, style)``: content features with the style features' per-channel mean and std."""
    def make(rng, shape):
        b, h, w, c = shape
        return (_tensor(rng, shape, 2.0, 1.0), _tensor(rng, (b, h + 2, w + 3, c), 0.5, -1.0))

    _run("adain", lambda c, s: adain(c, s), lambda c, s: networks.adain(c, s), make,
         hint="normalise the content per sample and channel (axes 1, 2), then multiply by the style's "
              "sqrt(variance + 1e-5) and add the style's mean; the two maps may differ in size")


def check_residual_block(residual_block: Callable) -> None:
    """Your ``residual_block(block, x)`` using ``block.conv1``, ``block.norm1``, ``block.conv2``, ``block.norm2``."""
    blocks: dict[int, networks.ResidualBlock] = {}

    def make(rng, shape):
        channels = shape[-1]
        if channels not in blocks:
            block = networks.ResidualBlock(channels, name=f"check_res_{channels}")
            block.build(shape)
            block.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in block.get_weights()])
            blocks[channels] = block
        return blocks[channels], _tensor(rng, shape)

    _run("residual_block", lambda block, x: residual_block(block, x), lambda block, x: block(x), make,
         hint="y = relu(norm1(conv1(x))); y = norm2(conv2(y)); return x + y  (no ReLU after the addition)",
         rtol=1e-3, atol=1e-3)
