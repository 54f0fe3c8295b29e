"""Decode, repair and parse a fetched page once; everyone downstream reads that one result.

The spider needs a parsed page to follow its links (canonical, related); the store worker needs
one to extract the article. Both used to decode the bytes, repair the markup and parse on their
own — three parses per page. Now the spider runs `parse_page` once: the decoded, repaired text
travels with the page (PageItem.html), together with what the parse found out about the markup
(how many errors libxml2 repaired), so the store worker skips decoding, repairing and the separate
error-counting parse, and extracts from one parse of that text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree
from lxml.html import HTMLParser
from parsel import Selector

from crawler.extract.encoding import decode_html

_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)


def repair_html(html: str) -> tuple[str, bool]:
    """Undo the one markup error that costs a whole page: an unclosed `<title>`.

    `<title>` holds raw text up to `</title>`; without one, parsers (lxml and browsers alike) read
    the entire rest of the document as the title and find no body. The title is closed at the end
    of its line (or the next tag). Returns (html, whether it was repaired).
    """
    opened = _TITLE_OPEN.search(html)
    if not opened or _TITLE_CLOSE.search(html, opened.end()):
        return html, False
    end = len(html)
    for stop in ("\n", "<"):
        found = html.find(stop, opened.end())
        if found != -1:
            end = min(end, found)
    return html[:end] + "</title>" + html[end:], True


@dataclass
class ParsedPage:
    """One page, decoded (`encoding` actually used), repaired and parsed."""

    text: str
    encoding: str
    repaired: bool
    markup_errors: int
    selector: Selector | None

    def encodes_to(self, body: bytes) -> bool:
        """Whether `text` encoded with `encoding` gives back exactly `body` — then the body need not
        travel beside the text (the store worker re-encodes it for the archive, byte for byte)."""
        if self.repaired:
            return False
        try:
            return self.text.encode(self.encoding) == body
        except (UnicodeError, LookupError):
            return False


def page_body(page: dict) -> bytes:
    """A PageItem's raw body: `raw_html`, or — when the spider left it out because it equals the
    text re-encoded (`ParsedPage.encodes_to`) — that re-encoding."""
    if page.get("raw_html") is not None or page.get("html") is None:
        return page.get("raw_html") or b""
    return page["html"].encode(page.get("encoding") or "utf-8")


_PARSERS = threading.local()


def _parser() -> HTMLParser:
    """This thread's HTML parser: making one costs ~12 µs, a fifth of parsing a news page, and its
    `error_log` holds the errors of its last parse only (lxml parsers are not for sharing across
    threads)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    return parser


def parse_html(text: str, base_url: str | None = None) -> tuple[Selector, int]:
    """A parsel Selector over `text` and the number of structural errors libxml2 repaired in the
    same parse (what parsel's own `Selector(text=…)` does, plus the parser's error log)."""
    parser = _parser()
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    try:
        root = etree.fromstring(body, parser=parser, base_url=base_url)
    except (etree.ParserError, ValueError):
        root = None
    errors = sum(1 for entry in parser.error_log if entry.level_name == "ERROR")
    if root is None:  # nothing parseable (e.g. only a comment)
        root = etree.fromstring(b"<html/>", parser=HTMLParser(recover=True, encoding="utf-8"))
    return Selector(root=root, type="html"), errors


def parse_page(body: bytes, declared: str | None, base_url: str | None = None) -> ParsedPage:
    """Bytes → ParsedPage: charset checks (crawler/extract/encoding.py), the unclosed-`<title>`
    repair, one parse."""
    text, encoding = decode_html(body, declared)
    text, repaired = repair_html(text)
    selector, errors = parse_html(text, base_url)
    return ParsedPage(text, encoding, repaired, errors, selector)
