"""Mastodon HTML notes as plain text: Mastodon's own markup, and hostile markup that must come out inert."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followtui.providers.html_text import html_to_text
from followtui.sanitize import MAX_BIO

from .conftest import recorded


def test_paragraphs_and_line_breaks():
    assert html_to_text("<p>one<br>two<br/>three</p><p>four</p>") == "one\ntwo\nthree\n\nfour"


def test_links_keep_their_visible_text_and_drop_mastodons_hidden_parts():
    link = (
        '<a href="https://www.patreon.com/mastodon" rel="me nofollow noopener noreferrer" target="_blank">'
        '<span class="invisible">https://www.</span><span class="">patreon.com/mastodon</span>'
        '<span class="invisible"></span></a>'
    )
    assert html_to_text(link) == "patreon.com/mastodon"
    shortened = (
        '<a href="https://example.com/a/very/long/path"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.com/a/very/lo</span><span class="invisible">ng/path</span></a>'
    )
    assert html_to_text(shortened) == "example.com/a/very/lo…"


def test_mentions_and_hashtags_become_their_text():
    note = (
        '<p>hi <span class="h-card"><a href="https://x.example/@bob" class="u-url mention">@<span>bob</span></a>'
        '</span> see <a href="https://x.example/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a></p>'
    )
    assert html_to_text(note) == "hi @bob see #rust"


def test_entities_are_decoded_once():
    assert html_to_text("<p>fish &amp; chips &lt;b&gt; &amp;lt; &#x1F41F; caf&eacute;&nbsp;!</p>") == (
        "fish & chips <b> &lt; 🐟 café !"
    )


def test_source_whitespace_is_a_space_and_blank_lines_are_squeezed():
    assert html_to_text("<p>  a \n\t b  </p>\n\n<p></p><p></p><p>c</p>") == "a b\n\nc"
    assert html_to_text("a<br><br><br><br><br>b") == "a\n\nb"


def test_the_recorded_notes():
    account = recorded("mastodon", "docs_Account_entity_example.json")
    text = html_to_text(account["note"])
    assert text.startswith(":ms_rainbow_flag:")
    assert "#awoo.space #admin ~ #bi ~ #nonbinary ~ compsci student" in text
    assert text.endswith("avatar by @dzuk")
    assert "<" not in text and "href" not in text
    values = [html_to_text(field["value"]) for field in account["fields"]]
    assert values == ["they/them", "@noiob", "@darksouls, @nierautomata, @fedi, code for @awoobot", "shork.xyz"]
    lookup = recorded("mastodon", "accounts_lookup_note_html_hide_collections.json")
    assert html_to_text(lookup["body"]["note"]) == "I walk funny"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<script>alert('x')</script>safe", "safe"),
        ("<style>p { color: red }</style>safe", "safe"),
        ("safe<script>never closed", "safe"),
        ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
        ("</p></div></span>stray closers", "stray closers"),
        ("<scr<script>x</script>ipt>", "xipt>"),  # '<scr<script>' is one odd tag: no script opens
        ("<!-- a comment -->visible<![CDATA[ hidden ]]>", "visible"),
        ("<img src=x onerror=alert(1)>after", "after"),
        ("<span class='invisible'>gone<b>nested too</b></span>kept", "kept"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
    ],
)
def test_hostile_markup(html, expected):
    assert html_to_text(html) == expected


def test_terminal_escapes_and_controls_never_survive():
    text = html_to_text("<p>\x1b[31mred\x1b[0m \x1b]8;;https://evil\x07link\x1b]8;;\x07 \u202eevil\x07\x00</p>")
    assert text == "red link evil"


def test_rich_markup_is_left_as_plain_characters():
    # The UIs never parse network text as markup; here it is only text.
    assert html_to_text("<p>[bold]x[/bold] [@click=app.quit]y[/]</p>") == "[bold]x[/bold] [@click=app.quit]y[/]"


def test_huge_and_deep_input_is_bounded_and_fast():
    started = time.perf_counter()
    huge = html_to_text("<p>" + "<a href='x'>word</a> " * 200_000)
    deep = html_to_text("<div><span>" * 50_000 + "core")
    assert time.perf_counter() - started < 2
    assert len(huge) <= MAX_BIO and huge.startswith("word word")
    assert len(deep) <= MAX_BIO
    assert len(html_to_text("<p>" + "x" * 10_000 + "</p>", limit=100)) == 100


def test_not_a_string():
    assert html_to_text(None) == "" and html_to_text(42) == "" and html_to_text("") == ""


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#abpr\x1b\x07\n\u202e[]")) | st.characters(), max_size=300))
def test_any_input_gives_clean_text(html):
    text = html_to_text(html)
    assert isinstance(text, str) and len(text) <= MAX_BIO
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\r" not in text
    assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text)


@given(st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=80))
def test_the_plain_paragraph_shortcut_equals_the_parser(text):
    # a trailing comment keeps the same fragment off the shortcut: both paths must agree
    assert html_to_text(f"<p>{text}</p>") == html_to_text(f"<p>{text}</p><!---->")
