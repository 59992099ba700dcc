"""Checks of notebook 00's exercises: moving images between value ranges.

Call ``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = ["check_to_gan_range", "check_from_gan_range", "check_to_uint8", "hint", "use", "EXERCISES"]


def _data():
    from .. import data

    return data


EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "to_gan_range",
            "0 must map to -1, 0.5 to 0 and 1 to +1: a straight line.",
            "image * 2 - 1",
            lambda: _data().to_gan_range,
            [
                Mistake(lambda x: x * 2.0, "the line is not shifted: 0 must map to -1, not to 0."),
                Mistake(lambda x: x - 1.0, "the line is not stretched: 1 maps to 0 instead of +1."),
                Mistake(lambda x: (x - 1.0) * 2.0, "0 maps to -2: shift after stretching, not before."),
            ],
        ),
        Exercise(
            "from_gan_range",
            "-1 maps to 0 and +1 to 1; values beyond either end are clipped.",
            "np.clip((image + 1) / 2, 0, 1)",
            lambda: _data().from_gan_range,
            [
                Mistake(
                    lambda x: (x + 1.0) / 2.0,
                    "values outside [-1, 1] must be clipped to [0, 1]: a generator's output can overshoot slightly.",
                ),
                Mistake(lambda x: np.clip(x, 0.0, 1.0), "the values are clipped but not moved: -1 must map to 0."),
                Mistake(lambda x: np.clip(x / 2.0, 0.0, 1.0), "the shift is missing: -1 must map to 0, 0 to 0.5."),
            ],
        ),
        Exercise(
            "to_uint8",
            "clip to [0, 1], scale to 0..255, round to the nearest integer, then convert the type.",
            "np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)",
            lambda: _data().to_uint8,
            [
                Mistake(
                    lambda x: (np.clip(x, 0, 1) * 255).astype(np.uint8),
                    "values such as 0.999 must give 255: round before converting (astype truncates).",
                ),
                Mistake(
                    lambda x: np.round(x * 255).astype(np.uint8),
                    "values just outside [0, 1] wrap around in uint8 (-0.1 -> 230): clip first.",
                ),
                Mistake(
                    lambda x: np.round(np.clip(x, 0, 1) * 256).astype(np.uint8),
                    "the scale is 255 (the largest uint8), not 256: 1.0 must give 255.",
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


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(n) for n in rng.integers(1, 9, size=int(rng.integers(1, 5))))


def check_to_gan_range(fn: Callable) -> None:
    """``fn(image)``: [0, 1] -> [-1, 1], on float32 arrays of random shape including both end points."""

    def make_inputs(rng):
        image = rng.uniform(0.0, 1.0, size=_shape(rng)).astype(np.float32)
        image.flat[0], image.flat[-1] = 0.0, 1.0
        return (image,)

    e = EXERCISES["to_gan_range"]
    core.check_function(
        fn, lambda image: np.asarray(e.reference()(image)), make_inputs, name=e.name, mistakes=e.mistakes
    )


def check_from_gan_range(fn: Callable) -> None:
    """``fn(image)``: [-1, 1] -> [0, 1], clipping overshoot (inputs in [-1.2, 1.2])."""

    def make_inputs(rng):
        image = rng.uniform(-1.2, 1.2, size=_shape(rng)).astype(np.float32)
        image.flat[0], image.flat[-1] = -1.2, 1.2
        return (image,)

    e = EXERCISES["from_gan_range"]
    core.check_function(
        fn, lambda image: np.asarray(e.reference()(image)), make_inputs, name=e.name, mistakes=e.mistakes
    )


def check_to_uint8(fn: Callable) -> None:
    """``fn(image)``: (H, W, 3) float in [0, 1] -> uint8 0..255; inputs overshoot and include 0.999."""

    def make_inputs(rng):
        height, width = (int(n) for n in rng.integers(2, 12, size=2))
        image = rng.uniform(-0.1, 1.1, size=(height, width, 3)).astype(np.float32)
        image.flat[:3] = (0.999, 0.0021, 0.5)
        return (image,)

    e = EXERCISES["to_uint8"]
    e.check(fn, make_inputs, atol=0, rtol=0)
