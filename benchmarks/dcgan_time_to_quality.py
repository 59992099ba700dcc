#!/usr/bin/env python
"""Time to quality: the notebook's small DCGAN vs the TensorFlow tutorial's DCGAN, on this machine.

Both configurations train on the same digits (``data.digits_dataset``: full
MNIST when cached/online, else the 4,000 bundled offline digits) in one run.
After 15, 30, 60, 120, 240 and 480 s of *training* wall time (evaluation time
excluded) the Frechet classifier distance (FCD, ``ganstyle_lib.metrics``) of
1,000 samples against 1,000 held-out real digits is measured. Also reported:
images/s, achieved GFLOP/s (``models.gan_step_flops`` x steps / s) and a
measured float32 matmul peak for comparison.

    python benchmarks/dcgan_time_to_quality.py               # ~17 minutes on 2 CPU cores
    python benchmarks/dcgan_time_to_quality.py --budget 60   # a shorter look
    python benchmarks/dcgan_time_to_quality.py --record      # also append the table to RESULTS.md

(a) default: ``dcgan_generator(64, 32)`` (7 -> 14 -> 28, then a 3x3 conv to pixels) /
    ``dcgan_discriminator(32)`` (28 -> 14 -> 7 -> 4), batch 32, Adam(2e-3, beta_1=0) for
    both, EMA 0.99 (samples from the EMA), float32 (the notebook's settings; the recipe
    experiments are in RESULTS.md).
(b) tutorial: tensorflow.org/tutorials/generative/dcgan -- 7x7x256 projection,
    5x5 kernels, batch 256, Adam(1e-4) for both (default beta_1 = 0.9), no EMA.
Targets (issue 5): (a) reaches FCD <= 20 within 60 s; (a) reaches (b)'s 480-s FCD
in <= 1/10 of the time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def matmul_peak_gflops(n: int = 2048, repeats: int = 10) -> float:
    """Achieved float32 GFLOP/s of an n x n matmul (the best of ``repeats``)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    mm = tf.function(lambda x, y: tf.matmul(x, y))
    mm(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        mm(a, b).numpy()
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def build(config: str):
    import keras

    from ganstyle_lib.gan import models
    from ganstyle_lib.gan.training import GAN

    keras.utils.set_random_seed(0)
    if config == "default":
        g, d = models.dcgan_generator(64, 32), models.dcgan_discriminator(32)
        gan = GAN(g, d, ema_decay=0.99)
        gan.compile(keras.optimizers.Adam(2e-3, beta_1=0.0), keras.optimizers.Adam(2e-3, beta_1=0.0))
        return gan, 32, 25, True
    g, d = models.tutorial_generator(), models.tutorial_discriminator()
    gan = GAN(g, d)
    gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    return gan, 256, 2, False


def run(config: str, marks: list[float], evaluator, n_eval: int) -> dict:
    from ganstyle_lib import data
    from ganstyle_lib.gan import models

    gan, batch, chunk, use_ema = build(config)
    ds = data.digits_dataset(batch).repeat()
    gan.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # trace the step (not timed)
    flops_per_step = models.gan_step_flops(gan.generator, gan.discriminator, batch)
    trained, steps0, rows = 0.0, int(gan.step.numpy()), []
    pending = list(marks)
    while pending:
        t = time.perf_counter()
        gan.fit(ds, steps_per_epoch=chunk, epochs=1, verbose=0)
        trained += time.perf_counter() - t
        if trained >= pending[0]:
            while pending and trained >= pending[0]:
                mark = pending.pop(0)
            fcd = evaluator.fcd(gan.generate(n_eval, use_ema=use_ema))
            rows.append(dict(mark=mark, seconds=trained, step=int(gan.step.numpy()), fcd=fcd))
            print(f"  {config:8s} {mark:5.0f} s mark (trained {trained:6.1f} s, step {rows[-1]['step']:6d}): "
                  f"FCD {fcd:7.1f}", flush=True)
    steps = int(gan.step.numpy()) - steps0
    return dict(config=config, batch=batch, rows=rows, steps=steps, seconds=trained,
                images_per_s=steps * batch / trained, gflops=steps * flops_per_step / trained / 1e9,
                flops_per_step=flops_per_step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=480.0, help="training seconds per configuration")
    parser.add_argument("--n-eval", type=int, default=1000)
    parser.add_argument("--record", action="store_true", help="append the results to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)

    from ganstyle_lib import data, device, metrics

    marks = [m for m in (5, 10, 15, 20, 30, 45, 60, 120, 240, 480) if m <= args.budget]
    base_marks = [m for m in (15, 30, 60, 120, 240, 480) if m <= args.budget]
    held_out = data.load_digits("mnist", "test")
    real = data.to_gan_range(held_out.images[: args.n_eval, ..., None].astype("float32") / 255.0)
    evaluator = metrics.DigitsEvaluator(real)
    peak = matmul_peak_gflops()
    print(device.summary())
    print(f"data: {data.load_digits('mnist', 'train').source}; matmul peak {peak:.0f} GFLOP/s", flush=True)
    results = [run("default", marks, evaluator, args.n_eval), run("tutorial", base_marks, evaluator, args.n_eval)]

    default, tutorial = results
    target = tutorial["rows"][-1]["fcd"]
    reached = next((r for r in default["rows"] if r["fcd"] <= target), None)
    fcd60 = next((r["fcd"] for r in default["rows"] if r["mark"] == 60), None)

    lines = [f"| config | batch | steps | images/s | GFLOP/step | GFLOP/s (% of matmul peak) | "
             + " | ".join(f"FCD@{m:g}s" for m in base_marks) + " |",
             "|---|---|---|---|---|---|" + "---|" * len(base_marks)]
    for r in results:
        by_mark = {row["mark"]: row["fcd"] for row in r["rows"]}
        lines.append(f"| {r['config']} | {r['batch']} | {r['steps']} | {r['images_per_s']:,.0f} | "
                     f"{r['flops_per_step'] / 1e9:.2f} | {r['gflops']:.1f} ({100 * r['gflops'] / peak:.0f} %) | "
                     + " | ".join(f"{by_mark[m]:.1f}" if m in by_mark else "–" for m in base_marks) + " |")
    summary = [
        f"- default FCD at 60 s: {fcd60:.1f} (target <= 20: {'met' if fcd60 is not None and fcd60 <= 20 else 'NOT met'})"
        if fcd60 is not None else "- default FCD at 60 s: not measured (budget < 60 s)",
        f"- tutorial's FCD after {tutorial['rows'][-1]['mark']:g} s: {target:.1f}; default reached it after "
        + (f"{reached['seconds']:.0f} s of training ({reached['seconds'] / tutorial['rows'][-1]['seconds']:.2f} of "
           f"the tutorial's time; target <= 0.10: {'met' if reached['seconds'] <= 0.1 * tutorial['rows'][-1]['seconds'] else 'NOT met'})"
           if reached else "— never within the budget"),
        f"- default FCD curve: " + ", ".join(f"{r['mark']:g} s: {r['fcd']:.1f}" for r in default["rows"]),
    ]
    table = "\n".join(lines + [""] + summary)
    print("\n" + table)
    if args.record:
        header = (f"\n### Run of {dt.date.today().isoformat()} — {platform.node()}, {platform.processor() or platform.machine()}, "
                  f"{os.cpu_count()} cores, budget {args.budget:g} s per config\n\n"
                  f"`{device.summary()}`; matmul peak {peak:.0f} GFLOP/s (2048², float32).\n\n")
        with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(header + table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
