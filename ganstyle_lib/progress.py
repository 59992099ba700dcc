"""Progress bars: a widget in a live notebook, plain text in a notebook the course runner executes.

The library's bars (style transfer, texture synthesis, the toy GAN loops,
downloads) come from :func:`tqdm` and :func:`trange` here. In a live Jupyter
kernel they are ``tqdm.auto``'s ipywidgets bars, as before. But in a notebook
executed without a browser (``ganstyle course``, ``tidy``, ``slides``) nobody
draws the widget: a bar made with ``leave=False`` closes it at the end, the
saved widget state loses it, and the executed notebook and the static HTML book
keep only the widget's plain-text stand-in from its first draw,
``texture:   0%|          | 0/6``, a bar stuck at 0 %.

So the runner (:func:`ganstyle_lib.course.notebooks.execute`) sets
``GANSTYLE_TEXT_PROGRESS=1`` for its kernels (read by
:func:`ganstyle_lib.config.text_progress`). Then the bars are tqdm's text bars
on stdout, kept at the end (``leave=True``), and :func:`final_states` keeps only
the last state of each bar line in the executed notebook:
``texture: 100%|##########| 6/6 [00:02<00:00,  3.80it/s, loss=2.598]``.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from . import config

__all__ = ["tqdm", "trange", "final_states"]

# What a terminal hides: everything on a line before a carriage return that more text follows
# (the rule of nbclient's coalesce_streams and of Jupyter's own output area).
_OVERWRITTEN = re.compile(r"[^\n]*\r(?=[^\n])")


def tqdm(*args: Any, **kwargs: Any):
    """``tqdm.auto.tqdm(*args, **kwargs)``; a kept text bar on stdout when the runner executes the notebook."""
    if config.text_progress():
        from tqdm.std import tqdm as text_bar

        return text_bar(*args, **{**kwargs, "leave": True, "file": kwargs.get("file", sys.stdout)})
    from tqdm.auto import tqdm as auto_bar  # imported here: tqdm.auto probes for Jupyter

    return auto_bar(*args, **kwargs)


def trange(*args: Any, **kwargs: Any):
    """``tqdm(range(*args), **kwargs)``, like ``tqdm.auto.trange``."""
    return tqdm(range(*args), **kwargs)


def final_states(nb):
    """Keep only what a terminal would show of each stream output (in place; returns nb).

    A text bar redraws its line with carriage returns; the executed notebook
    then holds every intermediate state. Consecutive outputs of one stream
    are expected to be merged already (:func:`ganstyle_lib.course.startup_noise.clean_notebook`).
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "stream" and "\r" in output.get("text", ""):
                output["text"] = _OVERWRITTEN.sub("", output["text"])
    return nb
