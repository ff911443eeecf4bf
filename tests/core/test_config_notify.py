"""[notify] in config.toml: Apprise URLs and what is worth a message; every mistake reported, no URL shown whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from followtui.core.config import DEFAULT_CONFIG_TEXT, Settings, load_settings
from followtui.core.notify import DEFAULT_NOTIFY_ON, NOTIFY_KINDS, NotifySettings

SECRET = "pa55word"


def _settings(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path)


def test_no_notify_table_means_no_urls_and_the_default_kinds(tmp_path):
    settings = _settings(tmp_path, 'theme = "nord"\n')
    assert settings.notify == NotifySettings()
    assert settings.notify.urls == ()
    assert settings.notify.on == DEFAULT_NOTIFY_ON == {"unfollowed_you", "gone", "trickster"}


def test_urls_and_on_are_read(tmp_path):
    settings = _settings(
        tmp_path,
        '[notify]\nurls = ["ntfy://my-topic", " mailto://user:pass@example.org "]\non = ["followed_you", "Gone"]\n',
    )
    assert settings.problems == ()
    assert settings.notify.urls == ("ntfy://my-topic", "mailto://user:pass@example.org")
    assert settings.notify.on == {"followed_you", "gone"}


def test_urls_without_on_use_the_default_kinds(tmp_path):
    settings = _settings(tmp_path, '[notify]\nurls = ["ntfy://my-topic"]\n')
    assert settings.notify.on == DEFAULT_NOTIFY_ON
    assert settings.problems == ()


def test_an_empty_on_list_means_no_messages(tmp_path):
    settings = _settings(tmp_path, '[notify]\nurls = ["ntfy://my-topic"]\non = []\n')
    assert settings.notify.on == frozenset()
    assert settings.problems == ()


def test_every_kind_is_accepted(tmp_path):
    kinds = ", ".join(f'"{k}"' for k in NOTIFY_KINDS)
    settings = _settings(tmp_path, f"[notify]\non = [{kinds}]\n")
    assert settings.notify.on == set(NOTIFY_KINDS)
    assert set(NOTIFY_KINDS) >= {"followed_you", "unfollowed_you", "gone", "renamed", "trickster", "requested"}


def test_an_unknown_kind_is_reported_and_the_others_kept(tmp_path):
    settings = _settings(tmp_path, '[notify]\non = ["gone", "unfollowed", 3]\n')
    assert settings.notify.on == {"gone"}
    unknown, wrong_type = settings.problems
    assert "[notify] on item 2" in unknown and "'unfollowed'" in unknown and "trickster" in unknown
    assert "[notify] on item 3" in wrong_type and "a number" in wrong_type


def test_an_on_list_of_nothing_known_falls_back_to_the_default(tmp_path):
    settings = _settings(tmp_path, '[notify]\non = ["everything"]\n')
    assert settings.notify.on == DEFAULT_NOTIFY_ON
    assert any("using the default" in p for p in settings.problems)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f'[notify]\nurls = "ntfy://{SECRET}"\n', "[notify] urls"),
        ('[notify]\non = "gone"\n', "[notify] on"),
        (f'notify = "ntfy://{SECRET}"\n', "[notify]"),
        ('[notify]\nurl = ["ntfy://x"]\n', "'url'"),
    ],
)
def test_wrong_types_and_keys_are_reported_without_the_value(tmp_path, text, needle):
    settings = _settings(tmp_path, text)
    assert settings.notify == NotifySettings()
    (problem,) = settings.problems
    assert needle in problem
    assert str(tmp_path / "config.toml") in problem
    assert SECRET not in problem


def test_bad_url_items_are_skipped_and_reported_masked(tmp_path):
    settings = _settings(
        tmp_path,
        "[notify]\nurls = [\n"
        f'  "mailto://me:{SECRET}@example.org",\n'
        "  7,\n"
        '  "  ",\n'
        f'  "{SECRET}-no-scheme",\n'
        f'  "mailto://me:{SECRET}@example.org",\n'
        f'  "ntfy://{SECRET}\\u0007",\n'
        "]\n",
    )
    assert settings.notify.urls == (f"mailto://me:{SECRET}@example.org",)
    assert len(settings.problems) == 5
    number, empty, no_scheme, twice, control = settings.problems
    assert "item 2" in number and "a number" in number
    assert "item 3" in empty and "empty" in empty
    assert "item 4" in no_scheme and "not an Apprise URL" in no_scheme
    assert "item 5" in twice and "'mailto://…@example.org' is listed twice" in twice
    assert "item 6" in control
    for problem in settings.problems:
        assert SECRET not in problem
        assert "a55w" not in problem


def test_the_default_config_documents_notify_and_uncommenting_it_works(tmp_path):
    assert "[notify]" in DEFAULT_CONFIG_TEXT
    assert "trickster" in DEFAULT_CONFIG_TEXT
    setting = re.compile(r'# ("[^"]+"|\w+) = ')
    uncommented = "\n".join(line[2:] if setting.match(line) else line for line in DEFAULT_CONFIG_TEXT.splitlines())
    settings = _settings(tmp_path, uncommented)
    assert settings.problems == ()
    assert settings.notify.urls == ("ntfy://my-topic", "mailto://user:pass@example.org")
    assert settings.notify.on == DEFAULT_NOTIFY_ON
