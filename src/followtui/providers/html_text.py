"""Mastodon's HTML (account notes, field values) as plain text that is safe to store and show.

Parsed with the standard library's `html.parser`, which never raises on broken markup: paragraphs and line
breaks become newlines, links become their visible text (Mastodon hides URL prefixes and suffixes in
`<span class="invisible">` and marks shortened links with `class="ellipsis"`), script/style content is dropped,
every other tag is stripped, entities are decoded once, and the result goes through `clean_text`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from followtui.sanitize import MAX_BIO, clean_text

#: Elements whose content is never text.
_DROPPED = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head", "title"})
#: Elements that end a line (a paragraph adds an empty line between paragraphs).
_BLOCKS = frozenset(
    {"div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "hr"}
)
_VOID = frozenset(
    {"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
)
#: Markup deeper than this is garbage; its structure is no longer tracked (its text still counts).
_MAX_DEPTH = 200
_PARAGRAPH = "\n\n"
_LINE = "\n"
#: The commonest note by far, one paragraph of plain text, which the parser would only copy (5× faster).
_PLAIN_PARAGRAPH = re.compile(r"<p>([^<>&]*)</p>")


def html_to_text(html: object, limit: int = MAX_BIO) -> str:
    """Plain, cleaned text of an HTML fragment, at most `limit` characters ('' for anything not a str)."""
    if not isinstance(html, str) or not html:
        return ""
    plain = _PLAIN_PARAGRAPH.fullmatch(html)
    if plain is not None:
        return clean_text(" ".join(plain.group(1).split()), limit, multiline=True)
    parser = _TextParser(budget=limit * 2)
    try:
        parser.feed(html[: max(limit, 1) * 16])  # bound the work: a bio's HTML is a few times its text
        parser.close()
    except Exception:  # html.parser is lenient, but a hostile fragment must never break a sync
        pass
    return clean_text(_layout(parser.pieces), limit, multiline=True)


class _TextParser(HTMLParser):
    def __init__(self, budget: int) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._size = 0
        self._budget = budget
        #: Open elements: (tag, hides its content, is an ellipsis span).
        self._stack: list[tuple[str, bool, bool]] = []
        self._hidden = 0

    # -- structure -------------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._emit(_LINE)
            return
        if tag in ("p", *_BLOCKS):
            self._emit(_PARAGRAPH if tag == "p" else _LINE)
        if tag in _VOID:
            return
        classes = set()
        for name, value in attrs:
            if name == "class" and value:
                classes.update(value.split())
        hides = tag in _DROPPED or "invisible" in classes
        if len(self._stack) >= _MAX_DEPTH:
            return
        self._stack.append((tag, hides, "ellipsis" in classes))
        if hides:
            self._hidden += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _, _ in self._stack):
            if tag in ("p", "br"):  # a stray </p> or </br> still ends a line in browsers
                self._emit(_LINE)
            return
        while self._stack:
            open_tag, hides, ellipsis = self._stack.pop()
            if hides:
                self._hidden -= 1
            if ellipsis and not self._hidden:
                self._emit("…")
            if open_tag == tag:
                break
        if tag == "p":
            self._emit(_PARAGRAPH)
        elif tag in _BLOCKS:
            self._emit(_LINE)

    # -- text ------------------------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self._hidden or not data:
            return
        # Whitespace in HTML source is a space, whatever it is (newlines, tabs, U+2028…); breaks come from tags.
        words = data.split()
        text = " ".join(words)
        if data[:1].isspace():
            text = " " + text
        if words and data[-1:].isspace():
            text += " "
        self._emit(text)

    def _emit(self, text: str) -> None:
        if text in (_LINE, _PARAGRAPH) and self.pieces and self.pieces[-1] in (_LINE, _PARAGRAPH):
            # Breaks in a row (nested blocks, <br><br><br>…) make at most one empty line.
            self.pieces[-1] = _PARAGRAPH
            return
        if self._size >= self._budget:
            return
        self.pieces.append(text)
        self._size += len(text)


def _layout(pieces: list[str]) -> str:
    """Join the pieces: single spaces within lines, at most one empty line between paragraphs."""
    lines: list[str] = []
    for raw in "".join(pieces).split("\n"):
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
