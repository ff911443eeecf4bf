"""The -wal file comes and goes with other processes' connections: a check that saw it must not fail when it
is gone a moment later (a `watch` beating every 5 s beside a sync once ended with "No such file or directory:
history.sqlite3-wal")."""

from __future__ import annotations

from pathlib import Path

import pytest

from followtui.core import database
from followtui.core.store import Store
from followtui.models import TrackedAccount


def test_a_wal_that_vanishes_between_look_and_stat_is_no_error(tmp_path: Path, monkeypatch) -> None:
    store = Store(tmp_path)
    store.ensure()
    store.add_account(TrackedAccount(platform="github", handle="me", id="1"))
    wal = store.history_path.with_name(store.history_path.name + "-wal")
    wal.write_bytes(b"")  # seen by a look...
    real_stat = Path.stat

    def vanishing(self: Path, *args, **kwargs):  # ...and gone by the stat
        if self.name.endswith("-wal"):
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", vanishing)
    database.check_file(store.history_path)
    assert [a.handle for a in store.accounts()] == ["me"]


@pytest.mark.parametrize("size", [0, 4096])
def test_the_wal_size_is_read_once(tmp_path: Path, size: int) -> None:
    history = tmp_path / "history.sqlite3"
    assert database._wal_size(history) == 0
    (tmp_path / "history.sqlite3-wal").write_bytes(b"x" * size)
    assert database._wal_size(history) == size
