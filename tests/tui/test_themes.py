"""Theme files become Textual themes; broken ones are skipped with a message naming the file."""

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.theme import BUILTIN_THEMES
from textual.widgets import Footer, Input, Label

from followtui.core.config import Settings, load_settings
from followtui.tui.themes import (
    DEFAULT_THEME,
    NO_COLOR_THEME,
    bundled_themes_dir,
    initial_theme,
    load_themes,
    pick_theme,
)

BUNDLED = {"followtui-dark", "followtui-light", "followtui-high-contrast", "followtui-mono"}
VALID = 'name = "mine"\nprimary = "#336699"\n'


def _write(directory: Path, filename: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(text, encoding="utf-8")
    return path


def _names(themes) -> set[str]:
    return {t.name for t in themes}


class _Mini(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("[b]not markup[/b]", markup=False)
        yield Input("text")
        yield Footer()


# --- bundled ---------------------------------------------------------------------------------------------------------


def test_bundled_themes_are_found():
    directory = bundled_themes_dir()
    assert directory is not None
    assert {e.name for e in directory.iterdir() if e.name.endswith(".toml")} >= {f"{n}.toml" for n in BUNDLED}


def test_every_bundled_theme_loads_without_problems():
    themes, problems = load_themes(None)
    assert problems == []
    assert _names(themes) == BUNDLED
    assert DEFAULT_THEME in _names(themes)
    assert NO_COLOR_THEME in _names(themes)


async def test_every_bundled_theme_registers_and_applies_in_an_app():
    themes, _ = load_themes(None)
    app = _Mini()
    async with app.run_test() as pilot:
        for theme in themes:
            app.register_theme(theme)
        for theme in themes:
            app.theme = theme.name
            await pilot.pause()
            assert app.theme == theme.name
            assert app.current_theme.dark == theme.dark
            assert app.get_css_variables()["primary"]


# --- user themes -----------------------------------------------------------------------------------------------------


def test_a_user_theme_is_added(tmp_path):
    _write(tmp_path, "mine.toml", VALID + 'secondary = "rgb(10, 20, 30)"\ndark = false\n')
    themes, problems = load_themes(tmp_path)
    assert problems == []
    assert _names(themes) == BUNDLED | {"mine"}
    mine = next(t for t in themes if t.name == "mine")
    assert mine.primary == "#336699"
    assert mine.secondary == "rgb(10, 20, 30)"
    assert mine.dark is False


def test_a_user_theme_overrides_a_bundled_one(tmp_path):
    _write(tmp_path, "anything.toml", 'name = "followtui-dark"\nprimary = "#FF0000"\n')
    themes, problems = load_themes(tmp_path)
    assert problems == []
    dark = [t for t in themes if t.name == "followtui-dark"]
    assert len(dark) == 1
    assert dark[0].primary == "#FF0000"


def test_variables_metadata_and_tuning_keys_are_accepted(tmp_path):
    _write(
        tmp_path,
        "full.toml",
        VALID
        + 'author = "me"\ndescription = "mine"\nluminosity_spread = 0.2\ntext_alpha = 1\n'
        + '[variables]\n"block-cursor-text-style" = "bold"\n"footer-key-foreground" = "#ffcc00"\n'
        + '"text-muted" = "auto 60%"\n',
    )
    themes, problems = load_themes(tmp_path)
    assert problems == []
    full = next(t for t in themes if t.name == "mine")
    assert full.variables["footer-key-foreground"] == "#ffcc00"
    assert full.luminosity_spread == 0.2


def test_missing_or_empty_user_dir_is_fine(tmp_path):
    themes, problems = load_themes(tmp_path / "nope")
    assert problems == []
    assert _names(themes) == BUNDLED
    _write(tmp_path, "notes.txt", "not a theme")
    _write(tmp_path, ".#mine.toml", "an editor's lock file")
    assert load_themes(tmp_path)[1] == []


# --- broken files ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('name = "x"\nprimary = \n', ["line 2"]),
        ('primary = "#336699"\n', ["name", "missing"]),
        ('name = "x"\n', ["primary", "missing"]),
        ('name = "has space"\nprimary = "#336699"\n', ["name"]),
        ('name = "[b]x"\nprimary = "#336699"\n', ["name"]),
        ('name = 3\nprimary = "#336699"\n', ["name"]),
        ('name = "x"\nprimary = "#336699"\naccent = "#12345"\n', ["line 3", "accent", "#12345"]),
        ('name = "x"\nprimary = "not-a-colour"\n', ["line 2", "primary"]),
        ('name = "x"\nprimary = 0x336699\n', ["line 2", "primary", "colour"]),
        ('name = "x"\nprimary = "#336699"\ndark = "yes"\n', ["line 3", "dark"]),
        ('name = "x"\nprimary = "#336699"\ncolour = "red"\n', ["line 3", "unknown key", "'colour'"]),
        ('name = "x"\nprimary = "#336699"\nansi = true\n', ["unknown key", "'ansi'"]),
        ('name = "x"\nprimary = "#336699"\ntext_alpha = 3\n', ["text_alpha"]),
        ('name = "x"\nprimary = "#336699"\nvariables = "red"\n', ["variables"]),
        ('name = "x"\nprimary = "#336699"\n[variables]\n"no-such-variable" = "red"\n', ["unknown variable"]),
        ('name = "x"\nprimary = "#336699"\n[variables]\n"footer-key-foreground" = "nonsense"\n', ["footer-key"]),
        ('name = "x"\nprimary = "#336699"\n[variables]\n"footer-key-foreground" = "red; } * { x"\n', ["footer-key"]),
        ('name = "x"\nprimary = "#336699"\n[variables]\n"block-cursor-text-style" = "blink2"\n', ["text-style"]),
        ('name = "x"\nprimary = "#336699"\n[variables]\n"footer-key-foreground" = "$primary"\n', ["footer-key"]),
    ],
)
def test_a_broken_theme_file_is_reported_by_name_and_skipped(tmp_path, text, needles):
    path = _write(tmp_path, "broken.toml", text)
    themes, problems = load_themes(tmp_path)
    assert _names(themes) == BUNDLED
    (problem,) = problems
    assert problem.startswith(f"theme file {path}: ")
    assert problem.endswith("(file skipped)")
    for needle in needles:
        assert needle in problem


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    _write(tmp_path, "a-broken.toml", "name = \n")
    _write(tmp_path, "b-good.toml", VALID)
    themes, problems = load_themes(tmp_path)
    assert "mine" in _names(themes)
    assert len(problems) == 1
    assert "a-broken.toml" in problems[0]


