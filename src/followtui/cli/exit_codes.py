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


#: Which exit code each kind of error gives, the first match winning (so subclasses come before their bases).
_CODES: tuple[tuple[tuple[type[BaseException], ...], ExitCode], ...] = (
    ((UsageError,), ExitCode.USAGE),
    ((SuspectSyncError,), ExitCode.SUSPECT),
    ((ImportFileError,), ExitCode.ARCHIVE),
    ((AuthError, SecretsFileError), ExitCode.AUTH),
    ((NotFoundError,), ExitCode.NOT_FOUND),
    ((HiddenListError,), ExitCode.HIDDEN),
    ((RateLimitError, ProviderError), ExitCode.NETWORK),
    ((StoreBusyError,), ExitCode.STORE_BUSY),
    ((StoreCorruptError,), ExitCode.STORE_CORRUPT),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    return next((code for kinds, code in _CODES if isinstance(exc, kinds)), ExitCode.ERROR)
