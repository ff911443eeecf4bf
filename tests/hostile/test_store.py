"""The corpus through the store: hostile profiles and annotations survive commit and reload unchanged (after the
cleaning they got on the way in), and a store file holding hostile or wrong-typed documents written by hand either
loads or fails with the store's own clear error, never with a crash deep inside."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from followtui.core.analysis import PANES, AccountData
from followtui.core.errors import StoreError
from followtui.core.store import Store
from tests.integration.harness import cli_in_process

from .checks import FORBIDDEN, assert_count
from .corpus import TEXTS
from .stores import ACCOUNT, build_hostile_store, hostile_annotations, hostile_profiles

#: Field by field: what the store gives back is what was committed.
COMPARED = ("handle", "display_name", "bio", "url", "followers_count", "following_count", "posts_count",
            "created_at", "last_active_at", "private", "bot", "default_avatar", "labels", "moved_to")  # fmt: skip
STORE_EXIT = 7  # ExitCode for a store that cannot be read


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    build_hostile_store(data_dir)
    return data_dir


def test_hostile_profiles_survive_commit_and_reload(hostile_dir: Path) -> None:
    committed = hostile_profiles()
    reloaded = Store(hostile_dir).profiles("github")
    assert set(committed) <= set(reloaded)
    for pid, profile in committed.items():
        back = reloaded[pid]
        for name in COMPARED:
            assert getattr(back, name) == getattr(profile, name), (pid, name)
        assert [n for _, n in back.followers_history] == (
            [profile.followers_count] if profile.followers_count is not None else []
        )


def test_hostile_annotations_survive_and_the_sets_are_exact(hostile_dir: Path) -> None:
    store = Store(hostile_dir)
    assert store.annotations() == hostile_annotations(hostile_profiles())
    ids = sorted(hostile_profiles(), key=int)
    snapshot = store.snapshot(ACCOUNT.key)
    assert snapshot is not None
    assert snapshot.followers == frozenset(ids) - frozenset(ids[::3])
    assert snapshot.following == frozenset(ids[::2]) | frozenset(ids[1::4])


def test_the_files_are_utf8_json_with_every_control_escaped(hostile_dir: Path) -> None:
    for name in ("snapshots.json", "annotations.json"):
        raw = (hostile_dir / name).read_bytes()
        text = raw.decode("utf-8")  # strict: a lone surrogate could not have been written
        assert not FORBIDDEN.search(text), name
        json.loads(text)


# -- files no writer of ours produces -------------------------------------------------------------------------------


def load_everything(data_dir: Path) -> str | None:
    """Read the store the way `show`, `history` and the TUI do; the StoreError's message, or None if it loaded."""
    store = Store(data_dir)
    try:
        account = store.accounts()[0]
        data = AccountData.load(store, account)
        for pane in PANES:
            data.tricksters() if pane == "tricksters" else data.pane(pane)
        data.history()
    except StoreError as exc:
        return str(exc)
    return None


def cli_reads(data_dir: Path) -> None:
    """`show` and `history` either print sane data or say the store is unreadable (exit 7), nothing else."""
    for args in (("show", "followers", "--format", "json"), ("show", "tricksters"), ("show", "fans", "--format", "csv"),
                 ("history", "--format", "json")):  # fmt: skip
        result = cli_in_process(data_dir, *args)
        if result.exit_code == STORE_EXIT:
            assert "store file" in result.stderr, result.stderr
            continue
        assert result.exit_code == 0, (args, result.stderr)
        if args[-1] == "json" and args[0] == "show":
            for row in json.loads(result.stdout)["rows"]:
                for key in ("handle", "display_name", "bio", "note"):
                    assert isinstance(row[key], str), (key, row[key])
                for key in ("followers_count", "following_count", "posts_count"):
                    assert_count(row[key], key)
                assert all(isinstance(tag, str) for tag in row["tags"]), row["tags"]


Mutation = Callable[[dict[str, Any]], Any]


