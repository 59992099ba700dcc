"""Google Colab: install the course from the GitHub repository a notebook was opened from.

A notebook opened on Colab from GitHub
(``https://colab.research.google.com/github/OWNER/REPO/blob/REF/notebooks/00_welcome.ipynb``)
runs on a fresh machine where ``ganstyle_lib`` is not installed. Notebook 00's
first cell installs it from that same repository and ref, so the library
matches the notebooks. That cell runs *before* the library exists, so it is a
few lines of plain Python; this module is its documented, tested reference
(``tests/test_colab.py`` runs the cell and these functions on the same faked
Colab environments and checks that they agree).

Where the notebook came from is knowable on Colab: the runtime's Jupyter
server lists its session at ``http://$COLAB_JUPYTER_IP:$KMP_TARGET_PORT/api/sessions``,
and a notebook opened from GitHub has the ``path``
``fileId=https%3A%2F%2Fgithub.com%2FOWNER%2FREPO%2Fblob%2FREF%2Fnotebooks%2F00_welcome.ipynb``.
A notebook opened from Drive or uploaded has a Drive file id there instead:
then there is nothing to install from, and the cell prints one instruction.
(This is how Colab behaves as of 2026; it was tested here with the
environment and the session server faked, not on Colab itself.)
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Mapping

__all__ = [
    "GITHUB_NOTEBOOK",
    "INSTRUCTION",
    "in_colab",
    "sessions_url",
    "notebook_location",
    "pip_requirement",
    "first_cell_action",
]

#: A course notebook on GitHub: owner, repository and ref (a branch, tag or commit; may hold "/").
GITHUB_NOTEBOOK = r"github\.com/([\w.-]+)/([\w.-]+)/blob/(.+)/notebooks/[^/]+\.ipynb"

#: What the first cell prints on Colab when the repository cannot be known.
INSTRUCTION = (
    "ganstyle: this notebook was not opened from GitHub, so the course repository is unknown. "
    "Run `%pip install git+https://github.com/OWNER/REPO` in a cell, with the course's "
    "repository, or open the notebook via File > Open notebook > GitHub."
)


def in_colab(environ: Mapping[str, str] = os.environ, modules: Mapping[str, object] = sys.modules) -> bool:
    """True in a Google Colab runtime: its kernel imports ``google.colab`` and sets COLAB_* variables."""
    return "google.colab" in modules or "COLAB_JUPYTER_IP" in environ


def sessions_url(environ: Mapping[str, str] = os.environ) -> str | None:
    """The runtime's Jupyter sessions API, or None outside Colab (no COLAB_JUPYTER_IP)."""
    if "COLAB_JUPYTER_IP" not in environ:
        return None
    return f"http://{environ['COLAB_JUPYTER_IP']}:{environ.get('KMP_TARGET_PORT', '9000')}/api/sessions"


def notebook_location(environ: Mapping[str, str] = os.environ, timeout: float = 10) -> str:
    """Where Colab opened this notebook from (URL-decoded session path), or "" if it cannot be read."""
    url = sessions_url(environ)
    if url is None:
        return ""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            sessions = json.load(response)
        return urllib.parse.unquote(sessions[0]["path"])
    except (OSError, ValueError, LookupError, TypeError):
        return ""  # no session server, or an answer of another shape: the repository is unknown


def pip_requirement(location: str) -> str | None:
    """The pip requirement that installs the course from the GitHub notebook at ``location``, or None."""
    found = re.search(GITHUB_NOTEBOOK, location)
    if not found:
        return None
    owner, repo, ref = found.groups()
    return f"git+https://github.com/{owner}/{repo}@{ref}"


def first_cell_action(
    environ: Mapping[str, str] = os.environ, modules: Mapping[str, object] = sys.modules, installed: bool = False
) -> tuple[str, str]:
    """What notebook 00's first cell does: ``("nothing", "")``, ``("install", requirement)`` or ``("print", text)``.

    Nothing outside Colab, or when the course is already installed (a
    second run of the cell); on Colab, install from the notebook's GitHub
    repository when it is known, else print :data:`INSTRUCTION`.
    """
    if installed or not in_colab(environ, modules):
        return "nothing", ""
    requirement = pip_requirement(notebook_location(environ))
    return ("install", requirement) if requirement else ("print", INSTRUCTION)
