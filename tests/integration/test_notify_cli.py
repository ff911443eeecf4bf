"""`followtui notify --test` through the real CLI, against a loopback webhook reached by a real Apprise URL."""

from __future__ import annotations

import subprocess
import sys

from tests.core.test_notify import Inbox, closed_port

from .harness import cli_in_process, run_cli

SECRET = "hunter2-s3cret"


def configure(data_dir, *urls: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    listed = ", ".join(f'"{url}"' for url in urls)
    (data_dir / "config.toml").write_text(f"[notify]\nurls = [{listed}]\n", encoding="utf-8")


def test_notify_test_sends_one_message_and_exits_0(tmp_path):
    with Inbox() as inbox:
        configure(tmp_path, inbox.url)  # with --data-dir, config.toml lives in the data dir
        result = run_cli(tmp_path, "notify", "--test", timeout=60)
        assert result.returncode == 0, result.stderr
        (body,) = inbox.bodies
    assert "followtui test notification" in body["message"]
    assert f"sent to json://127.0.0.1:{inbox.port}/…" in result.stderr
    assert result.stdout == ""


def test_a_url_that_cannot_be_reached_exits_3_and_never_shows_the_url(tmp_path):
    dead = f"json://user:{SECRET}@127.0.0.1:{closed_port()}/{SECRET}"
    with Inbox() as inbox:
        configure(tmp_path, inbox.url, dead)
        result = run_cli(tmp_path, "notify", "--test", timeout=60)
        assert len(inbox.bodies) == 1
    assert result.returncode == 3, result.stderr
    assert "failed: json://…@127.0.0.1:" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_no_urls_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("FOLLOWTUI_CONFIG_DIR", raising=False)
    result = cli_in_process(tmp_path, "notify", "--test")
    assert result.exit_code == 2
    assert "[notify]" in result.stderr
    assert (tmp_path / "config.toml").exists()  # the commented default, which documents [notify]


def test_notify_without_test_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("FOLLOWTUI_CONFIG_DIR", raising=False)
    configure(tmp_path, "ntfy://my-topic")
    result = cli_in_process(tmp_path, "notify")
    assert result.exit_code == 2
    assert "--test" in result.stderr


def test_help_does_not_import_apprise():
    code = (
        "import sys\nfrom followtui.cli import main\nsys.argv = ['followtui', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('apprise' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().endswith("False")
    assert "notify" in result.stdout
