"""Run as cron would: `followtui sync --json >> sync.log` through a shell, three times (baseline, a day with
leavers, a quiet day), on real recorded GitHub responses over loopback, with a real Apprise `json://`
notification to a loopback HTTP server."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .harness import run_cli
from .replay import RecordedGitHub, serve

pytestmark = pytest.mark.slow


@contextmanager
def inbox() -> Iterator[tuple[str, list[dict]]]:
    """A loopback webhook that keeps every JSON body POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            received.append(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def cron_sync(data_dir, log) -> subprocess.CompletedProcess:
    """The crontab line, through /bin/sh as cron runs it, with a bare environment like cron's."""
    command = f"{shlex.quote(sys.executable)} -m followtui --data-dir {shlex.quote(str(data_dir))} sync --json"
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    return subprocess.run(
        ["/bin/sh", "-c", f"{command} >> {shlex.quote(str(log))}"], capture_output=True, text=True, env=env, timeout=120
    )


def test_three_cron_runs_give_three_json_lines_and_one_message_naming_the_leavers(tmp_path):
    data, log = tmp_path / "data", tmp_path / "sync.log"
    github = RecordedGitHub()
    with serve(github) as api, inbox() as (hook, received):
        assert run_cli(data, "account", "add", "github", "jacquev6", "--server", api).returncode == 0
        (data / "config.toml").write_text(
            f'[notify]\nurls = ["{hook}"]\non = ["unfollowed_you", "gone", "trickster"]\n'
        )
        runs = [cron_sync(data, log)]
        github.next_day()
        github.drop("regisb")
        github.drop("walidk")
        github.delete("jnorthrup")
        runs.append(cron_sync(data, log))
        github.next_day()
        runs.append(cron_sync(data, log))  # nothing changed
        for run in runs:
            assert run.returncode == 0, run.stderr
            assert run.stdout == "" and run.stderr == ""  # cron mails nothing when all went well
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    baseline, leavers, quiet = (json.loads(line)["accounts"][0] for line in lines)
    assert baseline["status"] == "baseline" and baseline["changes"] == []
    assert {(c["kind"], c["handle"]) for c in leavers["changes"]} == {
        ("unfollowed_you", "regisb"),
        ("unfollowed_you", "walidk"),
        ("gone", "jnorthrup"),
    }
    assert quiet["status"] == "ok" and quiet["changes"] == []
    assert len(received) == 1  # one message for the run with leavers, none for the baseline or the quiet run
    message = received[0]
    text = f"{message.get('title', '')}\n{message.get('message', '')}"
    for name in ("github:jacquev6", "regisb", "walidk", "jnorthrup"):
        assert name in text


def test_no_notify_and_a_dead_url_never_fail_the_sync(tmp_path):
    data = tmp_path / "data"
    github = RecordedGitHub()
    with serve(github) as api:
        assert run_cli(data, "account", "add", "github", "jacquev6", "--server", api).returncode == 0
        secret_url = "json://user:hunter2secret@127.0.0.1:9/hook"  # port 9: nothing listens
        (data / "config.toml").write_text(f'[notify]\nurls = ["{secret_url}"]\n')
        assert run_cli(data, "sync").returncode == 0
        github.next_day()
        github.drop("regisb")
        quiet = run_cli(data, "sync", "--json", "--no-notify")
        assert quiet.returncode == 0 and quiet.stderr == ""
        github.next_day()
        github.drop("walidk")
        failing = run_cli(data, "sync", "--json")
    assert failing.returncode == 0, failing.stderr
    assert "warning" in failing.stderr and "hunter2secret" not in failing.stderr + failing.stdout
    assert [c["handle"] for c in json.loads(failing.stdout)["accounts"][0]["changes"]] == ["walidk"]
    stored = [p for p in data.rglob("*") if p.is_file() and p.name != "config.toml"]
    assert stored and not [p.name for p in stored if b"hunter2secret" in p.read_bytes()]
