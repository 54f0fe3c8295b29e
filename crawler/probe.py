"""What a source's rules and the generic path make of one list page and one article (`radar sources test`).

Why: a user adding a site should see, before crawling, field by field what each rule extracts, what
the generic extractor would find instead, and which of them the crawl stores — the same decisions
the spider (`crawler/spiders/configured.py`) and the store step (`crawler/extract/pages.py`) take,
on one page each. Pure functions over fetched text; fetching and printing are the CLI's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.article import ArticleFields
from crawler.extract.generic import generic_fields
from crawler.extract.listing import fallback_links, guess_next, rule_teasers
from crawler.extract.pages import extract_page
from crawler.extract.parse import repair_html
from crawler.extract.rules import rule_text
from crawler.sources import Source, select

FIELDS = ("title", "kicker", "teaser", "published", "body", "image_caption", "image_credit")


@dataclass
class RuleResult:
    key: str
    query: str
    values: list[str]  # what the rule matched (first few)


@dataclass
class ListingReport:
    """A list page: each rule's matches, the fallback links, and what the crawl would follow."""

    url: str
    rules: list[RuleResult] = field(default_factory=list)
    rule_links: list[tuple[str, str | None]] = field(default_factory=list)  # (url, listing day)
    fallback: list[tuple[str, str | None]] = field(default_factory=list)  # (url, listing day)
    fallback_how: str = ""
    next_url: str | None = None
    next_how: str = ""

    @property
    def articles(self) -> list[tuple[str, str | None]]:
        """What the crawl follows: the rules' links, or the fallback's when the rules found none."""
        return self.rule_links or self.fallback


@dataclass
class FieldReport:
    name: str
    rule: str | None  # the selector, None without a rule
    rule_value: str | None
    generic_value: str
    stored: str
    origin: str  # rule | kommune21 | generic | list page | —


def probe_listing(source: Source, url: str, html: str, guess: bool) -> ListingReport:
    """Run the source's list rules on one page, and the fallback the crawl would take."""
    sel = Selector(text=html)
    now = datetime.now(timezone.utc)
    report = ListingReport(url=url)
    rules = source.rules
    if rules is not None:
        nodes = select(sel, rules.item)
        report.rules.append(RuleResult("item", rules.item, [node.get() for node in nodes]))
        for key in ("link", "title", "date"):
            query = getattr(rules, key)
            if query:
                values = [" ".join(" ".join(select(n, query).getall()).split()) for n in nodes]
                report.rules.append(RuleResult(key, query, [v for v in values if v]))
        teasers, _ = rule_teasers(sel, url, rules, now)
        report.rule_links = [(u, day) for u, _, day in teasers if source.accepts(u)]
        if rules.next:
            found = select(sel, rules.next).get()
            report.rules.append(RuleResult("next", rules.next, [urljoin(url, found.strip())] if found else []))
            report.next_url, report.next_how = (urljoin(url, found.strip()), "rule") if found else (None, "")
    found, report.fallback_how = fallback_links(sel, url, source, guess, now)
    report.fallback = [(u, day) for u, _, day in found]
    if report.next_url is None and not report.rule_links:
        report.next_url = guess_next(sel, url)
        report.next_how = "found by its markup" if report.next_url else ""
    return report


def probe_article(source: Source, url: str, html: str, listing_day: str | None = None) -> list[FieldReport]:
    """Each field: the source's rule (or built-in extractor), the generic path, and what is stored."""
    html, _ = repair_html(html)
    now = datetime.now(timezone.utc)
    sel = Selector(text=html)
    stored = extract_page(source.extractor, source.article, html, url, now=now)
    generic = generic_fields(sel, html, url, now)
    reports = []
    for name in FIELDS:
        query = source.article.get(name if name != "published" else "date") if source.extractor == "rules" else None
        rule_value = rule_text(sel, query) if query else None
        if source.extractor == "kommune21":
            query, rule_value = "built-in kommune21 extractor", _value(stored, name)
        value = _value(stored, name)
        origin = "—"
        if name == "published" and not value and listing_day:
            value, origin = listing_day, "list page"
        elif value and rule_value is not None and value == rule_value:
            origin = "rule" if source.extractor == "rules" else source.extractor
        elif value and value == _value(generic, name):
            origin = "generic"
        elif value:
            origin = source.extractor
        reports.append(FieldReport(name, query, rule_value, _value(generic, name), value, origin))
    return reports


def _value(fields: ArticleFields, name: str) -> str:
    value: Any = getattr(fields, name)
    return value or ""
