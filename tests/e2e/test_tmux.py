"""The real `followtui demo` in a real terminal (tmux, fixed sizes): what a user sees and what the store keeps.

Keys go in the way a terminal delivers them and every check reads the captured screen; persistence is checked
afterwards with a separate `followtui show … --format json` process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .terminal import (
    FILTER_PLACEHOLDER,
    PANES,
    STRAY_GLYPHS,
    Tmux,
    active_tab,
    add_tag,
    colours,
    cpu_share,
    demo_argv,
    describe_usage,
    detail_handle,
    filter_box,
    footer,
    footer_keys,
    is_grey,
    is_plain_list,
    is_tricksters,
    press_tab,
    quit_app,
    require_followtui,
    same_handle,
    show,
    tab_counts,
    table_rows,
    tagged,
    wait_gone,
    wait_main_screen,
)

pytestmark = pytest.mark.slow

XTERM = {"TERM": "xterm-256color"}


def open_demo(term: Tmux, data_dir: Path, env: dict[str, str], followers: int = 60, days: int = 2) -> str:
    term.start(demo_argv(data_dir, followers, days), env)
    return wait_main_screen(term)


def go_to_tricksters(term: Tmux) -> tuple[int, str]:
    """Press tab, one key at a time, until the Tricksters list shows; (presses, screen)."""
    screen = term.last_screen
    for presses in range(1, len(PANES)):
        screen = press_tab(term, "Tab", PANES[presses])
        if is_tricksters(screen):
            return presses, screen
        assert is_plain_list(screen), f"an ordinary list expected on {PANES[presses]}:\n{screen}"
    raise AssertionError(f"no Tricksters list after {len(PANES) - 1} presses of tab:\n{screen}")


@pytest.mark.parametrize(("width", "height"), [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_tricksters_filter_and_a_tag_that_persists(tmp_path, width, height):
    data_dir = tmp_path / "data"
    tag = f"e2e-{width}x{height}"
    with Tmux(tmp_path, width, height) as term:
        screen = open_demo(term, data_dir, XTERM, followers=150, days=4)
        counts = tab_counts(screen)
        assert counts["Followers"] > 0 and active_tab(screen) == "Followers", screen
        if width >= 100:
            assert list(counts) == list(PANES), f"all six tabs should fit in {width} columns:\n{screen}"

        presses, screen = go_to_tricksters(term)
        assert presses == PANES.index("Tricksters")
        if width < 100:  # narrow: the detail panel shows only after `i`
            term.send("i")
            screen = term.wait_for(detail_handle, "the detail panel after i")
        rows = table_rows(screen)
        trickster_count = tab_counts(screen)["Tricksters"]
        assert len(rows) == trickster_count >= 2, f"the demo should show its tricksters:\n{screen}"

        # Filter by part of a handle on screen: the list narrows to the rows that match.
        target = next(h for h in reversed(rows) if not h.endswith("…"))
        fragment = target[1:] if len(target) > 3 else target
        term.send("/")
        term.wait_for(lambda s: (filter_box(s) or "").startswith(FILTER_PLACEHOLDER), "the empty filter box")
        term.type(fragment)
        # The detail panel follows the list a frame later: wait for both.
        screen = term.wait_for(
            lambda s: target in table_rows(s) and len(table_rows(s)) < len(rows) and detail_handle(s) in table_rows(s),
            f"the list to narrow to {fragment!r} and the detail panel to show one of its rows",
        )
        assert filter_box(screen) == fragment, screen
        highlighted = detail_handle(screen)
        # Escape clears the filter and closes its box: the whole list is back, the cursor on the same account.
        term.send("Escape")
        screen = term.wait_for(lambda s: table_rows(s) == rows and filter_box(s) is None, "escape to clear the filter")
        assert is_tricksters(screen)
        term.wait_for(lambda s: detail_handle(s) == highlighted, f"the cursor to stay on {highlighted}", timeout=3)

        add_tag(term, tag)
        quit_app(term)

    stored = show(data_dir, "tricksters")
    assert stored["count"] == trickster_count
    owners = tagged(data_dir, "tricksters", tag)
    assert len(owners) == 1 and same_handle(highlighted, owners[0]), (highlighted, owners)


@pytest.mark.parametrize(
    "env",
    [{"TERM": "xterm-256color", "NO_COLOR": "1"}, {"TERM": "screen-256color"}],
    ids=["NO_COLOR", "screen-256color"],
)
def test_other_terminals_still_render_the_tabs(tmp_path, env):
    with Tmux(tmp_path, 100, 30) as term:
        screen = open_demo(term, tmp_path / "data", env)
        assert list(tab_counts(screen)) == list(PANES), screen
        screen = press_tab(term, "Tab", "Following")
        assert is_plain_list(screen)
        screen = press_tab(term, "BTab", "Followers")
        screen = press_tab(term, "BTab", "Tricksters")
        assert is_tricksters(screen), screen
        chromatic = {c for c in colours(term.capture_colours()) if not is_grey(c)}
        if "NO_COLOR" in env:
            assert not chromatic, f"NO_COLOR=1 but the screen uses colours {sorted(chromatic)}"
        else:
            assert chromatic, "a 256-colour terminal should get colours"
        quit_app(term)


def test_closing_the_terminal_ends_the_app(tmp_path):
    with Tmux(tmp_path, 100, 30) as term:
        open_demo(term, tmp_path / "data", XTERM)
        # Once the screen is idle. (Closing it while the app still draws can hang the app in Textual's driver
        # shutdown: a known bug, not tested here because it only happens in about half of the runs.)
        term.wait_stable(0.3)
        pid = term.pid
        term.run("kill-pane", "-t", term.target)  # the terminal goes away (hangup), as when its window closes
        if wait_gone([pid], timeout=5):
            pytest.fail(f"followtui still runs 5s after its terminal closed ({describe_usage(pid)})")


# Keys that arrive together, as a terminal or a slow SSH link delivers them.


def test_two_tabs_at_once_settle_on_the_third_pane(tmp_path):
    with Tmux(tmp_path, 120, 40) as term:
        open_demo(term, tmp_path / "data", XTERM)
        term.wait_stable(0.2)
        pid = term.pid
        term.send("Tab", "Tab")  # one write, as a held key or a batched SSH packet delivers it
        usage = cpu_share(pid, over=1.0) or 0.0
        assert usage < 0.5, f"{usage:.0%} of a CPU after two tabs: the app does not settle"
        term.wait_for(lambda s: active_tab(s) == "Mutuals", "the Mutuals tab", timeout=3)


def test_typing_right_after_slash_goes_to_the_filter(tmp_path):
    with Tmux(tmp_path, 120, 40) as term:
        screen = open_demo(term, tmp_path / "data", XTERM)
        rows = table_rows(term.wait_stable(0.2))
        needle = rows[1][:3]
        term.type("/" + needle)  # one write: '/' and the text arrive together, as over a laggy link
        screen = term.wait_stable(0.3)
        ran = [prompt for prompt in ("Export this view", "Note (empty") if prompt in screen]
        assert not ran, f"the typed text ran list commands ({ran}):\n{screen}"
        assert filter_box(screen) == needle, f"the filter box should hold {needle!r}:\n{screen}"


def test_the_welcome_screen_opens_the_demo(tmp_path):
    """A first run with no account: `d` on the welcome screen builds the demo and opens it (this once crashed:
    the demo command was called with typer's option defaults)."""
    with Tmux(tmp_path, 100, 30) as term:
        term.start([require_followtui(), "--data-dir", tmp_path / "data"], XTERM)
        term.wait_for(lambda s: "Welcome to followtui" in s, "the welcome screen")
        term.send("d")
        screen = wait_main_screen(term)
        assert "github:octocat" in screen and "mastodon:grace" in screen, screen
        quit_app(term)


# 80×24: the smallest terminal followtui promises to work in.


def test_80x24_footer_keeps_help_and_quit_on_every_screen(tmp_path):
    with Tmux(tmp_path, 80, 24) as term:
        screen = open_demo(term, tmp_path / "data", XTERM)
        assert list(tab_counts(screen)) == list(PANES), f"all six tabs should fit in 80 columns:\n{screen}"
        assert {"?", "q"} <= footer_keys(footer(term.wait_stable(0.2))), screen
        for key, word in (("h", "Back"), ("l", "Back"), ("?", "Close"), ("m", "Back")):
            term.send(key)
            term.wait_for(lambda s, w=word: w in footer(s), f"the footer of the screen {key} opens")
            screen = term.wait_stable(0.2)
            assert {"?", "q"} <= footer_keys(footer(screen)), f"no ? and q after {key}:\n{screen}"
            term.send("Escape")
            wait_main_screen(term)
        quit_app(term)


@pytest.mark.parametrize(
    "env",
    [{"TERM": "xterm-256color", "NO_COLOR": "1"}, {"TERM": "xterm-256color", "FOLLOWTUI_THEME": ""}],
    ids=["NO_COLOR", "mono"],
)
def test_80x24_has_no_stray_scrollbar_glyphs(tmp_path, env):
    """The status line's follower sparkline draws with block glyphs on purpose; everything else must not."""
    argv = demo_argv(tmp_path / "data", 150, 4)
    if "NO_COLOR" not in env:
        argv[3:3] = ["--theme", "followtui-mono"]  # before the `demo` command
    with Tmux(tmp_path, 80, 24) as term:
        term.start(argv, {k: v for k, v in env.items() if v})
        wait_main_screen(term)
        for key in ("", "?"):
            if key:
                term.send(key)
            screen = term.wait_stable(0.3)
            body = screen.rstrip("\n").splitlines()[:-2]  # all but the status line (its sparkline) and footer
            stray = [line for line in body if any(g in line for g in STRAY_GLYPHS)]
            assert not stray, f"stray glyphs after {key or 'start'!r}:\n{screen}"
        term.send("Escape")
        wait_main_screen(term)
        quit_app(term)
