"""Article pages of sources without rules: trafilatura for the body, our own rules for title and date.

trafilatura finds the main text of almost any page; its date guesser (htmldate) reads URLs and
copyright lines and knows no `19 Nov. '25` or `vor 3 Tagen`, so the date comes from the same German
date rules as every other source, and a page without a date stays without one.
"""

from __future__ import annotations

import re
from datetime import datetime

from parsel import Selector

from crawler.extract.article import (
    ArticleFields,
    canonical_url,
    clean,
    split_caption,
    structured_date,
    text_of,
)
from crawler.extract.dates import find_date_fragment, has_time, parse_german_date, to_published

# Elements whose text usually carries the publication date.
DATE_HOLDERS = (
    "[class*=date], [class*=datum], [class*=Date], [class*=meta], [class*=byline], [class*=published], "
    "[itemprop=datePublished], time"
)
TEASER_HOLDERS = "[class*=lead], [class*=teaser], [class*=intro], [class*=summary]"
# ` | Site name`, ` – Site name`, ` - Site name` at the end of a <title>.
TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,80}$")


def generic_title(sel: Selector) -> str:
    """The page's headline: first <h1> of the main content, else og:title, else <title> without suffix."""
    for query in ("main h1", "article h1", "h1"):
        found = text_of(sel, query)
        if found:
            return found
    og = clean(sel.css('meta[property="og:title"]::attr(content)').get())
    if og:
        return og
    return TITLE_SUFFIX.sub("", clean(sel.css("title::text").get()))


def page_date(sel: Selector, now: datetime | None, extra: list[str] | None = None) -> str | None:
    """JSON-LD / meta / <time datetime> first, then dates written in date-ish elements, then `extra`."""
    candidates = [structured_date(sel) or ""]
    candidates += [clean(" ".join(node.css("::text").getall())) for node in sel.css(DATE_HOLDERS)[:12]]
    candidates += extra or []
    for candidate in candidates:
        if not candidate:
            continue
        parsed = parse_german_date(candidate, now) if len(candidate) <= 40 else None
        if parsed:
            return to_published(parsed, has_time(candidate))
        found = find_date_fragment(candidate, now)
        if found:
            return to_published(found[0], has_time(found[1]))
    return None


def trafilatura_body(html: str, url: str) -> str:
    """Main text, paragraphs separated by a blank line (as the other extractors store it)."""
    import trafilatura

    text = trafilatura.extract(
        html, url=url, fast=True, include_comments=False, include_tables=False, deduplicate=False
    )
    if not text:
        return ""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def extract_generic(html: str, url: str, now: datetime | None = None, sel: Selector | None = None) -> ArticleFields:
    sel = sel if sel is not None else Selector(text=html)  # `html` already parsed, if given
    title = generic_title(sel)
    teaser = text_of(sel, TEASER_HOLDERS) or clean(
        sel.css('meta[name="description"]::attr(content), meta[property="og:description"]::attr(content)').get()
    )
    published = page_date(sel, now)
    body = trafilatura_body(html, url)
    # trafilatura keeps the lead and the date line; the body is what follows them.
    drop = {title, teaser}
    paragraphs = [p for p in body.split("\n\n") if p and p not in drop and not _is_meta_line(p)]
    caption, credit = split_caption(text_of(sel, "figcaption"))
    return ArticleFields(
        url=canonical_url(sel, url),
        title=title,
        teaser=teaser,
        body="\n\n".join(paragraphs),
        published=published,
        image_caption=caption,
        image_credit=credit,
    )


def _is_meta_line(paragraph: str) -> bool:
    """`Verwaltung · Veröffentlicht am 19 Nov. '25 · Redaktion`: short and mostly a date."""
    return len(paragraph) < 120 and bool(re.search(r"\bver(ö|oe)ffentlicht\b", paragraph, re.IGNORECASE))
