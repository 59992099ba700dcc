"""VGG19 feature extractor: layers, truncation, preprocessing, weights from .h5, untrained flag."""

import logging

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib import config
from ganstyle_lib.style import features
from ganstyle_lib.style.features import VGGFeatures


def test_returns_exactly_the_layers_asked_and_stops_at_the_deepest():
    ext = VGGFeatures(["block2_conv1", "block1_conv1"], weights="untrained")
    out = ext(tf.random.uniform((2, 32, 40, 3), seed=0))
    assert set(out) == {"block1_conv1", "block2_conv1"}
    assert out["block1_conv1"].shape == (2, 32, 40, 64)
    assert out["block2_conv1"].shape == (2, 16, 20, 128)
    assert ext.deepest == "block2_conv1"
    assert [l.name for l in ext.model.layers][1:] == ["block1_conv1", "block1_conv2", "block1_pool", "block2_conv1"]


def test_layer_names_match_keras_applications():
    ref = keras.applications.VGG19(weights=None, include_top=False)
    assert tuple(l.name for l in ref.layers[1:]) == features.VGG19_LAYERS
    ext = VGGFeatures(["block5_pool"], weights="untrained")
    assert [l.name for l in ext.model.layers[1:]] == list(features.VGG19_LAYERS)
    with pytest.raises(ValueError, match="unknown VGG19 layer"):
        VGGFeatures(["block6_conv1"], weights="untrained")


def test_preprocess_matches_keras_vgg19():
    x = np.random.default_rng(0).uniform(size=(1, 5, 6, 3)).astype(np.float32)
    ref = keras.applications.vgg19.preprocess_input(x * 255.0)
    np.testing.assert_allclose(features.preprocess(x).numpy(), ref, rtol=1e-5, atol=1e-3)


def test_untrained_weights_are_flagged_deterministic_and_logged(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path))  # no ImageNet file cached
    monkeypatch.delenv(features.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setattr(features, "_UNTRAINED_ANNOUNCED", False)  # as in a fresh process
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    config.logger.addHandler(handler)
    try:
        a = VGGFeatures(["block1_conv2"])
        VGGFeatures(["block1_conv2"])  # a second extractor in the same process: the notice is not repeated
    finally:
        config.logger.removeHandler(handler)
    assert a.pretrained is False and a.weights_source.startswith("untrained")
    assert "UNTRAINED" in a.label
    assert sum("UNTRAINED VGG19" in r.getMessage() for r in records) == 1
    b = VGGFeatures(["block1_conv2"], weights="untrained")
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.fixture(scope="module")
def keras3_weights_file(tmp_path_factory):
    ref = keras.applications.VGG19(weights=None, include_top=False)
    path = tmp_path_factory.mktemp("vgg") / "vgg19_notop.weights.h5"
    ref.save_weights(path)
    return ref, path


def test_loads_keras3_save_weights_file(keras3_weights_file, monkeypatch):
    ref, path = keras3_weights_file
    monkeypatch.setenv(features.WEIGHTS_ENV_VAR, str(path))
    ext = VGGFeatures(["block1_conv1", "block3_conv2"])
    assert ext.pretrained is True and str(path) in ext.weights_source
    for layer in ext.model.layers[1:]:
        for got, want in zip(layer.get_weights(), ref.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(got, want)


def test_loads_keras_applications_h5_by_name(tmp_path):
    """The ImageNet file's layout: attribute layer_names, one group per layer with weight_names."""
    import h5py

    rng = np.random.default_rng(3)
    path = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    expected = {}
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in features.VGG19_LAYERS]
        for name in features.VGG19_LAYERS[:3]:  # block1 only: enough for a block1 extractor
            g = f.create_group(name)
            if "conv" not in name:
                g.attrs["weight_names"] = []
                continue
            cin = 3 if name == "block1_conv1" else 64
            k = rng.standard_normal((3, 3, cin, 64)).astype(np.float32)
            b = rng.standard_normal(64).astype(np.float32)
            g.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            g.create_dataset(f"{name}/kernel:0", data=k)
            g.create_dataset(f"{name}/bias:0", data=b)
            expected[name] = (k, b)
    ext = VGGFeatures(["block1_conv2"], weights=path)
    assert ext.pretrained
    for name, (k, b) in expected.items():
        got_k, got_b = ext.model.get_layer(name).get_weights()
        np.testing.assert_array_equal(got_k, k)
        np.testing.assert_array_equal(got_b, b)
    with pytest.raises(ValueError, match="no weights for block2_conv1"):
        VGGFeatures(["block2_conv1"], weights=path)


def test_missing_env_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(features.WEIGHTS_ENV_VAR, str(tmp_path / "nope.h5"))
    with pytest.raises(FileNotFoundError, match=features.WEIGHTS_ENV_VAR):
        VGGFeatures(["block1_conv1"])
