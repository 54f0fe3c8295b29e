"""Item pipeline of a distributed worker: extract and tag each page (PageFlow), push to Redis.

Replaces StorePipeline (see `crawler.distributed.redis_settings`): workers never open SQLite. Each
fetched page goes through crawler/pageflow.py — the same extract → tag unit the store worker runs —
and what comes out (the tagged article or a quarantine record, plus link, alias and 304 records)
is pushed onto `radar:<crawl>:items` for `radar ingest`. The push is synchronous, so the request
that produced an item counts as finished (and its lease is released) only after its records are
safely in Redis.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from redis.exceptions import RedisError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.pageflow import PageFlow, source_specs
from crawler.redis_queue import CrawlKeys, check_crawl_id, encode_item


class RedisQueuePipeline:
    """Extract and tag pages, then LPUSH each record as a JSON envelope onto `radar:<crawl>:items`."""

    def __init__(self, server: Any, crawl_id: str, worker_id: str, crawler: Crawler):
        self.server = server
        self.keys = CrawlKeys(check_crawl_id(crawl_id))
        self.worker_id = worker_id
        self.crawler = crawler
        self.flow: PageFlow | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisQueuePipeline:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("RADAR_CRAWL_ID"):
            raise NotConfigured("RADAR_CRAWL_ID is not set (use crawler.distributed.redis_settings)")
        return cls(get_redis_from_settings(settings), settings["RADAR_CRAWL_ID"],
                   settings.get("RADAR_WORKER_ID") or "worker", crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        since = getattr(spider, "since", None)
        self.flow = PageFlow(source_specs(spider), since.isoformat() if since else None,
                             taxonomy_dir=self.crawler.settings.get("RADAR_TAXONOMY"))
        if self.flow.tag_problem:
            self.crawler.stats.inc_value("radar/errors/tagger_unavailable")

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.flow is not None
        stats = self.crawler.stats
        flowed = self.flow.run([ItemAdapter(item).asdict()])
        for kind, count in flowed.errors.items():
            stats.inc_value(f"radar/errors/{kind}", count)
        for kind, count in flowed.notes.items():
            stats.inc_value(f"radar/{kind}", count)
        if flowed.skipped:
            stats.inc_value("radar/skipped", flowed.skipped)
        entries = [encode_item(record, crawl=self.keys.crawl, worker=self.worker_id) for record in flowed.records]
        if not entries:
            raise DropItem(f"published before --since: {ItemAdapter(item).get('url')}", log_level="DEBUG")
        try:
            self.server.lpush(self.keys.items, *entries)
        except RedisError as exc:
            # Counted: the scheduler then puts the request back in the queue instead of releasing it.
            stats.inc_value("radar/errors/redis")
            raise DropItem(f"cannot push to Redis ({exc}); the page will be fetched again") from exc
        for record in flowed.records:
            stats.inc_value("radar/queued")
            stats.inc_value(f"radar/queued/{record.get('kind') or 'article'}")
        return item
