"""Atomic file writes (a reader never sees half a file, a crash leaves the old one), and file digests.

Every file the course writes that someone may rely on (downloads, executed
notebooks, images, checkpoints' companions) goes through :func:`atomic_write`:
write to a temporary file in the *same* directory, flush it to disk, then
``os.replace`` it over the target -- a rename, which is atomic on POSIX and
Windows when source and target share a filesystem.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["CHUNK_SIZE", "atomic_path", "atomic_write", "atomic_write_bytes", "atomic_write_text", "file_digests"]

CHUNK_SIZE = 1 << 20
"""Bytes read (and hashed) at a time when copying or hashing a file: 1 MiB, so memory stays flat."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` (same suffix); on success rename it to ``path``.

    For writers that want a file name rather than a handle (``model.save``,
    ``imageio``). On an exception the temporary file is removed and ``path``
    is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real suffix: writers such as model.save() and imageio choose the format by it.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; course outputs are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is untouched::

        with atomic_write("out.png") as f:
            f.write(png_bytes)
    """
    if mode not in {"w", "wb"}:
        raise ValueError(f"atomic_write opens files for writing only ('w' or 'wb'), not {mode!r}")
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return the path."""
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)


def file_digests(path: str | os.PathLike, *algos: str) -> dict[str, str]:
    """``{algorithm: hex digest}`` of a file for each of ``algos`` (``"sha256"``, ``"md5"``, ...), one pass."""
    digests = {algo: hashlib.new(algo) for algo in algos}
    with Path(path).open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            for d in digests.values():
                d.update(chunk)
    return {algo: d.hexdigest() for algo, d in digests.items()}
