"""Feed-forward stylisation networks: shapes, instance norm, conditional IN, AdaIN (issue 8)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.style import networks


@pytest.mark.parametrize("kwargs", [dict(width=0.25), dict(width=0.25, norm="batch"), dict(width=0.25, num_styles=3)])
def test_transformer_keeps_odd_sizes_and_range(kwargs):
    net = networks.transformer_net(**kwargs)
    x = np.random.default_rng(0).uniform(size=(2, 257, 321, 3)).astype(np.float32)
    inputs = [x, np.eye(3, dtype=np.float32)[[0, 2]]] if kwargs.get("num_styles") else x
    y = np.asarray(net(inputs, training=False))
    assert y.shape == x.shape
    assert y.min() >= 0.0 and y.max() <= 1.0


def test_transformer_small_odd_sizes():
    net = networks.transformer_net(0.125)
    for h, w in [(17, 9), (30, 31), (64, 65)]:
        assert net(np.zeros((1, h, w, 3), np.float32)).shape == (1, h, w, 3)


def test_transformer_table_and_width_multiplier():
    full, half = networks.transformer_net(1.0), networks.transformer_net(0.5)
    assert [l.name for l in full.layers if "conv" in l.name or "res" in l.name or "up" in l.name][:3] == [
        "conv1",
        "conv1_norm",
        "conv1_relu",
    ]
    assert full.get_layer("conv1").conv.kernel.shape == (9, 9, 3, 32)
    assert full.get_layer("conv3").conv.kernel.shape == (3, 3, 64, 128)
    assert half.get_layer("conv3").conv.kernel.shape == (3, 3, 32, 64)
    assert full.get_layer("up1").conv.kernel.shape == (3, 3, 128, 64)
    assert full.get_layer("conv_out").conv.kernel.shape == (9, 9, 32, 3)
    # ~1.68 M parameters as in Johnson et al.; the half-width network has about a quarter
    assert 1.6e6 < networks.count_params(full) < 1.8e6
    flops_full = networks.conv_flops(full, 64, 64)
    assert 3.5 < flops_full / networks.conv_flops(half, 64, 64) < 4.1
    assert flops_full == pytest.approx(networks.conv_flops(full, 128, 128) / 4, rel=1e-6)


def test_instance_norm_normalises_each_sample_and_channel():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 11, 7, 5)) * rng.uniform(0.1, 10, size=(3, 1, 1, 5)) + rng.normal(size=(3, 1, 1, 5)) * 5
    y = networks.instance_norm(tf.constant(x, tf.float32)).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-3)
    # a sample's output does not depend on the rest of the batch
    np.testing.assert_allclose(networks.instance_norm(tf.constant(x[:1], tf.float32)).numpy(), y[:1], atol=1e-6)
    layer = networks.InstanceNormalization()
    layer.build(x.shape)
    layer.set_weights([np.full(5, 2.0, np.float32), np.full(5, 0.5, np.float32)])
    np.testing.assert_allclose(layer(tf.constant(x, tf.float32)).numpy(), 2 * y + 0.5, atol=1e-5)
    group = keras.layers.GroupNormalization(groups=-1, epsilon=networks.EPSILON)
    np.testing.assert_allclose(group(tf.constant(x, tf.float32)).numpy(), y, atol=1e-4)


def test_conditional_instance_norm_one_hot_and_linear_mixing():
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(2, 6, 5, 4)), tf.float32)
    layer = networks.ConditionalInstanceNormalization(3)
    layer.build([x.shape, (None, 3)])
    gamma, beta = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    layer.set_weights([gamma, beta])
    normed = networks.instance_norm(x).numpy()
    for n in range(3):
        w = np.tile(np.eye(3, dtype=np.float32)[n], (2, 1))
        np.testing.assert_allclose(layer([x, w]).numpy(), normed * gamma[n] + beta[n], atol=1e-5)
    single = networks.InstanceNormalization()
    single.build(x.shape)
    single.set_weights([gamma[1], beta[1]])
    np.testing.assert_allclose(
        layer([x, np.tile(np.eye(3, dtype=np.float32)[1], (2, 1))]).numpy(), single(x).numpy(), atol=1e-5
    )
    # mixing is linear in the parameters: w = a e0 + (1 - a) e2 gives the mixed gamma and beta
    a = 0.3
    w = np.tile(np.array([a, 0.0, 1 - a], np.float32), (2, 1))
    mixed_gamma, mixed_beta = a * gamma[0] + (1 - a) * gamma[2], a * beta[0] + (1 - a) * beta[2]
    np.testing.assert_allclose(layer([x, w]).numpy(), normed * mixed_gamma + mixed_beta, atol=1e-5)
    # per-sample styles in one batch
    w2 = np.eye(3, dtype=np.float32)[[0, 2]]
    out = layer([x, w2]).numpy()
    np.testing.assert_allclose(out[1], normed[1] * gamma[2] + beta[2], atol=1e-5)


def test_adain_matches_style_statistics():
    rng = np.random.default_rng(3)
    content = tf.constant(rng.normal(3.0, 2.0, size=(2, 9, 7, 6)), tf.float32)
    style = tf.constant(
        rng.normal(size=(2, 12, 10, 6)) * rng.uniform(0.2, 4, size=(2, 1, 1, 6)) + rng.normal(size=(2, 1, 1, 6)),
        tf.float32,
    )
    out = networks.adain(content, style).numpy()
    s = style.numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), s.mean(axis=(1, 2)), atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), s.std(axis=(1, 2)), rtol=1e-3, atol=1e-3)
    # the layout is the content's: AdaIN of content with itself is (almost) the identity
    np.testing.assert_allclose(networks.adain(content, content).numpy(), content.numpy(), atol=1e-3)
    layer = networks.AdaIN()
    np.testing.assert_allclose(layer([content, style]).numpy(), out, atol=1e-6)


def test_adain_stylizer_any_size_and_alpha():
    from ganstyle_lib.style.features import VGGFeatures

    encoder = VGGFeatures(networks.ADAIN_LAYERS, weights="untrained")
    stylizer = networks.AdaINStylizer(encoder, width=0.125)
    content = np.random.default_rng(4).uniform(size=(1, 37, 45, 3)).astype(np.float32)
    style = np.random.default_rng(5).uniform(size=(1, 32, 24, 3)).astype(np.float32)
    out = stylizer(content, style, alpha=0.5).numpy()
    assert out.shape == content.shape and 0.0 <= out.min() and out.max() <= 1.0
    # alpha = 0 is the decoder applied to the content's own features
    fc = stylizer.encode(tf.pad(content, [[0, 0], [0, 3], [0, 3], [0, 0]], mode="REFLECT"))["block4_conv1"]
    recon = stylizer.decode(fc).numpy()[:, :37, :45]
    np.testing.assert_allclose(stylizer(content, style, alpha=0.0).numpy(), recon, atol=1e-5)
    with pytest.raises(ValueError, match="alpha"):
        stylizer(content, style, alpha=1.5)


@pytest.mark.parametrize("layer, channels, stride", [("block2_conv1", 128, 2), ("block3_conv1", 256, 4)])
def test_adain_shallower_encoder_layer(layer, channels, stride):
    from ganstyle_lib.style.features import VGGFeatures

    decoder = networks.adain_decoder(0.125, layer=layer)
    assert decoder.input.shape[-1] == channels
    assert decoder(tf.zeros((1, 5, 3, channels))).shape == (1, 5 * stride, 3 * stride, 3)
    stylizer = networks.AdaINStylizer(VGGFeatures(networks.ADAIN_LAYERS, weights="untrained"), width=0.125, layer=layer)
    content = np.random.default_rng(7).uniform(size=(1, 37, 45, 3)).astype(np.float32)
    style = np.random.default_rng(8).uniform(size=(1, 20, 24, 3)).astype(np.float32)
    assert stylizer(content, style).shape == content.shape
    with pytest.raises(ValueError, match="layer"):
        networks.adain_decoder(0.125, layer="block5_conv1")


def test_save_and_load_keeps_the_network(tmp_path):
    from ganstyle_lib.style import training

    net = networks.transformer_net(0.125, num_styles=2)
    x = [np.random.default_rng(6).uniform(size=(1, 21, 19, 3)).astype(np.float32), np.array([[0.25, 0.75]], np.float32)]
    path = training.save_transformer(net, tmp_path / "n.keras")
    again = training.load_transformer(path)
    np.testing.assert_allclose(again(x).numpy(), net(x).numpy(), atol=1e-6)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
