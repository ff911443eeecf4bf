"""The corpus through the store: hostile profiles and annotations survive commit and reload unchanged (after the
cleaning they got on the way in), and a store file holding hostile or wrong-typed documents written by hand either
loads or fails with the store's own clear error, never with a crash deep inside."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from followtui.core.analysis import PANES, AccountData
from followtui.core.errors import StoreError
from followtui.core.store import ANNOTATIONS, HISTORY, Store
from tests.integration.harness import cli_in_process

from .checks import FORBIDDEN, assert_count, forbidden
from .corpus import TEXTS
from .stores import ACCOUNT, WAL, build_hostile_store, files, hostile_annotations, hostile_profiles

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


#: The history's columns that hold a JSON document (or null), by table.
JSON_COLUMNS = {"accounts": ("doc",), "state": ("own_profile", "posts", "interactions"), "profiles": ("doc",),
                "events": ("doc",), "syncs": ("doc",), "journal": ("doc",)}  # fmt: skip


def test_the_stored_json_is_utf8_with_every_control_escaped(hostile_dir: Path) -> None:
    """Every JSON document in the history's text columns (read as the bytes SQLite stores) and the annotations file:
    strict UTF-8 (a lone surrogate could not have been written), no raw control, valid JSON; the history's other
    text (keys, ids, times, reasons) is clean too."""
    conn = sqlite3.connect(hostile_dir / HISTORY)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert set(JSON_COLUMNS) <= set(tables) and "members" in tables
        documents = 0
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            for row in conn.execute(f"SELECT {', '.join(f'CAST({c} AS BLOB)' for c in columns)} FROM {table}"):
                for column, raw in zip(columns, row, strict=True):
                    if raw is None:
                        continue
                    text = raw.decode("utf-8")  # strict
                    assert not FORBIDDEN.search(text), (table, column, forbidden(text))
                    if column in JSON_COLUMNS.get(table, ()):
                        json.loads(text)
                        documents += 1
        assert documents > len(hostile_profiles())  # every hostile profile, its events, the syncs
    finally:
        conn.close()
    text = (hostile_dir / ANNOTATIONS).read_bytes().decode("utf-8")
    assert not FORBIDDEN.search(text), forbidden(text)
    json.loads(text)


# -- files no writer of ours produces -------------------------------------------------------------------------------


def load_everything(data_dir: Path) -> str | None:
    """Read the store the way `show`, `history` and the TUI do, and the history's other readers (the account's own
    profile, the actions journal); the StoreError's message, or None if it loaded."""
    store = Store(data_dir)
    try:
        account = store.accounts()[0]
        data = AccountData.load(store, account)
        for pane in PANES:
            data.tricksters() if pane == "tricksters" else data.pane(pane)
        data.history()
        store.own_profile(account)
        store.journal()
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


#: A change made by hand to one store file of a copied data dir (given that file's path).
Mutation = Callable[[Path], None]
DELETE = object()


@contextlib.contextmanager
def history_db(path: Path) -> Iterator[sqlite3.Connection]:
    """The history file opened the way another tool would open it, the change committed (and checkpointed) on close."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


def every(table: str, key: str, value: object, column: str = "doc") -> Mutation:
    """Field `key` of every document of `table` set to `value` (or removed: DELETE): a history table's JSON
    column, or a table of annotations.json."""

    def change(doc: dict[str, Any]) -> None:
        if value is DELETE:
            doc.pop(key, None)
        else:
            doc[key] = value

    def mutate(path: Path) -> None:
        if path.name == ANNOTATIONS:
            data = json.loads(path.read_text())
            for item in data[table].values():
                change(item)
            path.write_text(json.dumps(data))
            return
        with history_db(path) as conn:
            rows = conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
            assert rows, (table, column)
            for (text,) in rows:
                doc = json.loads(text)
                change(doc)
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (json.dumps(doc), text))

    return mutate


def sql(*statements: str) -> Mutation:
    """Statements run on the history file, as another tool (or a bad disk) could leave it."""

    def mutate(path: Path) -> None:
        with history_db(path) as conn:
            for statement in statements:
                assert conn.execute(statement).rowcount != 0 or statement.startswith(("DROP", "PRAGMA")), statement

    return mutate


def raw(change: Callable[[bytes], bytes]) -> Mutation:
    """The file's bytes replaced."""

    def mutate(path: Path) -> None:
        path.write_bytes(change(path.read_bytes()))

    return mutate


