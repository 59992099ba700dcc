"""The supported Python range is written in four places; they must agree.

``pyproject.toml`` (``requires-python``, what pip enforces), the Makefile's
guard (what ``make setup`` enforces before creating ``.venv``),
``environment.yml`` (what conda installs) and the README's "Two commands"
line (what learners read). Widening one and forgetting another is how 3.13
stayed refused by ``make`` after TensorFlow supported it, so this cheap test
runs with every ``make test``. It reads the files as text (no ``tomllib``:
Python 3.10 has none).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _one(pattern: str, text: str, where: str) -> re.Match:
    matches = list(re.finditer(pattern, text, flags=re.MULTILINE))
    assert len(matches) == 1, f"{where}: expected one match of {pattern!r}, found {len(matches)}"
    return matches[0]


def pyproject_range() -> tuple[int, int]:
    """(lowest, highest) supported 3.x minor from ``requires-python = ">=3.A,<3.B"``."""
    m = _one(
        r'^requires-python\s*=\s*">=3\.(\d+),\s*<3\.(\d+)"', _read("pyproject.toml"), "pyproject.toml requires-python"
    )
    return int(m[1]), int(m[2]) - 1


def makefile_range() -> tuple[int, int]:
    """(lowest, highest) minor of the Makefile's ``(3, A) <= sys.version_info[:2] <= (3, B)`` guard."""
    text = _read("Makefile")
    m = _one(r"\(3, (\d+)\) <= sys\.version_info\[:2\] <= \(3, (\d+)\)", text, "Makefile guard")
    guard = int(m[1]), int(m[2])
    # the guard's own error message and the header comment name the same range
    for where in ("Makefile header", "Makefile guard message"):
        pattern = (
            r"^# ganstyle .*python3 \(3\.(\d+)-3\.(\d+)\)"
            if "header" in where
            else r"ganstyle needs Python 3\.(\d+)-3\.(\d+)"
        )
        said = _one(pattern, text, where)
        assert (int(said[1]), int(said[2])) == guard, f"{where} says 3.{said[1]}-3.{said[2]}, the guard {guard}"
    return guard


def environment_range() -> tuple[int, int]:
    """(lowest, highest) minor of ``- python>=3.A,<3.B`` in environment.yml."""
    m = _one(r"^\s*-\s*python>=3\.(\d+),<3\.(\d+)\s*$", _read("environment.yml"), "environment.yml python")
    return int(m[1]), int(m[2]) - 1


def readme_range() -> tuple[int, int]:
    """(lowest, highest) minor of "Python 3.A–3.B" in the README's "Two commands" section."""
    m = _one(r"with Python 3\.(\d+)–3\.(\d+) and `make`", _read("README.md"), "README 'Two commands'")
    return int(m[1]), int(m[2])


@pytest.mark.parametrize("reader", [makefile_range, environment_range, readme_range])
def test_supported_python_range_agrees_with_pyproject(reader):
    declared = pyproject_range()
    assert reader() == declared, (
        f"{reader.__name__[:-6]} supports 3.{reader()[0]}-3.{reader()[1]} but pyproject.toml's "
        f"requires-python declares 3.{declared[0]}-3.{declared[1]}; change them together"
    )


def test_declared_range_includes_3_13():
    """Issue 24: TensorFlow 2.21 ships cp313 wheels and 3.13 is current distributions' Python."""
    low, high = pyproject_range()
    assert low <= 10 and high >= 13


def test_a_disagreement_is_caught(monkeypatch):
    """The check can fail: pyproject widened to 3.14 while the Makefile still stops at 3.13."""
    real = _read
    monkeypatch.setitem(
        globals(),
        "_read",
        lambda name: real(name).replace("<3.14", "<3.15") if name == "pyproject.toml" else real(name),
    )
    with pytest.raises(AssertionError, match="makefile supports .* but pyproject.toml"):
        test_supported_python_range_agrees_with_pyproject(makefile_range)
