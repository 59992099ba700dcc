"""Toy GAN problems small enough to check every claim by computation.

* Targets: :class:`GaussianMixture` with :func:`mixture_1d`, :func:`ring` (8
  Gaussians on a circle) and :func:`grid` (25 Gaussians on a 5 x 5 lattice).
  Samples are float32 arrays of shape ``(n, dim)``; densities are float64.
* Formulas on a grid: :func:`optimal_discriminator`, :func:`js_divergence`,
  :func:`gan_value`.
* The mode-collapse measures of Metz et al. (2017) and Srivastava et al.
  (2017): :func:`mode_counts`, :func:`mode_coverage`.
* Small Keras 3 MLPs: :func:`make_generator`, :func:`make_discriminator`.
* Training: :func:`fit_discriminator` (a discriminator against two fixed
  distributions) and :func:`train_toy_gan` (a whole GAN, with snapshots for
  figures and GIFs).

Everything random takes a ``seed`` (or a NumPy ``Generator``), so a run on the
CPU gives the same numbers every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

import keras
import numpy as np
import tensorflow as tf

from ..progress import trange
from . import losses as gan_losses

__all__ = [
    "GaussianMixture",
    "mixture_1d",
    "ring",
    "grid",
    "optimal_discriminator",
    "js_divergence",
    "gan_value",
    "ModeCoverage",
    "mode_counts",
    "mode_coverage",
    "make_generator",
    "make_discriminator",
    "fit_discriminator",
    "Snapshot",
    "ToyRun",
    "train_toy_gan",
]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# --- targets -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GaussianMixture:
    """A mixture of isotropic Gaussians in ``dim`` dimensions.

    Attributes:
        centers: component means, shape ``(k, dim)``.
        stds: one standard deviation per component, shape ``(k,)``.
        weights: mixing weights, shape ``(k,)``, summing to 1.
    """

    centers: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    @property
    def dim(self) -> int:
        """Dimension of a sample."""
        return self.centers.shape[1]

    def sample(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Draw ``n`` samples, float32 of shape ``(n, dim)``."""
        rng = _rng(seed)
        component = rng.choice(len(self.weights), size=n, p=self.weights)
        noise = rng.standard_normal((n, self.dim))
        return (self.centers[component] + self.stds[component, None] * noise).astype(np.float32)

    def pdf(self, x) -> np.ndarray:
        """Density at points ``x``: shape ``(n, dim)`` (or ``(n,)`` when ``dim == 1``) -> ``(n,)``."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.dim)
        sq_dist = ((x[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (n, k)
        var = self.stds.astype(np.float64) ** 2
        norm = (2 * np.pi * var) ** (-self.dim / 2)  # (k,)
        return (self.weights * norm * np.exp(-sq_dist / (2 * var))).sum(-1)


def _mixture(centers, stds, weights=None) -> GaussianMixture:
    centers = np.asarray(centers, dtype=np.float64)
    centers = centers.reshape(len(centers), -1)
    k = len(centers)
    stds = np.broadcast_to(np.asarray(stds, dtype=np.float64), (k,)).copy()
    weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (k,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be {k} non-negative numbers summing to 1, got {weights}")
    if np.any(stds <= 0):
        raise ValueError(f"standard deviations must be positive, got {stds}")
    return GaussianMixture(centers, stds, weights)


def mixture_1d(
    means: Sequence[float], stds: float | Sequence[float], weights: Sequence[float] | None = None
) -> GaussianMixture:
    """A 1-D Gaussian mixture, e.g. ``mixture_1d([-2, 2], 0.5)``; equal weights by default."""
    return _mixture(np.asarray(means, dtype=np.float64)[:, None], stds, weights)


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    """``n_modes`` equal Gaussians evenly spaced on a circle (Metz et al., 2017: 8, radius 2, std 0.02)."""
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return _mixture(radius * np.stack([np.cos(angles), np.sin(angles)], axis=1), std)


def grid(n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """``n_per_side**2`` equal Gaussians on a square lattice centred at 0 (5 x 5 spans [-4, 4])."""
    ticks = spacing * (np.arange(n_per_side) - (n_per_side - 1) / 2)
    xx, yy = np.meshgrid(ticks, ticks)
    return _mixture(np.stack([xx.ravel(), yy.ravel()], axis=1), std)


# --- formulas on a grid --------------------------------------------------------------


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """The optimal discriminator ``D*(x) = p_data(x) / (p_data(x) + p_g(x))``.

    Args:
        p_data: density of the data at some points, any shape, values >= 0.
        p_g: density of the generator at the same points, same shape.

    Returns:
        float64 array of that shape, values in [0, 1]. Where both densities are 0
        no sample ever lands and ``D*`` is undefined; we return 1/2 there.
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def _kl_terms(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    # p * log(p / m) with the convention 0 * log 0 = 0 (m > 0 wherever p > 0).
    return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / np.where(p > 0, m, 1.0)), 0.0)


def js_divergence(p, q, dx: float) -> float:
    """Jensen-Shannon divergence of two densities sampled on an even grid.

    ``JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m)`` with ``m = (p + q) / 2``,
    each KL integral approximated by a Riemann sum with step ``dx``.

    Args:
        p, q: densities on the same grid, same shape, values >= 0 (each should
            integrate to about 1: ``p.sum() * dx ~ 1``).
        dx: grid spacing (the area of one cell in 2-D).

    Returns:
        float in [0, log 2] (natural log): 0 for identical densities, log 2 for
        densities with disjoint supports.
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)
    return float(0.5 * (_kl_terms(p, m).sum() + _kl_terms(q, m).sum()) * dx)


def gan_value(p_data, p_g, dx: float, d=None) -> float:
    """The GAN value ``V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))]`` on a grid.

    Args:
        p_data, p_g: densities on an even grid, same shape, values >= 0.
        dx: grid spacing.
        d: discriminator outputs (probabilities in [0, 1]) on the grid, same
            shape; None means the optimal discriminator ``D*``.

    Returns:
        float in (-inf, 0]; ``-log 4`` for ``D = 1/2`` everywhere.
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if d is None:
            # log D* and log(1 - D*) straight from the densities: forming D* first
            # would round it to exactly 1 where p_g << p_data, and log(1 - 1) = -inf.
            log_total = np.log(p_data + p_g)
            log_d, log_1md = np.log(p_data) - log_total, np.log(p_g) - log_total
        else:
            d = np.asarray(d, dtype=np.float64)
            log_d, log_1md = np.log(d), np.log1p(-d)
        # 0 * log 0 = 0: a point no sample reaches contributes nothing.
        real = np.where(p_data > 0, p_data * log_d, 0.0)
        fake = np.where(p_g > 0, p_g * log_1md, 0.0)
    return float((real.sum() + fake.sum()) * dx)


# --- mode collapse measures ----------------------------------------------------------


class ModeCoverage(NamedTuple):
    """``modes_covered`` (int) and ``high_quality_pct`` (float in [0, 100])."""

    modes_covered: int
    high_quality_pct: float


def mode_counts(samples, centers, std: float) -> np.ndarray:
    """How many high-quality samples land on each mode.

    A sample is *high quality* if it lies within ``3 * std`` of its nearest
    mode centre; it then counts for that mode.

    Args:
        samples: shape ``(n, dim)``.
        centers: mode centres, shape ``(k, dim)``.
        std: standard deviation of each mode.

    Returns:
        int array of shape ``(k,)``; its sum is the number of high-quality samples.
    """
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    centers = np.asarray(centers, dtype=np.float64).reshape(len(centers), -1)
    dist = np.sqrt(((samples[:, None, :] - centers[None]) ** 2).sum(-1))  # (n, k)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(samples)), nearest] <= 3 * std
    return np.bincount(nearest[good], minlength=len(centers))


def mode_coverage(samples, centers, std: float, min_count: int = 1) -> ModeCoverage:
    """Modes covered and % high-quality samples (Metz et al. 2017; Srivastava et al. 2017).

    A sample is high quality if it lies within ``3 * std`` of the nearest mode
    centre; a mode is covered if at least ``min_count`` high-quality samples
    are nearest to it (``min_count=1`` as in VEEGAN; raise it to ignore a few
    stray samples). The papers score 2,500 generated samples.

    Args:
        samples: generated samples, shape ``(n, dim)``.
        centers: the target's mode centres, shape ``(k, dim)``.
        std: the target's per-mode standard deviation.
        min_count: high-quality samples a mode needs to count as covered.

    Returns:
        ``ModeCoverage(modes_covered, high_quality_pct)``, e.g. ``(8, 97.5)``.
    """
    counts = mode_counts(samples, centers, std)
    return ModeCoverage(int((counts >= min_count).sum()), float(100.0 * counts.sum() / max(len(samples), 1)))


# --- small networks ------------------------------------------------------------------


def _mlp(
    input_dim: int, output_dim: int, hidden: Sequence[int], activation: str, seed: int | None, name: str
) -> keras.Sequential:
    layers: list = [keras.Input((input_dim,))]
    # One seeded initializer per layer: the same seed gives the same weights.
    for i, units in enumerate([*hidden, output_dim]):
        init = keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)
        last = i == len(hidden)
        layers.append(keras.layers.Dense(units, activation=None if last else activation, kernel_initializer=init))
    return keras.Sequential(layers, name=name)


def make_generator(
    latent_dim: int = 8,
    output_dim: int = 2,
    hidden: Sequence[int] = (128, 128),
    activation: str = "relu",
    seed: int | None = 0,
) -> keras.Sequential:
    """An MLP generator: noise ``(batch, latent_dim)`` -> samples ``(batch, output_dim)``.

    The output layer is linear because toy data is unbounded (not images in [-1, 1]).
    """
    return _mlp(latent_dim, output_dim, hidden, activation, seed, "generator")


def make_discriminator(
    input_dim: int = 2,
    hidden: Sequence[int] = (128, 128),
    activation: str = "relu",
    seed: int | None = 1,
    *,
    spectral_norm: bool = False,
) -> keras.Sequential:
    """An MLP discriminator: samples ``(batch, input_dim)`` -> logits ``(batch, 1)``.

    Returns logits (no sigmoid): every loss in :mod:`ganstyle_lib.gan.losses`
    takes logits. With packing (see :func:`train_toy_gan`) ``input_dim`` is
    ``pack * data_dim``. ``spectral_norm=True`` wraps every dense layer in
    ``keras.layers.SpectralNormalization`` (Miyato et al. 2018).
    """
    mlp = _mlp(input_dim, 1, hidden, activation, seed, "discriminator")
    if not spectral_norm:
        return mlp
    return keras.Sequential(
        [keras.Input((input_dim,))] + [keras.layers.SpectralNormalization(layer) for layer in mlp.layers],
        name="discriminator",
    )


#: A learning rate: a float or a Keras schedule (called with the optimiser's step count).
LearningRate: TypeAlias = float | keras.optimizers.schedules.LearningRateSchedule


def _adam(learning_rate, beta_1: float = 0.5, beta_2: float = 0.999) -> keras.optimizers.Adam:
    # beta_1 = 0.5 as in DCGAN (Radford et al., 2016): less momentum, since the
    # opponent keeps moving the loss surface under the optimiser.
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)


# --- training ------------------------------------------------------------------------


def fit_discriminator(
    discriminator: keras.Model,
    real: GaussianMixture,
    fake: GaussianMixture,
    *,
    steps: int = 2000,
    batch_size: int = 256,
    learning_rate: LearningRate = 1e-3,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train a discriminator to tell two *fixed* distributions apart.

    The generator does not move, so by the optimal-discriminator result
    ``sigmoid(discriminator(x))`` should approach ``p_real / (p_real + p_fake)``
    wherever samples land.

    Args:
        discriminator: maps ``(batch, dim)`` to logits ``(batch, 1)``.
        real, fake: anything with ``sample(n, rng)`` returning ``(n, dim)`` float32.
        steps, batch_size, learning_rate: Adam steps on the cross-entropy loss.
        seed: seeds the batches.
        progress: show a tqdm bar.

    Returns:
        ``{"step": [...], "d_loss": [...]}``, logged every 50 steps.
    """
    rng = _rng(seed)
    optimizer = _adam(learning_rate)

    @tf.function
    def step(x_real, x_fake):
        with tf.GradientTape() as tape:
            loss = gan_losses.minimax_discriminator_loss(
                discriminator(x_real, training=True), discriminator(x_fake, training=True)
            )
        grads = tape.gradient(loss, discriminator.trainable_variables)
        optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
        return loss

    history: dict[str, list[float]] = {"step": [], "d_loss": []}
    for i in trange(steps, desc="discriminator", disable=not progress, leave=False):
        loss = step(real.sample(batch_size, rng), fake.sample(batch_size, rng))
        if i % 50 == 0 or i == steps - 1:
            history["step"].append(i)
            history["d_loss"].append(float(loss))
    return history


@dataclass
class Snapshot:
    """The state of a toy GAN at one training step.

    Attributes:
        step: training steps done so far.
        samples: generator samples from a fixed batch of noise, ``(n, dim)`` float32.
        probe_logits: discriminator logits at the ``probe`` points, ``(n_probe,)``,
            or None when no probe was given (or the discriminator packs samples).
    """

    step: int
    samples: np.ndarray
    probe_logits: np.ndarray | None = None


@dataclass
class ToyRun:
    """What :func:`train_toy_gan` returns.

    Attributes:
        history: ``{"step", "d_loss", "g_loss"}`` lists, logged every ``log_every`` steps.
        snapshots: :class:`Snapshot` list, the first one before any training.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)


def _pack(x: tf.Tensor, pack: int) -> tf.Tensor:
    # (batch, dim) -> (batch / pack, pack * dim): the discriminator judges
    # `pack` samples at once (PacGAN, Lin et al. 2018).
    return tf.reshape(x, [-1, pack * x.shape[-1]]) if pack > 1 else x


