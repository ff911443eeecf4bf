"""Notifications through real Apprise to a loopback webhook: one message per run, masked URLs, never a failed sync."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from followtui.core import notify
from followtui.core.changes import YOU_FOLLOW_THEM
from followtui.core.notify import (
    DEFAULT_NOTIFY_ON,
    NAMES_PER_LINE,
    Notice,
    NotifySettings,
    compose,
    deliver,
    mask_url,
    notify_run,
    send,
    send_test,
)
from followtui.models import Change, ChangeKind

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "hunter2-s3cret"


class Inbox:
    """A loopback HTTP server that keeps every JSON body POSTed to it: what an Apprise json:// URL delivers."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                inbox.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"json://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> Inbox:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    with Inbox() as box:
        yield box


def change(kind: ChangeKind, handle: str, account: str = "github:octocat", detail: str = "") -> Change:
    return Change(AT, account, kind, f"id-{handle}", handle, detail=detail)


RUN = [
    change(ChangeKind.UNFOLLOWED_YOU, "alice"),
    change(ChangeKind.UNFOLLOWED_YOU, "bob", detail=YOU_FOLLOW_THEM),
    change(ChangeKind.GONE, "carol", detail="deleted"),
    change(ChangeKind.FOLLOWED_YOU, "dan"),
    change(ChangeKind.UNFOLLOWED_YOU, "erin", account="bluesky:me.bsky.social"),
]


# --- notify_run against a real webhook --------------------------------------------------------------------------------


def test_a_run_with_unfollows_and_gone_sends_exactly_one_message_naming_them(inbox):
    assert notify_run(NotifySettings(urls=(inbox.url,)), RUN) == []
    (body,) = inbox.bodies
    assert body["title"] == "followtui: 3 unfollowed you, 1 trickster, 1 gone"
    text = body["message"]
    for name in ("github:octocat", "bluesky:me.bsky.social", "alice", "bob", "carol (deleted)", "erin"):
        assert name in text
    assert "dan" not in text  # followed_you is not in the default `on`
    assert "tricksters (you follow them): bob" in text


def test_nothing_is_sent_when_only_other_kinds_happened(inbox):
    quiet = [change(ChangeKind.FOLLOWED_YOU, "dan"), change(ChangeKind.YOU_FOLLOWED, "fay")]
    assert notify_run(NotifySettings(urls=(inbox.url,)), quiet) == []
    assert notify_run(NotifySettings(urls=(inbox.url,)), []) == []
    assert notify_run(NotifySettings(urls=(inbox.url,), on=frozenset()), RUN) == []
    assert inbox.bodies == []


def test_no_urls_means_no_message_and_no_apprise(inbox):
    assert notify_run(NotifySettings(), RUN) == []
    assert inbox.bodies == []


def test_trickster_matches_only_an_unfollow_by_someone_you_follow(inbox):
    settings = NotifySettings(urls=(inbox.url,), on=frozenset({"trickster"}))
    assert notify_run(settings, [change(ChangeKind.UNFOLLOWED_YOU, "alice")]) == []
    assert inbox.bodies == []
    assert notify_run(settings, RUN) == []
    (body,) = inbox.bodies
    assert body["title"] == "followtui: 1 trickster"
    assert body["message"] == "github:octocat\ntricksters (you follow them): bob"


def test_one_message_reaches_every_url(inbox):
    with Inbox() as other:
        assert send([inbox.url, other.url], Notice("t", "b")) == []
        assert len(inbox.bodies) == len(other.bodies) == 1


# --- failures are warnings with masked URLs --------------------------------------------------------------------------


def test_a_dead_url_is_a_masked_warning_never_an_error(inbox, capfd, caplog):
    port = closed_port()
    dead = f"json://user:{SECRET}@127.0.0.1:{port}/{SECRET}-path"
    caplog.set_level(logging.DEBUG)
    apprise_logger = logging.getLogger("apprise")
    before = (apprise_logger.disabled, apprise_logger.propagate, list(apprise_logger.handlers))

    warnings = notify_run(NotifySettings(urls=(dead, inbox.url)), RUN)

    (warning,) = warnings
    assert f"json://…@127.0.0.1:{port}/…" in warning
    assert dead not in warning and SECRET not in warning
    assert len(inbox.bodies) == 1  # the good URL still got its message
    out, err = capfd.readouterr()
    assert SECRET not in out + err + caplog.text
    assert (apprise_logger.disabled, apprise_logger.propagate, list(apprise_logger.handlers)) == before


