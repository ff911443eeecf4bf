"""Drive the real app in a real terminal: tmux on a private socket, a fixed size, and polled screen captures.

Nothing here sleeps for a fixed long time: every wait polls the screen (or a process) until a condition holds
or a timeout passes, and a timeout fails with the last screen so that the failure explains itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The `followtui` script of the environment running the tests (the project's venv under `make test`).
FOLLOWTUI = Path(sys.executable).parent / "followtui"
#: The tab labels (tui.data.TAB_LABELS: short enough for 80 columns).
PANES = ("Followers", "Following", "Mutuals", "Fans", "Not back", "Tricksters")
#: Building the demo network and syncing it for days comes first; a slow CI machine gets plenty of time.
START_TIMEOUT = 60.0
TIMEOUT = 10.0
POLL = 0.05

#: Variables of the outer environment that would change how the app or tmux behave.
_DROP = {"TMUX", "TMUX_PANE", "NO_COLOR", "FORCE_COLOR", "COLORTERM", "COLUMNS", "LINES", "TERM_PROGRAM", "LC_ALL"}
_DROP_PREFIXES = ("FOLLOWTUI_", "TEXTUAL_")

# The pane is exactly the session size (no status line), and a program that ends leaves its pane readable with
# its exit status, so that an early exit shows its error instead of a vanished session.
_TMUX_CONF = """\
set -g status off
set -g remain-on-exit on
set -g history-limit 1000
"""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    """Skip for a missing tool, except in CI, where .ci/run installs it and its absence is a failure."""
    if in_ci():
        pytest.fail(f"{reason}, but CI=true and .ci/run should have installed it")
    pytest.skip(reason)


def require_tmux() -> str:
    if not sys.platform.startswith("linux"):
        pytest.skip("the terminal tests read processes from /proc (Linux only)")
    tmux = shutil.which("tmux")
    if tmux is None:
        unavailable("tmux is not installed (apt-get install tmux)")
    assert tmux is not None
    return tmux


def clean_env(home: Path) -> dict[str, str]:
    """The environment for the tmux server and so for its panes: the caller's, minus what would steer the app."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith(_DROP_PREFIXES)}
    env.update(HOME=str(home), LANG="C.UTF-8", LC_CTYPE="C.UTF-8", TERM="xterm-256color")
    return env


def require_followtui() -> Path:
    assert FOLLOWTUI.exists(), f"{FOLLOWTUI} is missing: run the tests with the project venv's python (make test)"
    return FOLLOWTUI


def demo_argv(data_dir: Path, followers: int, days: int) -> list[str]:
    require_followtui()
    return [str(FOLLOWTUI), "--data-dir", str(data_dir), "demo", "--followers", str(followers), "--days", str(days)]


def show(data_dir: Path, pane: str, account: str = "github:octocat") -> dict[str, Any]:
    """`followtui show PANE --format json` on a data dir: what the store holds, read by a fresh process.

    The demo's first account (the one the UI opens on) unless told otherwise."""
    result = subprocess.run(
        [str(FOLLOWTUI), "--data-dir", str(data_dir), "show", pane, "--account", account, "--format", "json"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("FOLLOWTUI_")},
    )  # fmt: skip
    assert result.returncode == 0, f"show {pane} failed ({result.returncode}): {result.stderr}"
    return json.loads(result.stdout)


def tagged(data_dir: Path, pane: str, tag: str) -> list[str]:
    return [row["handle"] for row in show(data_dir, pane)["rows"] if tag in row["tags"]]


# processes ---------------------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Whether a process exists and has not yet exited (a zombie has)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def zombie_status(pid: int) -> int | None:
    """The exit status of a process that has exited but is not yet reaped (/proc/PID/stat's exit_code)."""
    fields = _stat(pid)
    if fields is None or fields[0] != "Z" or len(fields) < 50:
        return None
    code = int(fields[49])
    return (code >> 8) & 0xFF if code & 0x7F == 0 else 128 + (code & 0x7F)


def identity(pid: int) -> tuple[int, str] | None:
    """A process id with its start time: what `kill_all` checks so that it never hits a reused pid."""
    fields = _stat(pid)
    return (pid, fields[19]) if fields else None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid: int, over: float = 1.0) -> float | None:
    """The fraction of one CPU a process uses over `over` seconds (None if it ended meanwhile)."""
    try:
        before = cpu_seconds(pid)
        time.sleep(over)
        return (cpu_seconds(pid) - before) / over
    except (FileNotFoundError, ProcessLookupError):
        return None


