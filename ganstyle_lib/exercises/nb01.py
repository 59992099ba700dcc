"""Checks of notebook 01's exercises: the optimal discriminator, the JS divergence and the GAN losses.

Call ``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = [
    "check_optimal_discriminator",
    "check_js_divergence",
    "check_discriminator_loss",
    "check_non_saturating_generator_loss",
    "hint",
    "use",
    "EXERCISES",
]


def _losses():
    from ..gan import losses

    return losses


def _toy():
    from ..gan import toy

    return toy


def _tf():
    import tensorflow as tf

    return tf


def _kl_sum(a, m):
    """sum a log(a / m) with 0 log 0 = 0 (no dx): a building block of the mistakes below."""
    safe = np.where(a > 0, a, 1.0)
    return np.sum(np.where(a > 0, a * np.log(safe / np.where(a > 0, m, 1.0)), 0.0))


def _jsd_no_dx(p, q, dx):
    m = 0.5 * (p + q)
    return float(0.5 * _kl_sum(p, m) + 0.5 * _kl_sum(q, m))


_NAIVE_LOG = (
    "log(sigmoid(l)) is -inf for a logit of -100 in float32: write -log D and -log(1 - D) "
    "with a function that works on logits directly (the notebook names it)."
)

EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "optimal_discriminator",
            "D* is the share of the density at x that comes from the data.",
            "D*(x) = p_data(x) / (p_data(x) + p_g(x)), element-wise",
            lambda: _toy().optimal_discriminator,
            [
                Mistake(
                    lambda pd, pg: pg / (pd + pg),
                    "you computed the generator's share: D* is the probability that x is real.",
                ),
                Mistake(
                    lambda pd, pg: pd / pg,
                    "divide by the total density, not by p_g alone: D* must stay in [0, 1] and be 1 where p_g is 0.",
                ),
                Mistake(lambda pd, pg: pd / (pd + pg) ** 2, "the denominator is squared: D* is a plain share."),
            ],
        ),
        Exercise(
            "js_divergence",
            "the mean of two KL divergences to the mixture m = (p + q) / 2, each an integral on the grid "
            "(a sum times dx), natural log, with 0 log 0 counted as 0.",
            "m = (p + q) / 2; JSD = 1/2 sum p log(p / m) dx + 1/2 sum q log(q / m) dx, "
            "terms with p = 0 (or q = 0) count 0 (np.where)",
            lambda: _toy().js_divergence,
            [
                Mistake(
                    _jsd_no_dx,
                    "your value is about 1/dx (100x) too big: an integral on the grid is a sum times the grid step dx.",
                ),
                Mistake(
                    lambda p, q, dx: _toy().js_divergence(p, q, dx) / np.log(2),
                    "your value is 1/ln 2 = 1.44 times too big: use the natural log (np.log), not log2.",
                ),
                Mistake(
                    lambda p, q, dx: 2 * _toy().js_divergence(p, q, dx),
                    "your value is twice too big: each KL term is weighted 1/2.",
                ),
                Mistake(
                    lambda p, q, dx: float(_kl_sum(p, 0.5 * (p + q)) * dx),
                    "only one of the two KL terms is there: the JSD is symmetric in p and q.",
                ),
            ],
        ),
        Exercise(
            "discriminator_loss",
            "-E[log D(x)] - E[log(1 - D(G(z)))] with D = sigmoid(logit); both terms have a stable "
            "form on logits (softplus), each averaged over its batch.",
            "mean(softplus(-real_logits)) + mean(softplus(fake_logits))",
            lambda: _losses().minimax_discriminator_loss,
            [
                Mistake(
                    lambda r, f: 0.5 * _losses().minimax_discriminator_loss(r, f),
                    "your loss is half the expected one: add the two terms, do not average them.",
                ),
                Mistake(
                    lambda r, f: _losses().minimax_discriminator_loss(f, r),
                    "real and fake are swapped: the discriminator wants D(x) near 1 on real data.",
                ),
                Mistake(
                    lambda r, f: -_losses().minimax_discriminator_loss(r, f),
                    "the loss is negative, but -log D is never negative: the sign is flipped "
                    "(you maximised instead of minimising).",
                ),
            ],
        ),
        Exercise(
            "non_saturating_generator_loss",
            "the generator minimises -E[log D(G(z))] (not E[log(1 - D(G(z)))]); write it on logits.",
            "mean(softplus(-fake_logits))",
            lambda: _losses().non_saturating_generator_loss,
            [
                Mistake(
                    lambda f: _losses().minimax_generator_loss(f),
                    "this is the saturating loss E[log(1 - D(G(z)))], which is negative: the non-saturating "
                    "generator minimises -log D(G(z)), which is never negative.",
                ),
                Mistake(
                    lambda f: -_losses().non_saturating_generator_loss(f),
                    "the loss is negative, but -log D is never negative: a minus sign is missing.",
                ),
                Mistake(
                    lambda f: _tf().reduce_mean(_tf().nn.softplus(f)),
                    "this is -log(1 - D), the discriminator's term for fakes: the generator wants D(G(z)) "
                    "near 1, so its loss is -log D(G(z)).",
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


def _logits(rng: np.random.Generator, batch: int):
    """Logits (batch, 1): mostly N(0, 3^2), plus one +100 and one -100 (naive log(sigmoid) gives -inf)."""
    logits = rng.normal(0.0, 3.0, size=(batch, 1))
    logits[rng.choice(batch, size=2, replace=False), 0] = [100.0, -100.0]
    return _tf().constant(logits, _tf().float32)


def _loss_check(name: str, fn: Callable, make_inputs: Callable) -> None:
    e = EXERCISES[name]
    core.require_callable(name, fn)
    try:
        core.compare(name, fn, e.reference(), make_inputs, mistakes=e.mistakes)
    except core.CheckFailed as failure:
        if "inf or nan" in failure.got:  # the one cause of a non-finite loss on these inputs
            raise core.CheckFailed(
                name, _NAIVE_LOG, expected=failure.expected, got=failure.got, where=failure.where
            ) from None
        raise
    core.passed(name, 3, fn)


def check_discriminator_loss(fn: Callable) -> None:
    """``fn(real_logits, fake_logits)``: the discriminator's loss, a float32 scalar, on logits up to +-100."""

    def make_inputs(rng):
        batch = int(rng.integers(8, 65))
        return _logits(rng, batch), _logits(rng, batch)

    _loss_check("discriminator_loss", fn, make_inputs)


