"""GAN losses with one signature, and the two gradient penalties.

Naming rule (the one TF-GAN's ``losses_impl.py`` uses):

* ``xxx_discriminator_loss(real_logits, fake_logits)`` -- the loss the
  discriminator (or critic) *minimises*;
* ``xxx_generator_loss(fake_logits)`` -- the loss the generator *minimises*;
* penalties stand apart and take the network itself, because they need its
  gradient with respect to the input: :func:`gradient_penalty`, :func:`r1_penalty`.

``real_logits`` are the discriminator's raw outputs on real data, ``fake_logits``
on generated data: any float tensors of the same batch size, shape ``(batch,)``
or ``(batch, 1)``, values in (-inf, inf). *No* sigmoid is applied by the caller.
For the minimax and non-saturating losses the probability "this is real" is
``D(x) = sigmoid(logit)``; the least-squares, hinge and Wasserstein losses use the
raw output directly (for the Wasserstein loss it is a critic score, not a
probability). Every loss averages over all elements and returns a float32 scalar.

Numerical stability: ``log(sigmoid(l))`` is written ``-softplus(-l)`` and
``log(1 - sigmoid(l))`` is ``-softplus(l)``, so values and gradients stay finite
even at logits of +-100, where ``sigmoid`` rounds to exactly 0 or 1 in float32.

Trainers pick a pair by name from :data:`LOSSES`::

    d_loss_fn, g_loss_fn = LOSSES["non_saturating"]
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "gradient_penalty",
    "r1_penalty",
    "LOSSES",
]


#: (H, W, C) of the course's digit images: a tensor of that shape handed to a loss is images, not logits.
#: (The patch discriminators' logit maps are (B, h, w, 1) too, but far smaller than their 28-px inputs.)
_DIGIT_IMAGE_SHAPE = (28, 28, 1)


def _as_logits(x, name: str) -> tf.Tensor:
    """``x`` as float32 logits after a shape check: ``(B,)``, ``(B, 1)`` or a patch map ``(B, h, w, 1)``.

    Logits may take any real value, so only the shape can tell them from images;
    passing the generator's images instead of ``discriminator(images)`` is refused.
    """
    x = _as_float32(x)
    shape = tuple(x.shape)
    if x.shape.rank is None:  # unknown rank inside a traced function: nothing to check
        return x
    rank, channels = len(shape), shape[-1] if shape else None
    wrong_channels = channels not in (1, None)  # None: not known while tracing, let it pass
    if rank == 3 or rank >= 5 or (rank in (2, 4) and wrong_channels) or (rank == 4 and shape[1:] == _DIGIT_IMAGE_SHAPE):
        raise ValueError(
            f"{name} must be discriminator logits of shape (batch,), (batch, 1) or a patch map "
            f"(batch, h, w, 1); got shape {shape}, which looks like a batch of images: "
            "pass discriminator(images), not the images"
        )
    return x


def _as_float32(x) -> tf.Tensor:
    # Losses are computed in float32 even under a mixed-precision policy:
    # softplus of a bfloat16 logit loses most of its digits.
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


# --- minimax (saturating) ------------------------------------------------------------


def minimax_discriminator_loss(real_logits, fake_logits) -> tf.Tensor:
    """Discriminator loss of the original minimax game (Goodfellow et al., 2014).

    ``-E[log D(x)] - E[log(1 - D(G(z)))]`` with ``D = sigmoid(logits)``: binary
    cross-entropy with label 1 for real and 0 for fake.

    Args:
        real_logits: discriminator logits on real data, shape ``(batch,)`` or
            ``(batch, 1)``, values in (-inf, inf).
        fake_logits: logits on generated data, same range.

    Returns:
        Scalar float32 in [0, inf); ``2 log 2 = 1.386`` when ``D = 1/2`` everywhere.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. 1.
    """
    real_logits, fake_logits = _as_logits(real_logits, "real_logits"), _as_logits(fake_logits, "fake_logits")
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits) -> tf.Tensor:
    """Generator loss of the minimax game: ``E[log(1 - D(G(z)))]`` (saturating).

    Its gradient with respect to a logit is ``-D(G(z))``, which vanishes when the
    discriminator confidently rejects the fakes -- exactly the situation early in
    training. Shown in the course for that reason; train with the
    non-saturating loss instead.

    Args:
        fake_logits: discriminator logits on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in (-inf, 0]; ``-log 2`` when ``D = 1/2``.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. 1.
    """
    # log(1 - sigmoid(l)) = -softplus(l)
    return -tf.reduce_mean(tf.nn.softplus(_as_logits(fake_logits, "fake_logits")))


# --- non-saturating ------------------------------------------------------------------


def non_saturating_discriminator_loss(real_logits, fake_logits) -> tf.Tensor:
    """Discriminator loss used with the non-saturating generator loss.

    Identical to :func:`minimax_discriminator_loss` (binary cross-entropy):
    only the generator's side of the game changes.

    Args:
        real_logits: logits on real data, values in (-inf, inf).
        fake_logits: logits on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in [0, inf).

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, section 3.
    """
    return minimax_discriminator_loss(real_logits, fake_logits)


def non_saturating_generator_loss(fake_logits) -> tf.Tensor:
    """Non-saturating generator loss ``-E[log D(G(z))]``.

    Same fixed point as the minimax loss, but its gradient with respect to a
    logit is ``-(1 - D(G(z)))``: close to 1 in magnitude exactly when the
    discriminator rejects the fakes, so the generator learns early in training.

    Args:
        fake_logits: discriminator logits on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in [0, inf); ``log 2`` when ``D = 1/2``.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, section 3.
    """
    return tf.reduce_mean(tf.nn.softplus(-_as_logits(fake_logits, "fake_logits")))


# --- least squares -------------------------------------------------------------------


def least_squares_discriminator_loss(real_logits, fake_logits) -> tf.Tensor:
    """LSGAN discriminator loss ``1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]``.

    Uses the 0-1 coding (fake 0, real 1) of Mao et al.; ``D`` is the raw output.

    Args:
        real_logits: raw discriminator outputs on real data, values in (-inf, inf).
        fake_logits: raw outputs on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in [0, inf).

    Reference: Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """
    real_logits, fake_logits = _as_logits(real_logits, "real_logits"), _as_logits(fake_logits, "fake_logits")
    return 0.5 * tf.reduce_mean(tf.square(real_logits - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake_logits))


def least_squares_generator_loss(fake_logits) -> tf.Tensor:
    """LSGAN generator loss ``1/2 E[(D(G(z)) - 1)^2]``.

    Args:
        fake_logits: raw discriminator outputs on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in [0, inf).

    Reference: Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """
    return 0.5 * tf.reduce_mean(tf.square(_as_logits(fake_logits, "fake_logits") - 1.0))


# --- hinge ---------------------------------------------------------------------------


def hinge_discriminator_loss(real_logits, fake_logits) -> tf.Tensor:
    """Hinge discriminator loss ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``.

    Real samples scored above 1 and fakes below -1 cost nothing, so the
    discriminator stops pushing on samples it already separates well.

    Args:
        real_logits: raw discriminator outputs on real data, values in (-inf, inf).
        fake_logits: raw outputs on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in [0, inf).

    References: Lim & Ye, "Geometric GAN", arXiv:1705.02894, 2017; Miyato et al.,
    "Spectral Normalization for Generative Adversarial Networks", ICLR 2018.
    """
    real_logits, fake_logits = _as_logits(real_logits, "real_logits"), _as_logits(fake_logits, "fake_logits")
    return tf.reduce_mean(tf.nn.relu(1.0 - real_logits)) + tf.reduce_mean(tf.nn.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits) -> tf.Tensor:
    """Hinge generator loss ``-E[D(G(z))]``.

    Args:
        fake_logits: raw discriminator outputs on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in (-inf, inf).

    References: Lim & Ye, "Geometric GAN", 2017; Miyato et al., ICLR 2018.
    """
    return -tf.reduce_mean(_as_logits(fake_logits, "fake_logits"))


# --- Wasserstein ---------------------------------------------------------------------


def wasserstein_discriminator_loss(real_logits, fake_logits) -> tf.Tensor:
    """Wasserstein critic loss ``E[f(G(z))] - E[f(x)]``.

    Minimising it maximises the critic's estimate of the Wasserstein-1 distance;
    the estimate is only meaningful when the critic is (close to) 1-Lipschitz, so
    pair this loss with :func:`gradient_penalty` (WGAN-GP) or weight clipping.

    Args:
        real_logits: critic scores on real data, values in (-inf, inf).
        fake_logits: critic scores on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in (-inf, inf); minus the distance estimate.

    Reference: Arjovsky, Chintala & Bottou, "Wasserstein Generative Adversarial
    Networks", ICML 2017.
    """
    real_logits, fake_logits = _as_logits(real_logits, "real_logits"), _as_logits(fake_logits, "fake_logits")
    return tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)


def wasserstein_generator_loss(fake_logits) -> tf.Tensor:
    """Wasserstein generator loss ``-E[f(G(z))]``.

    Args:
        fake_logits: critic scores on generated data, values in (-inf, inf).

    Returns:
        Scalar float32 in (-inf, inf).

    Reference: Arjovsky, Chintala & Bottou, ICML 2017.
    """
    return -tf.reduce_mean(_as_logits(fake_logits, "fake_logits"))


# --- penalties -----------------------------------------------------------------------


def _per_sample_grad_norm_squared(network: Callable, x: tf.Tensor) -> tf.Tensor:
    """``||d network(x_i) / d x_i||^2`` for every sample ``i``, shape ``(batch,)``.

    The inner tape is nested inside the caller's tape, so the penalty built
    from this norm can itself be differentiated (double back-propagation).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = network(x)
    # Samples do not interact in the network, so the gradient of the summed
    # scores holds each sample's own gradient in its own row.
    grads = tape.gradient(scores, x)
    return tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads)))


