"""`ganstyle stylize` / `train-style`: the logic (ganstyle_lib.style.stylize) and the command-line glue
(ganstyle_lib.course.style_commands), issue 8."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstyle_lib import data
from ganstyle_lib.course import style_commands
from ganstyle_lib.style import networks, stylize, training

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    net = networks.transformer_net(0.125, residual_output=True)
    return training.save_transformer(net, tmp_path_factory.mktemp("model") / "tiny.keras")


def _png(path, h, w, seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def test_stylize_writes_images_of_the_input_size(tmp_path, model_path):
    a = _png(tmp_path / "a.png", 37, 53)
    b = _png(tmp_path / "b.jpg", 37, 53, seed=1)
    c = _png(tmp_path / "c.png", 20, 31, seed=2)
    out = stylize.stylize_files([a, b, c], tmp_path / "out", model_path=model_path, batch_size=2)
    assert [p.name for p in out] == ["a.png", "b.png", "c.png"]
    for path, (h, w) in zip(out, [(37, 53), (37, 53), (20, 31)]):
        assert data.load_image(path, max_dim=None).shape == (1, h, w, 3)
    # the untrained residual network returns its input (up to 8-bit rounding)
    np.testing.assert_allclose(
        np.asarray(data.load_image(out[0], None)), np.asarray(data.load_image(a, None)), atol=2 / 255
    )
    small = stylize.stylize_files([a], tmp_path / "small", model_path=model_path, max_dim=20)
    assert data.load_image(small[0], None).shape == (1, 14, 20, 3)  # aspect kept


def test_missing_input_is_refused_before_anything_is_written(tmp_path, model_path):
    a = _png(tmp_path / "a.png", 16, 16)
    with pytest.raises(FileNotFoundError, match="nope.png"):
        stylize.stylize_files([a, tmp_path / "nope.png"], tmp_path / "out", model_path=model_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_corrupt_input_gives_a_clear_error_and_no_partial_file(tmp_path, model_path):
    good = _png(tmp_path / "good.png", 16, 16)
    bad = tmp_path / "bad.png"
    bad.write_bytes(good.read_bytes()[:60])  # truncated PNG
    with pytest.raises(ValueError, match="bad.png.*(truncated|corrupt|not an image)"):
        stylize.stylize_files([good, bad], tmp_path / "out", model_path=model_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_model_choice_errors(tmp_path, model_path, monkeypatch):
    a = _png(tmp_path / "a.png", 16, 16)
    with pytest.raises(ValueError, match="exactly one"):
        stylize.stylize_files([a], tmp_path / "o", model_path=model_path, style_name="x")
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    with pytest.raises(FileNotFoundError, match="train-style --style mystyle"):
        stylize.stylize_files([a], tmp_path / "o", style_name="mystyle")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a stylisation network"):
        stylize.stylize_files([a], tmp_path / "o", model_path=corrupt)


def test_multi_style_mix(tmp_path):
    net = networks.transformer_net(0.125, num_styles=2)
    a = _png(tmp_path / "a.png", 18, 22)
    out = stylize.stylize_files([a], tmp_path / "o", model=net, style_weights=[1, 3])
    assert data.load_image(out[0], None).shape == (1, 18, 22, 3)
    with pytest.raises(ValueError, match="style_weights"):
        stylize.stylize_files([a], tmp_path / "o2", model=net, style_weights=[1, 2, 3])


def test_cli_commands_registered_and_run(tmp_path, model_path, monkeypatch, capsys):
    parser = argparse.ArgumentParser(prog="ganstyle")
    style_commands.add_cli_commands(parser.add_subparsers(dest="command", required=True))
    a = _png(tmp_path / "a.png", 19, 23)
    args = parser.parse_args(["stylize", str(a), "--model", str(model_path), "-o", str(tmp_path / "out")])
    assert args.func(args) == 0
    assert (tmp_path / "out" / "a.png").is_file()
    assert "a.png" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # --model and --style are exclusive
        parser.parse_args(["stylize", str(a), "-o", "x", "--style", "s", "--model", "m"])
    args = parser.parse_args(["stylize", str(a), "-o", "x"])  # one of them is required: said in one line
    with pytest.raises(ValueError, match="--style NAME or --model PATH"):
        args.func(args)
    args = parser.parse_args(["train-style", "--style", "wave", "--steps", "1"])
    assert args.func is style_commands.cmd_train_style and args.steps == 1 and args.content_dir is None


FRESH_CLI = """
import contextlib, io, json, sys
from ganstyle_lib.course import cli
answers = {}
for argv in (["stylize", "--help"], ["train-style", "--help"], ["stylize", "--list-styles"],
             ["stylize", "--style", "stary_night", "photo.png", "-o", "out"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            status = cli.main(argv)
        except SystemExit as exit:  # --help
            status = exit.code
    answers[" ".join(argv)] = [status, "did you mean" in err.getvalue()]
print(json.dumps({"answers": answers, "loaded": sorted(m for m in ("tensorflow", "keras") if m in sys.modules)}))
"""


def test_help_list_styles_and_a_misspelt_style_answer_without_tensorflow(tmp_path):
    """Importing TensorFlow costs seconds: these answers come before it, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["GANSTYLE_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-c", FRESH_CLI], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["answers"] == {
        "stylize --help": [0, False],
        "train-style --help": [0, False],
        "stylize --list-styles": [0, False],
        "stylize --style stary_night photo.png -o out": [2, True],
    }
    assert report["loaded"] == [], f"answered after importing {report['loaded']}"


def test_train_style_saves_where_stylize_finds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    content = tmp_path / "photos"
    content.mkdir()
    for i in range(2):
        _png(content / f"p{i}.png", 40, 48, seed=i)
    style = _png(tmp_path / "My Style.png", 32, 32, seed=9)
    path = stylize.train_style(style, content, steps=1, width=0.125, crop=32, batch_size=1, verbose=0)
    assert path == stylize.styles_dir() / "my_style.keras"
    assert stylize.training_dir(path).is_dir()  # the resumable checkpoint the CLI's message points to
    out = stylize.stylize_files([content / "p0.png"], tmp_path / "o", style_name="my_style")
    assert data.load_image(out[0], None).shape == (1, 40, 48, 3)


def test_train_style_refuses_bad_paths_before_training(tmp_path, monkeypatch):
    """A wrong --output suffix or a missing content folder stops at once, naming the fix; nothing is written."""
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    style = _png(tmp_path / "style.png", 32, 32)

    def no_training(*args, **kwargs):
        raise AssertionError("training must not start")

    monkeypatch.setattr(training, "train_transformer", no_training)
    with pytest.raises(ValueError, match=r"\.keras file.*net\.keras"):
        stylize.train_style(style, output=tmp_path / "net.h5", steps=1)
    with pytest.raises(FileNotFoundError, match="leave out --content-dir"):
        stylize.train_style(style, tmp_path / "missing", steps=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["style.png"]


# ---------------------------------------------------------------- issue 23: nothing replaced, all checked first


def test_an_output_never_replaces_an_input_and_existing_results_need_overwrite(tmp_path, model_path):
    cat = _png(tmp_path / "cat.png", 16, 16)
    before = cat.read_bytes()
    with pytest.raises(ValueError, match="would replace the input image"):
        stylize.stylize_files([cat], tmp_path, model_path=model_path)
    assert cat.read_bytes() == before
    first = stylize.stylize_files([cat], tmp_path / "out", model_path=model_path)
    first[0].write_bytes(b"my edit")
    with pytest.raises(FileExistsError, match="--overwrite"):
        stylize.stylize_files([cat], tmp_path / "out", model_path=model_path)
    assert first[0].read_bytes() == b"my edit"
    stylize.stylize_files([cat], tmp_path / "out", model_path=model_path, overwrite=True)
    assert data.load_image(first[0], None).shape == (1, 16, 16, 3)


def test_a_too_small_input_is_refused_before_any_output(tmp_path, model_path):
    good = _png(tmp_path / "good.png", 16, 16)
    dot = _png(tmp_path / "one_pixel.png", 1, 1)
    with pytest.raises(ValueError, match="one_pixel.png is 1x1 pixels.*at least 5x5"):
        stylize.stylize_files([good, dot], tmp_path / "out", model_path=model_path)
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_refused_before_the_model_runs(tmp_path, model_path, monkeypatch):
    good = _png(tmp_path / "good.png", 16, 16)

    def never(*args, **kwargs):
        raise AssertionError("the model must not be loaded")

    (tmp_path / "afile").write_text("x")
    monkeypatch.setattr(training, "load_transformer", never)
    with pytest.raises(NotADirectoryError, match="is a file"):
        stylize.stylize_files([good], tmp_path / "afile", model_path=model_path)
    monkeypatch.undo()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: nothing to test then
            pytest.skip("running as root: a read-only folder is writable")
        with pytest.raises(PermissionError, match="cannot write into the output folder"):
            stylize.stylize_files([good], locked, model_path=model_path)
    finally:
        locked.chmod(0o700)


def test_a_model_that_is_not_a_transformer_is_refused(tmp_path):
    import keras

    classifier = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    path = tmp_path / "classifier.keras"
    classifier.save(path)
    good = _png(tmp_path / "good.png", 16, 16)
    with pytest.raises(ValueError, match="classifier.keras is not an image-to-image stylisation network"):
        stylize.stylize_files([good], tmp_path / "out", model_path=path)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("mix", ["nan,1", "inf,1", "1,-1"])
def test_cli_mix_that_is_not_finite_is_a_one_line_error(tmp_path, mix, capsys):
    from ganstyle_lib.course import cli

    net = training.save_transformer(networks.transformer_net(0.125, num_styles=2), tmp_path / "two.keras")
    good = _png(tmp_path / "good.png", 16, 16)
    assert cli.main(["stylize", str(good), "--model", str(net), "-o", str(tmp_path / "out"), "--mix", mix]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "finite non-negative" in err and err.count("\n") == 1
    assert not (tmp_path / "out" / "good.png").exists()


def test_stylize_files_reuses_one_traced_forward_per_network(tmp_path):
    """A notebook loop over stylize_files traces each image size once, not once per call (no retracing warning)."""
    import gc
    import weakref

    net = networks.transformer_net(0.125)
    a = _png(tmp_path / "a.png", 24, 20)
    forward = stylize.traced_forward(net)
    for i in range(3):
        stylize.stylize_files([a], tmp_path / f"o{i}", model=net)
    assert stylize.traced_forward(net) is forward
    assert forward.experimental_get_tracing_count() == 1
    alive = weakref.ref(net)
    del net, forward
    gc.collect()
    assert alive() is None, "the cache must not keep a network alive"


def test_default_batch_size_is_one_without_a_gpu():
    from ganstyle_lib import device

    assert stylize.default_batch_size() == (4 if device.gpus() else 1)
