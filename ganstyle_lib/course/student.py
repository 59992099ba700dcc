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
is in ``.gitignore``; ``ganstyle student`` (``make student``) writes them from
the solution notebooks, which are the single source of truth.

Learners work *in* these files, so a second run must never erase their work.
``<out>/.ganstyle-student.json`` records the SHA-256 of every notebook as it
was last generated; a notebook whose file no longer has that digest (the
learner edited it, or it was not written by this command) is skipped and
reported, unless ``force=True`` (``ganstyle student --force``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..fileio import atomic_write_text
from .notebooks import list_notebooks

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "STUB_LINES",
    "make_student_notebook",
    "StudentWrite",
    "write_student_notebooks",
]

#: In the output folder: ``{"00_welcome.ipynb": "<sha256 of the text last generated>", ...}``.
MANIFEST_NAME = ".ganstyle-student.json"

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
                raise ValueError(
                    f"{where}: nested {BEGIN_MARKER!r} on line {number} "
                    f"(the region opened on line {begin_line} is not closed)"
                )
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
            newline = "\n" if line.endswith("\n") else ""
            out.extend(f"{indent}{stub}\n" for stub in STUB_LINES[:-1])
            out.append(f"{indent}{STUB_LINES[-1]}{newline}")
        elif marker == END_MARKER:
            if begin_line is None:
                raise ValueError(f"{where}: {END_MARKER!r} on line {number} without a {BEGIN_MARKER!r} before it")
            begin_line = None
            if not line.endswith("\n") and out and out[-1].endswith("\n"):
                out[-1] = out[-1][:-1]  # the cell ended with the END marker: keep no trailing newline
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise ValueError(f"{where}: {BEGIN_MARKER!r} on line {begin_line} is never closed by {END_MARKER!r}")
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


@dataclass
class StudentWrite:
    """What :func:`write_student_notebooks` did: files written, and files kept because a learner changed them."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_manifest(out_dir: Path) -> dict[str, str]:
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or damaged: then no file counts as generated by us
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _is_ours(path: Path, manifest: dict[str, str]) -> bool:
    """True when ``path`` is missing or still exactly what this command last wrote there."""
    if not path.exists():
        return True
    return path.is_file() and manifest.get(path.name) == _sha256(path.read_text(encoding="utf-8", errors="replace"))


def write_student_notebooks(
    out_dir: str | os.PathLike = "student", notebook_dir: str | os.PathLike | None = None, *, force: bool = False
) -> StudentWrite:
    """Write the student version of every course notebook into ``out_dir``.

    Every notebook is transformed before anything is written, so a marker
    mistake in one notebook leaves ``out_dir`` untouched. A notebook in
    ``out_dir`` that differs from what this function last generated there (a
    learner's work) is kept and listed in ``kept``; ``force=True`` replaces it.
    ``notebook_dir`` defaults to the course's own (:func:`~ganstyle_lib.course.notebooks.find_notebook_dir`).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"--out {out_dir} is a file; give a folder for the student notebooks")
    sources = list_notebooks(notebook_dir)
    if not sources:
        raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) in {notebook_dir}")
    texts = [
        nbformat.writes(make_student_notebook(nbformat.read(path, as_version=4), name=path.name)) for path in sources
    ]
    manifest = _read_manifest(out_dir)
    result = StudentWrite()
    for path, text in zip(sources, texts):
        target = out_dir / path.name
        if not force and not _is_ours(target, manifest):
            result.kept.append(target)
            continue
        result.written.append(atomic_write_text(target, text))
        manifest[path.name] = _sha256(text)
        # Recorded after each file: an interrupted run still knows which files it wrote.
        atomic_write_text(out_dir / MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True))
    return result
