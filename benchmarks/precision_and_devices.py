"""Mixed precision and XLA on this CPU: images per second of the course's two trainers.

    .venv/bin/python benchmarks/precision_and_devices.py [--seconds 8] [--only dcgan|style]

For each of float32 / ``mixed_bfloat16`` and XLA off / on (``jit_compile``):

* **DCGAN** -- the course's DCGAN networks (width 32, latent 64 as when this was recorded;
  notebook 02 now uses latent 32, which changes a step's FLOPs by under 2 %) trained by
  ``GAN.fit`` on batches of 32 in-memory images: training images per second;
* **stylisation** -- ``PerceptualTrainer`` with the default transformer
  (width 0.5, residual output) and the VGG19 loss network (untrained weights:
  same cost) on 4 crops of 128 x 128: training images per second; and the
  transformer alone stylising one 256 x 256 image (inference images per second).

All eight set-ups are built first, warmed up (tracing and, with XLA, compiling),
then timed in interleaved rounds (``--rounds``, about ``--seconds`` / rounds
each), so a change in the machine's load hits every set-up alike. Two figures per
cell: the best wall-clock images/s, and images per CPU-second of this process
(``time.process_time``), which other jobs on a shared machine disturb much less.
``mixed_float16`` is not timed: CPUs emulate float16 (it is the GPU policy).
Prints a Markdown table, the machine, the date and the load average before and
after -- say how loaded the machine was when you copy figures into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GANSTYLE_OFFLINE", "1")  # untrained VGG19 is as costly as the ImageNet one


Runner = Callable[[int], object]


def _time(run: Runner, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``run(n)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run(n)
    return time.perf_counter() - wall, time.process_time() - cpu


def dcgan(xla: bool) -> dict[str, tuple[Runner, int]]:
    """``{figure: (run(n_steps), images per step)}`` for the DCGAN (built under the current policy)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from ganstyle_lib.gan import models
    from ganstyle_lib.gan.training import GAN

    keras.utils.set_random_seed(0)
    gan = GAN(models.dcgan_generator(64, 32, seed=1), models.dcgan_discriminator(32, seed=2), ema_decay=0.99)
    gan.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5), jit_compile=xla)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    ds = tf.data.Dataset.from_tensors(x).repeat()
    return {"dcgan train": (lambda n: gan.fit(ds, steps_per_epoch=n, epochs=1, verbose=0), 32)}


def style(xla: bool) -> dict[str, tuple[Runner, int]]:
    """Training steps of the perceptual trainer and stylisations of one 256 x 256 image."""
    import keras
    import tensorflow as tf

    from ganstyle_lib.style import features, networks, training

    keras.utils.set_random_seed(0)
    extractor = features.VGGFeatures(training.TRAIN_STYLE_LAYERS + training.CONTENT_LAYERS)
    net = networks.transformer_net(0.5, residual_output=True)
    style_image = tf.random.stateless_uniform((1, 192, 192, 3), seed=(0, 1))
    trainer = training.PerceptualTrainer(net, style_image, extractor=extractor)
    trainer.compile(keras.optimizers.Adam(1e-3), jit_compile=xla)
    crops = tf.random.stateless_uniform((4, 128, 128, 3), seed=(0, 2))
    ds = tf.data.Dataset.from_tensors(crops).repeat()
    out = {"style train": (lambda n: trainer.fit(ds, steps_per_epoch=n, epochs=1, verbose=0), 4)}
    forward = tf.function(lambda x: net(x, training=False), jit_compile=xla)
    image = tf.random.stateless_uniform((1, 256, 256, 3), seed=(0, 3))

    def infer(n: int) -> None:
        for _ in range(n):
            forward(image).numpy()

    out["stylize 256 px"] = (infer, 1)
    return out


def machine() -> str:
    import keras
    import tensorflow as tf

    from ganstyle_lib import device

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, native bf16: {device.cpu_has_bf16()}, GPUs: {len(device.gpus())}; "
        f"TensorFlow {tf.__version__} / Keras {keras.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=9.0, help="timed seconds per figure (default 9)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (default 3)")
    p.add_argument("--only", choices=["dcgan", "style"], default=None)
    args = p.parse_args(argv)
    from ganstyle_lib import device

    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    benches = [b for b in (dcgan, style) if args.only in (None, b.__name__)]
    setups = []  # (policy, xla, figure, run, images per call)
    for policy in ("float32", "mixed_bfloat16"):
        device.set_mixed_precision(policy)  # before building: a layer's policy is fixed when it is made
        for xla in (False, True):
            for bench in benches:
                setups += [(policy, xla, fig, run, units) for fig, (run, units) in bench(xla).items()]
    device.set_mixed_precision(False)
    repeats = []
    for *_, run, _ in setups:  # warm-up (trace, compile), then size each timed call
        run(1)
        wall, _ = _time(run, 1)
        repeats.append(max(1, int(args.seconds / args.rounds / max(wall, 1e-4))))
    wall_rate = [0.0] * len(setups)
    cpu_rate = [0.0] * len(setups)
    for _ in range(args.rounds):
        for i, (*_, run, units) in enumerate(setups):
            wall, cpu = _time(run, repeats[i])
            wall_rate[i] = max(wall_rate[i], repeats[i] * units / wall)
            cpu_rate[i] = max(cpu_rate[i], repeats[i] * units / max(cpu, 1e-9))

    figures = list(dict.fromkeys(fig for _, _, fig, _, _ in setups))
    print(f"Machine: {machine()}")
    print(
        f"Date: {started:%Y-%m-%d %H:%M} UTC; load average before {load_before[0]:.1f}, "
        f"after {os.getloadavg()[0]:.1f} (1 min)\n"
    )
    print("Images/s (wall, best round) / images per CPU-second; in brackets relative to float32 without XLA.\n")
    print("| precision | XLA | " + " | ".join(figures) + " |")
    print("|---|---|" + "---|" * len(figures))
    cell = {(pol, xla, fig): i for i, (pol, xla, fig, _, _) in enumerate(setups)}
    for policy in ("float32", "mixed_bfloat16"):
        for xla in (False, True):
            cells = []
            for fig in figures:
                i, base = cell[(policy, xla, fig)], cell[("float32", False, fig)]
                cells.append(
                    f"{wall_rate[i]:.1f} ({wall_rate[i] / wall_rate[base]:.2f}x) / "
                    f"{cpu_rate[i]:.1f} ({cpu_rate[i] / cpu_rate[base]:.2f}x)"
                )
            print(f"| {policy} | {'on' if xla else 'off'} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
