"""Adversarial style losses, the patch discriminator and cycle consistency (issue 9)."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import striped_style

from ganstyle_lib.style import adversarial, cycle, networks, training


def _style(size=48, seed=0):
    return striped_style(size, seed)  # the `extractor` fixture and striped_style live in conftest.py


# --------------------------------------------------------------------------- geometry


def test_receptive_field_of_the_papers_patchgan_is_70():
    assert adversarial.receptive_field([4, 4, 4, 4, 4], [2, 2, 2, 1, 1]) == 70
    assert [adversarial.patch_receptive_field(n) for n in range(5)] == [7, 16, 34, 70, 142]
    assert adversarial.receptive_field([3, 3], [1, 1]) == 5
    with pytest.raises(ValueError, match="strides"):
        adversarial.receptive_field([3, 3], [1])


@pytest.mark.parametrize("num_downsamples", [1, 2, 3])
def test_output_grid_has_the_documented_shape(num_downsamples):
    d = adversarial.patch_discriminator(num_downsamples, width=4)
    r = adversarial.patch_receptive_field(num_downsamples)
    for h, w in [(r, r), (r + 1, r + 7), (2 * r + 3, r + 16), (97, 131)]:
        grid = adversarial.patch_grid_shape(h, w, num_downsamples)
        assert d(tf.zeros((2, h, w, 3))).shape == (2, *grid, 1)
        # the closed form of the docstring
        assert grid == ((h - r) // 2**num_downsamples + 1, (w - r) // 2**num_downsamples + 1)
    with pytest.raises(ValueError, match="receptive field"):
        adversarial.patch_grid_shape(r - 1, 100, num_downsamples)


@pytest.mark.parametrize("num_downsamples", [1, 2])
def test_each_logit_sees_exactly_its_receptive_field(num_downsamples):
    """The gradient of logit (i, j) is non-zero exactly on the R x R window at (i J, j J)."""
    tf.keras.utils.set_random_seed(0)
    d = adversarial.patch_discriminator(num_downsamples, width=4, norm="none")
    r, jump = adversarial.patch_receptive_field(num_downsamples), 2**num_downsamples
    x = tf.random.uniform((1, r + 3 * jump, r + 2 * jump, 3))
    i, j = 2, 1
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit = d(x)[0, i, j, 0]
    support = np.abs(tape.gradient(logit, x).numpy()[0]).sum(-1) > 0
    rows, cols = np.nonzero(support)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (i * jump, i * jump + r - 1, j * jump, j * jump + r - 1)


# --------------------------------------------------------------------------- the adversarial term


def test_real_patches_are_crops_of_the_style_image():
    style = _style(40)
    adversary = adversarial.PatchAdversary(adversarial.patch_discriminator(1, width=4), style)
    crops = adversary.real_patches(5, 20, 24).numpy()
    assert crops.shape == (5, 20, 24, 3)
    s = style.numpy()[0]
    for crop in crops:  # every crop (or its mirror image) appears at whole-pixel offsets of the style image
        found = any(
            np.allclose(s[t : t + 20, l : l + 24], c, atol=1e-5)
            for t in range(21)
            for l in range(17)
            for c in (crop, crop[:, ::-1])
        )
        assert found
    with pytest.raises(ValueError, match="smaller than"):
        adversary.real_patches(1, 64, 64)


def test_one_training_step_updates_both_networks(extractor):
    tf.keras.utils.set_random_seed(0)
    net = networks.transformer_net(0.125, residual_output=True)
    disc = adversarial.patch_discriminator(1, width=8)
    adversary = adversarial.PatchAdversary(disc, _style(), weight=1.0)
    trainer = training.PerceptualTrainer(net, _style(), extractor=extractor, adversary=adversary)
    trainer.compile(tf.keras.optimizers.Adam(1e-2))
    trainer.optimizer.build(net.trainable_variables)
    net_before = [v.numpy().copy() for v in net.trainable_variables]
    disc_before = [v.numpy().copy() for v in disc.trainable_variables]
    logs = trainer.style_step(tf.random.uniform((2, 32, 32, 3), seed=1))
    assert set(logs) == {"loss", "content", "style", "tv", "adv", "d_loss"}
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert any(not np.allclose(a, v.numpy()) for a, v in zip(net_before, net.trainable_variables))
    assert any(not np.allclose(a, v.numpy()) for a, v in zip(disc_before, disc.trainable_variables))
    assert int(trainer.optimizer.iterations.numpy()) == 1 and int(adversary.optimizer.iterations.numpy()) == 1


def test_adversarial_only_training_runs_with_fit(extractor):
    net = networks.transformer_net(0.125, residual_output=True)
    adversary = adversarial.PatchAdversary(adversarial.patch_discriminator(1, width=8), _style(), weight=1.0)
    trainer = training.PerceptualTrainer(net, _style(), extractor=extractor, style_weight=0.0, adversary=adversary)
    trainer.compile()
    ds = training.content_dataset([tf.random.uniform((1, 40, 48, 3), seed=2)], crop=24, batch_size=2)
    history = trainer.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
    assert history.history["style"][-1] == 0.0 and np.isfinite(history.history["d_loss"]).all()
    assert int(adversary.optimizer.iterations.numpy()) == 2


def test_trainer_without_adversary_keeps_its_metrics(extractor):
    trainer = training.PerceptualTrainer(networks.transformer_net(0.125), _style(), extractor=extractor)
    assert trainer.adversary is None and [m.name for m in trainer.metrics] == ["loss", "content", "style", "tv"]


def test_adversary_refuses_multi_style_networks_and_unknown_losses(extractor):
    adversary = adversarial.PatchAdversary(adversarial.patch_discriminator(1, width=4), _style())
    with pytest.raises(ValueError, match="single-style"):
        training.PerceptualTrainer(
            networks.transformer_net(0.125, num_styles=2),
            [_style(), _style(seed=1)],
            extractor=extractor,
            adversary=adversary,
        )
    with pytest.raises(ValueError, match="hinge"):
        adversarial.PatchAdversary(adversarial.patch_discriminator(1, width=4), _style(), loss="nope")


# --------------------------------------------------------------------------- measuring


def test_patch_distance_is_small_for_the_same_images_and_grows_with_difference():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, (1, 40, 40, 3)).astype(np.float32)
    same = adversarial.patch_distance(a, a)  # two random samples of the same patches: sampling noise only
    near = adversarial.patch_distance(a, np.clip(a + 0.05, 0, 1))
    far = adversarial.patch_distance(a, np.clip(a * 0.3, 0, 1))
    assert 0 <= same < 0.3 * near and near < 0.3 * far
    # the statistic ignores where patches are: a mirrored image has the same patches, mirrored
    texture = rng.uniform(0, 1, (1, 64, 64, 3)).astype(np.float32)
    assert adversarial.patch_distance(texture, np.roll(texture, 17, axis=1)) < 0.5 * far
    assert adversarial.patch_distance(a, a, seed=3) == adversarial.patch_distance(a, a, seed=3)


# --------------------------------------------------------------------------- cycle consistency


def test_cycle_loss_is_zero_for_inverse_maps():
    x = tf.random.uniform((3, 16, 20, 3), seed=4)
    g = lambda t: 1.0 - t  # noqa: E731  an invertible "translation"
    f = lambda t: 1.0 - t  # noqa: E731  its inverse
    assert float(cycle.cycle_consistency_loss(x, f(g(x)))) == pytest.approx(0.0, abs=1e-7)
    h = lambda t: t**2  # noqa: E731  not the inverse of g
    loss = float(cycle.cycle_consistency_loss(x, h(g(x))))
    assert loss == pytest.approx(float(tf.reduce_mean(tf.abs(x - (1 - x) ** 2))), rel=1e-6) and loss > 0.05


def test_untrained_cycle_generators_are_inverse_maps():
    """residual_output=True: both generators start as the identity, so the cycle loss starts at (about) zero."""
    x = tf.random.uniform((2, 24, 24, 3), 0.05, 0.95, seed=5)
    g, f = cycle.cycle_generator(0.125), cycle.cycle_generator(0.125)
    assert float(cycle.cycle_consistency_loss(x, f(g(x)))) < 1e-5


def test_one_cyclegan_step_updates_all_four_networks():
    tf.keras.utils.set_random_seed(0)
    nets = [
        cycle.cycle_generator(0.125),
        cycle.cycle_generator(0.125),
        adversarial.patch_discriminator(1, width=4),
        adversarial.patch_discriminator(1, width=4),
    ]
    model = cycle.CycleGAN(*nets)
    model.compile()
    before = [[v.numpy().copy() for v in n.trainable_variables] for n in nets]
    logs = model.cycle_step((tf.random.uniform((2, 24, 24, 3), seed=6), tf.random.uniform((2, 24, 24, 3), seed=7)))
    assert set(logs) == {"g_loss", "d_loss", "adv", "cycle", "identity"}
    for net, old in zip(nets, before):
        assert any(not np.allclose(a, v.numpy()) for a, v in zip(old, net.trainable_variables)), net.name


def test_cyclegan_fit_on_a_dataset_does_not_warn_about_shuffle():
    # Keras warns that shuffle=True is ignored for a tf.data.Dataset; notebook 06's full run printed it
    import warnings

    tf.keras.utils.set_random_seed(0)
    nets = [
        cycle.cycle_generator(0.125),
        cycle.cycle_generator(0.125),
        adversarial.patch_discriminator(1, width=4),
        adversarial.patch_discriminator(1, width=4),
    ]
    model = cycle.CycleGAN(*nets)
    model.compile(run_eagerly=True)
    pairs = tf.data.Dataset.from_tensors(
        (tf.random.uniform((2, 24, 24, 3), seed=6), tf.random.uniform((2, 24, 24, 3), seed=7))
    ).repeat()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(pairs, epochs=1, steps_per_epoch=1, verbose=0)
