"""Interactive panels of the notebooks: controls above a picture that a plain function draws.

Every panel is an :class:`ImagePanel` -- an ``ipywidgets.VBox`` holding some
controls (sliders, class buttons), an optional *Run* button, a status line and
a picture. The picture is always ``panel.render(**panel.values())``: a plain
Python function of the control values that returns an image. The widget part
only wires controls to that function, so

* a test (or a learner without a widget-capable front end) can call
  ``panel.render(t=0.5)`` directly, or set ``panel.controls["t"].value = 0.5``
  and read the new picture from ``panel.pixels``;
* a value outside a control's range is refused with a ``ValueError`` that says
  the range, instead of being silently clamped;
* an error raised while the learner moves a control is shown in red on the
  status line (a widget callback has no cell to print a traceback into).

Builders, one per notebook panel:

==========================  ===========  ====================================================
builder                     notebook     controls -> picture
==========================  ===========  ====================================================
:func:`latent_slider`       02           ``t`` in [0, 1] -> ``G(slerp(z0, z1, t))``
:func:`class_explorer`      03           ``label``, ``t`` -> ``G(slerp(z0, z1, t), label)``
:func:`weights_panel`       04           content/style/TV weights + *Run* -> Gatys transfer
:func:`style_mixer`         05           one weight per style -> multi-style network
:func:`alpha_slider`        05           ``alpha`` in [0, 1] -> AdaIN content <-> style
==========================  ===========  ====================================================

GAN pictures come in ``[-1, 1]`` and style pictures in ``[0, 1]``; the
builders convert both to uint8 before they reach the panel.

The style panels take their ``render`` from a factory here, beside them; each returns a plain
function of the control values (call it yourself, or hand it to the panel):

===============================  ===========  ==============================================
render factory                   feeds        ``render(...) -> uint8 (H, W, 3)``
===============================  ===========  ==============================================
:func:`preview_function`         weights_     ``(content_weight, style_weight, tv_weight)``:
                                 panel (04)   a short Gatys transfer of a small copy
:func:`mixing_function`          style_       ``(weights)``: one forward pass of a
                                 mixer (05)   multi-style network
:func:`alpha_function`           alpha_       ``(alpha)``: an AdaIN stylizer
                                 slider (05)
===============================  ===========  ==============================================

Importing this module does not import TensorFlow: the factories import the style modules
when they are called.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets
import numpy as np

if TYPE_CHECKING:
    from .style.features import VGGFeatures
    from .style.transfer import Image, Styles

__all__ = [
    "ImagePanel",
    "check_range",
    "latent_slider",
    "class_explorer",
    "weights_panel",
    "preview_function",
    "style_mixer",
    "mixing_function",
    "alpha_slider",
    "alpha_function",
    "BUILDERS",
]

logger = logging.getLogger("ganstyle")

#: CSS classes on the panel's parts, so that a browser test can find them.
PANEL_CLASS, PICTURE_CLASS, STATUS_CLASS = "ganstyle-panel", "ganstyle-picture", "ganstyle-status"


def check_range(name: str, value: float, low: float, high: float, meaning: str = "") -> float:
    """``float(value)`` if ``low <= value <= high``, else a ``ValueError`` naming the range."""
    value = float(value)
    if not low <= value <= high:  # also refuses NaN
        raise ValueError(
            f"{name} must be in [{low:g}, {high:g}]{' (' + meaning + ')' if meaning else ''}, got {value:g}"
        )
    return value


def _png(pixels: np.ndarray, scale: int) -> bytes:
    from PIL import Image

    img = Image.fromarray(pixels[..., 0] if pixels.ndim == 3 and pixels.shape[-1] == 1 else pixels)
    if scale > 1:  # nearest neighbour: a 28x28 digit stays crisp instead of blurred
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class ImagePanel(ipywidgets.VBox):
    """Controls, an optional *Run* button, a status line and the picture ``render(**values)``.

    Args:
        render: plain function taking one keyword per control (the keys of
            ``controls``) and returning a uint8 image ``(H, W)``, ``(H, W, 1)``
            or ``(H, W, 3)``. It should raise ``ValueError`` for values it refuses.
        controls: ``{keyword: ipywidgets value widget}``, shown in this order.
        scale: integer magnification of the picture on screen.
        caption: text of the status line (e.g. which features the network uses).
        run_button: if True, moving a control only marks the picture as stale and
            the *Run* button redraws it (for renders that take seconds);
            otherwise every change redraws at once.

    Attributes:
        render, controls, picture (``ipywidgets.Image``), status
        (``ipywidgets.HTML``), button (or None), pixels (the last uint8 image drawn).
    """

    def __init__(
        self,
        render: Callable[..., np.ndarray],
        controls: Mapping[str, ipywidgets.ValueWidget],
        *,
        scale: int = 1,
        caption: str = "",
        run_button: bool = False,
    ) -> None:
        self.render = render
        self.controls = dict(controls)
        self.scale = int(scale)
        self.caption = caption
        self.pixels: np.ndarray | None = None
        self.picture = ipywidgets.Image(format="png")
        self.picture.add_class(PICTURE_CLASS)
        self.status = ipywidgets.HTML(value=caption)
        self.status.add_class(STATUS_CLASS)
        self.button = ipywidgets.Button(description="Run", button_style="primary") if run_button else None
        footer = ipywidgets.HBox([self.button, self.status]) if self.button else self.status
        super().__init__([*self.controls.values(), footer, self.picture])
        self.add_class(PANEL_CLASS)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        if self.button is not None:
            self.button.on_click(self._on_run)
        self.update()  # draw once now: a build-time error surfaces in the cell that builds the panel

    def values(self) -> dict[str, Any]:
        """The controls' current values, ``{keyword: value}``."""
        return {key: control.value for key, control in self.controls.items()}

    def update(self) -> np.ndarray:
        """Redraw the picture from the current control values and return the uint8 image (errors raise)."""
        start = time.perf_counter()
        pixels = np.asarray(self.render(**self.values()))
        if pixels.dtype != np.uint8:
            raise TypeError(f"render must return a uint8 image, got {pixels.dtype}; convert with data.to_uint8")
        self.pixels = pixels
        self.picture.value = _png(pixels, self.scale)
        self.picture.width = str(pixels.shape[1] * self.scale)  # on screen at its own size, not stretched
        seconds = time.perf_counter() - start
        self.status.value = self.caption + (f" ({seconds:.1f} s)" if self.button is not None else "")
        return pixels

    def _show_error(self, err: Exception) -> None:
        import html

        logger.error("widget callback failed", exc_info=err)
        message = f"{html.escape(type(err).__name__)}: {html.escape(str(err))}"
        self.status.value = f'<span style="color:#c00">{message}</span>'

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if self.button is not None:
            self.status.value = f"{self.caption} <i>(press Run to redraw)</i>".strip()
            return
        self._on_run()

    def _on_run(self, _button: Any = None) -> None:
        # Called by the front end: there is no cell to show a traceback in, so the
        # error goes on the status line and the last good picture stays.
        try:
            self.update()
        except Exception as err:  # noqa: BLE001 -- any error must reach the learner's eyes
            self._show_error(err)


