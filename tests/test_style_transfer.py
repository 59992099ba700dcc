"""Optimisation-based style transfer: a few steps lower the loss and keep pixels in [0, 1]."""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.style import losses, transfer
from ganstyle_lib.style.features import VGGFeatures

LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1")


@pytest.fixture(scope="module")
def ext():
    return VGGFeatures(LAYERS + ("block2_conv2",), weights="untrained")


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:32, 0:40] / 40.0
    content = np.stack([yy, xx, 0.5 * (yy + xx)], -1)[None].astype(np.float32)
    style = rng.uniform(size=(1, 36, 36, 3)).astype(np.float32)
    return tf.constant(content), tf.constant(style)


KW = dict(style_layers=LAYERS, content_layers=("block2_conv2",), progress=False)


@pytest.mark.parametrize("method", ["lbfgs", "adam"])
def test_few_steps_lower_the_loss_and_stay_in_range(ext, images, method):
    content, style = images
    result = transfer.stylize(
        content,
        style,
        extractor=ext,
        method=method,
        steps=6,
        scales=(1.0,),
        tv_weight=0.1,
        learning_rate=0.05,
        frame_every=3,
        **KW,
    )
    totals = [h["total"] for h in result.history]
    assert len(totals) >= 4 and totals[-1] < totals[0]
    img = result.image.numpy()
    assert img.shape == (1, 32, 40, 3) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() <= 1.0
    assert [f[0] for f in result.frames] == [s for s in (3, 6) if s <= len(totals)]
    assert all(b["seconds"] >= a["seconds"] for a, b in zip(result.history, result.history[1:]))


def test_coarse_to_fine_texture_and_colour_preservation(ext, images):
    content, style = images
    tex = transfer.synthesize_texture(
        style, size=(24, 28), extractor=ext, steps=(3, 3), scales=(0.5, 1.0), style_layers=LAYERS, progress=False
    )
    assert tex.image.shape == (1, 24, 28, 3)
    assert {h["size"] for h in tex.history} == {(12, 14), (24, 28)}
    lum = transfer.stylize(content, style, extractor=ext, steps=3, scales=(1.0,), preserve_color="luminance", **KW)
    # luminance-only transfer keeps the photograph's colour channels (I, Q) wherever nothing clipped
    iq_out = transfer.rgb_to_yiq(lum.image)[..., 1:].numpy()
    iq_in = transfer.rgb_to_yiq(content)[..., 1:].numpy()
    assert np.median(np.abs(iq_out - iq_in)) < 0.02
    matched = transfer.match_color(style, content).numpy().reshape(-1, 3)
    np.testing.assert_allclose(matched.mean(0), content.numpy().reshape(-1, 3).mean(0), atol=0.03)


def test_yiq_round_trip():
    x = np.random.default_rng(1).uniform(size=(1, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(transfer.yiq_to_rgb(transfer.rgb_to_yiq(x)).numpy(), x, atol=1e-5)


def test_style_interpolation_targets_are_mixed_grams(ext, images):
    content, style = images
    other = tf.reverse(style, axis=[1])
    obj = transfer.StyleObjective(ext, None, [(style, 0.25), (other, 0.75)], style_layers=LAYERS)
    ga, gb = (losses.gram_matrix(ext(s)["block1_conv1"]) for s in (style, other))
    np.testing.assert_allclose(obj.style_targets["block1_conv1"].numpy(), (0.25 * ga + 0.75 * gb).numpy(), rtol=1e-5)


def test_tutorial_convention_matches_tutorial_loss(ext, images):
    content, style = images
    obj = transfer.StyleObjective(
        ext,
        content,
        [(style, 1.0)],
        style_layers=LAYERS,
        content_layers=("block2_conv2",),
        style_weight=1e-2,
        content_weight=1e4,
        tv_weight=30,
        convention="tutorial",
    )
    feats = ext(content)
    ref = losses.tutorial_loss(feats, content, obj.style_targets, obj.content_targets)
    assert obj(content)["total"].numpy() == pytest.approx(ref["total"].numpy(), rel=1e-5)
    assert obj(content)["content"].numpy() == 0.0


def test_stylize_refuses_a_0_255_image_before_optimising(extractor):
    """Issue 23: a 0..255 content image optimised into a near-white picture without a word."""
    from conftest import striped_style

    photo = striped_style(24) * 255.0
    with pytest.raises(ValueError, match=r"content must be in \[0, 1\].*divide by 255\.0"):
        transfer.stylize(photo, striped_style(24), extractor=extractor, steps=1)
    with pytest.raises(ValueError, match=r"style image.*from_gan_range"):
        transfer.stylize(striped_style(24), striped_style(24) * 2.0 - 1.0, extractor=extractor, steps=1)
