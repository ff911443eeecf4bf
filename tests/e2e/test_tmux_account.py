"""The account screen and the kept filter in a real terminal at 80×24: `enter` opens the highlighted account
with its verdict and reasons, `escape` goes back; `/` text `enter` keeps a filter, `escape` on the list clears it."""

from __future__ import annotations

import re

import pytest

from .terminal import Tmux, demo_argv, filter_box, quit_app, table_rows, wait_main_screen

pytestmark = pytest.mark.slow

#: A reason line of the account screen: its effect mark, then `rule: detail`.
REASON = re.compile(r"^\s*[★✗?−+·] ([a-z_]+): ", re.MULTILINE)


def test_enter_shows_the_verdict_and_reasons_and_escape_clears_a_kept_filter(tmp_path):
    with Tmux(tmp_path, 80, 24) as term:
        term.start(demo_argv(tmp_path / "data", 60, 2), {"TERM": "xterm-256color"})
        wait_main_screen(term)
        rows = table_rows(term.wait_stable(0.2))
        assert len(rows) >= 5, term.last_screen

        term.send("Enter")
        screen = term.wait_for(
            lambda s: "Verdict: " in s and len(REASON.findall(s)) >= 3 and "esc/q Back" in s,
            "the account screen: its verdict, three reasons and the way back",
        )
        handle = rows[0].rstrip("…")
        assert f"@{handle}" in screen, screen
        term.send("Escape")
        screen = term.wait_for(lambda s: "Verdict: " not in s and table_rows(s) == rows, "the list again")

        fragment = next(h for h in rows[1:] if not h.endswith("…"))[:4]
        term.send("/")
        term.wait_for(lambda s: (filter_box(s) or "").startswith("filter:"), "the empty filter box (its placeholder)")
        term.type(fragment)
        term.send("Enter")  # keeps the filter and goes back to the list

        def kept(screen: str) -> bool:
            shown = table_rows(screen)
            matching = all(fragment.casefold() in h.casefold() or h.endswith("…") for h in shown)
            return 0 < len(shown) < len(rows) and matching and filter_box(screen) == fragment

        term.wait_for(kept, f"the list kept narrowed to {fragment!r}")
        term.send("Escape")
        term.wait_for(lambda s: table_rows(s) == rows and filter_box(s) is None, "escape to clear the kept filter")
        term.send("Escape")  # nothing left to clear: nothing happens
        screen = term.wait_stable(0.3)
        assert table_rows(screen) == rows, screen
        quit_app(term)
