"""Plain request/response values passed between the HTTP plumbing and a platform's routes.

Keeping them free of any server class lets each wire format (GitHub now, others later) be tested and reasoned
about as a pure function from request to response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

import orjson


@dataclass(slots=True)
class Request:
    method: str
    path: str  # percent-decoded path, no query
    raw_path: str  # path as sent, for building links back to it
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host[:port] as the client addressed us
    client_ip: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    route: str = ""  # label for the request counters

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"


def json_response(status: int, payload: object, *, route: str = "", headers: list[tuple[str, str]] | None = None):
    return Response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
        orjson.dumps(payload),
        route,
    )


def http_date(ts: float) -> str:
    """RFC 7231 date (`Mon, 05 Jan 2026 09:00:00 GMT`)."""
    return formatdate(ts, usegmt=True)


class RowCache:
    """List rows rendered once, as JSON fragments, keyed by everything they depend on.

    A page of 100 accounts otherwise re-renders 100 profiles; without this the simulator, not the client,
    sets the pace of a benchmark (two list chains share one interpreter here, not a server farm)."""

    def __init__(self, limit: int = 400_000) -> None:
        self._rows: dict[tuple[object, ...], orjson.Fragment] = {}
        self._limit = limit

    def row(self, key: tuple[object, ...], render: Callable[[], object]) -> orjson.Fragment:
        found = self._rows.get(key)
        if found is None:
            if len(self._rows) >= self._limit:
                self._rows.clear()
            found = self._rows[key] = orjson.Fragment(orjson.dumps(render()))
        return found
