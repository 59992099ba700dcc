"""Checks of notebook 02's exercises: a DCGAN generator block, the EMA update, the Fréchet distance, slerp.

Call ``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import core
from .core import CheckFailed, Exercise, Mistake

__all__ = [
    "reference_generator_block",
    "reference_ema_update",
    "check_generator_block",
    "check_ema_update",
    "check_frechet_distance",
    "check_slerp",
    "hint",
    "use",
    "EXERCISES",
]


def reference_generator_block(filters: int) -> Any:
    """4x4 transposed conv, stride 2, 'same', no bias (BN adds one) -> BatchNorm -> ReLU."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
        ]
    )


def reference_ema_update(ema: np.ndarray, weights: np.ndarray, decay: float) -> np.ndarray:
    """``decay * ema + (1 - decay) * weights``."""
    return decay * ema + (1.0 - decay) * weights


def _frechet():
    from ..metrics import frechet_distance

    return frechet_distance


def _slerp():
    from ..viz import slerp

    return slerp


def _frechet_variant(mu1, s1, mu2, s2, *, cross: float = 2.0, means: bool = True, sqrt=None) -> float:
    """The Fréchet formula with one part changed: the building block of the mistakes below."""
    from scipy import linalg

    covmean = (sqrt or linalg.sqrtm)(s1 @ s2).real
    diff = mu1 - mu2
    return float((diff @ diff if means else 0.0) + np.trace(s1) + np.trace(s2) - cross * np.trace(covmean))


def _sqrtm_each(mu1, s1, mu2, s2):
    from scipy import linalg

    return float(np.trace(s1) + np.trace(s2) - 2 * np.trace(linalg.sqrtm(s1).real @ linalg.sqrtm(s2).real))


def _slerp_variant(z0, z1, t, *, swap: bool = False, divide: bool = True):
    omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1.0, 1.0))
    a, b = (t, 1 - t) if swap else (1 - t, t)
    out = np.sin(a * omega) * z0 + np.sin(b * omega) * z1
    return out / np.sin(omega) if divide else out


EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "generator_block",
            "three layers in order: a transposed convolution that doubles height and width (4x4 kernel, "
            "no bias: the batch norm after it has one), a batch norm, a ReLU; return them as one model.",
            "keras.Sequential([Conv2DTranspose(filters, 4, strides=2, padding='same', use_bias=False), "
            "BatchNormalization(), ReLU()])",
            lambda: reference_generator_block,
        ),
        Exercise(
            "ema_update",
            "the average keeps the share `decay` (close to 1) of the old average and adds the rest from the "
            "new weights.",
            "decay * ema + (1 - decay) * weights",
            lambda: reference_ema_update,
            [
                Mistake(
                    lambda e, w, d: (1 - d) * e + d * w,
                    "decay is on the wrong side: with decay = 0.999 the average must keep 99.9% of "
                    "its old value and take only 0.1% from the new weights.",
                ),
                Mistake(
                    lambda e, w, d: d * e + w,
                    "the new weights need the weight (1 - decay): the two weights of an average add up to 1.",
                ),
                Mistake(
                    lambda e, w, d: d * e + (1 - d) * e,
                    "the new weights are missing: you averaged the old average with itself.",
                ),
            ],
        ),
        Exercise(
            "frechet_distance",
            "squared distance of the means plus a covariance term built from the traces of both covariances "
            "and of the matrix square root (scipy.linalg.sqrtm) of their product; that root can come back "
            "complex with a tiny imaginary part, which is round-off.",
            "||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr(sqrtm(sigma1 @ sigma2).real), as a float",
            _frechet,
            [
                Mistake(
                    lambda m1, s1, m2, s2: _frechet_variant(m1, s1, m2, s2, cross=1.0),
                    "the cross term needs a factor 2: Tr(s1) + Tr(s2) - 2 Tr(sqrt(s1 s2)) is 0 for equal covariances.",
                ),
                Mistake(
                    lambda m1, s1, m2, s2: _frechet_variant(m1, s1, m2, s2, means=False),
                    "the distance between the means is missing: two Gaussians with the same covariance "
                    "but different means are not at distance 0.",
                ),
                Mistake(
                    lambda m1, s1, m2, s2: _frechet_variant(m1, s1, m2, s2, sqrt=np.sqrt),
                    "np.sqrt takes the square root of each entry; the formula needs the matrix square "
                    "root (scipy.linalg.sqrtm).",
                ),
                Mistake(
                    _sqrtm_each,
                    "the root must be of the product sigma1 @ sigma2, not the product of two "
                    "roots (and the mean term is missing).",
                ),
            ],
        ),
        Exercise(
            "slerp",
            "find the angle between z0 and z1, then weight them with sines of fractions of that angle; "
            "t = 0 must give z0 and t = 1 give z1.",
            "omega = arccos(clip(cos(z0, z1), -1, 1)); (sin((1 - t) omega) z0 + sin(t omega) z1) / sin(omega)",
            _slerp,
            [
                Mistake(
                    lambda z0, z1, t: (1 - t) * z0 + t * z1,
                    "this is a straight line (lerp), whose middle is shorter than both ends: slerp "
                    "follows the arc between them.",
                ),
                Mistake(
                    lambda z0, z1, t: _slerp_variant(z0, z1, t, swap=True), "t runs the wrong way: t = 0 must give z0."
                ),
                Mistake(
                    lambda z0, z1, t: _slerp_variant(z0, z1, t, divide=False),
                    "the weights need dividing by sin(omega): without it the path is too short.",
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


def _as_float64(fn: Callable) -> Callable:
    """``fn`` with a real result cast to float64, so these checks ignore dtypes (None, complex stay)."""

    def wrapper(*args: Any) -> Any:
        result = fn(*args)
        if result is None or np.iscomplexobj(result) or isinstance(result, (list, tuple)):
            return result
        return np.asarray(result, dtype=np.float64)

    return wrapper


def check_generator_block(generator_block: Callable[[int], Any]) -> None:
    """Build the learner's block and the reference, give both the same weights, compare outputs."""
    import keras

    name = "generator_block"
    core.require_callable(name, generator_block)
    for trial, (h, c_in, filters) in enumerate([(7, 8, 4), (14, 4, 6), (4, 16, 8)]):
        rng = np.random.default_rng(trial)
        x = rng.standard_normal((2, h, h, c_in)).astype("float32")
        where = f"{trial + 1} of 3: generator_block({filters}) on a batch of shape {x.shape}"
        mine = core.call_learner(name, generator_block, filters, where=where)
        if not isinstance(mine, keras.layers.Layer):
            raise CheckFailed(
                name,
                "return one model that applies the layers in order (the notebook shows "
                "how to chain layers), not the layers themselves.",
                expected="a Keras model or layer",
                got=f"a {type(mine).__name__}",
                where=where,
            )
        ref = reference_generator_block(filters)
        y_ref = ref(x, training=True)
        y = core.call_learner(name, lambda inp, block=mine: block(inp, training=True), x, where=where)
        if tuple(y.shape) != tuple(y_ref.shape):
            raise CheckFailed(
                name,
                "the block must double height and width (stride 2, padding 'same') and produce `filters` channels.",
                expected=f"output shape {tuple(y_ref.shape)}",
                got=f"output shape {tuple(y.shape)}",
                where=where,
            )
        shapes_ref = sorted(tuple(w.shape) for w in ref.weights)
        shapes_mine = sorted(tuple(w.shape) for w in mine.weights)
        if shapes_mine != shapes_ref:
            extra = (
                "a bias in the convolution is wasted: the batch norm after it adds its own."
                if len(shapes_mine) == len(shapes_ref) + 1
                else "check the kernel size (4x4) and that there is one batch norm."
            )
            raise CheckFailed(
                name, extra, expected=f"weights of shapes {shapes_ref}", got=f"{shapes_mine}", where=where
            )
        mine.set_weights(ref.get_weights())
        y, y_ref = np.asarray(mine(x, training=True)), np.asarray(ref(x, training=True))
        if np.min(y) < 0:
            raise CheckFailed(
                name,
                "outputs are negative: the block must end with a ReLU.",
                expected="values >= 0",
                got=f"minimum {np.min(y):.3g}",
                where=where,
            )
        if not np.allclose(y, y_ref, rtol=1e-4, atol=1e-5):
            raise CheckFailed(
                name,
                "same weights, different outputs: check the order convolution -> batch "
                "norm -> ReLU and padding 'same'.",
                expected="the reference's outputs",
                got=f"differences up to {np.max(np.abs(y - y_ref)):.3g}",
                where=where,
            )
    core.passed(name, 3, generator_block)


def check_ema_update(ema_update: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> None:
    """``ema_update(ema, weights, decay)`` on NumPy arrays of random shape."""

    def inputs(rng: np.random.Generator) -> tuple:
        shape = tuple(rng.integers(1, 5, size=rng.integers(1, 4)))
        return rng.standard_normal(shape), rng.standard_normal(shape), float(rng.uniform(0.5, 0.999))

    e = EXERCISES["ema_update"]
    core.require_callable(e.name, ema_update)
    core.compare(e.name, _as_float64(ema_update), reference_ema_update, inputs, mistakes=e.mistakes, check_dtype=False)
    core.passed(e.name, 3, ema_update)


def check_frechet_distance(frechet_distance: Callable[..., float]) -> None:
    """``frechet_distance(mu1, sigma1, mu2, sigma2)``: a real float, also on rank-deficient covariances.

    Trials 2 and 3 estimate the covariances from fewer samples than dimensions, as
    real feature sets often do: their product is singular, and ``sqrtm`` returns a
    complex matrix with tiny imaginary parts.
    """

    trials = itertools.count()

    def inputs(rng: np.random.Generator) -> tuple:
        d = int(rng.integers(3, 7))
        n = d + 5 if next(trials) == 0 else d - 1  # then fewer samples than dimensions: rank-deficient
        a, b = rng.standard_normal((n, d)), rng.standard_normal((n, d)) * 1.5 + 0.3
        return a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)

    def learner(*args: Any) -> Any:
        with warnings.catch_warnings():  # float(complex) silently drops the imaginary part: make it visible
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return frechet_distance(*args)

    e = EXERCISES["frechet_distance"]
    core.require_callable(e.name, frechet_distance)
    try:
        core.compare(
            e.name,
            learner,
            e.reference(),
            inputs,
            rtol=1e-4,
            atol=1e-6,
            mistakes=e.mistakes,
            real_scalar=True,
            check_dtype=False,
        )
    except CheckFailed as failure:
        if "ComplexWarning" in failure.got or "complex" in failure.got:
            raise CheckFailed(
                e.name,
                "on rank-deficient covariances the matrix square root is complex with "
                "tiny imaginary parts (round-off): keep its real part explicitly before "
                "using it, and return a real float.",
                expected=failure.expected,
                got=failure.got,
                where=failure.where,
            ) from None
        raise
    core.passed(e.name, 3, frechet_distance)


def check_slerp(slerp: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> None:
    """``slerp(z0, z1, t)`` for random latent vectors and t in [0, 1], then both end points."""

    def inputs(rng: np.random.Generator) -> tuple:
        d = int(rng.integers(4, 100))
        return rng.standard_normal(d), rng.standard_normal(d), float(rng.uniform(0.05, 0.95))

    e = EXERCISES["slerp"]
    core.require_callable(e.name, slerp)
    core.compare(e.name, _as_float64(slerp), e.reference(), inputs, mistakes=e.mistakes, check_dtype=False)
    z0, z1 = np.random.default_rng(7).standard_normal((2, 16))
    for t, end in ((0.0, z0), (1.0, z1)):
        got = core.call_learner(e.name, slerp, z0, z1, t, where=f"the end point t = {t:g}")
        if not np.allclose(np.asarray(got, np.float64), end, atol=1e-6):
            raise CheckFailed(
                e.name,
                f"at t = {t:g} the path must start (end) exactly at z{int(t)}.",
                expected=f"z{int(t)}",
                got=core.describe(got),
                where=f"the end point t = {t:g}",
            )
    core.passed(e.name, 3, slerp)