def every(table: str, key: str, value: object) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for item in doc[table].values():
            if value is DELETE:
                item.pop(key, None)
            else:
                item[key] = value

    return mutate


DELETE = object()

FILE_CASES = [
    pytest.param("snapshots.json", lambda d: json.dumps(d)[:-1] + ', "x": NaN}', id="nan"),
    pytest.param("snapshots.json", lambda d: json.dumps(d)[:-1] + ', "x": "\\ud800"}', id="lone-surrogate"),
    pytest.param("snapshots.json", lambda d: "[1, 2]", id="not-an-object"),
    pytest.param("snapshots.json", lambda d: json.dumps(d)[:2000], id="truncated"),
    pytest.param("annotations.json", lambda d: json.dumps(d).replace("{", "[", 1), id="annotations-broken"),
]

DOC_CASES = [
    # each of these either loads (a harmless value) or is the store's clear error naming the file and document
    pytest.param("snapshots.json", every("profiles", "handle", None), id="profile-handle-null"),
    pytest.param("snapshots.json", every("profiles", "created_at", 20260101), id="profile-created-int"),
    pytest.param("snapshots.json", every("profiles", "created_at", "2026-13-45"), id="profile-created-month-13"),
    pytest.param("snapshots.json", every("profiles", "labels", "spam"), id="profile-labels-string"),
    pytest.param("snapshots.json", every("profiles", "labels", [1, None]), id="profile-labels-junk"),
    pytest.param("snapshots.json", every("profiles", "followers_history", "x"), id="profile-history-string"),
    pytest.param("snapshots.json", every("profiles", "moved_to", 5), id="profile-moved-int"),
    pytest.param("snapshots.json", every("profiles", "url", 5), id="profile-url-int"),
    pytest.param("snapshots.json", every("profiles", "key", DELETE), id="profile-no-key"),
    pytest.param("snapshots.json", every("state", "followers", None), id="state-followers-null"),
    pytest.param("snapshots.json", every("state", "observed_at", 5), id="state-observed-int"),
    pytest.param("snapshots.json", every("state", "own_profile", "x"), id="state-own-profile-string"),
    pytest.param("snapshots.json", every("events", "gone", 5), id="event-gone-int"),
    pytest.param("snapshots.json", every("syncs", "started_at", 5), id="sync-started-int"),
    pytest.param("snapshots.json", every("accounts", "added_at", 5), id="account-added-int"),
    pytest.param("annotations.json", every("annotations", "keep", "no"), id="keep-string"),
    pytest.param("snapshots.json", every("state", "followers", "abc"), id="state-followers-str"),
    pytest.param("annotations.json", every("annotations", "tags", "abc"), id="tags-string"),
    pytest.param("snapshots.json", every("profiles", "handle", 123), id="profile-handle-int"),
    pytest.param("snapshots.json", every("profiles", "display_name", ["x"]), id="profile-name-list"),
    pytest.param("snapshots.json", every("profiles", "bio", {"a": 1}), id="profile-bio-object"),
    pytest.param("snapshots.json", every("profiles", "followers_count", "12"), id="profile-count-str"),
    pytest.param("snapshots.json", every("profiles", "followers_count", -5), id="profile-count-neg"),
    pytest.param("snapshots.json", every("profiles", "followers_count", 1.5), id="profile-count-float"),
    pytest.param("snapshots.json", every("profiles", "followers_count", True), id="profile-count-bool"),
    pytest.param("snapshots.json", every("profiles", "following_count", [1]), id="profile-count-list"),
    pytest.param("snapshots.json", every("profiles", "id", DELETE), id="profile-no-id"),
    pytest.param("snapshots.json", every("profiles", "key", 5), id="profile-key-int"),
    pytest.param("snapshots.json", lambda d: d["profiles"].update(x=[1]), id="profile-doc-list"),
    pytest.param("snapshots.json", lambda d: d.update(profiles=[1]), id="profiles-table-list"),
    pytest.param("snapshots.json", every("state", "followers", [1, 2, None]), id="state-ids-ints"),
    pytest.param("snapshots.json", every("events", "kind", "exploded"), id="event-kind-unknown"),
    pytest.param("snapshots.json", every("events", "at", None), id="event-at-null"),
    pytest.param("snapshots.json", every("events", "at", "garbage"), id="event-at-garbage"),
    pytest.param("snapshots.json", every("syncs", "status", "weird"), id="sync-status-unknown"),
    pytest.param("snapshots.json", every("syncs", "followers", "x"), id="sync-count-str"),
    pytest.param("snapshots.json", every("syncs", "duration_s", "x"), id="sync-duration-str"),
    pytest.param("snapshots.json", every("accounts", "platform", DELETE), id="account-no-platform"),
    pytest.param("annotations.json", every("annotations", "key", DELETE), id="annotation-no-key"),
    pytest.param("annotations.json", every("annotations", "tags", [1, None]), id="tags-junk"),
    pytest.param("annotations.json", every("annotations", "note", 5), id="note-int"),
]


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory) -> Path:
    """A small hostile store (a dozen accounts) to write broken variants of."""
    data_dir = tmp_path_factory.mktemp("small") / "data"
    build_hostile_store(data_dir, dict(list(TEXTS.items())[:12]))
    return data_dir


