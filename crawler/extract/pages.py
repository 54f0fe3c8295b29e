"""One entry point from a fetched page to article fields, shared by the spider and `radar reparse`.

`extract_page` picks the source's extractor (built-in Kommune21, field rules, or generic);
`page_problem` says why a page cannot be an article (empty, cut off, not HTML) before anyone tries;
`page_records` runs all steps for one fetched page, wherever that happens (store worker or inline).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.article import ArticleFields, canonical_url, extract_article
from crawler.extract.compiled import find
from crawler.extract.encoding import decode_html
from crawler.extract.generic import extract_generic, generic_fields
from crawler.extract.parse import page_body, parse_html, repair_html
from crawler.extract.rules import extract_with_rules
from crawler.sources import select

logger = logging.getLogger(__name__)

# The document ends inside a tag (`…<p`), the signature of a body cut off in transit or by the server.
_ENDS_INSIDE_TAG = re.compile(r"<[^>]*\Z")


def extract_page(
    extractor: str, article_rules: Mapping[str, str] | None, html: str, url: str, now: datetime | None = None,
    sel: Selector | None = None,
) -> ArticleFields:
    """Article fields of one page with the source's extractor (`kommune21`, `rules` or `generic`);
    `sel` is `html` already parsed (then it is not parsed again)."""
    if extractor == "kommune21":
        return extract_article(html, url, now=now, fallback=generic_fields, sel=sel)
    if extractor == "rules" and article_rules:
        return extract_with_rules(html, url, article_rules, now=now, sel=sel)
    return extract_generic(html, url, now=now, sel=sel)


# Markup errors the HTML parser had to repair before a page counts as `malformed` (one stray end tag
# is everyday CMS output; several mean the page is broken).
MALFORMED_ERRORS = 3


def markup_errors(html: str) -> int:
    """How many structural errors (mismatched or stray tags) libxml2 repaired while parsing."""
    return parse_html(html)[1]


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


def page_links(
    html: str | Selector, url: str, extractor: str, article_rules: Mapping[str, str] | None
) -> tuple[str, list[str]]:
    """(canonical URL, related links) of a parsed page (or its text) — what the spider needs to
    decide what to fetch next, without the cost of a full extraction (done in the store worker)."""
    sel = html if isinstance(html, Selector) else Selector(text=html)
    canonical = canonical_url(sel, url)
    if extractor == "kommune21":
        hrefs = find(sel, "div.related a::attr(href)")
    elif extractor == "rules" and article_rules and article_rules.get("related"):
        nodes = select(sel, article_rules["related"])
        hrefs = [n.get() if isinstance(n.root, str) else n.attrib.get("href", "") for n in nodes]
    else:
        hrefs = []
    related = [
        urljoin(url, h.strip()) for h in hrefs if h and h.strip() and not h.startswith(("#", "mailto:", "javascript:"))
    ]
    return canonical, list(dict.fromkeys(related))


class PageResult:
    """What one fetched page became: records for the store, and counts (errors by kind, notes by
    kind such as `undated` — stored and shown, so not an error —, skipped)."""

    def __init__(self) -> None:
        from collections import Counter

        self.records: list[dict[str, Any]] = []
        self.errors: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.skipped = 0

    def fault(self, page: Mapping[str, Any], kind: str, reason: str, body: bytes | None = None) -> None:
        self.errors[kind] += 1
        logger.warning("%s: %s (%s)", kind, page.get("url"), reason)
        self.records.append(
            {
                "kind": "quarantine",
                "url": page.get("url"),
                "source": page.get("source"),
                "error_kind": kind,
                "reason": reason,
                "body": body,
                "fetched_at": page.get("fetched_at"),
            }
        )


def page_records(
    page: Mapping[str, Any], extractor: str, article_rules: Mapping[str, str] | None, since: date | None = None
) -> PageResult:
    """A fetched page (`kind = "page"`: url, source, raw_html, encoding, fetched_at, listing_date,
    etag, last_modified, aliases; with `html`, `repaired` and `markup_errors` when the spider has
    decoded, repaired and parsed it already) → the article record, or a quarantine record.

    The same steps for every source: decode (charset faults), check (empty, cut off), repair
    (unclosed `<title>`), extract, check the result, date rules (the list's or feed's date when the
    page has none, never the fetch time), `--since`.
    """
    result = PageResult()
    body = page_body(page)
    if page.get("html") is not None:  # decoded and repaired by the spider (crawler/extract/parse.py)
        text, encoding = page["html"], page.get("encoding") or "utf-8"
    else:
        text, encoding = decode_html(body, page.get("encoding"))
    problem = page_problem(text)
    if problem:
        result.fault(page, problem[0], problem[1], body)
        return result
    if page.get("html") is not None:
        repaired, errors = bool(page.get("repaired")), int(page.get("markup_errors") or 0)
        sel = parse_html(text)[0]  # the one parse here: extraction reads this tree
    else:
        text, repaired = repair_html(text)
        sel, errors = parse_html(text)
    if repaired or errors >= MALFORMED_ERRORS:
        # Counted, not quarantined: the parser recovered, and the article is stored.
        result.errors["malformed"] += 1
        logger.info("malformed: %s (%d markup errors%s)", page.get("url"), errors, ", unclosed <title>" if repaired else "")
    fetched = datetime.fromisoformat(page["fetched_at"]) if page.get("fetched_at") else None
    try:
        fields = extract_page(extractor, article_rules, text, page["url"], now=fetched, sel=sel)
    except Exception as exc:  # an extractor bug costs one page, kept in quarantine, never the crawl
        result.fault(page, "parse_error", f"{exc.__class__.__name__}: {exc}".splitlines()[0][:500], body)
        return result
    problem = content_problem(fields)
    if problem:
        result.fault(page, problem[0], problem[1], body)
        return result
    published = fields.published or page.get("listing_date") or None
    if published is None:
        result.notes["undated"] += 1
        logger.info("undated: %s is stored without a publication date", page.get("url"))
    if since and published and date.fromisoformat(published[:10]) < since:
        result.skipped += 1
        return result
    result.records.append(
        {
            "url": page["url"],  # the spider decided the article's address (canonical link, redirects)
            "source": page.get("source"),
            "title": fields.title,
            "kicker": fields.kicker,
            "teaser": fields.teaser,
            "body": fields.body,
            "published": published,
            "date_missing": published is None,
            "image_caption": fields.image_caption,
            "image_credit": fields.image_credit,
            "fetched_at": page.get("fetched_at"),
            "raw_html": body,
            "encoding": encoding,
            "discovered_links": [u for u in fields.related_links if u != page["url"]],
            "etag": page.get("etag"),
            "last_modified": page.get("last_modified"),
            "aliases": list(page.get("aliases") or []),
        }
    )
    return result
