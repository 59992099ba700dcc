"""Tests for ganstyle_lib.gan.losses: hand-computed values, penalties, stability."""

import math

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.gan import losses

REAL = tf.constant([[0.0], [2.0]])  # D = 1/2 and sigmoid(2)
FAKE = tf.constant([[-1.0], [0.0]])  # sigmoid(-1) and 1/2


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# Each loss written out by hand from its paper's formula on REAL and FAKE.
HAND = {
    "minimax": (
        -(math.log(0.5) + math.log(sigmoid(2))) / 2 - (math.log(1 - sigmoid(-1)) + math.log(0.5)) / 2,
        (math.log(1 - sigmoid(-1)) + math.log(0.5)) / 2,
    ),
    "non_saturating": (
        -(math.log(0.5) + math.log(sigmoid(2))) / 2 - (math.log(1 - sigmoid(-1)) + math.log(0.5)) / 2,
        -(math.log(sigmoid(-1)) + math.log(0.5)) / 2,
    ),
    # 1/2 E[(D(x)-1)^2] + 1/2 E[D(G(z))^2] ; 1/2 E[(D(G(z))-1)^2]
    "least_squares": (0.5 * (1 + 1) / 2 + 0.5 * (1 + 0) / 2, 0.5 * (4 + 1) / 2),
    # E[relu(1 - real)] + E[relu(1 + fake)] ; -E[fake]
    "hinge": ((1 + 0) / 2 + (0 + 1) / 2, 0.5),
    # E[fake] - E[real] ; -E[fake]
    "wasserstein": (-0.5 - 1.0, 0.5),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_losses_match_hand_computed_values(name):
    d_loss, g_loss = losses.LOSSES[name]
    want_d, want_g = HAND[name]
    assert float(d_loss(REAL, FAKE)) == pytest.approx(want_d, rel=1e-6)
    assert float(g_loss(FAKE)) == pytest.approx(want_g, rel=1e-6)


def test_losses_table_and_public_api():
    assert set(losses.LOSSES) == {"minimax", "non_saturating", "least_squares", "hinge", "wasserstein"}
    for d_loss, g_loss in losses.LOSSES.values():
        assert d_loss.__name__.endswith("_discriminator_loss") and d_loss.__name__ in losses.__all__
        assert g_loss.__name__.endswith("_generator_loss") and g_loss.__name__ in losses.__all__
        assert "Reference" in d_loss.__doc__ and "Reference" in g_loss.__doc__


def test_value_at_d_one_half():
    zeros = tf.zeros([5, 1])
    assert float(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(2 * math.log(2))
    assert float(losses.minimax_generator_loss(zeros)) == pytest.approx(-math.log(2))
    assert float(losses.non_saturating_generator_loss(zeros)) == pytest.approx(math.log(2))


def test_losses_accept_numpy_and_return_float32_scalars():
    for d_loss, g_loss in losses.LOSSES.values():
        out = d_loss(np.zeros(3), np.ones((3, 1), np.float64))
        assert out.shape == () and out.dtype == tf.float32
        assert g_loss(np.zeros(3)).dtype == tf.float32


@pytest.mark.parametrize("name", sorted(HAND))
def test_stable_at_extreme_logits(name):
    d_loss, g_loss = losses.LOSSES[name]
    for value in (100.0, -100.0):
        real = tf.Variable(tf.fill([4, 1], value))
        fake = tf.Variable(tf.fill([4, 1], -value))
        with tf.GradientTape(persistent=True) as tape:
            ld, lg = d_loss(real, fake), g_loss(fake)
        grads = [tape.gradient(ld, real), tape.gradient(ld, fake), tape.gradient(lg, fake)]
        assert np.isfinite(float(ld)) and np.isfinite(float(lg))
        assert all(np.all(np.isfinite(g.numpy())) for g in grads)


def test_saturating_vs_non_saturating_gradients():
    # d/dl of log(1 - sigmoid(l)) is -sigmoid(l); of -log sigmoid(l) it is -(1 - sigmoid(l)).
    logit = tf.Variable([[-4.6]])  # D(G(z)) ~ 0.01: the discriminator rejects the fake
    with tf.GradientTape(persistent=True) as tape:
        sat, ns = losses.minimax_generator_loss(logit), losses.non_saturating_generator_loss(logit)
    d = sigmoid(-4.6)
    assert float(tape.gradient(sat, logit)[0, 0]) == pytest.approx(-d, rel=1e-5)
    assert float(tape.gradient(ns, logit)[0, 0]) == pytest.approx(-(1 - d), rel=1e-5)


# --- penalties -----------------------------------------------------------------------


def test_gradient_penalty_linear_critic():
    # f(x) = w.x has gradient w everywhere, so the penalty is (||w|| - 1)^2 for any interpolation.
    w = tf.constant([[3.0], [4.0]])  # ||w|| = 5 -> penalty 16
    real = tf.random.stateless_normal([16, 2], seed=[1, 2])
    fake = tf.random.stateless_normal([16, 2], seed=[3, 4])
    gp = losses.gradient_penalty(lambda x: tf.matmul(x, w), real, fake, seed=7)
    assert float(gp) == pytest.approx(16.0, rel=1e-5)


def _finite_difference_grad_norms(f, x, h=1e-3):
    """Central differences of a per-sample scalar function, float64."""
    grads = np.zeros_like(x)
    for j in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, j] = h
        grads[:, j] = (f(x + step) - f(x - step)) / (2 * h)
    return np.linalg.norm(grads, axis=1)


def test_gradient_penalty_nonlinear_critic_matches_finite_differences():
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])  # (2, 3)

    def critic_np(x):  # f(x) = sum(tanh(x A)), float64
        return np.tanh(x @ a).sum(axis=1)

    def critic_tf(x):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, tf.constant(a, x.dtype))), axis=1)

    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(8, 2)).astype(np.float32), rng.normal(size=(8, 2)).astype(np.float32)
    seed = 3
    # The same stateless weights the penalty draws: shape (batch, 1), seed [seed, 0].
    eps = tf.random.stateless_uniform([8, 1], seed=[seed, 0]).numpy()
    x_hat = (eps * real + (1 - eps) * fake).astype(np.float64)
    want = np.mean((_finite_difference_grad_norms(critic_np, x_hat) - 1.0) ** 2)
    got = float(losses.gradient_penalty(critic_tf, real, fake, seed=seed))
    assert got == pytest.approx(want, rel=1e-3)


