"""The widgets and the HTML book as learners meet them: JupyterLab and pages in headless Chromium.

nbval runs cells but never moves a slider. Here a real JupyterLab (from this
environment, on 127.0.0.1, a free port and a token) serves one small generated
notebook per course notebook that has widgets; headless Chromium (Debian's
``chromium``, driven by Playwright -- no browser download) runs it, moves every
control of every panel and checks that the picture on screen changes and that
no error appears. A screenshot per notebook goes to ``build/browser/``.

Why generated notebooks and not the course notebooks themselves: the course
notebooks train models first (20-70 s each in quick mode, 2-3 minutes for the
four), which nbval already does; the browser's job is the widget path --
front end -> kernel callback -> new picture. Each generated notebook calls the
same library builders (:mod:`ganstyle_lib.widgets`) on the same kinds of
models, untrained and tiny. Notebooks are found by the builders they call, so
a new notebook that calls one is tested without editing this file; a new
builder needs a cell in ``PANEL_CELLS`` (the test says so).

The book test builds a quick-mode book of notebooks 00 and 01 with
``notebooks.run_course`` and opens the index and every page it links: no
broken image, no broken local link or anchor. Requests to the network are
blocked (tests never touch it) and listed in the failure message if an image needed one.

If Chromium or JupyterLab cannot start, the tests FAIL with the reason: run
``.ci/run`` or ``apt-get install chromium``; ``GANSTYLE_CHROMIUM`` names
another Chromium binary.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from ganstyle_lib import widgets
from ganstyle_lib.course import notebooks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "browser"
CHROMIUM = os.environ.get("GANSTYLE_CHROMIUM", "/usr/bin/chromium")
CELL_TIMEOUT_MS = 180_000  # building a panel: kernel start, TensorFlow import, a tiny model
REDRAW_TIMEOUT_S = 60.0

# --------------------------------------------------------------------------- which notebooks have widgets

SETUP_CELL = """\
import numpy as np
from ganstyle_lib import config, data, widgets
config.set_seed(0)
CONTENT = data.load_image("astronaut", max_dim=64)   # bundled with scikit-image: offline
STYLE = data.load_image("coffee", max_dim=64)

def contrast(images):  # an untrained generator's outputs are all near 0 (grey): stretch them to be seen
    images = np.asarray(images)
    return np.tanh(images / (2 * images.std() + 1e-8))"""

#: One cell per builder: the builder on a tiny untrained model of the kind its notebook uses.
PANEL_CELLS = {
    "latent_slider": """\
from ganstyle_lib.gan import models
generator = models.dcgan_generator(16, width=8, seed=0)
z0, z1 = np.random.default_rng(0).standard_normal((2, 16)).astype("float32")
widgets.latent_slider(lambda z: contrast(generator(z, training=False)), z0, z1)""",
    "class_explorer": """\
from ganstyle_lib.gan import conditional
cond_generator = conditional.conditional_generator(16, width=8, seed=0)
widgets.class_explorer(lambda z, y: contrast(cond_generator([z, y], training=False)), 16)""",
    "weights_panel": """\
from ganstyle_lib.style import features
extractor = features.VGGFeatures(features.STYLE_LAYERS + features.GATYS_CONTENT_LAYERS, weights="untrained")
render = widgets.preview_function(CONTENT, STYLE, extractor=extractor, max_dim=32, steps=3)
widgets.weights_panel(render, caption=extractor.label)""",
    "style_mixer": """\
from ganstyle_lib.style import networks
multi = networks.transformer_net(0.125, num_styles=3)
for layer in multi.layers:  # untrained, every style is the same (gamma 1, beta 0): make them differ
    if isinstance(layer, networks.ConditionalInstanceNormalization):
        layer.beta.assign(np.random.default_rng(0).normal(size=layer.beta.shape).astype("float32"))
widgets.style_mixer(widgets.mixing_function(multi, CONTENT), ["wave", "starry", "udnie"], scale=2)""",
    "alpha_slider": """\
