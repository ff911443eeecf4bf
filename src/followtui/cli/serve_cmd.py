"""`followtui serve`: the terminal UI in a browser, through textual-serve.

textual-serve is an aiohttp app that serves a page (xterm.js) and a websocket, and starts the UI as a
subprocess for each websocket. It has no authentication of its own, and the UI can follow and unfollow with
the user's tokens, so this module adds what it lacks:

- loopback by default; any other address needs a token (`--token SECRET`, or `--token auto` for a generated
  one printed once), else exit 2;
- with a token, every request (page, static files, websocket) must carry it: `/?token=…` once, which sets an
  HttpOnly SameSite=Strict cookie and redirects to a URL without it, then the cookie;
- always: the Host must be a loopback name when bound to loopback (DNS rebinding), and a browser's websocket
  must come from the page's own origin (another site's page cannot drive the UI).

The token is compared in constant time and never printed again, logged (no access log) or put on the UI's
command line.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import secrets
import shlex
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from followtui.cli.context import STATE, handle_errors
from followtui.cli.output import message
from followtui.core.errors import UsageError

if TYPE_CHECKING:
    from aiohttp import web

ENV_TOKEN = "FOLLOWTUI_SERVE_TOKEN"
COOKIE = "followtui_token"
#: Shorter tokens can be guessed over the network; `--token auto` makes 32 random bytes.
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """(the token to require or None, whether it was generated). Refuses what would expose the UI unguarded."""
    if token == "auto":
        return secrets.token_urlsafe(32), True
    if token is not None:
        if len(token) < MIN_TOKEN_LENGTH:
            raise UsageError(f"--token must be at least {MIN_TOKEN_LENGTH} characters (or: --token auto)")
        return token, False
    if not is_loopback(host):
        raise UsageError(
            f"--host {host} is reachable from other machines and textual-serve has no authentication: "
            "give --token SECRET (or --token auto to generate one), or keep the default 127.0.0.1"
        )
    return None, False


def ui_command(data_dir: str | None, theme: str | None) -> str:
    """The shell command textual-serve runs per connection: this interpreter's followtui, quoted.

    --data-dir only when the user chose one on the command line, so that the config dir is found the same
    way as for `followtui` in a terminal (FOLLOWTUI_DATA_DIR reaches the UI through the environment).
    """
    argv = [sys.executable, "-m", "followtui"]
    if data_dir:
        argv += ["--data-dir", data_dir]
    if theme:
        argv += ["--theme", theme]
    return shlex.join(argv)


def make_server(command: str, host: str, port: int, token: str | None) -> Any:
    """A textual-serve Server with the guards above; imported here so other commands never load aiohttp."""
    from aiohttp import web
    from rich.console import Console
    from textual_serve.server import Server

    expected = token.encode() if token is not None else None

    def carries_token(candidate: str | None) -> bool:
        return candidate is not None and expected is not None and hmac.compare_digest(candidate.encode(), expected)

    def origin_of(request: web.Request) -> str:
        # Behind a TLS reverse proxy the page must use https/wss; the value only shapes this client's own page.
        scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
        return f"{'https' if scheme == 'https' else 'http'}://{request.host}"

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        hostname = urlsplit(f"//{request.host}").hostname or ""
        if expected is None and not is_loopback(hostname):
            raise web.HTTPForbidden(text="followtui serve: this server answers only to a loopback host name\n")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None and origin != origin_of(request):
            raise web.HTTPForbidden(text="followtui serve: a websocket from another site's page\n")
        if expected is None:
            return await handler(request)
        if carries_token(request.query.get("token")):
            if request.path == "/" and request.method == "GET":  # once: into a cookie, out of the address bar
                query = {k: v for k, v in request.query.items() if k != "token"}
                response = web.HTTPSeeOther(request.rel_url.with_query(query))
                response.set_cookie(COOKIE, token or "", httponly=True, samesite="Strict", path="/",
                                    secure=origin_of(request).startswith("https"))  # fmt: skip
                raise response
            return await handler(request)
        if carries_token(request.cookies.get(COOKIE)):
            return await handler(request)
        raise web.HTTPUnauthorized(
            text="followtui serve: open the address with ?token=… as printed when the server started\n",
            headers={"Cache-Control": "no-store"},
        )

    class GuardedServer(Server):  # type: ignore[misc]
        """textual-serve's Server with the guard, per-request page URLs and no access log."""

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard)
            return app

        async def handle_index(self, request: web.Request) -> Any:
            # textual-serve writes the address it was started on into the page (0.0.0.0 for a public bind,
            # 127.0.0.1 when the browser used localhost, so no cookie on the websocket). The browser's own
            # origin is right; the handler does not await before building its URLs, so this is race-free.
            started_on, self.public_url = self.public_url, origin_of(request)
            try:
                return await super().handle_index(request)
            finally:
                self.public_url = started_on

        async def on_startup(self, app: web.Application) -> None:
            shown = "localhost" if host in ("127.0.0.1", "::1") else host
            message(f"serving the followtui UI on http://{shown}:{self.port}/ (ctrl+c stops it)")

        def serve(self, debug: bool = False) -> None:
            # Server.serve would log every request line, and the first one carries ?token=.
            import asyncio
            import signal

            self.debug = debug
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        access_log=None, print=lambda *args: None)  # fmt: skip

    server = GuardedServer(command, host=host, port=port, title="followtui")
    server.console = Console(stderr=True)  # stdout carries data only (the CLI contract)
    return server


