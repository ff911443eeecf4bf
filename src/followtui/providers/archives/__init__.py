"""Offline imports: an X archive or an Instagram export turned into one snapshot of both lists.

A pure parsing layer: it reads the export (a folder or a .zip, never extracted to disk), checks every value
(all of it is hostile) and returns an `ArchiveSnapshot`, or raises `ArchiveError` naming the file and the
position of the problem, having returned nothing. Diffing against the previous snapshot is the sync engine's job.

    snapshot = read_x_archive(Path("twitter-2024-01-01.zip"))
    snapshot = read_instagram_export(Path("instagram-me-2025-07-30.zip"))
"""

from __future__ import annotations

from followtui.providers.archives._common import (
    DEFAULT_LIMITS,
    ID_HANDLE_PREFIX,
    ArchiveError,
    ArchiveLimits,
    ArchiveSnapshot,
    is_id_handle,
)
from followtui.providers.archives.instagram import read_instagram_export
from followtui.providers.archives.x import read_x_archive

__all__ = [
    "DEFAULT_LIMITS",
    "ID_HANDLE_PREFIX",
    "ArchiveError",
    "ArchiveLimits",
    "ArchiveSnapshot",
    "is_id_handle",
    "read_instagram_export",
    "read_x_archive",
]
