import os
import stat

import pytest

from followtui.core.errors import StoreBusyError, StoreCorruptError, StoreWriteError
from followtui.core.storage import DataFile, read_json_file, write_json_atomically


def test_transaction_writes_once_and_is_private(tmp_path):
    f = DataFile(tmp_path / "data.json")
    with f.transaction() as db:
        db.table("a").insert({"x": 1})
        db.table("b").insert_multiple([{"y": i} for i in range(5)])
    assert stat.S_IMODE(os.stat(f.path).st_mode) == 0o600
    data = read_json_file(f.path)
    assert len(data["a"]) == 1 and len(data["b"]) == 5


def test_exception_inside_transaction_writes_nothing(tmp_path):
    f = DataFile(tmp_path / "data.json")
    with f.transaction() as db:
        db.table("a").insert({"x": 1})
    with pytest.raises(RuntimeError), f.transaction() as db:
        db.table("a").insert({"x": 2})
        raise RuntimeError("boom")
    assert len(read_json_file(f.path)["a"]) == 1


def test_backup_keeps_previous_version(tmp_path):
    path = tmp_path / "data.json"
    write_json_atomically(path, {"v": 1})
    write_json_atomically(path, {"v": 2})
    assert read_json_file(path) == {"v": 2}
    assert read_json_file(tmp_path / "data.json.bak") == {"v": 1}


def test_corrupt_file_is_reported_with_its_name_and_kept(tmp_path):
    path = tmp_path / "data.json"
    write_json_atomically(path, {"v": 1})
    write_json_atomically(path, {"v": 2})
    path.write_bytes(b'{"v": 2, "trunc')
    f = DataFile(path)
    with pytest.raises(StoreCorruptError) as info, f.transaction() as db:
        db.table("a").insert({"x": 1})
    assert str(path) in str(info.value) and "data.json.bak" in str(info.value)
    assert path.read_bytes() == b'{"v": 2, "trunc'  # never silently reset


def test_lock_held_elsewhere_is_busy(tmp_path):
    f = DataFile(tmp_path / "data.json", lock_timeout_s=0.2)
    other = DataFile(tmp_path / "data.json", lock_timeout_s=0.2)
    with f.transaction(), pytest.raises(StoreBusyError), other.transaction():
        pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_dir_is_a_clear_error(tmp_path):
    path = tmp_path / "ro" / "data.json"
    path.parent.mkdir()
    write_json_atomically(path, {"v": 1})
    path.parent.chmod(0o500)
    try:
        with pytest.raises(StoreWriteError):
            write_json_atomically(path, {"v": 2})
        assert read_json_file(path) == {"v": 1}
    finally:
        path.parent.chmod(0o700)


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "data.json"
    write_json_atomically(path, {"v": 1})

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(StoreWriteError, match="No space left"):
        write_json_atomically(path, {"v": 2})
    monkeypatch.undo()
    assert read_json_file(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
