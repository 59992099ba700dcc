"""Keras callbacks for :class:`ganstyle_lib.gan.training.GAN`: pictures, logs, checkpoints, NaN guard.

* :class:`SampleGrid` -- a grid of samples from *fixed* noise saved as a PNG after
  every epoch (and before training), and a GIF of all grids at the end;
* :class:`MetricHistory` -- the per-step ``d_loss``, ``g_loss``, ``d_real``,
  ``d_fake`` with the global step and wall time, for curves;
* :class:`FCDMonitor` -- Frechet classifier distance (and classifier score,
  class coverage) of fresh samples every few epochs; adds ``fcd`` to the logs;
* :class:`GANCheckpoint` -- ``tf.train.Checkpoint`` of both networks, both
  optimisers, the EMA generator, the step count, the epoch and the latent-noise
  RNG state, so a resumed run continues exactly where the stopped one was; a
  damaged checkpoint is named and the previous one is used instead;
* :class:`NaNGuard` -- stops training at the first non-finite loss or weight,
  says so clearly, and puts back the last good weights and optimiser state.

Callbacks only log (``ganstyle_lib.config.logger``); they never print.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..config import logger

__all__ = ["SampleGrid", "MetricHistory", "FCDMonitor", "GANCheckpoint", "NaNGuard", "grid_uint8"]

_GAN_METRICS = ("d_loss", "g_loss", "d_real", "d_fake")


def grid_uint8(images: Any, ncols: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile images (N, H, W, C) in [-1, 1] into one uint8 picture (rows*H', cols*W', C).

    Grayscale grids come back as (H, W) so PNG/GIF writers store them as grayscale.
    """
    from .. import data, viz

    n = len(images)
    grid = viz.image_grid(
        images, nrow=ncols or int(math.ceil(math.sqrt(n))), value_range=(-1.0, 1.0), padding=pad, pad_value=1.0
    )
    return data.to_uint8(grid[..., 0] if grid.shape[-1] == 1 else grid)


class SampleGrid(keras.callbacks.Callback):
    """Save ``n`` samples from fixed latent noise as ``<directory>/<prefix>_<epoch>.png``.

    The same noise every epoch makes the pictures comparable: you watch the
    *same* 64 digits take shape. Grid ``_000`` is drawn before training. At the
    end of training, ``<prefix>.gif`` strings all grids together. The grids
    (uint8 arrays) stay available in ``frames``, their files in ``paths``.
    """

    def __init__(
        self,
        directory: str | Path,
        n: int = 64,
        *,
        z: Any = None,
        every: int = 1,
        use_ema: bool = True,
        gif: bool = True,
        seconds_per_frame: float = 0.4,
        prefix: str = "samples",
        seed: int = 1234,
    ) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.n, self.z, self.every, self.use_ema = n, z, every, use_ema
        self.gif, self.seconds_per_frame, self.prefix, self.seed = gif, seconds_per_frame, prefix, seed
        self.frames: list[np.ndarray] = []
        self.paths: list[Path] = []
        self.gif_path: Path | None = None

    def _save(self, epoch: int) -> None:
        import imageio.v2 as imageio

        grid = grid_uint8(self.model.generate(self.z, use_ema=self.use_ema))
        path = self.directory / f"{self.prefix}_{epoch:03d}.png"
        imageio.imwrite(path, grid)
        self.frames.append(grid)
        self.paths.append(path)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.z is None:
            rng = np.random.default_rng(self.seed)
            self.z = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")
        if not self.frames and int(self.model.step.numpy()) == 0:
            self._save(0)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if (epoch + 1) % self.every == 0:
            self._save(epoch + 1)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.gif and len(self.frames) > 1:
            import imageio.v2 as imageio

            self.gif_path = self.directory / f"{self.prefix}.gif"
            # hold the last frame longer so the final result is visible
            frames = self.frames + [self.frames[-1]] * 3
            # imageio's stub asks for list[ArrayLike]; a list is invariant, so list[ndarray] is refused
            imageio.mimsave(self.gif_path, frames, duration=self.seconds_per_frame, loop=0)  # type: ignore[arg-type]
            logger.info("sample grids: %d PNGs and %s", len(self.paths), self.gif_path)


