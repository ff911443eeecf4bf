"""The user's settings, read once from `config.toml`, and the UI's own remembered choices.

A broken config never stops the app: whatever is wrong falls back to its default and is described in
`Settings.problems`, so the TUI can say so once. The app never rewrites config.toml; what it remembers by itself
(the last theme picked in the UI) lives in `ui-state.json` in the data dir. Headless: no Textual here.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from followtui.core.errors import StoreError
from followtui.core.notify import DEFAULT_NOTIFY_ON, NOTIFY_KINDS, NotifySettings, mask_url
from followtui.core.paths import ENV_DATA_DIR
from followtui.core.storage import FILE_MODE, ensure_private_dir, read_json_file, write_json_atomically
from followtui.sanitize import clean_text

ENV_CONFIG_DIR = "FOLLOWTUI_CONFIG_DIR"
CONFIG_FILE = "config.toml"
THEMES_DIR = "themes"
UI_STATE_FILE = "ui-state.json"
EXPORTS_DIR = "exports"

DEFAULT_PRESET_TAGS: tuple[str, ...] = ("friend", "work", "family", "spam", "later")
#: `--hydrate all`: look up every account not looked up yet (a platform's rate limit still applies).
ALL_PROFILES = 1_000_000
DEFAULT_DAILY_CAP = 200
DEFAULT_PACING_S = 1.0
MAX_DAILY_CAP = 10_000
MAX_PACING_S = 600.0
MAX_PRESET_TAGS = 9  # keys 1–9
MAX_TAG = 64  # the same bound as `followtui tag`
MAX_HYDRATE_BUDGET = 100_000
MAX_KEY_NAME = 40
MAX_NOTIFY_URL = 2_000
#: What `followtui watch` reads when neither --source nor [watch] source says: one of Bluesky's public Jetstreams.
DEFAULT_WATCH_SOURCE = "wss://jetstream2.us-east.bsky.network/subscribe"
#: The paths that name a Bluesky event stream (the repo firehose of a relay or PDS, and Jetstream).
WATCH_PATHS = ("/xrpc/com.atproto.sync.subscribeRepos", "/subscribe")
MAX_WATCH_URL = 2_000

_BINDING_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")

DEFAULT_CONFIG_TEXT = """\
# followtui configuration. Every setting is optional: remove the leading "# " to change one.
# Changes are read when followtui starts. Problems in this file are reported in the app, never fatal.

# The theme to start with: followtui-dark, followtui-light, followtui-high-contrast, followtui-mono, one of
# Textual's own (textual-dark, nord, gruvbox, …) or one of yours: put NAME.toml files in the "themes" folder
# next to this file. A theme picked inside the app is remembered and wins over this line; `--theme` wins over both.
# theme = "followtui-dark"

# Remap keys: binding id = "key" or "key1,key2". The help screen (press ?) lists every binding id.
[keys]
# "app.quit" = "q,ctrl+q"

[tags]
# Tags toggled on the selected account by the keys 1–9, in this order (at most 9).
# presets = ["friend", "work", "family", "spam", "later"]

[sync]
# How many requests a sync may spend looking up profiles (counts, bios, last activity): a number, "all", or
# "auto" (the default: what the platform allows, e.g. GitHub's hourly quota; fans first, then the rest).
# hydrate_budget = "auto"

[actions]
# Follows and unfollows per platform per day, and seconds between two of them (safety rails for bulk actions).
# daily_cap = 200
# pacing_s = 1.0

[exports]
# Where `e` in the app writes its .csv/.json exports when given a bare file name (created private, 0700);
# default: the "exports" folder in the data dir. A relative path is taken from this file's folder.
# dir = "~/Downloads/followtui"

[notify]
# After `followtui sync`: one message when something listed in "on" happened (`--no-notify` skips it;
# `followtui notify --test` tries the URLs). URLs are Apprise URLs (https://github.com/caronc/apprise/wiki):
# ntfy, e-mail, Telegram, Matrix, Discord, Slack, webhooks… They may hold passwords: keep this file private.
# urls = ["ntfy://my-topic", "mailto://user:pass@example.org"]
# What is worth a message: followed_you, unfollowed_you, gone, renamed, you_followed, you_unfollowed,
# requested, and trickster (someone you follow unfollowed you).
# on = ["unfollowed_you", "gone", "trickster"]