@handle_errors
def serve(
    demo: bool = typer.Option(False, "--demo", help="serve the demo's simulated network instead of your data"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (not loopback: needs --token)"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="port to listen on"),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar=ENV_TOKEN,
        metavar="SECRET|auto",
        help="require this secret on every request (auto: generate one, printed once)",
    ),
    theme: str | None = typer.Option(None, "--theme", help="colour theme for the UI"),
) -> None:
    """The terminal UI in a browser (textual-serve): each browser tab runs its own UI on the same data.

    Loopback only unless --token is given: the UI can follow and unfollow with your tokens.
    """
    required, generated = resolve_token(host, token)
    theme = theme or STATE.theme
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        raise UsageError("followtui serve needs textual-serve: pip install textual-serve") from None
    with contextlib.ExitStack() as stack:
        data_dir = STATE.data_dir_option
        if demo:
            data_dir = str(stack.enter_context(_demo_data()))
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        if generated:
            message(f"open (shown once; the token is a secret): http://{shown}:{port}/?token={required}")
        elif required:
            message(f"open http://{shown}:{port}/?token=YOUR_TOKEN once; the browser keeps it in a cookie")
        make_server(ui_command(data_dir, theme), host, port, required).serve()


@contextlib.contextmanager
def _demo_data() -> Any:
    """The demo's network, built once and running for as long as the server does; every connection opens the
    UI on the same data (a sync there fetches from the running simulators, without a new simulated day)."""
    import asyncio

    from followtui.cli.demo import _build, _choose, simulator

    followers = int(os.environ.get("FOLLOWTUI_SERVE_DEMO_FOLLOWERS", "300"))
    chosen = _choose(None)
    with tempfile.TemporaryDirectory(prefix="followtui-serve-demo-") as scratch, contextlib.ExitStack() as stack:
        message("building the demo's simulated network (github, bluesky, mastodon)")
        urls = [stack.enter_context(simulator(platform, login, 7 + i, followers, followers * 2 // 3))
                for i, (platform, login, _) in enumerate(chosen)]  # fmt: skip
        asyncio.run(_build(Path(scratch), chosen, urls, days=int(os.environ.get("FOLLOWTUI_SERVE_DEMO_DAYS", "6"))))
        yield Path(scratch)