class MetricHistory(keras.callbacks.Callback):
    """Record ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` after every step.

    Keras' logs hold the *running mean over the epoch*; this callback recovers
    each step's own value from consecutive means (``k*m_k - (k-1)*m_{k-1}``) so
    the curves show the real step-to-step noise. ``history`` maps each name,
    plus ``step`` (global) and ``time`` (seconds since training began), to a list.

    With ``compile(steps_per_execution=n)`` Keras calls back only every n steps;
    each entry is then the mean over those n steps (``(k*m_k - j*m_j) / (k - j)``
    for consecutive calls after steps j and k of the epoch).
    """

    def __init__(self, every: int = 1) -> None:
        super().__init__()
        self.every = every
        self.history: dict[str, list[float]] = {k: [] for k in ("step", "time", *_GAN_METRICS)}
        self._prev: dict[str, float] = {}
        self._prev_k = 0  # steps of this epoch covered by self._prev
        self._start = 0.0  # perf_counter() when training (re)started; set by on_train_begin
        self._offset = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        # several fit() calls continue one time axis
        self._offset = self.history["time"][-1] if self.history["time"] else 0.0
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._prev, self._prev_k = {}, 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        k, j = batch + 1, self._prev_k  # steps of the epoch done now and at the last call
        means = {key: float(logs[key]) for key in _GAN_METRICS if key in logs}
        values = {key: (k * m - j * self._prev.get(key, 0.0)) / max(k - j, 1) for key, m in means.items()}
        self._prev, self._prev_k = means, k
        if batch % self.every:
            return
        self.history["step"].append(int(self.model.step.numpy()))
        self.history["time"].append(self._offset + time.perf_counter() - self._start)
        for key in _GAN_METRICS:
            self.history[key].append(values.get(key, float("nan")))


class FCDMonitor(keras.callbacks.Callback):
    """Frechet classifier distance of ``n`` fresh samples every ``every`` epochs.

    ``real`` is either a :class:`ganstyle_lib.metrics.DigitsEvaluator` or real
    digits (N, 28, 28, 1) in [-1, 1] to build one from. Adds ``fcd``,
    ``class_score`` and ``coverage`` to the epoch logs (so ``History`` and
    TensorBoard see them) and keeps ``history`` (epoch, step, time, values).
    """

    def __init__(self, real: Any, n: int = 1000, *, every: int = 1, use_ema: bool = True) -> None:
        super().__init__()
        from .. import metrics

        self.evaluator = real if isinstance(real, metrics.DigitsEvaluator) else metrics.DigitsEvaluator(real)
        self.n, self.every, self.use_ema = n, every, use_ema
        self.history: dict[str, list[float]] = {
            k: [] for k in ("epoch", "step", "time", "fcd", "class_score", "coverage")
        }
        self._start = time.perf_counter()
        self._train_seconds = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if (epoch + 1) % self.every:
            return
        elapsed = self._train_seconds + time.perf_counter() - self._start
        images = self.model.generate(
            np.random.default_rng(epoch).standard_normal((self.n, self.model.latent_dim)).astype("float32"),
            use_ema=self.use_ema,
        )
        result = self.evaluator(images)
        self._start = time.perf_counter()  # evaluation time is not training time
        self._train_seconds = elapsed
        for key, value in (
            ("epoch", epoch + 1),
            ("step", int(self.model.step.numpy())),
            ("time", elapsed),
            ("fcd", result["fcd"]),
            ("class_score", result["score"]),
            ("coverage", result["coverage"]),
        ):
            self.history[key].append(value)
        if logs is not None:
            logs.update(fcd=result["fcd"], class_score=result["score"], coverage=result["coverage"])


