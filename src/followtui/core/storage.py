"""TinyDB files that survive crashes and concurrent processes.

TinyDB alone rewrites the whole file in place on every write and has no locking. Here every file is
written atomically (temp file, fsync, `os.replace`), the previous good version is kept as `<name>.bak`,
every read-modify-write holds a cross-process lock, and a transaction buffers TinyDB's writes in memory
so a whole sync costs one disk write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage

from followtui.core.errors import StoreBusyError, StoreCorruptError, StoreError, StoreWriteError
from followtui.sanitize import clean_text

FILE_MODE = 0o600
DIR_MODE = 0o700
#: Up to this size a store file is checked by reading it whole; a larger one by its first and last bytes.
FULL_CHECK_BYTES = 1 << 20
_ENDS = 64

#: Which version of a file was read: (inode, size, mtime_ns); any replace, cut or rewrite changes it.
Version = tuple[int, int, int]


def ensure_private_dir(path: Path) -> None:
    """Create the data dir readable by the user only."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as exc:
        raise StoreWriteError(f"cannot create data directory {path}: {exc.strerror or exc}") from exc


def read_json_file(path: Path) -> dict[str, Any] | None:
    """The file's JSON object, None when the file does not exist (a first run); StoreCorruptError when it exists
    but is not one whole object. Only a missing file is a fresh start: an empty or blank one is a file that was
    emptied or never finished, and starting afresh over it would lose the data and, at the next write, the backup."""
    return _read_json_version(path)[0]


def _read_json_version(path: Path) -> tuple[dict[str, Any] | None, Version | None]:
    """`read_json_file`, with the version that was read (for `_keep_backup`)."""
    try:
        with open(path, "rb") as file:
            version = _version(os.fstat(file.fileno()))
            raw = file.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise StoreCorruptError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not raw.strip():
        why = "it is empty (0 bytes)" if not raw else f"it holds only blank space ({len(raw)} bytes)"
        raise StoreCorruptError(_corrupt_message(path, why))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreCorruptError(_corrupt_message(path, f"not valid JSON ({exc})")) from exc
    if not isinstance(data, dict):
        raise StoreCorruptError(_corrupt_message(path, "not a JSON object"))
    return data, version


def _version(st: os.stat_result) -> Version:
    return st.st_ino, st.st_size, st.st_mtime_ns


def check_whole(path: Path) -> None:
    """StoreCorruptError if `path` exists but is damaged (empty, blank, cut short, unreadable); a missing file
    passes. A small file is read whole, a large one only at its ends, so it is cheap to check often."""
    try:
        large = path.stat().st_size > FULL_CHECK_BYTES
    except OSError:
        large = False  # missing (a first run) or unreadable: reading it says which
    if large:
        _check_ends(path)
    else:
        read_json_file(path)


def _check_ends(path: Path) -> None:
    """A whole JSON object starts with `{` and ends with `}`; a file cut short or zero-filled almost never does.
    Costs two small reads however large the file; a cut that happens to end in `}` is caught when it is loaded."""
    try:
        with open(path, "rb") as file:
            head = file.read(_ENDS)
            file.seek(max(0, os.fstat(file.fileno()).st_size - _ENDS))
            tail = file.read()
    except OSError as exc:
        raise StoreCorruptError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not (head.lstrip().startswith(b"{") and tail.rstrip().endswith(b"}")):
        raise StoreCorruptError(_corrupt_message(path, "cut short (it does not end as a whole JSON object does)"))


def _corrupt_message(path: Path, why: str) -> str:
    backup = path.with_name(path.name + ".bak")
    hint = f"the previous good version is {backup}" if backup.exists() else "no backup exists yet"
    return f"store file {path} is unreadable: {why}. Nothing was changed; {hint}."


