"""SVG snapshots of the account screen at 80×24, in the default theme and in the 16-colour mono one.

Regenerate after an intended visual change with: pytest tests/tui/test_account_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from followtui.tui.app import FollowApp
from tests.tui.test_snapshots import loaded


@pytest.mark.parametrize("theme", ["followtui-dark", "followtui-mono"])
def test_account_screen(snap_compare, store, settings, theme):
    app = FollowApp(store, settings, theme=theme)
    presses = ["tab", "tab", "tab", "j", "enter"]  # a fan: a verdict with every reason
    assert snap_compare(app, press=presses, terminal_size=(80, 24), run_before=loaded)
