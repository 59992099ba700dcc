"""device: environment line, precision switch, XLA default, strategy."""

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
        if not device.gpus():
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
