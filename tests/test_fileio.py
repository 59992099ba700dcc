"""fileio.atomic_write: all or nothing."""

import pytest

from ganstyle_lib.fileio import atomic_write, atomic_write_text


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as handle:
            handle.write("half of the new cont")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]  # no temp file left
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o644


def test_atomic_write_is_for_writing_only(tmp_path):
    with pytest.raises(ValueError, match="for writing only"):
        with atomic_write(tmp_path / "x", "a"):
            pass


def test_file_digests_match_hashlib_in_one_pass(tmp_path):
    import hashlib

    from ganstyle_lib.fileio import file_digests

    data = bytes(range(256)) * 9000  # over one read chunk
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert file_digests(path, "sha256", "md5") == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }
