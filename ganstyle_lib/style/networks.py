"""Feed-forward stylisation networks: one forward pass instead of hundreds of optimisation steps.

* :func:`transformer_net` -- the image transformation network of Johnson, Alahi &
  Fei-Fei (ECCV 2016), declared layer by layer like the paper's table, with
  reflection padding, nearest-neighbour upsampling followed by a convolution
  (not a transposed convolution: no checkerboard artefacts, Odena et al. 2016),
  instance normalisation and a width multiplier;
* :class:`InstanceNormalization` (Ulyanov, Vedaldi & Lempitsky 2016) and its
  functional form :func:`instance_norm`;
* :class:`ConditionalInstanceNormalization` (Dumoulin, Shlens & Kudlur, ICLR 2017):
  one network, ``N`` styles, each with its own scale and shift per channel; a
  style-weight vector ``w`` (B, N) selects (one-hot) or mixes them, and the mix
  is linear in the parameters: ``gamma = w @ Gamma``, ``beta = w @ Beta``;
* :func:`adain`, :class:`AdaIN` and :class:`AdaINStylizer` (Huang & Belongie,
  ICCV 2017): any style in one pass -- a VGG19 encoder up to ``block4_conv1``
  (relu4_1; a shallower layer such as ``block3_conv1`` for small CPU budgets),
  adaptive instance normalisation of the content features to the
  style features' per-channel mean and standard deviation, and a decoder that
  mirrors the encoder; ``alpha`` trades content against style.

Images are float32 ``(B, H, W, 3)`` in ``[0, 1]`` in and out. The output
layers end in a **sigmoid**, so every output is in ``[0, 1]`` without
clipping (Johnson et al. used ``150 tanh(x)`` on mean-centred pixels; a
sigmoid is the same S-curve, ``sigmoid(x) = (tanh(x/2) + 1) / 2``, mapped to the
course's range). Any height and width work: the transformer network crops its
upsampled maps back to the input size (e.g. 257x321 -> 257x321), the AdaIN
stylizer reflect-pads to a multiple of its encoder's stride (8 at relu4_1) and crops back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

__all__ = [
    "EPSILON",
    "instance_norm",
    "adain",
    "ReflectionPadding2D",
    "ConvLayer",
    "UpsampleConvLayer",
    "CropLike",
    "ResidualOutput",
    "InstanceNormalization",
    "ConditionalInstanceNormalization",
    "ResidualBlock",
    "AdaIN",
    "transformer_net",
    "adain_decoder",
    "AdaINStylizer",
    "conv_flops",
    "count_params",
]

EPSILON = 1e-5
_PKG = "ganstyle"


# --------------------------------------------------------------------------- functions


def instance_norm(x: Any, epsilon: float = EPSILON) -> tf.Tensor:
    """Normalise each sample and each channel over its positions: ``(x - mean) / sqrt(var + eps)``.

    ``x`` ``(B, H, W, C)`` -> same shape; for every ``b, c`` the map ``x[b, :, :, c]``
    comes out with mean 0 and variance ``var / (var + eps)`` (about 1). Unlike
    batch normalisation nothing is shared between the images of a batch, so a
    picture's contrast is removed whatever else is in the batch, in training
    and at test time alike (Ulyanov et al. 2016).
    """
    x = ops.convert_to_tensor(x, "float32")
    mean, var = ops.moments(x, axes=[1, 2], keepdims=True)
    return (x - mean) * ops.rsqrt(var + epsilon)


def scale_and_shift(x: Any, gamma: Any, beta: Any, epsilon: float = EPSILON) -> tf.Tensor:
    """``gamma * instance_norm(x) + beta`` in float32, with the per-channel numbers folded first.

    ``x`` ``(B, H, W, C)``; ``gamma``, ``beta`` broadcast against ``(B, 1, 1, C)``. The same
    arithmetic as the formula, reordered: ``scale = gamma / sqrt(var + eps)`` and
    ``shift = beta - mean * scale`` are ``(B, 1, 1, C)``, so the big tensor is read for its
    statistics and then touched by one multiply and one add, instead of four element-wise
    passes. Why it matters: at 1024 x 683 the norms of the transformer network took a fifth
    of its CPU time.
    """
    x = ops.convert_to_tensor(x, "float32")
    mean, var = ops.moments(x, axes=[1, 2], keepdims=True)
    scale = gamma * ops.rsqrt(var + epsilon)
    return x * scale + (beta - mean * scale)


def adain(content: Any, style: Any, epsilon: float = EPSILON) -> tf.Tensor:
    """Adaptive instance normalisation: ``sigma(s) * (c - mu(c)) / sigma(c) + mu(s)`` per sample and channel.

    ``content`` ``(B, H, W, C)``, ``style`` ``(B, H', W', C)`` (sizes may differ);
    ``mu``, ``sigma`` are the mean and ``sqrt(var + eps)`` over the positions.
    The output has the content's layout and the style's per-channel mean and
    standard deviation (Huang & Belongie 2017). No learned parameters.
    """
    content = ops.convert_to_tensor(content, "float32")
    style = ops.convert_to_tensor(style, "float32")
    s_mean, s_var = ops.moments(style, axes=[1, 2], keepdims=True)
    return instance_norm(content, epsilon) * ops.sqrt(s_var + epsilon) + s_mean


# --------------------------------------------------------------------------- blocks


@keras.saving.register_keras_serializable(_PKG)
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the border: no dark frame, unlike zero padding."""

    def __init__(self, padding: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect") if p else x

    def compute_output_shape(self, shape):
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (shape[0], grow(shape[1]), grow(shape[2]), shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(_PKG)
class ConvLayer(keras.layers.Layer):
    """Reflection padding then a 'valid' convolution: the output size is ``ceil(input / stride)``."""

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.pad = ReflectionPadding2D(self.kernel_size // 2, name="pad")
        self.conv = keras.layers.Conv2D(
            self.filters, self.kernel_size, strides=self.strides, padding="valid", name="conv"
        )

    def build(self, shape):
        self.conv.build(self.pad.compute_output_shape(shape))
        self.built = True

    def call(self, x):
        return self.conv(self.pad(x))

    def compute_output_shape(self, shape):
        down = lambda n: None if n is None else -(-n // self.strides)  # noqa: E731
        return (shape[0], down(shape[1]), down(shape[2]), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
        }


@keras.saving.register_keras_serializable(_PKG)
class UpsampleConvLayer(ConvLayer):
    """Nearest-neighbour x2 upsampling then a convolution: learns to upsample without checkerboards."""

    def __init__(self, filters: int, kernel_size: int, upsample: int = 2, **kwargs: Any) -> None:
        kwargs.pop("strides", None)
        super().__init__(filters, kernel_size, 1, **kwargs)
        self.upsample = int(upsample)
        self.up = keras.layers.UpSampling2D(self.upsample, interpolation="nearest", name="up")

    def build(self, shape):
        super().build(self.up.compute_output_shape(shape))

    def call(self, x):
        return super().call(self.up(x))

    def compute_output_shape(self, shape):
        up = lambda n: None if n is None else n * self.upsample  # noqa: E731
        return (shape[0], up(shape[1]), up(shape[2]), self.filters)

    def get_config(self):
        config = super().get_config()
        config.pop("strides")
        return {**config, "upsample": self.upsample}


@keras.saving.register_keras_serializable(_PKG)
class CropLike(keras.layers.Layer):
    """Crop ``x`` to the height and width of ``reference`` (top-left): undoes rounding up by stride-2 layers."""

    def call(self, inputs):
        x, reference = inputs
        shape = ops.shape(reference)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, shapes):
        x, reference = shapes
        return (x[0], reference[1], reference[2], x[3])


@keras.saving.register_keras_serializable(_PKG)
class ResidualOutput(keras.layers.Layer):
    """``sigmoid(delta + logit(image))``: the network outputs a *change* to its input, in [0, 1].

    With the last convolution initialised to zero the untrained network is the
    identity, so training starts from the photograph. Caution (notebook 05): with
    an untrained VGG19 loss network and a style brighter than the photograph,
    300 steps from this start found saturated white blobs (a cheap way to raise
    the Gram statistics) or, with a larger content weight, stayed the identity;
    the plain sigmoid output, trained from scratch, learned palette and strokes.
    """

    def call(self, inputs):
        delta, image = inputs
        image = ops.clip(image, 1e-3, 1.0 - 1e-3)
        return ops.sigmoid(delta + ops.log(image) - ops.log1p(-image))

    def compute_output_shape(self, shapes):
        return shapes[0]


@keras.saving.register_keras_serializable(_PKG)
class InstanceNormalization(keras.layers.Layer):
    """Instance normalisation (Ulyanov et al. 2016) with a learned scale and shift per channel.

    ``(B, H, W, C)`` -> same shape: ``gamma * instance_norm(x) + beta``. Equal to
    ``keras.layers.GroupNormalization(groups=-1)``, written out to be read.
    """

    def __init__(self, epsilon: float = EPSILON, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, shape):
        channels = shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x):
        # In float32 (statistics of 16-bit numbers are poor); out in the layer's compute dtype,
        # which is 16-bit under mixed precision.
        y = scale_and_shift(x, ops.cast(self.gamma, "float32"), ops.cast(self.beta, "float32"), self.epsilon)
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, shape):
        return shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(_PKG)
class ConditionalInstanceNormalization(keras.layers.Layer):
    """Instance normalisation with one ``(gamma, beta)`` per style (Dumoulin et al. 2017).

    Called on ``[x, w]``: features ``x`` ``(B, H, W, C)`` and style weights ``w``
    ``(B, N)`` (one-hot to pick style ``n``; any weights summing to 1 to mix).
    Returns ``(w @ Gamma) * instance_norm(x) + (w @ Beta)`` where ``Gamma``,
    ``Beta`` are ``(N, C)``: the scale and shift are *linear* in ``w``. A style
    costs only ``2 C`` numbers per normalisation layer; the convolutions are shared.
    """

    def __init__(self, num_styles: int, epsilon: float = EPSILON, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(num_styles) < 1:
            raise ValueError(f"num_styles must be >= 1, got {num_styles}")
        self.num_styles = int(num_styles)
        self.epsilon = float(epsilon)

    def build(self, shapes):
        channels = shapes[0][-1]
        self.gamma = self.add_weight(shape=(self.num_styles, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_styles, channels), initializer="zeros", name="beta")

    def call(self, inputs):
        x, weights = inputs
        weights = ops.cast(weights, "float32")
        gamma = ops.matmul(weights, ops.cast(self.gamma, "float32"))[:, None, None, :]  # (B, 1, 1, C)
        beta = ops.matmul(weights, ops.cast(self.beta, "float32"))[:, None, None, :]
        return ops.cast(scale_and_shift(x, gamma, beta, self.epsilon), self.compute_dtype)

    def compute_output_shape(self, shapes):
        return shapes[0]

    def get_config(self):
        return {**super().get_config(), "num_styles": self.num_styles, "epsilon": self.epsilon}


def _norm_layer(kind: str, num_styles: int, name: str) -> keras.layers.Layer:
    if kind == "instance":
        return (
            ConditionalInstanceNormalization(num_styles, name=name) if num_styles else InstanceNormalization(name=name)
        )
    if kind == "batch":
        if num_styles:
            raise ValueError("several styles need norm='instance' (conditional instance normalisation)")
        return keras.layers.BatchNormalization(epsilon=EPSILON, name=name)
    if kind == "none":
        return keras.layers.Identity(name=name)
    raise ValueError(f"norm must be 'instance', 'batch' or 'none', got {kind!r}")


@keras.saving.register_keras_serializable(_PKG)
class ResidualBlock(keras.layers.Layer):
    """``x + norm2(conv2(relu(norm1(conv1(x)))))``: the block only learns a *change* to x (He et al. 2016).

    Two 3x3 reflection-padded convolutions keeping ``channels``; with ``num_styles``
    the norms are conditional and the block is called on ``[x, style_weights]``.
    Johnson et al. drop the ReLU after the addition (as in Gross & Wilber 2016).
    """

    def __init__(self, channels: int, norm: str = "instance", num_styles: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels, self.norm, self.num_styles = int(channels), norm, int(num_styles)
        self.conv1 = ConvLayer(self.channels, 3, name="conv1")
        self.norm1 = _norm_layer(norm, self.num_styles, "norm1")
        self.conv2 = ConvLayer(self.channels, 3, name="conv2")
        self.norm2 = _norm_layer(norm, self.num_styles, "norm2")

    def build(self, shapes):
        shape = shapes[0] if self.num_styles else shapes
        self.conv1.build(shape)
        self.conv2.build(shape)
        norm_shape = [shape, (shape[0], self.num_styles)] if self.num_styles else shape
        self.norm1.build(norm_shape)
        self.norm2.build(norm_shape)
        self.built = True

    def _norm(self, layer, x, weights, training):
        if self.num_styles:
            return layer([x, weights])
        return layer(x, training=training) if self.norm == "batch" else layer(x)

    def call(self, inputs, training=None):
        x, weights = inputs if self.num_styles else (inputs, None)
        y = ops.relu(self._norm(self.norm1, self.conv1(x), weights, training))
        y = self._norm(self.norm2, self.conv2(y), weights, training)
        return x + y

    def compute_output_shape(self, shapes):
        return shapes[0] if self.num_styles else shapes

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "norm": self.norm, "num_styles": self.num_styles}


@keras.saving.register_keras_serializable(_PKG)
class AdaIN(keras.layers.Layer):
    """:func:`adain` as a layer, called on ``[content_features, style_features]``."""

    def __init__(self, epsilon: float = EPSILON, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        content, style = inputs
        return ops.cast(adain(content, style, self.epsilon), self.compute_dtype)

    def compute_output_shape(self, shapes):
        return shapes[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


# --------------------------------------------------------------------------- Johnson et al. 2016


def transformer_net(
    width: float = 1.0,
    *,
    norm: str = "instance",
    num_styles: int = 0,
    residual_output: bool = False,
    input_shape: Sequence[int | None] = (None, None, 3),
    name: str | None = None,
) -> keras.Model:
    """The image transformation network of Johnson et al. (2016), supplementary Table 1.

    ====================  ==============================  ================
    layer                 what                            output
    ====================  ==============================  ================
    conv1                 9x9 conv, 32, stride 1          H x W x 32
    conv2                 3x3 conv, 64, stride 2          H/2 x W/2 x 64
    conv3                 3x3 conv, 128, stride 2         H/4 x W/4 x 128
    res1 ... res5         residual blocks, 128            H/4 x W/4 x 128
    up1                   x2 nearest, 3x3 conv, 64        H/2 x W/2 x 64
    up2                   x2 nearest, 3x3 conv, 32        H x W x 32
    conv_out              9x9 conv, 3, sigmoid            H x W x 3
    ====================  ==============================  ================

    Every convolution but the last is followed by normalisation and ReLU.
    ``width`` multiplies every channel count (0.5: a quarter of the multiply-adds).
    ``norm``: ``"instance"`` (the course's and Ulyanov et al.'s choice),
    ``"batch"`` (Johnson et al.'s original, for the ablation) or ``"none"``.
    ``num_styles`` > 0 makes the norms conditional (Dumoulin et al. 2017) and adds
    a second input ``style_weights`` ``(B, num_styles)``.
    ``residual_output=True`` (not in the paper): the last convolution starts at
    zero and its output is added to the input's logit before the sigmoid
    (:class:`ResidualOutput`), so the untrained network returns its input and
    training only has to learn the change of style (see the caution there).

    Input ``(B, H, W, 3)`` in [0, 1], any ``H, W`` (odd sizes included); output
    the same shape in [0, 1].
    """
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    ch = lambda n: max(1, int(round(n * width)))  # noqa: E731
    image = keras.Input(shape=tuple(input_shape), name="image")
    inputs = [image]
    weights = None
    if num_styles:
        weights = keras.Input(shape=(int(num_styles),), name="style_weights")
        inputs.append(weights)

    def norm_relu(x, label):
        layer = _norm_layer(norm, num_styles, f"{label}_norm")
        x = layer([x, weights]) if num_styles else layer(x)
        return keras.layers.ReLU(name=f"{label}_relu")(x)

    def res(x, label):
        block = ResidualBlock(ch(128), norm=norm, num_styles=num_styles, name=label)
        return block([x, weights]) if num_styles else block(x)

    x = norm_relu(ConvLayer(ch(32), 9, 1, name="conv1")(image), "conv1")
    x = norm_relu(ConvLayer(ch(64), 3, 2, name="conv2")(x), "conv2")
    x = norm_relu(ConvLayer(ch(128), 3, 2, name="conv3")(x), "conv3")
    for i in range(1, 6):
        x = res(x, f"res{i}")
    x = norm_relu(UpsampleConvLayer(ch(64), 3, name="up1")(x), "up1")
    x = norm_relu(UpsampleConvLayer(ch(32), 3, name="up2")(x), "up2")
    x = CropLike(name="crop")([x, image])  # 257 -> 129 -> 65 -> 130 -> 260 -> 257
    last = ConvLayer(3, 9, 1, name="conv_out")
    x = last(x)
    if residual_output:
        last.conv.kernel.assign(ops.zeros_like(last.conv.kernel))
        out = ResidualOutput(name="to_01")([x, image])
    else:
        out = keras.layers.Activation("sigmoid", name="to_01")(x)
    default = (
        f"transformer_w{width:g}_{norm}"
        + ("_residual" if residual_output else "")
        + (f"_{num_styles}styles" if num_styles else "")
    )
    return keras.Model(inputs if num_styles else image, out, name=name or default)


# --------------------------------------------------------------------------- Huang & Belongie 2017

ADAIN_LAYERS: tuple[str, ...] = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")


#: Channels of VGG19's first convolution of each block, and how many x2 poolings precede it.
_VGG_BLOCKS: dict[str, tuple[int, int]] = {
    "block1_conv1": (64, 0),
    "block2_conv1": (128, 1),
    "block3_conv1": (256, 2),
    "block4_conv1": (512, 3),
}


def adain_decoder(width: float = 1.0, *, layer: str = "block4_conv1", name: str = "adain_decoder") -> keras.Model:
    """The decoder of Huang & Belongie (2017): VGG19 up to ``layer`` (relu4_1 in the paper), mirrored.

    Pooling becomes nearest x2 upsampling; no normalisation (it would undo the
    statistics AdaIN just set). For ``layer="block4_conv1"``
    ``(B, h, w, 512)`` -> ``(B, 8h, 8w, 3)`` in [0, 1]; a shallower layer keeps
    only the matching tail (``block3_conv1``: ``(B, h, w, 256)`` -> ``(B, 4h, 4w, 3)``,
    ``block2_conv1``: 128 channels, x2).

    ====================  ====================
    layer                 channels (width 1)
    ====================  ====================
    dec4_1                512 -> 256, up x2
    dec3_4 ... dec3_2     256 (x3)
    dec3_1                128, up x2
    dec2_2                128
    dec2_1                64, up x2
    dec1_2                64
    dec1_1 (sigmoid)      3
    ====================  ====================
    """
    if layer not in _VGG_BLOCKS or layer == "block1_conv1":
        raise ValueError(f"layer must be one of {sorted(_VGG_BLOCKS)[1:]}, got {layer!r}")
    channels, depth = _VGG_BLOCKS[layer]
    ch = lambda n: max(1, int(round(n * width)))  # noqa: E731
    feats = keras.Input(shape=(None, None, channels), name="features")

    def conv(x, n, label, relu=True):
        x = ConvLayer(n, 3, name=label)(x)
        return keras.layers.ReLU(name=f"{label}_relu")(x) if relu else x

    up = lambda x, label: keras.layers.UpSampling2D(2, interpolation="nearest", name=label)(x)  # noqa: E731
    x = feats
    if depth >= 3:
        x = up(conv(x, ch(256), "dec4_1"), "up3")
        for i in (4, 3, 2):
            x = conv(x, ch(256), f"dec3_{i}")
    if depth >= 2:
        x = up(conv(x, ch(128), "dec3_1"), "up2")
        x = conv(x, ch(128), "dec2_2")
    x = up(conv(x, ch(64), "dec2_1"), "up1")
    x = conv(x, ch(64), "dec1_2")
    x = conv(x, 3, "dec1_1", relu=False)
    out = keras.layers.Activation("sigmoid", name="to_01")(x)
    return keras.Model(feats, out, name=name)


class AdaINStylizer:
    """Arbitrary style transfer in one pass (Huang & Belongie 2017).

    ``encoder``: a :class:`~ganstyle_lib.style.features.VGGFeatures` computing at
    least ``layer`` (default ``block4_conv1``, relu4_1, as the paper), fixed;
    ``decoder``: from :func:`adain_decoder` for that layer, trained (see
    :mod:`ganstyle_lib.style.training`). Calling it on
    ``content`` ``(B, H, W, 3)`` and ``style`` ``(B or 1, H', W', 3)`` in [0, 1]::

        t = alpha * AdaIN(f(content), f(style)) + (1 - alpha) * f(content)
        output = decoder(t)                  # (B, H, W, 3) in [0, 1]

    ``alpha`` = 1: full style; 0: the decoder's reconstruction of the content.
    ``layer="block3_conv1"`` (relu3_1, stride 4) keeps more of the photograph's
    layout and colour for a decoder trained only a few hundred steps (notebook 05:
    after 300 CPU steps a relu4_1 decoder still returned a grey, colourless image).
    Any size: the content is reflect-padded to a multiple of the encoder's
    stride (8 at relu4_1, 4 at relu3_1) and the output cropped back.
    The decoder sees ``t * feature_scale``, one constant that brings the encoder's
    features to a root-mean-square of about 1 (measured once on a noise image).
    """

    def __init__(
        self, encoder=None, decoder: keras.Model | None = None, *, width: float = 1.0, layer: str = "block4_conv1"
    ) -> None:
        if encoder is None:
            from .features import VGGFeatures

            encoder = VGGFeatures(ADAIN_LAYERS)
        if layer not in encoder.layers:
            raise ValueError(f"the encoder must compute {layer!r}; it computes {list(encoder.layers)}")
        self.encoder, self.layer = encoder, layer
        self.decoder = decoder or adain_decoder(width, layer=layer)
        self.multiple = 2 ** _VGG_BLOCKS[layer][1] if layer in _VGG_BLOCKS else 8  # the encoder's total stride
        # Deep features of VGG's 0..255 inputs are large (untrained weights: thousands), which would
        # saturate the decoder's sigmoid from the first step; one fixed factor brings them to RMS ~1.
        probe = np.random.default_rng(0).uniform(size=(1, 64, 64, 3)).astype(np.float32)
        rms = float(tf.sqrt(tf.reduce_mean(tf.square(self.encode(probe)[layer]))))
        self.feature_scale = 1.0 / max(rms, 1e-6)

    def decode(self, features: tf.Tensor, training: bool = False) -> tf.Tensor:
        """The decoder applied to features of ``layer`` (rescaled by ``feature_scale``)."""
        return self.decoder(features * self.feature_scale, training=training)

    def encode(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        """``{layer: features}`` of ``[0, 1]`` images, differentiable (used in training)."""
        from .features import preprocess

        return self.encoder.model(preprocess(images), training=False)

    def transfer_features(self, content: tf.Tensor, style: tf.Tensor, alpha: float | tf.Tensor = 1.0) -> tf.Tensor:
        """``t = alpha * adain(f(c), f(s)) + (1 - alpha) * f(c)`` at ``layer``."""
        fc = self.encode(content)[self.layer]
        fs = self.encode(style)[self.layer]
        if fs.shape[0] == 1 and fc.shape[0] != 1:
            fs = tf.repeat(fs, tf.shape(fc)[0], axis=0)
        return alpha * adain(fc, fs) + (1.0 - alpha) * fc

    def __call__(self, content: Any, style: Any, alpha: float = 1.0) -> tf.Tensor:
        content = tf.convert_to_tensor(content, tf.float32)
        style = tf.convert_to_tensor(style, tf.float32)
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        h, w = content.shape[1], content.shape[2]
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        padded = tf.pad(content, [[0, 0], [0, ph], [0, pw], [0, 0]], mode="REFLECT") if ph or pw else content
        out = self.decode(self.transfer_features(padded, style, alpha))
        return out[:, :h, :w, :]


# --------------------------------------------------------------------------- accounting


def count_params(model: keras.Model) -> int:
    """Number of trainable parameters."""
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def conv_flops(model: keras.Model, height: int, width: int) -> float:
    """Floating-point operations of one forward pass on an ``height x width`` image, counted layer by layer.

    Counts 2 FLOPs per multiply-add of every ``Conv2D`` (the output positions
    times ``k*k*C_in*C_out``); normalisation, ReLU, padding and upsampling are
    element-wise and add well under 1 % -- left out. Shapes are found by
    running the model once on zeros.
    """
    counts: list[float] = []
    convs = [l for l in _all_layers(model) if isinstance(l, keras.layers.Conv2D)]
    originals = {}
    for layer in convs:
        originals[layer] = layer.call

        def wrapped(x, _layer=layer, _call=layer.call):
            y = _call(x)
            k = np.prod(_layer.kernel.shape[:3])
            counts.append(2.0 * float(np.prod(y.shape[1:3])) * float(k) * float(_layer.filters) * float(y.shape[0]))
            return y

        layer.call = wrapped
    try:
        inputs = [np.zeros((1, height, width, 3), np.float32)]
        if isinstance(model.input, (list, tuple)):
            n = model.input[1].shape[-1]
            inputs.append(np.full((1, n), 1.0 / n, np.float32))
        model(inputs if len(inputs) > 1 else inputs[0], training=False)
    finally:
        for layer, call in originals.items():
            layer.call = call
    return float(sum(counts))


def _all_layers(layer) -> list:
    out = []
    for sub in getattr(layer, "_layers", None) or getattr(layer, "layers", []) or []:
        out.append(sub)
        out.extend(_all_layers(sub))
    return out
