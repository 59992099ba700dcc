"""Gram matrix and style-transfer losses against NumPy and hand-computed values."""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.style import losses


def numpy_gram(f):
    b, h, w, c = f.shape
    flat = f.reshape(b, h * w, c)
    return np.einsum("bpc,bpd->bcd", flat, flat) / (h * w)


@pytest.mark.parametrize("shape", [(1, 4, 4, 3), (2, 5, 7, 6), (3, 8, 3, 16)])
def test_gram_matrix_matches_numpy_batched_non_square(shape):
    f = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    g = losses.gram_matrix(f).numpy()
    assert g.shape == (shape[0], shape[3], shape[3])
    np.testing.assert_allclose(g, numpy_gram(f.astype(np.float64)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g, np.swapaxes(g, 1, 2), atol=1e-6)  # symmetric


def test_gram_matrix_by_hand_and_rejects_wrong_rank():
    # 1x2 positions, 2 channels: F = [[1, 2], [3, 4]] -> F^T F / 2 = [[10, 14], [14, 20]] / 2
    f = tf.constant([[[[1.0, 2.0], [3.0, 4.0]]]])
    np.testing.assert_allclose(losses.gram_matrix(f).numpy()[0], [[5.0, 7.0], [7.0, 10.0]])
    with pytest.raises(ValueError, match=r"\(B, H, W, C\)"):
        losses.gram_matrix(tf.zeros((4, 4, 3)))


def test_content_loss_by_hand():
    target = tf.constant([[[[3.0, 4.0]]]])  # ||t||^2 = 25
    feats = tf.constant([[[[0.0, 4.0]]]])  # ||f - t||^2 = 9
    assert losses.content_loss(feats, target).numpy() == pytest.approx(9 / 25)
    assert losses.content_loss(feats, target, normalized=False).numpy() == pytest.approx(9 / 2)
    assert losses.content_loss(target, target).numpy() == 0.0


def test_style_loss_by_hand_with_layer_weights():
    # a: one position, features (1, 0) -> G = [[1, 0], [0, 0]]; target G_t = [[2, 0], [0, 0]]
    feats = {"a": tf.constant([[[[1.0, 0.0]]]]), "b": tf.constant([[[[0.0, 2.0]]]])}
    targets = {
        "a": tf.constant([[[2.0, 0.0], [0.0, 0.0]]]),  # (1-2)^2 / 4 = 0.25
        "b": tf.constant([[[0.0, 0.0], [0.0, 2.0]]]),
    }  # (4-2)^2 / 4 = 1.0
    assert losses.style_loss(feats, targets).numpy() == pytest.approx((0.25 + 1.0) / 2)
    assert losses.style_loss(feats, targets, {"a": 2.0, "b": 0.5}).numpy() == pytest.approx(0.5 + 0.5)
    assert losses.style_loss(feats, targets, {"a": 1.0}).numpy() == pytest.approx(0.25)
    # tutorial convention: mean squared error of the Gram entries: 1/4 and 4/4
    assert losses.style_loss(feats, targets, normalized=False).numpy() == pytest.approx((0.25 + 1.0) / 2)
    with pytest.raises(KeyError, match="without a target"):
        losses.style_loss(feats, targets, {"c": 1.0})


def test_total_variation_by_hand_and_matches_tf_image():
    img = np.zeros((1, 2, 3, 1), np.float32)
    img[0, 0, 0, 0] = 1.0  # one bright pixel in a corner: |dy| sums to 1, |dx| sums to 1
    # mean over 1*3 vertical and 2*2 horizontal differences
    assert losses.total_variation_loss(img).numpy() == pytest.approx(1 / 3 + 1 / 4)
    assert losses.total_variation_loss(img, reduction="sum").numpy() == pytest.approx(2.0)
    rand = np.random.default_rng(1).uniform(size=(2, 6, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        losses.total_variation_loss(rand, reduction="sum").numpy(),
        tf.reduce_mean(tf.image.total_variation(tf.constant(rand))).numpy(),
        rtol=1e-5,
    )
    assert losses.total_variation_loss(np.ones((1, 4, 4, 3), np.float32)).numpy() == 0.0


def test_tutorial_loss_terms_are_weighted_sums():
    rng = np.random.default_rng(2)
    feats = {
        "s": tf.constant(rng.standard_normal((1, 4, 4, 3)), tf.float32),
        "c": tf.constant(rng.standard_normal((1, 2, 2, 5)), tf.float32),
    }
    image = tf.constant(rng.uniform(size=(1, 6, 6, 3)), tf.float32)
    s_t = {"s": tf.zeros((1, 3, 3))}
    c_t = {"c": tf.zeros((1, 2, 2, 5))}
    out = losses.tutorial_loss(feats, image, s_t, c_t, style_weight=2.0, content_weight=3.0, tv_weight=0.5)
    g = numpy_gram(feats["s"].numpy().astype(np.float64))
    assert out["style"].numpy() == pytest.approx(2.0 * np.mean(g**2), rel=1e-5)
    assert out["content"].numpy() == pytest.approx(3.0 * np.mean(feats["c"].numpy() ** 2), rel=1e-5)
    assert out["tv"].numpy() == pytest.approx(0.5 * tf.image.total_variation(image)[0].numpy(), rel=1e-5)
    assert out["total"].numpy() == pytest.approx(sum(out[k].numpy() for k in ("style", "content", "tv")), rel=1e-6)
