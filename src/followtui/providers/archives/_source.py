"""Reading an export's files from a folder or a zip, in memory and within bounds.

Nothing is ever extracted to disk: zip members are read into memory, so a member named `../../x` cannot
land anywhere (such names, absolute names and names with control characters are ignored outright). The sizes
a zip declares are checked before anything is decompressed, and the bytes actually read are bounded again.
A folder is walked without following symlinked folders, to a bounded depth and file count; only regular files
are read (a FIFO named follower.js would otherwise block forever).
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from followtui.providers.archives._common import ArchiveError, ArchiveLimits, text

_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_NAME = 1024


def safe_name(name: str) -> str | None:
    """A member name as a clean relative posix path, or None when it is absolute, escapes upwards or is odd."""
    if len(name) > _MAX_NAME:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or not all(p.isprintable() for p in parts):
        return None
    return "/".join(parts)


class Source:
    """The wanted files of one export (a folder or a zip), by relative posix name."""

    def __init__(self, label: str, limits: ArchiveLimits) -> None:
        self.label = label
        self.limits = limits
        self.names: list[str] = []
        self._read_total = 0

    # -- per-kind hooks --------------------------------------------------------------------------------------
    def size(self, name: str) -> int:
        raise NotImplementedError

    def _read(self, name: str, limit: int) -> bytes:
        raise NotImplementedError

    def stamp(self, name: str) -> datetime | None:
        """When the file was written, as the export records it (zip member date, file mtime)."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------------------------
    def where(self, name: str) -> str:
        """How a file is named in messages: 'twitter.zip: data/follower.js'."""
        return f"{self.label}: {text(name, 300)}"

    def pick_folder(self, names: list[str], preferred: str, what: str) -> str:
        """The one folder holding `names` ('' = top); folders named `preferred` win; several left is an error."""
        folders = sorted({n.rpartition("/")[0] for n in names})
        if len(folders) > 1:
            best = [f for f in folders if f.rpartition("/")[2] == preferred]
            folders = best or folders
        if len(folders) > 1:
            shown = ", ".join(text(f or ".", 200) for f in folders[:4])
            raise ArchiveError(f"{self.label}: {what} found in several folders ({shown}); point at one export")
        return folders[0]

    def read_all(self, names: list[str]) -> dict[str, bytes]:
        """Read `names` whole, after checking their declared sizes together against the bounds."""
        limits = self.limits
        declared = 0
        for name in names:
            size = self.size(name)
            if size > limits.max_file_bytes:
                raise ArchiveError(
                    f"{self.where(name)}: {size:,} bytes uncompressed, more than the {limits.max_file_bytes:,} allowed"
                )
            declared += size
        if self._read_total + declared > limits.max_total_bytes:
            raise ArchiveError(
                f"{self.label}: the files to read hold {declared:,} bytes uncompressed, "
                f"more than the {limits.max_total_bytes:,} allowed"
            )
        out: dict[str, bytes] = {}
        for name in names:
            room = min(limits.max_file_bytes, limits.max_total_bytes - self._read_total)
            data = self._read(name, room)
            if len(data) > room:
                raise ArchiveError(f"{self.where(name)}: larger than it declares (more than {room:,} bytes)")
            self._read_total += len(data)
            out[name] = data
        return out


