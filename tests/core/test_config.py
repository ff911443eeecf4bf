"""config.toml is read once into Settings; nothing in it can stop the app, and every mistake is reported."""

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from followtui.core import config
from followtui.core.config import (
    DEFAULT_CONFIG_TEXT,
    DEFAULT_PRESET_TAGS,
    Settings,
    data_dir_is_explicit,
    load_settings,
    load_ui_state,
    resolve_config_dir,
    save_ui_state,
    write_default_config,
)


def _settings(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- defaults and every key ------------------------------------------------------------------------------------------


def test_no_config_file_means_defaults_and_no_problems(tmp_path):
    settings = load_settings(tmp_path)
    assert settings == Settings(config_dir=tmp_path)
    assert settings.theme is None
    assert settings.keymap == {}
    assert settings.preset_tags == DEFAULT_PRESET_TAGS
    assert 1 <= len(settings.preset_tags) <= 9
    assert settings.hydrate_budget is None  # auto: sized by the platform
    assert settings.themes_dir == tmp_path / "themes"
    assert settings.problems == ()


def test_every_key_is_read(tmp_path):
    settings = _settings(
        tmp_path,
        """
theme = "followtui-light"
[keys]
"app.quit" = "q, ctrl+q"
"pane.next" = "tab"
[tags]
presets = ["close friend", "work"]
[sync]
hydrate_budget = 250
""",
    )
    assert settings.problems == ()
    assert settings.theme == "followtui-light"
    assert settings.keymap == {"app.quit": "q,ctrl+q", "pane.next": "tab"}
    assert settings.preset_tags == ("close friend", "work")
    assert settings.hydrate_budget == 250


def test_settings_are_frozen(tmp_path):
    settings = load_settings(tmp_path)
    with pytest.raises(AttributeError):
        settings.theme = "x"  # type: ignore[misc]


def test_an_empty_preset_list_means_no_presets(tmp_path):
    settings = _settings(tmp_path, "[tags]\npresets = []\n")
    assert settings.preset_tags == ()
    assert settings.problems == ()


def test_a_zero_hydrate_budget_is_allowed(tmp_path):
    assert _settings(tmp_path, "[sync]\nhydrate_budget = 0\n").hydrate_budget == 0


# --- broken files ----------------------------------------------------------------------------------------------------


def test_bad_toml_names_the_file_and_line_and_falls_back_to_defaults(tmp_path):
    settings = _settings(tmp_path, 'theme = "followtui-light"\n[keys]\n"app.quit" = \n')
    assert settings.theme is None
    assert settings.preset_tags == DEFAULT_PRESET_TAGS
    (problem,) = settings.problems
    assert str(tmp_path / "config.toml") in problem
    assert "line 3" in problem
    assert "column" in problem


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path):
    (tmp_path / "config.toml").write_bytes(b'theme = "\xff\xfe"\n')
    settings = load_settings(tmp_path)
    assert settings.theme is None
    assert len(settings.problems) == 1
    assert "UTF-8" in settings.problems[0]


def test_an_unreadable_config_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "config.toml").mkdir()  # reading a directory fails on every platform
    settings = load_settings(tmp_path)
    assert settings.preset_tags == DEFAULT_PRESET_TAGS
    assert len(settings.problems) == 1
    assert "config.toml" in settings.problems[0]