[watch]
# The Bluesky event stream `followtui watch` reads (--source wins): a Jetstream (wss://HOST/subscribe) or a repo
# firehose (wss://HOST/xrpc/com.atproto.sync.subscribeRepos: a relay, or your own PDS). It is public data;
# followtui sends nothing to it but the subscription.
# source = "wss://jetstream2.us-east.bsky.network/subscribe"
"""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything config.toml decides, with defaults filled in and every complaint about it in `problems`."""

    config_dir: Path
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    preset_tags: tuple[str, ...] = DEFAULT_PRESET_TAGS
    #: Requests for profile look-ups per sync; None: "auto" (sized by the platform), ALL_PROFILES: "all".
    hydrate_budget: int | None = None
    #: Follows plus unfollows per platform per UTC day (Instagram is known to block near 200).
    daily_cap: int = DEFAULT_DAILY_CAP
    #: Seconds between two follow/unfollow requests, so a bulk action does not look like a bot.
    pacing_s: float = DEFAULT_PACING_S
    #: The folder exports go to ([exports] dir); None: `<data dir>/exports` (see exports_dir_for).
    exports_dir: Path | None = None
    #: Where a sync's message goes and what is worth one ([notify]; no URLs means no messages).
    notify: NotifySettings = field(default_factory=NotifySettings)
    #: The event stream `followtui watch` reads ([watch] source).
    watch_source: str = DEFAULT_WATCH_SOURCE
    #: Why [watch] source cannot be used ("" when it can): `watch` refuses to start rather than read another
    #: stream than the one the user chose.
    watch_source_error: str = ""
    problems: tuple[str, ...] = ()

    @property
    def themes_dir(self) -> Path:
        return self.config_dir / THEMES_DIR

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE


def default_config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("followtui", appauthor=False))


def resolve_config_dir(data_dir: Path, explicit_data_dir: bool, *, env: Mapping[str, str] | None = None) -> Path:
    """FOLLOWTUI_CONFIG_DIR, else the data dir when the user chose it (a self-contained setup), else the platform's."""
    environ = os.environ if env is None else env
    from_env = environ.get(ENV_CONFIG_DIR)
    if from_env:
        return Path(from_env).expanduser()
    if explicit_data_dir:
        return Path(data_dir).expanduser()
    return default_config_dir()


def data_dir_is_explicit(cli_data_dir: str | os.PathLike[str] | None, *, env: Mapping[str, str] | None = None) -> bool:
    """True when --data-dir or FOLLOWTUI_DATA_DIR chose the data dir (the `explicit_data_dir` of resolve_config_dir)."""
    environ = os.environ if env is None else env
    return bool(cli_data_dir) or bool(environ.get(ENV_DATA_DIR))


def load_settings(config_dir: Path) -> Settings:
    """Read config_dir/config.toml; a missing file means all defaults, a broken one means defaults plus problems."""
    path = Path(config_dir) / CONFIG_FILE
    problems: list[str] = []
    data = _read_toml(path, problems)
    values: dict[str, Any] = {}
    if data is not None:
        values = _parse(data, _Reporter(path, problems))
    return Settings(config_dir=Path(config_dir), problems=tuple(problems), **values)


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(f"config file {path}: cannot read it ({exc.strerror or exc}); using the defaults")
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(f"config file {path}: not UTF-8 text (byte {exc.start}); using the defaults")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"config file {path}: {toml_error_text(exc)}; using the defaults")
    return None


def toml_error_text(exc: tomllib.TOMLDecodeError) -> str:
    """'line 3, column 7: Invalid value' from tomllib's 'Invalid value (at line 3, column 7)'."""
    message = str(exc)
    lineno, colno = getattr(exc, "lineno", None), getattr(exc, "colno", None)  # attributes since Python 3.14
    match = _TOML_POSITION.search(message)
    if match:
        message = message[: match.start()]
        lineno, colno = lineno or int(match.group(1)), colno or int(match.group(2))
    if lineno:
        return f"line {lineno}, column {colno}: {message}"
    return message


