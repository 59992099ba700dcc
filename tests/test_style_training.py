"""Perceptual-loss training of feed-forward stylisation networks (issue 8)."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import striped_style

from ganstyle_lib.style import features, networks, training


def _style(seed=0, size=40):
    return striped_style(size, seed)  # the `extractor` fixture and striped_style live in conftest.py


def _content(n=3, size=48):
    rng = np.random.default_rng(1)
    return [tf.constant(rng.uniform(size=(1, size, size + 8, 3)), tf.float32) for _ in range(n)]


def test_dataset_batches_crops_flips_and_one_hot_styles():
    ds = training.content_dataset(_content(), crop=32, batch_size=3, num_styles=2, seed=0)
    images, weights = next(iter(ds))
    assert images.shape == (3, 32, 32, 3) and weights.shape == (3, 2)
    assert np.all(weights.numpy().sum(1) == 1.0)
    assert 0.0 <= images.numpy().min() and images.numpy().max() <= 1.0
    again = next(iter(training.content_dataset(_content(), crop=32, batch_size=3, num_styles=2, seed=0)))
    np.testing.assert_array_equal(again[0].numpy(), images.numpy())  # seeded


@pytest.mark.parametrize("num_styles", [0, 2])
def test_a_few_steps_lower_the_perceptual_loss(extractor, num_styles):
    tf.keras.utils.set_random_seed(0)
    # train_transformer's defaults: no residual output, DEFAULT_WEIGHTS (content 5, style 1). (A residual
    # network starts *at* the photo, content error 0, so its first steps may trade content for style.)
    net = networks.transformer_net(0.125, num_styles=num_styles, residual_output=False)
    styles = [_style(0), _style(1)] if num_styles else _style(0)
    trainer = training.PerceptualTrainer(net, styles, extractor=extractor)
    trainer.compile(tf.keras.optimizers.Adam(2e-3))
    ds = training.content_dataset(_content(), crop=32, batch_size=2, num_styles=num_styles, seed=0)
    fixed = next(iter(ds))
    images, weights = trainer._split(fixed)
    before = float(trainer.loss_terms(images, weights)["total"])
    history = trainer.fit(ds, epochs=1, steps_per_epoch=20, verbose=0)
    after = float(trainer.loss_terms(images, weights)["total"])
    assert np.isfinite(history.history["loss"]).all()
    assert after < before, (before, after)
    assert set(history.history) >= {"loss", "content", "style", "tv"}


def test_style_step_is_a_plain_function(extractor):
    net = networks.transformer_net(0.125)
    trainer = training.PerceptualTrainer(net, _style(), extractor=extractor)
    trainer.compile()
    trainer.optimizer.build(net.trainable_variables)
    logs = trainer.style_step(tf.random.uniform((2, 24, 24, 3)))
    assert set(logs) == {"loss", "content", "style", "tv"}
    assert int(trainer.optimizer.iterations.numpy()) == 1


def test_wrong_number_of_styles_is_refused(extractor):
    with pytest.raises(ValueError, match="styles"):
        training.PerceptualTrainer(networks.transformer_net(0.125, num_styles=3), [_style()], extractor=extractor)
    with pytest.raises(ValueError, match="num_styles=2"):
        training.PerceptualTrainer(networks.transformer_net(0.125), [_style(), _style(1)], extractor=extractor)


@pytest.mark.parametrize(
    "bad, flag",
    [
        (dict(steps=0), "--steps"),
        (dict(steps=-3), "--steps"),
        (dict(crop=7), "--crop"),
        (dict(batch_size=0), "--batch-size"),
        (dict(epochs=0), "epochs"),
    ],
)
def test_bad_settings_are_refused_before_any_work(tmp_path, bad, flag):
    # steps=0 used to train on the endless dataset forever; crop=7 failed inside VGG19's pooling.
    # No extractor is built and no folder is written: the check comes first.
    settings = {
        **dict(content=_content(1), width=0.125, steps=1, crop=32, batch_size=1, directory=tmp_path / "run", verbose=0),
        **bad,
    }
    with pytest.raises(ValueError, match=flag):
        training.train_transformer(_style(), **settings)
    assert not (tmp_path / "run").exists()


def test_empty_content_folder_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image files.*bundled photographs"):
        training.content_images(tmp_path)


def test_checkpoint_callback_writes_a_loadable_network(tmp_path, extractor):
    net, trainer, _ = training.train_transformer(
        _style(),
        content=_content(2),
        width=0.125,
        steps=2,
        crop=32,
        batch_size=1,
        extractor=extractor,
        directory=tmp_path,
        verbose=0,
    )
    saved = training.load_transformer(tmp_path / "transformer.keras")
    x = tf.random.uniform((1, 33, 35, 3))
    np.testing.assert_allclose(saved(x).numpy(), net(x).numpy(), atol=1e-6)
    assert list((tmp_path / "logs").rglob("events.out.tfevents*"))  # TensorBoard logs (tensorboard is a dependency)


def test_adain_decoder_training_lowers_its_loss():
    tf.keras.utils.set_random_seed(0)
    encoder = features.VGGFeatures(networks.ADAIN_LAYERS, weights="untrained")
    stylizer = networks.AdaINStylizer(encoder, width=0.125)
    trainer = training.AdaINTrainer(stylizer)
    trainer.compile(tf.keras.optimizers.Adam(3e-3))
    ds = training.content_dataset(_content(), crop=32, batch_size=2, styles=[_style(0), _style(1)], seed=0)
    history = trainer.fit(ds, epochs=2, steps_per_epoch=8, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_short_runs_skip_tracing_and_match_traced_steps(extractor, monkeypatch):
    """fit() of <= EAGER_MAX_STEPS steps runs eagerly, a longer one traces; both compute the same losses."""

    def run(steps):
        tf.keras.utils.set_random_seed(0)
        trainer = training.PerceptualTrainer(networks.transformer_net(0.125), _style(), extractor=extractor)
        trainer.compile(tf.keras.optimizers.Adam(2e-3))
        history = trainer.fit(
            training.content_dataset(_content(), crop=32, batch_size=2, seed=0),
            epochs=1,
            steps_per_epoch=steps,
            verbose=0,
        )
        return trainer.run_eagerly, history.history

    assert run(training.EAGER_MAX_STEPS + 1)[0] is False
    eager, eager_history = run(2)
    monkeypatch.setattr(training, "EAGER_MAX_STEPS", 0)
    traced, graph_history = run(2)
    assert eager and not traced
    for term in ("loss", "content", "style", "tv"):  # the same batches through the same network
        np.testing.assert_allclose(eager_history[term], graph_history[term], rtol=1e-3)


def test_asking_for_eager_is_kept_for_long_runs(extractor):
    trainer = training.PerceptualTrainer(networks.transformer_net(0.125), _style(), extractor=extractor)
    trainer.compile(tf.keras.optimizers.Adam(2e-3), run_eagerly=True)
    ds = training.content_dataset(_content(), crop=32, batch_size=2, seed=0)
    trainer.fit(ds, epochs=1, steps_per_epoch=training.EAGER_MAX_STEPS + 1, verbose=0)
    assert trainer.run_eagerly
