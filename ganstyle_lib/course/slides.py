"""reveal.js slides of the course notebooks, usable without network.

One deck per notebook, cut by :func:`ganstyle_lib.course.notebooks.slide_type`
(headings open slides, solutions appear as fragments, setup and check
cells are skipped). Decks are rendered from *executed* notebooks, so they
show figures:

* by default each notebook is executed here in quick mode (about a minute
  or less each; small figures, but always in step with the notebook);
* with ``executed_dir`` the executed notebooks of a course build are reused
  (``make course`` first: full-mode figures, no extra run).

The output folder holds ``NN_name.slides.html``, an ``index.html`` and the
local copies of reveal.js, require.js, jQuery, MathJax and the widget
renderer that the decks load (see :mod:`ganstyle_lib.course.webassets`).
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..fileio import atomic_write_text
from . import notebooks, startup_noise, webassets

__all__ = ["slides_exporter", "render_slides"]

log = logging.getLogger("ganstyle")

_MERMAID_STUB = "data:text/javascript,export default {initialize() {}};"


def slides_exporter(out_dir: Path):
    """A ``SlidesExporter`` whose decks load every library from ``out_dir`` (npm fetch on first use).

    Raises :class:`webassets.WebAssetError` (with how to get it) when
    reveal.js cannot be had: a deck without it does not start.
    """
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        reveal_url_prefix=webassets.install_package(webassets.REVEAL, out_dir).split("/dist/")[0],
        require_js_url=webassets.install_package(webassets.REQUIREJS, out_dir),
        jquery_url=webassets.install_package(webassets.JQUERY, out_dir),
        mathjax_url=webassets.install_mathjax(out_dir),
        reveal_scroll=True,  # long code cells scroll instead of running off the slide
        reveal_theme="white",  # its fonts ship with reveal.js; "simple" imports Google Fonts
        # The deck template imports mermaid (diagrams) from a CDN on every load; the
        # course has no diagrams, so a module that does nothing stands in for it.
        mermaid_js_url=_MERMAID_STUB,
    )
    try:
        exporter.widget_renderer_url = webassets.install_package(webassets.WIDGETS, out_dir)
    except webassets.WebAssetError as exc:
        log.warning("widget panels in the slides will show no controls: %s", exc)
    return exporter


def _write_index(decks: Sequence[Path], out_dir: Path) -> Path:
    items = "\n".join(
        f'<li><a href="{html.escape(d.name)}">{html.escape(d.name.split(".")[0])}</a></li>' for d in decks
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ganstyle slides</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}</style>
</head><body>
<h1>ganstyle: slides</h1>
<p>Arrow keys move between slides; <kbd>s</kbd> opens the speaker view; <kbd>Esc</kbd> the overview.</p>
<ul>
{items}
</ul></body></html>
"""
    return atomic_write_text(out_dir / "index.html", page)


def render_slides(
    paths: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike = "build/slides",
    *,
    executed_dir: str | os.PathLike | None = None,
    timeout: int | None = None,
) -> list[Path]:
    """Write ``NN_name.slides.html`` for each notebook in ``paths`` into ``out_dir``; return them.

    Notebooks are executed in quick mode unless ``executed_dir`` holds their
    executed copies (same file names, as ``run_course`` writes them). A
    notebook that fails to execute still gets a deck, with its traceback.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = slides_exporter(out_dir)
    decks = []
    for path in map(Path, paths):
        if executed_dir is not None:
            executed = Path(executed_dir) / path.name
            if not executed.is_file():
                raise FileNotFoundError(
                    f"no executed copy of {path.name} in {executed_dir}; run `make course` first "
                    "or leave out --executed to run the notebook here in quick mode"
                )
            # a build from before the runner removed TensorFlow's start-up lines still holds them
            nb = startup_noise.clean_notebook(nbformat.read(executed, as_version=4))
        else:
            nb = notebooks.execute(path, quick=True, timeout=timeout, raise_on_error=False)
        error = notebooks.first_error(nb)
        if error:
            log.warning("%s did not run to the end (%s); its deck shows the traceback", path.name, error)
        notebooks.apply_slide_metadata(nb)  # the rule, even for a notebook tidied before it existed
        deck = out_dir / f"{path.stem}.slides.html"
        atomic_write_text(deck, notebooks.export_page(exporter, nb))
        decks.append(deck)
    _write_index(decks, out_dir)
    return decks
