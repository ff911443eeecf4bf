"""`python -m followtui.simulator`: serve a seeded world until interrupted.

Prints exactly one line to stdout, the base URL, so a parent process can read it and connect; everything
else goes to stderr. With `--stream-port`, Bluesky's event streams (Jetstream, the repo firehose) are served
on that WebSocket port too (0 picks a free one): `GET /_sim/stream` on the base URL tells where, and the
URL also goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys

from .faults import ALL_KINDS, FaultPlan
from .server import PLATFORMS, SimulatorServer
from .world import World


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m followtui.simulator", description=__doc__)
    p.add_argument("--platform", default="github", choices=sorted(PLATFORMS))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--owner", action="append", help="tracked account login (repeat for several)")
    p.add_argument("--followers", type=int, default=500)
    p.add_argument("--following", type=int, default=300)
    p.add_argument("--mutual-share", type=float, default=0.4)
    p.add_argument("--hostile-share", type=float, default=0.0)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--jitter-ms", type=float, default=0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--fault-seed", type=int, default=0)
    p.add_argument("--fault-kinds", default=",".join(ALL_KINDS), help="comma-separated")
    p.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="requests per window per credential (default: the platform's own); 0 disables",
    )
    p.add_argument("--rate-window-s", type=float, default=None, help="rate-limit window (default: the platform's)")
    p.add_argument("--days", type=int, default=0, help="simulated days of history before serving")
    p.add_argument(
        "--token",
        action="append",
        default=[],
        help="bearer token for GitHub and Mastodon: TOKEN (for the first owner) or TOKEN=OWNER; repeatable",
    )
    p.add_argument(
        "--app-password",
        action="append",
        default=[],
        help="Bluesky app password: PW (for the first owner) or OWNER=PW; repeatable",
    )
    p.add_argument("--access-ttl-s", type=float, default=None, help="Bluesky access token lifetime (default 7200)")
    p.add_argument(
        "--stream-port",
        type=int,
        default=None,
        help="also serve Jetstream and the repo firehose on this WebSocket port (0 picks a free port)",
    )
    p.add_argument("--stream-retention", type=int, default=None, help="commits the streams keep (default 100000)")
    return p.parse_args(argv)


def _stop_when_orphaned(server: SimulatorServer) -> None:
    """Stop when the process that started us is gone (the demo ended without its cleanup: killed, or ended by
    its exit watchdog), so that no simulated network outlives the app it served."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        server._stopping.set()

    threading.Thread(target=watch, name="simulator-orphan-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    owners = args.owner or ["octocat"]
    world = World.generate(
        args.seed,
        owner=owners[0],
        followers=args.followers,
        following=args.following,
        mutual_share=args.mutual_share,
        hostile_share=args.hostile_share,
    )
    for login in owners[1:]:
        world.add_owner(login, followers=args.followers, following=args.following, mutual_share=args.mutual_share)
    for spec in args.token:
        token, _, owner = spec.partition("=")
        world.add_token(token, owner or owners[0])
    for spec in args.app_password:
        owner, sep, password = spec.partition("=")
        world.add_app_password(owner if sep else owners[0], password if sep else owner)
    stream = None
    if args.stream_port is not None:
        from .stream import StreamServer

        stream = StreamServer(world, host=args.host, port=args.stream_port, retention=args.stream_retention)
    if args.days:
        world.advance_days(args.days)
    faults = None
    if args.fault_rate > 0:
        faults = FaultPlan(
            rate=args.fault_rate,
            seed=args.fault_seed,
            kinds=tuple(k for k in args.fault_kinds.split(",") if k),
        )
    server = SimulatorServer(
        world,
        platform=args.platform,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        faults=faults,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window_s,
        seed=args.seed,
        app_options={"access_ttl_s": args.access_ttl_s} if args.access_ttl_s and args.platform == "bluesky" else None,
    )
    server.start()
    if stream is not None:
        stream.start()
        print(f"stream: {stream.url} (Jetstream {stream.jetstream_url}, firehose {stream.firehose_url})",
              file=sys.stderr, flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: server._stopping.set())
    _stop_when_orphaned(server)
    print(server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if stream is not None:
            stream.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
