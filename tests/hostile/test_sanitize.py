"""The corpus through followtui.sanitize, the one place text and values from outside are cleaned: what each
cleaner promises, on every hostile string and value, and as properties on generated input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followtui.sanitize import MAX_BIO, MAX_NAME, clean_id, clean_int, clean_text, clean_time

from .checks import MAX_COUNT, assert_clean_text, assert_count, assert_time
from .corpus import COUNTS, DATES, IDS, LITERAL, MISSING, TEXTS


def expected_count(value: object) -> int | None:
    """The rule: a JSON integer from 0 to 10**12 is a count; anything else (bools, floats, strings) is unknown."""
    if type(value) is int and 0 <= value <= MAX_COUNT:
        return value
    return None


@pytest.mark.parametrize("multiline", [False, True])
@pytest.mark.parametrize("limit", [MAX_NAME, MAX_BIO])
def test_every_corpus_text_comes_out_clean(limit: int, multiline: bool) -> None:
    for name, text in TEXTS.items():
        assert_clean_text(clean_text(text, limit, multiline=multiline), limit, multiline=multiline, where=name)


def test_literal_texts_are_left_exactly_as_they_are() -> None:
    for name in LITERAL:
        assert clean_text(TEXTS[name], MAX_BIO) == TEXTS[name], name


@pytest.mark.parametrize(
    ("text", "one_line", "multi_line"),
    [
        ("\x1b]52;c;ZXZpbA==\x07copied", "copied", "copied"),
        ("\x1b]0;never ends", "", ""),
        ("a\ud800b\udc00c", "abc", "abc"),  # lone surrogates: no UTF-8 stream can carry them
        ("caf\udce9", "caf", "caf"),
        ("line\u2028separator\u2029paragraph", "line separator paragraph", "line\nseparator\nparagraph"),
        ("one\r\ntwo\rthree\tfour", "one  two three four", "one\ntwo\nthree four"),
        ("\u202eevil\u202c \u2066x\u2069", "evil x", "evil x"),
        ("\x9b31m8bit\x9d0;title\x9c", "8bit", "8bit"),
        ("\x1b\x00[31mnot red", "[31mnot red", "[31mnot red"),
    ],
)
def test_what_cleaning_does(text: str, one_line: str, multi_line: str) -> None:
    assert clean_text(text) == one_line
    assert clean_text(text, multiline=True) == multi_line


def test_a_100_kb_bio_is_cut_to_the_limit_with_an_ellipsis() -> None:
    for name in ("size.bio_100k", "size.ascii_100k", "size.one_word"):
        cleaned = clean_text(TEXTS[name], MAX_BIO, multiline=True)
        assert len(cleaned) == MAX_BIO and cleaned.endswith("…"), name
    # 100 KB of escapes: the work is bounded before the search, so the cut may leave a harmless "[31" behind
    assert clean_text(TEXTS["size.escapes_100k"], MAX_BIO) in ("", "[31", "[3", "[")


def test_counts_are_sane_ints_or_unknown() -> None:
    for name, value in COUNTS.items():
        if value is MISSING:
            continue
        assert clean_int(value) == expected_count(value), name
    assert clean_int(MAX_COUNT) == MAX_COUNT and clean_int(MAX_COUNT + 1) is None
    assert clean_int(True) is None and clean_int(12.0) is None and clean_int(math.nan) is None


def test_times_are_real_utc_datetimes_or_unknown() -> None:
    for name, value in DATES.items():
        if value is not MISSING:
            assert_time(clean_time(value), name)
    assert clean_time("0001-01-01T00:00:00+01:00") is None  # would be year 0 in UTC: OverflowError before
    assert clean_time("9999-12-31T23:59:59-01:00") is None  # would be year 10000
    assert clean_time(20260101) is None and clean_time(True) is None  # an int is not a date
    assert clean_time("2026-13-45") is None and clean_time("0000-00-00") is None
    assert clean_time("2026-01-01") == datetime(2026, 1, 1, tzinfo=UTC)
    assert clean_time("2026-01-01T12:00:00+02:00") == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_ids_are_printable_tokens_or_nothing() -> None:
    for name, value in IDS.items():
        if value is MISSING:
            continue
        cleaned = clean_id(value)
        assert cleaned is None or (cleaned.isprintable() and " " not in cleaned and len(cleaned) <= 512), name
    assert clean_id(-1) is None and clean_id(True) is None and clean_id("1\u202e2") is None
    assert clean_id(66) == "66"


# -- properties ------------------------------------------------------------------------------------------------------

#: Text biased towards what hurts: escape introducers, controls, bidi, surrogates, markup and wide characters.
nasty_chars = st.sampled_from(
    [*"\x1b\x07\x9b\x9c\x9d\x90\x00\r\n\t\x7f\x85[]/@=$;\\", "\u202e", "\u2066", "\u2028", "\ud800", "漢", "🦀"]
)
nasty_text = st.text(alphabet=nasty_chars | st.characters(), max_size=400)


@given(nasty_text, st.integers(min_value=1, max_value=300), st.booleans())
def test_clean_text_always_gives_clean_bounded_text(text: str, limit: int, multiline: bool) -> None:
    cleaned = clean_text(text, limit, multiline=multiline)
    assert_clean_text(cleaned, limit, multiline=multiline)
    assert clean_text(cleaned, limit, multiline=multiline) == cleaned  # idempotent: nothing left to remove


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | nasty_text


@given(json_scalars | st.lists(json_scalars, max_size=3) | st.dictionaries(st.text(max_size=3), json_scalars))
def test_the_cleaners_take_any_value(value: object) -> None:
    assert_clean_text(clean_text(value), MAX_NAME)
    assert_count(clean_int(value))
    assert clean_int(value) == expected_count(value)
    assert_time(clean_time(value))
    cleaned = clean_id(value)
    assert cleaned is None or (cleaned.isprintable() and " " not in cleaned)


offsets = st.integers(min_value=-1439, max_value=1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(st.datetimes(timezones=st.none() | offsets), st.sampled_from(["T", " "]))
def test_clean_time_reads_every_iso_time_it_can_hold(moment: datetime, separator: str) -> None:
    parsed = clean_time(moment.isoformat(sep=separator))
    assert_time(parsed)
    expected = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if parsed is not None:
        assert parsed == expected
    else:  # only a time that UTC cannot hold (year 1 east of Greenwich, year 9999 west of it) is refused
        with pytest.raises(OverflowError):
            expected.astimezone(UTC)
