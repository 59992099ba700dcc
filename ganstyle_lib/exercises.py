"""Checks that learners call on their own implementations.

Every check compares the learner's function with the library's reference on a
few *fresh random inputs* (seeded, so a check behaves the same every run),
and either prints one line starting with ✓ or raises ``AssertionError`` saying
which input failed, what was expected, what came back and by how much it
differs. A function that still raises ``NotImplementedError`` (the student
version of an exercise) lets that error through unchanged.

Generic comparator: :func:`check_function` (returns the largest relative
error, for tests). Notebook checks return None, so a check cell shows only
its ✓ line. Notebook 01 checks:
:func:`check_discriminator_loss`, :func:`check_non_saturating_generator_loss`,
:func:`check_optimal_discriminator`, :func:`check_js_divergence`.

Printing the ✓ line is the one place the library prints: it is the check
cell's visible output.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "check_function",
    "check_to_gan_range",
    "check_from_gan_range",
    "check_to_uint8",
    "check_discriminator_loss",
    "check_non_saturating_generator_loss",
    "check_optimal_discriminator",
    "check_js_divergence",
]

# Below this, relative errors are float32 round-off: printing them exactly would
# make the check's output change with the machine, so it prints "< 1e-06".
_NOISE_FLOOR = 1e-6


def _to_numpy(value: Any) -> np.ndarray:
    """A NumPy view of a tensor, array or Python number."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def _describe(value: Any) -> str:
    """A short description of one input: shape, dtype and range (values if tiny)."""
    arr = _to_numpy(value)
    if arr.ndim == 0:
        return repr(arr.item())
    if arr.size <= 4:
        return f"{np.array2string(arr, precision=4, separator=', ').replace(chr(10), '')} ({arr.dtype})"
    return f"array of shape {arr.shape} ({arr.dtype}), values in [{arr.min():.4g}, {arr.max():.4g}]"


