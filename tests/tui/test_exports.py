"""`e` exports into the exports folder (config.toml [exports] dir, default <data dir>/exports), never into the
directory the app was started from, and the message names the full path."""

from __future__ import annotations

import csv
import os
from dataclasses import replace

from followtui.tui.app import FollowApp
from followtui.tui.widgets.account_table import AccountTable

from .test_app import SIZE, ready


async def export_as(pilot, name: str | None) -> list[str]:
    """Press e, keep the suggested name (None) or type one, and return the notifications shown."""
    await pilot.press("e")
    field = pilot.app.screen.query_one("#prompt-input")
    if name is not None:
        field.value = name
    await pilot.press("enter")
    await pilot.pause()
    return [n.message for n in pilot.app._notifications]


async def test_the_suggested_name_lands_in_the_data_dirs_private_exports_folder(store, settings, tmp_path,
                                                                                monkeypatch):  # fmt: skip
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    async with FollowApp(store, settings).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        table = screen.query_one(AccountTable)
        messages = await export_as(pilot, None)
    exports = store.data_dir / "exports"
    [written] = list(exports.iterdir())
    assert written.suffix == ".csv" and not list(started_in.iterdir())
    assert os.stat(exports).st_mode & 0o777 == 0o700
    assert any(str(written.resolve()) in m for m in messages), messages
    with written.open() as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == [r.id for r in table.visible_rows]
    assert not [p for p in exports.iterdir() if p.name.endswith(".tmp")]


async def test_a_configured_folder_and_relative_names_within_it(store, settings, tmp_path):
    folder = tmp_path / "my exports"
    async with FollowApp(store, replace(settings, exports_dir=folder)).run_test(size=SIZE) as pilot:
        await ready(pilot)
        messages = await export_as(pilot, "sub/view.json")
    target = (folder / "sub" / "view.json").resolve()
    assert target.exists() and any(str(target) in m for m in messages), messages


async def test_an_unwritable_place_is_an_error_message_not_a_crash(store, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    async with FollowApp(store, replace(settings, exports_dir=blocker)).run_test(size=SIZE) as pilot:
        await ready(pilot)
        messages = await export_as(pilot, "x.csv")
    assert any(m.startswith("could not write") for m in messages), messages
