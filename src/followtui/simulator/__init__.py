"""An in-process social network for tests, the demo and benchmarks.

It speaks real wire formats over loopback HTTP (GitHub REST, Bluesky XRPC, Mastodon REST; one world, pick
the format with `SimulatorServer(world, platform=...)`), evolves its follow graph over simulated days, keeps a
ground-truth log, and injects faults on demand. It shares no code with the providers on purpose: a fake that
reused the client's parser would agree with its bugs.

    world = World.generate(seed=1, followers=200, following=150)
    world.add_token("t0ken", "octocat")
    with SimulatorServer(world, latency_ms=20) as sim:
        ...  # point a client at sim.url; world.advance_days(); world.truth("octocat")

Bluesky's event streams (Jetstream and the repo firehose) come from a `StreamServer` on the same world:

    with SimulatorServer(world, platform="bluesky") as sim, StreamServer(world) as stream:
        ...  # stream.jetstream_url, stream.firehose_url; sim's /_sim/stream/... routes drive it
"""

from .bluesky import did_for, handle_for, rkey_for
from .faults import ALL_KINDS as FAULT_KINDS
from .faults import FaultPlan
from .mastodon import mastodon_id_for, username_for
from .server import PLATFORMS, SimulatorServer
from .stream import MALFORMED_KINDS, CommitLog, Noise, StreamServer
from .world import Account, World

__all__ = [
    "FAULT_KINDS",
    "MALFORMED_KINDS",
    "PLATFORMS",
    "Account",
    "CommitLog",
    "FaultPlan",
    "Noise",
    "SimulatorServer",
    "StreamServer",
    "World",
    "did_for",
    "handle_for",
    "mastodon_id_for",
    "rkey_for",
    "username_for",
]
