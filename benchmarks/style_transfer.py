"""Style transfer: the TensorFlow tutorial's settings against the course's default, one run each.

    .venv/bin/python benchmarks/style_transfer.py [--size 256] [--tutorial-steps 1000]

Same content and style images, same VGG19 weights, same size, same process:

(a) the TensorFlow tutorial (tensorflow.org/tutorials/generative/style_transfer):
    Adam(lr 0.02, beta_1 0.99, epsilon 0.1), style weight 1e-2, content weight 1e4,
    TV weight 30 (tf.image.total_variation), 1,000 steps from the content image,
    style layers block1_conv1 ... block5_conv1, content layer block5_conv2;
(b) the course's default ``transfer.stylize`` (L-BFGS-B, coarse-to-fine 0.5 -> 1,
    normalised losses, content layer block4_conv2), unchanged;
(c) the course's optimiser (L-BFGS-B + coarse-to-fine) on the tutorial's own loss,
    which isolates the optimiser from the choice of loss.

Every run is scored with (a)'s loss function on frames of its full-size image
(scoring happens after the run, outside the timed loop). The target: reach
(a)'s final loss in at most 1/5 of (a)'s wall time. Then seconds per iteration
at 256 and 512 px, and the process's peak resident memory.

Prints a Markdown table (paste it into benchmarks/RESULTS.md). Timings on a
shared machine are noisy; say so when you record them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import time

import numpy as np
import tensorflow as tf

from ganstyle_lib import config, data, device
from ganstyle_lib.style import features, transfer

TUTORIAL = dict(method="adam", learning_rate=0.02, beta_1=0.99, epsilon=0.1, style_weight=1e-2,
                content_weight=1e4, tv_weight=30.0, content_layers=features.TUTORIAL_CONTENT_LAYERS,
                convention="tutorial", scales=(1.0,), init="content")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def first_time_below(result, score, threshold, full_size):
    """(seconds, step) of the first full-size frame whose tutorial loss is <= threshold."""
    for step, seconds, frame in result.frames:
        if tuple(frame.shape[1:3]) != full_size:
            continue
        value = score(frame)
        if value <= threshold:
            return seconds, step, value
    return None, None, score(result.image.numpy())


def seconds_per_iteration(content, style, ext, size, steps=4):
    c = transfer.resize_to(content, (size, round(content.shape[2] * size / content.shape[1])))
    s = transfer.resize_to(style, (size, round(style.shape[2] * size / style.shape[1])))
    out = {}
    for name, kw in (("adam", dict(method="adam")), ("lbfgs", dict(method="lbfgs"))):
        r = transfer.stylize(c, s, extractor=ext, steps=steps + 1, scales=(1.0,), progress=False, **kw)
        times = [h["seconds"] for h in r.history]
        out[name] = (times[-1] - times[0]) / (len(times) - 1)  # skip the first (tracing) iteration
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--tutorial-steps", type=int, default=1000)
    parser.add_argument("--course-steps", type=int, default=transfer.DEFAULTS["steps"])
    parser.add_argument("--content", default="chelsea")
    parser.add_argument("--style", default="the_scream")
    parser.add_argument("--no-512", action="store_true", help="skip the 512 px timing")
    args = parser.parse_args()
    config.set_seed(0)

    content = data.load_image(args.content, max_dim=args.size, upscale=True)
    style = data.load_image(args.style, max_dim=args.size, upscale=True)
    full = tuple(content.shape[1:3])
    ext = features.VGGFeatures(features.STYLE_LAYERS + features.TUTORIAL_CONTENT_LAYERS
                               + features.GATYS_CONTENT_LAYERS)
    tut_objective = transfer.StyleObjective(
        ext, content, [(style, 1.0)], content_layers=features.TUTORIAL_CONTENT_LAYERS,
        style_weight=1e-2, content_weight=1e4, tv_weight=30.0, convention="tutorial")
    score_fn = tf.function(lambda x: tut_objective(x)["total"])

    def score(img) -> float:
        return float(score_fn(tf.constant(img, tf.float32)))

    every = 5
    t0 = time.perf_counter()
    a = transfer.stylize(content, style, extractor=ext, steps=args.tutorial_steps, progress=True,
                         description="(a) tutorial", **TUTORIAL)
    a_wall = time.perf_counter() - t0
    a_final = score(a.image.numpy())

    b = transfer.stylize(content, style, extractor=ext, steps=args.course_steps, frame_every=every,
                         progress=True, description="(b) course default")
    b_time, b_step, b_score = first_time_below(b, score, a_final, full)

    c_kw = {k: v for k, v in TUTORIAL.items() if k not in ("method", "learning_rate", "beta_1", "epsilon",
                                                             "scales")}
    c = transfer.stylize(content, style, extractor=ext, steps=args.course_steps, frame_every=every,
                         method="lbfgs", scales=(0.5, 1.0), progress=True, description="(c) L-BFGS, tutorial loss",
                         **c_kw)
    c_time, c_step, c_score = first_time_below(c, score, a_final, full)

    data.save_image(np.concatenate([data.to_uint8(x.image) for x in (a, b, c)], axis=1).astype(np.float32) / 255,
                    "/tmp/style_transfer_benchmark.png")
    spi = {args.size: seconds_per_iteration(content, style, ext, args.size)}
    if not args.no_512:
        big_c = data.load_image(args.content, max_dim=512, upscale=True)
        big_s = data.load_image(args.style, max_dim=512, upscale=True)
        spi[512] = seconds_per_iteration(big_c, big_s, ext, 512, steps=3)

    print()
    print(f"machine: {platform.node()} | {platform.processor() or platform.machine()} | "
          f"{os.cpu_count()} CPUs | {device.summary()}")
    print(f"date: {datetime.date.today().isoformat()} | images: {args.content} + {args.style} at {full} px")
    print(f"VGG19 weights: {ext.weights_source} (pretrained={ext.pretrained})")
    print()
    print("| run | iterations | wall time (s) | final tutorial loss | reaches (a)'s final loss | at (s) | ≤ 1/5 of (a)? |")
    print("|---|---:|---:|---:|---|---:|---|")
    print(f"| (a) tutorial: Adam 0.02/0.99/0.1, 1e-2/1e4/30 | {len(a.history)} | {a_wall:.1f} | {a_final:.4g} | — | — | — |")
    for label, r, t, st, sc in (("(b) course default (L-BFGS, 0.5→1, normalised loss)", b, b_time, b_step, b_score),
                                ("(c) L-BFGS 0.5→1 on the tutorial loss", c, c_time, c_step, c_score)):
        reached = "yes" if t is not None else f"no (final {sc:.4g})"
        at = f"{t:.1f} (iteration {st})" if t is not None else "—"
        ok = "yes" if t is not None and t <= a_wall / 5 else "no"
        print(f"| {label} | {len(r.history)} | {r.seconds:.1f} | {score(r.image.numpy()):.4g} | {reached} | {at} | {ok} |")
    print()
    print("| size | Adam s/iteration | L-BFGS s/iteration |")
    print("|---:|---:|---:|")
    for size, v in spi.items():
        print(f"| {size} px | {v['adam']:.2f} | {v['lbfgs']:.2f} |")
    print()
    print(f"peak resident memory of the process: {peak_rss_mb():.0f} MB")
    print("figure: /tmp/style_transfer_benchmark.png ((a) | (b) | (c))")


if __name__ == "__main__":
    main()
