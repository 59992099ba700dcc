"""Unpaired image-to-image translation with cycle consistency (CycleGAN; Zhu, Park, Isola & Efros, ICCV 2017).

Two domains, ``A`` (e.g. photographs) and ``B`` (e.g. paintings), and *no*
pairs: two generators ``G: A -> B`` and ``F: B -> A``, two patch
discriminators ``D_B`` (is this a ``B`` patch?) and ``D_A``, and the loss

.. math::

    \\mathcal{L} = \\mathcal{L}_{GAN}(G, D_B) + \\mathcal{L}_{GAN}(F, D_A)
      + \\lambda_{cyc}\\big(\\lVert F(G(a)) - a\\rVert_1 + \\lVert G(F(b)) - b\\rVert_1\\big)
      + \\lambda_{id}\\big(\\lVert G(b) - b\\rVert_1 + \\lVert F(a) - a\\rVert_1\\big).

The adversarial terms make ``G(a)`` look like ``B``; the cycle terms forbid
``G`` to throw the content of ``a`` away (``F`` must be able to bring it back);
the identity terms (weight ``0.5 lambda_cyc`` in the paper's painting <-> photo
experiments) keep colours from drifting. The paper uses least-squares GAN
losses, ``lambda_cyc = 10``, Johnson et al.'s transformer network as the
generators and 70 x 70 PatchGAN discriminators -- as here, only smaller.

* :func:`cycle_consistency_loss` -- the mean absolute error ``||x - x_rec||_1``;
* :func:`cycle_generator` -- :func:`~.networks.transformer_net` with
  ``residual_output=True``: it starts as the identity map;
* :class:`CycleGAN` -- a ``keras.Model`` whose ``train_step`` calls the plain
  function :meth:`CycleGAN.cycle_step`; data are ``(a, b)`` batches of
  unpaired crops, e.g. ``training.content_dataset(photos, styles=paintings)``.

Images are float32 ``(B, H, W, 3)`` in ``[0, 1]``.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from ..gan import losses as gan_losses
from .networks import transformer_net

__all__ = ["cycle_consistency_loss", "cycle_generator", "CycleGAN"]


def cycle_consistency_loss(real: Any, reconstructed: Any) -> tf.Tensor:
    """``mean |real - reconstructed|`` over every pixel and the batch: a float32 scalar >= 0.

    ``real`` ``(B, H, W, C)`` and ``reconstructed`` = ``F(G(real))``, same
    shape. Zero exactly when the round trip gives the input back. Zhu et al.
    chose the L1 norm (their eq. 2); an L2 loss would tolerate many small
    errors and give blurrier reconstructions.
    """
    real = tf.convert_to_tensor(real, tf.float32)
    reconstructed = tf.convert_to_tensor(reconstructed, tf.float32)
    if real.shape != reconstructed.shape and real.shape.is_fully_defined() and reconstructed.shape.is_fully_defined():
        raise ValueError(f"cycle_consistency_loss: shapes differ, {real.shape} vs {reconstructed.shape}")
    return tf.reduce_mean(tf.abs(real - reconstructed))


def cycle_generator(width: float = 0.25, *, name: str | None = None) -> keras.Model:
    """A CycleGAN generator: Johnson et al.'s network (as Zhu et al.), ``width`` x its channels.

    ``residual_output=True``: the untrained generator returns its input, so a
    short CPU run starts from the identity map (which satisfies the cycle loss
    already) and only has to learn the change of domain.
    """
    return transformer_net(width, residual_output=True, name=name)


class CycleGAN(keras.Model):
    """Two generators and two patch discriminators trained with ``fit()`` on unpaired ``(a, b)`` batches.

    Args:
        g_ab, g_ba: generators ``A -> B`` and ``B -> A`` (images in [0, 1]).
        d_a, d_b: patch discriminators for domains ``A`` and ``B``
            (:func:`~.adversarial.patch_discriminator`).
        cycle_weight: ``lambda_cyc`` (10 in the paper).
        identity_weight: ``lambda_id`` as a fraction of ``lambda_cyc`` (0.5 in the paper's
            painting experiments; 0 switches the identity terms off).
        loss: a loss pair from :data:`ganstyle_lib.gan.losses.LOSSES`; the paper's least squares by default.

    Metrics: ``g_loss`` (total of both generators), ``d_loss`` (sum of both
    discriminators), ``cycle`` (the two weighted cycle terms), ``identity``, ``adv``.
    """

    def __init__(
        self,
        g_ab: keras.Model,
        g_ba: keras.Model,
        d_a: keras.Model,
        d_b: keras.Model,
        *,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        loss: str = "least_squares",
        name: str = "cyclegan",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if loss not in gan_losses.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(gan_losses.LOSSES)}")
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.d_loss_fn, self.g_loss_fn = gan_losses.LOSSES[loss]
        self._trackers = {k: keras.metrics.Mean(name=k) for k in ("g_loss", "d_loss", "adv", "cycle", "identity")}
        self.built = True

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self._trackers.values())

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        **kwargs: Any,
    ) -> None:
        """One optimiser for both generators, one for both discriminators; Adam(2e-4, beta_1=0.5) as the paper."""
        from .. import device

        kwargs.setdefault("jit_compile", device.use_xla())
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if self.g_optimizer is self.d_optimizer:
            raise ValueError("use two optimiser objects: each keeps its own moment estimates")
        self.g_optimizer.build(self._g_variables())
        self.d_optimizer.build(self._d_variables())

    def fit(self, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``keras.Model.fit``; a ``tf.data.Dataset`` is not reshuffled by Keras (it shuffles itself)."""
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, **kwargs)

    def _g_variables(self) -> list:
        return self.g_ab.trainable_variables + self.g_ba.trainable_variables

    def _d_variables(self) -> list:
        return self.d_a.trainable_variables + self.d_b.trainable_variables

    def call(self, a: Any, training: bool = False) -> tf.Tensor:
        """``G(a)``: translate domain-A images to domain B."""
        return self.g_ab(a, training=training)

    def cycle_step(self, data: Any) -> dict[str, tf.Tensor]:
        """One update of both generators, then one of both discriminators, on an ``(a, b)`` batch."""
        a, b = (tf.convert_to_tensor(x, tf.float32) for x in data)
        with tf.GradientTape() as tape:
            fake_b, fake_a = self.g_ab(a, training=True), self.g_ba(b, training=True)
            adv = self.g_loss_fn(self.d_b(fake_b, training=False)) + self.g_loss_fn(self.d_a(fake_a, training=False))
            cycle = self.cycle_weight * (
                cycle_consistency_loss(a, self.g_ba(fake_b, training=True))
                + cycle_consistency_loss(b, self.g_ab(fake_a, training=True))
            )
            identity = tf.constant(0.0)
            if self.identity_weight:
                identity = (
                    self.identity_weight
                    * self.cycle_weight
                    * (
                        cycle_consistency_loss(b, self.g_ab(b, training=True))
                        + cycle_consistency_loss(a, self.g_ba(a, training=True))
                    )
                )
            g_loss = adv + cycle + identity
        variables = self._g_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))

        fake_a, fake_b = tf.stop_gradient(fake_a), tf.stop_gradient(fake_b)
        with tf.GradientTape() as tape:
            d_loss = self.d_loss_fn(self.d_a(a, training=True), self.d_a(fake_a, training=True)) + self.d_loss_fn(
                self.d_b(b, training=True), self.d_b(fake_b, training=True)
            )
        variables = self._d_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))

        for key, value in (
            ("g_loss", g_loss),
            ("d_loss", d_loss),
            ("adv", adv),
            ("cycle", cycle),
            ("identity", identity),
        ):
            self._trackers[key].update_state(value)
        return {k: m.result() for k, m in self._trackers.items()}

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        return self.cycle_step(data)
