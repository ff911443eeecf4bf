"""The hostile data corpus: text and values built to break a terminal program that shows network data.

`TEXTS` are named strings for names, bios, handles, tags and notes; `JSON_TOKENS` are raw JSON fragments for what
only a JSON body can carry (lone surrogate escapes, NaN); `COUNTS`, `DATES` and `IDS` are hostile values for
non-text fields, with `MISSING` meaning "the key is absent". Every layer's hostile tests read them from here, so
a string added here is pushed through every provider, the store, the CLI and the TUI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


class _Missing:
    """The key is not in the object at all (not even null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _named(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, text in pairs:
        assert name not in out, name
        out[name] = text
    return out


_ZALGO = "Z" + "".join(chr(0x300 + (i * 7) % 0x70) for i in range(300)) + "algo"

TEXTS: dict[str, str] = _named(
    [
        # -- Rich / Textual markup: must show as typed, never style, link or run an action ----------------------
        ("markup.close", "[/bold]"),
        ("markup.close_any", "[/]"),
        ("markup.click", "[@click=app.quit]x[/]"),
        ("markup.click_bell", "[@click=app.bell]ring[/] [@click=screen.dismiss]close[/]"),
        ("markup.link", "[link=https://example.invalid]y[/link]"),
        ("markup.style", "[b]bold[/b] [red on white]red[/red on white] [reverse]rev[/]"),
        ("markup.unclosed", "[bold"),
        ("markup.escaped", "\\[not a tag] \\\\[bold]x"),
        ("markup.variable", "$variable ${name} $$ $text-muted"),
        ("markup.content", "[$accent]themed[/] [on $error]alarm[/] [$primary 50%]x[/]"),
        ("markup.emoji_code", ":thumbs_up: :warning: :smile:"),
        ("markup.nested", "[b][i][u][s]deep[/s][/u][/i][/b][/b][/i]"),
        # -- ANSI / VT escape sequences: never reach the terminal --------------------------------------------------
        ("ansi.csi_colour", "\x1b[31mred\x1b[0m plain"),
        ("ansi.csi_256_truecolour", "\x1b[38;5;196m\x1b[48;2;0;0;255mloud\x1b[m"),
        ("ansi.csi_clear", "\x1b[2J\x1b[Hcleared"),
        ("ansi.csi_cursor", "\x1b[10;20Hmoved\x1b[5A\x1b[2K\x1b[999C"),
        ("ansi.csi_private", "\x1b[?1049h\x1b[?25l\x1b[?1000h"),
        ("ansi.osc8_link", "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\"),
        ("ansi.osc52_clipboard_bel", "\x1b]52;c;ZXZpbCBjb21tYW5k\x07"),
        ("ansi.osc52_clipboard_st", "\x1b]52;p;ZXZpbA==\x1b\\"),
        ("ansi.osc0_title", "\x1b]0;owned\x07"),
        ("ansi.osc2_title", "\x1b]2;owned window\x1b\\"),
        ("ansi.osc_unterminated", "\x1b]0;this title never ends"),
        ("ansi.dcs", "\x1bP+q544e\x1b\\ \x1bPq#0;2;0;0;0#0~~\x1b\\"),
        ("ansi.apc_kitty_graphics", "\x1b_Gf=100,a=T;AAAA\x1b\\"),
        ("ansi.sos_pm", "\x1bXsos\x1b\\\x1b^pm\x1b\\"),
        ("ansi.two_char", "\x1bc reset \x1b7saved\x1b8 \x1bD\x1bM"),
        ("ansi.lone_esc", "trailing\x1b"),
        ("ansi.c1_csi", "\x9b31m8bit\x9b0m"),
        ("ansi.c1_osc", "\x9d0;owned\x9c"),
        ("ansi.c1_dcs", "\x90+q544e\x9c"),
        ("ansi.split", "\x1b\x00[31mnot red"),
        # -- control characters ------------------------------------------------------------------------------------
        *((f"c0.{cp:02x}", f"a{chr(cp)}b") for cp in range(0x20)),
        ("c0.all", "".join(chr(cp) for cp in range(0x20)) + "end"),
        ("c0.bell_backspace", "bell\x07 back\x08\x08space"),
        ("c0.crlf", "one\r\ntwo\rthree\nfour"),
        ("c0.tabs", "a\tb\t\tc"),
        ("del", "del\x7fete"),
        *((f"c1.{cp:02x}", f"a{chr(cp)}b") for cp in range(0x80, 0xA0)),
        ("c1.all", "".join(chr(cp) for cp in range(0x80, 0xA0)) + "end"),
        ("sep.line_paragraph", "line\u2028separator\u2029paragraph\x85nel"),
        # -- bidi: overrides, embeddings and isolates reorder the rest of a line ----------------------------------
        ("bidi.rlo", "\u202eevil\u202c txt.exe"),
        ("bidi.lro", "\u202dforced ltr\u202c"),
        ("bidi.rle_lre", "\u202bembedded\u202c \u202aembedded\u202c"),
        ("bidi.isolates", "\u2066lri\u2069 \u2067rli\u2069 \u2068fsi\u2069"),
        ("bidi.marks", "\u200elrm \u200frlm \u061calm"),
        ("bidi.trojan_source", "access\u202e \u2066// admin only\u2069 \u2066"),
        ("bidi.unbalanced", "\u202e\u202e\u202e\u2067\u2067 never closed"),
        # -- invisible and combining characters --------------------------------------------------------------------
        ("zw.joiner", "a\u200db"),
        ("zw.non_joiner", "می\u200cخواهم"),
        ("zw.space", "in\u200bvis\u200bible"),
        ("zw.word_joiner_bom", "\u2060word\ufeffjoiner"),
        ("zw.only", "\u200b\u200c\u200d\u2060\ufeff"),
        ("combining.zalgo", _ZALGO),
        ("combining.alone", "\u0301\u0302\u0303 leading marks"),
        ("vs.emoji_text", "\u263a\ufe0f \u263a\ufe0e \u2764\ufe0f"),
        ("vs.orphan", "\ufe0f\ufe0e\U000e0100"),
        # -- wide, emoji and right-to-left text: shown as is, columns stay aligned ----------------------------------
        ("emoji.zwj_family", "👩‍👩‍👧‍👦 family"),
        ("emoji.zwj_technologist", "👨🏽‍💻 dev 🏳️‍🌈"),
        ("emoji.flags", "🇺🇦🇯🇵🇧🇷 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
        ("emoji.skin_tones", "👍🏻👍🏼👍🏽👍🏾👍🏿"),
        ("emoji.many", "🙂🎉🦀🐍🚀" * 20),
        ("wide.cjk", "山田太郎のプロフィール 김민준 张伟"),
        ("wide.fullwidth", "ｆｕｌｌｗｉｄｔｈ　ＴＥＸＴ！"),
        ("wide.cjk_long", "漢字" * 200),
        ("rtl.arabic", "محمد علي"),
        ("rtl.hebrew", "שלום עולם"),
        ("rtl.mixed", "abc שלום 123 مرحبا [/bold] def"),
        ("astral.math", "𝕳𝖊𝖑𝖑𝖔 𝓦𝓸𝓻𝓵𝓭"),
        ("odd.spaces", "a\u00a0b\u3000c\u2003d\u205fe"),
        ("odd.private_use", "\ue000\uf8ff\U000f0000"),
        ("odd.noncharacters", "\ufffe\uffff\U0010ffff\ufffd"),
        ("odd.soft_hyphen", "soft\u00adhyphen"),
        # -- lone surrogates (a Python str can hold them; no UTF-8 stream can) -------------------------------------
        ("surrogate.high", "a\ud800b"),
        ("surrogate.low", "a\udfffb"),
        ("surrogate.reversed", "\udc00\ud800"),
        ("surrogate.escaped_byte", "caf\udce9"),  # how Python decodes undecodable argv/filenames
        # -- size ----------------------------------------------------------------------------------------------------
        ("size.bio_100k", ("A long bio 🦀 山田 [/bold] \x1b[31m " * 4000)[:100_000]),
        ("size.ascii_100k", "x" * 100_000),
        ("size.one_word", "a" * 5000),
        ("size.newlines", "\n" * 10_000 + "end"),
        ("size.escapes_100k", "\x1b[31m" * 20_000),
        # -- spreadsheet formulas: neutralised in CSV ---------------------------------------------------------------
        ("formula.hyperlink", '=HYPERLINK("https://example.invalid","click me")'),
        ("formula.plus_number", "+1"),
        ("formula.minus_number", "-1"),
        ("formula.sum", "-1+1"),
        ("formula.at", "@SUM(A1:A9)"),
        ("formula.dde", "=cmd|' /C calc'!A0"),
        ("formula.pipe", "|calc"),
        ("formula.tab", "\t=1+1"),
        ("formula.cr", "\r=1+1"),
        ("formula.plus_call", "+SUM(1,2)"),
        # -- empty-ish -----------------------------------------------------------------------------------------------
        ("empty", ""),
        ("blank", "   "),
    ]
)

#: Strings that cleaning leaves exactly as they are: they must appear literally wherever they are shown.
LITERAL = [
    name
    for name in TEXTS
    if name.split(".")[0] in ("markup", "emoji", "wide", "rtl", "astral")
    or name in ("formula.hyperlink", "formula.sum", "formula.at", "formula.dde", "odd.soft_hyphen")
]

#: Raw JSON fragments for values that only a JSON text can carry; a body holding them is malformed to strict
#: parsers (orjson), so a provider reports the page as broken instead of guessing.
JSON_TOKENS: dict[str, str] = {
    "surrogate.lone_high": '"a\\ud800b"',
    "surrogate.lone_low": '"a\\udfffb"',
    "surrogate.reversed": '"\\udc00\\ud800"',
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "float_overflow": "1e400",
}

#: Values where a count (followers, following, posts) belongs.
COUNTS: dict[str, object] = {
    "null": None,
    "missing": MISSING,
    "zero": 0,
    "string": "12",
    "string_negative": "-5",
    "empty_string": "",
    "list": [12],
    "empty_list": [],
    "object": {"count": 12},
    "true": True,
    "false": False,
    "float": 12.5,
    "float_integral": 12.0,
    "negative": -1,
    "very_negative": -(10**30),
    "int64_max": 2**63 - 1,
    "beyond_uint64": 2**64 + 1,
    "huge": 10**30,
    "absurd": 10**12 + 1,
    "nan": math.nan,
    "infinity": math.inf,
}

#: Values where an ISO-8601 time belongs.
DATES: dict[str, object] = {
    "null": None,
    "missing": MISSING,
    "empty": "",
    "words": "yesterday",
    "month_13": "2026-13-45",
    "zeros": "0000-00-00",
    "year_99999": "99999-01-01T00:00:00Z",
    "feb_30": "2026-02-30",
    "hour_25": "2026-01-01T25:00:00Z",
    "offset_25h": "2026-01-01T00:00:00+25:00",
    "underflows_to_utc": "0001-01-01T00:00:00+01:00",
    "overflows_to_utc": "9999-12-31T23:59:59-01:00",
    "min": "0001-01-01T00:00:00Z",
    "max": "9999-12-31T23:59:59.999999Z",
    "naive": "2026-01-01T00:00:00",
    "fullwidth_digits": "２０２６-０１-０１",
    "escape_inside": "2026-01-01T00:00:00Z\x1b]0;owned\x07",
    "huge_string": "2026-01-01" + "0" * 100_000,
    "int": 20260101,
    "epoch_int": 1767225600,
    "float": 1.5,
    "bool": True,
    "list": ["2026-01-01"],
    "object": {"date": "2026-01-01"},
}

#: Values where a stable account id belongs (each platform decides which it refuses).
IDS: dict[str, object] = {
    "null": None,
    "missing": MISSING,
    "empty": "",
    "negative": -1,
    "negative_string": "-1",
    "float": 1.5,
    "bool": True,
    "list": [1],
    "object": {"id": 1},
    "space": "1 2",
    "escape": "\x1b[31m1",
    "bidi": "1\u202e2",
    "long": "9" * 600,
    "huge": 10**30,
    "markup": "[/bold]",
}


def texts(*prefixes: str) -> dict[str, str]:
    """The named texts whose name starts with one of `prefixes` (all of them without prefixes)."""
    return {n: t for n, t in TEXTS.items() if not prefixes or n.startswith(prefixes)}


def encodable(text: str) -> bool:
    """Whether `text` can travel in UTF-8 (JSON bodies, files): lone surrogates cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: The texts a JSON body can carry as they are (lone surrogates go through JSON_TOKENS instead).
WIRE_TEXTS: dict[str, str] = {n: t for n, t in TEXTS.items() if encodable(t)}


def set_field(obj: dict[str, object], key: str, value: object) -> dict[str, object]:
    """A copy of `obj` with `key` set to `value`, or removed when `value` is MISSING."""
    out = dict(obj)
    if value is MISSING:
        out.pop(key, None)
    else:
        out[key] = value
    return out