# --------------------------------------------------------------------------- GAN panels (notebooks 02, 03)


def _gan_pixels(images: Any) -> np.ndarray:
    """First image of a batch (N, H, W, C) in [-1, 1] as uint8 (H, W, C)."""
    from . import data

    return data.to_uint8(data.from_gan_range(np.asarray(images, np.float32)[0]))


def latent_slider(
    generate: Callable[[np.ndarray], Any], z0: Any, z1: Any, *, steps: int = 50, method: str = "slerp", scale: int = 6
) -> ImagePanel:
    """A slider ``t`` that morphs one generated image from ``G(z0)`` (t = 0) to ``G(z1)`` (t = 1).

    Args:
        generate: maps latents ``(N, D)`` float32 to images ``(N, H, W, C)`` in
            [-1, 1], e.g. ``gan.generate``.
        z0, z1: latent vectors of shape ``(D,)``.
        steps: slider positions between 0 and 1.
        method: ``"slerp"`` (great circle, keeps the typical norm) or ``"lerp"``.
        scale: magnification of the picture on screen.

    Returns:
        The panel; ``panel.render(t=...)`` is its plain callback.
    """
    from .viz import lerp, slerp

    interpolate = {"slerp": slerp, "lerp": lerp}[method]
    z0, z1 = np.asarray(z0, np.float32).ravel(), np.asarray(z1, np.float32).ravel()

    def render(t: float) -> np.ndarray:
        t = check_range("t", t, 0.0, 1.0, "0 draws G(z0), 1 draws G(z1)")
        return _gan_pixels(generate(interpolate(z0, z1, t)[None].astype(np.float32)))

    slider = ipywidgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=1.0 / steps, description="t", continuous_update=False
    )
    return ImagePanel(render, {"t": slider}, scale=scale, caption=f"{method} from z0 (t = 0) to z1 (t = 1)")


