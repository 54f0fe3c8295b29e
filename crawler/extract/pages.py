"""One entry point from a fetched page to article fields, shared by the spider and `radar reparse`.

`extract_page` picks the source's extractor (built-in Kommune21, field rules, or generic);
`page_problem` says why a page cannot be an article (empty, cut off, not HTML) before anyone tries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from crawler.extract.article import ArticleFields, extract_article
from crawler.extract.generic import extract_generic
from crawler.extract.rules import extract_with_rules

_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
# The document ends inside a tag (`…<p`), the signature of a body cut off in transit or by the server.
_ENDS_INSIDE_TAG = re.compile(r"<[^>]*\Z")


def extract_page(
    extractor: str, article_rules: Mapping[str, str] | None, html: str, url: str, now: datetime | None = None
) -> ArticleFields:
    """Article fields of one page with the source's extractor (`kommune21`, `rules` or `generic`)."""
    if extractor == "kommune21":
        return extract_article(html, url, now=now)
    if extractor == "rules" and article_rules:
        return extract_with_rules(html, url, article_rules, now=now)
    return extract_generic(html, url, now=now)


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


def page_problem(html: str) -> tuple[str, str] | None:
    """(kind, reason) when a decoded page cannot be stored as an article as it is, else None."""
    stripped = html.strip()
    if not stripped:
        return "empty", "the response has no content"
    tail = stripped[-2000:]
    if _ENDS_INSIDE_TAG.search(tail):
        return "truncated", "the document ends inside a tag (cut off); kept here instead of storing a partial article"
    return None


def content_problem(fields: ArticleFields) -> tuple[str, str] | None:
    """(kind, reason) when extraction found nothing worth storing."""
    if not fields.title and not fields.body:
        return "no_content", "no title and no body text found with the source's extractor"
    if not fields.title:
        return "no_title", "no title found with the source's extractor"
    return None
