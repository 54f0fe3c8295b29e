"""One shared pass: start and list pages go through the shared duplicate filter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler


class _Forgetful(set):
    """A set that remembers nothing: `x in s` is always False."""

    def __contains__(self, item: object) -> bool:
        return False

    def add(self, item: Any) -> None:
        pass


class SharedPassMiddleware:
    """Within a pass, start and list pages go through the shared duplicate filter.

    Scrapy marks start requests `dont_filter`, and our spiders mark list pages `dont_filter` (they
    change every day, so no run may remember them). Our duplicate filter lives for one pass only, so
    filtering them is right here, and it is what lets N workers fetch a start URL once. The spider's
    own per-process memory of list pages (`listing_seen`) is switched off in favour of the shared
    filter: a list page whose lease comes back (its worker died, or Redis failed while it ran) must
    be able to request its next page again, which the shared filter allows only if that request
    never reached Redis.
    """

    def __init__(self, crawler: Crawler):
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPassMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        if isinstance(getattr(spider, "listing_seen", None), set):
            spider.listing_seen = _Forgetful()

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield self._filterable(item_or_request, start=True)

    def process_start_requests(self, start_requests: Iterable[Any], spider: Any) -> Iterable[Any]:
        for item_or_request in start_requests:  # Scrapy < 2.13
            yield self._filterable(item_or_request, start=True)

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any = None) -> Iterable[Any]:
        for item_or_request in result:
            yield self._filterable(item_or_request)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for item_or_request in result:
            yield self._filterable(item_or_request)

    @staticmethod
    def _filterable(item_or_request: Any, start: bool = False) -> Any:
        if (isinstance(item_or_request, Request) and item_or_request.dont_filter
                and (start or item_or_request.meta.get("role") == "listing")):
            return item_or_request.replace(dont_filter=False)
        return item_or_request
