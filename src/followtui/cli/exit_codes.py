"""The one list of exit codes, and the one mapping from an exception to its code.

Scripts and cron jobs depend on these numbers: never renumber, only add.
"""

from __future__ import annotations

import enum

from followtui.core.errors import (
    ImportFileError,
    SecretsFileError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    SuspectSyncError,
    UsageError,
)
from followtui.providers.errors import (
    AuthError,
    HiddenListError,
    NotFoundError,
    ProviderError,
    RateLimitError,
)


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1  # anything not listed below
    USAGE = 2  # bad arguments, unknown platform, account or pane
    NETWORK = 3  # unreachable server, server errors, incomplete or malformed data, rate limits
    AUTH = 4  # missing, wrong or expired credentials
    STORE_BUSY = 5  # another followtui process holds the store or is syncing the same account
    SUSPECT = 6  # a sync held back as suspect (large sudden drop); rerun with --accept-drop
    STORE_CORRUPT = 7  # a store file cannot be read; nothing was changed
    NOT_FOUND = 8  # the account or handle does not exist on the server
    HIDDEN = 9  # the platform hides this account's lists
    ARCHIVE = 10  # an export to import cannot be read (missing, malformed, too large); nothing was changed


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, UsageError):
        return ExitCode.USAGE
    if isinstance(exc, SuspectSyncError):
        return ExitCode.SUSPECT
    if isinstance(exc, ImportFileError):
        return ExitCode.ARCHIVE
    if isinstance(exc, (AuthError, SecretsFileError)):
        return ExitCode.AUTH
    if isinstance(exc, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, HiddenListError):
        return ExitCode.HIDDEN
    if isinstance(exc, (RateLimitError, ProviderError)):
        return ExitCode.NETWORK
    if isinstance(exc, StoreBusyError):
        return ExitCode.STORE_BUSY
    if isinstance(exc, StoreCorruptError):
        return ExitCode.STORE_CORRUPT
    if isinstance(exc, StoreError):
        return ExitCode.ERROR
    return ExitCode.ERROR
