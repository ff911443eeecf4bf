"""policy.toml: written with commented defaults once, read into a Policy, every mistake reported by file and key."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from followtui.core.policy import POLICY_FILE, Action, Policy, load_policy, render_policy, write_default_policy
from followtui.core.policy.config import policy_from_data
from followtui.core.policy.settings import DEFAULT_BLOCKED, SECTIONS, settable
from followtui.core.policy.toml_text import DEFAULT_POLICY_TEXT


def rules_of(policy: Policy) -> dict[str, object]:
    return {name: getattr(policy, name) for name in SECTIONS}


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / POLICY_FILE
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_no_file_means_defaults(tmp_path):
    policy = load_policy(tmp_path, write_default=False)
    assert rules_of(policy) == rules_of(Policy()) and policy.source is None and not policy.problems
    assert not (tmp_path / POLICY_FILE).exists()


def test_first_use_writes_the_commented_defaults_and_never_overwrites(tmp_path):
    policy = load_policy(tmp_path / "cfg")
    path = tmp_path / "cfg" / POLICY_FILE
    assert path.read_text() == DEFAULT_POLICY_TEXT and policy.source == path
    assert rules_of(policy) == rules_of(Policy()) and not policy.problems and not policy.from_file
    assert (path.stat().st_mode & 0o777) == 0o600
    path.write_text("[bio]\npoints = -5\n")
    assert write_default_policy(tmp_path / "cfg") is False
    assert load_policy(tmp_path / "cfg").bio.points == -5
    assert path.read_text() == "[bio]\npoints = -5\n"


def test_a_read_only_config_dir_is_not_an_error(tmp_path):
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert rules_of(load_policy(locked)) == rules_of(Policy())
    finally:
        locked.chmod(0o700)


def uncommented(text: str) -> str:
    """The default file with every setting switched on: the commented lines inside the tables, uncommented."""
    out, in_tables = [], False
    for line in text.splitlines():
        in_tables = in_tables or line.startswith("[")
        out.append(line[1:].strip() if in_tables and line.startswith("#") else line)
    return "\n".join(out)


def test_the_default_file_documents_every_setting_with_its_default_value(tmp_path):
    policy = policy_from_data(tomllib.loads(uncommented(DEFAULT_POLICY_TEXT)), tmp_path / POLICY_FILE)
    assert not policy.problems
    assert rules_of(policy) == rules_of(Policy())
    every_key = {f"{name}.{f.name}" for name, section in SECTIONS.items() for f in settable(section)}
    assert policy.from_file == every_key
    assert "score   = the sum of every reason's points" in DEFAULT_POLICY_TEXT


def test_values_from_the_file_are_used(tmp_path):
    write(tmp_path, """
