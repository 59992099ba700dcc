"""Feed-forward stylisation throughput on the CPU, against the optimisation method at the same size.

    .venv/bin/python benchmarks/stylize_throughput.py [--sizes 256 512] [--widths 1.0 0.5] [--batch 1]

For each image size and width multiplier of ``networks.transformer_net`` (run in
its own process, so that its peak memory is its own):

* images per second (best of ``--repeats`` timed runs after a warm-up, batch ``--batch``);
* GFLOPs per image, counted layer by layer (``networks.conv_flops``: 2 per multiply-add
  of every convolution), and the achieved GFLOP/s against a measured float32
  2048x2048 matmul peak (target: >= 50 %);
* the speed-up over optimisation-based transfer (``transfer.stylize``, L-BFGS) at the
  same size: seconds per iteration measured here, times 150 iterations (the course's
  default) and 1,000 iterations (Gatys et al., the TensorFlow tutorial) -- target >= 1000x;
* the process's peak resident memory.

Prints a Markdown table; timings on a shared machine are noisy, so say how loaded it was
(the load average is printed) when you record them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _best(fn, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_peak_gflops(n: int = 2048, repeats: int = 10) -> float:
    import tensorflow as tf

    a = tf.random.uniform((n, n))
    mm = tf.function(lambda x: tf.matmul(x, x))
    return 2.0 * n**3 / _best(lambda: mm(a).numpy(), repeats) / 1e9


def worker(kind: str, size: int, width: float, batch: int, repeats: int) -> dict:
    import tensorflow as tf

    from ganstyle_lib import config

    config.set_seed(0)
    if kind == "network":
        from ganstyle_lib.style import networks

        net = networks.transformer_net(width)
        x = tf.random.uniform((batch, size, size, 3))
        forward = tf.function(lambda t: net(t, training=False))
        seconds = _best(lambda: forward(x).numpy(), repeats)
        flops = networks.conv_flops(net, size, size)
        return dict(
            kind=kind,
            size=size,
            width=width,
            batch=batch,
            seconds_per_image=seconds / batch,
            gflop_per_image=flops / 1e9,
            peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
    from ganstyle_lib import data
    from ganstyle_lib.style import transfer

    content = transfer.resize_to(data.load_image("chelsea", max_dim=None), (size, size))
    style = transfer.resize_to(data.load_image("wave", max_dim=None), (size, size))
    steps = 4
    result = transfer.stylize(content, style, steps=steps + 1, scales=(1.0,), progress=False)
    times = [h["seconds"] for h in result.history]
    per_iteration = (times[-1] - times[0]) / (len(times) - 1)  # skip the first (tracing) iteration
    return dict(
        kind=kind,
        size=size,
        seconds_per_iteration=per_iteration,
        features=result.features,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def _spawn(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--widths", type=float, nargs="+", default=[1.0, 0.5])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, size, width, batch, repeats = args.worker
        print(json.dumps(worker(kind, int(size), float(width), int(batch), int(repeats))))
        return 0

    from ganstyle_lib import device

    load_before = os.getloadavg()
    peak = matmul_peak_gflops()
    print(
        f"# stylize throughput — {datetime.date.today()} — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores\n# {device.summary()}\n# matmul peak {peak:.0f} GFLOP/s (2048², float32); "
        f"load average before: {load_before[0]:.1f}",
        flush=True,
    )
    optimisation = {s: _spawn("optimisation", str(s), "1", "1", "1") for s in args.sizes}
    print(
        "| size | width | batch | images/s | ms/image | GFLOP/image | GFLOP/s (% of matmul peak) | "
        "optimisation s/it. | speed-up vs 150 it. | vs 1,000 it. | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        opt = optimisation[size]["seconds_per_iteration"]
        for width in args.widths:
            r = _spawn("network", str(size), str(width), str(args.batch), str(args.repeats))
            spi = r["seconds_per_image"]
            achieved = r["gflop_per_image"] / spi
            print(
                f"| {size}² | {width:g} | {args.batch} | {1 / spi:.1f} | {1000 * spi:.0f} | "
                f"{r['gflop_per_image']:.1f} | {achieved:.0f} ({100 * achieved / peak:.0f} %) | {opt:.2f} | "
                f"{150 * opt / spi:,.0f}× | {1000 * opt / spi:,.0f}× | {r['peak_rss_mb']:.0f} |",
                flush=True,
            )
    print(
        "\noptimisation peak RSS: "
        + ", ".join(f"{s}²: {o['peak_rss_mb']:.0f} MB" for s, o in optimisation.items())
        + f"; loss network: {next(iter(optimisation.values()))['features']}"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f} (timings on a shared machine are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
