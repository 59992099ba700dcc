"""Frechet distance formula and the digits-classifier metrics' sanity."""

import numpy as np
import pytest

from ganstyle_lib import metrics


def test_frechet_distance_of_gaussians_matches_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    sigma = a @ a.T + np.eye(6)
    mu = rng.standard_normal(6)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2 with standard deviations s
    assert metrics.frechet_distance([1.0], [[4.0]], [-1.0], [[9.0]]) == pytest.approx(4.0 + 1.0)
    # commuting (diagonal) covariances: sum over coordinates of the 1-D formula
    d = metrics.frechet_distance(np.zeros(3), np.diag([1.0, 4.0, 9.0]), np.ones(3), np.diag([4.0, 4.0, 1.0]))
    assert d == pytest.approx(3 + (1 - 2) ** 2 + 0 + (3 - 1) ** 2)
    # singular covariances still give a finite answer
    assert np.isfinite(metrics.frechet_distance(np.zeros(3), np.zeros((3, 3)), np.zeros(3), np.eye(3)))


def test_gaussian_statistics_shapes_and_errors():
    mu, sigma = metrics.gaussian_statistics(np.random.default_rng(0).standard_normal((50, 4)))
    assert mu.shape == (4,) and sigma.shape == (4, 4)
    with pytest.raises(ValueError):
        metrics.gaussian_statistics(np.zeros((1, 4)))


def test_classifier_ships_small_and_loads_offline():
    assert metrics.CLASSIFIER_WEIGHTS.exists()
    assert metrics.CLASSIFIER_WEIGHTS.stat().st_size < 1_000_000
    feats = metrics.classifier_features(np.zeros((3, 28, 28, 1), "float32") - 1)
    assert feats.shape == (3, 64)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        metrics.classifier_features(np.full((2, 28, 28, 1), 255.0, "float32"))


@pytest.fixture(scope="module")
def real_digits():
    from ganstyle_lib import data

    test = data.load_digits("mnist", "test")  # offline: 1,000 held-out real digits
    images = test.images[..., None].astype("float32") / 127.5 - 1.0
    return images, np.asarray(test.labels)


def test_fcd_real_vs_real_much_smaller_than_real_vs_noise(real_digits):
    images, _ = real_digits
    first, second = images[:500], images[500:]
    noise = np.random.default_rng(0).uniform(-1, 1, first.shape).astype("float32")
    real_real = metrics.frechet_classifier_distance(first, second)
    real_noise = metrics.frechet_classifier_distance(first, noise)
    assert real_real * 20 < real_noise


def test_one_class_scores_much_worse_than_balanced(real_digits):
    images, labels = real_digits
    ones = images[labels == 1]
    balanced = images[: len(ones) * 2]
    assert metrics.class_coverage(balanced) == 1.0
    assert metrics.class_coverage(ones) <= 0.2
    assert metrics.classifier_score(balanced) > 7.0
    assert metrics.classifier_score(ones) < 2.0
    ev = metrics.DigitsEvaluator(images[500:])
    assert ev(ones)["fcd"] > 5 * ev(images[:500])["fcd"]
