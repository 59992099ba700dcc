"""Training feed-forward stylisation networks with perceptual losses (Johnson et al. 2016).

The transformer network ``T`` is trained once per style (or once for ``N``
styles with conditional instance normalisation) on many content photographs
``x`` so that, measured by a fixed loss network (VGG19, :mod:`.features`),

.. math::

    \\mathcal{L}(x) = \\lambda_c \\mathcal{L}_{content}(T(x), x)
                  + \\lambda_s \\mathcal{L}_{style}(T(x), s)
                  + \\lambda_{TV} \\mathcal{L}_{TV}(T(x))

is small -- the same three terms as optimisation-based transfer, with the
normalised convention of :mod:`.losses`; only the *parameters* that change are
the network's, not the picture's.

* :class:`PerceptualTrainer` -- a ``keras.Model`` whose ``train_step`` calls the
  plain function :meth:`PerceptualTrainer.style_step` (a distributed custom
  loop can call the same step: ``strategy.run(trainer.style_step, (batch,))``),
  so ``fit()``, the Keras progress bar, checkpoints and TensorBoard all work;
* :class:`AdaINTrainer` -- trains the decoder of an
  :class:`~.networks.AdaINStylizer` (Huang & Belongie 2017);
* :func:`content_images` / :func:`content_dataset` -- content photographs from
  a folder, or offline the photographs bundled with scikit-image/matplotlib,
  as an endless ``tf.data`` stream of random crops, flips and scales;
* :func:`training_callbacks` -- checkpoint (the transformer as a ``.keras``
  file, written atomically), TensorBoard logs, stop on NaN;
* :func:`train_transformer` -- all of the above in one call (used by the CLI).

XLA stays off unless :func:`ganstyle_lib.device.use_xla` says otherwise.
Adapter note: :class:`~.features.VGGFeatures` is called through its
``model`` and :func:`~.features.preprocess` inside the step (its ``__call__``
wraps its own ``tf.function``), exactly as :mod:`.transfer` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .. import config
from ..fileio import atomic_path, atomic_write
from . import losses
from .features import STYLE_LAYERS, VGGFeatures, preprocess
from .networks import ADAIN_LAYERS, AdaINStylizer, transformer_net

__all__ = [
    "CONTENT_LAYERS",
    "TRAIN_STYLE_LAYERS",
    "DEFAULT_WEIGHTS",
    "UNTRAINED_WEIGHTS",
    "weights_for",
    "ADAIN_STYLE_WEIGHT",
    "UNTRAINED_ADAIN_STYLE_WEIGHT",
    "adain_style_weight_for",
    "CONTENT_SAMPLES",
    "IMAGE_SUFFIXES",
    "EAGER_MAX_STEPS",
    "MIN_CROP",
    "content_images",
    "random_crops",
    "content_dataset",
    "PerceptualTrainer",
    "AdaINTrainer",
    "TransformerCheckpoint",
    "StepCheckpoint",
    "TrainingInterrupted",
    "run_fingerprint",
    "save_training_state",
    "read_training_meta",
    "restore_training_state",
    "training_callbacks",
    "save_transformer",
    "load_transformer",
    "train_transformer",
]

#: Content layer of Johnson et al. (relu2_2): low enough to keep edges, high enough to allow re-painting.
CONTENT_LAYERS: tuple[str, ...] = ("block2_conv2",)
#: Style layers (relu1_1 ... relu4_1); block 5 adds cost at 1/16 resolution and little texture.
TRAIN_STYLE_LAYERS: tuple[str, ...] = tuple(STYLE_LAYERS[:4])
#: Loss weights for the normalised losses of :mod:`.losses` (each term is a relative error ~ 1) with
#: **ImageNet** features: content 1, style 5. Measured on a held-out photo (chelsea x wave's stand-in,
#: 300 steps): content 5 / style 1 learned the palette only (mean mid-layer Gram error 0.54); content 1 /
#: style 5 carries the texture (0.37 at 64-px crops, 0.24 at 128-px crops); style 20 is no better (0.38).
#: The one default of :class:`PerceptualTrainer`, :func:`train_transformer` and ``ganstyle train-style``.
DEFAULT_WEIGHTS = dict(content_weight=1.0, style_weight=5.0, tv_weight=0.1)
#: With the **untrained** fallback features the balance is the other way round: content 1 / style 5 lost
#: the photograph there, content 5 / style 1 kept it (notebook 05's earlier measurement).
UNTRAINED_WEIGHTS = dict(content_weight=5.0, style_weight=1.0, tv_weight=0.1)


def weights_for(extractor: VGGFeatures) -> dict[str, float]:
    """:data:`DEFAULT_WEIGHTS` for ImageNet features, :data:`UNTRAINED_WEIGHTS` otherwise (the one place)."""
    return dict(DEFAULT_WEIGHTS if extractor.pretrained else UNTRAINED_WEIGHTS)


#: Style weight of :class:`AdaINTrainer` with **ImageNet** features. Measured in notebook 05's set-up
#: (``block3_conv1`` decoder, chelsea held out, 2026-12-03): style 2 on 64-px crops for 300 steps gave colour
#: casts only (mean mid-layer Gram error 0.50 / 0.61 / 0.53 for the three styles); style 5 on 128-px crops for
#: 200 steps 0.34 / 0.54 / 0.47, with the night sky's specks painted in.
ADAIN_STYLE_WEIGHT = 5.0
#: With the untrained fallback the earlier value stays: it was measured there.
UNTRAINED_ADAIN_STYLE_WEIGHT = 2.0


def adain_style_weight_for(extractor: VGGFeatures) -> float:
    """:data:`ADAIN_STYLE_WEIGHT` for ImageNet features, :data:`UNTRAINED_ADAIN_STYLE_WEIGHT` otherwise."""
    return ADAIN_STYLE_WEIGHT if extractor.pretrained else UNTRAINED_ADAIN_STYLE_WEIGHT


#: Bundled photographs used as content offline (textures are left for styles).
CONTENT_SAMPLES: tuple[str, ...] = ("astronaut", "coffee", "rocket", "grace_hopper", "camera", "chelsea")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: Smallest training crop :func:`train_transformer` accepts: VGG19 halves it three times before relu4_1
#: (16 -> 2 x 2 feature maps); a crop under 8 pixels does not even reach that layer.
MIN_CROP = 16


# --------------------------------------------------------------------------- data


def content_images(source: str | os.PathLike | Sequence[str] | None = None, max_dim: int = 256) -> list[tf.Tensor]:
    """Content photographs as a list of ``(1, H, W, 3)`` float32 images in [0, 1], longer side <= ``max_dim``.

    ``source``: a folder (every image file in it, sorted; sub-folders ignored),
    a list of paths or sample names, or ``None`` for :data:`CONTENT_SAMPLES`
    (photographs bundled with scikit-image and matplotlib: no download).
    """
    from .. import data

    if source is None:
        names: list[Any] = list(CONTENT_SAMPLES)
    elif isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        names = sorted(p for p in Path(source).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not names:
            raise FileNotFoundError(
                f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {source}; put photographs "
                "there, or give no content folder to train on the bundled photographs"
            )
    elif isinstance(source, (str, os.PathLike)):
        raise FileNotFoundError(
            f"content folder {source} does not exist (give a folder of photographs, "
            "or nothing to use the bundled samples)"
        )
    else:
        names = list(source)
    return [data.load_image(n, max_dim=max_dim, upscale=False) for n in names]


def _crop_plan(
    images: Sequence[tf.Tensor], crop: int, batch_size: int, rng: np.random.Generator, scale_range: tuple[float, float]
) -> list[tuple[int, int, int, int, int, bool]]:
    """The random choices of one batch, ``(image index, scaled h, scaled w, top, left, flip)`` per crop.

    Drawn apart from the pixel work so that a resumed run can replay the choices of
    the batches it already trained on cheaply (no resizing) and get the same stream.
    """
    plan = []
    for _ in range(batch_size):
        index = int(rng.integers(len(images)))
        h, w = int(images[index].shape[1]), int(images[index].shape[2])
        s = max(float(rng.uniform(*scale_range)), crop / min(h, w))
        nh, nw = max(crop, round(h * s)), max(crop, round(w * s))
        top, left = int(rng.integers(nh - crop + 1)), int(rng.integers(nw - crop + 1))
        plan.append((index, nh, nw, top, left, bool(rng.random() < 0.5)))
    return plan


def random_crops(
    images: Sequence[tf.Tensor],
    crop: int,
    batch_size: int,
    rng: np.random.Generator,
    scale_range: tuple[float, float] = (0.5, 1.0),
) -> np.ndarray:
    """One batch ``(batch_size, crop, crop, 3)``: random image, random scale, random crop, random flip.

    The scale ``s`` in ``scale_range`` shrinks the image to ``s`` times its size
    (never below ``crop`` on the shorter side), so the network sees objects at
    several sizes; the horizontal flip doubles the views of each photograph.
    """
    batch = np.empty((batch_size, crop, crop, 3), np.float32)
    for i, (index, nh, nw, top, left, flip) in enumerate(_crop_plan(images, crop, batch_size, rng, scale_range)):
        img = images[index]
        scaled = (
            tf.image.resize(img, (nh, nw), antialias=True)[0].numpy()
            if (nh, nw) != tuple(img.shape[1:3])
            else np.asarray(img[0])
        )
        patch = scaled[top : top + crop, left : left + crop]
        batch[i] = patch[:, ::-1] if flip else patch
    return np.clip(batch, 0.0, 1.0)


def content_dataset(
    images: Sequence[tf.Tensor] | None = None,
    *,
    crop: int = 128,
    batch_size: int = 4,
    num_styles: int = 0,
    styles: Sequence[tf.Tensor] | None = None,
    scale_range: tuple[float, float] = (0.5, 1.0),
    seed: int = 0,
    start_step: int = 0,
) -> tf.data.Dataset:
    """An endless ``tf.data`` stream of training batches (use ``steps_per_epoch`` in ``fit``).

    Yields ``(B, crop, crop, 3)`` in [0, 1]; with ``num_styles > 0`` the pair
    ``(images, one_hot)`` where ``one_hot`` ``(B, num_styles)`` picks a random
    style per image (Dumoulin et al. train each style with one-hot weights);
    with ``styles`` (AdaIN) the pair ``(content, style)`` of random crops of both.
    ``images`` default to :func:`content_images` (). Seeded: the same stream every run;
    ``start_step=k`` starts at the stream's batch ``k`` (a resumed run sees exactly
    the batches an uninterrupted one would).
    """
    images = list(images) if images is not None else content_images()
    if not images:
        raise ValueError("no content images to train on")
    for img in images:
        if min(img.shape[1:3]) < 16:
            raise ValueError(f"content image of shape {img.shape} is too small to crop")
    style_list = list(styles) if styles is not None else None

    def generate():
        rng = np.random.default_rng(seed)
        for _ in range(start_step):  # replay the random choices of batches already trained on, no pixels
            _crop_plan(images, crop, batch_size, rng, scale_range)
            if style_list is not None:
                _crop_plan(style_list, crop, batch_size, rng, (0.5, 1.0))
            elif num_styles:
                rng.integers(num_styles, size=batch_size)
        while True:
            x = random_crops(images, crop, batch_size, rng, scale_range)
            if style_list is not None:
                yield x, random_crops(style_list, crop, batch_size, rng, (0.5, 1.0))
            elif num_styles:
                yield x, np.eye(num_styles, dtype=np.float32)[rng.integers(num_styles, size=batch_size)]
            else:
                yield x

    spec = tf.TensorSpec((batch_size, crop, crop, 3), tf.float32)
    if style_list is not None:
        signature: Any = (spec, spec)
    elif num_styles:
        signature = (spec, tf.TensorSpec((batch_size, num_styles), tf.float32))
    else:
        signature = spec
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


# --------------------------------------------------------------------------- the trainer


def _replicas() -> int:
    return tf.distribute.get_strategy().num_replicas_in_sync


#: A ``fit`` of at most this many steps runs eagerly. Tracing the training step (transformer,
#: VGG19 and their gradients) into a graph costs about 10 s on a 2-core CPU: more than a few
#: eager steps take, so a short run (quick mode, a smoke test) finishes sooner without it.
EAGER_MAX_STEPS = 10


class _TrainerBase(keras.Model):
    """What both trainers share: metric trackers, default optimiser, dataset-friendly fit()."""

    _trackers: dict[str, keras.metrics.Metric]
    _asked_eager = False
    run_eagerly: bool  # Keras' own attribute, declared for mypy (which cannot infer it from Keras)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self._trackers.values())

    def compile(self, optimizer: keras.optimizers.Optimizer | None = None, **kwargs: Any) -> None:
        """Adam(1e-3) by default, as Johnson et al.; ``jit_compile`` from ``device.use_xla()`` (off on CPU).

        Under ``mixed_float16`` the optimiser gets loss scaling (:func:`ganstyle_lib.device.loss_scaled`).
        """
        from .. import device

        kwargs.setdefault("jit_compile", device.use_xla())
        self._asked_eager = bool(kwargs.get("run_eagerly", False))
        optimizer = device.loss_scaled(optimizer or keras.optimizers.Adam(1e-3), self)
        super().compile(optimizer=optimizer, **kwargs)

    def fit(self, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Keras ``fit``; a run of at most :data:`EAGER_MAX_STEPS` steps runs eagerly (no graph to trace)."""
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        steps = kwargs.get("steps_per_epoch")
        short = steps is not None and steps * kwargs.get("epochs", 1) <= EAGER_MAX_STEPS and _replicas() == 1
        eager = bool(self._asked_eager or short)
        if eager != self.run_eagerly:  # switching modes: drop the step function built for the other one
            self.run_eagerly = eager
            self.train_function = None
        return super().fit(x, *args, **kwargs)


