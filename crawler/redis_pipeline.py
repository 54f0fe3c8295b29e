"""Item pipeline of a distributed worker: push finished, tagged items to Redis instead of SQLite.

Runs after TagPipeline in place of StorePipeline (see `crawler.distributed.redis_settings`). The
push is synchronous, so the request that produced an item counts as finished (and its lease is
released) only after its items are safely in Redis.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from redis.exceptions import RedisError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.redis_queue import CrawlKeys, check_crawl_id, encode_item


class RedisQueuePipeline:
    """LPUSH each record (article, links, alias, checked, quarantine) as a JSON envelope onto
    `radar:<crawl>:items` for `radar ingest`."""

    def __init__(self, server: Any, crawl_id: str, worker_id: str, crawler: Crawler):
        self.server = server
        self.keys = CrawlKeys(check_crawl_id(crawl_id))
        self.worker_id = worker_id
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisQueuePipeline:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("RADAR_CRAWL_ID"):
            raise NotConfigured("RADAR_CRAWL_ID is not set (use crawler.distributed.redis_settings)")
        return cls(get_redis_from_settings(settings), settings["RADAR_CRAWL_ID"],
                   settings.get("RADAR_WORKER_ID") or "worker", crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        record = ItemAdapter(item).asdict()
        entry = encode_item(record, crawl=self.keys.crawl, worker=self.worker_id)
        try:
            self.server.lpush(self.keys.items, entry)
        except RedisError as exc:
            # Counted: the scheduler then puts the request back in the queue instead of releasing it.
            self.crawler.stats.inc_value("radar/errors/redis")
            raise DropItem(f"cannot push to Redis ({exc}); the page will be fetched again") from exc
        self.crawler.stats.inc_value("radar/queued")
        self.crawler.stats.inc_value(f"radar/queued/{record.get('kind') or 'article'}")
        return item
