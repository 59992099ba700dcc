"""Style networks that ship with the course, ready to use: ``load_style_network("starry_night")``.

Each is a transformer network (:func:`networks.transformer_net`) trained by
``scripts/train_style_networks.py`` on ImageNet VGG19 features, stored as package data in
``ganstyle_lib/data/style_networks/<name>.npz``: the weights in float16 (half the bytes;
the network computes in float32) and, under ``"record"``, a JSON record of how it was
trained (painting file and its sha256, settings, steps, time, machine, held-out quality).
How they were made and what they measure: ``data/style_networks.md`` in the repository.

A file is checked before use: its weights' SHA-256 must equal the one stored beside them,
so a truncated or altered file is refused with a message instead of painting noise.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NETWORKS_DIR", "available", "load", "load_style_network", "read_record", "save"]

#: Where the shipped networks live (package data: present in a wheel as in a checkout).
NETWORKS_DIR = Path(__file__).resolve().parent.parent / "data" / "style_networks"

#: Architecture keys of the record: what :func:`networks.transformer_net` needs to rebuild the network.
_ARCHITECTURE = ("width", "norm", "num_styles", "residual_output")


def _digest(arrays: list[np.ndarray]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def save(transformer: Any, path: str | os.PathLike, record: dict[str, Any]) -> Path:
    """Write ``transformer``'s weights (float16) and ``record`` to ``path`` (``.npz``), atomically.

    ``record`` must hold the architecture (``width``; ``norm``, ``num_styles`` and
    ``residual_output`` default to the single-style instance-norm network) under
    ``settings`` or at its top level; anything else in it is kept for the reader.
    """
    from ..fileio import atomic_write_bytes

    arrays = [np.asarray(w.numpy(), np.float16) for w in transformer.weights]
    settings = {**record, **record.get("settings", {})}
    architecture = dict(
        width=float(settings["width"]),
        norm=settings.get("norm", "instance"),
        num_styles=int(settings.get("num_styles", 0)),
        residual_output=bool(settings.get("residual_output", False)),
    )
    meta = dict(record, architecture=architecture, weights_sha256=_digest(arrays))
    buffer = io.BytesIO()
    members: dict[str, np.ndarray] = {f"w{i:03d}": a for i, a in enumerate(arrays)}
    members["record"] = np.array(json.dumps(meta, default=float))
    np.savez_compressed(buffer, **members)  # type: ignore[arg-type]  # numpy stubs type **kwds like allow_pickle
    return atomic_write_bytes(path, buffer.getvalue())


def _open(path: Path) -> tuple[dict[str, Any], list[np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["record"]))
            arrays = [npz[k] for k in sorted(k for k in npz.files if k.startswith("w"))]
    except Exception as err:  # a zip, JSON or array error: all mean the file is damaged
        raise ValueError(
            f"{path} is not a readable style network ({type(err).__name__}: {err}); "
            "reinstall the course (pip install --force-reinstall) or retrain it with "
            "scripts/train_style_networks.py"
        ) from err
    if _digest(arrays) != meta.get("weights_sha256"):
        raise ValueError(
            f"{path} is damaged: its weights do not match their stored SHA-256; reinstall the "
            "course (pip install --force-reinstall) or retrain it with scripts/train_style_networks.py"
        )
    return meta, arrays


def read_record(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON record stored in a network file (checked like :func:`load`)."""
    return _open(Path(path))[0]


def load(path: str | os.PathLike) -> Any:
    """Rebuild the network stored at ``path``: a ``keras.Model`` mapping ``(B, H, W, 3)`` in [0, 1] to the same."""
    from .networks import transformer_net

    meta, arrays = _open(Path(path))
    net = transformer_net(**meta["architecture"])
    if len(net.weights) != len(arrays):
        raise ValueError(
            f"{path} holds {len(arrays)} weight arrays, the network needs {len(net.weights)}; "
            "the file was written by another version of the course"
        )
    for variable, value in zip(net.weights, arrays):
        if tuple(variable.shape) != value.shape:
            raise ValueError(
                f"{path}: weight {variable.path} has shape {value.shape}, expected "
                f"{tuple(variable.shape)}; the file was written by another version of the course"
            )
        variable.assign(value.astype(np.float32))
    return net


def available() -> dict[str, Path]:
    """``{style name: file}`` of every shipped network, sorted by name."""
    return {p.stem: p for p in sorted(NETWORKS_DIR.glob("*.npz"))} if NETWORKS_DIR.is_dir() else {}


def load_style_network(name: str) -> Any:
    """The shipped network for painting ``name`` (see :func:`available`); an unknown name suggests the closest."""
    networks = available()
    if name not in networks:
        close = difflib.get_close_matches(name, list(networks), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise LookupError(f"no shipped style network {name!r}; {hint}shipped: {', '.join(networks) or 'none'}")
    return load(networks[name])
