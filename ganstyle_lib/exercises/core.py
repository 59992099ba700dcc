"""The one runner and reporting convention of every exercise check in the course.

A check cell calls ``checks.check_<name>(your_function)``. It either prints one
fixed line starting with ✓, or raises :class:`CheckFailed`, whose display in a
notebook is one short ✗ block and nothing else::

    ✗ frechet_distance is not right yet
      input     : 2 of 3: mu1 = array of shape (5,) ...
      expected  : a real float, 3.2
      got       : a complex number (3.2+0.0001j)
      diagnosis : the matrix square root of a rank-deficient product is complex ...
      more help : checks.hint("frechet_distance"); the formula: checks.hint("frechet_distance", 2)

Why no traceback: the learner needs what was expected, what came back and a
likely cause, not 30 lines of the library's internals. IPython asks an
exception for ``_render_traceback_()`` before drawing a traceback, so the
exception itself decides what the notebook shows. Exceptions raised *inside*
the learner's function (a TensorFlow shape error, a ``TypeError``) are turned
into the same block by :func:`call_learner`; a student stub's
``NotImplementedError`` becomes :class:`NotWrittenYet` (still a
``NotImplementedError``, so code that expects one keeps working).

The diagnosis comes from the exercise's list of *known mistakes*: small wrong
implementations (the decay on the wrong side, a missing ``dx`` ...), each with
one or two sentences about what is probably wrong. When the learner's result
matches one of them, that sentence is the diagnosis; the solution itself is
only shown by ``hint(name, 2)``, never automatically.

Modules: this one (runner, comparison, hints, :func:`use`) and one per notebook,
``nb00`` ... ``nb06``, each listing its exercises' checks, references, mistakes
and hints.
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CheckFailed",
    "NotWrittenYet",
    "Mistake",
    "Exercise",
    "call_learner",
    "compare",
    "by_shape",
    "check_function",
    "passed",
    "remember",
    "require_callable",
    "describe",
    "show_hint",
    "use",
]


# -- the ✗ block --------------------------------------------------------------------------


class CheckFailed(AssertionError):
    """A learner's function failed its check. Shown in a notebook as one ✗ block, without traceback.

    ``str(exc)`` is the same block, so tests and plain Python show it too.
    """

    def __init__(self, name: str, diagnosis: str, *, expected: str = "", got: str = "", where: str = "") -> None:
        self.name, self.diagnosis, self.expected, self.got, self.where = name, diagnosis, expected, got, where
        lines = [f"✗ {name} is not right yet"]
        for label, text in (("input", where), ("expected", expected), ("got", got), ("diagnosis", diagnosis)):
            if text:
                lines.append(f"  {label:<10}: {text}")
        lines.append(f'  more help : checks.hint("{name}"); the full formula: checks.hint("{name}", 2)')
        self.block = "\n".join(lines)
        super().__init__(self.block)

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of drawing a traceback: the learner sees only the block.
        return self.block.splitlines()


class NotWrittenYet(CheckFailed, NotImplementedError):
    """The learner's function still raises ``NotImplementedError`` (the student notebook's stub)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name,
            "the function still raises NotImplementedError: replace the two stub lines "
            "(# YOUR CODE HERE / raise ...) with your code, run its cell, then this one.",
            got="NotImplementedError (the stub)",
        )


# -- calling the learner's code --------------------------------------------------------------


def _explain_error(exc: BaseException) -> str:
    """One or two sentences about a common cause of an exception raised in the learner's code."""
    text = str(exc)
    if "Incompatible shapes" in text or "broadcast" in text or "Dimensions must be equal" in text:
        return (
            "two tensors of different shapes met in one operation. A mean or variance that dropped its "
            "axes cannot be subtracted from the full map: reduce with keepdims=True; also check that "
            "no padding or cropping changed the height or width."
        )
    if isinstance(exc, TypeError) and "list" in text:
        return "a Python list came where an array, tensor or model was expected: return the object itself."
    if isinstance(exc, TypeError) and "not callable" in text:
        return "something that is not a function or model was called: did you return a list instead of a model?"
    if isinstance(exc, (TypeError, AttributeError)):
        return "a value of an unexpected type reached an operation: check what each step returns."
    return "your function raised an error on this input; the message above names the operation."