from ganstyle_lib.style import features, networks
adain_net = networks.AdaINStylizer(features.VGGFeatures(networks.ADAIN_LAYERS, weights="untrained"), width=0.125)
widgets.alpha_slider(widgets.alpha_function(adain_net, CONTENT, STYLE), scale=2)""",
}

_CALL = re.compile(r"\bwidgets\.(\w+)\(")


def widget_notebooks(directory: Path = notebooks.NOTEBOOK_DIR) -> dict[str, list[str]]:
    """``{notebook stem: [builders it calls, in order]}`` for the course notebooks that call a widget builder."""
    found = {}
    for path in notebooks.list_notebooks(directory):
        names = []
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                names += [n for n in _CALL.findall(cell.source) if n in widgets.BUILDERS and n not in names]
        if names:
            found[path.stem] = names
    return found


WIDGET_NOTEBOOKS = widget_notebooks()


def test_widget_notebooks_are_found_and_every_builder_has_a_browser_cell():
    assert WIDGET_NOTEBOOKS, "no course notebook calls a ganstyle_lib.widgets builder: discovery is broken"
    missing = set(widgets.BUILDERS) - set(PANEL_CELLS)
    assert not missing, f"add a cell for {sorted(missing)} to PANEL_CELLS in tests/test_browser.py"


def probe_notebook(builders: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP_CELL)] + [nbformat.v4.new_code_cell(PANEL_CELLS[b]) for b in builders]
    return nb


# --------------------------------------------------------------------------- servers and browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium; a missing or broken browser fails the test with the reason (never a skip)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's package (`apt-get install chromium`, "
            "as .ci/run does) or set GANSTYLE_CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        pytest.fail(f"Playwright is missing ({err}): pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        except Exception as err:  # noqa: BLE001 -- report whatever stopped the browser
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {err}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab from this environment on 127.0.0.1:<free port> with a token; yields (url, token, root)."""
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    root.mkdir()
    for plugin, values in {
        # no "news" and "update" questions popping over the notebook
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # render every cell, not only those in view, so that every panel can be found and scrolled to
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        settings = home / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    log = (home / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],  # CI containers run as root
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(
                    f"JupyterLab did not start on {url}:\n{(home / 'lab.log').read_text()[-3000:]}", pytrace=False
                )
            time.sleep(0.5)
    yield url, token, root
    proc.terminate()  # the server shuts its kernels down
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the server and the kernels it started
        proc.wait()
    log.close()


# --------------------------------------------------------------------------- widgets in JupyterLab


def _picture(panel) -> np.ndarray:
    """What the screen shows of the panel's picture (an element screenshot), as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(panel.locator(f".{widgets.PICTURE_CLASS}").screenshot())).convert("RGB"))


def _status(panel) -> str:
    return panel.locator(f".{widgets.STATUS_CLASS}").inner_text()


def _fail_on_cell_errors(page, what: str) -> None:
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    for i in range(errors.count()):
        text = errors.nth(i).inner_text()
        if re.search(r"Traceback|^\w*(Error|Exception)\b", text, re.M):  # not TensorFlow's log lines
            pytest.fail(f"{what}: a cell failed in JupyterLab:\n{text[-2000:]}", pytrace=False)


def _controls(panel) -> list:
    """Every slider and class-button group of a panel, in reverse screen order.

    Reverse order, so that the style mixer raises the weights at 0 before
    lowering the one at 1 (all three at 0 would be an error, rightly shown).
    """
    return panel.locator(".widget-slider, .widget-toggle-buttons").all()[::-1]


def _accept_kernel_dialog(page) -> None:
    """Choose the default kernel if JupyterLab asks (it does when the kernel list arrives late)."""
    dialog = page.locator(".jp-Dialog")
    try:
        page.wait_for_function(
            """() => document.querySelector('.jp-Dialog') ||
            document.body.innerText.includes('Python 3 (ipykernel) | Idle')""",
            timeout=60_000,
        )
    except Exception:  # noqa: BLE001 -- a slow kernel start is caught by the panel timeout below
        return
    if dialog.count() and "Select Kernel" in dialog.inner_text():
        dialog.get_by_role("button", name="Select").click()


def _move(control, run_button) -> str:
    """Move one control to the other end of its range (or to the last class); press Run if there is one."""
    handle = control.locator(".noUi-handle")
    if handle.count():
        now, top = float(handle.get_attribute("aria-valuenow")), float(handle.get_attribute("aria-valuemax"))
        key = "Home" if now >= top else "End"
        handle.focus()
        handle.press(key)  # keyboard moves fire noUiSlider's "change", as a mouse release does
        what = f"slider {control.locator('.widget-label').first.inner_text()!r} {now:g} -> {key}"
    else:
        buttons = control.locator("button")
        buttons.last.click()
        what = f"class button {buttons.last.inner_text()!r}"
    if run_button.count():
        run_button.click()
        what += ", Run"
    return what


@pytest.fixture(scope="module")
def running_notebooks(lab, browser):
    """Open every widget notebook in its own page and press Run All in each: the kernels start side by side.

    Yields ``{stem: page}``; each test then waits for its own panels (about
    a third faster on 2 cores than one notebook after the other, because much
    of a notebook's time is the browser and the kernel waiting for each other).
    """
    url, token, root = lab
    pages = {}
    try:
        for stem, builders in sorted(WIDGET_NOTEBOOKS.items()):
            if any(b not in PANEL_CELLS for b in builders):
                continue  # the test reports it
            name = f"{stem}_widgets.ipynb"
            nbformat.write(probe_notebook(builders), root / name)
            page = pages[stem] = browser.new_page(viewport={"width": 1200, "height": 1600})
            # a workspace of its own, reset: only this notebook opens, not the tabs of another page
            page.goto(f"{url}/lab/workspaces/{stem}/tree/{name}?reset&token={token}")
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
            _accept_kernel_dialog(page)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        yield pages
    finally:
        for page in pages.values():
            page.close()  # the kernels stop with the server, at the end of the module


@pytest.mark.parametrize("stem", sorted(WIDGET_NOTEBOOKS))
def test_widgets_redraw_in_jupyterlab(stem, running_notebooks):
    builders = WIDGET_NOTEBOOKS[stem]
    missing = [b for b in builders if b not in PANEL_CELLS]
    assert not missing, f"{stem} calls {missing}: add a cell for each to PANEL_CELLS in tests/test_browser.py"
    page = running_notebooks[stem]
    try:
        panels = page.locator(f".{widgets.PANEL_CLASS}")
        deadline = time.monotonic() + CELL_TIMEOUT_MS / 1000
        while panels.count() < len(builders) or not all(
            panels.nth(i).locator(f".{widgets.PICTURE_CLASS}").is_visible() for i in range(panels.count())
        ):
            _fail_on_cell_errors(page, stem)
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{stem}: {panels.count()} of {len(builders)} panels rendered after {CELL_TIMEOUT_MS / 1000:.0f} s",
                    pytrace=False,
                )
            page.wait_for_timeout(500)

        for index, builder in enumerate(builders):
            panel = panels.nth(index)
            panel.scroll_into_view_if_needed()
            for control in _controls(panel):
                before = _picture(panel)
                what = _move(control, panel.get_by_role("button", name="Run"))
                deadline = time.monotonic() + REDRAW_TIMEOUT_S
                while True:
                    status = _status(panel)
                    assert "Error" not in status, f"{stem}/{builder}: after {what} the panel says {status!r}"
                    after = _picture(panel)
                    if after.shape != before.shape or np.any(after != before):
                        break
                    assert time.monotonic() < deadline, (
                        f"{stem}/{builder}: the picture did not change within {REDRAW_TIMEOUT_S:.0f} s after {what}"
                    )
                    page.wait_for_timeout(250)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        panels.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
        _fail_on_cell_errors(page, stem)
    except BaseException:  # pytest.fail raises an OutcomeException: keep a picture of what went wrong too
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-FAILED.png"))
        raise


# --------------------------------------------------------------------------- the HTML book


def test_html_book_has_no_broken_image_or_link(tmp_path, browser):
    book = tmp_path / "book"
    runs = notebooks.run_course(book, quick=True, only=["00", "01"], timeout=600)
    assert [r.name for r in runs] == ["00_welcome", "01_gan_math"]
    assert all(r.ok for r in runs), [(r.name, r.error) for r in runs if not r.ok]
    course = {p.stem for p in notebooks.list_notebooks()}

    page = browser.new_page()
    blocked: list[str] = []

    def block_network(route):  # tests never touch the network; remember what a page wanted
        blocked.append(f"{route.request.resource_type} {route.request.url}")
        route.abort()

    page.route(re.compile(r"^https?://"), block_network)
    failed_local: list[str] = []

    def local_failure(request):
        # A request for a file that exists can still "fail": MathJax loads its fonts after the page's
        # load event, and moving on to the next page aborts them. Only a missing file is broken.
        if request.url.startswith("file:"):
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(request.url).path))
            if not path.is_file():
                failed_local.append(f"{request.url} ({request.failure})")

    page.on("requestfailed", local_failure)
    problems: list[str] = []
    try:
        pages = _check_page(page, book / "index.html", course, problems)
        assert [p.name for p in pages] == [r.html_file for r in runs], "the index must link every page"
        for target in pages:
            _check_page(page, target, course, problems)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.goto((book / "01_gan_math.html").as_uri())
        page.screenshot(path=str(SCREENSHOTS / "book_01_gan_math.png"))
    finally:
        page.close()
    problems += [f"failed to load {url}" for url in failed_local]
    image_requests = [b for b in blocked if b.startswith("image ")]
    problems += [f"image needs the network: {b}" for b in image_requests]
    assert not problems, "\n".join(problems + [f"(blocked network requests: {len(blocked)})"])


def _check_page(page, path: Path, course: set[str], problems: list[str]) -> list[Path]:
    """Open ``path``; record broken images and local links in ``problems``; return the local pages it links."""
    page.goto(path.as_uri(), wait_until="load")
    for src in page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))"
    ):
        problems.append(f"{path.name}: broken image {src}")
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    ids |= set(page.eval_on_selector_all("a[name]", "els => els.map(e => e.name)"))
    linked = []
    for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))"):
        if re.match(r"^(https?:|mailto:)", href):
            continue  # external: not checked offline
        target, _, anchor = href.partition("#")
        if not target:
            if anchor and anchor not in ids and urllib.request.unquote(anchor) not in ids:
                problems.append(f"{path.name}: link to missing anchor #{anchor}")
            continue
        file = (path.parent / urllib.request.unquote(target)).resolve()
        if file.exists():
            if file.suffix == ".html" and file not in linked:
                linked.append(file)
        elif Path(target).stem not in course:  # a course notebook left out of this small book is fine
            problems.append(f"{path.name}: broken link {href}")
    return linked


@pytest.fixture(autouse=True, scope="module")
def _screenshot_folder():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # no stale pictures from an earlier run
    yield
