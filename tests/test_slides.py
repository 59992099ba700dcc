"""Slides: the slide-type rule, its tidy check, local web assets and offline decks (no network)."""

import base64
import hashlib
import io
import re
import tarfile
from pathlib import Path

import nbformat
import pytest

from ganstyle_lib.course import notebooks, slides, webassets
from ganstyle_lib.course.cli import main

md = nbformat.v4.new_markdown_cell
code = nbformat.v4.new_code_cell


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _lecture():
    return _nb(
        md("# 01 · Title\nobjectives"),
        code("import numpy as np"),
        md("## 1. Theory\n$x^2$"),
        md("plain text"),
        code("x = 1"),
        md("### Exercise 1"),
        code("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        code("# NBVAL_CHECK_OUTPUT\ncheck(f)"),
        nbformat.v4.new_raw_cell("raw"),
    )


def test_slide_rule_cuts_a_lecture():
    nb = notebooks.apply_slide_metadata(_lecture())
    kinds = [c.metadata.slideshow.slide_type for c in nb.cells]
    assert kinds == ["slide", "skip", "slide", "-", "-", "subslide", "fragment", "skip", "skip"]


def test_slide_rule_skips_a_colab_cell_and_the_set_up_cell_after_it():
    nb = _lecture()
    nb.cells.insert(1, code("# Google Colab only: install the course\nimport sys"))
    kinds = [c.metadata.slideshow.slide_type for c in notebooks.apply_slide_metadata(nb).cells]
    assert kinds[:4] == ["slide", "skip", "skip", "slide"]


def test_slide_rule_reads_only_the_first_line_and_needs_a_space():
    assert notebooks.slide_type(md("text\n# not a title")) == "-"
    assert notebooks.slide_type(md("#hashtag")) == "-"
    assert notebooks.slide_type(md("#### deep")) == "-"
    assert notebooks.slide_type(md("  ## indented heading")) == "slide"


def test_tidy_problems_report_missing_and_stale_slide_types():
    nb = _lecture()
    for cell in nb.cells:  # tidy apart from slides: no outputs, no counts
        if cell.cell_type == "code" and notebooks.is_check_cell(cell):
            cell.execution_count = 1
    assert notebooks.tidy_problems(nb) == [
        "no cell has slide metadata (slideshow.slide_type); run `ganstyle tidy` on the notebook"
    ]
    notebooks.apply_slide_metadata(nb)
    assert notebooks.tidy_problems(nb) == []
    nb.cells[3].source = "## now a heading"  # edited after the last tidy: stale
    problems = notebooks.tidy_problems(nb)
    assert problems == [
        "cell 3 ('## now a heading'): slide type '-', the rule gives 'slide'; run `ganstyle tidy` on the notebook"
    ]
    del nb.cells[1].metadata["slideshow"]  # a cell added without metadata
    assert "cell 1 ('import numpy as np'): slide type None, the rule gives 'skip'" in notebooks.tidy_problems(nb)[0]


# ----------------------------------------------------------------------- web assets


def _fake_tarball(package: webassets.NpmPackage, folder: Path) -> Path:
    """A tarball shaped like npm's: the entry file, a file not to copy, an escaping member."""
    path = folder / package.tarball_name
    loaded = [package.entry]
    if package is webassets.REVEAL:  # the stylesheets and plugin the deck template names
        loaded += ["dist/reveal.css", "dist/theme/white.css", "plugin/notes/notes.js"]
    members = [(f"package/{name}", f"/* {package.name} */") for name in loaded]
    members += [("package/README.md", "not loaded by pages"), ("package/../../escape.js", "must not be written")]
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    store = tmp_path / "npm"
    store.mkdir()
    tarballs = {
        p.name: _fake_tarball(p, store)
        for p in (webassets.REVEAL, webassets.REQUIREJS, webassets.JQUERY, webassets.WIDGETS)
    }
    monkeypatch.setattr(webassets, "tarball", lambda package: tarballs[package.name])
    return tarballs


def test_install_package_copies_only_page_files_inside_the_folder(fake_npm, tmp_path):
    out = tmp_path / "site"
    url = webassets.install_package(webassets.REVEAL, out)
    assert url == "reveal.js/dist/reveal.js"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == [
        "reveal.js/dist/reveal.css",
        "reveal.js/dist/reveal.js",
        "reveal.js/dist/theme/white.css",
        "reveal.js/plugin/notes/notes.js",
    ]
    assert not (tmp_path / "escape.js").exists() and not (out / "escape.js").exists()


def test_tarball_with_wrong_checksum_is_refused_and_deleted():
    from ganstyle_lib import config

    package = webassets.REQUIREJS
    cached = config.cache_dir() / "web" / package.tarball_name
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"not the published package")
    with pytest.raises(webassets.WebAssetError, match="sha512 is .* the pinned one is"):
        webassets.tarball(package)
    assert not cached.exists()