class FolderSource(Source):
    def __init__(self, root: Path, wanted: Callable[[str], bool], limits: ArchiveLimits) -> None:
        super().__init__(text(root.resolve().name, 200) or "export", limits)
        self.root = root
        seen = 0
        for top, dirs, files in os.walk(root, followlinks=False):
            rel_top = Path(top).relative_to(root).as_posix()
            depth = 0 if rel_top == "." else rel_top.count("/") + 1
            if depth >= limits.max_depth:
                dirs[:] = []
            dirs.sort()
            seen += len(files) + len(dirs)
            if seen > limits.max_members:
                raise ArchiveError(
                    f"{self.label}: more than {limits.max_members:,} files in this folder; point at the export itself"
                )
            for file in sorted(files):
                name = safe_name(file if rel_top == "." else f"{rel_top}/{file}")
                if name is not None and wanted(name):
                    self.names.append(name)

    def _stat(self, name: str) -> os.stat_result:
        try:
            st = (self.root / name).stat()
        except OSError as exc:
            raise ArchiveError(f"{self.where(name)}: cannot be read ({exc.strerror or 'error'})") from None
        if not stat.S_ISREG(st.st_mode):
            raise ArchiveError(f"{self.where(name)}: not a regular file")
        return st

    def size(self, name: str) -> int:
        return self._stat(name).st_size

    def _read(self, name: str, limit: int) -> bytes:
        self._stat(name)
        try:
            with (self.root / name).open("rb") as fh:
                return fh.read(limit + 1)
        except OSError as exc:
            raise ArchiveError(f"{self.where(name)}: cannot be read ({exc.strerror or 'error'})") from None

    def stamp(self, name: str) -> datetime | None:
        try:
            return datetime.fromtimestamp((self.root / name).stat().st_mtime, UTC)
        except (OSError, ValueError, OverflowError):
            return None


class ZipSource(Source):
    def __init__(self, path: Path, wanted: Callable[[str], bool], limits: ArchiveLimits) -> None:
        super().__init__(text(path.name, 200) or "export.zip", limits)
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except Exception as exc:  # BadZipFile, OSError, ValueError, EOFError... all mean the same to the user
            reason = text(str(exc), 200) or type(exc).__name__
            raise ArchiveError(f"{self.label}: not a readable zip ({reason})") from None
        if len(infos) > limits.max_members:
            self.zf.close()
            raise ArchiveError(f"{self.label}: {len(infos):,} members, more than the {limits.max_members:,} allowed")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            name = safe_name(info.filename)
            if name is None or not wanted(name):
                continue
            if name in self.infos:
                self.zf.close()
                raise ArchiveError(f"{self.where(name)}: appears twice in the zip")
            self.infos[name] = info
            self.names.append(name)

    def close(self) -> None:
        self.zf.close()

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def _read(self, name: str, limit: int) -> bytes:
        info = self.infos[name]
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{self.where(name)}: encrypted; export it again without a password")
        try:
            with self.zf.open(info) as fh:
                data = fh.read(limit + 1)
        except Exception as exc:  # bad CRC, truncated data, unsupported compression, zlib errors
            reason = text(str(exc), 200) or type(exc).__name__
            raise ArchiveError(f"{self.where(name)}: cannot be decompressed ({reason})") from None
        return data

    def stamp(self, name: str) -> datetime | None:
        # Zip dates carry no time zone; read as UTC (off by the archiver's UTC offset at worst). 1980-01-01 is the
        # DOS epoch that tools write when they have no date: not a date.
        try:
            when = datetime(*self.infos[name].date_time, tzinfo=UTC)
        except (ValueError, TypeError):
            return None
        return None if when.year <= 1980 else when


@contextmanager
def open_source(path: Path, wanted: Callable[[str], bool], limits: ArchiveLimits) -> Iterator[Source]:
    """The export at `path` (a folder, or a zip file whatever its name), listing the files `wanted` accepts."""
    shown = text(str(path), 500)
    try:
        st = path.stat()
    except OSError:
        raise ArchiveError(f"{shown}: no such file or folder") from None
    if stat.S_ISDIR(st.st_mode):
        yield FolderSource(path, wanted, limits)
        return
    if not stat.S_ISREG(st.st_mode):
        raise ArchiveError(f"{shown}: not a folder or a .zip file")
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError:
        is_zip = False
    if not is_zip:
        raise ArchiveError(f"{shown}: not a folder or a .zip file")
    source = ZipSource(path, wanted, limits)
    try:
        yield source
    finally:
        source.close()