def text(change: Callable[[Any], str]) -> Mutation:
    """annotations.json rewritten from its parsed document."""

    def mutate(path: Path) -> None:
        path.write_text(change(json.loads(path.read_text())))

    return mutate


def last_doc(table: str, tail: str) -> str:
    """SQL that appends `tail` inside the JSON object of every document of `table`."""
    return f"UPDATE {table} SET doc = substr(doc, 1, length(doc) - 1) || '{tail}}}'"


FILE_CASES = [
    pytest.param(HISTORY, sql(last_doc("profiles", ', "x": NaN')), id="nan"),
    pytest.param(HISTORY, sql(last_doc("profiles", ', "x": "\\ud800"')), id="lone-surrogate"),
    pytest.param(HISTORY, sql("UPDATE profiles SET doc = CAST(X'7B22FF1B5B3331' AS TEXT)"), id="not-utf8"),
    # the bytes SQLite quotes back say "busy" and "full": still damage, not "locked by another process"
    pytest.param(HISTORY, sql("UPDATE profiles SET doc = CAST(X'FF627573792066756C6C' AS TEXT)"), id="not-utf8-busy"),
    pytest.param(HISTORY, sql("UPDATE events SET doc = 'garbage'"), id="not-json"),
    pytest.param(HISTORY, raw(lambda b: b"[1, 2]"), id="not-an-object"),
    pytest.param(HISTORY, raw(lambda b: b[:2000]), id="truncated"),
    pytest.param(HISTORY, sql("DROP TABLE profiles"), id="table-missing"),
    pytest.param(HISTORY, sql("PRAGMA user_version = 99"), id="newer-schema"),
    pytest.param(ANNOTATIONS, text(lambda d: json.dumps(d).replace("{", "[", 1)), id="annotations-broken"),
]

