"""The standalone simulator: one URL line on stdout, then it serves until stopped."""

from __future__ import annotations

import subprocess
import sys

import httpx


def test_standalone_prints_its_url_and_serves() -> None:
    cmd = [
        sys.executable,
        "-m",
        "followtui.simulator",
        "--platform",
        "github",
        "--port",
        "0",
        "--seed",
        "1",
        "--owner",
        "octocat",
        "--followers",
        "120",
        "--following",
        "40",
        "--latency-ms",
        "1",
        "--fault-rate",
        "0",
        "--days",
        "2",
        "--token",
        "TOKEN",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
        me = httpx.get(f"{url}/user", headers={"Authorization": "Bearer TOKEN"}, timeout=5)
        assert me.status_code == 200 and me.json()["login"] == "octocat"
        truth = httpx.get(f"{url}/_sim/truth", timeout=5).json()
        assert truth["now"] == "2026-01-07T09:00:00Z"
        assert me.json()["followers"] == len(truth["followers"])
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == ""  # exactly one line on stdout


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "followtui.simulator", "--port", "0", "--followers", "60", "--following", "20", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
    return proc, url


def test_standalone_bluesky_with_an_app_password() -> None:
    proc, url = _start(
        "--platform", "bluesky", "--owner", "alice", "--app-password", "alice=pw-1", "--rate-limit", "50"
    )
    try:
        session = httpx.post(
            f"{url}/xrpc/com.atproto.server.createSession",
            json={"identifier": "alice.bsky.test", "password": "pw-1"},
            timeout=5,
        )
        assert session.status_code == 200 and session.json()["handle"] == "alice.bsky.test"
        page = httpx.get(
            f"{url}/xrpc/app.bsky.graph.getFollowers",
            params={"actor": "alice.bsky.test"},
            headers={"Authorization": f"Bearer {session.json()['accessJwt']}"},
            timeout=5,
        )
        assert page.status_code == 200 and page.headers["ratelimit-limit"] == "50"
        whois = httpx.get(f"{url}/_sim/whois", params={"account": "alice"}, timeout=5).json()
        assert whois["did"] == session.json()["did"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_standalone_mastodon_with_a_token() -> None:
    proc, url = _start("--platform", "mastodon", "--owner", "alice", "--token", "tok=alice")
    try:
        me = httpx.get(f"{url}/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer tok"}, timeout=5)
        assert me.status_code == 200 and me.json()["username"] == "alice"
        assert me.headers["x-ratelimit-limit"] == "300"
        followers = httpx.get(f"{url}/api/v1/accounts/{me.json()['id']}/followers", timeout=5)
        assert len(followers.json()) == 40
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
