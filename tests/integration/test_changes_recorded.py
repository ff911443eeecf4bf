"""Who changed, by name, on real recorded GitHub responses served over loopback HTTP: the event log
(`followtui changes` in every format), the sync's own report (stdout and one `--json` line) and the trickster
relationship, after a day-2 sync in which two followers left and one account was deleted."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .harness import run_cli
from .replay import RecordedGitHub, serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    """Day 1: the recorded account as it was (baseline). Day 2: regisb and walidk unfollowed (both were
    mutuals already at day 1), jnorthrup deleted the account. Day 3: vineus renamed, nothing else."""
    data = tmp_path_factory.mktemp("data")
    github = RecordedGitHub()
    with serve(github) as url:
        added = run_cli(data, "account", "add", "github", "jacquev6", "--server", url)
        assert added.returncode == 0, added.stderr
        day1 = run_cli(data, "sync", "--json")
        assert day1.returncode == 0, day1.stderr
        github.next_day()
        github.drop("regisb")
        github.drop("walidk")
        github.delete("jnorthrup")
        day2 = run_cli(data, "sync")
        assert day2.returncode == 0, day2.stderr
        github.next_day()
        github.rename("vineus", "vineus-renamed")
        day3 = run_cli(data, "sync", "--json")
        assert day3.returncode == 0, day3.stderr
    return data, day1, day2, day3


def changes(data, *args: str) -> list[dict]:
    result = run_cli(data, "changes", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["count"] == len(document["rows"])
    return document["rows"]


def test_the_log_names_who_left_and_who_was_deleted(two_days):
    data, *_ = two_days
    rows = changes(data)
    unfollowed = {r["handle"] for r in rows if r["kind"] == "unfollowed_you"}
    gone = [r for r in rows if r["kind"] == "gone"]
    assert unfollowed == {"regisb", "walidk"}
    assert [(r["handle"], r["detail"]) for r in gone] == [("jnorthrup", "deleted")]  # one row, though in both lists
    assert {r["detail"] for r in rows if r["kind"] == "unfollowed_you"} == {"you follow them"}
    assert {r["kind"] for r in rows} == {"unfollowed_you", "gone", "renamed"}  # the baseline records no events
    assert all(r["account"] == "github:jacquev6" and r["source"] == "sync" for r in rows)
    assert all(set(r) == {"at", "account", "kind", "id", "handle", "display_name", "detail", "source"} for r in rows)


def test_a_rename_is_one_renamed_event_not_an_unfollow(two_days):
    data, *_ = two_days
    renamed = changes(data, "--kind", "renamed")
    assert [(r["handle"], r["detail"]) for r in renamed] == [("vineus-renamed", "vineus → vineus-renamed")]
    assert renamed[0]["id"] == "467126"  # the stable id the recording gives vineus
    assert not [r for r in changes(data) if r["handle"].startswith("vineus") and r["kind"] != "renamed"]


def test_newest_first_and_filters(two_days):
    data, *_ = two_days
    rows = changes(data)
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)
    assert rows[0]["kind"] == "renamed"
    assert changes(data, "--kind", "gone", "--kind", "unfollowed_you") == [r for r in rows if r["kind"] != "renamed"]
    assert changes(data, "--since", rows[0]["at"]) == rows[:1]
    assert changes(data, "--since", "2100-01-01") == []
    assert changes(data, "--account", "github:jacquev6") == rows


def test_every_format_holds_the_same_rows(two_days):
    data, *_ = two_days
    rows = changes(data)
    jsonl = run_cli(data, "changes", "--format", "jsonl")
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == rows
    as_csv = list(csv.DictReader(io.StringIO(run_cli(data, "changes", "--format", "csv").stdout)))
    assert [r["handle"] for r in as_csv] == [r["handle"] for r in rows]
    assert list(as_csv[0]) == ["at", "account", "kind", "id", "handle", "display_name", "detail", "source"]
    table = run_cli(data, "changes").stdout
    for name in ("regisb", "walidk", "jnorthrup", "vineus → vineus-renamed"):
        assert name in table


def test_bad_kind_and_since_are_usage_errors(two_days):
    data, *_ = two_days
    bad = run_cli(data, "changes", "--kind", "unfollowed")
    assert bad.returncode == 2 and "unfollowed_you" in bad.stderr
    assert run_cli(data, "changes", "--since", "yesterday").returncode == 2
    assert run_cli(data, "changes", "--format", "xml").returncode == 2


def test_the_sync_report_names_people_on_stdout(two_days):
    _, _, day2, _ = two_days
    lines = day2.stdout.splitlines()
    assert lines[0].startswith("github:jacquev6: 10 followers (+0 -2, 1 gone)")
    assert "  unfollowed you: regisb (you follow them), walidk (you follow them)" in lines
    assert "  gone: jnorthrup (deleted)" in lines


def test_sync_json_is_one_compact_line_per_run_with_named_changes(two_days):
    _, day1, _, day3 = two_days
    for run in (day1, day3):
        assert run.stdout.count("\n") == 1 and run.stdout.endswith("\n")
        assert run.stderr == ""  # nothing for cron to mail when all went well
    first, third = json.loads(day1.stdout), json.loads(day3.stdout)
    assert first["ok"] and first["accounts"][0]["status"] == "baseline" and first["accounts"][0]["changes"] == []
    (renamed,) = third["accounts"][0]["changes"]
    assert (renamed["kind"], renamed["handle"], renamed["detail"]) == (
        "renamed",
        "vineus-renamed",
        "vineus → vineus-renamed",
    )


def test_tricksters_who_were_mutual_at_the_baseline_carry_it(two_days):
    data, *_ = two_days
    result = run_cli(data, "show", "tricksters", "--format", "json")
    rows = {r["handle"]: r for r in json.loads(result.stdout)["rows"]}
    assert set(rows) == {"regisb", "walidk"}  # jnorthrup is gone, not a trickster
    for row in rows.values():
        assert row["followed_back"] is True  # you already followed them at the first sync: mutual when they left
        assert row["followed_back_at"] is None  # when is unknown
        assert row["still_following"] is True
        assert row["followed_at"] is None
