"""One spider for every source in the sources file: list pages with rules, RSS/Atom feeds, sitemaps.

    scrapy crawl configured -a sources=kommune21,verband -a sources_file=crawler/sample_sources.toml \
        -a base=http://127.0.0.1:8000 -s RADAR_DB=data/radar.db

What is "already stored" is decided by the archive, not by Scrapy's JOBDIR: list pages, feeds and
sitemaps are never "seen" (always fetched), article URLs the archive knows are fetched conditionally
(If-None-Match / If-Modified-Since, so an unchanged page costs a 304), and a list page holding only
known articles ends the paging — unless the previous crawl of that source did not finish (killed,
stopped, a list page failed), in which case every list page is walked again and nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlparse

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler.discovery import feed_date as _feed_date  # noqa: F401  (the spider's date rule for feeds)
from crawler.discovery import feed_links, sitemap_links
from crawler.extract.listing import fallback_links, guess_next, rule_teasers
from crawler.extract.pages import page_links
from crawler.extract.parse import parse_page
from crawler.items import AliasItem, CheckedItem, LinksItem, PageItem, QuarantineItem
from crawler.sources import Source, SourcesError, kommune21_source, load_sources, select

logger = logging.getLogger(__name__)

# Upper bound on list pages per source and run: a "next" link that never ends is a site bug, not news.
MAX_LIST_PAGES = 5000


def error_kind(failure: Failure) -> str:
    """A short, stable name for why a request failed (the keys of `crawl_runs.errors_by_kind`)."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from twisted.internet.error import TimeoutError as TxTimeoutError

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DownloadTimeoutError, TxTimeoutError):
        return "timeout"
    if failure.check(DownloadCancelledError):
        return "too_large" if "max size" in str(failure.value) else "cancelled"
    if failure.check(ResponseDataLossError):
        return "truncated"
    if failure.check(CannotResolveHostError):
        return "dns"
    if failure.check(DownloadConnectionRefusedError):
        return "connection_refused"
    if failure.check(IgnoreRequest):
        message = str(failure.value).lower()
        if "robots" in message:
            return "robots"
        if "redirect loop" in message or "max redirections" in message:
            return "redirect_loop"
        if "decompression" in message:
            return "compression_bomb"  # a body that inflates beyond DOWNLOAD_MAXSIZE
        return "ignored"
    name = failure.type.__name__ if failure.type else "error"
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class ConfiguredSpider(scrapy.Spider):
    """Crawl the named sources of a sources file (`sources=a,b` or `sources=*` for all)."""

    name = "configured"

    def __init__(
        self,
        sources: str | None = None,
        sources_file: str | None = None,
        base: str | None = None,
        since: str | None = None,
        full: str | bool = False,
        start_url: str | None = None,
        source: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.source_list = self._resolve_sources(sources, sources_file, base, start_url, source)
        self.by_id = {s.id: s for s in self.source_list}
        self.since: date | None = date.fromisoformat(since) if since else None
        self.full = str(full).lower() in ("1", "true", "yes")
        self.allowed_domains = sorted({d for s in self.source_list for d in s.allowed_domains})
        self.start_urls = [u for s in self.source_list for u in s.start_urls]
        self.source_id = ",".join(self.by_id)
        self.previous_status: dict[str, str | None] = {}
        self.reader = None
        self.list_pages: dict[str, int] = {}
        self.listing_seen: set[str] = set()
        # (source, rule, how) → list pages where the rule matched nothing; the links used instead
        self.rule_misses: dict[tuple[str, str, str], int] = {}
        self.fallback_seen: dict[tuple[str, str, str], set[str]] = {}
        self.guess_links = bool(start_url)  # a site nobody described: article links by their URL
        self.slow_seconds = 10.0

    @staticmethod
    def _resolve_sources(
        names: str | None, sources_file: str | None, base: str | None, start_url: str | None, source: str | None
    ) -> list[Source]:
        if start_url:
            # `radar crawl --start-url`: a named source from the file pointed elsewhere, or the
            # built-in Kommune21 rules under the given source id.
            if source and sources_file:
                shipped = load_sources(sources_file, base).sources.get(source)
                if shipped:
                    host = urlparse(start_url).hostname or ""
                    return [Source(**{**vars(shipped), "start_urls": (start_url,), "allowed_domains": (host,)})]
            return [kommune21_source(start_url, source or "kommune21")]
        loaded = load_sources(sources_file, base)
        if not names or names == "*":
            if not loaded.sources:
                raise SourcesError([f"{loaded.path}: no sources defined"])
            return list(loaded.sources.values())
        return loaded.select([n.strip() for n in names.split(",") if n.strip()])

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ConfiguredSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.slow_seconds = crawler.settings.getfloat("RADAR_SLOW_SECONDS", 10.0)
        db_path = crawler.settings.get("RADAR_DB")
        if db_path and crawler.settings.getbool("RADAR_INCREMENTAL", True):
            from db.reader import ArchiveReader

            spider.reader = ArchiveReader(db_path)
            # Read before the store pipeline marks these sources as running.
            spider.previous_status = {sid: spider.reader.source_status(sid) for sid in spider.by_id}
        return spider

    # --- helpers ---------------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"radar/{key}", n)

    def fault(self, url: str, source: str | None, kind: str, reason: str, body: bytes | None = None) -> QuarantineItem:
        """Count a fault by kind and keep the page in quarantine."""
        self.count(f"errors/{kind}")
        logger.warning("%s: %s (%s)", kind, url, reason)
        return QuarantineItem(
            kind="quarantine",
            url=url,
            source=source,
            error_kind=kind,
            reason=reason,
            body=body,
            fetched_at=_now().isoformat(timespec="seconds"),
        )

    def incremental(self, source: Source) -> bool:
        """Stop paging at known articles only when the previous crawl of the source walked to the end."""
        # `limited: …`: walked to a crawl limit (crawler/limits.py); what it walked is complete
        previous = (self.previous_status.get(source.id) or "").split(":")[0]
        return not self.full and self.reader is not None and previous in ("finished", "limited")

    def known(self, urls: Iterable[str]) -> dict[str, Any]:
        return self.reader.known(urls) if self.reader is not None else {}

    def listing_request(self, url: str, source: Source, callback: Any, page: int = 1) -> scrapy.Request | None:
        if url in self.listing_seen:
            return None
        self.listing_seen.add(url)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,  # list pages are never "seen": they change every day
            meta={"source": source.id, "role": "listing", "page": page},
        )

    def follow_articles(
        self, response: Response, source: Source, articles: list[tuple[str, str | None, str | None]],
        known: dict[str, Any], context: str, via: str,
    ) -> Iterator[Any]:
        """Record a list page's or feed's (url, anchor, day) entries as links, then request the articles."""
        self.count(f"listed/{source.id}", len(articles))  # 0 for a whole crawl: the source is broken
        yield LinksItem(
            kind="links",
            url=response.url,
            source=source.id,
            links=[{"url": u, "context": context, "anchor": a or None} for u, a, _ in articles],
        )
        for url, _, day in articles:
            if self.too_old(day):
                self.count("skipped")
                continue
            yield self.article_request(url, source, known.get(url), day, via=via)

    def article_request(
        self, url: str, source: Source, known: Any = None, listing_date: str | None = None, via: str = "list"
    ) -> scrapy.Request:
        meta: dict[str, Any] = {
            "source": source.id,
            "role": "article",
            "via": via,
            "handle_httpstatus_list": [304],
        }
        if listing_date:
            meta["listing_date"] = listing_date
        if known is not None and (known.etag or known.last_modified):
            meta["radar_validators"] = (known.etag, known.last_modified)
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, meta=meta, priority=1)

    def too_old(self, published: str | None) -> bool:
        return bool(self.since and published and date.fromisoformat(published[:10]) < self.since)

    # --- start -----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for item_or_request in self.start_requests():
            yield item_or_request

    def start_requests(self) -> Iterator[scrapy.Request]:
        callbacks = {"rules": self.parse_listing, "feed": self.parse_feed, "sitemap": self.parse_sitemap}
        for source in self.source_list:
            logger.info(
                "source %s (%s): %s, incremental=%s since=%s",
                source.id, source.type, ", ".join(source.start_urls), self.incremental(source), self.since,
            )
            for url in source.start_urls:
                request = self.listing_request(url, source, callbacks[source.type])
                if request is not None:
                    yield request

    # --- list pages ------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A list page: every teaser's article (known ones conditionally), then maybe the next page."""
        source = self.by_id[response.meta["source"]]
        if not isinstance(response, TextResponse):
            yield self.fault(response.url, source.id, "not_html", f"list page is {response.headers.get('Content-Type')!r}")
            self.count("listing_failed")
            return
        self.count("list_pages")
        rules = source.rules
        assert rules is not None
        teasers, missed = rule_teasers(response, response.url, rules, _now())
        articles = [(u, a, d) for u, a, d in teasers if source.accepts(u)]
        fallback = False
        if not articles:
            # The rules found no article here: take every link the source accepts as an article
            # (for `--start-url`, links that look like articles) rather than report a silent zero.
            found, how = fallback_links(response, response.url, source, self.guess_links, _now())
            if found:
                fallback = True
                self.note_miss(source, missed, how, [u for u, _, _ in found])
                articles = found
        known = self.known(u for u, _, _ in articles)
        # The next list page before this page's articles: list pages form a chain (each is known
        # only once the one before is parsed), the crawl's critical path; the articles behind it
        # wait in the scheduler anyway (bench/crawl: the next page reached the scheduler ~11 ms
        # after its predecessor arrived when it came last, which set the pace of the whole crawl).
        yield from self.next_listing(response, source, articles, known, fallback)
        yield from self.follow_articles(response, source, articles, known, context="teaser", via="list")

    def next_listing(
        self, response: Response, source: Source, articles: list[tuple[str, str | None, str | None]],
        known: dict[str, Any], fallback: bool,
    ) -> Iterator[Any]:
        """The request for the list page after this one, unless paging stops here (no next link,
        older than --since, only known articles, MAX_LIST_PAGES)."""
        rules = source.rules
        assert rules is not None
        next_href = select(response, rules.next).get() if rules.next else None
        if not next_href and fallback:
            next_href = guess_next(response, response.url)  # rules that missed the items miss this too
        if not next_href:
            return
        page = response.meta.get("page", 1)
        dated = [d for _, _, d in articles if d]
        if self.since and dated and all(self.too_old(d) for d in dated):
            logger.info("%s: page %d is older than --since %s; stop paging", source.id, page, self.since)
            return
        if self.incremental(source) and articles and all(u in known for u, _, _ in articles):
            logger.info("%s: page %d holds only known articles; stop paging", source.id, page)
            self.count("incremental_stops")
            return
        if page >= MAX_LIST_PAGES:
            yield self.fault(response.url, source.id, "too_many_pages", f"stopped after {page} list pages")
            return
        request = self.listing_request(response.urljoin(next_href.strip()), source, self.parse_listing, page + 1)
        if request is not None:
            yield request

    def note_miss(self, source: Source, rule: str, how: str, links: list[str]) -> None:
        """Count a list page whose rule matched nothing and the distinct links used instead; warned
        once per source and rule at the end."""
        seen = self.fallback_seen.setdefault((source.id, rule, how), set())
        fresh = [u for u in links if u not in seen]
        seen.update(fresh)
        self.count("rule_misses")
        self.count("fallback_links", len(fresh))
        self.rule_misses[(source.id, rule, how)] = self.rule_misses.get((source.id, rule, how), 0) + 1

    def closed(self, reason: str) -> None:
        """Warn once per source and rule that matched nothing (the counts are in `crawl_runs`)."""
        for (source_id, rule, how), pages in sorted(self.rule_misses.items()):
            links = len(self.fallback_seen[(source_id, rule, how)])
            logger.warning(
                "%s: list rule %s matched nothing on %d list page%s; used %d %s instead",
                source_id, rule, pages, "" if pages == 1 else "s", links, how,
            )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """An RSS or Atom feed (feedparser): each entry's link, with its date for --since and as a fallback."""
        source = self.by_id[response.meta["source"]]
        self.count("list_pages")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        found = feed_links(response.body, response.url, content_type)
        if found.problem:
            self.count("listing_failed")
            yield self.fault(response.url, source.id, *found.problem, response.body)
            return
        articles = [(u, t, d) for u, t, d in found.entries if source.accepts(u)]
        known = self.known(u for u, _, _ in articles)
        yield from self.follow_articles(response, source, articles, known, context="feed", via="feed")
        if found.next_url and not (self.incremental(source) and articles and all(u in known for u, _, _ in articles)):
            request = self.listing_request(found.next_url, source, self.parse_feed, response.meta.get("page", 1) + 1)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap or sitemap index; an unchanged `lastmod` of a known article means no request at all."""
        source = self.by_id[response.meta["source"]]
        self.count("list_pages")
        max_size = response.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        found = sitemap_links(response.body, response.url, max_size)
        if found.problem:
            self.count("listing_failed")
            keep = response.body if found.problem[0] == "bad_sitemap" else None
            yield self.fault(response.url, source.id, *found.problem, keep)
            return
        for child in found.children:
            request = self.listing_request(child, source, self.parse_sitemap)
            if request is not None:
                yield request
        articles = [(u, d) for u, _, d in found.entries if source.accepts(u)]
        if not articles:
            return
        yield LinksItem(
            kind="links",
            url=response.url,
            source=source.id,
            links=[{"url": u, "context": "sitemap", "anchor": None} for u, _ in articles],
        )
        self.count(f"listed/{source.id}", len(articles))
        known = self.known(u for u, _ in articles)
        for url, modified in articles:
            if self.too_old(modified):
                self.count("skipped")
                continue
            seen = known.get(url)
            if seen is not None and not self.full and modified and seen.fetched_at and modified < seen.fetched_at[:10]:
                self.count("skipped")  # the sitemap says: not changed since we fetched it
                continue
            yield self.article_request(url, source, seen, None, via="sitemap")

    # --- articles --------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page → one PageItem (extracted by the extract step), or a quarantine record."""
        source = self.by_id[response.meta["source"]]
        if response.status == 304:
            self.count("not_modified")
            yield CheckedItem(kind="checked", url=response.url, source=source.id, checked_at=_now().isoformat(timespec="seconds"))
            return
        latency = response.meta.get("download_latency") or 0.0
        if latency > self.slow_seconds:
            self.count("errors/slow")
            logger.warning("slow: %s took %.1f s", response.url, latency)
        if "dataloss" in response.flags:
            yield self.fault(response.url, source.id, "truncated", "the connection closed before the whole body arrived", response.body)
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if content_type and "html" not in content_type and "xml" not in content_type:
            yield self.fault(response.url, source.id, "not_html", f"Content-Type {content_type!r}")
            return
        declared = http_content_type_encoding(content_type) if content_type else None
        parsed = parse_page(response.body, declared, response.url)  # the page's one decode-repair-parse
        canonical, related = page_links(parsed.selector, response.url, source.extractor, source.article)
        parsed.selector = None  # the tree is done with: do not keep it alive while the item travels
        aliases = [*response.meta.get("redirect_urls", []), response.url, *response.meta.get("aliases", [])]
        url = response.url
        if canonical != response.url:
            if source.accepts(canonical) and not response.meta.get("via_canonical"):
                # This page names another URL as the article's address: fetch that one instead, so
                # the archive holds one article under one URL with that page's text.
                for alias in dict.fromkeys(aliases):
                    yield AliasItem(kind="alias", url=alias, canonical=canonical, source=source.id)
                known = self.known([canonical]).get(canonical)
                request = self.article_request(canonical, source, known, response.meta.get("listing_date"), via="canonical")
                request.meta["via_canonical"] = True
                request.meta["aliases"] = aliases
                yield request
                return
            if source.accepts(canonical):
                url = canonical  # reached through its canonical link already: this is the article
        yield PageItem(
            kind="page",
            url=url,
            source=source.id,
            # the text alone when it re-encodes to the exact bytes: half the data to the store worker
            raw_html=None if parsed.encodes_to(response.body) else response.body,
            html=parsed.text,
            encoding=parsed.encoding,
            repaired=parsed.repaired,
            markup_errors=parsed.markup_errors,
            fetched_at=_now().isoformat(timespec="seconds"),
            listing_date=response.meta.get("listing_date"),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            aliases=[u for u in dict.fromkeys(aliases) if u != url],
        )
        if source.follow_related and related:
            related = [u for u in related if source.accepts(u)]
            known = self.known(related)
            for link in related:
                if link not in known:  # known articles are re-checked from their list page, not from here
                    yield self.article_request(link, source, None, None, via="related")

    # --- faults ----------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Every failed request: counted by kind, quarantined with the reason, never a traceback."""
        request = failure.request
        source = request.meta.get("source")
        kind = error_kind(failure)
        if kind in ("robots", "ignored"):
            self.count(f"skipped/{kind}")
            logger.info("%s: %s (%s)", kind, request.url, failure.value)
        if kind == "ignored":
            return  # e.g. offsite: not this source's page, not a fault
        if request.meta.get("role") == "listing":
            self.count("listing_failed")
        body = None
        reason = f"{failure.type.__name__ if failure.type else 'error'}: {failure.value}"
        if failure.check(HttpError):
            response = failure.value.response
            body = response.body
            reason = f"HTTP {response.status}"
        url = request.url
        if kind == "redirect_loop":  # the URL the crawl asked for, not the chain's last hop
            url = (request.meta.get("redirect_urls") or [url])[0]
        yield self.fault(url, source, kind, reason.splitlines()[0][:500], body)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
