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

_CACHE_LIMIT = 100_000  # distinct characters whose script is remembered (bounded: bios are hostile input)
_category = unicodedata.category

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


def fold(text: str) -> str:
    """Case-, width- and diacritics-insensitive form: NFKD, casefold, nonspacing marks (category Mn) removed.

    Decomposing first handles Turkish İ (→ I + a dot mark → i) and maps fullwidth and "mathematical bold"
    letters to plain ones, so 𝐟𝐨𝐥𝐥𝐨𝐰 reads as follow; casefolding turns ß into ss. Marks are found among the
    text's distinct characters and removed with str.replace: str.translate costs ~10× as much on non-ASCII text.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", text).casefold()
    if folded.isascii():
        return folded
    for mark in [c for c in set(folded) if c > "\u02ff" and _category(c) == "Mn"]:  # marks start at U+0300
        folded = folded.replace(mark, "")
    return folded


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
        match = regex.search(folded)
        if match is None:
            return []  # the usual case: decided in C
        found: dict[str, int] = {}
        while match is not None:
            start, text = match.start(), match.group()
            if start and _WORD_CHAR.match(folded, start - 1) and not _UNSPACED_CHAR.match(text):
                match = regex.search(folded, start + 1)  # inside a longer word: look again one character on
                continue
            phrase = self._by_text.get(text) or self._by_text.get(" ".join(_GAP_RE.split(text)), text)
            found.setdefault(phrase, start)
            match = regex.search(folded, match.end())
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


_SCRIPT_OF: dict[str, str | None] = {}
_NON_LETTER_BYTES = bytes(c for c in range(128) if not chr(c).isalpha())
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_COUNT_ONE_BY_ONE = 512  # up to this many non-ASCII characters, str.count per distinct one beats a Counter


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


def script_counts(text: str) -> dict[str, int]:
    """Letters per script (digits, punctuation, symbols and emoji are not letters), most first, ties by name.

    ASCII letters are counted on bytes, the rest among what remains once ASCII is cut out: on a mostly-Latin bio
    that is a handful of characters instead of every one.
    """
    latin = len(text.encode("ascii", "ignore").translate(None, _NON_LETTER_BYTES))
    counts: dict[str, int] = {"Latin": latin} if latin else {}
    if text.isascii():
        return counts
    cache = _SCRIPT_OF
    rest = _ASCII_RUNS.sub("", text)
    tally = Counter(rest) if len(rest) > _COUNT_ONE_BY_ONE else {c: rest.count(c) for c in set(rest)}
    for char, n in tally.items():
        script = cache.get(char, "")
        if script == "":
            script = script_of(char)
            if len(cache) < _CACHE_LIMIT:
                cache[char] = script
        if script:
            counts[script] = counts.get(script, 0) + n
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))) if len(counts) > 1 else counts
