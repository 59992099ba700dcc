"""A wheel built from the repository works outside the repository.

Before issue 24 the digits classifier was read from the repository's
``data/`` folder and the notebook tools from ``../notebooks``, so a wheel (or
``pip install .``) broke the FCD metric and ``ganstyle course``.

How the wheel is installed, and why: the test must run offline and in
seconds, so it installs nothing from an index. ``pip wheel --no-deps
--no-build-isolation --no-index`` builds the wheel from a copy of the sources
(in a temporary folder: building in place would write ``build/`` and
``*.egg-info`` into the checkout) with the setuptools of the running venv;
``pip install --no-deps --no-index --target DIR`` unpacks it into an empty
folder. The wheel's code then runs with the *running* interpreter and
``PYTHONPATH=DIR``, so TensorFlow and the other dependencies come from this
venv while ``ganstyle_lib`` comes from the wheel: ``PYTHONPATH`` precedes
site-packages (and the editable install's finder, which comes last), and
each run asserts where ``ganstyle_lib`` was imported from. The runs start in
an empty folder, so no ``notebooks/`` is found by accident.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ganstyle_lib import metrics
from ganstyle_lib.course import notebooks

ROOT = Path(__file__).resolve().parents[1]


def _pip(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> tuple[Path, Path]:
    """(the built wheel, the folder it was installed into with --target)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(
        ROOT / "ganstyle_lib", source / "ganstyle_lib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    wheels = tmp_path_factory.mktemp("wheels")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(wheels), ".", cwd=source)
    [wheel] = wheels.glob("ganstyle-*.whl")
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel), cwd=source)
    return wheel, target


def _run(target: Path, *command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(target))
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_wheel_ships_the_digits_classifier_and_the_style_networks(installed_wheel):
    from ganstyle_lib.style import pretrained

    wheel, _ = installed_wheel
    names = zipfile.ZipFile(wheel).namelist()
    assert "ganstyle_lib/data/digits_classifier.weights.h5" in names
    shipped = pretrained.available()
    assert shipped, "no shipped style network in the checkout"
    for style in shipped:
        assert f"ganstyle_lib/data/style_networks/{style}.npz" in names
    assert not any(name.startswith(("notebooks/", "tests/", "data/")) for name in names)


def test_installed_wheel_runs_doctor(installed_wheel, tmp_path):
    _, target = installed_wheel
    result = _run(target, str(target / "bin" / "ganstyle"), "doctor", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TensorFlow" in result.stdout and "asset cache:" in result.stdout


def test_installed_wheel_lists_and_uses_a_shipped_style(installed_wheel, tmp_path):
    _, target = installed_wheel
    ganstyle = str(target / "bin" / "ganstyle")
    listing = _run(target, ganstyle, "stylize", "--list-styles", cwd=tmp_path)
    assert listing.returncode == 0 and "starry_night" in listing.stdout, listing.stderr
    from PIL import Image

    Image.new("RGB", (37, 29), (200, 120, 40)).save(tmp_path / "photo.png")
    result = _run(target, ganstyle, "stylize", "--style", "starry_night", "photo.png", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "out" / "photo.png") as out:
        assert out.size == (37, 29)


DIGITS_METRIC = """
import ganstyle_lib, numpy as np
from ganstyle_lib import data, metrics
print(ganstyle_lib.__file__)
print(metrics.CLASSIFIER_WEIGHTS)
digits = np.asarray(data.to_gan_range(data.load_digits("mnist", "test").images[:400]))
noise = np.random.default_rng(0).uniform(-1, 1, (200, 28, 28)).astype("float32")
print(metrics.classifier_score(digits))
print(metrics.frechet_classifier_distance(digits[:200], digits[200:]))
print(metrics.frechet_classifier_distance(digits[:200], noise))
"""


def test_installed_wheel_computes_the_digits_metrics(installed_wheel, tmp_path):
    _, target = installed_wheel
    result = _run(target, sys.executable, "-c", DIGITS_METRIC, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    package, weights, score, fcd_real, fcd_noise = result.stdout.split("\n")[-6:-1]
    assert Path(package).is_relative_to(target) and Path(weights).is_relative_to(target), (
        "ganstyle_lib was imported from somewhere else than the installed wheel"
    )
    # real digits, trained weights: near 10 (an untrained classifier scores about 1)
    assert float(score) > 7
    # two halves of the real digits are far closer than real digits and noise
    assert 0 <= float(fcd_real) < float(fcd_noise) / 3


def test_installed_wheel_says_where_to_get_the_notebooks(installed_wheel, tmp_path):
    _, target = installed_wheel
    result = _run(target, str(target / "bin" / "ganstyle"), "student", "--out", "student", cwd=tmp_path)
    assert result.returncode == 2
    assert "not installed with the ganstyle package" in result.stderr
    assert "--notebooks" in result.stderr and "git clone" in result.stderr


def test_notebooks_are_found_in_a_clone_then_in_the_working_folder(monkeypatch, tmp_path):
    assert notebooks.find_notebook_dir() == notebooks.NOTEBOOK_DIR  # this checkout
    monkeypatch.setattr(notebooks, "NOTEBOOK_DIR", tmp_path / "site-packages" / "notebooks")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="course repository"):
        notebooks.find_notebook_dir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_welcome.ipynb").write_text("{}")
    assert notebooks.find_notebook_dir() == tmp_path / "notebooks"
    assert notebooks.list_notebooks() == [tmp_path / "notebooks" / "00_welcome.ipynb"]


def test_metrics_read_the_classifier_from_the_package():
    assert metrics.CLASSIFIER_WEIGHTS.is_file()
    assert metrics.CLASSIFIER_WEIGHTS.parent.parent == Path(metrics.__file__).parent
