"""The notebook panels without a browser: set a control, the picture changes; bad values are refused.

The generators and renderers here are small stand-ins whose picture depends on
every input in a known way, so "the picture changed" is a real check of the
wiring (control -> callback -> picture) and not of a model's quality. The
browser test (tests/test_browser.py) drives the same panels in JupyterLab.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstyle_lib import widgets

LATENT_DIM = 8


def shown(panel) -> np.ndarray:
    """The picture the front end would display: decode the PNG bytes of the Image widget."""
    return np.asarray(Image.open(io.BytesIO(panel.picture.value)))


def fake_generator(z, labels=None):
    """(N, D) latents [+ labels] -> (N, 28, 28, 1) in [-1, 1]; brightness follows z[0] and the label."""
    z = np.asarray(z, np.float32)
    level = np.tanh(z[:, :1]) * 0.5 + (0.0 if labels is None else np.asarray(labels)[:, None] / 20.0)
    ramp = np.linspace(-0.5, 0.5, 28, dtype=np.float32)
    return np.clip(level[:, :, None, None] + ramp[None, None, :, None], -1, 1).transpose(0, 2, 3, 1) * np.ones(
        (1, 28, 28, 1), np.float32
    )


def colour_render(**weights):
    """A 16x16 RGB picture whose colour is the weights: a stand-in for a style network."""
    rgb = np.array(list(weights.values())[:3] + [0.0] * (3 - len(weights)), np.float32)
    return (np.ones((16, 16, 3), np.float32) * rgb / max(rgb.max(), 1e-6) * 255).astype(np.uint8)


# --------------------------------------------------------------------------- latent slider (notebook 02)


def test_latent_slider_draws_a_new_image_when_t_moves():
    z0, z1 = -np.ones(LATENT_DIM, np.float32), np.ones(LATENT_DIM, np.float32)
    panel = widgets.latent_slider(fake_generator, z0, z1, scale=2)
    before = shown(panel)
    assert before.shape == (56, 56)  # 28 x 28 digit, magnified 2x, grey
    panel.controls["t"].value = 1.0
    after = shown(panel)
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 20
    np.testing.assert_array_equal(panel.pixels, panel.render(t=1.0))
    np.testing.assert_array_equal(panel.render(t=0.0)[..., 0], before[::2, ::2])


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_latent_slider_refuses_t_outside_0_1(bad):
    panel = widgets.latent_slider(fake_generator, np.zeros(LATENT_DIM), np.ones(LATENT_DIM))
    with pytest.raises(ValueError, match=r"t must be in \[0, 1\]"):
        panel.render(t=bad)


# --------------------------------------------------------------------------- class explorer (notebook 03)


def test_class_explorer_draws_a_new_image_for_a_new_class_and_a_new_latent():
    calls = []

    def generate(z, labels):
        calls.append((z.shape, labels.tolist()))
        return fake_generator(z, labels)

    panel = widgets.class_explorer(generate, LATENT_DIM, seed=0)
    first = shown(panel)
    panel.controls["label"].value = 9
    by_class = shown(panel)
    panel.controls["t"].value = 1.0
    by_latent = shown(panel)
    assert calls[0] == ((1, LATENT_DIM), [0]) and calls[-1] == ((1, LATENT_DIM), [9])
    assert not np.array_equal(first, by_class)
    assert not np.array_equal(by_class, by_latent)


@pytest.mark.parametrize(
    "values, message",
    [
        (dict(label=10, t=0.0), r"label must be an integer class in 0 \.\.\. 9"),
        (dict(label=2.5, t=0.0), r"label must be an integer class"),
        (dict(label=3, t=-1.0), r"t must be in \[0, 1\]"),
    ],
)
def test_class_explorer_refuses_bad_values(values, message):
    panel = widgets.class_explorer(fake_generator, LATENT_DIM)
    with pytest.raises(ValueError, match=message):
        panel.render(**values)


# --------------------------------------------------------------------------- weights panel (notebook 04)


def weights_render(content_weight, style_weight, tv_weight):
    return colour_render(c=content_weight, s=style_weight, t=tv_weight)


def test_weights_panel_redraws_only_when_run_is_pressed():
    calls = []

    def render(**weights):
        calls.append(weights)
        return weights_render(**weights)

    panel = widgets.weights_panel(render, content_weight=1.0, style_weight=1.0, tv_weight=0.1, caption="untrained")
    assert calls == [dict(content_weight=1.0, style_weight=1.0, tv_weight=0.1)]  # drawn once when built
    before = shown(panel)
    panel.controls["style_weight"].value = 100.0
    assert len(calls) == 1 and "press Run" in panel.status.value
    panel.button.click()
    assert calls[-1]["style_weight"] == pytest.approx(100.0)
    assert not np.array_equal(shown(panel), before)
    assert panel.status.value.startswith("untrained (")  # caption and seconds


@pytest.mark.parametrize(
    "name, value", [("style_weight", 1e3), ("style_weight", -1.0), ("tv_weight", 2.0), ("content_weight", 0.0)]
)
def test_weights_panel_refuses_weights_outside_the_slider_range(name, value):
    with pytest.raises(ValueError, match=rf"{name} must be in \["):
        widgets.weights_panel(weights_render, **{name: value})
    panel = widgets.weights_panel(weights_render)
    with pytest.raises(ValueError, match=rf"{name} must be in \["):
        panel.render(**{**panel.values(), name: value})


# --------------------------------------------------------------------------- style mixer, AdaIN (notebook 05)


def test_style_mixer_with_three_styles_redraws_for_each_slider():
    panel = widgets.style_mixer(lambda w: colour_render(a=w[0], b=w[1], c=w[2]), ["wave", "starry", "udnie"])
    only_wave = shown(panel)
    assert tuple(only_wave[0, 0]) == (255, 0, 0)
    panel.controls["udnie"].value = 1.0
    assert tuple(shown(panel)[0, 0]) == (255, 0, 255)


def test_style_mixer_shows_an_error_instead_of_raising_in_the_callback():
    panel = widgets.style_mixer(lambda w: colour_render(a=w[0], b=w[1], c=w[2]), ["wave", "starry", "udnie"])
    before = shown(panel)
    panel.controls["wave"].value = 0.0  # all weights 0 now: nothing to mix
    assert "all style weights are 0" in panel.status.value and "color:#c00" in panel.status.value
    np.testing.assert_array_equal(shown(panel), before)  # the last good picture stays
    panel.controls["starry"].value = 0.5
    assert "error" not in panel.status.value.lower() and "#c00" not in panel.status.value


def test_style_mixer_with_two_styles_is_one_slider():
    panel = widgets.style_mixer(lambda w: colour_render(a=w[0], b=w[1]), ["wave", "starry"])
    assert list(panel.controls) == ["mix"]
    half = shown(panel)
    panel.controls["mix"].value = 1.0
    assert tuple(shown(panel)[0, 0]) == (0, 255, 0) != tuple(half[0, 0])
    with pytest.raises(ValueError, match=r"mix must be in \[0, 1\] \(0 = wave, 1 = starry\)"):
        panel.render(mix=1.2)
    with pytest.raises(ValueError, match="at least two styles"):
        widgets.style_mixer(colour_render, ["wave"])


def test_alpha_slider_redraws_and_refuses_alpha_outside_0_1():
    panel = widgets.alpha_slider(lambda alpha: colour_render(a=1 - alpha, b=alpha), value=1.0, scale=2)
    full_style = shown(panel)
    assert full_style.shape == (32, 32, 3)
    panel.controls["alpha"].value = 0.0
    assert not np.array_equal(shown(panel), full_style)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\] \(0 = content, 1 = full style\), got 1.5"):
        panel.render(alpha=1.5)
    with pytest.raises(ValueError, match="alpha must be in"):
        widgets.alpha_slider(colour_render, value=-0.5)


def test_render_must_return_uint8():
    with pytest.raises(TypeError, match="uint8"):
        widgets.alpha_slider(lambda alpha: np.zeros((4, 4, 3), np.float32))


# ------------------------------------------------------------- the real library functions behind the panels


def test_panels_on_small_real_models():
    """The notebooks' render functions (untrained, tiny) through the panels: the picture moves."""
    from ganstyle_lib.gan import conditional, models
    from ganstyle_lib.style import networks

    generator = models.dcgan_generator(LATENT_DIM, width=8, seed=0)
    panel = widgets.latent_slider(lambda z: generator(z, training=False), np.zeros(LATENT_DIM), np.ones(LATENT_DIM))
    before = shown(panel)
    panel.controls["t"].value = 1.0
    assert not np.array_equal(shown(panel), before)

    cond = conditional.conditional_generator(LATENT_DIM, width=8, seed=0)
    panel = widgets.class_explorer(lambda z, y: cond([z, y], training=False), LATENT_DIM)
    before = shown(panel)
    panel.controls["label"].value = 5
    assert not np.array_equal(shown(panel), before)

    net = networks.transformer_net(0.125, num_styles=2)
    for layer in net.layers:  # untrained style parameters are all alike: make the two styles differ
        if isinstance(layer, networks.ConditionalInstanceNormalization):
            layer.beta.assign(np.random.default_rng(0).normal(size=layer.beta.shape).astype("float32"))
    content = np.random.default_rng(1).uniform(size=(1, 24, 24, 3)).astype("float32")
    panel = widgets.style_mixer(widgets.mixing_function(net, content), ["a", "b"])
    before = shown(panel)
    panel.controls["mix"].value = 0.0
    assert not np.array_equal(shown(panel), before)


