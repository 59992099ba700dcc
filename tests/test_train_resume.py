"""Issue 23: `train-style` keeps what it trained -- checkpoints, clean stops, resuming, no silent replacing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import ganstyle_lib
from ganstyle_lib.style import stylize, training

REPO = Path(ganstyle_lib.__file__).resolve().parent.parent  # the checkout under test (a worktree too)


def _png(path, h, w, seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture()
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        _png(folder / f"p{i}.png", 40, 48, seed=i)
    return folder


def _weights(path):
    return [np.asarray(w) for w in training.load_transformer(path).get_weights()]


def test_the_data_stream_can_start_at_any_step():
    images = [np.random.default_rng(i).uniform(size=(1, 40 + 3 * i, 48, 3)).astype("float32") for i in range(3)]
    stream = list(training.content_dataset(images, crop=16, batch_size=2, num_styles=2, seed=5).take(5))
    later = list(training.content_dataset(images, crop=16, batch_size=2, num_styles=2, seed=5, start_step=3).take(2))
    for (x, w), (y, v) in zip(stream[3:], later):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(w, v)


def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path, extractor):
    from conftest import striped_style

    content = [np.random.default_rng(i).uniform(size=(1, 40, 48, 3)).astype("float32") for i in range(2)]
    common = dict(content=content, width=0.125, crop=16, batch_size=1, extractor=extractor, verbose=0)
    keras.utils.set_random_seed(0)
    whole, _, _ = training.train_transformer(striped_style(), steps=6, **common)
    ckpt = tmp_path / "checkpoint.npz"
    keras.utils.set_random_seed(0)
    training.train_transformer(striped_style(), steps=3, checkpoint=ckpt, checkpoint_every=2, **common)
    assert training.read_training_meta(ckpt)["step"] == 3
    keras.utils.set_random_seed(1)  # other initial weights: the checkpoint's must win
    resumed, trainer, _ = training.train_transformer(striped_style(), steps=6, checkpoint=ckpt, **common)
    assert int(trainer.optimizer.iterations.numpy()) == 6  # Adam's step count carried over
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="another training run.*crop"):
        training.train_transformer(striped_style(), steps=8, checkpoint=ckpt, **{**common, "crop": 24})


def test_train_style_never_replaces_a_network_unasked(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    style = _png(tmp_path / "style.png", 32, 32)
    net = tmp_path / "net.keras"
    net.write_bytes(b"an earlier network")
    monkeypatch.setattr(training, "train_transformer", lambda *a, **k: pytest.fail("training must not start"))
    with pytest.raises(FileExistsError, match="--overwrite"):
        stylize.train_style(style, output=net, steps=1)
    assert net.read_bytes() == b"an earlier network"


def test_a_tiny_style_image_is_refused_before_training(tmp_path, monkeypatch, capsys):
    from ganstyle_lib.course import cli

    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    dot = _png(tmp_path / "dot.png", 1, 1)
    monkeypatch.setattr(training, "train_transformer", lambda *a, **k: pytest.fail("training must not start"))
    assert cli.main(["train-style", "--style", str(dot), "--output", str(tmp_path / "n.keras")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "1x1 pixels" in err and err.count("\n") == 1


def _train_style_command(style, photos, output, steps):
    return [
        sys.executable,
        "-m",
        "ganstyle_lib.course.cli",
        "train-style",
        "--style",
        str(style),
        "--content-dir",
        str(photos),
        "--output",
        str(output),
        "--steps",
        str(steps),
        "--width",
        "0.125",
        "--crop",
        "32",
        "--batch-size",
        "1",
        "--checkpoint-every",
        "1",
    ]


@pytest.mark.slow
def test_sigterm_mid_run_then_rerun_gives_the_uninterrupted_network(tmp_path, photos, monkeypatch):
    """A real `ganstyle train-style` process gets SIGTERM mid-run; run again, it resumes and ends where
    an uninterrupted run ends (untrained features in an empty cache keep it to seconds)."""
    home = tmp_path / "home"
    env = {**os.environ, "GANSTYLE_HOME": str(home), "GANSTYLE_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    style = _png(tmp_path / "style.png", 32, 32, seed=9)
    steps, output = 40, tmp_path / "net.keras"
    ckpt = stylize.checkpoint_path(output)

    proc = subprocess.Popen(
        _train_style_command(style, photos, output, steps),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: SIGTERM: training stopped at step") and "Traceback" not in err
    stopped_at = training.read_training_meta(ckpt)["step"]
    assert 0 < stopped_at < steps and not output.exists()

    done = subprocess.run(
        _train_style_command(style, photos, output, steps),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"resuming from step {stopped_at} of {steps}" in done.stderr
    assert training.read_training_meta(ckpt)["step"] == steps

    # The same run without interruption, in this process, on the same (untrained) features.
    monkeypatch.setenv("GANSTYLE_HOME", str(home))
    reference = stylize.train_style(
        style, photos, output=tmp_path / "reference.keras", steps=steps, width=0.125, crop=32, batch_size=1, verbose=0
    )
    for a, b in zip(_weights(reference), _weights(output)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)

    with pytest.raises(FileExistsError, match="--overwrite"):  # the finished network is kept
        stylize.train_style(style, photos, output=output, steps=steps, width=0.125, crop=32, batch_size=1)
