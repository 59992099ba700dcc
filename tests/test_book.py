"""The HTML book: index linking every page, figures inside the pages, MathJax local, no network needed.

Builds the book in quick mode for notebook 00 only (a copy in a temporary
folder) -- the cheapest notebook; the other notebooks go through the same
exporter. This test checks files; tests/test_browser.py checks rendering.
"""

import html
import re
import shutil
from pathlib import Path

import pytest

from ganstyle_lib.course import notebooks

_TAG_REF = re.compile(r"<(script|link|img|iframe|source|embed)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']*)[\"']", re.I)
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)", re.I)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("course")
    shutil.copy(notebooks.NOTEBOOK_DIR / "00_welcome.ipynb", folder)
    out = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as env:
        # as outside pytest: ipykernel forwards C++ output (TensorFlow's start-up lines) only without it
        env.delenv("PYTEST_CURRENT_TEST", raising=False)
        runs = notebooks.run_course(out, quick=True, notebook_dir=folder, timeout=300)
    return out, runs


def test_every_notebook_ran_and_has_a_page(book):
    out, runs = book
    assert [r.name for r in runs] == ["00_welcome"]
    assert all(r.ok for r in runs), [r.error for r in runs]
    for run in runs:
        assert (out / run.html_file).stat().st_size > 10_000
        assert (out / f"{run.name}.ipynb").is_file()


def test_pages_hold_no_tensorflow_startup_lines(book):
    """Issue 24: the book no longer opens on oneDNN/CUDA lines (filtered by the runner, startup_noise)."""
    out, runs = book
    for run in runs:
        for name in (run.html_file, f"{run.name}.ipynb"):
            text = (out / name).read_text()
            # the log lines themselves (prefix "port.cc:153] "), not the notebook's text about them
            for line in (
                r"absl::InitializeLog\(\) is called are written",
                r"\.cc:\d+\] oneDNN custom operations",
                r"\.cc:\d+\] Could not find cuda drivers",
            ):
                assert not re.search(line, text), f"{name} still shows TensorFlow's start-up line {line!r}"


def test_index_links_every_page(book):
    out, runs = book
    index = (out / "index.html").read_text()
    links = set(re.findall(r'<a href="([^"]+)"', index))
    assert links == {r.html_file for r in runs}
    assert all((out / html.unescape(link)).is_file() for link in links)


def test_pages_load_only_local_files_and_embed_their_figures(book):
    out, runs = book
    for run in runs:
        page = out / run.html_file
        body = page.read_text()
        refs = _TAG_REF.findall(body) + [("css", u) for u in _CSS_URL.findall(body)]
        remote = [u for _, u in refs if re.match(r"(https?:)?//", u)]
        assert remote == [], f"{page.name} needs the network for {remote}"
        for tag, url in refs:
            if url.startswith(("data:", "#")) or not url:
                continue
            assert (out / url.split("?")[0]).is_file(), f"{page.name}: <{tag}> refers to missing {url}"
        images = [u for tag, u in refs if tag.lower() == "img"]
        assert images and all(u.startswith("data:image/png;base64,") for u in images), (
            "the welcome notebook's figure should be embedded in its page"
        )
        # Code the page runs only on demand must not fetch from a CDN either.
        assert "unpkg.com" not in body  # widget renderer
        assert 'class="jp-Mermaid' not in body  # no diagram triggers the mermaid import


def test_mathjax_is_local_and_configured_for_its_shipped_fonts(book):
    out, runs = book
    body = (out / runs[0].html_file).read_text()
    scripts = [u for tag, u in _TAG_REF.findall(body) if tag == "script"]
    mathjax = [u for u in scripts if "MathJax.js" in u]
    assert mathjax == ["mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,ganstyle"]
    assert (out / "mathjax" / "config" / "ganstyle.js").is_file()
