"""Local copies of the JavaScript that the HTML book and the slides load -- no CDN.

nbconvert's pages load MathJax, require.js, jQuery, reveal.js and the
Jupyter widget renderer from CDNs by default, so a page opened without
network shows raw LaTeX and slides do not start. Here every page points
at a copy beside it instead:

* **MathJax 2** comes from the PyPI package ``jupyter-server-mathjax``
  (a course dependency), so it is always there.
* **reveal.js, require.js, jQuery and the widget renderer** are not on PyPI;
  they are npm packages, pinned to the versions nbconvert's templates
  expect and verified against the sha512 ``integrity`` the npm registry
  publishes. ``npm pack`` downloads each tarball once into
  ``$GANSTYLE_HOME/web/``; after that no network is needed.

:func:`install` copies the files into an output folder (``build/``,
``build/slides/``), so each folder is self-contained: copy it to a USB
stick and open ``index.html`` anywhere.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import logging
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..fileio import atomic_write_text

__all__ = [
    "NpmPackage",
    "REVEAL",
    "REQUIREJS",
    "JQUERY",
    "WIDGETS",
    "PACKAGES",
    "CACHE_FOLDER",
    "WebAssetError",
    "mathjax_source",
    "install_mathjax",
    "cached_path",
    "tarball",
    "install_package",
]

log = logging.getLogger("ganstyle")


class WebAssetError(FileNotFoundError):
    """A JavaScript library the pages need is not here and cannot be fetched; says how to get it."""


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm package and the files of it that pages load.

    ``integrity`` is the registry's ``dist.integrity`` (``sha512-`` + base64);
    ``files`` are glob patterns relative to the package root; ``folder`` is
    where they land inside an output folder.
    """

    name: str
    version: str
    integrity: str
    files: tuple[str, ...]
    folder: str
    entry: str  # the file a page refers to, relative to ``folder``

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:  # what `npm pack` writes
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    @property
    def registry_url(self) -> str:
        return f"https://registry.npmjs.org/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"

    @property
    def checksum(self) -> tuple[str, str]:
        """``(algorithm, hex digest)`` of the tarball, e.g. ``("sha512", "2d66...")``.

        The same pin as ``integrity``, written the way :mod:`ganstyle_lib.assets`
        checks files (``hashlib``'s ``hexdigest``), so asset bundles can verify
        npm tarballs with the code that verifies datasets and weights.
        """
        algo, _, digest = self.integrity.partition("-")
        return algo, base64.b64decode(digest).hex()


# reveal.js 4.0.2 is the version nbconvert 7's reveal template is written for
# (its default url_prefix is https://unpkg.com/reveal.js@4.0.2).
REVEAL = NpmPackage(
    "reveal.js",
    "4.0.2",
    "sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw==",
    ("dist/*", "plugin/notes/*", "LICENSE"),
    "reveal.js",
    "dist/reveal.js",
)
# nbconvert's default require.js is 2.1.10; it loads reveal.js and the widget renderer.
REQUIREJS = NpmPackage(
    "requirejs",
    "2.1.10",
    "sha512-4JqdTihK3kOnT387LxCHuJZ/9QsKg2EIl7LmaW35PIyM4LwCI2jwyy4fy6pbY/ZZH2JoY/QEcb5PzULFPP6gcQ==",
    ("require.js", "LICENSE"),
    "requirejs",
    "require.js",
)
# nbconvert defaults to jQuery 2.0.3, which is not on npm; 2.2.4 is the last 2.x release.
JQUERY = NpmPackage(
    "jquery",
    "2.2.4",
    "sha512-lBHj60ezci2u1v2FqnZIraShGgEXq35qCzMv4lITyHGppTnA13rwR0MgwyNJh9TnDs3aXUvd1xjAotfraMHX/Q==",
    ("dist/jquery.min.js", "LICENSE.txt"),
    "jquery",
    "dist/jquery.min.js",
)
# Draws ipywidgets 8 panels (sliders and their last picture) in a static page.
WIDGETS = NpmPackage(
    "@jupyter-widgets/html-manager",
    "1.0.15",
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    ("dist/embed-amd.js", "dist/*.woff*", "dist/*.eot", "dist/*.ttf", "dist/*.svg", "LICENSE"),
    "html-manager",
    "dist/embed-amd.js",
)

PACKAGES: tuple[NpmPackage, ...] = (REVEAL, REQUIREJS, JQUERY, WIDGETS)
"""Every pinned npm package; ``ganstyle assets pack`` bundles the cached tarballs of these."""

CACHE_FOLDER = "web"
"""Where the tarballs are cached: ``$GANSTYLE_HOME/web/<tarball_name>``."""