DOC_CASES = [
    # each of these either loads (a harmless value) or is the store's clear error naming the file and document
    pytest.param(HISTORY, every("profiles", "handle", None), id="profile-handle-null"),
    pytest.param(HISTORY, every("profiles", "created_at", 20260101), id="profile-created-int"),
    pytest.param(HISTORY, every("profiles", "created_at", "2026-13-45"), id="profile-created-month-13"),
    pytest.param(HISTORY, every("profiles", "labels", "spam"), id="profile-labels-string"),
    pytest.param(HISTORY, every("profiles", "labels", [1, None]), id="profile-labels-junk"),
    pytest.param(HISTORY, every("profiles", "followers_history", "x"), id="profile-history-string"),
    pytest.param(HISTORY, every("profiles", "moved_to", 5), id="profile-moved-int"),
    pytest.param(HISTORY, every("profiles", "url", 5), id="profile-url-int"),
    pytest.param(HISTORY, every("profiles", "key", DELETE), id="profile-no-key"),
    pytest.param(HISTORY, sql("UPDATE profiles SET gone = 5"), id="profile-gone-int"),
    pytest.param(HISTORY, sql("UPDATE profiles SET gone = X'1B5B3331'"), id="profile-gone-blob"),
    pytest.param(HISTORY, sql("UPDATE members SET follower = 'abc'"), id="member-flag-text"),
    pytest.param(HISTORY, sql("UPDATE members SET following = X'00'"), id="member-flag-blob"),
    pytest.param(HISTORY, sql("UPDATE members SET id = 5 WHERE id = '101'"), id="member-id-int"),
    pytest.param(HISTORY, sql("UPDATE members SET id = X'FF00' WHERE id = '101'"), id="member-id-blob"),
    pytest.param(HISTORY, sql("UPDATE state SET observed_at = 5"), id="state-observed-int"),
    pytest.param(HISTORY, sql("UPDATE state SET observed_at = X'00'"), id="state-observed-blob"),
    pytest.param(HISTORY, sql("UPDATE state SET baseline_at = 'garbage'"), id="state-baseline-garbage"),
    pytest.param(HISTORY, sql("UPDATE state SET own_profile = '\"x\"'"), id="state-own-profile-string"),
    pytest.param(HISTORY, every("state", "followers_count", "12", column="own_profile"), id="state-own-count-str"),
    pytest.param(HISTORY, sql("UPDATE state SET posts = 'garbage'"), id="state-posts-not-json"),
    pytest.param(HISTORY, sql("UPDATE state SET posts = '[5]'"), id="state-posts-ints"),
    pytest.param(HISTORY, sql("UPDATE state SET interactions = '[1]'"), id="state-interactions-list"),
    pytest.param(HISTORY, sql("UPDATE state SET interactions = 'garbage'"), id="state-interactions-not-json"),
    pytest.param(HISTORY, every("events", "gone", 5), id="event-gone-int"),
    pytest.param(HISTORY, every("syncs", "started_at", 5), id="sync-started-int"),
    pytest.param(HISTORY, every("accounts", "added_at", 5), id="account-added-int"),
    pytest.param(ANNOTATIONS, every("annotations", "keep", "no"), id="keep-string"),
    pytest.param(ANNOTATIONS, every("annotations", "tags", "abc"), id="tags-string"),
    pytest.param(HISTORY, every("profiles", "handle", 123), id="profile-handle-int"),
    pytest.param(HISTORY, every("profiles", "display_name", ["x"]), id="profile-name-list"),
    pytest.param(HISTORY, every("profiles", "bio", {"a": 1}), id="profile-bio-object"),
    pytest.param(HISTORY, every("profiles", "followers_count", "12"), id="profile-count-str"),
    pytest.param(HISTORY, every("profiles", "followers_count", -5), id="profile-count-neg"),
    pytest.param(HISTORY, every("profiles", "followers_count", 1.5), id="profile-count-float"),
    pytest.param(HISTORY, every("profiles", "followers_count", True), id="profile-count-bool"),
    pytest.param(HISTORY, every("profiles", "following_count", [1]), id="profile-count-list"),
    pytest.param(HISTORY, every("profiles", "id", DELETE), id="profile-no-id"),
    pytest.param(HISTORY, every("profiles", "key", 5), id="profile-key-int"),
    pytest.param(HISTORY, sql("UPDATE profiles SET doc = '[1]' WHERE id = '101'"), id="profile-doc-list"),
    pytest.param(
        HISTORY, sql("UPDATE profiles SET id = X'FF00', gone = 'deleted' WHERE id = '101'"), id="profile-id-blob"
    ),
    pytest.param(HISTORY, sql("UPDATE profiles SET gone = X'FF00' WHERE id = '101'"), id="profile-gone-not-utf8"),
    pytest.param(HISTORY, sql("UPDATE profiles SET doc = 5 WHERE id = '101'"), id="profile-doc-int"),
    pytest.param(HISTORY, every("events", "kind", "exploded"), id="event-kind-unknown"),
    pytest.param(HISTORY, every("events", "at", None), id="event-at-null"),
    pytest.param(HISTORY, every("events", "at", "garbage"), id="event-at-garbage"),
    pytest.param(HISTORY, every("syncs", "status", "weird"), id="sync-status-unknown"),
    pytest.param(HISTORY, every("syncs", "followers", "x"), id="sync-count-str"),
    pytest.param(HISTORY, every("syncs", "duration_s", "x"), id="sync-duration-str"),
    pytest.param(HISTORY, every("accounts", "platform", DELETE), id="account-no-platform"),
    pytest.param(HISTORY, sql("UPDATE accounts SET key = 'github:2'"), id="account-key-mismatch"),
    pytest.param(ANNOTATIONS, every("annotations", "key", DELETE), id="annotation-no-key"),
    pytest.param(ANNOTATIONS, every("annotations", "tags", [1, None]), id="tags-junk"),
    pytest.param(ANNOTATIONS, every("annotations", "note", 5), id="note-int"),
]


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory) -> Path:
    """A small hostile store (a dozen accounts) to write broken variants of."""
    data_dir = tmp_path_factory.mktemp("small") / "data"
    build_hostile_store(data_dir, dict(list(TEXTS.items())[:12]))
    return data_dir


