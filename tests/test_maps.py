"""The module map (``ganstyle_lib/__init__.py`` and the README) stays complete and true.

The map is how a newcomer finds the file behind a function a notebook calls, so it must name
every module, every notebook that imports a module, and test files that exist. Pure text and
file checks: no TensorFlow, well under a second.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "ganstyle_lib"

# Packages mapped as one row each, ``exercises/`` (one module per notebook) and ``assets/`` (one
# module per job): the row names their modules, the package docstring has the finer table.
PACKAGE_ROWS = {"exercises", "assets"}
# Rows for modules that other branches are adding (issue 25); a row here may name a module not
# yet in this tree. Empty it once they have landed.
ARRIVING: set[str] = set()


def _row_name(module: str) -> str:
    """The map row that covers ``module`` (dotted, relative to ganstyle_lib)."""
    package = module.split(".")[0]
    return f"{package}/" if package in PACKAGE_ROWS else module


def _notebook_numbers(column: str) -> set[int]:
    """``"00 02-06"`` -> {0, 2, 3, 4, 5, 6}; ``"-"`` -> set()."""
    numbers: set[int] = set()
    for token in column.split():
        if token == "-":
            continue
        first, _, last = token.partition("-")
        numbers.update(range(int(first), int(last or first) + 1))
    return numbers


def _docstring_map() -> dict[str, tuple[set[int], list[str]]]:
    """module -> (notebooks, test files) from the table in ganstyle_lib/__init__.py's docstring."""
    doc = ast.get_docstring(ast.parse((LIB / "__init__.py").read_text(encoding="utf-8")), clean=False) or ""
    lines = doc.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("module ") and "tests/" in line)
    nb_col, tests_col = lines[header].index("notebooks"), lines[header].index("tests/")
    rows: dict[str, tuple[set[int], list[str]]] = {}
    current = None
    for line in lines[header + 2 :]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            # a row starts at column 0 and reaches the tests column; a group title is shorter
            current = line.split()[0] if len(line) > tests_col else None
            if current:
                rows[current] = (_notebook_numbers(line[nb_col:tests_col]), [])
        if current and line[tests_col:].strip() not in ("", "-"):
            rows[current][1].append(line[tests_col:].split()[0])
    return rows


def _readme_map() -> dict[str, tuple[set[int], list[str]]]:
    """module -> (notebooks, test files) from the README's module map table."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([\w./]+)` \| .* \| ([-\d ]+) \| (.*) \|$", line)
        if m:
            tests = re.findall(r"`(test_\w+\.py)`", m.group(3))
            rows[m.group(1)] = (_notebook_numbers(m.group(2)), tests)
    return rows


def _library_modules() -> set[str]:
    """Every module of ganstyle_lib as a map row name (``gan.models``, ``data/`` for package data)."""
    names = set()
    for path in LIB.rglob("*.py"):
        rel = path.relative_to(LIB).with_suffix("")
        if rel.name != "__init__":
            names.add(_row_name(".".join(rel.parts)))
    names.update(
        f"{p.name}/" for p in LIB.iterdir() if p.is_dir() and not any(p.glob("*.py")) and p.name != "__pycache__"
    )
    return names


def _notebook_imports() -> dict[int, set[str]]:
    """notebook number -> the map rows of the modules its ``from ganstyle_lib... import`` lines name."""
    found: dict[int, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        rows = found.setdefault(int(path.name[:2]), set())
        for package, names in re.findall(r"^\s*from ganstyle_lib(\.[\w.]+)? import ([\w ,]+)", source, re.M):
            base = (package or "").lstrip(".")
            for name in (n.split(" as ")[0].strip() for n in names.split(",")):
                candidate = f"{base}.{name}" if base else name
                as_path = LIB / candidate.replace(".", "/")
                is_module = as_path.with_suffix(".py").exists() or as_path.is_dir()
                rows.add(_row_name(candidate if is_module else base))
    return found


def test_docstring_map_names_every_module() -> None:
    missing = _library_modules() - set(_docstring_map())
    assert not missing, f"ganstyle_lib/__init__.py's map has no row for {sorted(missing)}"


def test_every_row_names_a_module_that_exists() -> None:
    stale = set(_docstring_map()) - _library_modules() - ARRIVING
    assert not stale, f"ganstyle_lib/__init__.py's map names modules that do not exist: {sorted(stale)}"


def test_readme_map_is_the_docstring_map() -> None:
    assert _readme_map() == _docstring_map()


def test_map_names_the_notebooks_that_import_each_module() -> None:
    rows = _docstring_map()
    assert _notebook_imports(), "no notebooks found"
    for number, modules in _notebook_imports().items():
        for module in modules:
            assert module in rows, f"notebook {number:02d} imports {module}, which the map does not name"
            assert number in rows[module][0], f"the map's row for {module} does not list notebook {number:02d}"


@pytest.mark.parametrize("source", ["docstring", "readme"])
def test_map_names_test_files_that_exist(source: str) -> None:
    rows = _docstring_map() if source == "docstring" else _readme_map()
    named = {name for _, tests in rows.values() for name in tests}
    assert named, "no test files found in the map"
    missing = sorted(name for name in named if not (ROOT / "tests" / name).exists())
    assert not missing, f"the map names test files that do not exist: {missing}"
