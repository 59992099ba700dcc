"""Training on several machines: a small custom loop for ``MultiWorkerMirroredStrategy``.

Keras 3 ``fit()`` does not run under ``MultiWorkerMirroredStrategy`` yet
(keras-team/keras#20585), so for several machines the course trains with the
loop TensorFlow's own guide uses -- the *same* plain step function that
``fit()``'s ``train_step`` calls, run on every replica::

    strategy = device.strategy()                 # MultiWorkerMirroredStrategy from TF_CONFIG
    with strategy.scope():                       # variables become mirrored across machines
        gan = GAN(dcgan_generator(), dcgan_discriminator()); gan.compile()
    history = train_steps(gan.gan_step, dataset, steps=1000, strategy=strategy)
    save_on_all_workers(lambda d: GANCheckpoint(gan, d).save(), "checkpoints/dcgan", strategy)

The loop works under every strategy (default, mirrored, multi-worker, TPU).
Run as a program it trains the course's DCGAN on the digits on every machine
of a cluster (see README, "Scaling up")::

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
        python -m ganstyle_lib.distributed --steps 2000 --out runs/dcgan

Each worker runs the same command with its own ``index``; the chief (worker 0)
writes the checkpoint.
"""

from __future__ import annotations

import argparse
import shutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import tensorflow as tf

from . import config

__all__ = ["distribute_dataset", "train_steps", "is_chief", "save_on_all_workers", "main"]

StepFn = Callable[[Any], dict[str, Any]]


def distribute_dataset(dataset: tf.data.Dataset, strategy: tf.distribute.Strategy) -> Any:
    """Split each *global* batch of ``dataset`` over the strategy's replicas.

    Sharding is by data: every worker reads the same (identically seeded)
    pipeline and keeps its share of each batch, so no file layout is needed.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def train_steps(
    step_fn: StepFn,
    dataset: tf.data.Dataset,
    steps: int,
    *,
    strategy: tf.distribute.Strategy | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    log_every: int = 0,
) -> dict[str, list[float]]:
    """Run ``steps`` training steps of ``step_fn`` under ``strategy``; return the history.

    Args:
        step_fn: one step on one replica's share of a batch (as the dataset
            yields it), returning a dict of scalars -- e.g. ``gan.gan_step``,
            ``trainer.style_step``, ``trainer.adain_step``. Build its models and
            optimisers inside ``strategy.scope()`` first.
        dataset: yields global batches; repeated if it runs out.
        steps: number of steps.
        strategy: default: the current one (``tf.distribute.get_strategy()``).
        on_step: called after each step with ``(step, logs)`` (1-based).
        log_every: log the logs every this many steps (0: never).

    Returns ``{name: [value per step]}``, each value the mean over replicas.
    """
    strategy = strategy or tf.distribute.get_strategy()
    batches = iter(distribute_dataset(dataset.repeat(), strategy))

    @tf.function
    def one_step(batch: Any) -> dict[str, tf.Tensor]:
        per_replica = strategy.run(step_fn, args=(batch,))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in per_replica.items()}

    history: dict[str, list[float]] = defaultdict(list)
    for step in range(1, steps + 1):
        logs = {k: float(v) for k, v in one_step(next(batches)).items()}
        for key, value in logs.items():
            history[key].append(value)
        if on_step is not None:
            on_step(step, logs)
        if log_every and step % log_every == 0:
            config.logger.info("step %d: %s", step, ", ".join(f"{k} {v:.4f}" for k, v in logs.items()))
    return dict(history)


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether this process is the chief: the only one, or the ``chief``/``worker 0`` task of a cluster."""
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if resolver is None or task_type is None:  # one process
        return True
    return task_type == "chief" or (
        task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()
    )