def class_explorer(
    generate: Callable[[np.ndarray, np.ndarray], Any],
    latent_dim: int,
    *,
    n_classes: int = 10,
    seed: int = 0,
    steps: int = 50,
    scale: int = 6,
) -> ImagePanel:
    """Class buttons and a latent slider for a conditional generator.

    Args:
        generate: ``generate(z, labels)`` maps latents ``(N, latent_dim)`` and int
            labels ``(N,)`` to images ``(N, H, W, C)`` in [-1, 1], e.g. ``gan.generate``.
        latent_dim: length of a latent vector.
        n_classes: number of class buttons (labels 0 ... n_classes - 1).
        seed: the slider moves along a great circle from z0 to z1, both drawn
            from N(0, I) with this seed.
        steps: slider positions between 0 and 1.
        scale: magnification of the picture on screen.

    Returns:
        The panel; ``panel.render(label=..., t=...)`` is its plain callback.
    """
    from .viz import slerp

    z0, z1 = np.random.default_rng(seed).standard_normal((2, latent_dim)).astype(np.float32)

    def render(label: int, t: float) -> np.ndarray:
        if int(label) != label or not 0 <= int(label) < n_classes:
            raise ValueError(f"label must be an integer class in 0 ... {n_classes - 1}, got {label!r}")
        t = check_range("t", t, 0.0, 1.0, "position between the latents z0 and z1")
        z = slerp(z0, z1, t)[None].astype(np.float32)
        return _gan_pixels(generate(z, np.array([int(label)], np.int32)))

    picker = ipywidgets.ToggleButtons(
        options=list(range(n_classes)), value=0, description="class", style={"button_width": "2.2em"}
    )
    slider = ipywidgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=1.0 / steps, description="latent t", continuous_update=False
    )
    return ImagePanel(
        render,
        {"label": picker, "t": slider},
        scale=scale,
        caption="the class picks the digit; t moves the latent (the handwriting)",
    )


# --------------------------------------------------------------------------- style panels (notebooks 04, 05)

#: Ranges of the weights panel's log-scale sliders, ``(low, high)``.
WEIGHT_RANGES: dict[str, tuple[float, float]] = {
    "content_weight": (1e-3, 1e2),
    "style_weight": (1e-2, 1e2),
    "tv_weight": (1e-4, 1.0),
}


def weights_panel(
    render: Callable[..., np.ndarray],
    *,
    content_weight: float = 1.0,
    style_weight: float = 1.0,
    tv_weight: float = 0.1,
    caption: str = "",
    scale: int = 3,
) -> ImagePanel:
    """Three log-scale weight sliders, a *Run* button and the picture ``render(...)`` returns.

    Args:
        render: plain function ``render(content_weight, style_weight, tv_weight)``
            returning a uint8 image ``(h, w, 3)``, e.g. from
            :func:`preview_function`. It takes seconds,
            hence the button.
        content_weight, style_weight, tv_weight: starting values, inside
            :data:`WEIGHT_RANGES` (a ``ValueError`` says the range otherwise).
        caption: status-line text (e.g. which VGG19 weights the losses use).
        scale: magnification of the picture on screen.

    Returns:
        The panel; ``panel.render(content_weight=..., style_weight=..., tv_weight=...)``
        is ``render`` with the ranges checked.
    """
    start = dict(content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight)
    for name, value in start.items():
        check_range(name, value, *WEIGHT_RANGES[name])

    def checked(**weights: float) -> np.ndarray:
        return render(**{name: check_range(name, value, *WEIGHT_RANGES[name]) for name, value in weights.items()})

    controls = {
        name: ipywidgets.FloatLogSlider(
            value=start[name],
            base=10,
            min=np.log10(low),
            max=np.log10(high),
            description=name.replace("_weight", "").replace("tv", "TV"),
        )
        for name, (low, high) in WEIGHT_RANGES.items()
    }
    return ImagePanel(checked, controls, scale=scale, caption=caption, run_button=True)