def write_json_atomically(path: Path, data: dict[str, Any], *, whole: Version | None = None) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file, never a mix.

    The old version is hard-linked to `<name>.bak` before the switch, so there is no moment without a file; only
    a whole old version, though (`whole`: the version a transaction read whole), so `.bak` stays the last good one.
    """
    payload = orjson.dumps(data)
    directory = path.parent
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if path.exists():
            _keep_backup(path, whole)
        os.replace(tmp_name, path)
        tmp_name = ""
        fsync_dir(directory)
    except OSError as exc:
        raise StoreWriteError(
            f"could not write {path}: {exc.strerror or exc}. The previous version is untouched."
        ) from exc
    finally:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _keep_backup(path: Path, whole: Version | None) -> None:
    """Make the current file `<name>.bak`, unless it is damaged: then the old `.bak` is the only good copy left."""
    backup = path.with_name(path.name + ".bak")
    link_tmp = path.with_name(f".{path.name}.bak.tmp")
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    try:
        os.link(path, link_tmp)
    except OSError:
        return  # file systems without hard links: the atomic replace still protects the data
    if _is_whole(link_tmp, whole):
        os.replace(link_tmp, backup)
    with contextlib.suppress(FileNotFoundError):  # left when both were one file already (POSIX rename does nothing)
        link_tmp.unlink()


def _is_whole(path: Path, whole: Version | None) -> bool:
    """Whether `path` is still the version read whole under the lock (a writer that ignores the lock may have cut
    it since); with no such version, whether it reads as a whole JSON object."""
    try:
        if whole is not None:
            return _version(path.stat()) == whole
        return read_json_file(path) is not None
    except (OSError, StoreError):
        return False


def _remove_stale_temp_files(path: Path) -> None:
    """Temp files of `path` left by a writer killed mid-write. Called only under the file's lock, so no live
    writer owns one; without this, every crash during a write would leave a copy of the store behind."""
    prefix, suffix = f".{path.name}.", ".tmp"
    try:
        with os.scandir(path.parent) as entries:
            stale = [e.path for e in entries if e.name.startswith(prefix) and e.name.endswith(suffix)]
    except OSError:
        return
    for name in stale:
        with contextlib.suppress(OSError):
            os.unlink(name)


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _MemoryStorage(Storage):
    """Hands TinyDB a dict held in memory; the owning DataFile decides when it reaches the disk."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = False

    def read(self) -> dict[str, Any]:
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = True


class DataFile:
    """One TinyDB file. Read without the lock (files are replaced atomically, so any read sees one whole
    version); write only inside `transaction()`, which locks, reloads, and writes once at the end.

    Every load also checks `siblings` (the other JSON files of the same store) and runs `check_others`: a
    damaged file stops every command, even one that would not read it, before anything is written."""

    def __init__(
        self,
        path: Path,
        *,
        lock_timeout_s: float = 10.0,
        siblings: Iterable[Path] = (),
        check_others: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self.siblings = tuple(p for p in siblings if p != path)
        self.check_others = check_others
        self.lock = FileLock(
            str(path.with_name(path.name + ".lock")),
            timeout=lock_timeout_s,
            mode=FILE_MODE,
            thread_local=False,
        )

    def load(self) -> dict[str, Any]:
        return self._load()[0]

    def _load(self) -> tuple[dict[str, Any], Version | None]:
        """The file's tables ({} when there is no file yet) and the version read; damage is StoreCorruptError."""
        for sibling in self.siblings:
            check_whole(sibling)
        if self.check_others is not None:
            self.check_others()
        data, version = _read_json_version(self.path)
        for name, table in (data or {}).items():  # TinyDB's layout: tables of documents by id
            if type(table) is not dict or not all(type(doc) is dict for doc in table.values()):
                why = f"its {clean_text(name, 40)!r} table is not a table of documents"
                raise StoreCorruptError(_corrupt_message(self.path, why))
        return data or {}, version

    def bad_document(self, table: str, doc: Any, why: str) -> StoreCorruptError:
        """The clear error for one document whose fields are not what followtui writes (see codec.BadDocument)."""
        key = doc.get("key") or doc.get("account") if isinstance(doc, dict) else None
        which = f"{table} document {clean_text(key, 80)!r}" if isinstance(key, str) else f"a {table} document"
        return StoreCorruptError(_corrupt_message(self.path, f"{which}: {why}"))

    def mtime_ns(self) -> int:
        """Changes whenever another process commits; UIs poll it to reload."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[TinyDB]:
        db = TinyDB(storage=_MemoryStorage, data=self.load())
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Read-modify-write under the cross-process lock. An exception inside writes nothing."""
        ensure_private_dir(self.path.parent)
        try:
            self.lock.acquire()
        except Timeout as exc:
            raise StoreBusyError(
                f"{self.path.name} is locked by another followtui process (waited {self.lock.timeout:.0f} s)"
            ) from exc
        except OSError as exc:
            raise StoreWriteError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        try:
            _remove_stale_temp_files(self.path)
            data, version = self._load()
            db = TinyDB(storage=_MemoryStorage, data=data)
            yield db
            storage = db.storage
            assert isinstance(storage, _MemoryStorage)
            if storage.dirty:
                write_json_atomically(self.path, storage.data, whole=version)
        finally:
            self.lock.release()