class GANCheckpoint(keras.callbacks.Callback):
    """Checkpoints that resume exactly, with ``tf.train.Checkpoint``.

    Saved every ``every`` epochs: generator, discriminator, EMA generator,
    both optimisers (moments and iteration counts), the GAN's step counter, the
    epoch and the latent-noise seed generator's state. Usage::

        ckpt = GANCheckpoint(gan, "checkpoints/dcgan")
        start = ckpt.restore()                 # 0 on a fresh run
        gan.fit(dataset, epochs=20, initial_epoch=start, callbacks=[ckpt])

    The data pipeline is not part of the checkpoint: a resumed run sees epoch
    ``start`` of *its* dataset. For bit-identical resumption give the dataset a
    per-epoch order that does not depend on how often it was iterated (or none).
    """

    def __init__(self, gan: Any, directory: str | Path, *, every: int = 1, max_to_keep: int = 3) -> None:
        super().__init__()
        if not hasattr(gan, "d_optimizer"):
            raise RuntimeError("compile the GAN before creating its checkpoint")
        self.gan, self.every = gan, every
        self.directory = Path(directory)
        # Checked now, not when the first epoch ends and its checkpoint cannot be written.
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(
                f"the checkpoint folder {self.directory} is a file; give a folder "
                f"(e.g. {self.directory.with_suffix('')}_checkpoints)"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        gan.build_optimizers()  # create the moment variables so restore() has somewhere to write
        parts: dict[str, Any] = dict(
            generator=gan.generator,
            discriminator=gan.discriminator,
            d_optimizer=gan.d_optimizer,
            g_optimizer=gan.g_optimizer,
            step=gan.step.value,
            rng_state=gan.seed_generator.state.value,
            epoch=self.epoch,
        )
        if gan.ema_generator is not None:
            parts["ema_generator"] = gan.ema_generator
        self.checkpoint = tf.train.Checkpoint(**parts)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(self.directory), max_to_keep=max_to_keep)

    def save(self, epoch: int | None = None) -> str:
        """Write a checkpoint now (``epoch`` = epochs completed) and return its path."""
        if epoch is not None:
            self.epoch.assign(epoch)
        return self.manager.save(checkpoint_number=int(self.gan.step.numpy()))

    def restore(self, path: str | None = None) -> int:
        """Restore the latest (or the given) checkpoint; return the epoch to resume from (0 if none).

        A checkpoint that cannot be read (a damaged file, one of another network)
        is named in a warning and the one before it is tried, newest first; if
        none can be read a ValueError names them all. A given ``path`` is tried alone.
        """
        candidates = [path] if path else list(reversed(self.manager.checkpoints))
        problems = []
        for candidate in candidates:
            try:
                self.checkpoint.restore(candidate).assert_existing_objects_matched()
            except (tf.errors.OpError, ValueError, IndexError, AssertionError, KeyError) as err:
                problem = f"{candidate}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                problems.append(problem)
                logger.warning("cannot restore checkpoint %s", problem)
                continue
            if problems:
                logger.warning("resumed from the previous good checkpoint %s instead", candidate)
            logger.info(
                "resumed from %s (epoch %d, step %d)", candidate, int(self.epoch.numpy()), int(self.gan.step.numpy())
            )
            return int(self.epoch.numpy())
        if problems:
            raise ValueError(
                f"no checkpoint in {self.directory} could be restored ({'; '.join(problems)}); "
                "delete the folder to start training afresh"
            )
        return 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)


class NaNGuard(keras.callbacks.Callback):
    """Stop at the first non-finite loss or weight and keep the last good weights.

    Every ``snapshot_every`` steps whose losses and weights are all finite, a
    copy of the generator, discriminator, EMA generator and both optimisers is
    kept in memory. When a loss or a weight turns NaN/inf, training stops,
    that copy is put back, and a message says at which step and what to try.
    ``triggered`` tells afterwards whether it fired; ``message`` holds the text.
    """

    def __init__(self, gan: Any = None, *, snapshot_every: int = 1) -> None:
        super().__init__()
        self.gan, self.snapshot_every = gan, snapshot_every
        self.triggered = False
        self.message = ""
        self._snapshot: list[np.ndarray] | None = None
        self._snapshot_step = -1

    def _variables(self) -> list[Any]:
        gan = self.gan or self.model
        nets = [gan.generator, gan.discriminator] + ([gan.ema_generator] if gan.ema_generator is not None else [])
        out = [v for net in nets for v in net.weights] + [gan.step, gan.seed_generator.state]
        for opt in (gan.d_optimizer, gan.g_optimizer):
            out += list(opt.variables)
        return out

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.gan = self.gan or self.model
        self.triggered, self.message = False, ""
        self._take_snapshot()

    def _take_snapshot(self) -> bool:
        values = [np.array(v.numpy()) for v in self._variables()]
        if not all(np.all(np.isfinite(v)) for v in values if v.dtype.kind == "f"):
            return False
        self._snapshot, self._snapshot_step = values, int(self.gan.step.numpy())
        return True

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        bad = [k for k in _GAN_METRICS if k in logs and not math.isfinite(float(logs[k]))]
        # ">=" rather than "step % snapshot_every == 0": with compile(steps_per_execution=n)
        # this runs only every n steps, and a multiple of snapshot_every may never be seen.
        if not bad and int(self.gan.step.numpy()) - self._snapshot_step >= self.snapshot_every:
            if self._take_snapshot():
                return
            bad = ["weights"]
        if bad:
            self._stop(bad)

    def _stop(self, bad: Sequence[str]) -> None:
        step = int(self.gan.step.numpy())
        self.triggered = True
        if self._snapshot is not None:
            for var, value in zip(self._variables(), self._snapshot):
                var.assign(value)
        self.message = (
            f"NaNGuard: non-finite {', '.join(bad)} at step {step}; training stopped and the weights "
            f"and optimiser state from step {self._snapshot_step} (the last finite ones) were restored. "
            "Try a lower learning rate, check the input range ([-1, 1]) and the loss, or resume from a checkpoint."
        )
        logger.warning(self.message)
        self.model.stop_training = True