@pytest.mark.parametrize(
    ("text", "field", "needle"),
    [
        ("theme = 3\n", "theme", "theme"),
        ('theme = ""\n', "theme", "empty"),
        ('keys = "q"\n', "keymap", "[keys]"),
        ('[keys]\n"app.quit" = 1\n', "keymap", "app.quit"),
        ('[keys]\n"app.quit" = ["q"]\n', "keymap", "app.quit"),
        ('[keys]\n"app.quit" = "q,,x"\n', "keymap", "app.quit"),
        ('[keys]\n"app.quit" = "ctrl q"\n', "keymap", "app.quit"),
        ('[keys]\n"not an id!" = "q"\n', "keymap", "binding id"),
        ('tags = ["a"]\n', "preset_tags", "[tags]"),
        ('[tags]\npresets = "friend"\n', "preset_tags", "presets"),
        ('[sync]\nhydrate_budget = "lots"\n', "hydrate_budget", "hydrate_budget"),
        ("[sync]\nhydrate_budget = true\n", "hydrate_budget", "hydrate_budget"),
        ("[sync]\nhydrate_budget = 1.5\n", "hydrate_budget", "hydrate_budget"),
        ("[sync]\nhydrate_budget = -1\n", "hydrate_budget", "between"),
        ("[sync]\nhydrate_budget = 100000000\n", "hydrate_budget", "between"),
    ],
)
def test_wrong_types_fall_back_to_the_default_with_a_problem(tmp_path, text, field, needle):
    settings = _settings(tmp_path, text)
    assert getattr(settings, field) == getattr(Settings(config_dir=tmp_path), field)
    (problem,) = settings.problems
    assert needle in problem
    assert str(tmp_path / "config.toml") in problem


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("colour = 'red'\n", "'colour'"),
        ("[tags]\npreset = ['a']\n", "'preset'"),
        ("[sync]\nbudget = 3\n", "'budget'"),
    ],
)
def test_unknown_keys_are_reported(tmp_path, text, needle):
    settings = _settings(tmp_path, text)
    (problem,) = settings.problems
    assert needle in problem
    assert "unknown" in problem


def test_one_broken_value_keeps_the_good_ones(tmp_path):
    settings = _settings(
        tmp_path, 'theme = "nord"\n[keys]\n"app.quit" = 7\n"app.help" = "f1"\n[sync]\nhydrate_budget = 5\n'
    )
    assert settings.theme == "nord"
    assert settings.keymap == {"app.help": "f1"}
    assert settings.hydrate_budget == 5
    assert len(settings.problems) == 1


def test_an_unknown_key_with_an_escape_sequence_is_quoted_harmlessly(tmp_path):
    settings = _settings(tmp_path, '"\\u001b[2J\\u202e" = 1\n')
    (problem,) = settings.problems
    assert "\x1b" not in problem
    assert "\u202e" not in problem
    assert "\\x1b" in problem


# --- preset tags -----------------------------------------------------------------------------------------------------


def test_more_than_nine_presets_keeps_the_first_nine(tmp_path):
    tags = [f"t{i}" for i in range(1, 12)]
    settings = _settings(tmp_path, f"[tags]\npresets = {json.dumps(tags)}\n")
    assert settings.preset_tags == tuple(tags[:9])
    (problem,) = settings.problems
    assert "at most 9" in problem
    assert "'t10'" in problem and "'t11'" in problem


def test_duplicate_presets_are_dropped(tmp_path):
    settings = _settings(tmp_path, '[tags]\npresets = ["work", "friend", "work", " friend "]\n')
    assert settings.preset_tags == ("work", "friend")
    assert len(settings.problems) == 2
    assert all("twice" in p for p in settings.problems)


def test_empty_and_non_string_presets_are_skipped(tmp_path):
    settings = _settings(tmp_path, '[tags]\npresets = ["", "  ", 3, "ok", "\\u0007"]\n')
    assert settings.preset_tags == ("ok",)
    assert len(settings.problems) == 4
    assert any("item 3" in p and "string" in p for p in settings.problems)


def test_hostile_presets_lose_escape_sequences_and_keep_markup_as_plain_text(tmp_path):
    text = '[tags]\npresets = ["\\u001b[31mred\\u001b[0m", "[bold]loud[/bold]", "bi\\u202edi", "x\\ny"]\n'
    settings = _settings(tmp_path, text)
    assert settings.problems == ()
    # Markup is not parsed anywhere in the UI, so it stays as the literal text the user typed.
    assert settings.preset_tags == ("red", "[bold]loud[/bold]", "bidi", "x y")
    for tag in settings.preset_tags:
        assert tag.isprintable()


def test_very_long_presets_are_bounded(tmp_path):
    settings = _settings(tmp_path, f'[tags]\npresets = ["{"x" * 500}"]\n')
    (tag,) = settings.preset_tags
    assert len(tag) <= config.MAX_TAG


# --- where the config lives ------------------------------------------------------------------------------------------


def test_env_var_overrides_the_config_dir(tmp_path):
    env = {"FOLLOWTUI_CONFIG_DIR": str(tmp_path / "cfg")}
    assert resolve_config_dir(tmp_path / "data", True, env=env) == tmp_path / "cfg"
    assert resolve_config_dir(tmp_path / "data", False, env=env) == tmp_path / "cfg"


def test_env_var_override_reads_os_environ_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    assert resolve_config_dir(tmp_path / "data", False) == tmp_path / "cfg"


