"""The store pipeline: every crawl record is extracted, tagged (crawler/pageflow.py) and stored (db).

It builds itself `from_crawler`, as Scrapy's own components do. By default (`RADAR_STORE_WORKER =
"process"`) extracting, tagging and writing happen in the store worker process
(crawler/storeworker.py), so the reactor only fetches and follows links; with `"inline"` the same
RecordProcessor runs here, in the crawl process (simpler to debug, slower). A distributed worker
replaces this pipeline with crawler/redis_pipeline.py, which runs the same PageFlow.
"""

from __future__ import annotations

import json
import logging
import queue
import time
from collections import Counter
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.limits import limited_sources
from crawler.pageflow import source_specs
from crawler.storeworker import RecordProcessor, spawn_worker, take_spawned_worker
from db.store import ArchiveWriter

logger = logging.getLogger(__name__)

class StorePipeline:
    """Write every record (articles, links, aliases, 304 checks, quarantine) in batches, and keep the
    run's `crawl_runs` row and the sources' crawl status."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.db_path: str = settings.get("RADAR_DB")
        self.batch_size = settings.getint("RADAR_STORE_BATCH", 50)
        self.flush_seconds = settings.getfloat("RADAR_STORE_FLUSH_SECONDS", 2.0)
        self.mode = settings.get("RADAR_STORE_WORKER", "process")
        self.queue_size = settings.getint("RADAR_STORE_QUEUE", 16)
        self.taxonomy_dir = settings.get("RADAR_TAXONOMY")
        self.specs: dict[str, dict[str, Any]] = {}
        self.since: str | None = None
        self.buffer: list[dict[str, Any]] = []
        self.outcomes: Counter[str] = Counter()
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.source_ids: list[str] = []
        self.processor: RecordProcessor | None = None
        self.worker: Any = None
        self.inbox: Any = None
        self.outbox: Any = None
        self.pending = 0
        self.last_flush = time.monotonic()
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        # The finish reason (finished, shutdown, closespider_*) is known only once the spider closed.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # --- lifecycle -------------------------------------------------------------------------
    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.writer = ArchiveWriter(self.db_path)
        sources = getattr(spider, "source_list", [])
        for source in sources:
            self.writer.ensure_source(
                source.id,
                name=source.name,
                url=source.start_urls[0] if source.start_urls else None,
                kind=source.type,
                description=source.description or None,
                discovery=source.type,
                extractor=source.extractor,
                config=json.dumps(source.to_config(), ensure_ascii=False),
            )
        self.source_ids = [s.id for s in sources] or [getattr(spider, "source_id", spider.name)]
        self.specs = source_specs(spider)
        since = getattr(spider, "since", None)
        self.since = since.isoformat() if since else None
        self.writer.begin_source_crawls(self.source_ids)
        start_url = (getattr(spider, "start_urls", None) or [None])[0]
        self.run_id = self.writer.start_run(spider.name, ",".join(self.source_ids), start_url, self.source_ids)
        if self.mode == "process":
            self._start_worker()
        else:
            self._start_inline()
        from twisted.internet import task

        self.loop = task.LoopingCall(self._tick)
        self.loop.start(self.flush_seconds, now=False)

    def _start_worker(self) -> None:
        # Spawned by `radar crawl` before Scrapy started (its tagger is loaded by now), or here.
        handle = take_spawned_worker() or spawn_worker(
            self.taxonomy_dir, self.crawler.settings.get("LOG_LEVEL", "WARNING"), self.queue_size)
        self.worker, self.inbox, self.outbox = handle.process, handle.inbox, handle.outbox
        handle.open(self.db_path, self.run_id, True, self.taxonomy_dir, self.specs, self.since)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # Our items hold plain values only: a shallow dict is enough, and ItemAdapter.asdict's walk
        # through every value (a list page's links, one by one) cost ~5 % of the crawl process.
        record = dict(item) if isinstance(item, scrapy.Item) else ItemAdapter(item).asdict()
        self.buffer.append(record)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _tick(self) -> None:
        if self.worker is not None and not self.worker.is_alive():
            self._fallback_inline()
        if self.buffer and time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()
        self._drain(block=False)

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        if self.worker is not None and not self.worker.is_alive():
            self._fallback_inline()
        if self.worker is not None:
            if self._send(batch):
                self.pending += 1
                self._drain(block=False)
                return
            self._fallback_inline()
        try:
            self._account(self.processor.process(batch))  # type: ignore[union-attr]
        except Exception as exc:  # the archive cannot be written (locked, disk full): count, go on
            logger.error("store_error: %d records not stored (%s: %s)", len(batch), exc.__class__.__name__, exc)
            self.crawler.stats.inc_value("radar/errors/store_error", len(batch))

    def _send(self, batch: list[dict[str, Any]]) -> bool:
        """Hand a batch to the worker; waits while its queue is full (backpressure, timed in the
        `radar/store_wait_seconds` stat: a high figure means the worker, not the network, sets the pace)."""
        started = time.monotonic()
        try:
            while True:
                try:
                    self.inbox.put(batch, timeout=0.2)
                    return True
                except queue.Full:
                    self._drain(block=False)
                    if not self.worker.is_alive():
                        return False
        finally:
            waited = time.monotonic() - started
            if waited > 0.01:
                self.crawler.stats.inc_value("radar/store_wait_seconds", round(waited, 2))

    def _fallback_inline(self) -> None:
        """The worker died (killed, out of memory): store in this process from now on. Batches it
        had not written are not in the archive, so the next crawl fetches them again."""
        logger.error("the store worker died (exit code %s); storing in the crawl process", self.worker.exitcode)
        self.crawler.stats.inc_value("radar/errors/store_worker_died")
        self.inbox.close()  # its feeder thread may be stuck writing to a pipe nobody reads: left behind
        self.worker = None
        self._start_inline()

    def _start_inline(self) -> None:
        self.processor = RecordProcessor(self.db_path, self.run_id, taxonomy_dir=self.taxonomy_dir,
                                         sources=self.specs, since=self.since)
        if self.processor.tag_problem:
            self.crawler.stats.inc_value("radar/errors/tagger_unavailable")

    def _drain(self, block: bool, timeout: float = 600.0) -> None:
        """Collect the worker's results; with `block`, until it reports it is done."""
        if self.outbox is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.outbox.get(timeout=1.0) if block else self.outbox.get_nowait()
            except queue.Empty:
                if not block or time.monotonic() > deadline or (self.worker is not None and not self.worker.is_alive()):
                    return
                continue
            if message.get("done"):
                return
            if message.get("ready"):
                if message.get("tag_problem"):
                    self.crawler.stats.inc_value("radar/errors/tagger_unavailable")
                continue
            self.pending -= 1
            self._account(message)

    def _account(self, result: dict[str, Any]) -> None:
        """Fold a batch's result into the crawl's stats (which end up in `crawl_runs`)."""
        self.outcomes.update(result.get("outcomes") or {})
        stats = self.crawler.stats
        for name, count in self.outcomes.items():
            stats.set_value(f"radar/{name}", count)
        for kind, count in (result.get("errors") or {}).items():
            stats.inc_value(f"radar/errors/{kind}", count)
        for kind, count in (result.get("notes") or {}).items():
            stats.inc_value(f"radar/{kind}", count)
        if result.get("skipped"):
            stats.inc_value("radar/skipped", result["skipped"])

    def close_spider(self, spider: Any = None) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.flush()
        if self.worker is not None:
            if self.worker.is_alive() and self._send(None):  # type: ignore[arg-type]
                self._drain(block=True)  # until the worker reports it is done (or dies)
                self.worker.join(timeout=30)
            if self.worker.is_alive() or self.worker.exitcode != 0:
                # Wedged or dead before its last batches: they are not stored; the next crawl
                # fetches them (the run is marked incomplete).
                logger.error("the store worker did not finish cleanly (exit code %s)", self.worker.exitcode)
                self.crawler.stats.inc_value("radar/errors/store_worker_died")
                self.worker.terminate()
            self.inbox.close()
        elif self.processor is not None:
            self.processor.close()

    def _quarantine_time_limit(self, spider: Any) -> None:
        """`--time-limit` (CLOSESPIDER_TIMEOUT) ended the run: one counted fault, listed in quarantine."""
        seconds = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        self.crawler.stats.inc_value("radar/errors/time_limit")
        url = (getattr(spider, "start_urls", None) or [""])[0]
        reason = (f"the run time limit was reached (--time-limit {seconds:g} s): the crawl stopped before "
                  f"the end; what was fetched is stored")
        logger.warning("time_limit: %s", reason)
        self.writer.quarantine(self.run_id, url, "time_limit", reason)  # type: ignore[union-attr]

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Close the run's `crawl_runs` row and record whether each source was crawled to the end."""
        if not self.writer or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        errors: Counter[str] = Counter()
        for key, value in stats.items():
            if key.startswith("radar/errors/"):
                errors[key[len("radar/errors/") :]] += value
        counts = {
            "pages": stats.get("response_received_count", 0),
            "not_modified": stats.get("radar/not_modified", 0),
            "skipped": stats.get("radar/skipped", 0),
            "retries": stats.get("radar/retries", 0),
            "rule_misses": stats.get("radar/rule_misses", 0),
            "fallback_links": stats.get("radar/fallback_links", 0),
            **self.outcomes,
        }
        counts["unchanged"] = self.outcomes.get("unchanged", 0) + self.outcomes.get("checked", 0)
        if reason == "closespider_timeout":
            errors["time_limit"] += 1
            counts["quarantined"] = counts.get("quarantined", 0) + 1
            self._quarantine_time_limit(spider)
        # Walked to the end with every list page read and every record stored: only then may the
        # next crawl stop paging at known articles.
        complete = reason == "finished" and not any(
            stats.get(key) for key in ("radar/listing_failed", "radar/errors/store_error", "radar/errors/store_worker_died")
        )
        self.writer.finish_run(self.run_id, counts, errors, status=reason)
        limited = limited_sources(stats)
        for source_id in self.source_ids:
            status = "finished" if complete else f"incomplete: {reason}"
            if complete and source_id in limited:  # the source's health warning: cut at a limit
                status = f"limited: {', '.join(limited[source_id])}"
            self.writer.finish_source_crawls([source_id], status)
        self.crawler.stats.set_value("radar/run_id", self.run_id)
        self.writer.db.close()
        self.writer = None