def quote(value: object, limit: int = 60) -> str:
    """A user-supplied key or value as safe message text: repr() escapes controls and bidi marks."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(slots=True)
class _Reporter:
    path: Path
    problems: list[str]

    def __call__(self, where: str, what: str) -> None:
        self.problems.append(f"config file {self.path}: {where}: {what}")


_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _parse(data: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    sections = {
        "keys": _parse_keys,
        "tags": _parse_tags,
        "sync": _parse_sync,
        "actions": _parse_actions,
        "notify": _parse_notify,
        "exports": _parse_exports,
        "watch": _parse_watch,
    }
    for key, value in data.items():
        if key == "theme":
            theme = _parse_theme(value, report)
            if theme is not None:
                values["theme"] = theme
        elif key in sections:
            if not isinstance(value, dict):
                report(f"[{key}]", f"should be a table, found {_type_name(value)}; ignored")
                continue
            values.update(sections[key](value, report))
        else:
            report(
                quote(key),
                "unknown setting, ignored (known: theme, [keys], [tags], [sync], [actions], [exports], [notify], "
                "[watch])",
            )
    return values


def _parse_theme(value: object, report: _Reporter) -> str | None:
    if not isinstance(value, str):
        report("theme", f"should be a string, found {_type_name(value)}; ignored")
        return None
    name = clean_text(value, 64)
    if not name:
        report("theme", "is empty; ignored")
        return None
    return name


def _parse_keys(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    keymap: dict[str, str] = {}
    for binding_id, value in table.items():
        where = f"[keys] {quote(binding_id)}"
        if not _BINDING_ID.fullmatch(binding_id):
            report(where, "is not a binding id (like app.quit); ignored")
            continue
        if not isinstance(value, str):
            report(where, f'should be a string like "q" or "q,ctrl+q", found {_type_name(value)}; ignored')
            continue
        keys = [k.strip() for k in value.split(",")]
        bad = [k for k in keys if not k or len(k) > MAX_KEY_NAME or not k.isprintable() or " " in k]
        if bad:
            report(where, f"{quote(value)} is not a comma-separated list of keys; ignored")
            continue
        keymap[binding_id] = ",".join(keys)
    return {"keymap": keymap}


def _parse_tags(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key != "presets":
            report(f"[tags] {quote(key)}", "unknown setting, ignored (known: presets)")
        elif not isinstance(value, list):
            report("[tags] presets", f"should be a list of strings, found {_type_name(value)}; using the defaults")
        else:
            values["preset_tags"] = _preset_tags(value, report)
    return values


def _preset_tags(items: list[Any], report: _Reporter) -> tuple[str, ...]:
    tags: list[str] = []
    for position, item in enumerate(items, start=1):
        where = f"[tags] presets item {position}"
        if not isinstance(item, str):
            report(where, f"should be a string, found {_type_name(item)}; skipped")
            continue
        tag = clean_text(item, MAX_TAG)
        if not tag:
            report(where, "is empty (after removing control characters); skipped")
        elif tag in tags:
            report(where, f"{quote(tag)} is listed twice; skipped")
        else:
            tags.append(tag)
    if len(tags) > MAX_PRESET_TAGS:
        dropped = ", ".join(quote(t) for t in tags[MAX_PRESET_TAGS:])
        report("[tags] presets", f"at most {MAX_PRESET_TAGS} (keys 1–9); ignored {dropped}")
        tags = tags[:MAX_PRESET_TAGS]
    return tuple(tags)


def _parse_sync(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key != "hydrate_budget":
            report(f"[sync] {quote(key)}", "unknown setting, ignored (known: hydrate_budget)")
        elif value in ("auto", "all"):
            values["hydrate_budget"] = None if value == "auto" else ALL_PROFILES
        elif isinstance(value, bool) or not isinstance(value, int):
            report(
                "[sync] hydrate_budget",
                f'should be a whole number, "auto" or "all", found {_type_name(value)}; using "auto"',
            )
        elif not 0 <= value <= MAX_HYDRATE_BUDGET:
            report("[sync] hydrate_budget", f"should be between 0 and {MAX_HYDRATE_BUDGET}; using the default")
        else:
            values["hydrate_budget"] = value
    return values


def write_default_config(config_dir: Path) -> bool:
    """Write the commented default config.toml so users can discover the options; never touch an existing one."""
    config_dir = Path(config_dir)
    ensure_private_dir(config_dir)
    path = config_dir / CONFIG_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(DEFAULT_CONFIG_TEXT)
    return True


def load_ui_state(data_dir: Path, problems: list[str] | None = None) -> dict[str, Any]:
    """The UI's remembered choices ({} when none); a corrupt file is ignored and described in `problems`."""
    path = Path(data_dir) / UI_STATE_FILE
    try:
        return read_json_file(path) or {}
    except StoreError as exc:
        if problems is not None:
            why = exc.__cause__ or exc
            problems.append(f"ui state file {path} is unreadable ({why}); ignored, saved UI choices start afresh")
        return {}


def save_ui_state(data_dir: Path, **changes: Any) -> str | None:
    """Merge `changes` into ui-state.json (a None value forgets the key). Returns a problem message on failure."""
    path = Path(data_dir) / UI_STATE_FILE
    try:
        ensure_private_dir(Path(data_dir))
        state = load_ui_state(data_dir)
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        write_json_atomically(path, state)
    except StoreError as exc:
        return f"could not remember the UI choice: {exc}"
    return None


