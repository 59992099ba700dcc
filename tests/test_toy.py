"""Tests for ganstyle_lib.gan.toy: targets, formulas on a grid, mode coverage, training."""

import math

import numpy as np
import pytest

from ganstyle_lib.gan import toy


def test_mixture_1d_pdf_integrates_to_one_and_matches_samples():
    mix = toy.mixture_1d([-2.0, 1.0], [0.5, 0.8], weights=[0.3, 0.7])
    x, dx = np.linspace(-8, 8, 4001, retstep=True)
    assert mix.pdf(x).sum() * dx == pytest.approx(1.0, abs=1e-6)
    samples = mix.sample(20000, seed=0)
    assert samples.shape == (20000, 1) and samples.dtype == np.float32
    assert samples.mean() == pytest.approx(0.3 * -2 + 0.7 * 1, abs=0.03)


def test_sampling_is_seeded():
    r = toy.ring()
    assert np.array_equal(r.sample(10, seed=3), r.sample(10, seed=3))
    assert not np.array_equal(r.sample(10, seed=3), r.sample(10, seed=4))


def test_ring_and_grid_geometry():
    r = toy.ring()
    assert r.centers.shape == (8, 2) and np.allclose(np.linalg.norm(r.centers, axis=1), 2.0)
    g = toy.grid()
    assert g.centers.shape == (25, 2) and g.centers.min() == -4.0 and g.centers.max() == 4.0
    # The target itself: in 2-D, P(|x - mu| <= 3 sigma) = 1 - exp(-4.5) = 98.9 %.
    covered, hq = toy.mode_coverage(r.sample(2500, seed=0), r.centers, 0.02)
    assert covered == 8 and hq == pytest.approx(100 * (1 - math.exp(-4.5)), abs=0.5)


def test_bad_mixture_arguments():
    with pytest.raises(ValueError):
        toy.mixture_1d([0.0, 1.0], 0.5, weights=[0.5, 0.6])
    with pytest.raises(ValueError):
        toy.mixture_1d([0.0], 0.0)


def test_optimal_discriminator():
    d = toy.optimal_discriminator([1.0, 0.0, 2.0, 0.0], [1.0, 3.0, 0.0, 0.0])
    assert np.allclose(d, [0.5, 0.0, 1.0, 0.5])  # last: both zero -> 1/2 by convention


def test_js_divergence_closed_forms():
    x, dx = np.linspace(-10, 10, 20001, retstep=True)
    p = toy.mixture_1d([0.0], 1.0).pdf(x)
    assert toy.js_divergence(p, p, dx) == pytest.approx(0.0, abs=1e-12)
    # Disjoint supports: uniform on [-3, -1] and on [1, 3] -> log 2 exactly.
    u1 = np.where((x >= -3) & (x < -1), 0.5, 0.0)
    u2 = np.where((x >= 1) & (x < 3), 0.5, 0.0)
    assert toy.js_divergence(u1, u2, dx) == pytest.approx(math.log(2), rel=1e-3)
    # Symmetric, and between the two.
    q = toy.mixture_1d([1.0], 1.0).pdf(x)
    assert toy.js_divergence(p, q, dx) == pytest.approx(toy.js_divergence(q, p, dx))
    assert 0 < toy.js_divergence(p, q, dx) < math.log(2)


def test_value_at_optimum_is_minus_log4_plus_2jsd():
    x, dx = np.linspace(-20, 20, 8001, retstep=True)  # wide: every density integrates to 1 on it
    p_data = toy.mixture_1d([-1.0, 2.0], 0.5).pdf(x)
    for mean in (-2.0, 0.5, 3.0, 8.0):  # 8: far tails where D* rounds to 1 in float64
        p_g = toy.mixture_1d([mean], 1.0).pdf(x)
        v = toy.gan_value(p_data, p_g, dx)
        assert v == pytest.approx(-math.log(4) + 2 * toy.js_divergence(p_data, p_g, dx), abs=1e-9)
        # Passing D* explicitly agrees where it does not round to 0 or 1.
        mask = (p_data > 1e-12) & (p_g > 1e-12)
        d_star = toy.optimal_discriminator(p_data, p_g)
        assert toy.gan_value(p_data * mask, p_g * mask, dx, d_star) == pytest.approx(
            toy.gan_value(p_data * mask, p_g * mask, dx), abs=1e-9
        )
    # p_g = p_data: D* = 1/2 everywhere and V = -log 4.
    d_star = toy.optimal_discriminator(p_data, p_data)
    assert np.allclose(d_star, 0.5)
    assert toy.gan_value(p_data, p_data, dx, d_star) == pytest.approx(-math.log(4), abs=1e-6)
    # Any other D does worse for the discriminator: V(D, G) <= V(D*, G).
    p_g = toy.mixture_1d([0.5], 1.0).pdf(x)
    assert toy.gan_value(p_data, p_g, dx, np.full_like(x, 0.5)) < toy.gan_value(p_data, p_g, dx)