def store_files(data_dir: Path) -> dict[str, bytes]:
    """The store's files (the history, the annotations, their backups, SQLite's WAL) byte for byte; `show` may
    write its default policy.toml beside them."""
    return {name: content for name, content in files(data_dir).items() if name.startswith((HISTORY, ANNOTATIONS))}


def write_variant(small_dir: Path, target: Path, name: str, mutate: Mutation) -> Path:
    shutil.copytree(small_dir, target)
    mutate(target / name)
    assert not (target / WAL).exists()  # the hand edit is in the file itself, as a closed tool leaves it
    return target


@pytest.mark.parametrize(("name", "mutate"), FILE_CASES)
def test_unreadable_store_files_are_the_stores_clear_error(small_dir: Path, tmp_path: Path, name, mutate) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    before = store_files(data_dir)
    message = load_everything(data_dir)
    assert message is not None and name in message and "Nothing was changed" in message
    assert not FORBIDDEN.search(message), forbidden(message)  # the damaged bytes never reach the terminal raw
    cli_reads(data_dir)
    assert store_files(data_dir) == before


@pytest.mark.parametrize(("name", "mutate"), DOC_CASES)
def test_hostile_documents_load_or_are_the_stores_clear_error(small_dir: Path, tmp_path: Path, name, mutate) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    before = store_files(data_dir)
    message = load_everything(data_dir)
    assert message is None or "store file" in message
    cli_reads(data_dir)
    assert store_files(data_dir) == before


@pytest.mark.parametrize(
    ("name", "mutate", "says"),
    [
        (HISTORY, every("profiles", "followers_count", "12"), "followers_count is text, not a count"),
        (HISTORY, every("profiles", "followers_count", -5), "followers_count is -5, not a count"),
        (HISTORY, sql("UPDATE state SET posts = '[1'"), "state document 'github:1': its posts or interactions are not"),
        (HISTORY, sql("UPDATE state SET observed_at = 'garbage'"), "state document 'github:1': observed_at is text"),
        (HISTORY, every("events", "kind", "exploded"), "kind is not one of"),
        (HISTORY, sql("UPDATE events SET doc = '[1]'"), "a events document is not a JSON object"),
        (HISTORY, sql("DROP TABLE profiles"), "no such table: profiles"),
        (ANNOTATIONS, every("annotations", "note", 5), "note is a whole number, not text"),
        (ANNOTATIONS, every("annotations", "tags", "abc"), "tags is not a list of text"),
    ],
)
def test_a_wrong_typed_document_is_named_in_the_error_and_nothing_changes(
    small_dir: Path, tmp_path: Path, name, mutate, says
) -> None:
    data_dir = write_variant(small_dir, tmp_path / "data", name, mutate)
    before = store_files(data_dir)
    message = load_everything(data_dir)
    assert message is not None and name in message and says in message and "Nothing was changed" in message
    writes = (("tag", "1", "x"),) if name == ANNOTATIONS else ()  # a tag never reads events or profiles' counts
    for args in (("show", "followers"), ("history",), *writes):
        result = cli_in_process(data_dir, *args)
        assert result.exit_code == STORE_EXIT and says in result.stderr, (args, result.stderr)
    assert store_files(data_dir) == before
