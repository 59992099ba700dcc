"""Run, tidy and publish the course notebooks.

* :func:`execute` runs one notebook top to bottom in a fresh kernel, in quick
  or full mode, from the notebook's own folder.
* :func:`tidy` / :func:`tidy_problems` keep committed notebooks reviewable:
  outputs are stored only for ``# NBVAL_CHECK_OUTPUT`` cells (the ones nbval
  compares), execution counts come from one top-to-bottom run, and every
  cell carries the slide type :func:`slide_type` gives it.
* :func:`run_course` executes every notebook in order and writes the executed
  notebooks, one HTML page each (figures embedded) and an ``index.html`` into
  a build folder -- the "HTML book". Pages load MathJax (and, when npm could
  fetch them, require.js and the widget renderer) from copies in that folder,
  so the book renders without network (see :mod:`ganstyle_lib.course.webassets`).
"""

from __future__ import annotations

import contextlib
import copy
import html
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import progress
from ..fileio import atomic_write_text
from . import startup_noise

__all__ = [
    "CHECK_MARKER",
    "NOTEBOOK_DIR",
    "find_notebook_dir",
    "list_notebooks",
    "is_check_cell",
    "is_colab_cell",
    "slide_type",
    "apply_slide_metadata",
    "tidy_problems",
    "strip_outputs",
    "read_notebook",
    "execute",
    "tidy",
    "NotebookRun",
    "first_error",
    "book_exporter",
    "export_page",
    "run_course",
]

CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
SOLUTION_MARKER = "### BEGIN SOLUTION"
#: First line of notebook 00's Colab install cell (see :mod:`ganstyle_lib.course.colab`).
COLAB_MARKER = "# Google Colab only:"
#: The notebooks of a clone of the repository, beside the package folder. An installed wheel
#: holds the library only, so there this folder does not exist: see :func:`find_notebook_dir`.
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
FIRST_NOTEBOOK = "00_welcome.ipynb"

log = logging.getLogger("ganstyle")


def find_notebook_dir() -> Path:
    """The folder of the course notebooks: the clone's ``notebooks/``, else ``./notebooks``, else ``.``.

    The first of these that holds ``00_welcome.ipynb`` wins. The first is the
    case of an editable install or a run from the clone; the other two let a
    learner who installed a wheel work inside a downloaded copy of the
    course. With none, FileNotFoundError says where to get the notebooks.
    """
    candidates = [NOTEBOOK_DIR, Path.cwd() / "notebooks", Path.cwd()]
    for folder in candidates:
        if (folder / FIRST_NOTEBOOK).is_file():
            return folder
    raise FileNotFoundError(
        "the course notebooks are not installed with the ganstyle package (a wheel holds the library "
        f"only), and none was found in {', '.join(str(c) for c in candidates)}. Get them from the course "
        "repository (`git clone` it, or download its notebooks/ folder), then run the command inside "
        "the clone or pass the folder with --notebooks PATH"
    )


def list_notebooks(directory: str | os.PathLike | None = None) -> list[Path]:
    """The course notebooks (``NN_name.ipynb``) in ``directory`` (default: :func:`find_notebook_dir`), in order."""
    directory = find_notebook_dir() if directory is None else Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"no notebook folder at {directory}; run from a clone of the course repository "
            f"or pass the folder that holds {FIRST_NOTEBOOK}"
        )
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb"))


