"""Notebook 00's Colab cell and its reference, ganstyle_lib.course.colab, on faked Colab environments.

Colab is faked three ways: environment variables (COLAB_JUPYTER_IP,
KMP_TARGET_PORT), a ``google.colab`` entry in ``sys.modules``, and Colab's
session server, played by an HTTP server on 127.0.0.1 that answers
``/api/sessions`` the way Colab does. pip is never run: ``subprocess.run``
is replaced by a recorder. The cell is executed from the notebook file
itself, so an edit to it that breaks the agreement with the library fails
here.
"""

import contextlib
import importlib.util
import io
import json
import subprocess
import sys
import threading
import types
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nbformat
import pytest

from ganstyle_lib.course import colab, notebooks

GITHUB = "https://github.com/learner/ganstyle/blob/{ref}/notebooks/00_welcome.ipynb"


def session_path(location: str) -> str:
    """The ``path`` Colab's session server reports for a notebook opened from ``location``."""
    return "fileId=" + urllib.parse.quote(location, safe="")


@pytest.fixture
def session_server():
    """A fake Colab session server on 127.0.0.1; set ``.path`` to what it should report."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(
                [{"id": "1", "name": "00_welcome.ipynb", "path": server.path, "kernel": {"name": "python3"}}]
            ).encode()
            self.send_response(200 if self.path == "/api/sessions" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.path = ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def colab_cell_source() -> str:
    nb = nbformat.read(notebooks.NOTEBOOK_DIR / "00_welcome.ipynb", as_version=4)
    cells = [cell for cell in nb.cells if notebooks.is_colab_cell(cell)]
    assert len(cells) == 1, "notebook 00 should hold one Colab cell"
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert first_code is cells[0], "the Colab cell must be the first code cell: it runs before any import"
    return cells[0].source


def run_cell(*, installed: bool) -> tuple[str, str]:
    """Execute the notebook's Colab cell; return what it did, as colab.first_cell_action says it."""
    source = colab_cell_source()
    commands = []
    real_find_spec = importlib.util.find_spec
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(subprocess, "run", lambda command, **kwargs: commands.append(command))
        # the course is installed in the test venv; "not installed" is what a fresh Colab sees
        patch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: (
                (real_find_spec(name, *a) if installed else None)
                if name == "ganstyle_lib"
                else real_find_spec(name, *a)
            ),
        )
        exec(source, {})
    text = printed.getvalue().strip()
    if commands:
        assert len(commands) == 1 and commands[0][:4] == [sys.executable, "-m", "pip", "install"]
        assert text == f"ganstyle: installing {commands[0][-1]}"
        return "install", commands[0][-1]
    return ("print", text) if text else ("nothing", "")


def fake_colab(monkeypatch, server=None, *, module=True):
    monkeypatch.setenv("COLAB_JUPYTER_IP", "127.0.0.1")
    # a port nobody listens on when there is no server: Colab without its session server
    monkeypatch.setenv("KMP_TARGET_PORT", str(server.server_address[1] if server else 9))
    if module:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def both(*, installed=False):
    """(the library's decision, the notebook cell's) in the current faked environment."""
    return colab.first_cell_action(installed=installed), run_cell(installed=installed)


def test_outside_colab_nothing_happens(monkeypatch):
    monkeypatch.delenv("COLAB_JUPYTER_IP", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert colab.in_colab() is False
    expected, done = both()
    assert expected == done == ("nothing", "")


@pytest.mark.parametrize("ref", ["main", "v1.2", "feature/colab", "0123456789abcdef0123456789abcdef01234567"])
def test_opened_from_github_installs_that_repository_and_ref(monkeypatch, session_server, ref):
    session_server.path = session_path(GITHUB.format(ref=ref))
    fake_colab(monkeypatch, session_server)
    assert colab.in_colab()
    expected, done = both()
    assert expected == done == ("install", f"git+https://github.com/learner/ganstyle@{ref}")


def test_colab_is_recognised_by_its_variables_alone(monkeypatch, session_server):
    session_server.path = session_path(GITHUB.format(ref="main"))
    fake_colab(monkeypatch, session_server, module=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    expected, done = both()
    assert expected == done == ("install", "git+https://github.com/learner/ganstyle@main")


@pytest.mark.parametrize(
    "path",
    [
        "fileId=1AbCdEfGhIjKlMnOpQrStUvWxYz",  # opened from Drive
        session_path("https://github.com/learner/other/blob/main/demo.ipynb"),  # not a course notebook
        "",
    ],
)
def test_unknown_origin_prints_one_instruction(monkeypatch, session_server, path):
    session_server.path = path
    fake_colab(monkeypatch, session_server)
    expected, done = both()
    assert expected == done == ("print", colab.INSTRUCTION)
    assert "pip install git+https://github.com/" in colab.INSTRUCTION


def test_no_session_server_prints_the_instruction(monkeypatch):
    fake_colab(monkeypatch, None)
    expected, done = both()
    assert expected == done == ("print", colab.INSTRUCTION)


def test_an_installed_course_is_left_alone(monkeypatch, session_server):
    session_server.path = session_path(GITHUB.format(ref="main"))
    fake_colab(monkeypatch, session_server)
    expected, done = both(installed=True)
    assert expected == done == ("nothing", "")


def test_the_cell_uses_the_library_pattern():
    """One pattern in two places: the cell's regular expression is the library's."""
    assert f'r"{colab.GITHUB_NOTEBOOK}"' in colab_cell_source()