def test_a_service_that_never_answers_is_cut_off_by_the_deadline(monkeypatch):
    monkeypatch.setattr(notify, "READ_TIMEOUT_S", 2.0)
    monkeypatch.setattr(notify, "SEND_TIMEOUT_S", 0.3)
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"json://127.0.0.1:{silent.getsockname()[1]}/?rto=60"
        started = time.monotonic()
        (delivery,) = deliver([url], Notice("t", "b"))
    assert time.monotonic() - started < 1.5
    assert delivery.error == "timed out"


def test_a_url_apprise_cannot_read_is_a_masked_warning():
    (delivery,) = deliver([f"nosuchscheme://{SECRET}/x"], Notice("t", "b"))
    assert not delivery.ok
    assert delivery.url == "nosuchscheme://h…"
    assert "Apprise" in delivery.error
    (warning,) = send([f"nosuchscheme://{SECRET}/x"], Notice("t", "b"))
    assert SECRET not in warning


def test_the_test_message_reaches_the_urls(inbox):
    assert send_test(NotifySettings(urls=(inbox.url,))) == []
    (body,) = inbox.bodies
    assert "followtui test notification" in body["message"]
    assert "unfollowed_you" in body["message"]


# --- composing -------------------------------------------------------------------------------------------------------


def test_compose_is_none_when_nothing_matches():
    assert compose(RUN, frozenset({"renamed", "requested"})) is None
    assert compose([], DEFAULT_NOTIFY_ON) is None


def test_compose_caps_names_per_line():
    many = [change(ChangeKind.UNFOLLOWED_YOU, f"user{i:02}") for i in range(NAMES_PER_LINE + 3)]
    notice = compose(many, DEFAULT_NOTIFY_ON)
    assert notice is not None
    assert notice.title == f"followtui: {NAMES_PER_LINE + 3} unfollowed you"
    account, line = notice.body.splitlines()
    assert account == "github:octocat"
    assert line.startswith("unfollowed you: user00, user01")
    assert line.endswith(" and 3 more")


def test_compose_groups_by_account_in_the_order_of_the_run():
    notice = compose(RUN, {"followed_you", "unfollowed_you"})
    assert notice is not None
    assert notice.title == "followtui: 1 followed you, 3 unfollowed you"
    first, second = notice.body.split("\n\n")
    assert first == "github:octocat\nfollowed you: dan\nunfollowed you: alice, bob (you follow them)"
    assert second == "bluesky:me.bsky.social\nunfollowed you: erin"


# --- masking ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("ntfy://my-topic", "ntfy://m…"),
        ("mailto://user:pass@example.org", "mailto://…@example.org"),
        ("json://127.0.0.1:8080/path", "json://127.0.0.1:8080/…"),
        ("json://user:pass@localhost:8080/path?token=x", "json://…@localhost:8080/…"),
        ("tgram://123456789:AAHbottoken/987654", "tgram://1…"),
        ("discord://1234567890/webhook-token", "discord://1…"),
        ("ntfys://ntfy.sh/private-topic", "ntfys://ntfy.sh/…"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://T…"),
        ("pover://userkey@apptoken", "pover://…@…"),
        ("gotify://gotify.example.com/AbCdEf?priority=8", "gotify://gotify.example.com/…"),
        ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/…"),
        ("JSON://[::1]:8080/x", "json://[::1]:8080/…"),
        ("ntfy://abc", "ntfy://…"),
        ("windows://", "windows://"),
        ("not a url at all", "…"),
        ("", "…"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url",
    [
        "mailto://someone:pa55word@example.org",
        "tgram://123456789:pa55word/555",
        "discord://99/pa55word",
        "ntfy://pa55word",
        "json://example.org/pa55word",
        "json://example.org?pa55word",
        "xml://user@example.org#pa55word",
        "matrix://bot:pa55word@matrix.org/#room",
    ],
)
def test_mask_url_never_shows_the_secret(url):
    assert "pa55word" not in mask_url(url)
    assert "a55w" not in mask_url(url)


# --- layering --------------------------------------------------------------------------------------------------------


def test_importing_notify_and_config_does_not_import_apprise():
    code = "import followtui.core.notify, followtui.core.config, sys; print('apprise' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