def test_tarball_accepts_bytes_matching_the_pinned_integrity(monkeypatch):
    from ganstyle_lib import config

    data = b"pretend tarball"
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    package = webassets.NpmPackage("demo", "1.0.0", f"sha512-{digest}", ("x",), "demo", "x")
    cached = config.cache_dir() / "web" / package.tarball_name
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    assert webassets.tarball(package) == cached


def test_offline_without_cache_says_how_to_get_reveal():
    # conftest: GANSTYLE_OFFLINE=1 and an empty private cache
    with pytest.raises(webassets.WebAssetError) as info:
        webassets.tarball(webassets.REVEAL)
    message = str(info.value)
    assert "npm pack reveal.js@4.0.2" in message
    assert "https://registry.npmjs.org/reveal.js/-/reveal.js-4.0.2.tgz" in message


def test_mathjax_is_copied_with_the_local_config(tmp_path):
    url = webassets.install_mathjax(tmp_path)
    assert url.startswith("mathjax/MathJax.js?config=") and url.endswith(",ganstyle")
    assert (tmp_path / "mathjax" / "MathJax.js").is_file()
    assert (tmp_path / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert "STIX-Web" in (tmp_path / "mathjax" / "config" / "ganstyle.js").read_text()
    assert (tmp_path / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web").is_dir()


# ----------------------------------------------------------------------- decks

_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
_REF = re.compile(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)", re.I)


def _executed(folder: Path) -> Path:
    out = nbformat.v4.new_output("display_data", data={"image/png": _PNG, "text/plain": "<Figure>"})
    nb = _nb(
        md("# 07 · Demo"),
        code("import x"),
        md("## Theory\n$$a^2 + b^2$$"),
        code("plot()", outputs=[out], execution_count=2),
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "07_demo.ipynb")
    return folder / "07_demo.ipynb"


def _local_refs(page: Path) -> list[str]:
    body = page.read_text()
    refs = [r for r in _REF.findall(body) if not r.startswith("data:")]
    assert not [r for r in refs if re.match(r"[a-z]+://", r)], refs  # nothing from the network
    assert "unpkg.com" not in body and "cdnjs" not in body  # widget renderer, mermaid import
    for ref in refs:
        assert (page.parent / ref.split("?")[0]).is_file(), f"{page.name} loads missing {ref}"
    return refs


def test_render_slides_from_executed_notebooks_loads_only_local_files(fake_npm, tmp_path):
    executed = _executed(tmp_path / "build")
    decks = slides.render_slides(
        [tmp_path / "notebooks" / executed.name], tmp_path / "slides", executed_dir=executed.parent
    )
    deck = decks[0]
    assert deck.name == "07_demo.slides.html" and deck.stat().st_size > 0
    body = deck.read_text()
    assert f"data:image/png;base64,{_PNG}" in body  # the figure is in the deck
    assert "import x" not in body  # first code cell skipped
    refs = _local_refs(deck)
    assert "reveal.js/dist/reveal.css" in refs and any(r.startswith("mathjax/MathJax.js") for r in refs)
    assert '"reveal.js/dist/reveal.js"' in body  # loaded through require.js
    assert "html-manager/dist/embed-amd.js" in body  # widget panels drawn locally
    index = (tmp_path / "slides" / "index.html").read_text()
    assert 'href="07_demo.slides.html"' in index


def test_render_slides_names_the_missing_course_build(fake_npm, tmp_path):
    with pytest.raises(FileNotFoundError, match="run `make course` first"):
        slides.render_slides([tmp_path / "01_x.ipynb"], tmp_path / "slides", executed_dir=tmp_path)


def test_slides_command_without_reveal_explains_how_to_get_it(tmp_path, capsys):
    executed = _executed(tmp_path / "build")
    status = main(["slides", str(executed), "--out", str(tmp_path / "slides"), "--executed", str(executed.parent)])
    assert status == 2
    assert "npm pack reveal.js@4.0.2" in capsys.readouterr().err


def test_without_npm_the_error_says_how_to_get_reveal(monkeypatch):
    monkeypatch.setenv("GANSTYLE_OFFLINE", "0")
    monkeypatch.setattr(webassets.shutil, "which", lambda name: None)
    with pytest.raises(webassets.WebAssetError, match="npm is not installed.*apt-get install npm"):
        webassets.tarball(webassets.REVEAL)
