"""config: quick/full settings, seeding, cache directory."""

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib import config


def test_course_settings_quick_overrides_full(monkeypatch):
    monkeypatch.setenv("GANSTYLE_QUICK", "1")
    s = config.course_settings(full=dict(epochs=20, size=256), quick=dict(epochs=1), batch=8)
    assert s == dict(epochs=1, size=256, batch=8)
    monkeypatch.setenv("GANSTYLE_QUICK", "0")
    s = config.course_settings(full=dict(epochs=20, size=256), quick=dict(epochs=1), batch=8)
    assert s == dict(epochs=20, size=256, batch=8)
    assert config.mode_name() == "full"


def test_course_settings_refuses_quick_only_keys():
    with pytest.raises(KeyError, match="no full-mode value"):
        config.course_settings(full=dict(epochs=20), quick=dict(epoch=1))
    with pytest.raises(KeyError, match="one place"):
        config.course_settings(full=dict(epochs=20), epochs=3)


def _random_draws():
    import random

    import keras

    layer = keras.layers.Dense(4)
    layer.build((None, 3))
    return (
        random.random(),
        np.random.rand(3),
        tf.random.uniform((3,)).numpy(),
        keras.random.normal((3,)).numpy(),
        layer.kernel.numpy(),
    )


def test_set_seed_makes_every_generator_repeat():
    config.set_seed(123)
    first = _random_draws()
    config.set_seed(123)
    second = _random_draws()
    config.set_seed(124)
    third = _random_draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[2], third[2])
    with pytest.raises(TypeError):
        config.set_seed(1.5)


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "cache"))
    assert config.cache_dir() == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir()
    monkeypatch.delenv("GANSTYLE_HOME")
    assert config.cache_dir(create=False).name == "ganstyle"
