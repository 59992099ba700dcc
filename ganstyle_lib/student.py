"""Student versions of the course notebooks: solutions out, stubs in.

Each exercise in a course notebook is a code cell whose solution sits between
nbgrader's marker lines ``### BEGIN SOLUTION`` and ``### END SOLUTION``.
:func:`make_student_notebook` replaces every such region -- the marker lines
included -- by a two-line stub at the indentation of the ``BEGIN`` line::

    # YOUR CODE HERE
    raise NotImplementedError("Exercise: write this part, then run the check cell below")

so the check cell that follows fails with ``NotImplementedError`` until the
learner writes the code. All outputs and execution counts are cleared; every
other part of the notebook (markdown, cells without markers, metadata) is left
exactly as it is. Markers are recognised only in code cells and only as whole
lines (a markdown cell may talk about them).

Decision: the generated student notebooks are **not committed**. ``student/``
is in ``.gitignore``; ``ganstyle student`` (``make student``) always writes
them fresh from the solution notebooks, which are the single source of truth,
so the two can never drift apart and nobody edits a student notebook by hand.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat

from .fileio import atomic_write_text
from .notebooks import list_notebooks

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "STUB_LINES",
    "make_student_notebook",
    "write_student_notebooks",
]

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
STUB_LINES = (
    "# YOUR CODE HERE",
    'raise NotImplementedError("Exercise: write this part, then run the check cell below")',
)


def _describe(cell_index: int, source: str, name: str | None) -> str:
    first = source.strip().splitlines()[0][:50] if source.strip() else "empty"
    where = f"{name}: " if name else ""
    return f"{where}cell {cell_index} ({first!r})"


def _strip_solution(source: str, where: str) -> str:
    """``source`` with every solution region replaced by the stub; ValueError if unbalanced."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    begin_line: int | None = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN_MARKER:
            if begin_line is not None:
                raise ValueError(f"{where}: nested {BEGIN_MARKER!r} on line {number} "
                                 f"(the region opened on line {begin_line} is not closed)")
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
            newline = "\n" if line.endswith("\n") else ""
            out.extend(f"{indent}{stub}\n" for stub in STUB_LINES[:-1])
            out.append(f"{indent}{STUB_LINES[-1]}{newline}")
        elif marker == END_MARKER:
            if begin_line is None:
                raise ValueError(f"{where}: {END_MARKER!r} on line {number} without a "
                                 f"{BEGIN_MARKER!r} before it")
            begin_line = None
            if not line.endswith("\n") and out and out[-1].endswith("\n"):
                out[-1] = out[-1][:-1]  # the cell ended with the END marker: keep no trailing newline
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise ValueError(f"{where}: {BEGIN_MARKER!r} on line {begin_line} is never closed "
                         f"by {END_MARKER!r}")
    return "".join(out)


def make_student_notebook(nb, name: str | None = None):
    """A student copy of notebook ``nb`` (``nb`` itself is not changed).

    Solution regions become stubs (see the module docstring), every code
    cell loses its outputs and execution count. ``name`` (e.g. the file name)
    only appears in error messages. Raises ValueError, naming the cell, when
    markers are unbalanced or nested.
    """
    student = copy.deepcopy(nb)
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        if BEGIN_MARKER in cell.source or END_MARKER in cell.source:
            cell.source = _strip_solution(cell.source, _describe(index, cell.source, name))
        cell.outputs = []
        cell.execution_count = None
    return student


def write_student_notebooks(out_dir: str | os.PathLike = "student",
                            notebook_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write the student version of every course notebook into ``out_dir``; return the paths.

    Every notebook is transformed before anything is written, so a marker
    mistake in one notebook leaves ``out_dir`` untouched. ``notebook_dir``
    defaults to the course's own (:func:`~ganstyle_lib.notebooks.find_notebook_dir`).
    """
    out_dir = Path(out_dir)
    sources = list_notebooks(notebook_dir)
    if not sources:
        raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) in {notebook_dir}")
    students = [make_student_notebook(nbformat.read(path, as_version=4), name=path.name)
                for path in sources]
    written = []
    for path, student in zip(sources, students):
        written.append(atomic_write_text(out_dir / path.name, nbformat.writes(student)))
    return written
