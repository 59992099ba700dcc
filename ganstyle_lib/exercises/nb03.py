"""Checks of notebook 03's exercises: the WGAN-GP gradient penalty, the hinge losses, projection logits.

Call ``checks.check_<name>(your_function)``; ``checks.hint(name)`` gives a pointer,
``checks.hint(name, 2)`` the formula. See :mod:`.core` for the convention.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import core
from .core import Exercise, Mistake

__all__ = [
    "reference_gradient_penalty",
    "check_gradient_penalty",
    "check_hinge_losses",
    "check_projection_logits",
    "hint",
    "use",
    "EXERCISES",
]


def _tf():
    import tensorflow as tf

    return tf


def _gp_variant(
    critic: Callable,
    real: Any,
    fake: Any,
    eps: Any,
    *,
    minus_one: bool = True,
    per_sample: bool = True,
    at: str = "x_hat",
) -> Any:
    """The gradient penalty with one part changed (or none): the reference and the mistakes below."""
    tf = _tf()
    real, fake, eps = (tf.convert_to_tensor(a, tf.float32) for a in (real, fake, eps))
    x = {"x_hat": eps * real + (1.0 - eps) * fake, "real": real}[at]
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x)
    grads = tf.reshape(tape.gradient(scores, x), (tf.shape(x)[0], -1))
    if per_sample:
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))
    else:
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads)))
    return tf.reduce_mean(tf.square(norms - 1.0) if minus_one else tf.square(norms))


def reference_gradient_penalty(critic: Callable, real: Any, fake: Any, eps: Any) -> Any:
    """``mean_i (||grad critic(x_hat_i)|| - 1)^2`` at ``x_hat = eps * real + (1 - eps) * fake``.

    ``eps`` has shape (B, 1, ..., 1): one uniform weight per sample (drawn by the caller).
    """
    return _gp_variant(critic, real, fake, eps)


def _losses():
    from ..gan import losses

    return losses


def _projection():
    from ..gan.conditional import projection_logits

    return projection_logits


def _hinge_pair(d_loss: Callable, g_loss: Callable) -> Callable:
    """Both hinge losses as one function of (real_logits, fake_logits) -> [d, g], so one comparison checks both."""

    def pair(real, fake):
        return np.array([float(d_loss(real, fake)), float(g_loss(fake))], np.float32)

    return pair


def _relu(x):
    return _tf().nn.relu(x)


def _mean(x):
    return _tf().reduce_mean(x)


EXERCISES = {
    e.name: e
    for e in [
        Exercise(
            "gradient_penalty",
            "take the critic's gradient at the mixed points x_hat (watch them on a GradientTape), one norm per "
            "sample over all its pixels, and penalise how far each norm is from 1.",
            "x_hat = eps * real + (1 - eps) * fake; g = grad critic(x_hat) w.r.t. x_hat; "
            "mean over samples of (sqrt(sum over pixels g^2) - 1)^2",
            lambda: reference_gradient_penalty,
            [
                Mistake(
                    lambda *a: _gp_variant(*a, minus_one=False),
                    "the penalty pushes the norms towards 0: it must push them towards 1 (a 1-Lipschitz "
                    "critic has gradient norm 1 along the lines between real and fake).",
                ),
                Mistake(
                    lambda *a: _gp_variant(*a, per_sample=False),
                    "one norm for the whole batch: each sample needs its own gradient norm (reduce over "
                    "all axes but the batch axis).",
                ),
                Mistake(
                    lambda *a: _gp_variant(*a, at="real"),
                    "the gradient is taken at the real images: it belongs at the random mixtures x_hat.",
                ),
            ],
        ),
        Exercise(
            "hinge_losses",
            "the discriminator is penalised only where a real logit is below +1 or a fake one above -1 "
            "(relu of the margin); the generator simply raises the fake logits.",
            "d: mean(relu(1 - real_logits)) + mean(relu(1 + fake_logits)); g: -mean(fake_logits)",
            lambda: _hinge_pair(_losses().hinge_discriminator_loss, _losses().hinge_generator_loss),
            [
                Mistake(
                    _hinge_pair(lambda r, f: _mean(_relu(1 - r)), lambda f: -_mean(f)),
                    "the discriminator loss has only its real term: the fakes' margin term is missing.",
                ),
                Mistake(
                    _hinge_pair(lambda r, f: _mean(1 - r) + _mean(1 + f), lambda f: -_mean(f)),
                    "without the relu the discriminator keeps pushing logits that are already beyond "
                    "the margin: the hinge is zero there.",
                ),
                Mistake(
                    _hinge_pair(lambda r, f: _losses().hinge_discriminator_loss(r, f), lambda f: _mean(f)),
                    "the generator's loss has the wrong sign: it wants the fakes' logits to go up.",
                ),
                Mistake(
                    _hinge_pair(lambda r, f: _mean(_relu(1 + r)) + _mean(_relu(1 - f)), lambda f: -_mean(f)),
                    "real and fake margins are swapped: real logits should end above +1, fake below -1.",
                ),
            ],
        ),
        Exercise(
            "projection_logits",
            "an unconditional logit (a linear function of the features) plus the inner product of each "
            "sample's features with its class's embedding row.",
            "features @ w + b + sum(class_embedding[labels] * features, axis=1)",
            _projection,
            [
                Mistake(
                    lambda phi, y, v, w, b: phi @ w + b,
                    "the class term is missing: each sample's features must also meet its class's embedding.",
                ),
                Mistake(
                    lambda phi, y, v, w, b: np.sum(v[y] * phi, axis=1),
                    "the unconditional part (features @ w + b) is missing.",
                ),
                Mistake(lambda phi, y, v, w, b: phi @ w + np.sum(v[y] * phi, axis=1), "the bias b is missing."),
            ],
        ),
    ]
}


def hint(name: str | None = None, level: int = 1) -> None:
    """Print a pointer (level 1) or the full formula (level 2) for exercise ``name``."""
    core.show_hint(EXERCISES, name, level)


def use(name: str, fn: Callable) -> Callable:
    """Your ``fn`` if it passed its check, else the library's version (prints which)."""
    return core.use(EXERCISES, name, fn)