def write_variant(small_dir: Path, target: Path, name: str, mutate: Mutation) -> Path:
    shutil.copytree(small_dir, target)
    doc = copy.deepcopy(json.loads((small_dir / name).read_text()))
    text = mutate(doc)
    (target / name).write_text(text if isinstance(text, str) else json.dumps(doc))
    return target


@pytest.mark.parametrize(("name", "mutate"), FILE_CASES)
def test_unreadable_store_files_are_the_stores_clear_error(small_dir: Path, tmp_path: Path, name, mutate) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    message = load_everything(data_dir)
    assert message is not None and name in message and "Nothing was changed" in message
    cli_reads(data_dir)


@pytest.mark.parametrize(("name", "mutate"), DOC_CASES)
def test_hostile_documents_load_or_are_the_stores_clear_error(small_dir: Path, tmp_path: Path, name, mutate) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    message = load_everything(data_dir)
    assert message is None or "store file" in message
    cli_reads(data_dir)


@pytest.mark.parametrize(
    ("name", "mutate", "says"),
    [
        ("snapshots.json", every("profiles", "followers_count", "12"), "followers_count is text, not a count"),
        ("snapshots.json", every("profiles", "followers_count", -5), "followers_count is -5, not a count"),
        (
            "snapshots.json",
            every("state", "followers", "abc"),
            "state document 'github:1': followers is not a list of text",
        ),
        ("snapshots.json", every("events", "kind", "exploded"), "kind is not one of"),
        ("snapshots.json", lambda d: d.update(profiles=[1]), "its 'profiles' table is not a table of documents"),
        ("annotations.json", every("annotations", "note", 5), "note is a whole number, not text"),
        ("annotations.json", every("annotations", "tags", "abc"), "tags is not a list of text"),
    ],
)
def test_a_wrong_typed_document_is_named_in_the_error_and_nothing_changes(
    small_dir: Path, tmp_path: Path, name, mutate, says
) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    before = {p.name: p.read_bytes() for p in data_dir.glob("*.json")}
    message = load_everything(data_dir)
    assert message is not None and name in message and says in message and "Nothing was changed" in message
    writes = (("tag", "1", "x"),) if name == "annotations.json" else ()  # a tag never reads events or profiles
    for args in (("show", "followers"), ("history",), *writes):
        result = cli_in_process(data_dir, *args)
        assert result.exit_code == STORE_EXIT and says in result.stderr, (args, result.stderr)
    assert {p.name: p.read_bytes() for p in data_dir.glob("*.json")} == before