def test_an_explicit_data_dir_holds_the_config_too(tmp_path):
    assert resolve_config_dir(tmp_path / "data", True, env={}) == tmp_path / "data"


def test_otherwise_the_platform_config_dir(tmp_path):
    from platformdirs import user_config_dir

    expected = Path(user_config_dir("followtui", appauthor=False))
    assert resolve_config_dir(tmp_path / "data", False, env={}) == expected
    assert resolve_config_dir(tmp_path / "data", False, env={"FOLLOWTUI_CONFIG_DIR": ""}) == expected


def test_data_dir_is_explicit():
    assert data_dir_is_explicit("some/dir", env={})
    assert data_dir_is_explicit(None, env={"FOLLOWTUI_DATA_DIR": "x"})
    assert not data_dir_is_explicit(None, env={})


# --- ui state --------------------------------------------------------------------------------------------------------


def test_ui_state_round_trip_is_private(tmp_path):
    data_dir = tmp_path / "data"
    assert load_ui_state(data_dir) == {}
    assert save_ui_state(data_dir, theme="followtui-light") is None
    assert save_ui_state(data_dir, pane="fans") is None
    assert load_ui_state(data_dir) == {"theme": "followtui-light", "pane": "fans"}
    assert _mode(data_dir / "ui-state.json") == 0o600
    assert save_ui_state(data_dir, pane=None) is None
    assert load_ui_state(data_dir) == {"theme": "followtui-light"}


def test_a_corrupt_ui_state_is_ignored_and_reported(tmp_path):
    (tmp_path / "ui-state.json").write_text("{not json", encoding="utf-8")
    problems: list[str] = []
    assert load_ui_state(tmp_path, problems) == {}
    (problem,) = problems
    assert "ui-state.json" in problem
    assert load_ui_state(tmp_path) == {}  # without a list to report into, still no exception
    assert save_ui_state(tmp_path, theme="nord") is None  # and the next choice replaces it
    assert load_ui_state(tmp_path) == {"theme": "nord"}


def test_a_ui_state_that_is_not_an_object_is_ignored(tmp_path):
    (tmp_path / "ui-state.json").write_text("[1, 2]", encoding="utf-8")
    problems: list[str] = []
    assert load_ui_state(tmp_path, problems) == {}
    assert len(problems) == 1


def test_a_failed_ui_state_save_is_a_message_not_a_crash(tmp_path):
    data_dir = tmp_path / "not-a-dir"
    data_dir.write_text("a file where the data dir should be", encoding="utf-8")
    problem = save_ui_state(data_dir, theme="nord")
    assert problem is not None
    assert "not-a-dir" in problem


# --- the default config ----------------------------------------------------------------------------------------------


def test_default_config_is_written_once_and_never_overwritten(tmp_path):
    config_dir = tmp_path / "cfg"
    assert write_default_config(config_dir) is True
    path = config_dir / "config.toml"
    assert path.read_text(encoding="utf-8") == DEFAULT_CONFIG_TEXT
    assert _mode(path) == 0o600
    path.write_text('theme = "nord"\n', encoding="utf-8")
    assert write_default_config(config_dir) is False
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n'


def test_the_default_config_text_means_the_defaults(tmp_path):
    write_default_config(tmp_path)
    assert load_settings(tmp_path) == Settings(config_dir=tmp_path)


def test_the_default_config_documents_every_option():
    for option in ("theme", "[keys]", "[tags]", "presets", "[sync]", "hydrate_budget", "themes"):
        assert option in DEFAULT_CONFIG_TEXT


def test_uncommenting_the_default_config_gives_valid_settings(tmp_path):
    setting = re.compile(r'# ("[^"]+"|\w+) = ')
    uncommented = "\n".join(line[2:] if setting.match(line) else line for line in DEFAULT_CONFIG_TEXT.splitlines())
    settings = _settings(tmp_path, uncommented)
    assert settings.problems == ()
    assert settings.theme == "followtui-dark"
    assert settings.keymap == {"app.quit": "q,ctrl+q"}
    assert settings.preset_tags == DEFAULT_PRESET_TAGS


# --- layering --------------------------------------------------------------------------------------------------------


def test_importing_config_does_not_import_textual():
    code = "import followtui.core.config, sys; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not {m for m in out.split() if m.split(".")[0] == "textual"}
