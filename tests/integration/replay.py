"""A loopback HTTP server that answers from recorded GitHub responses, edited day by day as a real account
would change: real HTTP, real bodies, only the membership moved by the test."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RECORDED = Path(__file__).resolve().parents[3] / "shared" / "recorded"


def recorded(platform: str, name: str) -> Any:
    path = RECORDED / platform / name
    if not path.exists():
        pytest.skip(f"recorded data not available: {platform}/{name}")
    return json.loads(path.read_bytes())


class RecordedGitHub:
    """jacquev6's recorded account (13 followers, 24 following in May 2012) behind GET /users/…, /user/{id}.

    `drop(login)` makes someone unfollow, `delete(login)` deletes the account (404 everywhere, as GitHub
    answers for deleted users), `rename(login, new)` changes a login keeping its id."""

    def __init__(self) -> None:
        self.me = recorded("github", "get_user_authenticated.json")["body"]
        self.followers = recorded("github", "users_jacquev6_followers_single_page.json")["body"]
        self.following = recorded("github", "users_jacquev6_following_single_page.json")["body"]
        self.not_found = recorded("github", "error_404_not_found.json")["body"]
        self.deleted: set[int] = set()
        self.lock = threading.Lock()
        #: The server's clock (its Date header: the sync clock); `next_day()` moves it on.
        self.now = datetime(2012, 5, 20, 12, 0, tzinfo=UTC)

    def next_day(self) -> None:
        self.now += timedelta(days=1)

    def login_of(self, login: str) -> dict[str, Any]:
        return next(u for u in self.followers + self.following if u["login"] == login)

    def drop(self, login: str) -> None:
        with self.lock:
            self.followers = [u for u in self.followers if u["login"] != login]

    def add_follower(self, user: dict[str, Any]) -> None:
        with self.lock:
            self.followers = [user, *self.followers]

    def delete(self, login: str) -> None:
        with self.lock:
            self.deleted.add(self.login_of(login)["id"])
            self.followers = [u for u in self.followers if u["login"] != login]
            self.following = [u for u in self.following if u["login"] != login]

    def rename(self, login: str, new: str) -> None:
        with self.lock:
            for users in (self.followers, self.following):
                for i, user in enumerate(users):
                    if user["login"] == login:
                        users[i] = {**user, "login": new, "url": user["url"].replace(login, new)}

    def answer(self, path: str) -> tuple[int, Any]:
        with self.lock:
            me = {**self.me, "followers": len(self.followers), "following": len(self.following)}
            if path == "/users/jacquev6":
                return 200, me
            if path.startswith("/users/jacquev6/followers"):
                return 200, self.followers
            if path.startswith("/users/jacquev6/following"):
                return 200, self.following
            if path.startswith("/user/"):
                wanted = int(path.removeprefix("/user/").split("?")[0])
                if wanted == me["id"]:
                    return 200, me
                for user in self.followers + self.following:
                    if user["id"] == wanted and wanted not in self.deleted:
                        return 200, copy.deepcopy(user)
                if wanted not in self.deleted:  # left both lists but still exists: the last known shape
                    known = [u for u in self._everyone if u["id"] == wanted]
                    if known:
                        return 200, copy.deepcopy(known[0])
            return 404, self.not_found

    @property
    def _everyone(self) -> list[dict[str, Any]]:
        return (
            recorded("github", "users_jacquev6_followers_single_page.json")["body"]
            + recorded("github", "users_jacquev6_following_single_page.json")["body"]
        )


@contextmanager
def serve(github: RecordedGitHub) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = github.answer(self.path)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(github.now, usegmt=True)  # the Date header: the sync clock

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
