"""Text matching for the policy: folding, phrase search with word boundaries, and the scripts letters are in.

The script check uses the standard library's Unicode database (`unicodedata.name`: LATIN SMALL LETTER A,
CYRILLIC …, CJK UNIFIED IDEOGRAPH-…) rather than a dependency. "Can I read this bio" is a question about its
script, not its language: a bio is a line or two, too short for language detectors (which also ship large
models), and the `regex` module's `\\p{Script=…}` would add a compiled dependency for this one rule. The
database is current with Python, and each character's script is looked up once and then cached.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

_CACHE_LIMIT = 100_000  # distinct characters remembered per table (bounded: names are hostile input)

#: Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) and Hangul, whose
#: particles attach to the word: a keyword's edge in one of these needs no word boundary.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3000-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc\U00020000-\U0003ffff"
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
#: A letter or digit that continues a word: word characters of spaced scripts.
_WORD = f"[^\\W{_UNSPACED}]"
_WORD_CHAR = re.compile(_WORD)
_GAP = r"[\s_.\-]+"  # a space inside a phrase also matches "follow-back", "follow_back", "follow  back"
_GAP_RE = re.compile(_GAP)


class _MarkTable(dict[int, int | None]):
    """str.translate table dropping nonspacing marks (category Mn), filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)) == "Mn" else code
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


_MARKS = _MarkTable()


def fold(text: str) -> str:
    """Case-, width- and diacritics-insensitive form: casefold, NFKD, nonspacing marks removed.

    Casefolding first handles Turkish İ (→ i + a dot mark, then dropped) and ß (→ ss); NFKD maps fullwidth
    and "mathematical bold" letters to plain ones, so 𝐟𝐨𝐥𝐥𝐨𝐰 reads as follow.
    """
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_MARKS).casefold()


