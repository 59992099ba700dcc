"""Shipped style networks (issue 22): load by name, stylise any size, refuse damaged files."""

import io
import shutil
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from ganstyle_lib.course import cli
from ganstyle_lib.style import networks, pretrained, stylize

SHIPPED = sorted(pretrained.available())


def test_the_course_ships_starry_night():
    assert "starry_night" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_style_stylises_an_odd_sized_image_to_its_size(name):
    net = pretrained.load_style_network(name)
    photo = tf.random.stateless_uniform((1, 37, 51, 3), seed=(1, 2))
    out = net(photo, training=False)
    assert out.shape == (1, 37, 51, 3)
    assert float(tf.reduce_min(out)) >= 0.0 and float(tf.reduce_max(out)) <= 1.0
    assert float(tf.reduce_mean(tf.abs(out - photo))) > 0.05  # it paints, it does not copy


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_style_records_how_it_was_trained(name):
    record = pretrained.read_record(pretrained.available()[name])
    assert record["features"].startswith("ImageNet VGG19")  # never ship a network trained on untrained features
    assert record["settings"]["steps"] >= 1000
    assert set(record["held_out"]) and not set(record["held_out"]) & set(record["train_content"])


def test_list_styles_names_every_shipped_style(capsys):
    assert cli.main(["stylize", "--list-styles"]) == 0
    listing = capsys.readouterr().out
    assert "ImageNet" in listing
    for name in SHIPPED:
        assert name in listing


def test_an_unknown_style_suggests_the_closest():
    with pytest.raises(FileNotFoundError, match="did you mean 'starry_night'"):
        stylize.load_style_network("stary_night")


def test_your_own_network_of_the_same_name_comes_first(tmp_path, monkeypatch):
    monkeypatch.setattr(stylize, "styles_dir", lambda: tmp_path)
    (tmp_path / "starry_night.keras").write_bytes(b"")
    assert stylize.resolve_model(style_name="starry_night") == tmp_path / "starry_night.keras"
    (tmp_path / "starry_night.keras").unlink()
    assert stylize.resolve_model(style_name="starry_night").suffix == ".npz"


@pytest.fixture()
def tiny_file(tmp_path):
    tf.keras.utils.set_random_seed(0)
    net = networks.transformer_net(0.125)
    path = pretrained.save(net, tmp_path / "tiny.npz", {"settings": {"width": 0.125, "steps": 1}})
    return net, path


def test_save_and_load_give_the_same_network_up_to_float16(tiny_file):
    net, path = tiny_file
    again = pretrained.load(path)
    photo = tf.random.stateless_uniform((1, 29, 33, 3), seed=(3, 4))
    np.testing.assert_allclose(again(photo).numpy(), net(photo).numpy(), atol=5e-3)
    assert pretrained.read_record(path)["architecture"]["width"] == 0.125


def test_a_truncated_file_is_refused(tiny_file, tmp_path):
    _, path = tiny_file
    cut = tmp_path / "cut.npz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="not a readable style network.*reinstall"):
        pretrained.load(cut)


def test_altered_weights_are_refused(tiny_file, tmp_path):
    _, path = tiny_file
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["w000"] = arrays["w000"] + np.float16(0.01)  # a valid file whose weights changed
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    altered = tmp_path / "altered.npz"
    altered.write_bytes(buffer.getvalue())
    assert zipfile.is_zipfile(altered)
    with pytest.raises(ValueError, match="damaged"):
        pretrained.load(altered)


def test_a_damaged_shipped_file_is_refused_by_the_command_line(tiny_file, tmp_path, monkeypatch, capsys):
    _, path = tiny_file
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    broken = shipped / "starry_night.npz"
    shutil.copy(path, broken)
    broken.write_bytes(broken.read_bytes()[:-100])
    monkeypatch.setattr(pretrained, "NETWORKS_DIR", shipped)
    monkeypatch.setattr(stylize, "styles_dir", lambda: tmp_path / "none")
    from PIL import Image

    Image.new("RGB", (20, 20)).save(tmp_path / "p.png")
    assert cli.main(["stylize", "--style", "starry_night", str(tmp_path / "p.png"), "-o", str(tmp_path / "o")]) == 2
    assert "not a readable style network" in capsys.readouterr().err
    assert not (tmp_path / "o" / "p.png").exists()
    assert "DAMAGED" in stylize.list_styles()


def test_a_huge_photo_is_refused_naming_max_dim_unless_asked_for(tmp_path):
    from PIL import Image

    width, height = 4100, stylize.MAX_PIXELS // 4100 + 1  # just over the limit
    Image.new("RGB", (width, height)).save(tmp_path / "big.png")
    with pytest.raises(ValueError, match=r"4100x1024 pixels.*GB of memory.*--max-dim 2048.*--max-dim 4100"):
        stylize._check_inputs([tmp_path / "big.png"], max_dim=None)
    assert stylize._check_inputs([tmp_path / "big.png"], max_dim=4100)[0][1] == (height, width)  # insisted
    assert stylize._check_inputs([tmp_path / "big.png"], max_dim=1025)[0][1] == (256, 1025)


def test_inference_policy_is_bfloat16_only_where_the_cpu_has_it(monkeypatch):
    from ganstyle_lib import device

    monkeypatch.setattr(device, "gpus", lambda: [])
    monkeypatch.setattr(device, "cpu_has_bf16", lambda: True)
    assert stylize.inference_policy() == "mixed_bfloat16"
    monkeypatch.setattr(device, "cpu_has_bf16", lambda: False)  # emulated bfloat16 would be slower
    assert stylize.inference_policy() == "float32"


def test_a_bfloat16_network_paints_what_the_float32_one_does_and_the_policy_is_restored(tmp_path):
    import keras
    from PIL import Image

    path = pretrained.available()["starry_night"]
    fast = stylize.load_network(path, policy="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"  # only the network's own layers changed
    assert any(layer.dtype_policy.name == "mixed_bfloat16" for layer in fast.layers)
    exact = stylize.load_network(path)
    photo = tf.random.stateless_uniform((1, 45, 61, 3), seed=(5, 6))
    difference = tf.abs(tf.cast(fast(photo), tf.float32) - exact(photo))
    assert float(tf.reduce_mean(difference)) < 0.01 and float(tf.reduce_max(difference)) < 0.08

    Image.fromarray(np.uint8(np.asarray(photo[0]) * 255)).save(tmp_path / "p.png")
    [written] = stylize.stylize_files([tmp_path / "p.png"], tmp_path / "out", style_name="starry_night")
    with Image.open(written) as out:
        got = np.asarray(out, np.float32) / 255
    want = np.asarray(exact(np.asarray(Image.open(tmp_path / "p.png"), np.float32)[None] / 255)[0])
    assert np.abs(got - want).mean() < 0.01  # whatever precision this machine ran it in