def test_a_broken_override_keeps_the_bundled_theme(tmp_path):
    _write(tmp_path, "dark.toml", 'name = "followtui-dark"\nprimary = "nope"\n')
    themes, problems = load_themes(tmp_path)
    assert next(t for t in themes if t.name == "followtui-dark").primary == "#5EA1FF"
    assert len(problems) == 1


def test_two_user_files_with_one_name_keep_the_first(tmp_path):
    _write(tmp_path, "a.toml", VALID)
    _write(tmp_path, "b.toml", 'name = "mine"\nprimary = "#000000"\n')
    themes, problems = load_themes(tmp_path)
    assert next(t for t in themes if t.name == "mine").primary == "#336699"
    (problem,) = problems
    assert "b.toml" in problem and "a.toml" in problem


def test_non_utf8_and_huge_files_are_reported(tmp_path):
    _write(tmp_path, "x.toml", "").write_bytes(b'name = "\xff"\n')
    _write(tmp_path, "y.toml", VALID + "# " + "x" * 70_000 + "\n")
    themes, problems = load_themes(tmp_path)
    assert _names(themes) == BUNDLED
    assert len(problems) == 2
    assert "UTF-8" in problems[0] and "KiB" in problems[1]


def test_hostile_text_in_a_theme_file_is_quoted_harmlessly(tmp_path):
    _write(tmp_path, "evil.toml", 'name = "x"\nprimary = "#336699"\n"\\u001b]0;pwned\\u0007" = 1\n')
    _write(tmp_path, "\x1b[2Jnamed.toml", "name = \n")
    problems = load_themes(tmp_path)[1]
    assert len(problems) == 2
    for problem in problems:
        assert "\x1b" not in problem and "\x07" not in problem


# --- which theme to start with ---------------------------------------------------------------------------------------


def test_pick_theme():
    available = BUNDLED | set(BUILTIN_THEMES)
    assert pick_theme("nord", available) == ("nord", None)
    assert pick_theme(None, available) == (DEFAULT_THEME, None)
    chosen, problem = pick_theme("nope", available)
    assert chosen == DEFAULT_THEME
    assert problem is not None and "'nope'" in problem and DEFAULT_THEME in problem


def test_pick_theme_without_the_bundled_themes_falls_back_to_textual():
    chosen, problem = pick_theme("nope", set(BUILTIN_THEMES))
    assert chosen == "textual-dark"
    assert problem is not None


@pytest.fixture
def settings(tmp_path) -> Settings:
    (tmp_path / "config.toml").write_text('theme = "followtui-light"\n', encoding="utf-8")
    return load_settings(tmp_path)


AVAILABLE = BUNDLED | {"nord", "textual-dark"}


@pytest.mark.parametrize(
    ("cli", "saved", "env", "expected"),
    [
        ("nord", {"theme": "followtui-high-contrast"}, {"NO_COLOR": "1"}, "nord"),  # --theme beats everything
        (None, {"theme": "followtui-high-contrast"}, {"NO_COLOR": "1"}, "followtui-high-contrast"),  # then the UI
        (None, {}, {"NO_COLOR": "1"}, "followtui-light"),  # then config.toml
        (None, {"theme": 42}, {}, "followtui-light"),  # a saved value of the wrong type is ignored
    ],
)
def test_initial_theme_precedence(settings, cli, saved, env, expected):
    assert initial_theme(cli, settings, saved, env, AVAILABLE) == (expected, [])


def test_no_color_prefers_mono_when_nothing_was_chosen(tmp_path):
    plain = load_settings(tmp_path)
    assert initial_theme(None, plain, {}, {"NO_COLOR": "1"}, AVAILABLE) == (NO_COLOR_THEME, [])
    assert initial_theme(None, plain, {}, {"NO_COLOR": ""}, AVAILABLE) == (DEFAULT_THEME, [])
    assert initial_theme(None, plain, {}, {}, AVAILABLE) == (DEFAULT_THEME, [])
    assert initial_theme(None, plain, {}, {}) == (DEFAULT_THEME, [])


def test_an_unknown_choice_falls_through_to_the_next_with_a_problem(settings):
    chosen, problems = initial_theme("nope", settings, {"theme": "gone"}, {}, AVAILABLE)
    assert chosen == "followtui-light"
    assert len(problems) == 2
    assert "--theme" in problems[0] and "'nope'" in problems[0]
    assert "'gone'" in problems[1]


def test_nothing_usable_ends_at_the_default(tmp_path):
    (tmp_path / "config.toml").write_text('theme = "missing"\n', encoding="utf-8")
    chosen, problems = initial_theme(None, load_settings(tmp_path), {}, {}, AVAILABLE)
    assert chosen == DEFAULT_THEME
    assert len(problems) == 1 and "config.toml" in problems[0]


def test_without_the_available_set_the_first_choice_wins_unchecked(settings):
    assert initial_theme("anything", settings, {}, {}) == ("anything", [])
