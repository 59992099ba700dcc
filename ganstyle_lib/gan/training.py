"""GAN training as a ``keras.Model``: ``fit()``, callbacks, progress bar, TensorBoard, strategies.

:class:`GAN` wraps a generator and a discriminator. Its :meth:`GAN.gan_step`
is one plain training step -- ``d_steps`` discriminator updates, one generator
update, the EMA update -- which both :meth:`GAN.train_step` (used by ``fit()``)
and a hand-written distributed loop can call::

    gan = GAN(generator, discriminator, ema_decay=0.999)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                loss="non_saturating")
    gan.fit(dataset, epochs=5, callbacks=[...])    # dataset of (B, H, W, C) in [-1, 1]

    # a custom loop under tf.distribute (e.g. MultiWorkerMirroredStrategy, where
    # Keras 3 fit() does not work yet): build and compile inside strategy.scope(), then
    per_replica = strategy.run(gan.gan_step, args=(batch,))
    logs = {k: strategy.reduce("MEAN", v, axis=None) for k, v in per_replica.items()}
    # -- which is what ganstyle_lib.distributed.train_steps(gan.gan_step, dataset, steps) runs.

Under a strategy with n replicas each replica takes 1/n of the global batch, draws
its own slice of the global noise, scales its loss by 1/n inside the tape (the
optimiser sums gradients over replicas) and the DCGAN builders' batch norm is
synchronised, so n replicas train like one device with the same global batch
(``tests/test_gan_training.py`` checks 2 logical CPUs against 1 to 1e-5). Under a
``mixed_float16`` policy both optimisers get dynamic loss scaling; the networks'
last layers (tanh image, logit) stay float32 under every mixed policy.

Reported metrics (means over the epoch so far on the progress bar):

* ``d_loss`` / ``g_loss`` -- the discriminator's and generator's losses;
* ``d_real`` -- D(x), the mean probability the discriminator gives real images;
* ``d_fake`` -- D(G(z)), the mean probability it gives generated images
  (both ``sigmoid(logit)``; for the hinge/Wasserstein losses read them as a
  squashed score).

Everything random (the latent noise) comes from one ``keras.random.SeedGenerator``
whose state is a variable, so a checkpoint restores it and a resumed run draws
exactly the noise an uninterrupted run would have drawn. XLA is off unless
``device.use_xla()`` says otherwise (on a 2-core CPU a DCGAN step was 1.7x
slower with XLA).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import tensorflow as tf

__all__ = ["GAN", "ema_update", "resolve_losses", "fit_for_seconds"]

LossPair = tuple[Callable[[Any, Any], Any], Callable[[Any], Any]]


def resolve_losses(loss: str | LossPair) -> LossPair:
    """A ``(discriminator_loss, generator_loss)`` pair from a name in ``losses.LOSSES`` or as given."""
    if isinstance(loss, str):
        from . import losses

        if loss not in losses.LOSSES:
            raise ValueError(
                f"unknown GAN loss {loss!r}; choose one of {sorted(losses.LOSSES)} "
                "or pass a (discriminator_loss, generator_loss) pair"
            )
        return losses.LOSSES[loss]
    try:
        d_loss, g_loss = loss
    except (TypeError, ValueError):
        raise TypeError(
            "loss must be a name or a (discriminator_loss(real_logits, fake_logits), "
            f"generator_loss(fake_logits)) pair, got {loss!r}"
        ) from None
    if not (callable(d_loss) and callable(g_loss)):
        raise TypeError("both members of the loss pair must be callable")
    return d_loss, g_loss


def ema_update(ema_variables: Sequence[Any], variables: Sequence[Any], decay: float) -> None:
    """In place: ``ema <- decay * ema + (1 - decay) * value`` for each pair of variables.

    ``decay`` in [0, 1): 0 copies the weights, 0.999 averages over roughly the
    last 1 / (1 - decay) = 1000 steps.
    """
    if len(ema_variables) != len(variables):
        raise ValueError(f"{len(ema_variables)} EMA variables for {len(variables)} variables")
    for ema, var in zip(ema_variables, variables):
        ema.assign(decay * ema + (1.0 - decay) * tf.cast(var, ema.dtype))


class _UniformFrom:
    """Adapter giving :func:`losses.gradient_penalty` uniform draws from a Keras seed generator."""

    def __init__(self, seed_generator: keras.random.SeedGenerator) -> None:
        self.seed_generator = seed_generator

    def uniform(self, shape: Any) -> tf.Tensor:
        return keras.random.uniform(shape, seed=self.seed_generator)


def fit_for_seconds(gan: GAN, dataset: Any, seconds: float, *, chunk: int = 25, warmup: int = 1) -> dict[str, float]:
    """Train ``gan`` on ``dataset`` (repeated) for about ``seconds`` of wall time.

    Runs ``fit()`` in chunks of at most ``chunk`` steps until the budget is spent (the
    first ``warmup`` steps, which trace the graph, are not counted). The first chunk
    is small (5 steps) and measures the speed, so that a short budget is not overrun
    by a whole chunk of slow steps. Returns ``{"steps", "seconds", "seconds_per_step"}``.
    Used to compare methods on the same wall-clock budget rather than the same number of steps.
    """
    import time

    it = dataset.repeat() if hasattr(dataset, "repeat") else dataset
    if warmup:
        gan.fit(it, steps_per_epoch=warmup, epochs=1, verbose=0)
    steps, start, size = 0, time.perf_counter(), min(5, chunk)
    while (elapsed := time.perf_counter() - start) < seconds:
        gan.fit(it, steps_per_epoch=size, epochs=1, verbose=0)
        steps += size
        elapsed = time.perf_counter() - start
        size = int(min(chunk, max(1, (seconds - elapsed) / (elapsed / steps))))
    return {"steps": steps, "seconds": elapsed, "seconds_per_step": elapsed / max(steps, 1)}


def _in_multi_replica_context() -> bool:
    ctx = tf.distribute.get_replica_context()
    return ctx is not None and ctx.num_replicas_in_sync > 1


class GAN(keras.Model):
    """A generator and a discriminator trained against each other with ``fit()``.

    Args:
        generator: maps z (B, latent_dim) to images (B, H, W, C) in [-1, 1].
        discriminator: maps images to logits (B, 1) -- no sigmoid.
        latent_dim: size of z; read from ``generator.input_shape`` when omitted.
        d_steps: discriminator updates per generator update (each with fresh
            noise, on the same real batch).
        ema_decay: if given (e.g. 0.999), keep ``ema_generator``, an
            exponential moving average of the generator's weights (batch-norm
            statistics are copied). EMA samples are usually smoother and better
            (Yazici et al. 2019, "The unusual effectiveness of averaging in GAN training").
        seed: seed of the latent-noise generator.
        gp_weight: weight of the WGAN-GP gradient penalty added to the
            discriminator's loss (10 in Gulrajani et al. 2017; 0 = none). The
            interpolation weights are uniform, drawn from the checkpointed seed generator.
        shared_fakes: one generator forward pass per step instead of ``1 + d_steps``:
            the generator is updated first (its fakes through D), then the
            discriminator on the *same* fakes, detached. It saves one G forward pass
            per step (13-20 % of a step on a CPU) and learned as much per step as
            the two-pass step over 3 seeds (benchmarks/RESULTS.md). G goes first so
            that every replica of a ``tf.distribute`` strategy still computes exactly
            what one device would. Needs ``d_steps=1``.

    Conditioning: when the generator has two inputs ``[z, label]`` (e.g.
    :func:`ganstyle_lib.gan.conditional.conditional_generator`) the GAN is
    *conditional*: the discriminator must take ``[image, label]`` too, ``fit()``
    needs ``(images, labels)`` batches and both networks see the real batch's labels.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        latent_dim: int | None = None,
        d_steps: int = 1,
        ema_decay: float | None = None,
        seed: int = 0,
        gp_weight: float = 0.0,
        shared_fakes: bool = False,
        name: str = "gan",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}")
        if shared_fakes and d_steps != 1:
            raise ValueError(
                f"shared_fakes=True shares one batch of fakes between one discriminator "
                f"update and one generator update: use d_steps=1 (got {d_steps}), or "
                f"shared_fakes=False for several discriminator updates per step"
            )
        if ema_decay is not None and not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
        self.generator = generator
        self.discriminator = discriminator
        self.conditional = len(generator.inputs) == 2
        if self.conditional and len(discriminator.inputs) != 2:
            raise ValueError("a conditional generator ([z, label] inputs) needs a discriminator taking [image, label]")
        if gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight}")
        self.gp_weight = float(gp_weight)
        self.latent_dim = int(latent_dim or generator.inputs[0].shape[-1])
        self.d_steps = int(d_steps)
        self.shared_fakes = bool(shared_fakes)
        self.ema_decay = ema_decay
        self.seed_generator = keras.random.SeedGenerator(seed, name="latent_seed")
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="gan_step", aggregation="only_first_replica")
        if ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.name = f"{generator.name}_ema"
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
        else:
            self.ema_generator = None
        self._trackers = {k: keras.metrics.Mean(name=k) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
        self.d_loss_fn: Callable | None = None
        self.g_loss_fn: Callable | None = None
        self.d_optimizer: keras.optimizers.Optimizer | None = None
        self.g_optimizer: keras.optimizers.Optimizer | None = None
        # Both networks arrive built; saying so stops fit() under a strategy from trying to
        # build the GAN symbolically by calling it on an image batch.
        self.built = True

    # -- set-up -------------------------------------------------------------------------
    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        loss: str | LossPair = "non_saturating",
        **kwargs: Any,
    ) -> None:
        """Choose the two optimisers and the loss pair (a name from ``losses.LOSSES``).

        Defaults: Adam(2e-4, beta_1=0.5) for both, as in the DCGAN paper.
        ``jit_compile`` defaults to :func:`ganstyle_lib.device.use_xla` (off on CPU).
        Under a ``mixed_float16`` policy both optimisers are wrapped in a
        ``LossScaleOptimizer`` (:func:`ganstyle_lib.device.loss_scaled`).
        """
        from .. import device

        kwargs.setdefault("jit_compile", device.use_xla())
        super().compile(**kwargs)
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if d_optimizer is g_optimizer:
            raise ValueError("use two optimiser objects: each keeps its own moment estimates")
        # Under mixed_float16 each optimiser gets dynamic loss scaling (a no-op wrapper otherwise).
        self.d_optimizer = device.loss_scaled(d_optimizer, self.discriminator)
        self.g_optimizer = device.loss_scaled(g_optimizer, self.generator)
        self.d_loss_fn, self.g_loss_fn = resolve_losses(loss)
        self.build_optimizers()

    def build_optimizers(self) -> None:
        """Create both optimisers' moment variables now, in the model's strategy scope.

        Idempotent. ``compile()`` and ``fit()`` call it. It matters in two
        places: before restoring a checkpoint (restore needs somewhere to write)
        and under a ``tf.distribute`` strategy, where variables must be created
        as mirrored variables *outside* the traced step: left to the first
        ``apply_gradients`` inside ``strategy.run``, their creation is lifted
        out of a per-replica function and the step fails ("You must feed a
        value for placeholder tensor ... cond/Placeholder").
        """
        if self.d_optimizer is None or self.g_optimizer is None:
            raise RuntimeError("call gan.compile(d_optimizer, g_optimizer, loss=...) before build_optimizers()")
        with self.distribute_strategy.scope():
            for optimizer, net in ((self.d_optimizer, self.discriminator), (self.g_optimizer, self.generator)):
                if not optimizer.built:
                    optimizer.build(net.trainable_variables)

    def fit(self, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``keras.Model.fit``; a ``tf.data.Dataset`` is not reshuffled by Keras (it shuffles itself)."""
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        if self.d_optimizer is not None:
            self.build_optimizers()
        return super().fit(x, *args, **kwargs)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self._trackers.values())

    def call(self, z: Any, training: bool = False) -> Any:
        """Images G(z) from the generator (not the EMA copy); lets ``summary()``/``predict`` work."""
        return self.generator(z, training=training)

    # -- sampling -------------------------------------------------------------------------
    def sample_latent(self, n: int) -> tf.Tensor:
        """n latent vectors from N(0, I), drawn from the GAN's own (checkpointed) seed generator."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def generate(self, z_or_n: Any, labels: Any = None, *, use_ema: bool = True, batch_size: int = 500) -> Any:
        """Images (N, H, W, C) in [-1, 1] as a NumPy array, in inference mode.

        ``z_or_n`` is either latent vectors (N, latent_dim) or a count N (fresh
        noise from a NumPy generator seeded 0, so repeated calls agree and
        training's noise stream is untouched). Uses the EMA generator when there is one.
        A conditional GAN also takes ``labels`` (N,) ints; omitted, they cycle 0, 1, ..., 9, 0, ...
        """
        import numpy as np

        if isinstance(z_or_n, (int, np.integer)):
            z = np.random.default_rng(0).standard_normal((int(z_or_n), self.latent_dim)).astype("float32")
        else:
            z = np.asarray(z_or_n, dtype="float32")
        net = self.ema_generator if (use_ema and self.ema_generator is not None) else self.generator
        if self.conditional:
            y = (np.arange(len(z)) % self._n_classes() if labels is None else np.asarray(labels)).astype("int32")
            out = [
                np.asarray(net([z[i : i + batch_size], y[i : i + batch_size]], training=False))
                for i in range(0, len(z), batch_size)
            ]
        else:
            out = [np.asarray(net(z[i : i + batch_size], training=False)) for i in range(0, len(z), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, *net.output_shape[1:]), "float32")

    # -- the step -------------------------------------------------------------------------
    @staticmethod
    def _scale(loss: tf.Tensor, optimizer: keras.optimizers.Optimizer) -> tf.Tensor:
        """The per-replica mean loss divided by the number of replicas, times the loss scale.

        The optimiser all-reduces gradients with a SUM, so replicas must each
        contribute 1/n of the global-batch mean. Call it *inside* the tape: a
        division done after the tape has stopped recording is not on the
        gradient path, and ``tape.gradient`` then returns ``None`` for every
        variable ("No gradients provided" under MirroredStrategy). The loss
        scale is 1 except under ``mixed_float16`` (a ``LossScaleOptimizer``,
        whose ``apply_gradients`` divides it out again).
        """
        n = tf.distribute.get_strategy().num_replicas_in_sync
        return optimizer.scale_loss(loss / tf.cast(n, loss.dtype) if n > 1 else loss)

    def _latent(self, batch: tf.Tensor) -> tf.Tensor:
        """Noise (batch, latent_dim) for this replica's share of the global batch.

        On one device: one draw from the checkpointed seed generator. With n
        replicas every replica holds the same seed state, so each draws the
        *global* (n * batch, latent_dim) block and keeps its own slice: replicas
        get different noise, and 2 replicas see exactly the noise one device
        would have drawn for the same global batch.
        """
        ctx = tf.distribute.get_replica_context()
        n = ctx.num_replicas_in_sync if ctx is not None else 1
        if n == 1:
            return keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        z = keras.random.normal((n * batch, self.latent_dim), seed=self.seed_generator)
        start = tf.cast(ctx.replica_id_in_sync_group, batch.dtype) * batch
        return z[start : start + batch]

    def _n_classes(self) -> int:
        """Classes of a conditional generator: rows of its first Embedding table."""
        for layer in self.generator.layers:
            if isinstance(layer, keras.layers.Embedding):
                return int(layer.input_dim)
        raise ValueError("conditional generator without an Embedding layer: pass labels explicitly")

    def _g(self, z: tf.Tensor, labels: Any, training: bool = True) -> tf.Tensor:
        return self.generator([z, labels] if self.conditional else z, training=training)

    def _d(self, images: tf.Tensor, labels: Any, training: bool = True) -> tf.Tensor:
        return self.discriminator([images, labels] if self.conditional else images, training=training)

    def _discriminator_step(
        self, real: tf.Tensor, batch: tf.Tensor, labels: Any = None, fake: tf.Tensor | None = None
    ) -> tuple[tf.Tensor, ...]:
        assert self.d_loss_fn is not None and self.d_optimizer is not None  # compile() set them (gan_step checks)
        if fake is None:  # fresh fakes; with shared_fakes the generator step's are passed in
            fake = self._g(self._latent(batch), labels)
        with tf.GradientTape() as tape:
            real_logits = self._d(real, labels)
            fake_logits = self._d(fake, labels)
            d_loss = tf.cast(self.d_loss_fn(real_logits, fake_logits), tf.float32)
            if self.gp_weight:
                from .losses import gradient_penalty

                d_loss += self.gp_weight * gradient_penalty(
                    lambda x: self._d(x, labels), real, fake, generator=_UniformFrom(self.seed_generator)
                )
            scaled = self._scale(d_loss, self.d_optimizer)
        grads = tape.gradient(scaled, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        d_real = tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32)))
        d_fake = tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32)))
        return d_loss, d_real, d_fake

    def _generator_step(self, batch: tf.Tensor, labels: Any = None) -> tuple[tf.Tensor, tf.Tensor]:
        """One generator update; returns its loss and the fakes it was computed on."""
        assert self.g_loss_fn is not None and self.g_optimizer is not None  # compile() set them (gan_step checks)
        z = self._latent(batch)
        with tf.GradientTape() as tape:
            fake = self._g(z, labels)
            fake_logits = self._d(fake, labels)
            g_loss = tf.cast(self.g_loss_fn(fake_logits), tf.float32)
            scaled = self._scale(g_loss, self.g_optimizer)
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return g_loss, fake

    def _ema_pairs(self) -> list[tuple[Any, Any, float]]:
        # Same architecture, same weight order: trainable weights are averaged,
        # batch-norm moving statistics (non-trainable) are copied (decay 0).
        decay = self.ema_decay or 0.0  # a number whenever there is an EMA generator
        return [
            (ema, src, decay if src.trainable else 0.0)
            for ema, src in zip(self.ema_generator.weights, self.generator.weights)
        ]

    def update_ema(self) -> None:
        """One EMA step of ``ema_generator`` towards ``generator`` (BN statistics copied)."""
        if self.ema_generator is None:
            return
        pairs = self._ema_pairs()
        if _in_multi_replica_context():
            # Mirrored EMA variables must be written once, in cross-replica context.
            def merged(strategy: tf.distribute.Strategy) -> None:
                for ema, src, decay in pairs:
                    strategy.extended.update(
                        ema.value, lambda e, s, d=decay: e.assign(d * e + (1.0 - d) * s), args=(src.value,)
                    )

            tf.distribute.get_replica_context().merge_call(merged)
        else:
            for ema, src, decay in pairs:
                ema_update([ema], [src], decay)

    def gan_step(self, real_images: Any, labels: Any = None) -> dict[str, tf.Tensor]:
        """One plain training step on a batch of real images (B, H, W, C) in [-1, 1].

        A conditional GAN also needs the batch's ``labels`` (B,) ints; an
        ``(images, labels)`` pair as the first argument (as a dataset yields it) works too.

        ``d_steps`` discriminator updates, one generator update (with
        ``shared_fakes``: the generator update first, then one discriminator update
        on its fakes), the EMA update, ``step += 1``. Returns this step's values
        (scalars): ``d_loss``, ``g_loss``, ``d_real`` = D(x) and ``d_fake`` = D(G(z)) -- no metric
        state is touched, so a distributed loop can ``strategy.run`` it.
        """
        if self.d_loss_fn is None:
            raise RuntimeError("call gan.compile(d_optimizer, g_optimizer, loss=...) before training")
        if isinstance(real_images, (tuple, list)):
            real_images, labels = real_images[0], (real_images[1] if self.conditional else None)
        real = tf.convert_to_tensor(real_images)
        batch = tf.shape(real)[0]
        if self.conditional:
            if labels is None:
                raise ValueError(
                    "a conditional GAN needs (images, labels) batches: use data.digits_dataset(..., with_labels=True)"
                )
            labels = tf.cast(labels, tf.int32)
        if self.shared_fakes:
            g_loss, fake = self._generator_step(batch, labels)
            d_loss, d_real, d_fake = self._discriminator_step(real, batch, labels, fake=tf.stop_gradient(fake))
        else:
            for _ in range(self.d_steps):  # a Python loop: unrolled once when traced
                d_loss, d_real, d_fake = self._discriminator_step(real, batch, labels)
            g_loss, _ = self._generator_step(batch, labels)
        self.update_ema()
        self.step.assign_add(1)
        return {"d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}

    def train_step(self, data: Any) -> dict[str, Any]:
        """``fit()``'s step: ``images`` or ``(images, labels)`` batches (labels used only when conditional)."""
        real = data[0] if isinstance(data, (tuple, list)) else data
        labels = data[1] if (self.conditional and isinstance(data, (tuple, list))) else None
        values = self.gan_step(real, labels)
        for key, value in values.items():
            self._trackers[key].update_state(value)
        return {key: tracker.result() for key, tracker in self._trackers.items()}

    def test_step(self, data: Any) -> dict[str, Any]:
        raise NotImplementedError("GANs have no validation loss; use ganstyle_lib.metrics instead")
