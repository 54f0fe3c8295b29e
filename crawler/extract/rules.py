"""Article pages read with field rules from the sources file (CSS, or XPath with an `xpath:` prefix).

A field without a rule falls back to the generic extractor's answer (the body to trafilatura), so
a source can name only the selectors it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from crawler.extract.article import (
    ArticleFields,
    canonical_url,
    clean,
    resolve_date,
    split_caption,
    structured_date,
)
from crawler.extract.generic import generic_title, page_date, trafilatura_body
from crawler.sources import select


def _texts(nodes: SelectorList) -> list[str]:
    """Each match as text: string results as they are, elements with all their descendant text."""
    out = []
    for node in nodes:
        value = node.get() if isinstance(node.root, str) else " ".join(node.css("::text").getall())
        text = clean(value)
        if text:
            out.append(text)
    return out


def rule_text(sel: Selector, query: str | None) -> str:
    if not query:
        return ""
    return " ".join(_texts(select(sel, query)))


def extract_with_rules(html: str, url: str, rules: Mapping[str, str], now: datetime | None = None,
                       sel: Selector | None = None) -> ArticleFields:
    sel = sel if sel is not None else Selector(text=html)  # `html` already parsed, if given
    title = rule_text(sel, rules.get("title")) or generic_title(sel)
    if rules.get("body"):
        body = "\n\n".join(_texts(select(sel, rules["body"])))
    else:
        body = trafilatura_body(html, url)
    # Structured data (JSON-LD, meta, <time datetime>) first, then the text the rule points at; a
    # source without a date rule gets the generic search through date-ish elements.
    date_text = rule_text(sel, rules.get("date"))
    published = resolve_date([structured_date(sel) or "", date_text], now)
    if published is None and not rules.get("date"):
        published = page_date(sel, now)
    caption, credit = split_caption(rule_text(sel, rules.get("image_caption")))
    credit = rule_text(sel, rules.get("image_credit")) or credit
    related: list[str] = []
    if rules.get("related"):
        for node in select(sel, rules["related"]):
            href = node.get() if isinstance(node.root, str) else node.attrib.get("href")
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                related.append(urljoin(url, href.strip()))
    return ArticleFields(
        url=canonical_url(sel, url),
        title=title,
        kicker=rule_text(sel, rules.get("kicker")),
        teaser=rule_text(sel, rules.get("teaser")),
        body=body,
        published=published,
        image_caption=caption,
        image_credit=credit,
        related_links=list(dict.fromkeys(related)),
    )

