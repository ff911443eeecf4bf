"""What can go wrong talking to a platform, in terms the sync engine and CLI act on.

Every provider raises only these; the CLI maps each to one exit code. Messages never contain secrets.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base: the platform could not give us what we asked for."""


class NetworkError(ProviderError):
    """Unreachable server, reset connection, timeouts or 5xx that outlasted the retries."""


class ApiError(ProviderError):
    """The server answered, but not with what the API promises (bad status, malformed or truncated body)."""


class AuthError(ProviderError):
    """Credentials are missing, wrong or expired."""


class NotFoundError(ProviderError):
    """The account or handle does not exist on that server."""


class RateLimitError(ProviderError):
    """The platform's rate limit would make us wait longer than we are allowed to."""

    def __init__(self, message: str, retry_in_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


class IncompleteListError(ProviderError):
    """A list could not be fetched to its natural end (repeated cursor, page missing, cut short)."""


class HiddenListError(ProviderError):
    """The account hides its followers/following: an empty answer that must not be read as 'nobody'."""
