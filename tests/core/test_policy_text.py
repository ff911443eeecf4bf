"""Matching keywords and phrases across case, diacritics, width and scripts, and telling a bio's script."""

from __future__ import annotations

import pytest

from followtui.core.policy.text import (
    KNOWN_SCRIPTS,
    PhraseMatcher,
    fold,
    resolve_scripts,
    script_counts,
    script_of,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Rust", "rust"),
        ("Café", "cafe"),
        ("CAFÉ", "cafe"),
        ("İstanbul", "istanbul"),  # Turkish dotted capital I: casefold gives i + a dot mark, dropped
        ("Straße", "strasse"),
        ("Ｒｕｓｔ", "rust"),  # fullwidth
        ("𝐟𝐨𝐥𝐥𝐨𝐰", "follow"),  # mathematical bold
        ("Zoë Ñandú", "zoe nandu"),
        ("☕️", "☕"),  # the emoji variation selector is a nonspacing mark
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_keeps_dotless_i_and_letters_of_other_scripts():
    assert fold("ışık") == "ısık"  # Turkish dotless ı is its own letter (ş loses its cedilla)
    assert fold("Москва") == "москва"
    assert fold("東京") == "東京"


def found(phrases, text):
    return [name for name, _ in PhraseMatcher(phrases).find(fold(text))]


@pytest.mark.parametrize(
    ("phrases", "text", "expected"),
    [
        (["Rust"], "I love rust!", ["Rust"]),
        (["Rust"], "I trust you", []),
        (["Rust"], "rustacean", []),
        (["Rust"], "rust-lang, #rust", ["Rust"]),
        (["cafe"], "Café au lait", ["cafe"]),
        (["Café"], "cafe society", ["Café"]),
        (["istanbul"], "İstanbul'da yaşıyorum", ["istanbul"]),
        (["python"], "Pythonエンジニア", ["python"]),  # Latin next to kana is a word edge
        (["python"], "pythonista", []),
        (["東京"], "東京在住", ["東京"]),  # CJK: no spaces, so no word boundary needed
        (["エンジニア"], "ソフトウェアエンジニアです", ["エンジニア"]),
        (["파이썬"], "파이썬을 좋아해요", ["파이썬"]),  # Korean particles attach to the word
        (["שלום"], "שלום עולם", ["שלום"]),
        (["محمد"], "مُحَمَّد علي", ["محمد"]),  # Arabic vowel marks ignored
        (["🦀"], "🦀 rustacean", ["🦀"]),
        (["c++"], "I write C++ daily", ["c++"]),
        (["follow back"], "I follow_back and follow-back", ["follow back"]),
        (["100% follow back", "follow back"], "100% FOLLOW BACK", ["100% follow back"]),
        (["follow back", "f4f"], "f4f then follow back", ["f4f", "follow back"]),
        (["l4l"], "l4life", []),
        (["Rust", "rust"], "rust", ["Rust"]),  # the same phrase twice: named once, as first written
        ([], "anything", []),
        (["   "], "anything", []),
    ],
)
def test_phrase_matcher(phrases, text, expected):
    assert found(phrases, text) == expected


def test_a_match_inside_a_word_does_not_hide_a_later_one():
    assert found(["ab"], "xab ab") == ["ab"]
    assert PhraseMatcher(["ab"]).find("xab ab") == [("ab", 4)]


def test_matcher_truthiness():
    assert not PhraseMatcher([])
    assert PhraseMatcher(["x"])


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("a", "Latin"),
        ("ß", "Latin"),
        ("я", "Cyrillic"),
        ("λ", "Greek"),
        ("東", "CJK"),
        ("々", "CJK"),
        ("の", "Hiragana"),
        ("エ", "Katakana"),
        ("ー", "Katakana"),
        ("한", "Hangul"),
        ("ש", "Hebrew"),
        ("م", "Arabic"),
        ("क", "Devanagari"),
        ("ก", "Thai"),
        ("1", None),
        ("!", None),
        ("🦀", None),
        (" ", None),
    ],
)
def test_script_of(char, script):
    assert script_of(char) == script


def test_script_counts_count_letters_only_most_first():
    assert list(script_counts(fold("Hi! Привет, 東京 2026 🦀")).items()) == [("Cyrillic", 6), ("CJK", 2), ("Latin", 2)]
    assert script_counts("ascii only, 123") == {"Latin": 9}
    assert script_counts("123 !!! 🦀") == {}


def test_resolve_scripts_reads_names_and_aliases_in_any_case():
    assert resolve_scripts(["latin", "CYRILLIC"]) == (frozenset({"Latin", "Cyrillic"}), [])
    assert resolve_scripts(["Japanese"])[0] == {"CJK", "Hiragana", "Katakana"}
    assert resolve_scripts(["Korean", "Han"])[0] == {"Hangul", "CJK"}
    assert resolve_scripts(["Klingon"]) == (frozenset(), ["Klingon"])
    assert {"Latin", "Cyrillic", "CJK", "Hangul", "Arabic", "Hebrew", "Devanagari"} <= set(KNOWN_SCRIPTS)
