"""Kommune21-style article page → plain fields.

Pure function over the HTML text so the crawl, `radar reparse` and tests share one extractor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.dates import find_german_date, has_time, parse_german_date, to_published

# `… - Kommune21 online | Kommune21 - E-Government, Internet und Informationstechnik`
TITLE_SUFFIX = re.compile(r"\s+[-–|]\s+Kommune21\b.*$")
CREDIT = re.compile(r"\(\s*Bildquelle:\s*(?P<credit>[^)]*)\)\s*$")
WHITESPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


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


def clean(text: str | None) -> str:
    """Collapse runs of spaces (incl. no-break spaces) but keep paragraph breaks."""
    if not text:
        return ""
    lines = (WHITESPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def text_of(sel: Selector | None, query: str) -> str:
    """All text below the first match of a CSS query, cleaned."""
    if sel is None:
        return ""
    node = sel.css(query)
    if not node:
        return ""
    return clean(" ".join(node[0].css("::text").getall()))


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
    href = sel.css('link[rel="canonical"]::attr(href)').get()
    return urljoin(page_url, href.strip()) if href and href.strip() else page_url


def structured_date(sel: Selector) -> str | None:
    """ISO date from `article:published_time` meta or JSON-LD `datePublished`, the most reliable sources."""
    meta = sel.css(
        'meta[property="article:published_time"]::attr(content), '
        'meta[name="date"]::attr(content), time[datetime]::attr(datetime)'
    ).get()
    if meta and meta.strip():
        return meta.strip()
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict) and obj.get("datePublished"):
                return str(obj["datePublished"])
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


def extract_article(html: str, url: str, now: datetime | None = None, sel: Selector | None = None) -> ArticleFields:
    """Extract a Kommune21-style article; missing parts stay empty rather than guessed. `sel` is
    `html` already parsed (crawler/extract/parse.py), so it is not parsed again."""
    sel = sel if sel is not None else Selector(text=html)
    article = sel.css("div.article") or sel.css("#content") or sel.css("article") or sel.css("body")
    root = article[0] if article else sel
    kicker = text_of(root, "h1 .kicker")
    title = text_of(root, "h1 .title")
    if not title:
        title = text_of(root, "h1")
        if kicker and title.startswith(kicker):
            title = title[len(kicker) :].lstrip(" :")
    if not title:
        title = TITLE_SUFFIX.sub("", clean(sel.css("title::text").get()))
    teaser_node = root.css("p.teaser")
    teaser = ""
    bracket = ""
    if teaser_node:
        bracket = clean(" ".join(teaser_node[0].css(".date ::text").getall()))
        teaser = clean(" ".join(teaser_node[0].xpath("./text()|./*[not(contains(@class,'date'))]//text()").getall()))
    paragraphs = [paragraph_text(p.root) for p in root.css("div.body p")]
    body = "\n\n".join(p for p in paragraphs if p) or text_of(root, "div.body")
    caption, credit = split_caption(text_of(root, "figcaption"))
    published = resolve_date(
        [structured_date(sel) or "", text_of(root, ".dateline"), bracket], now
    )
    related = [
        urljoin(url, href)
        for href in root.css("div.related a::attr(href)").getall()
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