def check_non_saturating_generator_loss(fn: Callable) -> None:
    """``fn(fake_logits)``: ``-E[log D(G(z))]``, a float32 scalar, on logits up to +-100."""
    _loss_check("non_saturating_generator_loss", fn, lambda rng: (_logits(rng, int(rng.integers(8, 65))),))


def check_optimal_discriminator(fn: Callable) -> None:
    """``fn(p_data, p_g)`` on random densities, some ``p_g`` exactly 0 (where D* = 1)."""

    def make_inputs(rng):
        n = int(rng.integers(20, 200))
        p_data, p_g = rng.uniform(0.0, 2.0, n), rng.uniform(0.0, 2.0, n)
        p_g[rng.choice(n, size=3, replace=False)] = 0.0
        return p_data, p_g

    e = EXERCISES["optimal_discriminator"]
    e.check(fn, make_inputs, rtol=1e-7, atol=1e-12)


def check_js_divergence(fn: Callable) -> None:
    """``fn(p, q, dx)``: a Gaussian ``p`` and a uniform ``q`` that is 0 on part of the grid (0 log 0 = 0)."""

    def make_inputs(rng):
        x, dx = np.linspace(-6.0, 6.0, 1201, retstep=True)
        mean, std = rng.uniform(-2, 2), rng.uniform(0.5, 1.5)
        p = np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
        low, width = rng.uniform(-4, 1), rng.uniform(1, 3)
        q = np.where((x >= low) & (x <= low + width), 1.0 / width, 0.0)
        return p, q, float(dx)

    e = EXERCISES["js_divergence"]
    core.require_callable(e.name, fn)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # a learner's log(0) is diagnosed, not warned about
            core.compare(
                e.name,
                fn,
                e.reference(),
                make_inputs,
                rtol=1e-7,
                atol=1e-10,
                mistakes=e.mistakes,
                real_scalar=True,
                check_dtype=False,
            )
    except core.CheckFailed as failure:
        if "inf or nan" in failure.got:
            raise core.CheckFailed(
                e.name,
                "where q (or p) is 0, p log(p / m) is 0 log 0 = nan in NumPy: count "
                "those terms as 0 (the notebook's convention).",
                expected=failure.expected,
                got=failure.got,
                where=failure.where,
            ) from None
        raise
    core.passed(e.name, 3, fn)
