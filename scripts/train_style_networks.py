"""Train the style networks that ship with the course (``ganstyle stylize --style NAME``).

One small transformer network (Johnson et al. 2016, ``networks.transformer_net(0.5)``) per
painting, trained with the course's own perceptual trainer on **ImageNet** VGG19 features,
for far longer than notebook 05 can afford. The weights are written, float16, to
``ganstyle_lib/data/style_networks/<name>.npz`` (package data), with what was done
recorded inside the file (:func:`ganstyle_lib.style.pretrained.save`). What each run
measured goes into ``data/style_networks.md``.

Usage (the command behind the shipped files is recorded in ``data/style_networks.md``)::

    python scripts/train_style_networks.py starry_night                    # painting from the asset cache
    python scripts/train_style_networks.py starry_night --painting starry_night=/path/to/starry_night.jpg

Content photographs come with the packages the course installs (scikit-image, matplotlib,
scikit-learn): nothing is downloaded and no photograph is committed. ``HELD_OUT`` are never
trained on; the script reports the quality measures of the style-transfer issue on them.
Runs are resumable: interrupt (Ctrl-C) and run the same command again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Training photographs: every one ships inside an installed package.
TRAIN_CONTENT = ("astronaut", "coffee", "rocket", "grace_hopper", "camera", "motorcycle", "china")
#: Never trained on: the quality figures are measured on these.
HELD_OUT = ("chelsea", "flower")

SETTINGS = dict(
    width=0.5, steps=2000, crop=128, batch_size=4, style_size=384, content_max_dim=384, learning_rate=1e-3, seed=0
)


def _photo(name: str, max_dim: int):
    """A content photograph ``(1, H, W, 3)`` in [0, 1]: a course sample, or scikit-learn's two."""
    import tensorflow as tf

    from ganstyle_lib import data

    if name == "motorcycle":
        from skimage import data as skdata

        pixels = skdata.stereo_motorcycle()[0]
    elif name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        pixels = load_sample_image(f"{name}.jpg")
    else:
        return data.load_image(name, max_dim=max_dim, upscale=False)
    image = tf.convert_to_tensor(pixels[None].astype("float32") / 255.0)
    h, w = image.shape[1:3]
    scale = min(1.0, max_dim / max(h, w))
    return tf.image.resize(image, (round(h * scale), round(w * scale)), antialias=True)


class Clock:
    """Training time summed over the sessions of a resumed run, kept in ``<checkpoint>.seconds.json``."""

    def __init__(self, checkpoint: Path) -> None:
        self.path = checkpoint.with_suffix(".seconds.json")
        before = json.loads(self.path.read_text()) if checkpoint.is_file() and self.path.is_file() else {}
        self.before, self.sessions = float(before.get("seconds", 0.0)), int(before.get("sessions", 0)) + 1
        self.started = time.perf_counter()

    def total(self) -> float:
        return self.before + time.perf_counter() - self.started

    def save(self) -> None:
        self.path.write_text(json.dumps({"seconds": round(self.total(), 1), "sessions": self.sessions}))


def progress(every: int, total: int, start: int, clock: Clock):
    """A callback printing a line every ``every`` steps: step, loss terms, training seconds so far (a log, not a bar:
    runs are long and usually go to a file); it also keeps ``clock``'s file up to date."""
    import keras

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            step = start + batch + 1
            if step % every == 0 or step == total:
                clock.save()
                terms = " ".join(f"{k} {float(v):.3f}" for k, v in (logs or {}).items())
                print(f"  step {step:5d}/{total}  {terms}  {clock.total():7.0f} s", flush=True)

    return Progress()


def train_one(name: str, painting: str | None, workdir: Path, out_dir: Path, settings: dict) -> dict:
    import keras

    from ganstyle_lib import assets, data
    from ganstyle_lib.style import pretrained, quality, training
    from ganstyle_lib.style.features import VGGFeatures

    style_path = Path(painting) if painting else assets.fetch(name)
    style_sha256 = hashlib.sha256(style_path.read_bytes()).hexdigest()
    extractor = VGGFeatures(training.TRAIN_STYLE_LAYERS + training.CONTENT_LAYERS)
    if not extractor.pretrained:
        raise SystemExit(
            f"no ImageNet VGG19 weights ({extractor.weights_source}); run `ganstyle assets fetch "
            "vgg19_notop` first: the shipped networks are trained on ImageNet features only"
        )
    content = [_photo(n, settings["content_max_dim"]) for n in TRAIN_CONTENT]
    keras.utils.set_random_seed(settings["seed"])
    checkpoint = workdir / f"{name}.checkpoint.npz"
    start = training.read_training_meta(checkpoint).get("step", 0) if checkpoint.is_file() else 0
    print(
        f"{name}: style {style_path} (sha256 {style_sha256[:12]}...), {len(content)} photographs, "
        f"{settings['steps']} steps; features: {extractor.weights_source}",
        flush=True,
    )
    clock = Clock(checkpoint)
    transformer, trainer, _ = training.train_transformer(
        str(style_path),
        content=content,
        width=settings["width"],
        steps=settings["steps"],
        crop=settings["crop"],
        batch_size=settings["batch_size"],
        style_size=settings["style_size"],
        learning_rate=settings["learning_rate"],
        extractor=extractor,
        seed=settings["seed"],
        verbose=0,
        callbacks=[progress(100, settings["steps"], start, clock)],
        checkpoint=checkpoint,
        catch_signals=True,
    )
    if start < settings["steps"]:
        clock.save()

    judge = quality.quality_extractor()
    style = data.load_image(str(style_path), max_dim=settings["style_size"])
    held_out = {}
    for photo in HELD_OUT:
        image = _photo(photo, 512)
        held_out[photo] = quality.score(judge, transformer(image, training=False), image, style)
        print(
            f"  held out {photo}: mid-layer Gram error {held_out[photo]['gram_mid']:.3f}, "
            f"content error {held_out[photo]['content']:.3f}",
            flush=True,
        )
    record = dict(
        name=name,
        style_file=style_path.name,
        style_sha256=style_sha256,
        settings=settings,
        weights=trainer.weights_,
        train_content=list(TRAIN_CONTENT),
        held_out=held_out,
        training_seconds=json.loads(clock.path.read_text())["seconds"],
        training_sessions=json.loads(clock.path.read_text())["sessions"],
        machine=f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.python_version()}",
        date=time.strftime("%Y-%m-%d"),
        features=extractor.weights_source.split(" (asset")[0],
    )
    path = pretrained.save(transformer, out_dir / f"{name}.npz", record)
    print(f"{name}: wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(json.dumps(record, indent=1, default=float))
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+", help="painting names (ganstyle assets list)")
    parser.add_argument(
        "--painting",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="use this file for a painting instead of the asset cache",
    )
    parser.add_argument("--steps", type=int, default=SETTINGS["steps"])
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "build" / "style_networks", help="checkpoints (resumable runs)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "ganstyle_lib" / "data" / "style_networks")
    args = parser.parse_args(argv)
    paintings = dict(item.split("=", 1) for item in args.painting)
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = {**SETTINGS, "steps": args.steps}
    from ganstyle_lib.style.training import TrainingInterrupted

    for name in args.names:
        try:
            train_one(name, paintings.get(name), args.workdir, args.out, settings)
        except TrainingInterrupted as stop:
            print(stop, file=sys.stderr)
            return stop.exit_status
    return 0


if __name__ == "__main__":
    sys.exit(main())
