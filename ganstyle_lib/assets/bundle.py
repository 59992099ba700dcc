"""Bundles: cached files packed into one archive for workshops without network.

An instructor runs :func:`pack` (``ganstyle assets pack``) on a connected machine, hands out
the ``.tar.gz`` on a USB stick, and learners run :func:`unpack` (``ganstyle assets unpack
BUNDLE``), which checks every file before installing it into the cache.

A bundle is a .tar.gz holding manifest.json and the files it lists. Two sorts of file travel
in it, both described by a ``_BundleFile``: registered assets (datasets, weights, paintings)
and the pinned npm tarballs the slides and the HTML book load (reveal.js, require.js, jQuery,
the widget renderer; see :mod:`ganstyle_lib.course.webassets`). Both are checked the same way:
the sha256 in the manifest *and* the checksum this course pins.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from .. import config
from ..fileio import CHUNK_SIZE, file_digests
from .cache import path_for
from .registry import REGISTRY, Asset, AssetError, ChecksumError, resolve

if TYPE_CHECKING:
    from ..course.webassets import NpmPackage

__all__ = ["NPM_KIND", "pack", "unpack"]

_MANIFEST = "manifest.json"
_BUNDLE_FORMAT = "ganstyle-asset-bundle"
_BUNDLE_VERSION = 2  # 2: entries of kind "npm" may appear (see NPM_KIND)

NPM_KIND = "npm"
"""Manifest ``kind`` of a pinned npm tarball (see :data:`ganstyle_lib.course.webassets.PACKAGES`).

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


def _npm_file(package: NpmPackage, cache_folder: str) -> _BundleFile:
    return _BundleFile(
        package.spec,
        NPM_KIND,
        f"{cache_folder}/{package.tarball_name}",
        package.checksum,
        "ganstyle_lib/course/webassets.py",
        "The next `ganstyle slides` fetches it again with npm.",
    )


def _pinned_npm_files() -> dict[str, _BundleFile]:
    """The pinned npm tarballs by spec (``"reveal.js@4.0.2"``).

    Reads :data:`webassets.PACKAGES` on every call, so the tests can swap in
    a package whose tarball they write themselves. Imported here, not at the top: the ML
    library imports ``ganstyle_lib.assets``, and only bundles need the course tooling's npm pins
    (``tests/test_layering.py``).
    """
    from ..course import webassets

    return {package.spec: _npm_file(package, webassets.CACHE_FOLDER) for package in webassets.PACKAGES}


def _verified_manifest_entry(file: _BundleFile) -> dict[str, Any]:
    """The manifest entry of a cached file, after checking it against its pinned checksum."""
    path = file.path
    algos = {"sha256"} | ({file.checksum[0]} if file.checksum else set())
    digests = file_digests(path, *sorted(algos))
    if file.checksum and digests[file.checksum[0]] != file.checksum[1]:
        algo, expected = file.checksum
        raise ChecksumError.mismatch(
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
    named = [resolve(n) for n in names]
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
            while chunk := src.read(CHUNK_SIZE):
                out.write(chunk)
                for d in digests.values():
                    d.update(chunk)
        actual = {algo: d.hexdigest() for algo, d in digests.items()}
        source = f"in bundle {archive}"
        if actual["sha256"] != entry["sha256"]:
            raise ChecksumError.mismatch(
                file.name,
                "sha256",
                str(entry["sha256"]),
                actual["sha256"],
                source + " (vs. its manifest)",
                "The bundle is damaged; copy it again or ask for a new one.",
            )
        if file.checksum and actual[file.checksum[0]] != file.checksum[1]:
            algo, expected = file.checksum
            raise ChecksumError.mismatch(
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
    checksum, or the npm ``integrity`` in :mod:`ganstyle_lib.course.webassets`;
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


def _temp_file_next_to(path: Path) -> tuple[IO[bytes], Path]:
    """An open temporary file in ``path``'s directory, so ``os.replace`` is atomic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    return os.fdopen(fd, "wb"), Path(name)


def _install(tmp: Path, path: Path) -> None:
    """Move a verified temporary file into place (atomic, readable by everyone)."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
