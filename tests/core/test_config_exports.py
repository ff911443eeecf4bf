"""[exports] dir in config.toml: parsed like the other tables, problems reported, the default in the data dir."""

from __future__ import annotations

from pathlib import Path

from followtui.core.config import DEFAULT_CONFIG_TEXT, exports_dir_for, load_settings


def settings_from(tmp_path: Path, text: str):
    (tmp_path / "config.toml").write_text(text)
    return load_settings(tmp_path)


def test_default_is_the_data_dirs_exports_folder(tmp_path):
    settings = settings_from(tmp_path, DEFAULT_CONFIG_TEXT)
    assert settings.problems == () and settings.exports_dir is None
    assert exports_dir_for(settings, tmp_path / "data") == tmp_path / "data" / "exports"


def test_absolute_home_and_relative_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings_from(tmp_path, '[exports]\ndir = "/srv/x"\n').exports_dir == Path("/srv/x")
    assert settings_from(tmp_path, '[exports]\ndir = "~/dl"\n').exports_dir == tmp_path / "home" / "dl"
    assert settings_from(tmp_path, '[exports]\ndir = "out"\n').exports_dir == tmp_path / "out"


def test_bad_values_are_reported_and_fall_back(tmp_path):
    for text, words in [
        ("[exports]\ndir = 3\n", "should be a folder path"),
        ('[exports]\ndir = " "\n', "not a folder"),
        ('[exports]\nfolder = "x"\n', "unknown setting"),
        ('exports = "x"\n', "should be a table"),
    ]:
        settings = settings_from(tmp_path, text)
        assert settings.exports_dir is None
        assert len(settings.problems) == 1 and words in settings.problems[0], settings.problems