def is_check_cell(cell) -> bool:
    """True for a code cell whose outputs nbval compares (first line is the marker)."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARKER)


def slide_type(cell, *, first_code_cell: bool = False) -> str:
    """The reveal.js slide type of a cell, from its content alone (a lecture's cut).

    * a markdown cell whose first line is a ``#`` or ``##`` heading opens a
      ``"slide"`` (a new column of the deck); a ``###`` heading opens a
      ``"subslide"`` (the next slide down the column);
    * a solution cell (``### BEGIN SOLUTION``) is a ``"fragment"``: pose the
      exercise, then reveal the answer with one more key press;
    * check cells (``# NBVAL_CHECK_OUTPUT``), the notebook's first code cell
      (imports, seeding, the environment line) and a Colab install cell
      (first line ``# Google Colab only:``, placed before it) are ``"skip"``:
      they matter when running the notebook, not when lecturing from it;
    * everything else is ``"-"``: it continues the current slide.
    """
    source = cell.source.lstrip()
    if cell.cell_type == "markdown":
        first_line = source.splitlines()[0] if source else ""
        if first_line.startswith(("# ", "## ")):
            return "slide"
        if first_line.startswith("### "):
            return "subslide"
        return "-"
    if cell.cell_type != "code":
        return "skip"  # raw cells are not shown by the HTML exporters either
    if is_check_cell(cell) or first_code_cell or is_colab_cell(cell):
        return "skip"
    if SOLUTION_MARKER in cell.source:
        return "fragment"
    return "-"


def is_colab_cell(cell) -> bool:
    """True for a code cell that installs the course on Colab (first line is :data:`COLAB_MARKER`)."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(COLAB_MARKER)


def _slide_types(nb) -> list[str]:
    # the set-up cell is the first code cell after a Colab install cell, if there is one
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_colab_cell(c)), None)
    return [slide_type(cell, first_code_cell=index == first_code) for index, cell in enumerate(nb.cells)]


def apply_slide_metadata(nb):
    """Set ``metadata.slideshow.slide_type`` of every cell from :func:`slide_type` (in place; returns nb)."""
    for cell, kind in zip(nb.cells, _slide_types(nb)):
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
    return nb


def _where(index: int, cell) -> str:
    first_line = cell.source.strip().splitlines()[0][:40] if cell.source.strip() else "empty"
    return f"cell {index} ({first_line!r})"


def tidy_problems(nb) -> list[str]:
    """What keeps a committed notebook from being tidy (empty list: tidy).

    Rules: only check cells store outputs; every check cell stores the
    execution count of a top-to-bottom run (strictly increasing down the
    notebook); no other cell keeps a count; every cell's slide type is the
    one :func:`slide_type` gives it (``ganstyle tidy`` sets them); no saved
    widget state in the notebook's metadata.
    """
    problems = []
    if "widgets" in nb.metadata:
        problems.append("notebook metadata keeps saved widget state; run `ganstyle tidy` on the notebook")
    stored = [cell.get("metadata", {}).get("slideshow", {}).get("slide_type") for cell in nb.cells]
    if nb.cells and all(kind is None for kind in stored):
        problems.append("no cell has slide metadata (slideshow.slide_type); run `ganstyle tidy` on the notebook")
    else:
        for index, (cell, have, kind) in enumerate(zip(nb.cells, stored, _slide_types(nb))):
            if have != kind:
                problems.append(
                    f"{_where(index, cell)}: slide type {have!r}, the rule gives {kind!r}; "
                    "run `ganstyle tidy` on the notebook"
                )
    last_count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = _where(index, cell)
        count = cell.get("execution_count")
        if is_check_cell(cell):
            if count is None:
                problems.append(f"{where}: check cell was never executed (no execution count)")
            elif count <= last_count:
                problems.append(
                    f"{where}: stale execution count {count} after {last_count}; "
                    "re-run the notebook top to bottom with `ganstyle tidy`"
                )
            else:
                last_count = count
        else:
            if cell.outputs:
                problems.append(f"{where}: stores outputs but is not a {CHECK_MARKER} cell")
            if count is not None:
                problems.append(f"{where}: keeps execution count {count} but no outputs")
    return problems


def strip_outputs(nb):
    """Drop outputs and counts from every cell except check cells (in place; returns nb).

    The saved widget state goes too: it belongs to the widget outputs just
    dropped, and it changes on every run.
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_check_cell(cell):
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


@contextlib.contextmanager
def _course_env(quick: bool, offline: bool | None) -> Iterator[None]:
    # The kernel inherits this process' environment, so the mode is set here.
    saved = {
        k: os.environ.get(k)
        for k in ("GANSTYLE_QUICK", "GANSTYLE_OFFLINE", "GANSTYLE_TEXT_PROGRESS", "TF_CPP_MIN_LOG_LEVEL")
    }
    os.environ["GANSTYLE_QUICK"] = "1" if quick else "0"
    # No one watches these kernels live: text progress bars, so the saved outputs show each bar's end (.progress)
    os.environ["GANSTYLE_TEXT_PROGRESS"] = "1"
    if offline is not None:
        os.environ["GANSTYLE_OFFLINE"] = "1" if offline else "0"
    # TensorFlow's C++ INFO lines (level 0) are not for learners; its warnings and errors are.
    # A value the user set wins. The lines written before this takes effect: see startup_noise.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def read_notebook(path: str | os.PathLike):
    """The notebook at ``path`` (nbformat 4); a clear ValueError if it is missing or not a notebook."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as err:  # JSON errors, schema errors of a JSON file that is not a notebook
        raise ValueError(
            f"{path} is not a Jupyter notebook ({type(err).__name__}); give an .ipynb file saved by Jupyter"
        ) from err


def execute(
    path: str | os.PathLike,
    *,
    quick: bool,
    offline: bool | None = None,
    timeout: int | None = None,
    raise_on_error: bool = True,
):
    """Execute the notebook at ``path`` in a fresh kernel and return it (not saved).

    Runs in the notebook's folder with ``GANSTYLE_QUICK`` set from ``quick``
    (and ``GANSTYLE_OFFLINE`` from ``offline`` unless it is None). With
    ``raise_on_error=False`` a failing cell stops execution and its traceback
    stays in the returned notebook instead of raising. TensorFlow's known
    start-up lines are removed from the outputs (:mod:`.startup_noise`);
    everything else it writes stays. Progress bars are text, and only their
    final state is kept (:mod:`.progress`).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = read_notebook(path)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with _course_env(quick, offline):
        try:
            client.execute()
        except CellExecutionError:
            if raise_on_error:
                raise
    return progress.final_states(startup_noise.clean_notebook(nb))


def tidy(path: str | os.PathLike, timeout: int = 600) -> list[str]:
    """Re-run a notebook in quick, offline mode; save it with check outputs and slide types.

    Returns :func:`tidy_problems` of the result (empty when tidy). The file is
    replaced atomically, only after the whole run succeeded.
    """
    nb = execute(path, quick=True, offline=True, timeout=timeout)
    strip_outputs(nb)
    apply_slide_metadata(nb)
    atomic_write_text(path, nbformat.writes(nb))
    return tidy_problems(nb)


@dataclass
class NotebookRun:
    """The outcome of executing one notebook for the book."""

    name: str
    seconds: float
    ok: bool
    html_file: str
    error: str = ""


# A script URL that loads nothing, for a library the page would otherwise fetch from a CDN.
NO_SCRIPT = "data:text/javascript,"


def book_exporter(out_dir: Path):
    """An ``HTMLExporter`` whose pages load MathJax, require.js and widgets from ``out_dir``.

    MathJax always comes from the installed ``jupyter-server-mathjax``
    package. require.js and the widget renderer come from npm: without them
    (no npm, offline, not yet cached) the pages still render text, LaTeX and
    figures, and widget panels show no controls (a warning says so).
    """
    from nbconvert import HTMLExporter

    from . import webassets

    exporter = HTMLExporter(mathjax_url=webassets.install_mathjax(out_dir))
    try:
        exporter.require_js_url = webassets.install_package(webassets.REQUIREJS, out_dir)
        exporter.widget_renderer_url = webassets.install_package(webassets.WIDGETS, out_dir)
    except webassets.WebAssetError as exc:
        log.warning("widget panels in the HTML pages will show no controls: %s", exc)
        exporter.require_js_url = NO_SCRIPT
        exporter.widget_renderer_url = ""
    return exporter


def export_page(exporter, nb) -> str:
    """The page of ``nb``; without a local widget renderer, widget state is dropped (no CDN fallback)."""
    if not exporter.widget_renderer_url and "widgets" in nb.metadata:
        nb = copy.deepcopy(nb)  # the executed notebook keeps its widget state
        del nb.metadata["widgets"]
    body, _ = exporter.from_notebook_node(nb)  # figures are embedded as data: URIs
    return body


def first_error(nb) -> str:
    """``"Name: message"`` of the first error output in an executed notebook, or ``""``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"{output.get('ename')}: {output.get('evalue')}"
    return ""


def _write_index(runs: Sequence[NotebookRun], out_dir: Path, mode: str) -> Path:
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(r.html_file)}">{html.escape(r.name)}</a></td>'
        f"<td>{r.seconds:.0f} s</td><td>{'ok' if r.ok else 'FAILED: ' + html.escape(r.error)}</td></tr>"
        for r in runs
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ganstyle course</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}td{{padding:.3em 1em}}</style>
</head><body>
<h1>ganstyle: GANs and neural style transfer</h1>
<p>Executed in {html.escape(mode)} mode on {time.strftime("%Y-%m-%d %H:%M")}.</p>
<table><tr><th>Notebook</th><th>Time</th><th>Status</th></tr>
{rows}
</table></body></html>
"""
    return atomic_write_text(out_dir / "index.html", page)


def run_course(
    out_dir: str | os.PathLike = "build",
    *,
    quick: bool = False,
    only: Sequence[str] | None = None,
    notebook_dir: str | os.PathLike | None = None,
    timeout: int | None = None,
) -> list[NotebookRun]:
    """Execute every course notebook in order into ``out_dir`` (the HTML book).

    Writes ``NN_name.ipynb`` (executed), ``NN_name.html`` and ``index.html``.
    A failing notebook is still written (with its traceback) and the run goes
    on; check ``all(run.ok for run in runs)``. ``only`` selects notebooks by
    number prefix or name, e.g. ``["00", "01_gan_math"]``. ``notebook_dir``
    defaults to :func:`find_notebook_dir`.
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    paths = list_notebooks(notebook_dir)
    if not paths:
        raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) in {notebook_dir}")
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"--out {out_dir} is a file; give a folder for the HTML book")
    if only:
        wanted = set(only)
        paths = [p for p in paths if p.stem in wanted or p.stem[:2] in wanted]
        if not paths:
            raise ValueError(
                f"no notebook matches {sorted(wanted)}; choose from {[p.stem for p in list_notebooks(notebook_dir)]}"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = book_exporter(out_dir)
    runs = []
    for path in tqdm(paths, desc=f"course ({'quick' if quick else 'full'} mode)", unit="notebook"):
        start = time.perf_counter()
        nb = execute(path, quick=quick, timeout=timeout, raise_on_error=False)
        seconds = time.perf_counter() - start
        error = first_error(nb)
        atomic_write_text(out_dir / path.name, nbformat.writes(nb))
        atomic_write_text(out_dir / f"{path.stem}.html", export_page(exporter, nb))
        runs.append(NotebookRun(path.stem, seconds, not error, f"{path.stem}.html", error))
    _write_index(runs, out_dir, "quick" if quick else "full")
    return runs
