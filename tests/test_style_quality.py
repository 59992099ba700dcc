"""The loss-independent yardstick, and the one place where defaults follow the features' kind."""

from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.style import quality, training, transfer


def _image(seed, h=40, w=48):
    return tf.constant(np.random.default_rng(seed).uniform(size=(1, h, w, 3)), tf.float32)


@pytest.fixture(scope="module")
def ext():
    return quality.quality_extractor(weights="untrained")


def test_identical_images_score_zero_and_others_do_not(ext):
    content, style = _image(0), _image(1, 56, 32)  # the style may have another size
    same = quality.score(ext, content, content, content)
    assert all(v == pytest.approx(0.0, abs=1e-6) for v in same.values())
    other = quality.score(ext, content, content, style)
    assert set(other) == {f"gram:{l}" for l in quality.STYLE_LAYERS} | {"gram_mid", "content"}
    assert all(other[f"gram:{l}"] > 0.01 for l in quality.STYLE_LAYERS)
    assert other["gram_mid"] == pytest.approx(np.mean([other[f"gram:{l}"] for l in quality.MID_LAYERS]))
    assert quality.relative_content_error(ext, _image(2), content) > 0.05


def test_relative_gram_error_is_scale_free_in_the_target(ext):
    """Twice the same error relative to a target twice as strong: the figure is a ratio of norms."""
    a, b = _image(3), _image(4)
    errors = quality.relative_gram_errors(ext, a, b, layers=("block1_conv1",))
    assert 0 < errors["block1_conv1"] < 10


def test_content_error_needs_equal_sizes(ext):
    with pytest.raises(ValueError, match="same size.*resize_to"):
        quality.relative_content_error(ext, _image(0, 40, 48), _image(1, 40, 40))


@pytest.mark.parametrize("pretrained", [True, False])
def test_defaults_follow_the_kind_of_features(pretrained):
    fake = SimpleNamespace(pretrained=pretrained)
    want_style = transfer.DEFAULTS["style_weight"] if pretrained else transfer.UNTRAINED_DEFAULTS["style_weight"]
    assert transfer.defaults_for(fake)["style_weight"] == want_style
    assert transfer.defaults_for(fake)["steps"] == transfer.DEFAULTS["steps"]
    assert training.weights_for(fake) == (training.DEFAULT_WEIGHTS if pretrained else training.UNTRAINED_WEIGHTS)
    assert transfer.DEFAULTS["style_weight"] != transfer.UNTRAINED_DEFAULTS["style_weight"]
    want_adain = training.ADAIN_STYLE_WEIGHT if pretrained else training.UNTRAINED_ADAIN_STYLE_WEIGHT
    assert training.adain_style_weight_for(fake) == want_adain


def test_stylize_and_trainer_take_the_untrained_defaults_from_the_extractor(ext, extractor):
    content, style = _image(5, 32, 32), _image(6, 32, 32)
    result = transfer.stylize(content, style, extractor=ext, steps=1, scales=(1.0,), progress=False)
    assert result.settings["style_weight"] == transfer.UNTRAINED_DEFAULTS["style_weight"]
    from ganstyle_lib.style import networks

    trainer = training.PerceptualTrainer(networks.transformer_net(0.125), style, extractor=extractor)
    assert trainer.weights_ == {
        "content": training.UNTRAINED_WEIGHTS["content_weight"],
        "style": training.UNTRAINED_WEIGHTS["style_weight"],
        "tv": training.UNTRAINED_WEIGHTS["tv_weight"],
    }
    explicit = training.PerceptualTrainer(networks.transformer_net(0.125), style, extractor=extractor, style_weight=7.0)
    assert explicit.weights_["style"] == 7.0


def test_adain_trainer_takes_its_style_weight_from_the_encoder():
    from ganstyle_lib.style import features, networks

    encoder = features.VGGFeatures(networks.ADAIN_LAYERS, weights="untrained")
    stylizer = networks.AdaINStylizer(encoder, width=0.125, layer="block3_conv1")
    assert training.AdaINTrainer(stylizer).style_weight == training.UNTRAINED_ADAIN_STYLE_WEIGHT
    assert training.AdaINTrainer(stylizer, style_weight=7).style_weight == 7.0
    assert training.ADAIN_STYLE_WEIGHT != training.UNTRAINED_ADAIN_STYLE_WEIGHT


def test_score_frames_agrees_with_score_and_resizes_coarse_frames(ext):
    content, style = _image(7, 32, 40), _image(8, 32, 32)
    result = transfer.stylize(
        content, style, extractor=ext, steps=(4, 4), scales=(0.5, 1.0), frame_every=2, progress=False
    )
    rows = quality.score_frames(ext, result, content, style)
    assert [r["step"] for r in rows] == [2, 4, 6, 8, 8]  # two coarse frames, two full-size ones, the final image
    last = quality.score(ext, result.image, content, style)
    assert rows[-1]["gram_mid"] == pytest.approx(last["gram_mid"], rel=1e-5)
    assert rows[-1]["content"] == pytest.approx(last["content"], rel=1e-5)
    coarse = transfer.resize_to(result.frames[0][2], content.shape[1:3])
    assert rows[0]["gram_mid"] == pytest.approx(quality.score(ext, coarse, content, style)["gram_mid"], rel=1e-4)
    full_only = quality.score_frames(ext, result, content, style, full_size_only=True)
    assert [r["step"] for r in full_only] == [6, 8, 8]


def test_first_match_needs_both_errors_at_or_below_the_target():
    rows = [
        {"step": 5, "gram_mid": 0.5, "content": 0.1},
        {"step": 10, "gram_mid": 0.3, "content": 0.9},  # style close enough, content too far
        {"step": 15, "gram_mid": 0.3, "content": 0.4},
    ]
    assert quality.first_match(rows, {"gram_mid": 0.3, "content": 0.5})["step"] == 15
    assert quality.first_match(rows, {"gram_mid": 0.6, "content": 0.2})["step"] == 5
    assert quality.first_match(rows, {"gram_mid": 0.2, "content": 1.0}) is None


def test_crop_gram_error_of_one_whole_crop_is_the_whole_image_figure(ext):
    image, style = _image(9, 40, 40), _image(10, 48, 48)
    whole = quality.mean_mid_gram_error(quality.relative_gram_errors(ext, image, style))
    assert quality.crop_gram_error(ext, image, style, crop=40, grid=1) == pytest.approx(whole, rel=1e-5)
    # a picture made of two halves, each a different texture: the crops see the difference
    halves = tf.concat([_image(11, 40, 40) * 0.2, _image(12, 40, 40)], axis=2)
    assert quality.crop_gram_error(ext, halves, style, crop=40, grid=3) != pytest.approx(
        quality.mean_mid_gram_error(quality.relative_gram_errors(ext, halves, style)), rel=1e-3
    )
    with pytest.raises(ValueError, match="crop <= 40"):
        quality.crop_gram_error(ext, image, style, crop=64)
