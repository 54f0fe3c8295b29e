"""Downloader and spider middlewares: conditional requests, retries with backoff, faults as data.

One small class per concern, each building itself `from_crawler` and raising NotConfigured when
switched off, as Scrapy's own components do (scrapy/extensions/throttle.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.items import QuarantineItem

logger = logging.getLogger(__name__)


class ConditionalRequestMiddleware:
    """Ask for a known article only if it changed: If-None-Match / If-Modified-Since from the archive.

    The spider puts the stored validators into `request.meta["radar_validators"]`; a 304 answer
    reaches the spider (it is in `handle_httpstatus_list`) and is counted as unchanged.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        if not crawler.settings.getbool("RADAR_CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        validators = request.meta.get("radar_validators")
        if not validators:
            return None
        etag, last_modified = validators
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        self.crawler.stats.inc_value("radar/conditional_requests")
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, 408, 429, time-outs, lost connections) with exponential backoff.

    The n-th retry of a request waits RETRY_BACKOFF_BASE × 2^(n-1) seconds (at most
    RETRY_BACKOFF_MAX) before it is handed back, so a struggling server gets air instead of an
    immediate second hit. Only the retried request waits; the other downloads go on.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | Response | None:
        return await self._wait(super().process_exception(request, exception))

    def backoff(self, retry_times: int) -> float:
        """Seconds to wait before the `retry_times`-th retry."""
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, retry_times - 1))

    async def _wait(self, result: Any) -> Any:
        if isinstance(result, Request) and self.backoff_base > 0:
            from twisted.internet import reactor, task

            self.crawler.stats.inc_value("radar/retries")
            delay = self.backoff(result.meta.get("retry_times", 1))
            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return result


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware that names a redirect loop (A → B → A) as one.

    Scrapy stops a chain after REDIRECT_MAX_TIMES, but a loop through an article URL ends earlier,
    and silently: the duplicate filter drops the repeated URL. Here a redirect to a URL already in
    the request's chain fails with a "redirect loop" IgnoreRequest, which the spider's errback
    counts and quarantines (`redirect_loop`), as it does a chain that is too long.
    """

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise IgnoreRequest(f"redirect loop: {' → '.join([*chain, redirected.url])}")
        return super()._redirect(redirected, request, reason)


class FaultsMiddleware:
    """A callback that raises becomes a quarantine record and a counted `parse_error`, not a traceback."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FaultsMiddleware:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception, spider: Any = None) -> Iterable[Any]:
        kind = "parse_error"
        reason = f"{exception.__class__.__name__}: {exception}".splitlines()[0][:500]
        self.crawler.stats.inc_value(f"radar/errors/{kind}")
        logger.warning("%s: %s (%s)", kind, response.url, reason)
        return [
            QuarantineItem(
                kind="quarantine",
                url=response.url,
                source=response.meta.get("source"),
                error_kind=kind,
                reason=reason,
                body=response.body,
                fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            )
        ]


class MemoryDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter without its JOBDIR file.

    `requests.seen` marks a request when it is *scheduled*; after a SIGKILL the queue holding it is
    gone but the mark is not, and the article would never be fetched again. Duplicates are filtered
    within one run; across runs, the archive decides what is already stored.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryDupeFilter:
        fingerprinter = crawler.request_fingerprinter
        return cls(None, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=fingerprinter)