def _random_critic(rng: np.random.Generator, dim: int) -> Callable:
    """A fixed smooth nonlinear critic ``x (B, ...) -> (B, 1)``: a one-hidden-layer tanh MLP."""
    tf = _tf()
    w1 = tf.constant((rng.standard_normal((dim, 8)) / np.sqrt(dim)).astype("float32"))
    w2 = tf.constant(rng.standard_normal((8, 1)).astype("float32"))

    def critic(x):
        x = tf.reshape(tf.cast(x, tf.float32), (tf.shape(x)[0], -1))
        return tf.tanh(x @ w1) @ w2

    return critic


def check_gradient_penalty(gradient_penalty: Callable[[Callable, Any, Any, Any], Any]) -> None:
    """``gradient_penalty(critic, real, fake, eps)`` on random image batches (odd sizes) and a random critic."""

    def inputs(rng: np.random.Generator) -> tuple:
        shape = (int(rng.integers(2, 6)), int(rng.integers(3, 8)), int(rng.integers(3, 8)), 1)
        real = rng.uniform(-1, 1, shape).astype("float32")
        fake = rng.uniform(-1, 1, shape).astype("float32")
        eps = rng.uniform(0, 1, (shape[0], 1, 1, 1)).astype("float32")
        return _random_critic(rng, shape[1] * shape[2]), real, fake, eps

    e = EXERCISES["gradient_penalty"]
    core.check_function(
        gradient_penalty,
        reference_gradient_penalty,
        inputs,
        rtol=1e-4,
        atol=1e-5,
        name=e.name,
        mistakes=e.mistakes,
        check_dtype=False,
    )


def check_hinge_losses(
    hinge_discriminator_loss: Callable[[Any, Any], Any], hinge_generator_loss: Callable[[Any], Any]
) -> None:
    """Both hinge losses on random float32 logits of shape (B, 1), compared together."""

    def inputs(rng: np.random.Generator) -> tuple:
        b = int(rng.integers(2, 9))
        return (
            (3 * rng.standard_normal((b, 1))).astype("float32"),
            (3 * rng.standard_normal((b, 1))).astype("float32"),
        )

    e = EXERCISES["hinge_losses"]
    for name, fn in (
        ("hinge_discriminator_loss", hinge_discriminator_loss),
        ("hinge_generator_loss", hinge_generator_loss),
    ):
        core.require_callable(name, fn)
    mine = _hinge_pair(hinge_discriminator_loss, hinge_generator_loss)
    core.compare(e.name, mine, e.reference(), inputs, rtol=1e-4, atol=1e-5, mistakes=e.mistakes)
    core.passed(e.name, 3)
    core.remember("hinge_discriminator_loss", hinge_discriminator_loss)
    core.remember("hinge_generator_loss", hinge_generator_loss)


def check_projection_logits(projection_logits: Callable[..., Any]) -> None:
    """``projection_logits(features, labels, class_embedding, w, b)`` on random float32 arrays."""

    def inputs(rng: np.random.Generator) -> tuple:
        b, f, k = int(rng.integers(2, 9)), int(rng.integers(3, 17)), 10
        return (
            rng.standard_normal((b, f)).astype("float32"),
            rng.integers(0, k, b),
            rng.standard_normal((k, f)).astype("float32"),
            rng.standard_normal(f).astype("float32"),
            np.float32(rng.standard_normal()),
        )

    e = EXERCISES["projection_logits"]
    e.check(projection_logits, inputs, rtol=1e-4, atol=1e-5, check_dtype=False)