def preview_function(
    content: Image,
    style: Styles,
    *,
    extractor: VGGFeatures | None = None,
    max_dim: int = 96,
    steps: int = 30,
    **fixed: Any,
) -> Callable[..., np.ndarray]:
    """A plain function ``render(content_weight, style_weight, tv_weight) -> uint8 (h, w, 3)``.

    Made for :func:`weights_panel`. Its defaults are :func:`ganstyle_lib.style.transfer.stylize`'s
    (``style_weight=None``: chosen by the extractor's weights).

    It stylises ``content`` (``(1, H, W, 3)`` in [0, 1]) shrunk to ``max_dim`` pixels, with the style
    image(s) shrunk by the same factor (``style``: one image or ``[(image, weight), ...]``), fast enough
    to be interactive: about ``steps x 0.05`` s at 96 px on 2 CPU cores. ``fixed`` keywords go to
    :func:`~ganstyle_lib.style.transfer.stylize`. Call it directly, or give it to :func:`weights_panel`.
    """
    from .data import to_uint8
    from .style import transfer

    def size_of(image: Image, what: str) -> tuple[int, int]:
        shape = tuple(np.shape(image))
        if len(shape) not in (3, 4):
            raise ValueError(f"{what} must be one RGB image (1, H, W, 3) in [0, 1], got shape {shape}")
        return int(shape[-3]), int(shape[-2])

    h, w = size_of(content, "content")
    factor = min(1.0, max_dim / max(h, w))

    def shrunk(image: Image, what: str) -> Any:
        height, width = size_of(image, what)
        size = (max(8, round(height * factor)), max(8, round(width * factor)))
        return transfer.resize_to(image, size, what=what)  # also checks the range and the channels

    small = shrunk(content, "content")
    one_style = not (isinstance(style, (list, tuple)) and style and isinstance(style[0], (list, tuple)))
    pairs = [(style, 1.0)] if one_style else list(style)
    styles = [(shrunk(image, "style image"), weight) for image, weight in pairs]
    fixed = dict(dict(scales=(1.0,), progress=False), **fixed)

    def render(
        content_weight: float = transfer.DEFAULTS["content_weight"],
        style_weight: float | None = None,
        tv_weight: float = transfer.DEFAULTS["tv_weight"],
    ) -> np.ndarray:
        result = transfer.stylize(
            small,
            styles,
            extractor=extractor,
            steps=steps,
            content_weight=content_weight,
            style_weight=style_weight,
            tv_weight=tv_weight,
            **fixed,
        )
        return to_uint8(result.image)

    return render


def style_mixer(render: Callable[[Sequence[float]], np.ndarray], names: Sequence[str], *, scale: int = 1) -> ImagePanel:
    """One slider per style and the picture ``render(weights)`` of a multi-style network.

    Args:
        render: plain function of one non-negative weight per style (in the order
            of ``names``) returning a uint8 image, e.g. from
            :func:`mixing_function`.
        names: style names, used as slider labels and as the panel's keywords.
        scale: magnification of the picture on screen.

    Returns:
        The panel; ``panel.render(**{name: weight})`` is its plain callback. With
        two styles there is one slider ``mix`` from the first style (0) to the second (1).
    """
    names = list(names)
    if len(names) < 2:
        raise ValueError(f"style_mixer needs at least two styles to mix, got {names}")
    if len(names) == 2:

        def two(mix: float) -> np.ndarray:
            mix = check_range("mix", mix, 0.0, 1.0, f"0 = {names[0]}, 1 = {names[1]}")
            return render([1.0 - mix, mix])

        slider = ipywidgets.FloatSlider(
            value=0.5,
            min=0.0,
            max=1.0,
            step=0.05,
            description=f"{names[0]} → {names[1]}",
            style={"description_width": "initial"},
        )
        return ImagePanel(two, {"mix": slider}, scale=scale)

    def many(**weights: float) -> np.ndarray:
        w = [check_range(f"weight of {name}", weights[name], 0.0, 1.0) for name in names]
        if sum(w) == 0:
            raise ValueError("all style weights are 0: raise at least one slider")
        return render(w)

    sliders = {
        name: ipywidgets.FloatSlider(value=1.0 if i == 0 else 0.0, min=0.0, max=1.0, step=0.05, description=name)
        for i, name in enumerate(names)
    }
    return ImagePanel(many, sliders, scale=scale, caption="weights are normalised to sum to 1")


