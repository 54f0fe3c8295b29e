"""Kommune21-style article page → plain fields.

Pure function over the HTML text so the crawl, `radar reparse` and tests share one extractor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.extract.compiled import all_text, element, find, first
from crawler.extract.dates import find_german_date, has_time, parse_german_date, to_published
from crawler.extract.news import headline_and_kicker, jsonld_objects, split_stamp
from crawler.extract.text import clean

# `… - Kommune21 online | Kommune21 - E-Government, Internet und Informationstechnik`
TITLE_SUFFIX = re.compile(r"\s+[-–|]\s+Kommune21\b.*$")
# Where the article sits, most specific first; the whole page when none of them is there.
_ARTICLE_AREAS = ("div.article", "#content", "article", "body")
# A teaser's own text without its date stamp element.
_TEASER_TEXT = etree.XPath("./text()|./*[not(contains(@class,'date'))]//text()", smart_strings=False)
CREDIT = re.compile(r"\(\s*Bildquelle:\s*(?P<credit>[^)]*)\)\s*$")


@dataclass
class ArticleFields:
    """What one article page yields; `published` is None when the page has no date."""

    url: str
    title: str = ""
    kicker: str = ""
    teaser: str = ""
    body: str = ""
    published: str | None = None
    image_caption: str = ""
    image_credit: str = ""
    related_links: list[str] = field(default_factory=list)

    @property
    def date_missing(self) -> bool:
        return self.published is None


def text_of(sel: Selector | Any | None, query: str) -> str:
    """All text below the first match of a CSS query (in a Selector or an lxml element), cleaned."""
    if sel is None:
        return ""
    node = first(sel, query)
    return all_text(node) if node is not None else ""


def paragraph_text(element) -> str:
    """A paragraph's own text: nested paragraphs (broken markup nests unclosed `<p>`s) are left to
    their own turn, so no sentence is stored twice."""
    parts: list[str] = []

    def walk(node, top: bool) -> None:
        if not top and node.tag == "p":
            return
        if node.tag == "br":
            parts.append(" ")
        elif isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child, False)
            if child.tail:
                parts.append(child.tail)

    walk(element, True)
    return clean("".join(parts))


def canonical_url(sel: Selector, page_url: str) -> str:
    """`<link rel=canonical>` if the page names one, else the URL we fetched (after redirects)."""
    href = first(sel, 'link[rel="canonical"]::attr(href)')
    return urljoin(page_url, href.strip()) if href and href.strip() else page_url


def structured_date(sel: Selector) -> str | None:
    """The machine-readable publication date, the most reliable kind: `article:published_time` meta,
    JSON-LD `datePublished`, then a `<time datetime>` marked as the publication (itemprop, class
    `published`), then the first `<time datetime>` that is not an update stamp."""
    meta = first(
        sel,
        'meta[property="article:published_time"]::attr(content), meta[name="date"]::attr(content), '
        'meta[itemprop="datePublished"]::attr(content)',
    )
    if meta and meta.strip():
        return meta.strip()
    for obj in jsonld_objects(sel):
        if obj.get("datePublished"):
            return str(obj["datePublished"])
    marked = first(
        sel,
        'time[itemprop="datePublished"]::attr(datetime), time[class*="publish"]::attr(datetime), '
        "time[pubdate]::attr(datetime)",
    )
    if marked and marked.strip():
        return marked.strip()
    for node in find(sel, "time[datetime]"):
        if not re.search(r"updated|modified|geaendert|aktualisiert", node.get("class") or "", re.IGNORECASE):
            return node.get("datetime").strip() or None
    return None


def resolve_date(candidates: list[str], now: datetime | None) -> str | None:
    """The first candidate that parses to a plausible date, serialised for storage."""
    for candidate in candidates:
        if not candidate:
            continue
        parsed = parse_german_date(candidate, now) or find_german_date(candidate, now)
        if parsed:
            return to_published(parsed, has_time(candidate))
    return None


def split_caption(caption: str) -> tuple[str, str]:
    """`Rathaus in Kiel (Bildquelle: Stadt Kiel)` → (`Rathaus in Kiel`, `Stadt Kiel`)."""
    match = CREDIT.search(caption)
    if not match:
        return caption, ""
    return caption[: match.start()].strip(), match.group("credit").strip()


def extract_article(
    html: str, url: str, now: datetime | None = None, fallback: Callable[..., ArticleFields] | None = None,
    sel: Selector | None = None,
) -> ArticleFields:
    """Extract a Kommune21-style article; missing parts stay empty rather than guessed. `sel` is
    `html` already parsed (crawler/extract/parse.py), so it is not parsed again.

    A page without Kommune21's article markup (`div.body`) goes to `fallback(sel, html, url, now)`
    (the generic extractor) when one is given: `--start-url` may point at any news site.
    """
    sel = sel if sel is not None else Selector(text=html)
    page = element(sel)
    root = next((found for query in _ARTICLE_AREAS if (found := first(page, query)) is not None), page)
    if fallback is not None and first(root, "div.body") is None:
        return fallback(sel, html, url, now)
    kicker = text_of(root, "h1 .kicker")
    title = text_of(root, "h1 .title")
    if not title:
        title, found_kicker = headline_and_kicker(sel)
        kicker = kicker or found_kicker
        if kicker and title.startswith(kicker):
            title = title[len(kicker) :].lstrip(" :")
    if not title:
        title = TITLE_SUFFIX.sub("", clean(first(page, "title::text")))
    teaser_node = first(root, "p.teaser")
    teaser = ""
    bracket = ""
    if teaser_node is not None:
        bracket = clean(" ".join(find(teaser_node, ".date ::text")))
        teaser = clean(" ".join(_TEASER_TEXT(teaser_node)))
        stamp, teaser = split_stamp(teaser)  # a stamp written as plain text, not in span.date
        bracket = bracket or stamp or ""
    paragraphs = [paragraph_text(p) for p in find(root, "div.body p")]
    body = "\n\n".join(p for p in paragraphs if p) or text_of(root, "div.body")
    caption, credit = split_caption(text_of(root, "figcaption"))
    published = resolve_date(
        [structured_date(sel) or "", text_of(root, ".dateline"), bracket], now
    )
    if fallback is not None and (teaser_node is None or published is None):
        # Kommune21's article markup with its teaser or date written another way: the generic
        # rules (lead/intro classes, the stamp, dates outside related blocks) fill the gap.
        generic = fallback(sel, html, url, now)
        teaser = teaser or generic.teaser
        published = published or generic.published
    related = [
        urljoin(url, href)
        for href in find(root, "div.related a::attr(href)")
        if href and not href.startswith(("#", "mailto:", "javascript:"))
    ]
    return ArticleFields(
        url=canonical_url(sel, url),
        title=title,
        kicker=kicker,
        teaser=teaser,
        body=body,
        published=published,
        image_caption=caption,
        image_credit=credit,
        related_links=list(dict.fromkeys(related)),
    )
