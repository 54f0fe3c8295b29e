"""Item pipelines: tag each article (nlp), then store it in batches (db).

Each pipeline is one small class that builds itself `from_crawler`, as Scrapy's own components do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler

from db.store import ArchiveWriter


class TagPipeline:
    """Attach actors, Länder, municipalities and topics from the taxonomy to every article."""

    def __init__(self, taxonomy_dir: str | None = None):
        self.taxonomy_dir = taxonomy_dir
        self.tagger = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TagPipeline:
        return cls(crawler.settings.get("RADAR_TAXONOMY"))

    def open_spider(self, spider: Spider) -> None:
        from pathlib import Path

        from nlp.tagger import get_tagger

        self.tagger = get_tagger(Path(self.taxonomy_dir) if self.taxonomy_dir else None)

    def process_item(self, item: Any, spider: Spider) -> Any:
        adapter = ItemAdapter(item)
        tags = self.tagger.tag(adapter.get("title") or "", adapter.get("teaser") or "", adapter.get("body") or "")
        adapter["tags"] = [asdict(tag) for tag in tags]
        adapter["taxonomy_version"] = self.tagger.version
        return item


class StorePipeline:
    """Upsert articles into the SQLite archive in batches and record the crawl run."""

    def __init__(self, db_path: str, batch_size: int, crawler: Crawler):
        self.db_path = db_path
        self.batch_size = batch_size
        self.crawler = crawler
        self.buffer: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler.settings.get("RADAR_DB"), crawler.settings.getint("RADAR_STORE_BATCH", 50), crawler)

    def open_spider(self, spider: Spider) -> None:
        self.writer = ArchiveWriter(self.db_path)
        start_url = (getattr(spider, "start_urls", None) or [None])[0]
        source_id = getattr(spider, "source_id", spider.name)
        self.writer.ensure_source(source_id, url=start_url)
        self.run_id = self.writer.start_run(spider.name, source_id, start_url)

    def process_item(self, item: Any, spider: Spider) -> Any:
        self.buffer.append(ItemAdapter(item).asdict())
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if self.buffer and self.writer:
            self.outcomes.update(self.writer.upsert_articles(self.buffer))
            for name, count in self.outcomes.items():
                self.crawler.stats.set_value(f"radar/{name}", count)
            self.buffer.clear()

    def close_spider(self, spider: Spider) -> None:
        self.flush()
        if not self.writer or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        errors = Counter()
        for key, value in stats.items():
            if key.startswith("downloader/exception_type_count/"):
                errors[key.rsplit(".", 1)[-1]] += value
            elif key.startswith("downloader/response_status_count/") and not key.endswith(("/200", "/301", "/302", "/304")):
                errors["http_" + key.rsplit("/", 1)[-1]] += value
            elif key == "spider_exceptions/count" or key.startswith("radar/skipped/"):
                errors[key.rsplit("/", 1)[-1]] += value
        counts = {"pages": stats.get("response_received_count", 0), **self.outcomes}
        reason = stats.get("finish_reason", "finished")
        self.writer.finish_run(self.run_id, counts, errors, status=reason)
