"""The first run of the SQLite version moves a JSON store written by the previous version (the committed
fixture, made by that version's own code) into history.sqlite3: the same answers afterwards, the old files kept
aside, said once; a damaged or interrupted move leaves the old store untouched and usable by a retry."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from followtui.core import migrate
from followtui.core.errors import StoreCorruptError
from followtui.core.store import HISTORY, Store
from tests.integration.harness import cli_in_process, run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OLD = FIXTURES / "json_store_v1"
ANSWERS = json.loads((FIXTURES / "json_store_v1.answers.json").read_text())
#: Which fields of `show` rows are about the history (verdicts and reasons age with the clock, so are left out).
ROW_FIELDS = ("id", "handle", "display_name", "followers_count", "following_count", "tags", "note", "keep",
              "followed_at", "followed_back_at", "unfollowed_at", "times", "interactions")  # fmt: skip


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(OLD, data)
    return data


def files(data: Path) -> dict[str, bytes]:
    """Every file's bytes (lock files are empty and come and go with any command, as they did before)."""
    return {p.name: p.read_bytes() for p in sorted(data.iterdir()) if p.is_file() and p.suffix != ".lock"}


def answer(data: Path, *args: str) -> Any:
    result = cli_in_process(data, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def rows(doc: Any) -> list[dict[str, Any]]:
    return [{k: row.get(k) for k in ROW_FIELDS if k in row} for row in doc["rows"]]


def test_the_first_command_moves_the_json_store_and_every_answer_stays_the_same(old_store: Path) -> None:
    before = files(old_store)
    first = run_cli(old_store, "account", "list", "--json")
    assert first.returncode == 0, first.stderr
    assert "history.sqlite3" in first.stderr and "json-store-" in first.stderr  # said once, on stderr
    assert json.loads(first.stdout) == ANSWERS["accounts"]
    kept = [p for p in old_store.iterdir() if p.name.startswith("json-store-")]
    assert len(kept) == 1
    for name in ("snapshots.json", "snapshots.json.bak", "journal.json", "journal.json.bak"):
        assert (kept[0] / name).read_bytes() == before[name]  # kept as they were, byte for byte
        assert not (old_store / name).exists()
    assert (old_store / "annotations.json").read_bytes() == before["annotations.json"]

    again = run_cli(old_store, "account", "list", "--json")
    assert again.returncode == 0 and again.stderr == ""  # once

    for account in Store(old_store).accounts():
        ref = account.label
        for pane in ("followers", "following", "mutuals", "fans", "nonfollowers", "tricksters"):
            new = answer(old_store, "show", pane, "--format", "json", "--account", ref)
            assert rows(new) == rows(ANSWERS[f"{ref} show {pane}"]), (ref, pane)
        assert answer(old_store, "history", "--format", "json", "--account", ref) == ANSWERS[f"{ref} history"]
        assert answer(old_store, "changes", "--format", "json", "--account", ref) == ANSWERS[f"{ref} changes"]


def test_the_journal_and_annotations_come_along(old_store: Path) -> None:
    old_journal = list(json.loads((OLD / "journal.json").read_text())["actions"].values())
    store = Store(old_store)
    assert store.journal() == old_journal
    assert store.migration_notice and "checked each one" in store.migration_notice
    kept = [a for a in store.annotations().values() if a.keep]
    assert kept and kept[0].tags == ("friend", "ünïcode") and kept[0].note == "met at a 'conf' <b>"


def test_a_sync_after_the_move_goes_on_from_the_old_history(old_store: Path) -> None:
    store = Store(old_store)
    account = store.accounts()[0]
    events = store.events(account.key)
    snapshot = store.snapshot(account.key)
    assert snapshot is not None and events
    assert snapshot.baseline_at is not None and snapshot.baseline_at < snapshot.observed_at  # type: ignore[operator]


def test_a_damaged_json_store_is_refused_and_left_as_it_was(old_store: Path) -> None:
    raw = (old_store / "snapshots.json").read_bytes()
    (old_store / "snapshots.json").write_bytes(raw[: len(raw) // 2])
    before = files(old_store)
    result = run_cli(old_store, "show", "followers", "--account", "github:octocat")
    assert result.returncode == 7, result.stderr
    assert "snapshots.json" in result.stderr and "snapshots.json.bak" in result.stderr
    assert files(old_store) == before and not (old_store / HISTORY).exists()


def test_a_copy_that_differs_stops_the_move_and_a_retry_succeeds(old_store: Path, monkeypatch) -> None:
    before = files(old_store)
    real = migrate._write_state

    def lose_a_follower(conn, doc):  # type: ignore[no-untyped-def]
        real(conn, doc)
        one = conn.execute("SELECT min(id) FROM members WHERE account = ?", (doc["account"],)).fetchone()[0]
        conn.execute("DELETE FROM members WHERE account = ? AND id = ?", (doc["account"], one))

    monkeypatch.setattr(migrate, "_write_state", lose_a_follower)
    with pytest.raises(StoreCorruptError, match="differs"):
        Store(old_store).accounts()
    assert files(old_store) == before and not (old_store / HISTORY).exists()
    monkeypatch.setattr(migrate, "_write_state", real)
    assert len(Store(old_store).accounts()) == 4


def test_a_move_killed_half_way_leaves_the_old_store_and_the_next_run_finishes_it(old_store: Path) -> None:
    """SIGKILL the process that moves a larger store (a copy of the fixture's profiles made large) at several
    moments; each time the old store is as it was or moved whole, never half."""
    big = json.loads((old_store / "snapshots.json").read_text())
    profiles = big["profiles"]
    template = next(iter(profiles.values()))
    for n in range(30_000):
        doc = dict(template, id=f"x{n}", key=f"github:x{n}", handle=f"filler{n}")
        profiles[str(10_000 + n)] = doc
    (old_store / "snapshots.json").write_text(json.dumps(big))
    before = files(old_store)
    for delay in (0.4, 0.8):
        proc = subprocess.Popen([sys.executable, "-m", "followtui", "--data-dir", str(old_store), "account", "list"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (old_store / HISTORY).exists():
            break
        # the old store as it was; a killed move's own temp file (.history.sqlite3.migrating) is cleared next run
        assert {k: v for k, v in files(old_store).items() if ".migrating" not in k} == before
    result = run_cli(old_store, "account", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["accounts"]) == 4
    assert Store(old_store).profiles("github").get("x29999") is not None
    assert not [p for p in old_store.iterdir() if ".migrating" in p.name]


def test_a_store_moved_but_not_tidied_is_tidied_on_the_next_run(old_store: Path) -> None:
    Store(old_store).accounts()
    kept = next(p for p in old_store.iterdir() if p.name.startswith("json-store-"))
    shutil.copy(kept / "snapshots.json", old_store / "snapshots.json")  # as if killed before the files moved
    assert len(Store(old_store).accounts()) == 4
    assert not (old_store / "snapshots.json").exists()
    assert len([p for p in old_store.iterdir() if p.name.startswith("json-store-")]) == 2
    os.sync()