def mixing_function(network: Any, content: Any) -> Callable[[Sequence[float]], np.ndarray]:
    """A plain function ``render(weights) -> uint8 (H, W, 3)`` for :func:`style_mixer`: ``content`` through a
    multi-style network (:func:`ganstyle_lib.style.networks.transformer_net` with ``num_styles``).

    ``content``: ``(1, H, W, 3)`` in [0, 1]. ``weights``: one non-negative number per style
    (normalised to sum 1). The conditional instance norms blend each style's scale and shift
    linearly (Dumoulin et al. 2017), so any mix costs one forward pass.
    """
    import tensorflow as tf

    from . import data

    n = network.input[1].shape[-1]
    image = tf.convert_to_tensor(content, tf.float32)
    # autograph=False: a plain forward pass has no Python control flow to convert, and AutoGraph's attempt to
    # read a lambda's source printed a warning into the notebook that a learner cannot act on.
    forward = tf.function(lambda x, w: network([x, w], training=False), reduce_retracing=True, autograph=False)

    def render(weights: Sequence[float]) -> np.ndarray:
        w = np.asarray(weights, np.float32).reshape(-1)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
            raise ValueError(f"give {n} finite non-negative style weights with a positive sum, got {weights}")
        return data.to_uint8(forward(image, tf.constant((w / w.sum())[None])))

    return render


def alpha_slider(render: Callable[[float], np.ndarray], *, value: float = 1.0, scale: int = 1) -> ImagePanel:
    """A content (alpha = 0) <-> style (alpha = 1) slider and the picture ``render(alpha)``.

    ``render`` is a plain function returning a uint8 image, e.g. from
    :func:`alpha_function`. Returns the panel;
    ``panel.render(alpha=...)`` is ``render`` with the range checked.
    """
    check_range("alpha", value, 0.0, 1.0, "0 = content, 1 = full style")

    def checked(alpha: float) -> np.ndarray:
        return render(check_range("alpha", alpha, 0.0, 1.0, "0 = content, 1 = full style"))

    slider = ipywidgets.FloatSlider(
        value=value, min=0.0, max=1.0, step=0.05, description="alpha (style)", style={"description_width": "initial"}
    )
    return ImagePanel(checked, {"alpha": slider}, scale=scale, caption="AdaIN: alpha blends content and style features")


def alpha_function(stylizer: Any, content: Any, style: Any) -> Callable[[float], np.ndarray]:
    """A plain function ``render(alpha) -> uint8 (H, W, 3)`` for :func:`alpha_slider`: an AdaIN stylizer
    (:class:`ganstyle_lib.style.networks.AdaINStylizer`) on ``content`` and ``style``, both
    ``(1, H, W, 3)`` in [0, 1]; ``alpha`` in [0, 1] goes from the content (0) to the full style (1).
    """
    from . import data

    def render(alpha: float) -> np.ndarray:
        return data.to_uint8(stylizer(content, style, alpha=float(alpha)))

    return render


#: Every builder, by name (the browser test finds notebooks with widgets by these names).
BUILDERS: dict[str, Callable[..., ImagePanel]] = {
    fn.__name__: fn for fn in (latent_slider, class_explorer, weights_panel, style_mixer, alpha_slider)
}