class PhraseMatcher:
    """Finds any of the user's phrases in folded text, on word boundaries (none at an unspaced-script edge).

    One alternation, longest phrase first, without capturing groups or a leading lookbehind: either keeps the
    regex engine from skipping ahead by first characters and costs ~30× on a typical bio. So the left boundary
    is checked after a match, and the phrase is told by its text.
    """

    __slots__ = ("_by_text", "_regex", "phrases")

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = tuple(phrases)
        self._by_text: dict[str, str] = {}  # folded, single-spaced -> as the user wrote it
        for phrase in self.phrases:
            folded = " ".join(fold(phrase).split())
            if folded:
                self._by_text.setdefault(folded, phrase)
        ordered = sorted(self._by_text, key=len, reverse=True)  # "100% follow back" before "follow back"
        self._regex = re.compile("|".join(_pattern(f) for f in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def find(self, folded: str) -> list[tuple[str, int]]:
        """(phrase as the user wrote it, position) for each distinct phrase found in `folded`, in text order."""
        regex = self._regex
        if regex is None:
            return []
        found: dict[str, int] = {}
        pos = 0
        while (match := regex.search(folded, pos)) is not None:
            start, text = match.start(), match.group()
            if start and _WORD_CHAR.match(folded, start - 1) and not _UNSPACED_CHAR.match(text):
                pos = start + 1  # inside a longer word: look again one character on
                continue
            phrase = self._by_text.get(text) or self._by_text.get(" ".join(_GAP_RE.split(text)), text)
            found.setdefault(phrase, start)
            pos = match.end()
        return list(found.items())


def _pattern(folded: str) -> str:
    body = _GAP.join(re.escape(word) for word in folded.split())
    return body if _UNSPACED_CHAR.match(folded[-1]) else f"{body}(?!{_WORD})"


# -- scripts ------------------------------------------------------------------------------------------

#: The first word of a letter's Unicode name → the script's name here (what users write in `allow`).
_SCRIPT_WORDS = {
    "LATIN": "Latin",
    "GREEK": "Greek",
    "COPTIC": "Coptic",
    "CYRILLIC": "Cyrillic",
    "GLAGOLITIC": "Glagolitic",
    "ARMENIAN": "Armenian",
    "GEORGIAN": "Georgian",
    "HEBREW": "Hebrew",
    "ARABIC": "Arabic",
    "SYRIAC": "Syriac",
    "THAANA": "Thaana",
    "NKO": "NKo",
    "DEVANAGARI": "Devanagari",
    "BENGALI": "Bengali",
    "GURMUKHI": "Gurmukhi",
    "GUJARATI": "Gujarati",
    "ORIYA": "Oriya",
    "TAMIL": "Tamil",
    "TELUGU": "Telugu",
    "KANNADA": "Kannada",
    "MALAYALAM": "Malayalam",
    "SINHALA": "Sinhala",
    "THAI": "Thai",
    "LAO": "Lao",
    "TIBETAN": "Tibetan",
    "MYANMAR": "Myanmar",
    "KHMER": "Khmer",
    "MONGOLIAN": "Mongolian",
    "ETHIOPIC": "Ethiopic",
    "CHEROKEE": "Cherokee",
    "CANADIAN": "Canadian Syllabics",
    "TIFINAGH": "Tifinagh",
    "HANGUL": "Hangul",
    "HIRAGANA": "Hiragana",
    "KATAKANA": "Katakana",
    "KATAKANA-HIRAGANA": "Katakana",
    "BOPOMOFO": "Bopomofo",
    "CJK": "CJK",
    "IDEOGRAPHIC": "CJK",
    "YI": "Yi",
    "JAVANESE": "Javanese",
    "BALINESE": "Balinese",
    "SUNDANESE": "Sundanese",
}
#: Names a user may write for a group of scripts.
SCRIPT_ALIASES: dict[str, tuple[str, ...]] = {
    "han": ("CJK",),
    "chinese": ("CJK", "Bopomofo"),
    "kanji": ("CJK",),
    "hanzi": ("CJK",),
    "kana": ("Hiragana", "Katakana"),
    "japanese": ("CJK", "Hiragana", "Katakana"),
    "korean": ("Hangul", "CJK"),
}
KNOWN_SCRIPTS: tuple[str, ...] = tuple(dict.fromkeys(_SCRIPT_WORDS.values()))
_BY_FOLDED = {name.casefold(): (name,) for name in KNOWN_SCRIPTS} | SCRIPT_ALIASES
_IGNORED_WORDS = frozenset({"MODIFIER", "MATHEMATICAL", "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE"})

_CODES: dict[str, str] = {}  # script name -> one private-use character standing for it
_NAMES: dict[str, str] = {}  # and back


def _code_for(script: str) -> str:
    code = _CODES.get(script)
    if code is None:
        code = chr(0xE000 + len(_CODES))
        _CODES[script] = code
        _NAMES[code] = script
    return code


def script_of(char: str) -> str | None:
    """The script of one letter by its Unicode name; None for non-letters and letters of no script."""
    if not char.isalpha():
        return None
    words = unicodedata.name(char, "").split(" ", 2)
    if not words[0] or words[0] in _IGNORED_WORDS:
        return None
    known = _SCRIPT_WORDS.get(words[0])
    if known:
        return known
    if words[0] in ("OLD", "NEW", "TAI", "OL") and len(words) > 1:  # Old Italic, New Tai Lue, Tai Le, Ol Chiki
        return f"{words[0]} {words[1]}".title()
    return words[0].title()


class _ScriptTable(dict[int, str | None]):
    """str.translate table: every letter becomes its script's code character, everything else vanishes."""

    def __missing__(self, code: int) -> str | None:
        script = script_of(chr(code))
        value = None if script is None else _code_for(script)
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


_SCRIPTS = _ScriptTable()
_LATIN = _code_for("Latin")
_ASCII_NON_LETTERS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalpha()))


def resolve_scripts(names: Iterable[str]) -> tuple[frozenset[str], list[str]]:
    """Script names and aliases (any case) → (the scripts, the names not understood)."""
    scripts: set[str] = set()
    unknown: list[str] = []
    for name in names:
        found = _BY_FOLDED.get(name.strip().casefold())
        if found is None:
            unknown.append(name)
        else:
            scripts.update(found)
    return frozenset(scripts), unknown


def script_codes(scripts: Iterable[str]) -> str:
    return "".join(_code_for(s) for s in scripts)


def letters_by_script(folded: str) -> str:
    """The text's letters, each replaced by its script's code (count with str.count, read with script_counts)."""
    if folded.isascii():
        return _LATIN * len(folded.translate(_ASCII_NON_LETTERS))
    return folded.translate(_SCRIPTS)


def script_counts(coded: str) -> list[tuple[str, int]]:
    """Letters per script, most first."""
    return [(_NAMES[code], n) for code, n in Counter(coded).most_common()]