def call_learner(name: str, fn: Callable, *args: Any, where: str = "") -> Any:
    """``fn(*args)``, with any exception from the learner's code turned into a :class:`CheckFailed`."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise NotWrittenYet(name) from None
    except CheckFailed:
        raise
    except Exception as exc:  # the learner's code failed: report it as a ✗ block, not a traceback
        # TensorFlow prefixes "{{function_node ...}}" and appends " [Op:Sub] name:": noise for a learner
        text = re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:.*$", "", str(exc).strip())
        first = (text.splitlines() or [""])[0][:200]
        raise CheckFailed(
            name, _explain_error(exc), where=where, got=f"{type(exc).__name__} raised in your function: {first}"
        ) from None


def require_callable(name: str, fn: Any) -> None:
    """A check receives the function itself; catch ``check_x(x(...))`` early with a clear block."""
    if not callable(fn):
        raise CheckFailed(
            name,
            f"pass the function itself, without calling it: check_{name}({name}).",
            expected="a function",
            got=f"a {type(fn).__name__}",
        )


# -- comparing with the reference --------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation and what to tell a learner whose result matches it."""

    fn: Callable
    diagnosis: str


@dataclass
class Exercise:
    """What a notebook's module knows about one exercise: its name, hints, reference and mistakes."""

    name: str
    nudge: str  # hint level 1: a pointer, no code
    formula: str  # hint level 2: the full formula
    reference: Callable[[], Callable] = field(repr=False)  # loads the library's function lazily
    mistakes: Sequence[Mistake] = ()

    def check(self, learner_fn: Callable, make_inputs: Callable[[np.random.Generator], Any], **options: Any) -> float:
        """:func:`check_function` of the learner's function against this exercise's reference and mistakes.

        ``options`` go to :func:`compare` (``n_trials``, ``rtol``, ``atol``, ``check_dtype``, ...).
        On success the ✓ line is printed and ``learner_fn`` is remembered for :func:`use`.
        """
        return check_function(
            learner_fn, self.reference(), make_inputs, name=self.name, mistakes=self.mistakes, **options
        )


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def describe(value: Any) -> str:
    """A short description of a value: its type, shape and range (or its value when tiny)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) <= 8 and all(np.isscalar(v) for v in value):
        return repr(list(value))
    if callable(value) and not hasattr(value, "shape"):
        return getattr(value, "__name__", type(value).__name__)
    arr = _to_numpy(value)
    if arr.dtype == object:
        return f"a {type(value).__name__}"
    if arr.ndim == 0:
        return f"{arr.item():.6g}" if np.isrealobj(arr) else repr(arr.item())
    if arr.size <= 4:
        return f"{np.array2string(arr, precision=4, separator=', ')} ({arr.dtype})"
    return f"shape {arr.shape} ({arr.dtype}), values in [{np.nanmin(arr.real):.4g}, {np.nanmax(arr.real):.4g}]"


def _input_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()][:n]
    except (TypeError, ValueError):
        names = []
    return names + [f"arg{i}" for i in range(len(names), n)]


def _copies(args: tuple) -> tuple:
    # Fresh copies of NumPy arrays and lists: a function that edits its input in place cannot change
    # what the reference (or a mistake, or the message) sees.
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else list(a) if isinstance(a, list) else a for a in args)


def _matches(got: np.ndarray, other: Any, rtol: float, atol: float) -> bool:
    try:
        other = _to_numpy(other)
        if not (np.iscomplexobj(got) or np.iscomplexobj(other)):  # uint8 differences would wrap around
            got, other = got.astype(np.float64), other.astype(np.float64)
        return other.shape == got.shape and bool(np.allclose(got, other, rtol=rtol, atol=atol, equal_nan=True))
    except Exception:  # a mistake that cannot run on this input simply does not match
        return False


def _known_mistake(got: np.ndarray, args: tuple, mistakes: Sequence[Mistake], rtol: float, atol: float) -> str:
    with np.errstate(all="ignore"):
        for mistake in mistakes:
            try:
                value = mistake.fn(*_copies(args))
            except Exception:
                continue
            if _matches(got, value, max(rtol, 1e-4), max(atol, 1e-5)):
                return mistake.diagnosis
    return ""


def compare(
    name: str,
    learner_fn: Callable,
    reference_fn: Callable,
    make_inputs: Callable[[np.random.Generator], Sequence[Any]],
    *,
    n_trials: int = 3,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    mistakes: Sequence[Mistake] = (),
    real_scalar: bool = False,
    check_dtype: bool = True,
    seed: int = 0,
) -> float:
    """Compare ``learner_fn`` with ``reference_fn`` on ``n_trials`` seeded random inputs; silent on success.

    For each trial ``make_inputs(rng)`` gives the arguments. The learner's result is checked in
    this order: returned at all, type (``real_scalar``: a real Python or NumPy number, not a
    complex one or an array), shape, dtype (when ``check_dtype``), finite wherever the
    reference is, and values (``|got - expected| <= atol + rtol * |expected|``). The first
    failure raises :class:`CheckFailed`; its diagnosis names the known mistake the result
    matches, if any. Returns the largest relative error seen (for tests).
    """
    rng = np.random.default_rng(seed)
    worst = 0.0
    with np.errstate(all="ignore"):  # a learner's log(0) or 0/0 is diagnosed below, not warned about
        for trial in range(1, n_trials + 1):
            worst = max(
                worst,
                _trial(
                    name,
                    learner_fn,
                    reference_fn,
                    make_inputs(rng),
                    f"{trial} of {n_trials}",
                    rtol,
                    atol,
                    mistakes,
                    real_scalar,
                    check_dtype,
                ),
            )
    return worst


def _trial(
    name: str,
    learner_fn: Callable,
    reference_fn: Callable,
    args: Sequence[Any],
    trial: str,
    rtol: float,
    atol: float,
    mistakes: Sequence[Mistake],
    real_scalar: bool,
    check_dtype: bool,
) -> float:
    """One input of :func:`compare`: raises :class:`CheckFailed` or returns the largest relative error."""
    args = tuple(args)
    inputs = ", ".join(f"{n} = {describe(a)}" for n, a in zip(_input_names(reference_fn, len(args)), args))
    where = f"{trial}: {inputs}"
    expected_raw = reference_fn(*_copies(args))
    got_raw = call_learner(name, learner_fn, *_copies(args), where=where)

    def fail(what_expected: str, what_got: str, default: str) -> CheckFailed:
        known = _known_mistake(_to_numpy(got_raw), args, mistakes, rtol, atol) if got_raw is not None else ""
        return CheckFailed(name, known or default, expected=what_expected, got=what_got, where=where)

    if got_raw is None:
        raise CheckFailed(
            name,
            "your function returned None: did you forget the `return` statement?",
            expected=describe(expected_raw),
            got="None",
            where=where,
        )
    got, expected = _to_numpy(got_raw), _to_numpy(expected_raw)
    if np.iscomplexobj(got) and not np.iscomplexobj(expected):
        raise fail(
            f"a real number, {describe(expected)}",
            f"a complex value, {describe(got)}",
            "the result has an imaginary part: keep only the real part of a complex intermediate.",
        )
    if real_scalar and got.ndim != 0:
        raise fail(
            f"one real number, {describe(expected)}",
            describe(got),
            "return a single number (float(...)), not an array.",
        )
    if got.shape != expected.shape:
        default = (
            "a scalar is expected: average over the batch."
            if expected.ndim == 0
            else "the result has the wrong shape: check which axes each reduction removes."
        )
        raise fail(f"shape {expected.shape}", f"shape {got.shape}", default)
    if check_dtype and got.dtype != expected.dtype:
        raise fail(
            f"dtype {expected.dtype}",
            f"dtype {got.dtype}",
            "the values may be right but the type is not: keep the input's float32 "
            "(a NumPy step turns tensors into float64).",
        )
    finite = np.isfinite(expected)
    bad_finite = finite & ~np.isfinite(got)
    if bad_finite.any():
        count = f"{int(bad_finite.sum())} of {got.size} values" if got.ndim else "the result"
        raise fail(
            "finite values",
            f"{count} inf or nan",
            "a log of 0, a division by 0 or the square root of a negative number: this input "
            "has the extreme values real data has (see the input line).",
        )
    exp64, got64 = expected.astype(np.float64), got.astype(np.float64)
    both = finite & np.isfinite(got64)
    abs_err = np.where(both, np.abs(got64 - exp64), 0.0)
    rel_err = abs_err / np.maximum(np.abs(exp64), np.finfo(np.float64).tiny)
    worst = float(rel_err.max(initial=0.0))
    bad = abs_err > atol + rtol * np.abs(exp64)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(abs_err == abs_err[bad].max())[0])
        at = f" at index {index}" if index else ""
        count = f" ({int(bad.sum())} of {got.size} values off)" if got.ndim else ""
        raise fail(f"{exp64[index]:.6g}{at}", f"{got64[index]:.6g}{count}", _ratio_diagnosis(got64[both], exp64[both]))
    return worst


def _ratio_diagnosis(got: np.ndarray, expected: np.ndarray) -> str:
    """Name a constant factor or a flipped sign; otherwise a general pointer."""
    nonzero = np.abs(expected) > 1e-12
    if nonzero.any():
        ratios = got[nonzero] / expected[nonzero]
        ratio = float(np.median(ratios))
        if np.allclose(ratios, ratio, rtol=1e-3) and abs(ratio - 1) > 1e-3:
            if np.isclose(ratio, -1.0, rtol=1e-3):
                return "the sign is flipped: a minus sign is missing or extra."
            return (
                f"your values are {ratio:.4g} times the expected ones everywhere: a constant factor is "
                "missing or extra."
            )
    return "the values differ: compare your formula with the notebook's, term by term."


def by_shape(shapes: Sequence[tuple[int, ...]], build: Callable) -> Callable[[np.random.Generator], Any]:
    """``make_inputs`` for :func:`compare` that calls ``build(rng, shape)`` with the next of ``shapes`` each trial."""
    trials = itertools.count()

    def make(rng: np.random.Generator) -> Any:
        return build(rng, shapes[next(trials) % len(shapes)])

    return make


def remember(name: str, fn: Callable) -> None:
    """Record that the learner's ``fn`` passed the check of exercise ``name`` (see :func:`use`)."""
    _PASSED[name] = fn