def gradient_penalty(
    critic: Callable, real, fake, *, seed: int | None = None, generator: tf.random.Generator | None = None
) -> tf.Tensor:
    """WGAN-GP gradient penalty ``E[(||grad f(x_hat)|| - 1)^2]``, unweighted.

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ Uniform[0, 1]``
    per sample, so the penalty pushes the critic's gradient norm towards 1 on
    the straight lines between real and generated samples. Multiply the result
    by the paper's ``lambda = 10`` (or your own weight) before adding it to
    :func:`wasserstein_discriminator_loss`.

    Args:
        critic: callable mapping a batch shaped like ``real`` to scores of
            shape ``(batch,)`` or ``(batch, 1)``; pass e.g.
            ``lambda x: model(x, training=True)`` if your model needs the flag.
        real: real samples, shape ``(batch, ...)``, any value range.
        fake: generated samples, same shape as ``real``.
        seed: optional int; the interpolation weights then come from a
            stateless generator and are the same on every call.
        generator: optional ``tf.random.Generator`` to draw the weights from
            (ignored when ``seed`` is given). By default ``tf.random.uniform``,
            which follows the global seed.

    Returns:
        Scalar float32 in [0, inf).

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """
    real, fake = _as_float32(real), _as_float32(fake)
    # Shape (batch, 1, ..., 1): one weight per sample, broadcast over its features.
    shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
    if seed is not None:
        eps = tf.random.stateless_uniform(shape, seed=[int(seed), 0])
    elif generator is not None:
        eps = generator.uniform(shape)
    else:
        eps = tf.random.uniform(shape)
    x_hat = eps * real + (1.0 - eps) * fake
    # A tiny constant keeps sqrt differentiable where a gradient is exactly zero.
    norms = tf.sqrt(_per_sample_grad_norm_squared(critic, x_hat) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def r1_penalty(discriminator: Callable, real) -> tf.Tensor:
    """R1 penalty ``E[||grad D(x)||^2]`` on real data, unweighted.

    Penalising the discriminator's gradient on real data only keeps it from
    growing steep around the data, which makes the game converge locally.
    The paper's regulariser is ``gamma / 2`` times this value (``gamma = 10`` is
    a common choice); add it to the discriminator's loss.

    Args:
        discriminator: callable mapping a batch shaped like ``real`` to logits
            of shape ``(batch,)`` or ``(batch, 1)``.
        real: real samples, shape ``(batch, ...)``, any value range.

    Returns:
        Scalar float32 in [0, inf).

    Reference: Mescheder, Geiger & Nowozin, "Which Training Methods for GANs do
    actually Converge?", ICML 2018.
    """
    return tf.reduce_mean(_per_sample_grad_norm_squared(discriminator, _as_float32(real)))


#: Loss pairs by name: ``name -> (discriminator_loss, generator_loss)``.
LOSSES: dict[str, tuple[Callable, Callable]] = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (non_saturating_discriminator_loss, non_saturating_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
}