def save_on_all_workers(
    save: Callable[[Path], Any], directory: str | Path, strategy: tf.distribute.Strategy | None = None
) -> Any:
    """Call ``save(folder)`` on every worker; keep only the chief's files, in ``directory``.

    Under ``MultiWorkerMirroredStrategy`` every worker must take part in
    writing a checkpoint (reading some variables is a collective operation),
    so the others write to a scratch folder that is deleted afterwards.
    Returns what ``save`` returned.
    """
    strategy = strategy or tf.distribute.get_strategy()
    directory = Path(directory)
    if is_chief(strategy):
        return save(directory)
    resolver = strategy.cluster_resolver
    scratch = directory.parent / f".{directory.name}-{resolver.task_type}-{resolver.task_id}"
    try:
        return save(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------- the program


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ganstyle_lib.distributed",
        description="Train the course's DCGAN on the digits under device.strategy() "
        "(several machines: set TF_CONFIG on each).",
    )
    p.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
    p.add_argument("--batch-size", type=int, default=64, help="GLOBAL batch, split over all replicas")
    p.add_argument("--width", type=int, default=32, help="generator width (default 32)")
    p.add_argument(
        "--d-width",
        type=int,
        default=16,
        help="discriminator width (default 16, half the generator's, as in notebook 02)",
    )
    p.add_argument("--latent", type=int, default=8, help="latent size (default 8, as in notebook 02)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate for both networks")
    p.add_argument("--limit", type=int, default=None, help="use only the first LIMIT digits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategy", default=None, help="auto (default), default, mirrored, multi_worker, tpu")
    p.add_argument("--mixed-precision", action="store_true", help="device.set_mixed_precision(True)")
    p.add_argument("--out", default="runs/dcgan", help="checkpoint folder (written by the chief)")
    p.add_argument("--dump-weights", default=None, help="(tests) write every weight of this worker to this .npz file")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m ganstyle_lib.distributed``; returns the exit status."""
    args = _parser().parse_args(argv)
    from . import data, device  # config.logger prints INFO and above to stderr

    # The strategy first: MultiWorkerMirroredStrategy must exist before other TensorFlow work.
    strategy = device.strategy(args.strategy)
    if args.mixed_precision:
        device.set_mixed_precision(True)
    import keras

    from .gan import callbacks, models
    from .gan.training import GAN

    kind = (
        "MultiWorkerMirroredStrategy"
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        else type(strategy).__name__.lstrip("_")
    )  # its class is called CollectiveAllReduceStrategy
    config.logger.info(
        "%s | %d replica(s) (%s) | chief: %s", device.summary(), strategy.num_replicas_in_sync, kind, is_chief(strategy)
    )
    keras.utils.set_random_seed(args.seed)
    with strategy.scope():
        # Notebook 02's recipe: one generator pass per step, Adam without momentum (beta_1 = 0).
        gan = GAN(
            models.dcgan_generator(args.latent, args.width, seed=args.seed + 1),
            models.dcgan_discriminator(args.d_width, seed=args.seed + 2),
            ema_decay=0.99,
            seed=args.seed + 3,
            shared_fakes=True,
        )
        gan.compile(keras.optimizers.Adam(args.lr, beta_1=0.0), keras.optimizers.Adam(args.lr, beta_1=0.0))
    dataset = data.digits_dataset(args.batch_size, limit=args.limit, seed=args.seed)
    train_steps(gan.gan_step, dataset, args.steps, strategy=strategy, log_every=max(1, args.steps // 20))
    path = save_on_all_workers(lambda folder: callbacks.GANCheckpoint(gan, folder).save(), args.out, strategy)
    if is_chief(strategy):
        config.logger.info("checkpoint written: %s", path)
    if args.dump_weights:
        import numpy as np

        nets = [gan.generator, gan.discriminator, gan.ema_generator]
        arrays = [v.numpy() for net in nets for v in net.weights]
        assert gan.d_optimizer is not None and gan.g_optimizer is not None  # compiled above
        arrays += [v.numpy() for opt in (gan.d_optimizer, gan.g_optimizer) for v in opt.variables]
        np.savez(args.dump_weights, *arrays, step=gan.step.numpy())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
