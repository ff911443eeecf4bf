"""Verdicts that know the relationship, and your own numbers, on real recorded GitHub responses over loopback:
jacquev6's 13 followers and 24 followed accounts (11 mutuals) on day 1; on day 2 two mutuals unfollow."""

from __future__ import annotations

import json

import pytest

from .harness import run_cli
from .replay import RecordedGitHub, serve

pytestmark = pytest.mark.slow

FOR_FANS = {"follow back", "review", "skip"}
FOR_FOLLOWED = {"keep", "review", "unfollow"}


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    github = RecordedGitHub()
    with serve(github) as url:
        assert run_cli(data, "account", "add", "github", "jacquev6", "--server", url).returncode == 0
        assert run_cli(data, "sync").returncode == 0
        day1 = json.loads(run_cli(data, "stats", "--format", "json").stdout)
        github.next_day()
        github.drop("regisb")
        github.drop("walidk")
        assert run_cli(data, "sync").returncode == 0
    return data, day1


def pane(data, name: str) -> dict[str, dict]:
    result = run_cli(data, "show", name, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {row["handle"]: row for row in json.loads(result.stdout)["rows"]}


def test_day_one_numbers(days):
    _, day1 = days
    (numbers,) = day1["accounts"]
    assert (numbers["followers"], numbers["following"], numbers["mutuals"]) == (13, 24, 11)
    assert numbers["ratio"] == round(24 / 13, 4)
    assert numbers["follow_back_rate"] == round(11 / 13, 4)
    assert numbers["followed_back_rate"] == round(11 / 24, 4)
    assert numbers["milestones"] == [] and numbers["changes"] == {}


def test_day_two_numbers_move_and_say_since_when(days):
    data, _ = days
    (numbers,) = json.loads(run_cli(data, "stats", "--format", "json").stdout)["accounts"]
    assert (numbers["followers"], numbers["following"], numbers["mutuals"]) == (11, 24, 9)
    assert numbers["changes"]["7d"]["followers"] == -2 and numbers["changes"]["7d"]["following"] == 0
    table = run_cli(data, "stats").stdout
    assert "followers 11" in table and "ratio 2.18" in table and "you follow back 82%" in table


def test_tricksters_you_still_follow_are_unfollow_naming_the_trick(days):
    data, _ = days
    tricksters = pane(data, "tricksters")
    assert set(tricksters) == {"regisb", "walidk"}
    for row in tricksters.values():
        assert row["verdict"] == "unfollow"
        trick = [r for r in row["reasons"] if r.startswith("trickster:")]
        assert trick == ["trickster: followed you before the first sync (2012-05-20), unfollowed 2012-05-21"]
        assert row["verdict_summary"] == "unfollow: trickster said unfollow"


def test_keep_wins_over_the_trick(tmp_path, days):
    data, _ = days
    assert run_cli(data, "keep", "github:regisb").returncode == 0
    try:
        tricksters = pane(data, "tricksters")
        assert tricksters["regisb"]["verdict"] == "keep"
        assert tricksters["regisb"]["reasons"][0] == "keep: on your keep list"
        assert tricksters["walidk"]["verdict"] == "unfollow"
    finally:
        assert run_cli(data, "keep", "github:regisb", "--off").returncode == 0


def test_every_verdict_asks_the_question_of_its_relationship(days):
    data, _ = days
    fans, following, mutuals = pane(data, "fans"), pane(data, "following"), pane(data, "mutuals")
    assert fans and all(row["verdict"] in FOR_FANS for row in fans.values())
    assert len(following) == 24 and all(row["verdict"] in FOR_FOLLOWED for row in following.values())
    nonfollowers = pane(data, "nonfollowers")
    said = ("not_following_back:", "trickster:")
    assert all(any(r.startswith(said) for r in row["reasons"]) for row in nonfollowers.values())
    assert all(any(r.startswith("mutual: mutual for at least") for r in row["reasons"]) for row in mutuals.values())
