"""`followtui serve`: the token rules, checked against a real server over HTTP, and the UI in a real headless
Chromium (Debian's; Playwright drives it, no browser download).

The page draws the terminal on a canvas (xterm.js), so its text cannot be read from the DOM: the test replays
what the page received on its websocket into a terminal emulator (pyte) and reads that screen, and keeps a
screenshot for the eye (FOLLOWTUI_UPDATE_SCREENSHOT=1 writes it to docs/serve.png for the README).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from followtui.cli.serve_cmd import COOKIE, ENV_TOKEN, is_loopback

from .terminal import FOLLOWTUI, REPO, START_TIMEOUT, TIMEOUT, active_tab, require_followtui, tabs_ready, unavailable

pytestmark = pytest.mark.slow

TOKEN = "e2e-token-0123456789abcdef"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
WS_UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWTUI_", "TEXTUAL_"))}
    env.update(HOME=str(tmp), FOLLOWTUI_CONFIG_DIR=str(tmp / "config"), **extra)
    return env


def request(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


class Served:
    """`followtui serve` in its own process, stopped (SIGTERM, as ctrl+c would) when done."""

    def __init__(self, argv: list[str], env: dict[str, str], tmp: Path) -> None:
        self.port = free_port()
        self.stderr = tmp / f"serve-{self.port}.err"
        with self.stderr.open("w") as err:
            self.proc = subprocess.Popen([*argv, "--port", str(self.port)], env=env, cwd=REPO,
                                         stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"followtui serve did not start:\n{self.stderr.read_text()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[Served]:
    """`serve --demo` with a token (from the environment, as a user would keep it out of `ps`), small network."""
    require_followtui()
    tmp = tmp_path_factory.mktemp("serve")
    env = serve_env(tmp, **{ENV_TOKEN: TOKEN, "FOLLOWTUI_SERVE_DEMO_FOLLOWERS": "60",
                            "FOLLOWTUI_SERVE_DEMO_DAYS": "2"})  # fmt: skip
    served = Served([str(FOLLOWTUI), "serve", "--demo"], env, tmp)
    yield served
    served.stop()
    assert TOKEN not in served.stderr.read_text(), "the token must never be printed or logged"


# --- the CLI's rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_a_non_loopback_host_without_a_token_is_refused_with_exit_2(tmp_path, host):
    require_followtui()
    result = subprocess.run([str(FOLLOWTUI), "serve", "--host", host], env=serve_env(tmp_path),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "--token" in result.stderr and result.stdout == ""


def test_a_short_token_is_refused_with_exit_2(tmp_path):
    require_followtui()
    result = subprocess.run([str(FOLLOWTUI), "serve", "--host", "0.0.0.0", "--token", "short"],
                            env=serve_env(tmp_path), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2 and "at least" in result.stderr


def test_loopback_names():
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.1", "example.com", "localhost.example.com"]))


def test_loopback_default_starts_without_a_token_and_answers_only_loopback_names(tmp_path):
    require_followtui()
    served = Served([str(FOLLOWTUI), "--data-dir", str(tmp_path / "data"), "serve"], serve_env(tmp_path), tmp_path)
    try:
        assert request(served.port, "/").status == 200
        # DNS rebinding: a page on evil.example resolved to 127.0.0.1 reaches us with its own Host.
        assert request(served.port, "/", {"Host": f"evil.example:{served.port}"}).status == 403
        # Any site's page can open a websocket to loopback: one from another origin is refused.
        foreign = {**WS_UPGRADE, "Origin": "http://evil.example"}
        assert request(served.port, "/ws", foreign).status == 403
    finally:
        served.stop()


def test_auto_token_is_generated_and_printed_once(tmp_path):
    require_followtui()
    argv = [str(FOLLOWTUI), "--data-dir", str(tmp_path / "data"), "serve", "--token", "auto"]
    served = Served(argv, serve_env(tmp_path), tmp_path)
    try:
        printed = [line for line in served.stderr.read_text().splitlines() if "?token=" in line]
        assert len(printed) == 1, served.stderr.read_text()
        token = parse_qs(urlsplit(printed[0].split()[-1]).query)["token"][0]
        assert len(token) >= 32
        assert request(served.port, "/").status == 401
        assert request(served.port, f"/?token={token}").status == 303
    finally:
        served.stop()


# --- the token on a real server ----------------------------------------------------------------------------


def test_every_request_needs_the_token(demo_server):
    port = demo_server.port
    assert request(port, "/").status == 401
    assert request(port, "/static/js/textual.js").status == 401
    assert request(port, "/?token=wrong-token-0123456789").status == 401
    assert request(port, "/", {"Cookie": f"{COOKIE}=wrong-token-0123456789"}).status == 401

    first = request(port, f"/?token={TOKEN}&fontsize=14")
    assert first.status == 303, "the token moves into a cookie and out of the address bar"
    assert first.getheader("Location") == "/?fontsize=14"
    cookie = first.getheader("Set-Cookie") or ""
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie

    assert request(port, "/", {"Cookie": f"{COOKIE}={TOKEN}"}).status == 200


def test_the_websocket_needs_the_token(demo_server):
    port = demo_server.port
    assert request(port, "/ws", WS_UPGRADE).status == 401
    assert request(port, "/ws", {**WS_UPGRADE, "Cookie": f"{COOKIE}=wrong-token-0123456789"}).status == 401
    evil = {**WS_UPGRADE, "Cookie": f"{COOKIE}={TOKEN}", "Origin": "http://evil.example"}
    assert request(port, "/ws", evil).status == 403


# --- the UI in a real browser ------------------------------------------------------------------------------


class Replayed:
    """The terminal as the page received it: websocket frames replayed into pyte, resized as the page asks."""

    def __init__(self) -> None:
        import pyte

        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.frames = 0

    def attach(self, ws) -> None:  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(ws.url).query)
        self.screen.resize(int(query.get("height", ["24"])[0]), int(query.get("width", ["80"])[0]))
        ws.on("framereceived", self.received)
        ws.on("framesent", self.sent)

    def received(self, payload: bytes | str) -> None:
        self.frames += 1
        self.stream.feed(payload.encode() if isinstance(payload, str) else payload)

    def sent(self, payload: bytes | str) -> None:
        with_type = json.loads(payload) if isinstance(payload, str) else None
        if isinstance(with_type, list) and with_type[0] == "resize":
            self.screen.resize(with_type[1]["height"], with_type[1]["width"])

    def text(self) -> str:
        return "\n".join(self.screen.display)


def test_the_ui_in_headless_chromium(demo_server, tmp_path):
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    pytest.importorskip("pyte", reason="pyte is not installed (pip install -e '.[test]')")

    replayed = Replayed()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.on("websocket", replayed.attach)
            response = page.goto(f"http://127.0.0.1:{demo_server.port}/?token={TOKEN}")
            assert response is not None and response.status == 200
            assert "token=" not in page.url, "the token leaves the address bar"

            def wait(condition, what: str, timeout: float = START_TIMEOUT) -> str:  # type: ignore[no-untyped-def]
                deadline = time.monotonic() + timeout
                while not condition(screen := replayed.text()):
                    assert time.monotonic() < deadline, f"no {what} in the page after {timeout}s:\n{screen}"
                    page.wait_for_timeout(50)
                return screen

            wait(lambda s: tabs_ready(s) and active_tab(s) == "Followers", "pane tabs")
            page.wait_for_timeout(400)  # let the canvas catch up with the bytes before the picture
            before = page.screenshot()

            page.focus(".xterm-helper-textarea")
            page.keyboard.press("Tab")
            wait(lambda s: active_tab(s) == "Following", "Following tab after tab", TIMEOUT)
            page.wait_for_timeout(400)
            after = tmp_path / "serve.png"
            page.screenshot(path=str(after))
            assert after.read_bytes() != before, "the page itself should show the change"
        finally:
            browser.close()
    if os.environ.get("FOLLOWTUI_UPDATE_SCREENSHOT"):
        shutil.copyfile(after, REPO / "docs" / "serve.png")