def describe_usage(pid: int) -> str:
    """How a process that should have ended is doing: spinning or blocked, and its CPU use."""
    usage = cpu_share(pid)
    if usage is None:
        return "it ended just now"
    return f"{'spinning' if usage > 0.5 else 'blocked'}, {usage:.0%} of a CPU"


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except (FileNotFoundError, ProcessLookupError):
        return []


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (read from /proc at this moment)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait for processes to end; those still running after `timeout`."""
    pids = list(pids)
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(POLL)


def kill_all(processes: Iterable[tuple[int, str] | None]) -> None:
    """SIGKILL processes that this test started, by id, each only if it is still the very same process."""
    killed = []
    for proc in processes:
        if proc is not None and alive(proc[0]) and identity(proc[0]) == proc:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc[0], signal.SIGKILL)
                killed.append(proc[0])
    wait_gone(killed, timeout=2)


# tmux ----------------------------------------------------------------------------------------------------------


class Tmux:
    """One detached tmux session of a fixed size on a private server; use it as a context manager.

    Closing it kills the server, then (after a grace period) anything the session started that is still running,
    so that no test leaves processes behind even when the app under test does not exit with its terminal.
    """

    def __init__(self, workdir: Path, width: int, height: int) -> None:
        self.tmux = require_tmux()
        self.width, self.height = width, height
        self.socket = f"followtui-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.socket_path: str | None = None
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "tmux.conf"
        self.conf.write_text(_TMUX_CONF)
        self.env = clean_env(self.home)
        self.target = "e2e"
        self.started: set[tuple[int, str]] = set()
        self.last_screen = ""

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        ours: set[tuple[int, str] | None] = set()
        for proc in self.started:
            if identity(proc[0]) == proc:
                ours.update(identity(pid) for pid in (proc[0], *descendants(proc[0])))
        self.run("kill-server", check=False)
        left = set(wait_gone((proc[0] for proc in ours if proc), timeout=3))
        kill_all(proc for proc in ours if proc and proc[0] in left)
        if self.socket_path:
            with contextlib.suppress(OSError):
                os.unlink(self.socket_path)

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [self.tmux, "-u", "-L", self.socket, "-f", str(self.conf), *args],
            env=self.env, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    # the program -------------------------------------------------------------------------------------------

    def start(self, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None) -> int:
        """Run argv (through `env`, no shell) in the session's only pane; the pid of the program.

        tmux sets TERM itself for its panes; `env` is applied after that, so TERM given here is what the program
        sees. The program runs from the repository root.
        """
        command = ["env", *(f"{k}={v}" for k, v in (env or {}).items()), *map(str, argv)]
        self.run("new-session", "-d", "-s", self.target, "-x", str(self.width), "-y", str(self.height),
                 "-c", str(REPO), *command)  # fmt: skip
        self.socket_path = self.run("display-message", "-p", "#{socket_path}").strip() or None
        pid = self.pid  # `env` execs the program, so the pane's process is the program itself
        proc = identity(pid)
        if proc:
            self.started.add(proc)
        return pid

    def pane_info(self) -> tuple[bool, int | None, int]:
        """(dead, exit status if tmux knows it (128 + N for signal N), pid of the pane's process)."""
        out = self.run("display-message", "-p", "-t", self.target,
                       "#{pane_pid}|#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}")  # fmt: skip
        pid, dead, status, signum = [*out.strip().split("|"), "", "", ""][:4]
        code = int(status) if status.isdigit() else 128 + int(signum) if signum.isdigit() else None
        return dead == "1", code if dead == "1" else None, int(pid)

    @property
    def pid(self) -> int:
        return self.pane_info()[2]

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        """Wait for the pane's program to end; its exit status (128 + N when signal N ended it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead, status, pid = self.pane_info()
            if dead:
                # tmux may mark the pane dead (its terminal closed) before it reaps the process and learns the
                # status; a zombie still carries it in /proc.
                status = status if status is not None else zombie_status(pid)
                if status is not None:
                    self.last_screen = self.capture()
                    return status
            time.sleep(POLL)
        raise AssertionError(f"the program did not exit within {timeout}s; screen:\n{self.capture()}")

    # the screen --------------------------------------------------------------------------------------------

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.target)

    def capture_colours(self) -> str:
        """The screen with its SGR escape sequences."""
        return self.run("capture-pane", "-p", "-e", "-t", self.target)

    def send(self, *keys: str) -> None:
        """Keys by tmux name (Tab, BTab, Escape, Enter) or single characters; one write to the terminal."""
        self.run("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Literal text, as one write to the terminal."""
        self.run("send-keys", "-t", self.target, "-l", text)

    def wait_for(self, check: Callable[[str], object], what: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until `check(screen)` is truthy; the screen it passed on."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.last_screen = self.capture()
            if check(screen):
                return screen
            dead, status, _ = self.pane_info()
            if dead:
                raise AssertionError(f"the program exited ({status}) while waiting for {what}; screen:\n{screen}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; screen:\n{screen}")
            time.sleep(POLL)

    def wait_text(self, text: str, timeout: float = TIMEOUT) -> str:
        return self.wait_for(lambda s: text in s, repr(text), timeout)

    def wait_stable(self, quiet: float = 0.2, timeout: float = TIMEOUT) -> str:
        """Wait until the screen has not changed for `quiet` seconds (keys handled, animations done)."""
        deadline = time.monotonic() + timeout
        screen, since = self.capture(), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen kept changing for {timeout}s; last:\n{screen}")
            time.sleep(POLL)
            now = self.capture()
            if now != screen:
                screen, since = now, time.monotonic()
        self.last_screen = screen
        return screen


# reading the app's screen ------------------------------------------------------------------------------------

_TAB = re.compile("(" + "|".join(re.escape(p) for p in sorted(PANES, key=len, reverse=True)) + r") ([\d,]+)")
DETAIL_BAR = "▏"
FILTER_PLACEHOLDER = "filter: handle, name, tag"
TAG_PROMPT = "Add tags"


def tab_counts(screen: str) -> dict[str, int]:
    """The pane tabs on screen and their counts, from the first line that shows at least two of them."""
    for line in screen.splitlines():
        found = {name: int(count.replace(",", "")) for name, count in _TAB.findall(line)}
        if len(found) >= 2:
            return found
    return {}


def tabs_ready(screen: str) -> bool:
    return "Followers" in tab_counts(screen) and header(screen) is not None


def active_tab(screen: str) -> str | None:
    """The pane whose tab the underline bar marks, read from plain text (so it works without colour too).

    The bar under the tabs is one line of '━' where the active stretch ends with '╸' on its left and '╺' on its
    right; it names a tab when that stretch is exactly the tab's label (not while it slides).
    """
    lines = screen.splitlines()
    for i, line in enumerate(lines[:-1]):
        spans = {m.group(1): (m.start(), m.end()) for m in _TAB.finditer(line)}
        if len(spans) < 2:
            continue
        bar = lines[i + 1]
        if "━" not in bar:
            return None
        left = bar.find("╸")
        right = bar.find("╺", left + 1)
        span = (left + 1 if left >= 0 else 0, right if right >= 0 else len(bar.rstrip()))
        return next((name for name, where in spans.items() if where == span), None)
    return None


def table_part(line: str) -> str:
    return line.split(DETAIL_BAR, 1)[0]


def header(screen: str) -> list[str] | None:
    """The account list's column titles."""
    for line in screen.splitlines():
        words = table_part(line).split()
        if words[:1] == ["Handle"]:
            return words
    return None


def is_tricksters(screen: str) -> bool:
    titles = header(screen)
    return titles is not None and "Times" in titles


def is_plain_list(screen: str) -> bool:
    """An account list with the ordinary columns (every pane but Tricksters)."""
    titles = header(screen) or []
    return "Name" in titles and "Times" not in titles


def table_rows(screen: str) -> list[str]:
    """The handles of the list rows on screen (a cropped one ends with '…'), in order."""
    lines = screen.splitlines()
    start = next((i for i, line in enumerate(lines) if table_part(line).split()[:1] == ["Handle"]), None)
    if start is None:
        return []
    handles = []
    for line in lines[start + 1 :]:
        part = table_part(line)
        # A row: a 2-cell mark gutter, then the handle; anything else (blank, a border, the status line) ends it.
        if len(part) < 3 or part[2] == " " or part[:2] not in ("  ", "● "):
            break
        handles.append(part[2:].split()[0])
    return handles


def filter_box(screen: str) -> str | None:
    """What the filter box (docked full width at the bottom) shows: its text or placeholder; None when closed."""
    for line in screen.splitlines():
        if line.startswith("▊") and "▔" not in line and "▁" not in line:
            return line.strip().strip("▊▎").strip()
    return None


def detail_lines(screen: str) -> list[str]:
    return [line.split(DETAIL_BAR, 1)[1].strip() for line in screen.splitlines() if DETAIL_BAR in line]


def detail_handle(screen: str) -> str | None:
    """The handle the detail panel shows (the highlighted account), without its '@'."""
    return next((line[1:].split()[0] for line in detail_lines(screen) if line.startswith("@")), None)


def same_handle(shown: str | None, handle: str) -> bool:
    """Whether a handle as drawn (maybe cropped with '…') is `handle`."""
    if not shown:
        return False
    return shown == handle or (shown.endswith("…") and handle.startswith(shown[:-1]))


# colours ---------------------------------------------------------------------------------------------------------

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colours(captured: str) -> set[str]:
    """Every foreground and background colour the SGR sequences of a `capture-pane -e` set."""
    found: set[str] = set()
    for match in _SGR.finditer(captured):
        codes = [int(c) if c.isdigit() else 0 for c in re.split("[;:]", match.group(1) or "0")]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                found.add(f"256:{codes[i + 2]}")
                i += 3
            elif code in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                found.add("rgb:{}:{}:{}".format(*codes[i + 2 : i + 5]))
                i += 5
            else:
                if 30 <= code <= 37 or 40 <= code <= 47:
                    found.add(f"16:{code % 10}")
                elif 90 <= code <= 97 or 100 <= code <= 107:
                    found.add(f"16:{code % 10 + 8}")
                i += 1
    return found


def is_grey(colour: str) -> bool:
    kind, *value = colour.split(":")
    numbers = [int(v) for v in value]
    if kind == "rgb":
        return len(set(numbers)) == 1
    n = numbers[0]
    if kind == "16":
        return n in (0, 7, 8, 15)
    if n < 16:
        return n in (0, 7, 8, 15)
    if n >= 232:
        return True
    r, g, b = (n - 16) // 36, (n - 16) % 36 // 6, (n - 16) % 6
    return r == g == b


# driving the app ---------------------------------------------------------------------------------------------


def wait_main_screen(term: Tmux, timeout: float = START_TIMEOUT) -> str:
    """Wait for the main screen: the pane tabs with their counts, Followers active (its underline in place)."""
    return term.wait_for(lambda s: tabs_ready(s) and active_tab(s) == "Followers", "the pane tabs", timeout)


def press_tab(term: Tmux, key: str, expected: str) -> str:
    """One Tab (or BTab), then wait until the tab bar marks `expected` and the screen has settled."""
    term.send(key)
    term.wait_for(lambda s: active_tab(s) == expected, f"the {expected!r} tab to be active")
    return term.wait_stable(0.15)


def add_tag(term: Tmux, tag: str) -> str:
    """`t`, the tag, enter; waits for the app to confirm it."""
    term.send("t")
    term.wait_text(TAG_PROMPT)
    term.wait_stable(0.1)
    term.type(tag)
    term.send("Enter")
    return term.wait_for(lambda s: TAG_PROMPT not in s and f"tagged {tag}" in s, f"the app to confirm tag {tag!r}")


def footer(screen: str) -> str:
    """The footer: the last line of the screen."""
    lines = screen.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def footer_keys(line: str) -> set[str]:
    """The keys a footer line shows: `? Help  esc/q/h Back` gives {?, esc, q, h}."""
    keys: set[str] = set()
    for item in line.split("  "):
        words = item.split()
        if words:
            keys.update(words[0].split("/"))
    return keys


#: Eighth-block glyphs that Textual's scrollbar thumbs draw (stray where the theme has no colour for them).
STRAY_GLYPHS = "▃▆▇"


def quit_app(term: Tmux) -> None:
    term.send("q")
    status = term.wait_exit()
    assert status == 0, f"followtui exited with {status}:\n{term.last_screen}"
