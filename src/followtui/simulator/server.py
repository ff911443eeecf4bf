"""Loopback HTTP plumbing for the simulator: threads, keep-alive, latency, faults, counters, control routes.

The platform app turns a `Request` into a `Response`; this module decides how (and whether) it reaches the
wire. Each response goes out in one write on a TCP_NODELAY socket: split writes meet delayed ACKs and cost
40 ms a request, which would swamp any benchmark.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from .bluesky import BlueskyApp
from .faults import CONTENT_KINDS, STATUS_KINDS, FaultPlan
from .github import GitHubApp
from .mastodon import MastodonApp
from .wire import Request, Response, json_response
from .world import World

CONTROL_PREFIX = "/_sim/"
PLATFORMS: dict[str, Any] = {"github": GitHubApp, "bluesky": BlueskyApp, "mastodon": MastodonApp}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a reset, a timed-out read) is no error; anything else is still printed. The
        default prints a traceback on stderr, the terminal of a demo or the output of an in-process test."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class SimulatorServer:
    """Serve `world` in one platform's wire format on a background thread; also a context manager."""

    def __init__(
        self,
        world: World,
        *,
        platform: str = "github",
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        jitter_ms: float = 0,
        faults: FaultPlan | None = None,
        rate_limit: int | None = None,
        rate_window_s: float | None = None,
        seed: int = 0,
        app_options: dict[str, Any] | None = None,
    ) -> None:
        """`rate_limit`/`rate_window_s` default to the platform's own (GitHub 5000/h, Bluesky 3000/5 min,
        Mastodon 300/5 min); `app_options` go to the platform app (e.g. Bluesky's `access_ttl_s`)."""
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; choose from {sorted(PLATFORMS)}")
        self.world = world
        self.platform = platform
        options = dict(app_options or {})
        if rate_limit is not None:
            options["rate_limit"] = rate_limit
        if rate_window_s is not None:
            options["rate_window_s"] = rate_window_s
        self.app = PLATFORMS[platform](world, **options)
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.jitter_ms = jitter_ms
        self.faults = faults
        self._jitter_rng = random.Random(f"jitter:{seed}")
        self._stats_lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset_stats()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _handler_for(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake hung fault handlers, and drop kept-alive connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._stats_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (the standalone CLI)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    # ------------------------------------------------------------------ counters

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats: dict[str, Any] = {
                "requests": 0,
                "api_requests": 0,
                "control_requests": 0,
                "by_route": {},
                "by_status": {},
                "faults": {},
                "started": time.time(),
            }

    def _count(self, *, control: bool, route: str = "", status: int = 0, fault: str = "") -> None:
        with self._stats_lock:
            s = self._stats
            s["requests"] += 1
            s["control_requests" if control else "api_requests"] += 1
            if route:
                s["by_route"][route] = s["by_route"].get(route, 0) + 1
            if status:
                s["by_status"][str(status)] = s["by_status"].get(str(status), 0) + 1
            if fault:
                s["faults"][fault] = s["faults"].get(fault, 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            s = self._stats
            out = dict(s, by_route=dict(s["by_route"]), by_status=dict(s["by_status"]), faults=dict(s["faults"]))
        out["uptime_s"] = round(time.time() - out.pop("started"), 3)
        return out

    # ------------------------------------------------------------------ request handling

    def _sleep_latency(self) -> None:
        delay = self.latency_ms
        if self.jitter_ms:
            with self._stats_lock:
                delay += self._jitter_rng.uniform(-self.jitter_ms, self.jitter_ms)
        if delay > 0:
            time.sleep(delay / 1000)

    def handle(self, req: Request, handler: _Handler) -> None:
        if req.path.startswith(CONTROL_PREFIX):
            resp = self._control(req)
            self._count(control=True, route=resp.route, status=resp.status)
            handler.send(resp)
            return
        self._sleep_latency()
        plan = self.faults
        fault = plan.draw() if plan is not None else None
        if fault is None:
            resp = self.app.handle(req)
            self._count(control=False, route=resp.route, status=resp.status)
            handler.send(resp)
            return
        assert plan is not None
        if fault.kind in CONTENT_KINDS:
            resp = self.app.handle(req)
            bent = self.app.content_fault(fault, req, resp) if resp.status == 200 and resp.body else None
            if bent is None:  # nothing to bend in this answer: it goes out as it is, uncounted
                plan.retract(fault)
                self._count(control=False, route=resp.route, status=resp.status)
            else:
                self._count(control=False, route=bent.route, status=bent.status, fault=fault.kind)
            handler.send(bent or resp)
            return
        self._count(control=False, fault=fault.kind)
        if fault.kind in STATUS_KINDS:
            resp = self.app.fault_response(fault, plan, req)
            self._count_status(resp.status)
            handler.send(resp)
        elif fault.kind == "reset":
            handler.reset()
        elif fault.kind == "timeout":
            self._stopping.wait(plan.hang_s)
            handler.drop()
        else:
            resp = self.app.handle(req)
            body = resp.body or b'{"message":"No Content"}'
            if fault.kind == "truncated":
                resp.status = resp.status if resp.body else 200
                handler.send(resp, body=body, truncate=max(1, len(body) // 2))
            else:  # malformed: a 200 whose body is not JSON
                cut = body[: max(1, len(body) // 2)] + (b"<html>" if fault.variant < 0.5 else b"")
                resp.status = 200
                handler.send(resp, body=cut)

    def _count_status(self, status: int) -> None:
        with self._stats_lock:
            key = str(status)
            self._stats["by_status"][key] = self._stats["by_status"].get(key, 0) + 1

    def _control(self, req: Request) -> Response:
        """`/_sim/*`: drive and inspect the world. Never delayed, faulted or rate limited."""
        from .control import control  # kept apart: test driving is not part of any wire format

        try:
            return control(self, req)
        except (KeyError, ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return json_response(400, {"error": str(exc)}, route="control")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sim: SimulatorServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.sim._stats_lock:
            self.sim._conns.add(self.connection)

    def finish(self) -> None:
        with self.sim._stats_lock:
            self.sim._conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.sim.host}:{self.sim.port}"
        req = Request(
            method=self.command,
            path=unquote(parts.path),
            raw_path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
            client_ip=self.client_address[0],
        )
        self.sim.handle(req, self)

    do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = _dispatch

    def send(self, resp: Response, *, body: bytes | None = None, truncate: int | None = None) -> None:
        """Write status, headers and body in one call; `truncate` sends fewer bytes than announced."""
        payload = resp.body if body is None else body
        lines = [f"HTTP/1.1 {resp.status} {resp.reason}"]
        lines.extend(f"{k}: {v}" for k, v in resp.headers)
        lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        try:
            self.wfile.write(head + (payload if truncate is None else payload[:truncate]))
        except OSError:
            self.close_connection = True
            return
        if truncate is not None:
            self.drop()

    def reset(self) -> None:
        """Abort with a TCP RST and no response at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def drop(self) -> None:
        """Close the connection (after a hang or a short body) without finishing the response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _handler_for(sim: SimulatorServer) -> type[_Handler]:
    return type("SimulatorHandler", (_Handler,), {"sim": sim})