def _copies(args: tuple) -> tuple:
    # Fresh copies of NumPy inputs, so a function that edits its input in place
    # cannot change what the other one (or the failure message) sees.
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def _input_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()][:n]
    except (TypeError, ValueError):
        names = []
    return names + [f"arg{i}" for i in range(len(names), n)]


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` (``()`` for a 0-d mask)."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _at(index: tuple[int, ...]) -> str:
    if not index:
        return ""
    return f" at index {index[0] if len(index) == 1 else index}"


def _show(arr: np.ndarray, index: tuple[int, ...]) -> str:
    return f"{arr[index]:.6g}"


def check_function(learner_fn: Callable, reference_fn: Callable,
                   make_inputs: Callable[[np.random.Generator], Sequence[Any]], n_trials: int = 3,
                   rtol: float = 1e-5, atol: float = 1e-6, *, name: str | None = None,
                   hint: str = "", seed: int = 0) -> float:
    """Compare ``learner_fn`` with ``reference_fn`` on ``n_trials`` random inputs.

    For each trial, ``make_inputs(rng)`` returns the positional arguments; both
    functions are called on them and the results are compared in this order:
    shape, dtype, finiteness (the learner's result must be finite wherever the
    reference's is) and values, which pass when
    ``|got - expected| <= atol + rtol * |expected|`` element-wise (NumPy's
    ``allclose`` rule).

    Args:
        learner_fn: the learner's implementation.
        reference_fn: the library's implementation, same signature.
        make_inputs: ``rng -> tuple of arguments``; called once per trial with
            a NumPy ``Generator`` seeded from ``seed``.
        n_trials: how many random inputs to try.
        rtol, atol: relative and absolute tolerance.
        name: what the function computes, for messages (default: its ``__name__``).
        hint: a sentence added to every failure message.
        seed: seeds the random inputs, so each run checks the same inputs.

    Returns:
        The largest relative error seen, ``max |got - expected| / max(|expected|, tiny)``.

    Raises:
        AssertionError: on the first mismatch, naming the trial, the inputs,
            expected and actual values and the errors.
        NotImplementedError: passed through from ``learner_fn``.
    """
    name = name or getattr(learner_fn, "__name__", "function")
    rng = np.random.default_rng(seed)
    worst_rel = 0.0
    for trial in range(1, n_trials + 1):
        args = tuple(make_inputs(rng))
        expected = _to_numpy(reference_fn(*_copies(args)))
        got = learner_fn(*_copies(args))  # NotImplementedError propagates on purpose
        if got is None:
            raise AssertionError(f"{name} returned None: did you forget the `return` statement?")
        got = _to_numpy(got)

        inputs = "\n".join(f"    {n} = {_describe(a)}"
                           for n, a in zip(_input_names(reference_fn, len(args)), args))
        where = f"{name} does not match the reference on random input {trial} of {n_trials}.\n  inputs:\n{inputs}\n"
        tail = f"\n  hint: {hint}" if hint else ""

        if got.shape != expected.shape:
            advice = " (a scalar is expected: average over the batch)" if expected.ndim == 0 else ""
            raise AssertionError(f"{where}  shape: expected {expected.shape}, got {got.shape}{advice}{tail}")
        if got.dtype != expected.dtype:
            raise AssertionError(f"{where}  dtype: expected {expected.dtype}, got {got.dtype}{tail}")

        should_be_finite = np.isfinite(expected)
        not_finite = should_be_finite & ~np.isfinite(got)
        if not_finite.any():
            idx = _first_index(not_finite)
            count = f"{int(not_finite.sum())} of {got.size} values are" if got.ndim else "the result is"
            raise AssertionError(
                f"{where}  not finite: {count} inf or nan where the reference is finite: "
                f"expected {_show(expected, idx)}{_at(idx)}, got {_show(got, idx)}{tail}")

        exp64, got64 = expected.astype(np.float64), got.astype(np.float64)
        both = should_be_finite & np.isfinite(got64)
        abs_err = np.where(both, np.abs(got64 - exp64), 0.0)
        rel_err = abs_err / np.maximum(np.abs(exp64), np.finfo(np.float64).tiny)
        worst_rel = max(worst_rel, float(rel_err.max(initial=0.0)))
        bad = abs_err > atol + rtol * np.abs(exp64)
        if bad.any():
            idx = _first_index(abs_err == abs_err[bad].max())  # the worst entry
            count = f"{int(bad.sum())} of {got.size} values off, " if got.ndim else ""
            raise AssertionError(
                f"{where}  value: expected {_show(expected, idx)}{_at(idx)}, got {_show(got, idx)}; "
                f"{count}max abs error {abs_err.max():.3g}, "
                f"max rel. error {rel_err.max():.3g} (tolerance rtol={rtol:g}, atol={atol:g}){tail}")

    shown = f"< {_NOISE_FLOOR:.0e}" if worst_rel < _NOISE_FLOOR else f"{worst_rel:.0e}"
    print(f"✓ {name} matches the reference on {n_trials} random inputs (max rel. error {shown})")
    return worst_rel


# --- notebook 00 ---------------------------------------------------------------------

def check_to_gan_range(fn: Callable) -> None:
    """Check ``fn(image)`` maps style-range values [0, 1] to GAN-range values [-1, 1].

    Inputs are float32 arrays of random shape, including the end points 0 and 1.
    """
    from . import data

    def make_inputs(rng):
        shape = tuple(int(n) for n in rng.integers(1, 9, size=int(rng.integers(1, 5))))
        image = rng.uniform(0.0, 1.0, size=shape).astype(np.float32)
        image.flat[0], image.flat[-1] = 0.0, 1.0
        return (image,)

    check_function(fn, lambda image: np.asarray(data.to_gan_range(image)), make_inputs,
                   name="to_gan_range", hint="0 must map to -1, 0.5 to 0 and 1 to +1: a line.")


def check_from_gan_range(fn: Callable) -> None:
    """Check ``fn(image)`` maps GAN-range values [-1, 1] back to [0, 1], clipping overshoot.

    Inputs are float32 arrays of random shape with values in [-1.2, 1.2]: a
    generator's output can overshoot slightly, and a display function must not
    pass values outside [0, 1] on.
    """
    from . import data

    def make_inputs(rng):
        shape = tuple(int(n) for n in rng.integers(1, 9, size=int(rng.integers(1, 5))))
        image = rng.uniform(-1.2, 1.2, size=shape).astype(np.float32)
        image.flat[0], image.flat[-1] = -1.2, 1.2
        return (image,)

    check_function(fn, lambda image: np.asarray(data.from_gan_range(image)), make_inputs,
                   name="from_gan_range",
                   hint="-1 maps to 0 and +1 to 1; values beyond either end are clipped (np.clip).")


def check_to_uint8(fn: Callable) -> None:
    """Check ``fn(image)`` turns an (H, W, 3) float image in [0, 1] into uint8 0..255.

    Inputs include values just outside [0, 1] (clip them) and values such as
    0.999 that truncation would turn into 254 instead of 255 (round them).
    """
    from . import data

    def make_inputs(rng):
        height, width = (int(n) for n in rng.integers(2, 12, size=2))
        image = rng.uniform(-0.1, 1.1, size=(height, width, 3)).astype(np.float32)
        image.flat[:3] = (0.999, 0.0021, 0.5)
        return (image,)

    check_function(fn, data.to_uint8, make_inputs, name="to_uint8", atol=0, rtol=0,
                   hint="clip to [0, 1], multiply by 255, round (not truncate), then .astype(np.uint8).")


# --- notebook 01 ---------------------------------------------------------------------

def _logits(rng: np.random.Generator, batch: int):
    """Logits of shape ``(batch, 1)``: mostly N(0, 3^2), plus one +100 and one -100.

    The two extreme values catch implementations that compute ``log(sigmoid(l))``
    directly, which gives ``log(0) = -inf`` in float32.
    """
    import tensorflow as tf

    logits = rng.normal(0.0, 3.0, size=(batch, 1))
    logits[rng.choice(batch, size=2, replace=False), 0] = [100.0, -100.0]
    return tf.constant(logits, tf.float32)


_STABLE_HINT = ("with D = sigmoid(l): -log D = softplus(-l) and -log(1 - D) = softplus(l); "
                "these stay finite for logits of +-100, where log(sigmoid(l)) gives -inf.")


def check_discriminator_loss(fn: Callable) -> None:
    """Check ``fn(real_logits, fake_logits)`` against the (minimax = non-saturating) discriminator loss.

    Expected: ``-E[log D(x)] - E[log(1 - D(G(z)))]``, ``D = sigmoid(logits)``,
    each expectation a mean over its batch; a float32 scalar.
    """
    from .gan import losses

    def make_inputs(rng):
        batch = int(rng.integers(8, 65))
        return _logits(rng, batch), _logits(rng, batch)

    check_function(fn, losses.minimax_discriminator_loss, make_inputs,
                          name="discriminator loss", hint=_STABLE_HINT + " Average each term over its batch.")


def check_non_saturating_generator_loss(fn: Callable) -> None:
    """Check ``fn(fake_logits)`` against ``-E[log D(G(z))]`` with ``D = sigmoid(logits)``."""
    from .gan import losses

    check_function(fn, losses.non_saturating_generator_loss,
                          lambda rng: (_logits(rng, int(rng.integers(8, 65))),),
                          name="non-saturating generator loss", hint=_STABLE_HINT)


def check_optimal_discriminator(fn: Callable) -> None:
    """Check ``fn(p_data, p_g)`` against ``p_data / (p_data + p_g)`` on random densities.

    Some ``p_g`` values are exactly 0 (where ``D* = 1``); the two are never both 0.
    """
    from .gan import toy

    def make_inputs(rng):
        n = int(rng.integers(20, 200))
        p_data = rng.uniform(0.0, 2.0, n)
        p_g = rng.uniform(0.0, 2.0, n)
        p_g[rng.choice(n, size=3, replace=False)] = 0.0
        return p_data, p_g

    check_function(fn, toy.optimal_discriminator, make_inputs, rtol=1e-7, atol=1e-12,
                          name="optimal discriminator",
                          hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)), element-wise.")


def check_js_divergence(fn: Callable) -> None:
    """Check ``fn(p, q, dx)`` against the Jensen-Shannon divergence on a grid (natural log).

    ``p`` is a Gaussian density; ``q`` is uniform on an interval, so it is
    exactly 0 on part of the grid (where ``0 * log 0`` must count as 0).
    """
    from .gan import toy

    def make_inputs(rng):
        x, dx = np.linspace(-6.0, 6.0, 1201, retstep=True)
        mean, std = rng.uniform(-2, 2), rng.uniform(0.5, 1.5)
        p = np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
        low = rng.uniform(-4, 1)
        width = rng.uniform(1, 3)
        q = np.where((x >= low) & (x <= low + width), 1.0 / width, 0.0)
        return p, q, float(dx)

    check_function(fn, toy.js_divergence, make_inputs, rtol=1e-7, atol=1e-10,
                          name="JS divergence",
                          hint="JSD = 1/2 KL(p||m) + 1/2 KL(q||m), m = (p + q)/2, each KL a sum of "
                               "p log(p/m) dx; count 0 * log 0 as 0 (np.where).")