class PerceptualTrainer(_TrainerBase):
    """Trains ``transformer`` so that ``transformer(x)`` has ``x``'s content and the style(s)' Gram matrices.

    Args:
        transformer: from :func:`~.networks.transformer_net`; with ``num_styles`` it
            takes ``[images, style_weights]``.
        styles: one style image ``(1, H, W, 3)`` in [0, 1], or a list (one per
            style of a multi-style network, in the order of its style weights).
        extractor: the loss network; default VGG19 (ImageNet weights if available,
            otherwise untrained -- see :mod:`.features`) computing the layers below.
        content_layers, style_layers: VGG19 layer names.
        content_weight, style_weight, tv_weight: the lambdas (normalised losses).
        adversary: optional :class:`~.adversarial.PatchAdversary` (single style only):
            its weighted generator loss joins the total as ``adv``, and every step
            also updates its patch discriminator once (``d_loss``). With
            ``style_weight=0`` the discriminator is the only style loss.

    Data for ``fit``: batches ``(B, h, w, 3)``, or ``(images, style_weights)``
    for a multi-style network (see :func:`content_dataset`). Metrics: ``loss``
    (total), ``content``, ``style``, ``tv`` (weighted terms), with an adversary also ``adv``, ``d_loss``.
    """

    def __init__(
        self,
        transformer: keras.Model,
        styles: Any,
        *,
        extractor: VGGFeatures | None = None,
        content_layers: Sequence[str] = CONTENT_LAYERS,
        style_layers: Sequence[str] = TRAIN_STYLE_LAYERS,
        content_weight: float | None = None,
        style_weight: float | None = None,
        tv_weight: float | None = None,
        adversary: Any = None,
        name: str = "perceptual_trainer",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        style_list = list(styles) if isinstance(styles, (list, tuple)) else [styles]
        self.transformer = transformer
        self.num_styles = len(style_list)
        self.conditional = isinstance(transformer.input, (list, tuple))
        if self.conditional:
            n = transformer.input[1].shape[-1]
            if n != self.num_styles:
                raise ValueError(f"the transformer has {n} styles, {self.num_styles} style image(s) were given")
        elif self.num_styles != 1:
            raise ValueError(
                f"{self.num_styles} style images for a single-style network; build it with "
                f"transformer_net(num_styles={self.num_styles})"
            )
        self.content_layers, self.style_layers = tuple(content_layers), tuple(style_layers)
        self.extractor = extractor or VGGFeatures(self.style_layers + self.content_layers)
        missing = sorted(set(self.content_layers + self.style_layers) - set(self.extractor.layers))
        if missing:
            raise ValueError(f"the extractor does not compute {missing}")
        chosen = weights_for(self.extractor)  # a weight left at None: the default for these features
        self.weights_ = dict(
            content=float(chosen["content_weight"] if content_weight is None else content_weight),
            style=float(chosen["style_weight"] if style_weight is None else style_weight),
            tv=float(chosen["tv_weight"] if tv_weight is None else tv_weight),
        )
        grams = [self.vgg_features(s) for s in style_list]
        # (N, C, C) per layer: row n is style n's Gram matrix; a style-weight vector mixes them linearly.
        self.style_targets = {l: tf.concat([losses.gram_matrix(g[l]) for g in grams], 0) for l in self.style_layers}
        if adversary is not None and (self.conditional or self.num_styles != 1):
            raise ValueError("an adversary (patch discriminator) works with a single-style network only")
        self.adversary = adversary
        keys = ("loss", "content", "style", "tv") + (("adv", "d_loss") if adversary is not None else ())
        self._trackers = {k: keras.metrics.Mean(name=k) for k in keys}
        self.built = True

    # -- pieces -----------------------------------------------------------------------------
    def vgg_features(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        """The loss network's feature maps ``{layer: (B, h, w, C)}`` of ``(B, H, W, 3)`` images in [0, 1].

        What the losses compare; :meth:`terms_of_output` takes the content image's features from here.
        """
        return self.extractor.model(preprocess(images), training=False)

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """The transformer's output (lets ``predict`` work)."""
        return self.transformer(inputs, training=training)

    def _split(self, data: Any) -> tuple[tf.Tensor, tf.Tensor]:
        if isinstance(data, (tuple, list)):
            images, weights = data[0], data[1]
        else:
            images = data
            weights = tf.ones((tf.shape(images)[0], 1), tf.float32)
        return tf.convert_to_tensor(images, tf.float32), tf.convert_to_tensor(weights, tf.float32)

    def stylize(self, images: tf.Tensor, weights: tf.Tensor, training: bool = False) -> tf.Tensor:
        out = self.transformer([images, weights] if self.conditional else images, training=training)
        return tf.cast(out, tf.float32)  # float32 under a mixed policy too: it feeds the losses

    def loss_terms(self, images: tf.Tensor, weights: tf.Tensor, training: bool = False) -> dict[str, tf.Tensor]:
        """``{"total", "content", "style", "tv"}`` (weighted) of the transformer on a batch, differentiable."""
        content = self.vgg_features(images)
        output = self.stylize(images, weights, training=training)
        return self.terms_of_output(output, content, weights)

    def terms_of_output(
        self, output: tf.Tensor, content_features: Mapping[str, tf.Tensor], weights: tf.Tensor
    ) -> dict[str, tf.Tensor]:
        feats = self.vgg_features(output)
        targets = {l: tf.einsum("bn,ncd->bcd", weights, t) for l, t in self.style_targets.items()}
        style = self.weights_["style"] * losses.style_loss(feats, targets)
        content = (
            self.weights_["content"]
            * tf.add_n([losses.content_loss(feats[l], content_features[l]) for l in self.content_layers])
            / len(self.content_layers)
        )
        tv = self.weights_["tv"] * losses.total_variation_loss(output)
        terms = {"total": content + style + tv, "content": content, "style": style, "tv": tv}
        if self.adversary is not None:
            terms["adv"] = self.adversary.generator_loss(output)
            terms["total"] += terms["adv"]
        return terms

    # -- the step ---------------------------------------------------------------------------
    def style_step(self, data: Any) -> dict[str, tf.Tensor]:
        """One optimiser update on one batch; a plain function of the batch (``fit`` and custom loops)."""
        images, weights = self._split(data)
        content = self.vgg_features(images)  # targets: no gradient needed
        variables = self.transformer.trainable_variables
        with tf.GradientTape() as tape:
            output = self.stylize(images, weights, training=True)
            terms = self.terms_of_output(output, content, weights)
            # 1/replicas: gradients are summed over replicas; scale_loss: 1 unless mixed_float16.
            loss = self.optimizer.scale_loss(terms["total"] / _replicas())
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        if self.adversary is not None:  # then the discriminator's move, against the same outputs
            terms["d_loss"] = self.adversary.discriminator_step(output)
        self._trackers["loss"].update_state(terms["total"])
        for key in self._trackers.keys() - {"loss"}:
            self._trackers[key].update_state(terms[key])
        return {k: m.result() for k, m in self._trackers.items()}

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        return self.style_step(data)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        images, weights = self._split(data)
        terms = self.loss_terms(images, weights)
        if self.adversary is not None:
            terms["d_loss"] = self.adversary.discriminator_loss(self.stylize(images, weights))
        self._trackers["loss"].update_state(terms["total"])
        for key in self._trackers.keys() - {"loss"}:
            self._trackers[key].update_state(terms[key])
        return {k: m.result() for k, m in self._trackers.items()}


def _stat_loss(feats: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Relative error of per-channel means and standard deviations (AdaIN's style loss, normalised)."""
    m1, v1 = tf.nn.moments(tf.cast(feats, tf.float32), axes=[1, 2])
    m2, v2 = tf.nn.moments(tf.cast(target, tf.float32), axes=[1, 2])
    s1, s2 = tf.sqrt(v1 + 1e-5), tf.sqrt(v2 + 1e-5)
    num = tf.reduce_sum(tf.square(m1 - m2) + tf.square(s1 - s2), axis=-1)
    den = tf.reduce_sum(tf.square(m2) + tf.square(s2), axis=-1)
    return tf.reduce_mean(num / (den + 1e-12))


class AdaINTrainer(_TrainerBase):
    """Trains the decoder of an :class:`~.networks.AdaINStylizer` (Huang & Belongie 2017).

    With ``t = AdaIN(f(c), f(s))`` and ``g`` the decoder:
    ``L = ||f(g(t)) - t||^2 / ||t||^2 + style_weight * mean_l stat_err(phi_l(g(t)), phi_l(s))``
    where ``stat_err`` is the relative error of per-channel means and standard
    deviations at relu1_1 ... relu4_1 (the paper uses unnormalised squared errors;
    normalising keeps the weights meaningful for untrained features too).
    Data: ``(content, style)`` batches (:func:`content_dataset` with ``styles=``).
    ``style_weight``: default :func:`adain_style_weight_for` the encoder (5 ImageNet, 2 untrained).
    """

    def __init__(
        self, stylizer: AdaINStylizer, *, style_weight: float | None = None, name: str = "adain_trainer", **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.stylizer = stylizer
        self.decoder = stylizer.decoder
        if style_weight is None:  # chosen by the encoder's weights: adain_style_weight_for
            style_weight = adain_style_weight_for(stylizer.encoder)
        self.style_weight = float(style_weight)
        missing = sorted(set(ADAIN_LAYERS) - set(stylizer.encoder.layers))
        if missing:
            raise ValueError(f"the encoder must compute {missing} for the style loss")
        self._trackers = {k: keras.metrics.Mean(name=k) for k in ("loss", "content", "style")}
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        content, style = inputs
        return self.stylizer.decode(self.stylizer.transfer_features(content, style), training=training)

    def adain_step(self, data: Any) -> dict[str, tf.Tensor]:
        """One decoder update on a ``(content, style)`` batch; a plain function of the batch."""
        content, style = data
        style_feats = self.stylizer.encode(style)
        t = self.stylizer.transfer_features(content, style)
        variables = self.decoder.trainable_variables
        with tf.GradientTape() as tape:
            output = tf.cast(self.stylizer.decode(t, training=True), tf.float32)  # feeds the losses
            feats = self.stylizer.encode(output)
            c = losses.content_loss(feats[self.stylizer.layer], t)
            s = (
                self.style_weight
                * tf.add_n([_stat_loss(feats[l], style_feats[l]) for l in ADAIN_LAYERS])
                / len(ADAIN_LAYERS)
            )
            total = c + s
            scaled = self.optimizer.scale_loss(total / _replicas())
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        for key, value in (("loss", total), ("content", c), ("style", s)):
            self._trackers[key].update_state(value)
        return {k: m.result() for k, m in self._trackers.items()}

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        return self.adain_step(data)


# --------------------------------------------------------------------------- saving and callbacks


def save_transformer(transformer: keras.Model, path: str | os.PathLike) -> Path:
    """Save a transformer network (architecture + weights) as one ``.keras`` file, atomically."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"save the network to a .keras file, got {path}")
    with atomic_path(path) as tmp:
        transformer.save(tmp)
    return path


def load_transformer(path: str | os.PathLike) -> keras.Model:
    """Load a network saved by :func:`save_transformer` (or ``ganstyle train-style``)."""
    from . import networks  # noqa: F401  registers the custom layers

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no trained network at {path}; train one with `ganstyle train-style --style IMAGE`")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as err:  # a truncated zip, a file of another kind...
        raise ValueError(f"{path} is not a stylisation network saved by ganstyle ({err})") from err


class TransformerCheckpoint(keras.callbacks.Callback):
    """Save the trainer's transformer to ``path`` (``.keras``, atomically) every ``every`` epochs and at the end."""

    def __init__(self, path: str | os.PathLike, every: int = 1) -> None:
        super().__init__()
        self.path, self.every = Path(path), max(1, int(every))

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every == 0:
            self._save()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        self._save()

    def _save(self) -> None:
        net = getattr(self.model, "transformer", None) or self.model.decoder
        save_transformer(net, self.path)
        config.logger.debug("saved %s", self.path)


# --------------------------------------------------------------------------- resumable training


class TrainingInterrupted(KeyboardInterrupt):
    """Training was stopped by Ctrl-C or SIGTERM after a checkpoint was saved.

    A ``KeyboardInterrupt``, so code that handles Ctrl-C handles it too;
    ``exit_status`` is the shell's convention, 128 + the signal's number.
    """

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def _digest(arrays: Iterable[Any]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, np.float32))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def run_fingerprint(trainer: PerceptualTrainer, images: Sequence[Any], **settings: Any) -> dict[str, Any]:
    """What decides a training run's result, as JSON-able values: a checkpoint resumes only the same run.

    ``settings``: the data and optimiser settings (crop, batch size, seed, learning
    rate, ...). The style and content images enter by digest, the loss weights and
    the kind of features (ImageNet or untrained) as values. The number of steps
    does not: it only says where the run ends.
    """
    styles = [trainer.style_targets[l] for l in sorted(trainer.style_targets)]
    return {
        **{k: (float(v) if isinstance(v, float) else v) for k, v in settings.items()},
        "transformer": trainer.transformer.name,
        "loss_weights": dict(trainer.weights_),
        "imagenet_features": bool(trainer.extractor.pretrained),
        "styles": _digest(styles),
        "content": _digest(images),
    }


def _state_variables(trainer: PerceptualTrainer) -> list[Any]:
    """The transformer's weights and the optimiser's (moments, iteration count), in a fixed order."""
    if not trainer.optimizer.built:  # created lazily by the first step; restoring needs them now
        trainer.optimizer.build(trainer.transformer.trainable_variables)
    return list(trainer.transformer.weights) + list(trainer.optimizer.variables)


def save_training_state(
    path: str | os.PathLike, trainer: PerceptualTrainer, *, step: int, total_steps: int, fingerprint: Mapping[str, Any]
) -> Path:
    """Write a resumable checkpoint (``.npz``, atomically): every state variable, the step, the run's fingerprint."""
    path = Path(path)
    meta = {"step": int(step), "total_steps": int(total_steps), "fingerprint": dict(fingerprint)}
    arrays = {f"v{i}": np.asarray(v.numpy()) for i, v in enumerate(_state_variables(trainer))}
    with atomic_write(path) as handle:  # an interrupted save leaves the previous checkpoint intact
        # numpy's stub: **arrays might name savez's allow_pickle (bool); its keys are v0, v1, ...
        np.savez(handle, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
    return path


def read_training_meta(path: str | os.PathLike) -> dict[str, Any]:
    """``{"step", "total_steps", "fingerprint"}`` of a checkpoint; ValueError naming the file if it is damaged."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            return json.loads(str(npz["meta"]))
    except Exception as err:  # a truncated zip, another file with that name...
        raise ValueError(
            f"{path} is not a readable training checkpoint ({type(err).__name__}: {err}); "
            "delete it (or train with --restart) to start afresh"
        ) from err


def restore_training_state(path: str | os.PathLike, trainer: PerceptualTrainer, fingerprint: Mapping[str, Any]) -> int:
    """Load a checkpoint into ``trainer`` (transformer and optimiser); return the step it was saved at.

    Raises ValueError, naming what differs, if it belongs to another run (other
    settings, style or photographs), or if it is damaged.
    """
    path = Path(path)
    meta = read_training_meta(path)
    saved = meta.get("fingerprint", {})
    differ = sorted(
        k for k in set(saved) | set(fingerprint) if saved.get(k) != json.loads(json.dumps(fingerprint.get(k)))
    )
    if differ:
        details = ", ".join(f"{k}: {saved.get(k)!r} then, {fingerprint.get(k)!r} now" for k in differ)
        raise ValueError(
            f"the checkpoint {path} is of another training run ({details}); "
            "run with the same settings to resume it, or with --restart to start afresh"
        )
    variables = _state_variables(trainer)
    try:
        with np.load(path, allow_pickle=False) as npz:
            values = [npz[f"v{i}"] for i in range(len(variables))]
    except Exception as err:
        raise ValueError(f"{path} is damaged ({type(err).__name__}); delete it (or use --restart)") from err
    for var, value in zip(variables, values):
        if tuple(var.shape) != value.shape:
            raise ValueError(
                f"{path} does not fit this network ({var.path}: {value.shape} saved, "
                f"{tuple(var.shape)} now); use --restart to start afresh"
            )
        var.assign(value)
    return int(meta["step"])


class StepCheckpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint every ``every`` steps and at the end; stop cleanly on Ctrl-C / SIGTERM.

    With ``catch_signals`` (the command line; only possible in the main thread)
    SIGINT and SIGTERM no longer kill the run mid-step: the current step
    finishes, a checkpoint is saved and training stops; ``signal`` then holds the
    signal's number. A checkpoint is never written from non-finite weights.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        every: int,
        start_step: int,
        total_steps: int,
        fingerprint: Mapping[str, Any],
        catch_signals: bool = False,
    ) -> None:
        super().__init__()
        self.path, self.every = Path(path), max(1, int(every))
        self.step, self.total_steps, self.fingerprint = int(start_step), int(total_steps), fingerprint
        self.catch_signals = catch_signals
        self.signal: int | None = None
        self.saved_step = int(start_step)
        self._previous_handlers: dict[int, Any] = {}

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.signal = signum  # acted on after the current step, in on_train_batch_end

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        if self.catch_signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        self.step += 1
        if self.signal is not None or self.step % self.every == 0:
            self._save()
        if self.signal is not None:
            self.model.stop_training = True

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self.step != self.saved_step:
            self._save()
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers = {}

    def _save(self) -> None:
        if not all(np.all(np.isfinite(v.numpy())) for v in self.model.transformer.weights):
            config.logger.warning("not checkpointing step %d: the weights are not finite", self.step)
            return
        save_training_state(
            self.path, self.model, step=self.step, total_steps=self.total_steps, fingerprint=self.fingerprint
        )
        self.saved_step = self.step
        config.logger.debug("checkpoint: step %d of %d in %s", self.step, self.total_steps, self.path)


def _tensorboard_installed() -> bool:
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        config.logger.info("TensorBoard logs skipped: `pip install tensorboard` to get them")
        return False
    return True


def training_callbacks(
    directory: str | os.PathLike | None, *, name: str = "transformer", tensorboard: bool = True, every: int = 1
) -> list[keras.callbacks.Callback]:
    """Checkpoint (``<directory>/<name>.keras``), TensorBoard logs (``<directory>/logs``), stop on NaN.

    ``tensorboard --logdir <directory>/logs`` shows the loss terms during training.
    The TensorBoard callback needs the ``tensorboard`` package (a course
    dependency; in an environment without it the logs are skipped with a one-line notice).
    ``directory=None``: only the NaN guard.
    """
    callbacks: list[keras.callbacks.Callback] = [keras.callbacks.TerminateOnNaN()]
    if directory is None:
        return callbacks
    directory = Path(directory)
    callbacks.append(TransformerCheckpoint(directory / f"{name}.keras", every=every))
    if tensorboard and _tensorboard_installed():
        callbacks.append(
            keras.callbacks.TensorBoard(log_dir=str(directory / "logs"), write_graph=False, update_freq="epoch")
        )
    return callbacks


def train_transformer(
    styles: Any,
    *,
    content: Iterable[tf.Tensor] | str | os.PathLike | None = None,
    width: float = 0.5,
    norm: str = "instance",
    residual_output: bool = False,
    steps: int = 300,
    epochs: int = 1,
    crop: int = 128,
    batch_size: int = 4,
    style_size: int = 192,
    content_max_dim: int = 256,
    learning_rate: float = 1e-3,
    extractor: VGGFeatures | None = None,
    directory: str | os.PathLike | None = None,
    verbose: int | str = "auto",
    seed: int = 0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 25,
    catch_signals: bool = False,
    **weights: float,
) -> tuple[keras.Model, PerceptualTrainer, Any]:
    """Build and train a transformer network for one style (or several, with a list).

    ``styles``: an image ``(1, H, W, 3)``, a name or path for ``data.load_image``,
    or a list of those (multi-style network). ``content``: images, a folder, or
    ``None`` for the bundled photographs. ``steps`` updates per epoch on batches of
    ``batch_size`` random ``crop`` x ``crop`` crops. ``weights``: ``content_weight``,
    ``style_weight``, ``tv_weight`` (defaults: :func:`weights_for` the extractor -- content 1,
    style 5 with ImageNet features; content 5, style 1 with untrained ones). Returns
    ``(transformer, trainer, history)``. Raises ``ValueError`` before any work for ``steps``,
    ``epochs`` or ``batch_size`` below 1 or ``crop`` below :data:`MIN_CROP`.

    ``residual_output`` is off by default: with untrained VGG19 features a network that
    adds its output to the photo learned to paint saturated white blobs (notebook 05).

    Resumable training: with ``checkpoint`` (an ``.npz`` path) the transformer and the
    optimiser state are saved there every ``checkpoint_every`` steps and at the end
    (:class:`StepCheckpoint`); if the file already holds a checkpoint of the same run
    (:func:`run_fingerprint`), training continues from its step with the batches an
    uninterrupted run would have seen next, so the result equals an uninterrupted run
    up to float rounding (the transformer's *initial* weights must be seeded for a
    fresh run to repeat, e.g. ``keras.utils.set_random_seed``). ``catch_signals``: Ctrl-C
    and SIGTERM stop after the current step and a checkpoint, raising :class:`TrainingInterrupted`.
    The history is ``None`` when the checkpoint had already reached the last step.
    """
    from .. import data

    # Checked before any image is loaded or any step is taken: steps=0 would make Keras run the
    # endless dataset without end, and a tiny crop fails deep inside VGG19 with a pooling error.
    for value, name, flag in (
        (steps, "steps", "--steps"),
        (epochs, "epochs", None),
        (batch_size, "batch_size", "--batch-size"),
    ):
        if int(value) != value or value < 1:
            hint = f" (the command line's {flag})" if flag else ""
            raise ValueError(f"{name}{hint} must be a whole number >= 1, got {value}")
    if int(crop) != crop or crop < MIN_CROP:
        raise ValueError(
            f"crop (the command line's --crop) must be a whole number of pixels >= {MIN_CROP}, "
            f"got {crop} (the loss network halves it three times before its deepest style layer)"
        )

    many = isinstance(styles, (list, tuple))
    style_list = [
        data.load_image(s, max_dim=style_size)
        if isinstance(s, (str, os.PathLike))
        else tf.convert_to_tensor(s, tf.float32)
        for s in (styles if many else [styles])
    ]
    if isinstance(content, (str, os.PathLike)) or content is None:
        images = content_images(content, max_dim=content_max_dim)
    else:
        images = list(content)
    transformer = transformer_net(
        width, norm=norm, num_styles=len(style_list) if many else 0, residual_output=residual_output
    )
    # mypy matches **weights against every keyword of PerceptualTrainer; only the *_weight ones come here
    trainer = PerceptualTrainer(transformer, style_list, extractor=extractor, **weights)  # type: ignore[arg-type]
    trainer.compile(keras.optimizers.Adam(learning_rate))
    total = int(steps) * int(epochs)
    resumable: list[keras.callbacks.Callback] = []
    start = 0
    if checkpoint is not None:
        fingerprint = run_fingerprint(
            trainer,
            images,
            width=width,
            norm=norm,
            residual_output=residual_output,
            crop=crop,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            epochs=epochs,
        )
        if Path(checkpoint).is_file():
            start = restore_training_state(checkpoint, trainer, fingerprint)
            if start and epochs != 1:
                raise ValueError(
                    "resuming works for single-epoch runs (epochs=1, as train-style); "
                    f"delete {checkpoint} to start afresh"
                )
            config.logger.info("resuming from step %d of %d (%s)", start, total, checkpoint)
        resumable.append(
            StepCheckpoint(
                checkpoint,
                every=checkpoint_every,
                start_step=start,
                total_steps=total,
                fingerprint=fingerprint,
                catch_signals=catch_signals,
            )
        )
    if start >= total:
        return transformer, trainer, None
    dataset = content_dataset(
        images, crop=crop, batch_size=batch_size, num_styles=len(style_list) if many else 0, seed=seed, start_step=start
    )
    history = trainer.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=total - start if start else steps,
        verbose=verbose,
        callbacks=[*training_callbacks(directory), *callbacks, *resumable],
    )
    stopper = resumable[0] if resumable else None
    if stopper is not None and stopper.signal is not None and stopper.step < total:
        name = signal.Signals(stopper.signal).name
        raise TrainingInterrupted(
            f"{name}: training stopped at step {stopper.step} of {total}; checkpoint "
            f"saved in {checkpoint}; run the same command again to resume",
            128 + stopper.signal,
        )
    return transformer, trainer, history