[verdict]
follow_back_at = 4
[inactive]
review_days = 30
skip_days = 0
[interests]
keywords = ["Rust", "café", "東京"]
[script]
allow = ["Latin", "cyrillic"]
[private]
action = "skip"
[ratio]
healthy_min = 1
""")  # fmt: skip
    policy = load_policy(tmp_path)
    assert not policy.problems, policy.problems
    assert policy.verdict.follow_back_at == 4 and policy.inactive.review_days == 30 and policy.inactive.skip_days == 0
    assert policy.interests.keywords == ("Rust", "café", "東京") and policy.interests.matcher
    assert policy.script.scripts == {"Latin", "Cyrillic"}
    assert policy.private.action is Action.SKIP
    assert policy.ratio.healthy_min == 1.0 and isinstance(policy.ratio.healthy_min, float)
    assert policy.blocked.phrases == DEFAULT_BLOCKED  # untouched tables keep their defaults
    assert "interests.keywords" in policy.from_file and "bio.points" not in policy.from_file


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("[inactive]\nreview_days = 'soon'\n", "[inactive] review_days", "should be a whole number from 1 to 36500"),
        ("[inactive]\nreview_days = 0\n", "[inactive] review_days", "found 0; using the default 90"),
        ("[inactive]\nreview_days = 1.5\n", "[inactive] review_days", "whole number"),
        ("[bio]\nenabled = 'yes'\n", "[bio] enabled", "should be true or false"),
        ("[bio]\naction = 'ban'\n", "[bio] action", 'should be one of "skip", "review", "score"'),
        ("[ratio]\nelite_ratio = 2\n", "[ratio] elite_ratio", "should be a number from 0 to 1"),
        ("[ratio]\nhealthy_min = true\n", "[ratio] healthy_min", "should be a number"),
        ("[bio]\nrequired = true\n", "[bio] 'required'", "unknown setting, ignored (known: enabled, action"),
        ("[bios]\npoints = 1\n", "'bios'", "unknown table, ignored (known: verdict, trickster"),
        ("bio = 3\n", "[bio]", "should be a table, found a number"),
        ("[blocked]\nphrases = 'f4f'\n", "[blocked] phrases", "should be a list of strings"),
        ("[blocked]\nphrases = ['f4f', 4]\n", "[blocked] phrases", "item 2 should be a string"),
        ("[blocked]\nphrases = ['f4f', ' ']\n", "[blocked] phrases", "item 2 is empty"),
        ("[blocked]\nphrases = ['F4F', 'f4f']\n", "[blocked] phrases", "item 2 'f4f' is listed twice"),
        ("[script]\nallow = ['Latin', 'Klingon']\n", "[script] allow", "unknown script 'Klingon', ignored"),
        ("[verdict]\nskip_at = 5\n", "[verdict] skip_at", "5 should be below follow_back_at (1); using the defaults"),
        ("[inactive]\nskip_days = 30\n", "[inactive] skip_days", "should be 0 (off) or more than review_days (90)"),
        ("[ratio]\nhealthy_min = 2.0\n", "[ratio] healthy_min", "should not be above healthy_max (1.25)"),
    ],
)
def test_every_mistake_names_the_file_and_key_and_keeps_the_default(tmp_path, text, where, what):
    path = write(tmp_path, text + "\n[posts]\nmin = 7\n")
    policy = load_policy(tmp_path)
    assert len(policy.problems) == 1, policy.problems
    problem = policy.problems[0]
    assert problem.startswith(f"policy file {path}: {where}: "), problem
    assert what in problem, problem
    assert policy.posts.min == 7  # the rest of the file still counts
    section = where.strip("[").split("]")[0].strip("'")
    if section in SECTIONS:
        changed = {f.name for f in settable(SECTIONS[section]) if f"{section}.{f.name}" in policy.from_file}
        default = SECTIONS[section]()
        for f in settable(SECTIONS[section]):
            if f.name not in changed and f.name != "allow":
                assert getattr(getattr(policy, section), f.name) == getattr(default, f.name)


def test_unknown_scripts_are_dropped_and_known_ones_kept(tmp_path):
    write(tmp_path, "[script]\nallow = ['Latin', 'Klingon']\n")
    assert load_policy(tmp_path).script.allow == ("Latin",)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"[bio\npoints = 1\n", "line 1, column 5"),
        (b"[bio]\npoints = \xff\n", "not UTF-8 text (byte 15)"),
    ],
)
def test_a_broken_file_means_all_defaults_and_one_problem(tmp_path, content, what):
    path = write(tmp_path, content)
    policy = load_policy(tmp_path)
    assert rules_of(policy) == rules_of(Policy())
    assert len(policy.problems) == 1 and policy.problems[0].startswith(f"policy file {path}: ")
    assert what in policy.problems[0] and policy.problems[0].endswith("using the defaults")


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / POLICY_FILE).mkdir()
    policy = load_policy(tmp_path)
    assert rules_of(policy) == rules_of(Policy()) and "cannot read it" in policy.problems[0]


def test_hostile_text_in_lists_is_cleaned(tmp_path):
    write(tmp_path, '[interests]\nkeywords = ["\\u001b[31mrust", "' + "x" * 300 + '"]\n')
    policy = load_policy(tmp_path)
    assert policy.interests.keywords == ("rust",)
    assert policy.problems == (
        f"policy file {tmp_path / POLICY_FILE}: [interests] keywords: item 2 is longer than 100 characters; skipped",
    )


def test_the_rendered_policy_reads_back_as_the_same_policy(tmp_path):
    path = write(tmp_path, "[interests]\nkeywords = ['Rust', 'say \"hi\"', '東京']\n[ratio]\nfarmer_ratio = 7\n")
    policy = load_policy(tmp_path)
    text = render_policy(policy)
    assert f"# Read from {path}; values set there are marked" in text
    assert 'keywords = ["Rust", "say \\"hi\\"", "東京"]  # set in the file' in text
    assert "farmer_ratio = 7.0  # set in the file" in text and "farmer_points = -3\n" in text
    again = policy_from_data(tomllib.loads(text), path)
    assert rules_of(again) == rules_of(policy) and not again.problems
    assert "No policy file was read" in render_policy(Policy())