def test_gradient_penalty_weights_are_uniform_per_sample():
    # With real = 1 and fake = 0 the interpolate equals eps itself; a critic that
    # records its input lets us look at the weights.
    seen = []

    def critic(x):
        seen.append(x.numpy())
        return tf.reduce_sum(x, axis=[1, 2])

    real, fake = tf.ones([2000, 2, 3]), tf.zeros([2000, 2, 3])
    losses.gradient_penalty(critic, real, fake, generator=tf.random.Generator.from_seed(0))
    eps = seen[0]
    # One weight per sample, shared by all its features.
    assert np.all(eps == eps[:, :1, :1])
    w = eps[:, 0, 0]
    assert w.min() >= 0.0 and w.max() <= 1.0  # a normal draw would leave [0, 1]
    assert abs(w.mean() - 0.5) < 0.03 and abs(w.var() - 1 / 12) < 0.01  # Uniform[0, 1] moments
    assert np.histogram(w, bins=4, range=(0, 1))[0].min() > 400  # flat, not bell-shaped


def test_gradient_penalty_seed_is_reproducible_and_differentiable():
    w = tf.Variable([[1.0], [2.0]])
    real, fake = tf.ones([4, 2]), tf.zeros([4, 2])

    def critic(x):
        return tf.matmul(tf.square(x), w)

    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(critic, real, fake, seed=5)
    assert float(gp) == float(losses.gradient_penalty(critic, real, fake, seed=5))
    grad = tape.gradient(gp, w)  # double back-propagation reaches the critic's weights
    assert grad is not None and np.all(np.isfinite(grad.numpy())) and np.any(grad.numpy() != 0)


def test_r1_penalty():
    # D(x) = w.x: ||grad||^2 = ||w||^2 = 25 for every sample.
    w = tf.constant([[3.0], [4.0]])
    x = tf.random.stateless_normal([8, 2], seed=[0, 1])
    assert float(losses.r1_penalty(lambda v: tf.matmul(v, w), x)) == pytest.approx(25.0, rel=1e-5)
    # D(x) = sum(x^2): grad 2x, so the penalty is E[4 ||x||^2].
    want = np.mean(4 * np.sum(x.numpy() ** 2, axis=1))
    got = float(losses.r1_penalty(lambda v: tf.reduce_sum(v**2, axis=1), x))
    assert got == pytest.approx(want, rel=1e-5)


# ---------------------------------------------------------------- issue 23: images are not logits


@pytest.mark.parametrize("shape", [(8, 28, 28, 1), (8, 32, 32, 3), (8, 784), (8, 28, 28)])
def test_a_batch_of_images_is_refused_as_logits(shape):
    images = tf.zeros(shape)
    with pytest.raises(ValueError, match="looks like a batch of images.*discriminator\\(images\\)"):
        losses.non_saturating_generator_loss(images)
    with pytest.raises(ValueError, match="real_logits"):
        losses.minimax_discriminator_loss(images, tf.zeros((8, 1)))


@pytest.mark.parametrize("shape", [(8,), (8, 1), (8, 5, 5, 1), ()])
def test_logits_of_any_value_and_the_right_shape_pass(shape):
    logits = tf.fill(shape, 50.0)
    assert np.isfinite(float(losses.non_saturating_generator_loss(logits)))
    assert np.isfinite(float(losses.hinge_discriminator_loss(logits, -logits)))
