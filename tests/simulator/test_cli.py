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