# MathJax 2: TeX in, HTML-CSS out with the STIX web fonts -- the only fonts the
# PyPI package ships (MathJax's default TeX fonts would be looked for in vain).
# The hidden MathML copy kept for screen readers would otherwise ask for TeX
# fonts too (double-struck, script, fraktur letters); a screen reader needs no font.
_MATHJAX_LOCAL_CONFIG = """\
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  styles: {".MJX_Assistive_MathML, .MJX_Assistive_MathML *": {"font-family": "serif !important"}}
});
MathJax.Ajax.loadComplete("[MathJax]/config/ganstyle.js");
"""
MATHJAX_QUERY = "?config=TeX-AMS-MML_HTMLorMML-full,Safe,ganstyle"


def mathjax_source() -> Path:
    """The MathJax 2 folder inside the installed ``jupyter-server-mathjax`` package."""
    try:
        import jupyter_server_mathjax
    except ImportError as exc:
        raise WebAssetError(
            "MathJax for offline pages comes from the PyPI package jupyter-server-mathjax; "
            "install it with `pip install jupyter-server-mathjax` (it is a course dependency)"
        ) from exc
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def install_mathjax(out_dir: str | Path) -> str:
    """Copy MathJax into ``out_dir/mathjax``; return the URL for pages in ``out_dir``."""
    source = mathjax_source()
    target = Path(out_dir) / "mathjax"
    if not (target / "MathJax.js").is_file():
        # localization/ holds translations of menus (2 MB); English is built in.
        shutil.copytree(
            source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("localization", "tests", "__pycache__")
        )
    atomic_write_text(target / "config" / "ganstyle.js", _MATHJAX_LOCAL_CONFIG)
    return "mathjax/MathJax.js" + MATHJAX_QUERY


def _check_integrity(path: Path, package: NpmPackage) -> None:
    algo, expected = package.checksum
    actual = hashlib.new(algo, path.read_bytes()).hexdigest()  # a few MB
    if actual != expected:
        path.unlink(missing_ok=True)
        raise WebAssetError(
            f"{package.spec}: the tarball's {algo} is {actual}, the pinned one is {expected}; "
            "the file was deleted. Fetch it again; if it still differs, the copy you were given "
            "is not the published package"
        )


def cached_path(package: NpmPackage) -> Path:
    """Where ``package``'s tarball lives in the cache (it may not be there yet)."""
    return config.cache_dir(create=False) / CACHE_FOLDER / package.tarball_name


def tarball(package: NpmPackage) -> Path:
    """The verified npm tarball of ``package`` in ``$GANSTYLE_HOME/web/`` (fetched with npm once)."""
    path = cached_path(package)
    cache = path.parent
    if path.is_file():
        _check_integrity(path, package)
        return path
    how = (
        f"Get it on a machine with network: `npm pack {package.spec}` (Node.js/npm: "
        f"`apt-get install npm` or https://nodejs.org), or download {package.registry_url}; "
        f"then copy the .tgz to {path}. Its checksum is verified before use. Or install an "
        "instructor's bundle, which carries it: `ganstyle assets unpack BUNDLE`."
    )
    if config.is_offline():
        raise WebAssetError(f"{package.spec} is not in the cache and GANSTYLE_OFFLINE=1. {how}")
    npm = shutil.which("npm")
    if npm is None:
        raise WebAssetError(f"{package.spec} is needed and npm is not installed. {how}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", package.spec, "--silent", "--pack-destination", tmp], capture_output=True, text=True
        )
        fetched = Path(tmp) / package.tarball_name
        if result.returncode != 0 or not fetched.is_file():
            raise WebAssetError(
                f"`npm pack {package.spec}` failed: {(result.stderr or result.stdout).strip()[-300:]}. {how}"
            )
        _check_integrity(fetched, package)
        fetched.replace(path)  # same folder: an atomic rename
    log.info("fetched %s into %s", package.spec, path)
    return path


def install_package(package: NpmPackage, out_dir: str | Path) -> str:
    """Copy the page-loaded files of ``package`` into ``out_dir/<folder>``; return the entry URL.

    Only regular files matching ``package.files`` are written, and only
    below the target folder (a tarball cannot write elsewhere).
    """
    target = Path(out_dir) / package.folder
    if not (target / package.entry).is_file():
        with tarfile.open(tarball(package), "r:gz") as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("package/")
                parts = Path(name).parts
                if (
                    not member.isfile()
                    or ".." in parts
                    or Path(name).is_absolute()
                    or not any(fnmatch.fnmatch(name, pattern) for pattern in package.files)
                ):
                    continue
                destination = target / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None  # a regular file (checked above) always has content
                with src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    return f"{package.folder}/{package.entry}"