def test_preview_function_is_plain():
    """notebook 04's render: a short transfer of a copy shrunk to max_dim, uint8 out; bad images named."""
    from ganstyle_lib.style.features import VGGFeatures

    layers = ("block1_conv1", "block2_conv1")
    extractor = VGGFeatures(layers + ("block2_conv2",), weights="untrained")
    yy, xx = np.mgrid[0:32, 0:40] / 40.0
    content = np.stack([yy, xx, 0.5 * (yy + xx)], -1)[None].astype(np.float32)
    style = np.random.default_rng(0).uniform(size=(1, 36, 36, 3)).astype(np.float32)
    kw = dict(extractor=extractor, max_dim=16, steps=2, style_layers=layers, content_layers=("block2_conv2",))
    render = widgets.preview_function(content, style, **kw)
    out = render(content_weight=1.0, style_weight=5.0, tv_weight=0.0)
    assert out.dtype == np.uint8 and out.shape == (13, 16, 3)
    two_styles = widgets.preview_function(content[0], [(style, 1.0), (1.0 - style, 3.0)], **kw)  # (H, W, 3) too
    assert two_styles(style_weight=5.0).shape == (13, 16, 3)
    with pytest.raises(ValueError, match=r"content must be in \[0, 1\]"):
        widgets.preview_function(content * 255.0, style, **kw)
    with pytest.raises(ValueError, match=r"style image must be one RGB image"):
        widgets.preview_function(content, style[0, :, :, 0], **kw)


def test_alpha_function_renders_an_adain_stylizer():
    from ganstyle_lib.style import features, networks

    encoder = features.VGGFeatures(networks.ADAIN_LAYERS, weights="untrained")
    stylizer = networks.AdaINStylizer(encoder, width=0.125)
    rng = np.random.default_rng(0)
    content, style = (rng.uniform(size=(1, 24, 24, 3)).astype("float32") for _ in range(2))
    render = widgets.alpha_function(stylizer, content, style)
    assert render(0.0).dtype == np.uint8 and render(0.0).shape == (24, 24, 3)
    assert not np.array_equal(render(0.0), render(1.0))


def test_importing_widgets_does_not_import_tensorflow():
    """The render factories import the style modules when called, so a panel of notebook 02 loads no more."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    script = (
        "import json, sys\n"
        "import ganstyle_lib.widgets\n"
        "print(json.dumps(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
