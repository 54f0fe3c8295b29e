"""Bounded crawls: per source and run, at most so many list pages, links of depth and articles.

A site can hold a crawler forever without meaning to: a calendar whose "next month" never ends, a
related block that always links one more day. `CrawlLimitsMiddleware` watches every request the
spider yields and stops, per source, at `max_list_pages` list/feed/sitemap pages, at articles more
than `max_depth` links from a list page (1 = only the listed articles), and at `max_articles`
article pages. The first hit of each limit per source is a counted fault (`crawl_runs`,
`errors_by_kind`) with a quarantine row naming the first URL not followed and the limit; the
source's `sources.last_crawl_status` becomes `limited: <kinds>` instead of `finished`, so nobody
mistakes a cut crawl for a complete one. (What was walked is complete, so the next crawl may still
stop paging at known articles.) Later hits are only counted (`radar/limited/<kind>` in the stats).

Limits come from the sources file (`max_list_pages`, `max_depth`, `max_articles`), else the
settings RADAR_MAX_LIST_PAGES / RADAR_MAX_DEPTH / RADAR_MAX_ARTICLES; `radar crawl --max-…` puts a
cap on all sources for one run (RADAR_LIMIT_CAPS): the stricter value wins.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from crawler.items import QuarantineItem
from crawler.sources import LIMIT_KEYS

logger = logging.getLogger(__name__)

#: Run defaults for sources that set no limit of their own.
DEFAULT_LIMITS = {"max_list_pages": 1000, "max_depth": 3, "max_articles": 50_000}
#: The fault kind each limit is counted and quarantined as.
LIMIT_KINDS = {"max_list_pages": "list_page_limit", "max_depth": "depth_limit", "max_articles": "article_limit"}
SETTINGS = {"max_list_pages": "RADAR_MAX_LIST_PAGES", "max_depth": "RADAR_MAX_DEPTH", "max_articles": "RADAR_MAX_ARTICLES"}


def limited_sources(stats: dict[str, Any]) -> dict[str, list[str]]:
    """source id → the limit kinds it hit in this run (from the crawl's stats)."""
    out: dict[str, list[str]] = {}
    for key in stats:
        if key.startswith("radar/limited_source/"):
            source, _, kind = key[len("radar/limited_source/"):].partition("/")
            out.setdefault(source, []).append(kind)
    return {source: sorted(kinds) for source, kinds in out.items()}


@dataclass
class _SourceState:
    limits: dict[str, int]
    list_pages: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)


class CrawlLimitsMiddleware:
    """Spider middleware that drops requests beyond a source's limits and reports the first one."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.defaults = {key: settings.getint(SETTINGS[key], DEFAULT_LIMITS[key]) for key in LIMIT_KEYS}
        self.caps = {k: int(v) for k, v in settings.getdict("RADAR_LIMIT_CAPS").items() if k in LIMIT_KEYS}
        self.states: dict[str, _SourceState] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLimitsMiddleware:
        return cls(crawler)

    def _state(self, source_id: str) -> _SourceState | None:
        state = self.states.get(source_id)
        if state is None:
            spider = self.crawler.spider
            source = getattr(spider, "by_id", {}).get(source_id)
            if source is None:
                return None
            limits = {}
            for key in LIMIT_KEYS:
                value = getattr(source, key, None) or self.defaults[key]
                limits[key] = min(value, self.caps[key]) if key in self.caps else value
            state = self.states[source_id] = _SourceState(limits)
        return state

    # --- Scrapy hooks -----------------------------------------------------------------------
    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            for out in self._check(item_or_request, None):
                yield out

    def process_start_requests(self, start_requests: Iterable[Any], spider: Any) -> Iterable[Any]:
        for item_or_request in start_requests:  # Scrapy < 2.13
            yield from self._check(item_or_request, None)

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any = None) -> Iterable[Any]:
        for item_or_request in result:
            yield from self._check(item_or_request, response)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for item_or_request in result:
            for out in self._check(item_or_request, response):
                yield out

    # --- the limits -------------------------------------------------------------------------
    def _check(self, item_or_request: Any, response: Any) -> Iterator[Any]:
        request = item_or_request
        if not isinstance(request, Request) or request.meta.get("role") not in ("listing", "article"):
            yield item_or_request
            return
        state = self._state(request.meta.get("source") or "")
        if state is None:
            yield request
            return
        if request.meta["role"] == "listing":
            if request.url not in state.list_pages:
                if len(state.list_pages) >= state.limits["max_list_pages"]:
                    yield from self._hit(request, "max_list_pages", state)
                    return
                state.list_pages.add(request.url)
            yield request
            return
        parent = response.meta if response is not None else {}
        if request.meta.get("via") == "canonical":
            depth = parent.get("radar_depth", 1)  # the same article under its own address: no hop
        elif parent.get("role") == "article":
            depth = parent.get("radar_depth", 1) + 1
        else:
            depth = 1
        request.meta["radar_depth"] = depth
        if depth > state.limits["max_depth"]:
            yield from self._hit(request, "max_depth", state)
            return
        if request.url not in state.articles:
            if len(state.articles) >= state.limits["max_articles"]:
                yield from self._hit(request, "max_articles", state)
                return
            state.articles.add(request.url)
        yield request

    def _hit(self, request: Request, limit: str, state: _SourceState) -> Iterator[QuarantineItem]:
        """Count a request not followed; the first per source and limit is a fault with a warning."""
        stats = self.crawler.stats
        kind = LIMIT_KINDS[limit]
        source = request.meta.get("source")
        stats.inc_value(f"radar/limited/{kind}")
        first = not stats.get_value(f"radar/limited_source/{source}/{kind}")
        stats.inc_value(f"radar/limited_source/{source}/{kind}")
        if not first:
            return
        value = state.limits[limit]
        reason = (f"{limit} = {value} reached for source {source!r}: this link and later ones beyond the "
                  f"limit are not followed (raise {limit} in the sources file if the site is really this big)")
        stats.inc_value(f"radar/errors/{kind}")
        logger.warning("%s: %s: %s", kind, request.url, reason)
        yield QuarantineItem(kind="quarantine", url=request.url, source=source, error_kind=kind, reason=reason,
                             body=None, fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
