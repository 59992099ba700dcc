"""Sample-quality metrics for digit GANs: Frechet classifier distance and friends.

Inception-based FID needs a 90 MB network and 299x299 RGB inputs; TF-GAN
evaluates its MNIST GANs instead with a *small MNIST classifier*: real and
generated digits are embedded with the classifier's penultimate layer, each set
of embeddings is summarised by a Gaussian (mean, covariance) and the two
Gaussians are compared with the Frechet (2-Wasserstein) distance

.. math::  d^2 = \\lVert \\mu_r - \\mu_g \\rVert^2
                 + \\operatorname{Tr}\\big(\\Sigma_r + \\Sigma_g - 2 (\\Sigma_r \\Sigma_g)^{1/2}\\big)

(Heusel et al. 2017, "GANs trained by a two time-scale update rule converge to a
local Nash equilibrium"). Lower is better; 0 means identical statistics.

The classifier's predictions give two more numbers:

* :func:`classifier_score` -- the "Inception score" with the digits classifier,
  ``exp(E_x KL(p(y|x) || p(y)))``: between 1 and 10, high when every sample is
  confidently one digit *and* all digits occur (Salimans et al. 2016).
* :func:`class_coverage` -- the fraction of the 10 digits that the generator
  actually produces; a mode-collapsed generator scores low.

All functions take digits as float32 arrays (N, 28, 28, 1) -- or (N, 28, 28) --
in the GAN range [-1, 1]. The classifier (138 k parameters, < 1 MB) ships inside
the package, as ``ganstyle_lib/data/digits_classifier.weights.h5`` (package data,
so a wheel or ``pip install .`` carries it too), and is trained by
``scripts/train_digits_classifier.py`` (see ``data/digits_classifier.md`` in the
repository for the command, the data and its held-out accuracy), so the metrics
work offline.

FCD values depend on the classifier, the number of samples and the data; compare
numbers computed with the same classifier and sample sizes only, and read them
against the two calibration points the notebook prints: real vs real (held-out
digits) and real vs noise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DATA_DIR",
    "CLASSIFIER_WEIGHTS",
    "build_digits_classifier",
    "load_digits_classifier",
    "classifier_features",
    "classifier_logits",
    "gaussian_statistics",
    "frechet_distance",
    "frechet_classifier_distance",
    "classifier_score",
    "class_coverage",
    "DigitsEvaluator",
]

#: The package's own ``data/`` folder: pyproject's package-data puts its files into every install.
DATA_DIR = Path(__file__).resolve().parent / "data"
CLASSIFIER_WEIGHTS = DATA_DIR / "digits_classifier.weights.h5"
FEATURES_LAYER = "features"


def build_digits_classifier() -> Any:
    """The small CNN behind the metrics (untrained): (N, 28, 28, 1) in [-1, 1] -> 10 logits.

    conv3x3(32) - pool - conv3x3(64) - pool - conv3x3(32) - dense(64, "features") - dense(10).
    The 64-dimensional ReLU layer named ``"features"`` is the embedding the
    Frechet distance uses.
    """
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="digits")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(name="pool1")(x)  # 14x14
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)  # 7x7
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Flatten(name="flatten")(x)
    features = layers.Dense(64, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, logits, name="digits_classifier")


@lru_cache(maxsize=2)
def _load(path: str) -> tuple[Any, Callable]:
    import keras
    import tensorflow as tf

    if not Path(path).exists():
        raise FileNotFoundError(
            f"digits classifier weights not found at {path}; the default file ships inside the "
            "package (ganstyle_lib/data/): reinstall the course (`pip install --force-reinstall .` "
            "in the repository), or regenerate it there with `python scripts/train_digits_classifier.py`"
        )
    model = build_digits_classifier()
    model.load_weights(path)
    both = keras.Model(model.input, [model.get_layer(FEATURES_LAYER).output, model.output])

    @tf.function(reduce_retracing=True)
    def forward(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return both(x, training=False)

    return model, forward


def load_digits_classifier(path: str | Path | None = None) -> Any:
    """The trained classifier (a Keras model returning logits); cached after the first call."""
    return _load(str(Path(path or CLASSIFIER_WEIGHTS).resolve()))[0]


def _as_digits(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected digits of shape (N, 28, 28, 1) in [-1, 1], got {x.shape}")
    if x.size and (x.min() < -1.01 or x.max() > 1.01):
        raise ValueError(
            f"expected values in [-1, 1] (the GAN range), got [{x.min():.3g}, {x.max():.3g}]; "
            "convert uint8 images with ganstyle_lib.data.to_gan_range"
        )
    return x


def _run(images: Any, batch_size: int, path: str | Path | None) -> tuple[np.ndarray, np.ndarray]:
    forward = _load(str(Path(path or CLASSIFIER_WEIGHTS).resolve()))[1]
    x = _as_digits(images)
    feats, logits = [], []
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        if len(chunk) < batch_size and len(x) > batch_size:
            # pad to one shape so the tf.function is traced once
            pad = np.full((batch_size - len(chunk), 28, 28, 1), -1.0, np.float32)
            f, lg = forward(np.concatenate([chunk, pad]))
            f, lg = f[: len(chunk)], lg[: len(chunk)]
        else:
            f, lg = forward(chunk)
        feats.append(np.asarray(f, np.float64))
        logits.append(np.asarray(lg, np.float64))
    if not feats:
        return np.zeros((0, 64)), np.zeros((0, 10))
    return np.concatenate(feats), np.concatenate(logits)


def classifier_features(images: Any, batch_size: int = 500, *, weights: str | Path | None = None) -> np.ndarray:
    """Penultimate-layer activations, (N, 64) float64, of digits (N, 28, 28, 1) in [-1, 1]."""
    return _run(images, batch_size, weights)[0]


def classifier_logits(images: Any, batch_size: int = 500, *, weights: str | Path | None = None) -> np.ndarray:
    """Class logits, (N, 10) float64, of digits (N, 28, 28, 1) in [-1, 1]."""
    return _run(images, batch_size, weights)[1]


def gaussian_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of features (N, D), N >= 2 (unbiased covariance)."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"need features of shape (N >= 2, D), got {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 sqrtm(sigma1 @ sigma2))``, with the
    matrix square root from :func:`scipy.linalg.sqrtm`. If the product is
    singular (too few samples for the dimension) a small ``eps`` is added to
    both diagonals; tiny imaginary parts from round-off are dropped.
    """
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shape mismatch: mu {mu1.shape} vs {mu2.shape}, sigma {s1.shape} vs {s2.shape}")
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # dead ReLU units (e.g. on noise) make a covariance singular; the eps retry handles it
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.all(np.isfinite(covmean)):
            offset = np.eye(len(s1)) * eps
            covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def frechet_classifier_distance(real_images: Any, generated_images: Any, *, weights: str | Path | None = None) -> float:
    """Frechet classifier distance (FCD) between two sets of digits in [-1, 1]; lower is better."""
    mu_r, s_r = gaussian_statistics(classifier_features(real_images, weights=weights))
    mu_g, s_g = gaussian_statistics(classifier_features(generated_images, weights=weights))
    return frechet_distance(mu_r, s_r, mu_g, s_g)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def classifier_score(images: Any, *, weights: str | Path | None = None) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))`` with the digits classifier: 1 (useless) .. 10 (ideal)."""
    p = _softmax(classifier_logits(images, weights=weights))
    py = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + 1e-12) - np.log(py + 1e-12)), axis=1)
    return float(np.exp(kl.mean()))


def class_coverage(images: Any, min_share: float = 0.02, *, weights: str | Path | None = None) -> float:
    """Fraction of the 10 digit classes that get at least ``min_share`` of the predictions.

    A balanced set of real digits scores 1.0; a generator that collapsed onto
    three digits scores about 0.3.
    """
    pred = classifier_logits(images, weights=weights).argmax(axis=1)
    counts = np.bincount(pred, minlength=10) / max(len(pred), 1)
    return float(np.mean(counts >= min_share))


class DigitsEvaluator:
    """Caches the real digits' statistics so FCD can be tracked cheaply during training.

    >>> ev = DigitsEvaluator(real_digits)          # (N, 28, 28, 1) in [-1, 1]
    >>> ev(generated)                               # {'fcd': ..., 'score': ..., 'coverage': ...}
    """

    def __init__(self, real_images: Any, *, weights: str | Path | None = None) -> None:
        self.weights = weights
        self.mu, self.sigma = gaussian_statistics(classifier_features(real_images, weights=weights))
        self.n_real = len(real_images)

    def fcd(self, generated_images: Any) -> float:
        """FCD of the generated digits against the cached real statistics."""
        mu, sigma = gaussian_statistics(classifier_features(generated_images, weights=self.weights))
        return frechet_distance(self.mu, self.sigma, mu, sigma)

    def __call__(self, generated_images: Any) -> dict[str, float]:
        """FCD, classifier score and class coverage of one set of generated digits."""
        feats, logits = _run(generated_images, 500, self.weights)
        mu, sigma = gaussian_statistics(feats)
        p = _softmax(logits)
        py = p.mean(axis=0, keepdims=True)
        kl = np.sum(p * (np.log(p + 1e-12) - np.log(py + 1e-12)), axis=1)
        counts = np.bincount(logits.argmax(axis=1), minlength=10) / len(logits)
        return {
            "fcd": frechet_distance(self.mu, self.sigma, mu, sigma),
            "score": float(np.exp(kl.mean())),
            "coverage": float(np.mean(counts >= 0.02)),
        }
