"""style.fast_forward: the CPU rewrite of a transformer network computes the same function (issue 22's speed)."""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.style import fast_forward, networks, pretrained, stylize


def _perturbed(net, seed=0):
    """Random norms and biases too, so that every weight the rewrite rearranges matters."""
    rng = np.random.default_rng(seed)
    for weight in net.weights:
        weight.assign(weight.numpy() + rng.normal(0, 0.1, weight.shape).astype("float32"))
    return net


def test_every_original_tap_is_used_once_per_output_phase():
    sub = fast_forward.subpixel_taps()  # (i, j, r, s, a, b)
    assert np.array_equal(sub.sum(axis=(0, 1)), np.ones((2, 2, 3, 3)))
    blocks = fast_forward.space_to_depth_taps(9)  # (qy, qx, sy, sx, ry, rx, a, b)
    assert blocks.shape == (5, 5, 2, 2, 2, 2, 9, 9)
    assert np.array_equal(blocks.sum(axis=(0, 1, 2, 3)), np.ones((2, 2, 9, 9)))


@pytest.mark.parametrize("num_styles", [0, 3])
@pytest.mark.parametrize("size", [(33, 31), (37, 50), (64, 64)])
def test_rewrite_computes_what_the_network_computes(num_styles, size):
    net = _perturbed(networks.transformer_net(0.25, num_styles=num_styles))
    fast = fast_forward.rewrite(net)
    names = [layer.name for layer in fast.layers]
    assert {"up1_subpixel", "up2_subpixel", "conv_out_blocks"} <= set(names), names
    x = tf.random.uniform((2, *size, 3), seed=1)
    inputs = [x, tf.constant([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])] if num_styles else x
    expected, got = net(inputs), fast(inputs)
    assert got.shape == expected.shape == (2, *size, 3)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=2e-5)


def test_rewrite_follows_the_networks_weights_and_keeps_its_residual_output():
    net = _perturbed(networks.transformer_net(0.25, residual_output=True))
    fast = fast_forward.rewrite(net)
    x = tf.random.uniform((1, 21, 26, 3), seed=2)
    before = fast(x).numpy()
    _perturbed(net, seed=1)  # "trained further"
    after = fast(x).numpy()
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(after, net(x).numpy(), atol=2e-5)


def test_other_networks_come_back_unchanged():
    import keras

    plain = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 3, padding="same")])
    assert fast_forward.rewrite(plain) is plain
    decoder = networks.adain_decoder(0.25)  # convolutions, but no UpsampleConvLayer: not a transformer network
    assert fast_forward.rewrite(decoder) is decoder


def test_shipped_network_in_bfloat16_matches_its_plain_forward_pass():
    """What `ganstyle stylize` runs against the network as built: to bfloat16 rounding."""
    net = stylize.load_network(pretrained.available()["starry_night"], policy=stylize.inference_policy())
    x = tf.random.uniform((1, 45, 61, 3), seed=3)
    plain = tf.cast(net(x, training=False), tf.float32).numpy()
    fast = tf.cast(stylize.traced_forward(net)(x), tf.float32).numpy()
    assert fast.shape == plain.shape
    assert np.abs(fast - plain).mean() < 2e-3 and np.abs(fast - plain).max() < 0.03