def _parse_actions(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "daily_cap":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAILY_CAP:
                report("[actions] daily_cap", f"should be a whole number from 0 to {MAX_DAILY_CAP}; using the default")
            else:
                values["daily_cap"] = value
        elif key == "pacing_s":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_PACING_S:
                report("[actions] pacing_s", f"should be seconds from 0 to {MAX_PACING_S:.0f}; using the default")
            else:
                values["pacing_s"] = float(value)
        else:
            report(f"[actions] {quote(key)}", "unknown setting, ignored (known: daily_cap, pacing_s)")
    return values


def _parse_exports(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    """[exports] dir: a folder path (~ expanded; relative to config.toml's folder, not to wherever the app was
    started, so the same config always means the same folder)."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key != "dir":
            report(f"[exports] {quote(key)}", "unknown setting, ignored (known: dir)")
        elif not isinstance(value, str):
            report(
                "[exports] dir", f"should be a folder path as a string, found {_type_name(value)}; using the default"
            )
        elif not value.strip() or not value.isprintable():
            report("[exports] dir", f"{quote(value)} is not a folder path; using the default")
        else:
            path = Path(value.strip()).expanduser()
            values["exports_dir"] = path if path.is_absolute() else report.path.parent / path
    return values


def exports_dir_for(settings: Settings, data_dir: Path) -> Path:
    """Where exports go: [exports] dir, else the data dir's "exports" folder (never the current directory)."""
    return settings.exports_dir or Path(data_dir) / EXPORTS_DIR


def _parse_notify(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    urls: tuple[str, ...] = ()
    on = DEFAULT_NOTIFY_ON
    for key, value in table.items():
        if key == "urls":
            if isinstance(value, list):
                urls = _notify_urls(value, report)
            else:
                report("[notify] urls", f"should be a list of Apprise URLs, found {_type_name(value)}; ignored")
        elif key == "on":
            if isinstance(value, list):
                on = _notify_on(value, report)
            else:
                report("[notify] on", f"should be a list of kinds, found {_type_name(value)}; using the default")
        else:
            report(f"[notify] {quote(key)}", "unknown setting, ignored (known: urls, on)")
    return {"notify": NotifySettings(urls=urls, on=on)}


def _notify_urls(items: list[Any], report: _Reporter) -> tuple[str, ...]:
    """The URLs as written; a problem shows one only masked, since URLs carry passwords and tokens."""
    urls: list[str] = []
    for position, item in enumerate(items, start=1):
        where = f"[notify] urls item {position}"
        if not isinstance(item, str):
            report(where, f"should be a string, found {_type_name(item)}; skipped")
            continue
        url = item.strip()
        if not url:
            report(where, "is empty; skipped")
        elif len(url) > MAX_NOTIFY_URL or not url.isprintable() or "://" not in url:
            report(where, f"{quote(mask_url(url))} is not an Apprise URL like ntfy://topic; skipped")
        elif url in urls:
            report(where, f"{quote(mask_url(url))} is listed twice; skipped")
        else:
            urls.append(url)
    return tuple(urls)


def _notify_on(items: list[Any], report: _Reporter) -> frozenset[str]:
    kinds: set[str] = set()
    for position, item in enumerate(items, start=1):
        where = f"[notify] on item {position}"
        if not isinstance(item, str):
            report(where, f"should be a string, found {_type_name(item)}; skipped")
        elif item.strip().lower() in NOTIFY_KINDS:
            kinds.add(item.strip().lower())
        else:
            report(where, f"unknown kind {quote(item)}, ignored (known: {', '.join(NOTIFY_KINDS)})")
    if items and not kinds:
        report("[notify] on", "names no known kind; using the default")
        return DEFAULT_NOTIFY_ON
    return frozenset(kinds)


def _parse_watch(table: dict[str, Any], report: _Reporter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key != "source":
            report(f"[watch] {quote(key)}", "unknown setting, ignored (known: source)")
            continue
        problem = watch_source_problem(value)
        if problem:
            report("[watch] source", problem)
            values["watch_source_error"] = f"config file {report.path}: [watch] source: {problem}"
        else:
            values["watch_source"] = value.strip()
    return values


def watch_source_problem(value: object) -> str:
    """Why `value` is not a Bluesky event stream URL ("" when it is one): ws:// or wss://, a host, and the path of
    a firehose or of Jetstream. Checked here, without the stream code (which only `watch` loads)."""
    if not isinstance(value, str):
        return f"should be a ws:// or wss:// URL, found {_type_name(value)}"
    url = value.strip()
    if not url or len(url) > MAX_WATCH_URL or not url.isprintable() or " " in url:
        return f"{quote(url)} is not a URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return f"{quote(url)} is not a URL"
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        return f"{quote(url)} should start with wss:// (or ws://) and name a host"
    if not parts.path.rstrip("/").endswith(WATCH_PATHS):
        return (
            f"{quote(url)} is not a Bluesky event stream: its path should end in {WATCH_PATHS[1]} (Jetstream) or "
            f"{WATCH_PATHS[0]} (a relay's or PDS's firehose)"
        )
    return ""
