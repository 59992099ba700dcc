"""Optimisation-based style transfer and texture synthesis (Gatys et al. 2015, 2016, 2017).

The picture itself is the parameter: starting from the content photograph
(or noise), its pixels are changed to lower

    content_weight * L_content + style_weight * L_style + tv_weight * L_TV

(see :mod:`ganstyle_lib.style.losses` for each term and the normalisation).
Main entry points, all taking and returning float32 images ``(1, H, W, 3)``
in ``[0, 1]``:

* :func:`stylize` -- style transfer, with L-BFGS (scipy's L-BFGS-B, bounded
  to ``[0, 1]``; the default) or Adam; coarse-to-fine over ``scales``;
  colour preservation (``preserve_color="luminance"`` or ``"histogram"``,
  Gatys et al. 2017); several weighted styles at once.
* :func:`synthesize_texture` -- style only, from noise (Gatys et al. 2015).
* :func:`interpolate_styles` -- a row of results between two styles.

Notebook 04's interactive preview (a small :func:`stylize` per slider setting) is
:func:`ganstyle_lib.widgets.preview_function`, beside the panel it feeds.

Each run returns a :class:`TransferResult` with the image, the loss history
(with wall-clock seconds) and optional intermediate frames. Progress is shown
with :mod:`ganstyle_lib.progress` (``tqdm.auto``); nothing is printed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import scipy.optimize
import tensorflow as tf

from ..progress import tqdm
from . import losses
from .features import GATYS_CONTENT_LAYERS, STYLE_LAYERS, VGGFeatures, preprocess

__all__ = [
    "DEFAULTS",
    "UNTRAINED_DEFAULTS",
    "defaults_for",
    "TransferResult",
    "StyleObjective",
    "stylize",
    "synthesize_texture",
    "interpolate_styles",
    "default_extractor",
    "resize_to",
    "rgb_to_yiq",
    "yiq_to_rgb",
    "match_color",
]

#: The course's default settings of :func:`stylize` with **ImageNet** features (normalised losses, see
#: ``losses``): what learners get. Style weight 5 was measured against the TensorFlow tutorial with
#: ``benchmarks/style_transfer.py`` (loss-independent scores of :mod:`.quality`; benchmarks/RESULTS.md).
DEFAULTS: dict[str, Any] = dict(
    method="lbfgs",
    steps=150,
    scales=(0.5, 1.0),
    init="content",
    content_weight=1.0,
    style_weight=5.0,
    tv_weight=0.1,
    content_layers=GATYS_CONTENT_LAYERS,
    style_layers=STYLE_LAYERS,
    convention="normalized",
)
#: What differs with the **untrained** fallback features: random filters carry colour and grain but no
#: shapes, so style weight 1 already repaints the photo in the style's palette and grain, and 5 smears
#: its shapes away (chelsea x the_scream's stand-in, 128 px: relative content error 0.28 -> 0.48).
#: Everything else serves both kinds of features unchanged.
UNTRAINED_DEFAULTS: dict[str, Any] = dict(style_weight=1.0)


def defaults_for(extractor: VGGFeatures) -> dict[str, Any]:
    """:data:`DEFAULTS`, with :data:`UNTRAINED_DEFAULTS` applied when ``extractor`` is not pretrained.

    The one place where :func:`stylize`'s settings depend on which VGG19 weights were found
    (the trainers' counterpart is :func:`.training.weights_for`).
    """
    return {**DEFAULTS, **({} if extractor.pretrained else UNTRAINED_DEFAULTS)}


Image: TypeAlias = tf.Tensor | np.ndarray
Styles: TypeAlias = Image | Sequence[tuple[Image, float]]


# --------------------------------------------------------------------------- results


@dataclass
class TransferResult:
    """What an optimisation run produced.

    ``image``: float32 ``(1, H, W, 3)`` in ``[0, 1]``. ``history``: one dict per
    iteration with ``step``, ``scale`` (index), ``size`` ``(H, W)``, ``seconds``
    (wall clock since the start), ``total``, ``content``, ``style``, ``tv``
    (weighted terms). ``frames``: ``(step, seconds, image)`` every ``frame_every``
    iterations (images as ``(1, h, w, 3)`` NumPy arrays). ``settings``: the
    arguments of the run. ``features``: which VGG19 weights were used.
    """

    image: tf.Tensor
    history: list[dict[str, Any]] = field(default_factory=list)
    frames: list[tuple[int, float, np.ndarray]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    features: str = ""

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the whole run."""
        return self.history[-1]["seconds"] if self.history else 0.0

    @property
    def final_loss(self) -> float:
        return self.history[-1]["total"] if self.history else float("nan")

    def curve(self, key: str = "total") -> tuple[np.ndarray, np.ndarray]:
        """``(seconds, values)`` of one history column, for loss-against-time plots."""
        return (np.array([h["seconds"] for h in self.history]), np.array([h[key] for h in self.history]))


# --------------------------------------------------------------------------- images


def _as_image(x: Image, what: str) -> tf.Tensor:
    x = tf.convert_to_tensor(x, tf.float32)
    if x.shape.rank == 3:
        x = x[None]
    if x.shape.rank != 4 or x.shape[0] != 1 or x.shape[-1] != 3:
        raise ValueError(f"{what} must be one RGB image (1, H, W, 3) in [0, 1], got shape {x.shape}")
    from ..data import check_range  # a 0..255 image would optimise into a near-white picture

    check_range(
        x,
        0.0,
        1.0,
        what,
        fix_high="pixels in 0..255? divide by 255.0 (data.load_image gives [0, 1])",
        fix_low="a GAN image in [-1, 1]? convert it with data.from_gan_range",
    )
    return x


def resize_to(image: Image, size: Sequence[int], *, what: str = "image") -> tf.Tensor:
    """Resize ``(1, H, W, 3)`` to ``size = (h, w)`` (bilinear, antialiased when shrinking), clipped to [0, 1].

    ``image`` may also be ``(H, W, 3)``; it must be in [0, 1] (``what`` names it in the error otherwise).
    """
    image = _as_image(image, what)
    size = (int(size[0]), int(size[1]))
    if tuple(image.shape[1:3]) == size:
        return image
    return tf.clip_by_value(tf.image.resize(image, size, method="bilinear", antialias=True), 0.0, 1.0)


def _scaled(image: tf.Tensor, scale: float) -> tf.Tensor:
    h, w = image.shape[1:3]
    return resize_to(image, (max(8, round(h * scale)), max(8, round(w * scale))))


def rgb_to_yiq(image: Image) -> tf.Tensor:
    """RGB ``(..., 3)`` in [0, 1] -> YIQ (Y = luminance in [0, 1]; I, Q = colour)."""
    m = tf.constant([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], tf.float32)
    return tf.einsum("...c,dc->...d", tf.convert_to_tensor(image, tf.float32), m)


def yiq_to_rgb(image: Image) -> tf.Tensor:
    """Inverse of :func:`rgb_to_yiq` (not clipped)."""
    m = tf.constant([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], tf.float32)
    return tf.einsum("...c,dc->...d", tf.convert_to_tensor(image, tf.float32), tf.linalg.inv(m))


def match_color(source: Image, reference: Image) -> tf.Tensor:
    """``source`` with the colour mean and covariance of ``reference`` (Gatys et al. 2017, "colour histogram matching").

    A linear map ``x -> A (x - mu_s) + mu_r`` with ``A = C_r^{1/2} C_s^{-1/2}``
    (symmetric square roots from eigen-decompositions), so the pixels of the
    result have exactly the reference's RGB mean and covariance. Both
    ``(1, H, W, 3)`` in [0, 1] (sizes may differ); the result is clipped to [0, 1].
    """
    src = _as_image(source, "source").numpy().reshape(-1, 3).astype(np.float64)
    ref = _as_image(reference, "reference").numpy().reshape(-1, 3).astype(np.float64)

    def sqrt_and_inv(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vals, vecs = np.linalg.eigh(cov + 1e-5 * np.eye(3))
        vals = np.maximum(vals, 1e-8)
        return (vecs * np.sqrt(vals)) @ vecs.T, (vecs / np.sqrt(vals)) @ vecs.T

    mu_s, mu_r = src.mean(0), ref.mean(0)
    root_r, _ = sqrt_and_inv(np.cov(ref, rowvar=False))
    _, inv_root_s = sqrt_and_inv(np.cov(src, rowvar=False))
    out = (src - mu_s) @ (root_r @ inv_root_s).T + mu_r
    shape = _as_image(source, "source").shape
    return tf.constant(np.clip(out, 0.0, 1.0).reshape(shape), tf.float32)


def _luminance(image: tf.Tensor) -> tf.Tensor:
    return rgb_to_yiq(image)[..., :1]


def _gray3(y: tf.Tensor) -> tf.Tensor:
    return tf.clip_by_value(tf.concat([y, y, y], axis=-1), 0.0, 1.0)


# --------------------------------------------------------------------------- the objective

_EXTRACTORS: dict[tuple, VGGFeatures] = {}


def default_extractor(
    layers: Sequence[str] = tuple(STYLE_LAYERS) + tuple(GATYS_CONTENT_LAYERS), weights: str = "auto"
) -> VGGFeatures:
    """A :class:`VGGFeatures` for ``layers``, built once per process and reused."""
    key = (tuple(layers), weights)
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = VGGFeatures(layers, weights=weights)
    return _EXTRACTORS[key]


def _normalise_styles(style: Styles) -> list[tuple[tf.Tensor, float]]:
    if isinstance(style, (list, tuple)) and style and isinstance(style[0], (list, tuple)):
        pairs = [(_as_image(img, "style image"), float(w)) for img, w in style]
    else:
        pairs = [(_as_image(style, "style image"), 1.0)]
    total = sum(w for _, w in pairs)
    if total <= 0 or any(w < 0 for _, w in pairs):
        raise ValueError("style weights must be >= 0 with a positive sum")
    return [(img, w / total) for img, w in pairs]


class StyleObjective:
    """The loss of one style-transfer problem at one image size, with its targets precomputed.

    ``content``: ``(1, H, W, 3)`` or ``None`` (texture synthesis: no content
    term). ``styles``: ``[(style image, weight), ...]``; the style target of each
    layer is the weighted mean of the styles' Gram matrices (interpolation).
    ``convention``: ``"normalized"`` (the course) or ``"tutorial"`` (the
    TensorFlow tutorial's mean squared errors and summed TV).
    Calling it on an image returns ``{"total", "content", "style", "tv"}``.
    """

    def __init__(
        self,
        extractor: VGGFeatures,
        content: tf.Tensor | None,
        styles: Sequence[tuple[tf.Tensor, float]],
        *,
        content_layers: Sequence[str] = GATYS_CONTENT_LAYERS,
        style_layers: Sequence[str] = STYLE_LAYERS,
        style_layer_weights: Mapping[str, float] | None = None,
        content_weight: float = 1.0,
        style_weight: float = 1.0,
        tv_weight: float = 0.1,
        convention: str = "normalized",
    ) -> None:
        if convention not in ("normalized", "tutorial"):
            raise ValueError(f"convention must be 'normalized' or 'tutorial', got {convention!r}")
        needed = set(style_layers) | (set(content_layers) if content is not None else set())
        missing = sorted(needed - set(extractor.layers))
        if missing:
            raise ValueError(
                f"the extractor does not compute {missing}; build it with VGGFeatures(style_layers + content_layers)"
            )
        self.extractor = extractor
        self.convention = convention
        self.style_layers = tuple(style_layers)
        self.content_layers = tuple(content_layers) if content is not None else ()
        self.weights = dict(
            content=float(content_weight) if content is not None else 0.0,
            style=float(style_weight),
            tv=float(tv_weight),
        )
        self.style_layer_weights = style_layer_weights
        self.style_targets = {l: tf.zeros(()) for l in self.style_layers}
        for image, w in styles:
            feats = extractor(image)
            for l in self.style_layers:
                self.style_targets[l] = self.style_targets[l] + w * losses.gram_matrix(feats[l])
        self.content_targets = {}
        if content is not None:
            feats = extractor(content)
            self.content_targets = {l: feats[l] for l in self.content_layers}

    def __call__(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        feats = self.extractor.model(preprocess(image), training=False)
        if self.convention == "tutorial":
            if not self.content_targets:
                return self._tutorial_no_content(feats, image)
            return losses.tutorial_loss(
                feats,
                image,
                self.style_targets,
                self.content_targets,
                style_weight=self.weights["style"],
                content_weight=self.weights["content"],
                tv_weight=self.weights["tv"],
            )
        style = self.weights["style"] * losses.style_loss(feats, self.style_targets, self.style_layer_weights)
        content = tf.constant(0.0)
        if self.content_targets and self.weights["content"]:
            content = (
                self.weights["content"]
                * tf.add_n([losses.content_loss(feats[l], t) for l, t in self.content_targets.items()])
                / len(self.content_targets)
            )
        tv = self.weights["tv"] * losses.total_variation_loss(image) if self.weights["tv"] else tf.constant(0.0)
        return {"total": style + content + tv, "content": content, "style": style, "tv": tv}

    def _tutorial_no_content(self, feats, image):
        s = tf.add_n(
            [
                losses.style_layer_loss(losses.gram_matrix(feats[l]), t, normalized=False)
                for l, t in self.style_targets.items()
            ]
        ) * (self.weights["style"] / len(self.style_targets))
        tv = self.weights["tv"] * losses.total_variation_loss(image, reduction="sum")
        return {"total": s + tv, "content": tf.constant(0.0), "style": s, "tv": tv}


# --------------------------------------------------------------------------- optimisers


def _terms_to_floats(terms: Mapping[str, tf.Tensor]) -> dict[str, float]:
    return {k: float(v) for k, v in terms.items()}


def _run_adam(objective, init, steps, record, *, learning_rate, beta_1, epsilon):
    import keras

    var = tf.Variable(init)
    opt = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, epsilon=epsilon)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            terms = objective(var)
        grad = tape.gradient(terms["total"], var)
        opt.apply_gradients([(grad, var)])
        var.assign(tf.clip_by_value(var, 0.0, 1.0))
        return terms

    for _ in range(steps):
        terms = step()  # terms of the image *before* this update
        record(var, _terms_to_floats(terms))
    return tf.convert_to_tensor(var)


def _run_lbfgs(objective, init, steps, record, *, history_size):
    shape = init.shape
    size = int(np.prod(shape))

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def value_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            terms = objective(x)
        return terms, tape.gradient(terms["total"], x)

    last: dict[str, Any] = {}

    def fun(flat):
        x = tf.constant(flat.reshape(shape), tf.float32)
        terms, grad = value_and_grad(x)
        last["terms"] = _terms_to_floats(terms)
        last["x"] = x
        return last["terms"]["total"], grad.numpy().astype(np.float64).reshape(-1)

    def callback(xk):
        x = tf.constant(xk.reshape(shape), tf.float32)
        record(x, last["terms"])

    x0 = np.clip(init.numpy().astype(np.float64).reshape(-1), 0.0, 1.0)
    out = scipy.optimize.minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(np.zeros(size), np.ones(size)),
        callback=callback,
        options=dict(maxiter=steps, maxfun=steps * 3, maxcor=history_size, ftol=1e-12, gtol=1e-12),
    )
    return tf.constant(out.x.reshape(shape), tf.float32)


# --------------------------------------------------------------------------- public functions


def _split_steps(steps: int | Sequence[int], scales: Sequence[float]) -> list[int]:
    if isinstance(steps, Sequence):
        if len(steps) != len(scales):
            raise ValueError(f"give one step count per scale: {len(scales)} scales, {len(steps)} counts")
        return [int(s) for s in steps]
    steps = int(steps)
    if len(scales) == 1:
        return [steps]
    # Coarse scales are cheap (a 0.5 scale costs about a quarter): give them half the steps.
    coarse = max(1, steps // (2 * (len(scales) - 1)))
    return [coarse] * (len(scales) - 1) + [max(1, steps - coarse * (len(scales) - 1))]


def stylize(
    content: Image | None,
    style: Styles,
    *,
    extractor: VGGFeatures | None = None,
    method: str = DEFAULTS["method"],
    steps: int | Sequence[int] = DEFAULTS["steps"],
    scales: Sequence[float] = DEFAULTS["scales"],
    init: str | Image = DEFAULTS["init"],
    size: Sequence[int] | None = None,
    content_weight: float = DEFAULTS["content_weight"],
    style_weight: float | None = None,
    tv_weight: float = DEFAULTS["tv_weight"],
    content_layers: Sequence[str] = DEFAULTS["content_layers"],
    style_layers: Sequence[str] = DEFAULTS["style_layers"],
    style_layer_weights: Mapping[str, float] | None = None,
    convention: str = DEFAULTS["convention"],
    preserve_color: str | None = None,
    learning_rate: float = 0.02,
    beta_1: float = 0.9,
    epsilon: float = 1e-7,
    history_size: int = 20,
    frame_every: int = 0,
    seed: int = 0,
    progress: bool = True,
    description: str = "style transfer",
) -> TransferResult:
    """Optimise an image so it has ``content``'s features and ``style``'s Gram matrices.

    Parameters (images float32 ``(1, H, W, 3)`` in ``[0, 1]``)
    ----------
    content: the photograph; ``None`` for texture synthesis (then give ``size``).
    style: one style image, or ``[(image, weight), ...]`` to mix Gram targets.
    method: ``"lbfgs"`` (scipy L-BFGS-B with bounds [0, 1]; ``steps`` = iterations)
        or ``"adam"`` (``learning_rate``, ``beta_1``, ``epsilon``; pixels clipped to [0, 1]).
    steps: iterations in total (split over scales, the coarse ones getting fewer)
        or one count per scale.
    scales: coarse-to-fine schedule as fractions of the full size, e.g. ``(0.5, 1.0)``:
        the result of each scale, upsampled, starts the next. The style image is
        scaled by the same factor, so brush strokes keep their size relative to the picture.
    init: ``"content"``, ``"noise"`` (uniform, seeded) or an image.
    content_weight, style_weight, tv_weight: weights of the three terms; ``convention``
        ``"normalized"`` (course, see ``losses``) or ``"tutorial"``. ``style_weight=None``
        takes :func:`defaults_for` the extractor: 5 with ImageNet features, 1 with untrained ones.
    preserve_color: ``None``; ``"luminance"`` (transfer the luminance channel only and keep
        the photograph's colours, YIQ) or ``"histogram"`` (first give the style image the
        photograph's colour mean and covariance) -- Gatys et al. 2017.
    frame_every: keep the image every that many iterations (0: none) in ``result.frames``.
    """
    if method not in ("lbfgs", "adam"):
        raise ValueError(f"method must be 'lbfgs' or 'adam', got {method!r}")
    if preserve_color not in (None, "luminance", "histogram"):
        raise ValueError(f"preserve_color must be None, 'luminance' or 'histogram', got {preserve_color!r}")
    styles = _normalise_styles(style)
    if content is None:
        if size is None:
            raise ValueError("without a content image, give size=(height, width) of the texture")
        if isinstance(init, str) and init == "content":
            init = "noise"
        full_content = None
        full_size = (int(size[0]), int(size[1]))
    else:
        full_content = _as_image(content, "content")
        full_size = tuple(full_content.shape[1:3])
    extractor = extractor or default_extractor(tuple(style_layers) + tuple(content_layers))
    if style_weight is None:
        style_weight = defaults_for(extractor)["style_weight"]
    scales = tuple(float(s) for s in scales)
    if not scales or any(not 0 < s <= 1 for s in scales):
        raise ValueError(f"scales must be fractions in (0, 1], e.g. (0.5, 1.0); got {scales}")
    per_scale = _split_steps(steps, scales)

    colour_source = full_content
    if preserve_color == "histogram" and full_content is not None:
        styles = [(match_color(img, full_content), w) for img, w in styles]
    elif preserve_color == "luminance":

        def lum_match(img):  # style luminance with the content's mean and spread (Gatys et al. 2017)
            y_s = _luminance(img)
            if full_content is None:
                return _gray3(y_s)
            y_c = _luminance(full_content)
            m_s, v_s = tf.nn.moments(y_s, axes=[0, 1, 2, 3])
            m_c, v_c = tf.nn.moments(y_c, axes=[0, 1, 2, 3])
            return _gray3((y_s - m_s) * tf.sqrt(v_c / (v_s + 1e-8)) + m_c)

        styles = [(lum_match(img), w) for img, w in styles]
        if full_content is not None:
            full_content = _gray3(_luminance(full_content))

    settings = dict(
        method=method,
        steps=per_scale,
        scales=scales,
        size=full_size,
        init=init if isinstance(init, str) else "image",
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        content_layers=tuple(content_layers),
        style_layers=tuple(style_layers),
        convention=convention,
        preserve_color=preserve_color,
        learning_rate=learning_rate if method == "adam" else None,
        seed=seed,
        weights=extractor.weights_source,
    )
    result = TransferResult(image=tf.zeros((1,) + full_size + (3,)), settings=settings, features=extractor.label)
    rng = np.random.default_rng(seed)
    bar = tqdm(total=sum(per_scale), desc=description, disable=not progress, leave=False)
    start = time.perf_counter()
    image = None
    counter = {"step": 0}
    try:
        for index, (scale, n_steps) in enumerate(zip(scales, per_scale)):
            h, w = max(8, round(full_size[0] * scale)), max(8, round(full_size[1] * scale))
            content_s = resize_to(full_content, (h, w)) if full_content is not None else None
            styles_s = [(_scaled(img, scale), wt) for img, wt in styles]
            objective = StyleObjective(
                extractor,
                content_s,
                styles_s,
                content_layers=content_layers,
                style_layers=style_layers,
                style_layer_weights=style_layer_weights,
                content_weight=content_weight,
                style_weight=style_weight,
                tv_weight=tv_weight,
                convention=convention,
            )
            if image is not None:
                x0 = resize_to(image, (h, w))
            elif isinstance(init, str) and init == "content":
                x0 = content_s
            elif isinstance(init, str) and init == "noise":
                x0 = tf.constant(rng.uniform(0.0, 1.0, (1, h, w, 3)), tf.float32)
                if preserve_color == "luminance":
                    x0 = _gray3(_luminance(x0))
            elif isinstance(init, str):
                raise ValueError(f"init must be 'content', 'noise' or an image, got {init!r}")
            else:
                x0 = resize_to(_as_image(init, "init"), (h, w))

            def record(x, terms, _index=index, _size=(h, w)):
                counter["step"] += 1
                entry = dict(
                    step=counter["step"], scale=_index, size=_size, seconds=time.perf_counter() - start, **terms
                )
                result.history.append(entry)
                if frame_every and counter["step"] % frame_every == 0:
                    result.frames.append((counter["step"], entry["seconds"], np.asarray(x)))
                bar.update(1)
                bar.set_postfix(loss=f"{terms['total']:.4g}", refresh=False)

            if method == "adam":
                image = _run_adam(
                    objective, x0, n_steps, record, learning_rate=learning_rate, beta_1=beta_1, epsilon=epsilon
                )
            else:
                image = _run_lbfgs(objective, x0, n_steps, record, history_size=history_size)
    finally:
        bar.close()
    if preserve_color == "luminance" and colour_source is not None:
        yiq = rgb_to_yiq(colour_source)
        image = tf.clip_by_value(yiq_to_rgb(tf.concat([_luminance(image), yiq[..., 1:]], -1)), 0.0, 1.0)
    result.image = tf.clip_by_value(tf.convert_to_tensor(image, tf.float32), 0.0, 1.0)
    return result


def synthesize_texture(style: Styles, size: Sequence[int] = (128, 128), **kwargs: Any) -> TransferResult:
    """Texture synthesis (Gatys, Ecker & Bethge 2015): match only the Gram matrices, starting from noise.

    Same keywords as :func:`stylize` (``steps``, ``method``, ``scales``, ``seed``...);
    ``size = (height, width)`` of the texture, which need not be the style image's.
    """
    kwargs.setdefault("init", "noise")
    kwargs.setdefault("description", "texture")
    return stylize(None, style, size=size, **kwargs)


def interpolate_styles(
    content: Image, style_a: Image, style_b: Image, alphas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0), **kwargs: Any
) -> list[TransferResult]:
    """One result per ``alpha``: the style target of each layer is ``(1 - alpha) G_a + alpha G_b``."""
    results = []
    for alpha in alphas:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        pairs = [(img, w) for img, w in ((style_a, 1.0 - alpha), (style_b, alpha)) if w > 0]
        results.append(stylize(content, pairs, description=f"alpha={alpha:g}", **kwargs))
    return results
