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
from crawler.extract.news import (
    PRUNE_XPATH,
    elsewhere,
    first_outside,
    headline_and_kicker,
    split_stamp,
    stamped_lead,
)

# Elements whose text usually carries the publication date.
DATE_HOLDERS = (
    "[class*=date], [class*=datum], [class*=Date], [class*=meta], [class*=byline], [class*=published], "
    "[itemprop=datePublished], time"
)
TEASER_HOLDERS = (
    "[class*=lead], [class*=teaser], [class*=intro], [class*=summary], [class*=anriss], [class*=vorspann], "
    "[class*=einleitung], [class*=abstract], [class*=standfirst], [itemprop=description]"
)
# ` | Site name`, ` – Site name`, ` - Site name` at the end of a <title>.
TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,80}$")


def generic_headline(sel: Selector) -> tuple[str, str]:
    """(headline, kicker): the <h1> read against JSON-LD/og:title/<title>; without an <h1>, og:title,
    else <title> without its site suffix."""
    title, kicker = headline_and_kicker(sel)
    if title:
        return title, kicker
    og = clean(sel.css('meta[property="og:title"]::attr(content)').get())
    if og:
        return og, ""
    return TITLE_SUFFIX.sub("", clean(sel.css("title::text").get())), ""


def generic_teaser(sel: Selector) -> tuple[str, str | None]:
    """(teaser without its stamp, the stamp's date text or None): the first lead/teaser element of
    the article (not of a sidebar or related block), else the meta description."""
    node = stamped_lead(sel) or first_outside(sel, TEASER_HOLDERS)
    text = clean(" ".join(node.css("::text").getall())) if node is not None else ""
    if not text:
        text = clean(
            sel.css('meta[name="description"]::attr(content), meta[property="og:description"]::attr(content)').get()
        )
    stamp, teaser = split_stamp(text)
    return teaser, stamp


def page_date(sel: Selector, now: datetime | None, extra: list[str] | None = None) -> str | None:
    """JSON-LD / meta / <time datetime> first, then the teaser's `[29.09.2025]` stamp, then dates
    written in date-ish elements of the article (not of its sidebar or related block), then `extra`."""
    candidates = [structured_date(sel) or "", generic_teaser(sel)[1] or ""]
    candidates += [
        clean(" ".join(node.css("::text").getall())) for node in sel.css(DATE_HOLDERS)[:24] if not elsewhere(node)
    ][:12]
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
        html, url=url, fast=True, include_comments=False, include_tables=False, deduplicate=False,
        prune_xpath=PRUNE_XPATH,  # related blocks, sidebars, comments: other pages' text
    )
    if not text:
        return ""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def extract_generic(html: str, url: str, now: datetime | None = None, sel: Selector | None = None) -> ArticleFields:
    return generic_fields(sel if sel is not None else Selector(text=html), html, url, now)  # `sel`: already parsed


def generic_fields(sel: Selector, html: str, url: str, now: datetime | None = None) -> ArticleFields:
    """Any news page: headline and kicker, teaser, date, trafilatura's body, image caption."""
    title, kicker = generic_headline(sel)
    teaser, _ = generic_teaser(sel)
    published = page_date(sel, now)
    body = trafilatura_body(html, url)
    # trafilatura keeps the headline, the lead and the date line; the body is what follows them.
    drop = {_letters(t) for t in (title, teaser, kicker + title)}
    paragraphs = [
        p for p in body.split("\n\n") if p and _letters(split_stamp(p)[1]) not in drop and not _is_meta_line(p)
    ]
    caption, credit = split_caption(text_of(sel, "figcaption"))
    return ArticleFields(
        url=canonical_url(sel, url),
        title=title,
        kicker=kicker,
        teaser=teaser,
        body="\n\n".join(paragraphs),
        published=published,
        image_caption=caption,
        image_credit=credit,
    )


def _letters(text: str) -> str:
    """Text without spaces and punctuation: the headline matches however kicker and title were joined."""
    return "".join(c for c in text.casefold() if c.isalnum())


def _is_meta_line(paragraph: str) -> bool:
    """`Verwaltung · Veröffentlicht am 19 Nov. '25 · Redaktion`: short and mostly a date."""
    return len(paragraph) < 120 and bool(re.search(r"\bver(ö|oe)ffentlicht\b", paragraph, re.IGNORECASE))
