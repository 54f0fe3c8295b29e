"""Extract, tag and store batches of crawl records — in a worker process beside the crawl, or inline.

Scrapy's reactor is one thread: every millisecond spent tagging or in SQLite is a millisecond no
page is fetched (docs/crawling.md has the figures). With `RADAR_STORE_WORKER = "process"` the store
pipeline hands batches to a child process over a bounded queue; the reactor keeps fetching on one
core while the child tags and writes on the other. The bounded queue is the backpressure: if the
child falls behind, `put` waits and the crawl slows down instead of filling memory.

A batch is written in one transaction, so a killed worker loses at most the batches not yet
committed — which the archive does not know, so the next crawl fetches them again.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class RecordProcessor:
    """Extract fetched pages, tag the articles (optionally) and write the batch through ArchiveWriter.

    `sources` maps a source id to {"extractor", "article"} (its extractor and field rules); `since`
    drops articles published before that day.
    """

    def __init__(
        self,
        db_path: str,
        run_id: int | None,
        tag: bool = True,
        taxonomy_dir: str | None = None,
        sources: Mapping[str, Mapping[str, Any]] | None = None,
        since: str | None = None,
    ):
        from db.store import ArchiveWriter

        self.writer = ArchiveWriter(db_path)
        self.run_id = run_id
        self.sources = dict(sources or {})
        self.notes: Counter[str] = Counter()
        self.since = date.fromisoformat(since) if since else None
        self.tagger = None
        self.tag_problem: str | None = None
        if tag:
            try:
                from db.taxonomy_store import record_taxonomy
                from nlp.tagger import get_tagger

                self.tagger = get_tagger(Path(taxonomy_dir) if taxonomy_dir else None)
                # a snapshot of the taxonomy lets `radar retag` see exactly what a later edit changed
                record_taxonomy(self.writer.db, self.tagger.version, self.tagger.taxonomy.directory)
            except Exception as exc:  # a broken taxonomy must not stop the archive from filling
                self.tag_problem = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
                logger.error("tagging is off for this crawl: %s", self.tag_problem)

    def extract(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str], int]:
        """Pages → article (or quarantine) records; other records pass through. Notes (`undated`)
        are kept in `self.notes` until `process` reports them."""
        from crawler.extract.pages import page_records

        out: list[dict[str, Any]] = []
        errors: Counter[str] = Counter()
        skipped = 0
        for record in records:
            if record.get("kind") != "page":
                out.append(record)
                continue
            spec = self.sources.get(record.get("source") or "") or {}
            result = page_records(record, spec.get("extractor", "generic"), spec.get("article"), self.since)
            out.extend(result.records)
            errors.update(result.errors)
            self.notes.update(result.notes)
            skipped += result.skipped
        return out, errors, skipped

    def process(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Returns {"outcomes": Counter, "errors": Counter, "skipped": int} for the batch."""
        records, errors, skipped = self.extract(records)
        if self.tagger is not None:
            errors.update(self._tag([r for r in records if (r.get("kind") or "article") == "article"]))
        result = self.writer.write_records(records, self.run_id)
        if result.outcomes["new"] or result.outcomes["updated"]:
            self.writer.sync_search()  # searchable as soon as stored, not at the next open
        if result.failures:
            errors["store_error"] += len(result.failures)
            for record, reason in result.failures:
                logger.warning("store_error: %s (%s)", record.get("url"), reason)
        notes, self.notes = self.notes, Counter()
        return {"outcomes": result.outcomes, "errors": errors, "notes": notes, "skipped": skipped}

    def _tag(self, articles: list[dict[str, Any]]) -> Counter[str]:
        errors: Counter[str] = Counter()
        if not articles:
            return errors
        docs = [(a.get("title") or "", a.get("teaser") or "", a.get("body") or "") for a in articles]
        try:
            tagged = list(self.tagger.tag_many(docs)) if hasattr(self.tagger, "tag_many") else None
        except Exception as exc:  # fall back to one by one, so one bad text costs only its own tags
            logger.warning("tag_many failed (%s); tagging one by one", exc.__class__.__name__)
            tagged = None
        for index, article in enumerate(articles):
            try:
                tags = tagged[index] if tagged is not None else self.tagger.tag(*docs[index])
                article["tags"] = [asdict(tag) if not isinstance(tag, Mapping) else dict(tag) for tag in tags]
                article["taxonomy_version"] = self.tagger.version
            except Exception as exc:
                errors["tag_error"] += 1
                logger.warning("tag_error: %s (%s: %s)", article.get("url"), exc.__class__.__name__, exc)
        return errors

    def close(self) -> None:
        self.writer.db.close()


def worker_main(
    inbox: Any,
    outbox: Any,
    db_path: str,
    run_id: int | None,
    tag: bool,
    taxonomy_dir: str | None,
    log_level: str,
    sources: Mapping[str, Mapping[str, Any]] | None = None,
    since: str | None = None,
) -> None:
    """The worker process: batches in, results out, until the `None` sentinel or the parent dies."""
    logging.basicConfig(level=log_level, format="%(asctime)s [store-worker] %(levelname)s: %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the crawl, which then sends `None`
    parent = os.getppid()
    processor = RecordProcessor(db_path, run_id, tag=tag, taxonomy_dir=taxonomy_dir, sources=sources, since=since)
    outbox.put({"ready": True, "tag_problem": processor.tag_problem})
    try:
        while True:
            try:
                batch = inbox.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl was killed: nothing more will come
                    logger.warning("the crawl process is gone; the store worker stops")
                    return
                continue
            if batch is None:
                break
            try:
                outbox.put(processor.process(batch))
            except Exception as exc:  # a database that cannot be written: report, keep the loop alive
                logger.error("batch of %d records not stored: %s: %s", len(batch), exc.__class__.__name__, exc)
                outbox.put({"outcomes": Counter(), "errors": Counter({"store_error": len(batch)})})
    finally:
        processor.close()
        outbox.put({"done": True})