def test_mode_coverage_constructed_samples():
    r = toy.ring()
    rng = np.random.default_rng(0)
    # 100 samples on each mode, within 1 sigma: 8 modes, 100 % high quality.
    on_modes = np.repeat(r.centers, 100, axis=0) + rng.uniform(-0.014, 0.014, (800, 2))
    assert toy.mode_coverage(on_modes, r.centers, 0.02) == (8, 100.0)
    # All samples on one mode: 1 mode, still all high quality.
    one = r.centers[3] + rng.normal(0, 0.01, (500, 2))
    assert toy.mode_coverage(one, r.centers, 0.02) == (1, 100.0)
    # Samples at the origin are far from every mode: nothing covered.
    assert toy.mode_coverage(np.zeros((50, 2)), r.centers, 0.02) == (0, 0.0)
    # Half the samples off-mode: 50 % high quality; min_count ignores stray samples.
    mixed = np.concatenate([on_modes[:400], np.zeros((400, 2))])
    assert toy.mode_coverage(mixed, r.centers, 0.02) == (4, 50.0)
    stray = np.concatenate([one, r.centers[:1]])
    assert toy.mode_coverage(stray, r.centers, 0.02).modes_covered == 2
    assert toy.mode_coverage(stray, r.centers, 0.02, min_count=5).modes_covered == 1
    assert toy.mode_counts(one, r.centers, 0.02).tolist() == [0, 0, 0, 500, 0, 0, 0, 0]


def test_builders_shapes_and_seeds():
    g = toy.make_generator(latent_dim=4, output_dim=2, hidden=(16,), seed=0)
    d = toy.make_discriminator(input_dim=2, hidden=(16,), seed=1)
    z = np.zeros((3, 4), np.float32) + 0.5
    assert g(z).shape == (3, 2) and d(g(z)).shape == (3, 1)
    g2 = toy.make_generator(latent_dim=4, output_dim=2, hidden=(16,), seed=0)
    assert np.array_equal(g(z).numpy(), g2(z).numpy())


def test_fit_discriminator_moves_towards_optimum():
    real, fake = toy.mixture_1d([-1.0], 0.3), toy.mixture_1d([1.0], 0.3)
    d = toy.make_discriminator(1, hidden=(16,), seed=0)
    hist = toy.fit_discriminator(d, real, fake, steps=150, batch_size=128, learning_rate=1e-2, progress=False)
    assert hist["d_loss"][-1] < hist["d_loss"][0]
    probs = 1 / (1 + np.exp(-d(np.array([[-1.0], [1.0]], np.float32)).numpy().ravel()))
    assert probs[0] > 0.9 and probs[1] < 0.1


def _tiny_run(seed=0, **kwargs):
    data = toy.ring()
    pack = kwargs.get("pack", 1)
    g = toy.make_generator(4, 2, hidden=(16,), seed=seed)
    d = toy.make_discriminator(2 * pack, hidden=(16,), seed=seed + 1)
    return toy.train_toy_gan(
        g,
        d,
        data,
        steps=20,
        batch_size=32,
        snapshot_every=10,
        snapshot_size=50,
        log_every=5,
        seed=seed,
        progress=False,
        **kwargs,
    )


def test_train_toy_gan_history_snapshots_and_determinism():
    probe = np.linspace(-1, 1, 7)
    run = _tiny_run(probe=np.stack([probe, probe], 1))
    assert run.history["step"] == [5, 10, 15, 20]
    assert all(np.isfinite(run.history[k]).all() for k in ("d_loss", "g_loss"))
    assert [s.step for s in run.snapshots] == [0, 10, 20]
    assert run.snapshots[-1].samples.shape == (50, 2) and run.snapshots[-1].probe_logits.shape == (7,)
    again = _tiny_run(probe=np.stack([probe, probe], 1))
    assert np.array_equal(run.snapshots[-1].samples, again.snapshots[-1].samples)
    assert run.history == again.history


# Each run traces two tf.functions (a few seconds), so only the code paths the
# other tests miss: packing, the gradient penalty and several D steps.
@pytest.mark.parametrize(
    "kwargs", [dict(pack=4, probe=np.zeros((3, 2))), dict(loss="wasserstein", gp_weight=10.0, d_steps=2)]
)
def test_train_toy_gan_variants_run(kwargs):
    run = _tiny_run(**kwargs)
    assert np.isfinite(run.snapshots[-1].samples).all()
    assert np.isfinite(run.history["d_loss"]).all()
    if kwargs.get("pack", 1) > 1:
        assert run.snapshots[-1].probe_logits is None  # D judges packs, not single points


def test_train_toy_gan_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown loss"):
        _tiny_run(loss="nope")
    with pytest.raises(ValueError, match="multiple of pack"):
        _tiny_run(pack=3)
