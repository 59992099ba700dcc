"""Style transfer: the TensorFlow tutorial's settings against the course's default, per content x style pair.

    .venv/bin/python benchmarks/style_transfer.py [--size 256] [--tutorial-steps 1000]
        [--pairs chelsea:the_scream,astronaut:wave] [--no-512]

Same content and style images, same VGG19 weights, same size, same process, for each pair:

(a) the TensorFlow tutorial (tensorflow.org/tutorials/generative/style_transfer):
    Adam(lr 0.02, beta_1 0.99, epsilon 0.1), style weight 1e-2, content weight 1e4,
    TV weight 30 (tf.image.total_variation), 1,000 steps from the content image,
    style layers block1_conv1 ... block5_conv1, content layer block5_conv2;
(b) the course's default ``transfer.stylize`` (``transfer.DEFAULTS``), unchanged;
(c) the course's optimiser (L-BFGS-B + coarse-to-fine) on the tutorial's own loss,
    which isolates the optimiser from the choice of loss.

A loss is no yardstick between methods that optimise different losses, so
every result is also scored by :mod:`ganstyle_lib.style.quality`: the relative
Gram error per style layer and the relative content error at block4_conv2.
Targets (issue 21):

* (b) reaches (a)'s style match -- mean relative Gram error over
  block2_conv1 ... block4_conv1 no higher than (a)'s -- with a content error no
  higher than (a)'s, in at most 1/5 of (a)'s wall time (checked on (b)'s frames);
* (c) reaches (a)'s final tutorial loss in at most 1/5 of (a)'s wall time.
  A table also shows how much sooner (c) reaches (a)'s loss after 100, 200 and
  400 steps: L-BFGS's lead is largest early and shrinks as the budget grows.

Then seconds per iteration at 256 and 512 px, and the process's peak resident
memory. Scoring happens after each run, outside the timed loop. Prints Markdown
tables (paste them into benchmarks/RESULTS.md) and writes one figure per pair.
Timings on a shared machine are noisy; say so when you record them.
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
from ganstyle_lib.style import features, quality, transfer

TUTORIAL = dict(
    method="adam",
    learning_rate=0.02,
    beta_1=0.99,
    epsilon=0.1,
    style_weight=1e-2,
    content_weight=1e4,
    tv_weight=30.0,
    content_layers=features.TUTORIAL_CONTENT_LAYERS,
    convention="tutorial",
    scales=(1.0,),
    init="content",
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def lead_over_adam(a, a_final, a_wall, c, score, full_size, checkpoints=(100, 200, 400)):
    """How much sooner (c) reaches the loss that (a) had after k Adam steps, for several k.

    Returns ``[(k, (a)'s loss, (a)'s seconds, (c)'s seconds or None, (c)'s iteration or None)]``;
    the last row is (a)'s final loss. ``a.history[k]`` holds the loss of the image after k updates.
    """
    cached: dict[int, float] = {}

    def scored(step, frame):
        if step not in cached:
            cached[step] = score(frame)
        return cached[step]

    marks = [(k, a.history[k]["total"], a.history[k]["seconds"]) for k in checkpoints if k < len(a.history)]
    marks.append((len(a.history), a_final, a_wall))
    rows = []
    for k, loss, seconds in marks:
        hit = next(
            (
                (sec, step)
                for step, sec, frame in c.frames
                if tuple(frame.shape[1:3]) == full_size and scored(step, frame) <= loss
            ),
            (None, None),
        )
        rows.append((k, loss, seconds, *hit))
    return rows


def seconds_per_iteration(content, style, ext, size, steps=4):
    c = transfer.resize_to(content, (size, round(content.shape[2] * size / content.shape[1])))
    s = transfer.resize_to(style, (size, round(style.shape[2] * size / style.shape[1])))
    out = {}
    for name, kw in (("adam", dict(method="adam")), ("lbfgs", dict(method="lbfgs"))):
        r = transfer.stylize(c, s, extractor=ext, steps=steps + 1, scales=(1.0,), progress=False, **kw)
        times = [h["seconds"] for h in r.history]
        out[name] = (times[-1] - times[0]) / (len(times) - 1)  # skip the first (tracing) iteration
    return out


def run_pair(content_name, style_name, args, ext):
    content = data.load_image(content_name, max_dim=args.size, upscale=True)
    style = data.load_image(style_name, max_dim=args.size, upscale=True)
    full = tuple(content.shape[1:3])
    tut_objective = transfer.StyleObjective(
        ext,
        content,
        [(style, 1.0)],
        content_layers=features.TUTORIAL_CONTENT_LAYERS,
        style_weight=1e-2,
        content_weight=1e4,
        tv_weight=30.0,
        convention="tutorial",
    )
    score_fn = tf.function(lambda x: tut_objective(x)["total"])

    def score(img) -> float:
        return float(score_fn(tf.constant(img, tf.float32)))

    every = 5
    t0 = time.perf_counter()
    a = transfer.stylize(
        content,
        style,
        extractor=ext,
        steps=args.tutorial_steps,
        progress=True,
        description=f"(a) tutorial {content_name} x {style_name}",
        **TUTORIAL,
    )
    a_wall = time.perf_counter() - t0
    a_final = score(a.image.numpy())
    a_quality = quality.score(ext, a.image, content, style)

    b = transfer.stylize(
        content,
        style,
        extractor=ext,
        steps=args.course_steps,
        frame_every=every,
        progress=True,
        description="(b) course default",
    )
    b_rows = quality.score_frames(ext, b, content, style, full_size_only=True)
    b_match = quality.first_match(b_rows, a_quality)

    c_kw = {k: v for k, v in TUTORIAL.items() if k not in ("method", "learning_rate", "beta_1", "epsilon", "scales")}
    c = transfer.stylize(
        content,
        style,
        extractor=ext,
        steps=args.tutorial_course_steps,
        frame_every=every,
        method="lbfgs",
        scales=(0.5, 1.0),
        progress=True,
        description="(c) L-BFGS, tutorial loss",
        **c_kw,
    )
    c_lead = lead_over_adam(a, a_final, a_wall, c, score, full)
    *_, c_time, c_step = c_lead[-1]  # the last row: (a)'s final loss
    c_score = score(c.image.numpy())
    c_quality = quality.score(ext, c.image, content, style)

    figure = f"/tmp/style_transfer_benchmark_{content_name}_{style_name}.png"
    style_shown = transfer.resize_to(style, full)
    # to_uint8 drops the batch axis: (H, W, 3) each, side by side along the width
    data.save_image(
        np.concatenate([data.to_uint8(x) for x in (content, style_shown, a.image, b.image, c.image)], axis=1).astype(
            np.float32
        )
        / 255,
        figure,
    )
    return dict(
        pair=f"{content_name} × {style_name}",
        size=full,
        a=a,
        a_wall=a_wall,
        a_final=a_final,
        a_quality=a_quality,
        b=b,
        b_quality=b_rows[-1],
        b_match=b_match,
        c=c,
        c_time=c_time,
        c_step=c_step,
        c_score=c_score,
        c_lead=c_lead,
        c_quality=c_quality,
        score=score,
        figure=figure,
        style_source=style_source(style_name),
    )


def style_source(name: str) -> str:
    from ganstyle_lib import assets

    try:
        asset = assets.get(name)
    except KeyError:
        return name
    return name if assets.is_cached(asset) else f"{name} (offline stand-in: {asset.fallback_sample})"


def print_pair(r) -> None:
    a_wall = r["a_wall"]
    print(f"### {r['pair']} ({r['style_source']}), {r['size'][0]} × {r['size'][1]} px")
    print()
    layers = list(features.STYLE_LAYERS)
    print(
        "| run | iterations | wall time (s) | "
        + " | ".join(f"Gram err. {l}" for l in layers)
        + " | mean Gram err. block2–4 | content err. block4_conv2 | tutorial loss |"
    )
    print("|---|---:|---:|" + "---:|" * (len(layers) + 3))
    for label, res, seconds, q in (
        ("(a) tutorial, Adam 1e-2/1e4/30", r["a"], a_wall, r["a_quality"]),
        ("(b) course default", r["b"], r["b"].seconds, r["b_quality"]),
        ("(c) L-BFGS 0.5→1 on the tutorial loss", r["c"], r["c"].seconds, r["c_quality"]),
    ):
        print(
            f"| {label} | {len(res.history)} | {seconds:.1f} | "
            + " | ".join(f"{q['gram:' + l]:.3f}" for l in layers)
            + f" | {q['gram_mid']:.3f} | {q['content']:.3f} | {r['score'](res.image.numpy()):.4g} |"
        )
    print()
    match = r["b_match"]
    if match:
        sec, step, q = match["seconds"], match["step"], match
        verdict = "**met**" if sec <= a_wall / 5 else "not met (too slow)"
        print(
            f"- (b) matches (a)'s style (Gram {q['gram_mid']:.3f} ≤ {r['a_quality']['gram_mid']:.3f}) at a content "
            f"error ≤ (a)'s ({q['content']:.3f} ≤ {r['a_quality']['content']:.3f}) after {sec:.1f} s "
            f"(iteration {step}) = {sec / a_wall:.2f} of (a)'s time: {verdict}"
        )
    else:
        print("- (b) never matches (a)'s style at a content error ≤ (a)'s: **not met**")
    if r["c_time"] is not None:
        verdict = "**met**" if r["c_time"] <= a_wall / 5 else "not met (too slow)"
        print(
            f"- (c) reaches (a)'s final tutorial loss {r['a_final']:.4g} after {r['c_time']:.1f} s "
            f"(iteration {r['c_step']}) = {r['c_time'] / a_wall:.2f} of (a)'s time: {verdict}"
        )
    else:
        print(
            f"- (c) does not reach (a)'s final tutorial loss {r['a_final']:.4g} (ends at {r['c_score']:.4g}): "
            "**not met**"
        )
    print()
    print("| (a)'s loss after | tutorial loss | (a) s | (c) reaches it after (s) | (c) iteration | (a) / (c) time |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, loss, a_sec, c_sec, c_step in r["c_lead"]:
        reached = (f"{c_sec:.1f} | {c_step} | {a_sec / c_sec:.1f}×") if c_sec else "not reached | — | —"
        print(f"| {k} steps | {loss:.4g} | {a_sec:.1f} | {reached} |")
    print()
    print(f"- figure: {r['figure']} (content | style | (a) | (b) | (c))")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--tutorial-steps", type=int, default=1000)
    parser.add_argument("--course-steps", type=int, default=transfer.DEFAULTS["steps"])
    parser.add_argument("--tutorial-course-steps", type=int, default=150, help="L-BFGS iterations of run (c)")
    parser.add_argument(
        "--pairs", default="chelsea:the_scream,astronaut:wave", help="content:style pairs, comma-separated"
    )
    parser.add_argument("--no-512", action="store_true", help="skip the 512 px timing")
    args = parser.parse_args()
    config.set_seed(0)
    ext = features.VGGFeatures(features.STYLE_LAYERS + features.TUTORIAL_CONTENT_LAYERS + features.GATYS_CONTENT_LAYERS)
    pairs = [p.split(":") for p in args.pairs.split(",")]
    results = [run_pair(c, s, args, ext) for c, s in pairs]

    first_c, first_s = pairs[0]
    content = data.load_image(first_c, max_dim=args.size, upscale=True)
    style = data.load_image(first_s, max_dim=args.size, upscale=True)
    spi = {args.size: seconds_per_iteration(content, style, ext, args.size)}
    if not args.no_512:
        big_c = data.load_image(first_c, max_dim=512, upscale=True)
        big_s = data.load_image(first_s, max_dim=512, upscale=True)
        spi[512] = seconds_per_iteration(big_c, big_s, ext, 512, steps=3)

    print()
    print(
        f"machine: {platform.node()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} CPUs | {device.summary()}"
    )
    print(
        f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | "
        f"load average at the end: {os.getloadavg()[0]:.1f}"
    )
    print(f"VGG19 weights: {ext.weights_source} (pretrained={ext.pretrained})")
    print(f"course default: {transfer.DEFAULTS}")
    print()
    for r in results:
        print_pair(r)
    print("| size | Adam s/iteration | L-BFGS s/iteration |")
    print("|---:|---:|---:|")
    for size, v in spi.items():
        print(f"| {size} px | {v['adam']:.2f} | {v['lbfgs']:.2f} |")
    print()
    print(f"peak resident memory of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