def train_toy_gan(
    generator: keras.Model,
    discriminator: keras.Model,
    data: GaussianMixture,
    *,
    loss: str = "non_saturating",
    steps: int = 2000,
    batch_size: int = 256,
    d_learning_rate: LearningRate = 1e-3,
    g_learning_rate: LearningRate = 1e-3,
    d_steps: int = 1,
    pack: int = 1,
    gp_weight: float = 0.0,
    betas: tuple[float, float] = (0.5, 0.999),
    snapshot_every: int = 200,
    snapshot_size: int = 2500,
    probe=None,
    log_every: int = 50,
    seed: int = 0,
    progress: bool = True,
) -> ToyRun:
    """Train a small GAN with the procedure of Goodfellow et al. (2014), Algorithm 1.

    Each step: ``d_steps`` discriminator updates on fresh real and fake
    batches, then one generator update. A plain ``tf.function`` step, Adam with
    ``beta_1 = 0.5``.

    Args:
        generator: noise ``(batch, latent_dim)`` -> samples ``(batch, dim)``.
        discriminator: ``(batch / pack, pack * dim)`` -> logits ``(batch / pack, 1)``.
        data: the target; anything with ``sample(n, rng)`` and ``dim``.
        loss: a name from :data:`ganstyle_lib.gan.losses.LOSSES`.
        steps: generator updates.
        batch_size: samples per batch; a multiple of ``pack``.
        d_learning_rate, g_learning_rate: Adam learning rates: floats or Keras
            schedules such as ``keras.optimizers.schedules.CosineDecay`` (a
            schedule counts that network's updates).
        d_steps: discriminator updates per generator update (``k`` in the paper).
        pack: samples the discriminator judges jointly (1 = an ordinary GAN).
        gp_weight: weight of :func:`~ganstyle_lib.gan.losses.gradient_penalty`
            (10 for WGAN-GP; 0 = none).
        betas: Adam's ``(beta_1, beta_2)`` for both networks; (0.5, 0.999) as in
            DCGAN, (0.0, 0.9) as in WGAN-GP (Gulrajani et al. 2017).
        snapshot_every: keep a :class:`Snapshot` every this many steps (and at the end).
        snapshot_size: generator samples per snapshot (fixed noise, so frames are comparable).
        probe: optional points ``(n_probe, dim)`` at which to record the
            discriminator's logits in each snapshot (only with ``pack == 1``).
        log_every: record losses every this many steps.
        seed: seeds data, noise and the penalty's interpolation weights.
        progress: show a tqdm bar.

    Returns:
        A :class:`ToyRun` with ``history`` and ``snapshots``.
    """
    if loss not in gan_losses.LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(gan_losses.LOSSES)}")
    if batch_size % pack:
        raise ValueError(f"batch_size {batch_size} is not a multiple of pack {pack}")
    d_loss_fn, g_loss_fn = gan_losses.LOSSES[loss]
    latent_dim = generator.input_shape[-1]
    rng = _rng(seed)
    tf_rng = tf.random.Generator.from_seed(seed)
    d_opt, g_opt = _adam(d_learning_rate, *betas), _adam(g_learning_rate, *betas)

    def critic(x):
        return discriminator(x, training=True)

    @tf.function
    def d_step(x_real, z):
        fake = generator(z, training=True)
        real_packed, fake_packed = _pack(x_real, pack), _pack(fake, pack)
        with tf.GradientTape() as tape:
            d_loss = d_loss_fn(critic(real_packed), critic(fake_packed))
            if gp_weight:
                d_loss += gp_weight * gan_losses.gradient_penalty(critic, real_packed, fake_packed, generator=tf_rng)
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        return d_loss

    @tf.function
    def g_step(z):
        with tf.GradientTape() as tape:
            g_loss = g_loss_fn(critic(_pack(generator(z, training=True), pack)))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply_gradients(zip(grads, generator.trainable_variables))
        return g_loss

    def noise(n):
        return rng.standard_normal((n, latent_dim)).astype(np.float32)

    fixed_z = noise(snapshot_size)
    probe = None if probe is None or pack > 1 else np.asarray(probe, np.float32).reshape(-1, data.dim)

    def snapshot(step: int) -> Snapshot:
        samples = generator(fixed_z, training=False).numpy()
        logits = None if probe is None else discriminator(probe, training=False).numpy().ravel()
        return Snapshot(step, samples, logits)

    run = ToyRun({"step": [], "d_loss": [], "g_loss": []}, [snapshot(0)])
    for i in trange(1, steps + 1, desc=f"{loss} GAN", disable=not progress, leave=False):
        for _ in range(d_steps):
            d_loss = d_step(data.sample(batch_size, rng), noise(batch_size))
        g_loss = g_step(noise(batch_size))
        if i % log_every == 0 or i == steps:
            run.history["step"].append(i)
            run.history["d_loss"].append(float(d_loss))
            run.history["g_loss"].append(float(g_loss))
        if i % snapshot_every == 0 or i == steps:
            run.snapshots.append(snapshot(i))
    return run
