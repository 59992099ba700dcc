"""device: environment line, precision switch, XLA default, strategy."""

import json

import pytest
import tensorflow as tf

from ganstyle_lib import device


def test_summary_names_versions_mode_and_assets(monkeypatch):
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    line = device.summary()
    assert line.startswith(f"TensorFlow {tf.__version__} | Keras ")
    assert "CPU only" in line or "GPU" in line
    assert "quick mode" in line or "full mode" in line
    assert "offline" in line


def test_mixed_precision_switch_round_trip():
    try:
        assert device.set_mixed_precision("mixed_bfloat16") == "mixed_bfloat16"
        assert device.precision_policy() == "mixed_bfloat16"
        if not device.gpus() and device.cpu_has_bf16():
            assert device.set_mixed_precision(True) == "mixed_bfloat16"
        with pytest.raises(ValueError, match="unknown precision policy"):
            device.set_mixed_precision("float8")
    finally:
        assert device.set_mixed_precision(False) == "float32"


def test_xla_is_off_on_cpu_unless_forced(monkeypatch):
    monkeypatch.delenv("GANSTYLE_XLA", raising=False)
    assert device.use_xla() == bool(device.gpus())
    monkeypatch.setenv("GANSTYLE_XLA", "1")
    assert device.use_xla() is True
    monkeypatch.setenv("GANSTYLE_XLA", "off")
    assert device.use_xla() is False


def test_strategy_is_default_without_several_gpus():
    strategy = device.strategy()
    if len(device.gpus()) < 2:
        assert strategy.num_replicas_in_sync == 1
    else:
        assert isinstance(strategy, tf.distribute.MirroredStrategy)


def test_strategy_choice_by_name_environment_and_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.delenv("GANSTYLE_STRATEGY", raising=False)
    assert device.strategy("default").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="unknown strategy 'gpus'"):
        device.strategy("gpus")
    monkeypatch.setenv("GANSTYLE_STRATEGY", "bogus")  # the environment variable is read too
    with pytest.raises(ValueError, match="GANSTYLE_STRATEGY"):
        device.strategy()
    monkeypatch.delenv("GANSTYLE_STRATEGY")
    with pytest.raises(RuntimeError, match="needs TF_CONFIG"):
        device.strategy("multi_worker")
    if not tf.config.list_physical_devices("TPU"):
        with pytest.raises(RuntimeError, match="no TPU found"):
            device.strategy("tpu")
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    assert device.tf_config() == cluster and device._cluster_size() == 2  # auto would pick multi-worker
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        device.tf_config()


def test_configure_sets_precision_and_a_global_strategy():
    try:
        chosen = device.configure(mixed_precision="mixed_bfloat16", strategy="mirrored")
        assert isinstance(chosen, tf.distribute.MirroredStrategy)
        assert tf.distribute.get_strategy() is chosen  # models built now are mirrored
        assert device.precision_policy() == "mixed_bfloat16"
    finally:
        back = device.configure(strategy="default")  # float32, one device
    assert not tf.distribute.has_strategy() and back is tf.distribute.get_strategy()
    assert device.precision_policy() == "float32"


def test_loss_scaling_only_for_float16():
    import keras

    for policy, wrapped in (("mixed_float16", True), ("mixed_bfloat16", False), ("float32", False)):
        try:
            device.set_mixed_precision(policy)
            model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
            opt = device.loss_scaled(keras.optimizers.Adam(), model)
            assert isinstance(opt, keras.optimizers.LossScaleOptimizer) == wrapped, policy
            assert device.loss_scaled(opt, model) is opt  # never wrapped twice
        finally:
            device.set_mixed_precision(False)


def test_automatic_precision_follows_the_hardware(monkeypatch):
    try:
        monkeypatch.setattr(device, "gpus", lambda: [])
        monkeypatch.setattr(device, "cpu_has_bf16", lambda: False)
        assert device.set_mixed_precision(True) == "float32"  # emulated bf16 would be slower
        monkeypatch.setattr(device, "cpu_has_bf16", lambda: True)
        assert device.set_mixed_precision(True) == "mixed_bfloat16"
        monkeypatch.setattr(device, "gpus", lambda: ["GPU:0"])
        assert device.set_mixed_precision(True) == "mixed_float16"
    finally:
        device.set_mixed_precision(False)
