"""Themes as TOML files: the bundled ones shipped in the package, and the user's own in the config dir.

Every file is validated before it becomes a `textual.theme.Theme`: a broken file is skipped and described
(naming the file), never fatal, and a user file with a bundled theme's name replaces it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from followtui.core.config import Settings, quote, toml_error_text
from followtui.sanitize import clean_text

DEFAULT_THEME = "followtui-dark"
NO_COLOR_THEME = "followtui-mono"

COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)
_OTHER_KEYS = ("name", "dark", "luminosity_spread", "text_alpha", "variables", "author", "description")
KNOWN_KEYS = frozenset((*COLOR_KEYS, *_OTHER_KEYS))

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_MAX_VARIABLE_VALUE = 64
_MAX_FILE_BYTES = 64 * 1024


class _Broken(Exception):
    """One reason a theme file cannot be used; its message names the key and the line when known."""


def bundled_themes_dir() -> Traversable | None:
    """The themes shipped as `followtui/themes` in the wheel, or the repo's `themes/` in an editable install."""
    packaged = files("followtui") / "themes"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[3] / "themes"  # src/followtui/tui/themes.py → repo root
    return source_tree if source_tree.is_dir() else None


def load_themes(themes_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Bundled themes, then the user's (`*.toml` in themes_dir) replacing any of the same name; plus the problems."""
    source = bundled_themes_dir()
    problems: list[str] = []
    themes: dict[str, Theme] = {}
    if source is not None:
        themes.update(_load_dir(source, problems))
    if themes_dir is not None:
        themes.update(_load_dir(Path(themes_dir), problems))
    return list(themes.values()), problems


def _load_dir(directory: Traversable, problems: list[str]) -> dict[str, Theme]:
    try:
        if not directory.is_dir():
            return {}
        entries = sorted(
            (e for e in directory.iterdir() if e.name.endswith(".toml") and not e.name.startswith(".")),
            key=lambda e: e.name,
        )
    except OSError as exc:
        problems.append(f"themes folder {directory}: cannot list it ({exc.strerror or exc})")
        return {}
    loaded: dict[str, Theme] = {}
    origin: dict[str, str] = {}
    for entry in entries:
        shown = clean_text(str(entry), 1024)  # a file name is text from outside too
        try:
            theme = theme_from_file(entry)
        except _Broken as exc:
            problems.append(f"theme file {shown}: {exc} (file skipped)")
            continue
        if theme.name in loaded:
            other = quote(origin[theme.name])
            problems.append(f"theme file {shown}: the name {quote(theme.name)} is also used by {other} (file skipped)")
            continue
        loaded[theme.name] = theme
        origin[theme.name] = entry.name
    return loaded


def theme_from_file(path: Traversable) -> Theme:
    """Read and validate one theme file; raises _Broken with a readable reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _Broken(f"cannot read it ({exc.strerror or exc})") from exc
    if len(raw) > _MAX_FILE_BYTES:
        raise _Broken(f"larger than {_MAX_FILE_BYTES // 1024} KiB, not a theme")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _Broken(f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _Broken(toml_error_text(exc)) from exc
    return theme_from_mapping(data, lines=raw.decode("utf-8").splitlines())


def theme_from_mapping(data: Mapping[str, Any], *, lines: list[str] | None = None) -> Theme:
    """Validate the keys of one theme and build it; `lines` (the file's text) lets messages give line numbers."""

    def at(key: str) -> str:
        line = _line_of(key, lines or [])
        return f"line {line}: {key}" if line else key

    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        first = unknown[0]
        line = _line_of(first, lines or [])
        where = f"line {line}: " if line else ""
        raise _Broken(f"{where}unknown key {quote(first)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        what = "is missing" if name is None else f"{quote(name)} is not a name (letters, digits, - _ .)"
        raise _Broken(f"{at('name')}: {what}")
    if "primary" not in data:
        raise _Broken("primary: is missing (every theme needs a primary colour)")
    colours: dict[str, Any] = {}
    for key in COLOR_KEYS:
        if key in data:
            colours[key] = _colour(data[key], at(key))
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise _Broken(f"{at('dark')}: should be true or false")
    extras: dict[str, Any] = {}
    for key, low, high in (("luminosity_spread", 0.0, 1.0), ("text_alpha", 0.0, 1.0)):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise _Broken(f"{at(key)}: should be a number from {low} to {high}")
            extras[key] = float(value)
    for key in ("author", "description"):
        if key in data and not isinstance(data[key], str):
            raise _Broken(f"{at(key)}: should be a string")
    variables = _variables(data.get("variables", {}), at("variables"))
    theme = Theme(name=name, dark=dark, variables=variables, **colours, **extras)
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # the last word belongs to Textual: anything it cannot build is a broken file
        raise _Broken(f"Textual cannot build this theme ({exc})") from exc
    return theme


def _colour(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Broken(f'{where}: should be a colour string like "#5EA1FF", found {type(value).__name__}')
    try:
        Color.parse(value)
    except ColorParseError as exc:
        why = str(exc) if len(value) <= 64 else f"{quote(value)} is not a colour"  # Textual's message uses repr()
        raise _Broken(f"{where}: {why}") from exc
    return value


def _variables(table: object, where: str) -> dict[str, str]:
    """Overrides of Textual's design variables: only names Textual knows, values its CSS parser accepts."""
    if not isinstance(table, dict):
        raise _Broken(f"{where}: should be a table ([variables])")
    known = _known_variables()
    variables: dict[str, str] = {}
    for key, value in table.items():
        if key not in known:
            raise _Broken(f"{where}: unknown variable {quote(key)}")
        if not isinstance(value, str) or not value.strip():
            raise _Broken(f"{where}: {quote(key)} should be a non-empty string")
        if len(value) > _MAX_VARIABLE_VALUE or not value.isprintable() or any(c in value for c in ";{}$"):
            raise _Broken(f"{where}: {quote(key)} = {quote(value)} is not a single CSS value")
        prop = "text-style" if key.endswith("-style") else "color"
        if not _css_value_ok(prop, value):
            raise _Broken(f"{where}: {quote(key)} = {quote(value)} is not a valid {prop} value")
        variables[key] = value.strip()
    return variables


_KNOWN_VARIABLES: frozenset[str] | None = None


def _known_variables() -> frozenset[str]:
    global _KNOWN_VARIABLES
    if _KNOWN_VARIABLES is None:
        _KNOWN_VARIABLES = frozenset(BUILTIN_THEMES["textual-dark"].to_color_system().generate())
    return _KNOWN_VARIABLES


def _css_value_ok(prop: str, value: str) -> bool:
    from textual.css.stylesheet import Stylesheet

    sheet = Stylesheet()
    sheet.add_source(f"Screen {{ {prop}: {value}; }}", read_from=("theme", "variables"))
    try:
        sheet.parse()
    except Exception:  # StylesheetParseError, TokenError, …: Textual would reject it at startup
        return False
    return True


def _line_of(key: str, lines: Iterable[str]) -> int | None:
    """The line of a top-level `key = …` (or `[key]` table), for messages; None when it cannot be found."""
    pattern = re.compile(rf"""\s*(?:["']?{re.escape(key)}["']?\s*=|\[\s*{re.escape(key)}\s*\])""")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return None


def pick_theme(requested: str | None, available: set[str]) -> tuple[str, str | None]:
    """The requested theme when it exists; otherwise the default, with a message saying why."""
    if requested is None or requested in available:
        return (requested or DEFAULT_THEME), None
    fallback = DEFAULT_THEME if DEFAULT_THEME in available else "textual-dark"
    choices = ", ".join(sorted(available))
    return fallback, f"unknown theme {quote(requested)}, using {fallback} (available: {choices})"


def initial_theme(
    cli_choice: str | None,
    settings: Settings,
    ui_state: Mapping[str, Any],
    env: Mapping[str, str],
    available: set[str] | None = None,
) -> tuple[str, list[str]]:
    """The theme to start with: --theme > the choice saved by the UI > config.toml > NO_COLOR → mono > default.

    With `available` (the names the app registered), an unknown choice falls back to the next one and is reported.
    """
    saved = ui_state.get("theme")
    candidates: list[tuple[str, str | None]] = [
        ("--theme", cli_choice),
        ("the theme saved by the UI", saved if isinstance(saved, str) else None),
        (f"theme in {settings.config_file}", settings.theme),
    ]
    if env.get("NO_COLOR"):
        candidates.append(("NO_COLOR", NO_COLOR_THEME))
    problems: list[str] = []
    for origin, name in candidates:
        if not name:
            continue
        if available is None or name in available:
            return name, problems
        problems.append(f"{origin}: unknown theme {quote(name)}, ignored")
    if available is not None and DEFAULT_THEME not in available:
        chosen, _ = pick_theme(DEFAULT_THEME, available)
        return chosen, problems
    return DEFAULT_THEME, problems
