"""Every error the core raises, in one place; what each means to a script (its exit code) is the CLI's
business (`cli/exit_codes.py`)."""

from __future__ import annotations


class UsageError(Exception):
    """The user asked for something that cannot be: unknown account, bad argument combination."""


class SuspectSyncError(Exception):
    """A sync saw a drop too large to believe; it recorded nothing but its own record."""


class ImportFileError(Exception):
    """An export to import cannot be read as a whole; the message names the file and the position."""


class SecretsFileError(Exception):
    """secrets.json exists but cannot be used (unreadable, not a JSON object, open to others)."""


class StoreError(Exception):
    """Base for every store problem; the message names the file and what to do."""


class StoreCorruptError(StoreError):
    """A store file exists but cannot be read as a store: never silently reset."""


class StoreBusyError(StoreError):
    """Another followtui process holds the lock for longer than we wait."""


class StoreWriteError(StoreError):
    """The disk refused the write (full, read-only, permissions); the old file is untouched."""


class AccountExistsError(StoreError):
    """The account is tracked already."""