def passed(name: str, n_trials: int, fn: Callable | None = None) -> None:
    """Print the course's ✓ line (fixed text, so a check cell's output is the same on every machine)."""
    if fn is not None:
        remember(name, fn)
    print(f"✓ {name} matches the reference on {n_trials} random inputs")


def check_function(
    learner_fn: Callable,
    reference_fn: Callable,
    make_inputs: Callable[[np.random.Generator], Sequence[Any]],
    n_trials: int = 3,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    *,
    name: str | None = None,
    mistakes: Sequence[Mistake] = (),
    **options: Any,
) -> float:
    """:func:`compare`, then the ✓ line: a whole check for a function compared on random inputs."""
    name = str(name or getattr(learner_fn, "__name__", "function"))
    require_callable(name, learner_fn)
    worst = compare(
        name,
        learner_fn,
        reference_fn,
        make_inputs,
        n_trials=n_trials,
        rtol=rtol,
        atol=atol,
        mistakes=mistakes,
        **options,
    )
    passed(name, n_trials, learner_fn)
    return worst


# -- hints and using the learner's function --------------------------------------------------------

#: name -> the learner's function that last passed its check (see :func:`use`).
_PASSED: dict[str, Callable] = {}


def show_hint(exercises: dict[str, Exercise], name: str | None, level: int) -> None:
    """Print hint ``level`` (1: a pointer; 2: the full formula) of exercise ``name``."""
    if name not in exercises:
        print("hint(name) or hint(name, 2), name one of: " + ", ".join(exercises))
        return
    exercise = exercises[name]
    print(f"{name}: " + (exercise.nudge if level < 2 else exercise.formula))


def use(exercises: dict[str, Exercise], name: str, fn: Callable) -> Callable:
    """The learner's ``fn`` if it passed its check, else the library's reference; prints which.

    Later cells call the result, so a learner's own code draws the figures once it is right,
    and a notebook still runs (with the library) while it is not.
    """
    if _PASSED.get(name) is fn:
        print(f"Using your {name} below (it passed its check).")
        return fn
    print(f"Using the library's {name} below: yours has not passed its check yet.")
    return exercises[name].reference()
