"""Extract, tag (crawler/pageflow.py) and store batches of crawl records — in a worker process beside
the crawl, or inline.

Scrapy's reactor is one thread: every millisecond spent tagging or in SQLite is a millisecond no
page is fetched (docs/crawling.md has the figures). With `RADAR_STORE_WORKER = "process"` the store
pipeline hands batches to a child process over a bounded queue; the reactor keeps fetching on one
core while the child tags and writes on the other. The bounded queue is the backpressure: if the
child falls behind, `put` waits and the crawl slows down instead of filling memory.

A batch is written in one transaction, so a killed worker loses at most the batches not yet
committed — which the archive does not know, so the next crawl fetches them again.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import signal
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class RecordProcessor:
    """Run a batch through PageFlow (extract, optionally tag) and write it through ArchiveWriter.

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
        from crawler.pageflow import PageFlow
        from db.store import ArchiveWriter

        self.writer = ArchiveWriter(db_path)
        self.run_id = run_id
        self.flow = PageFlow(sources, since, tag=tag, taxonomy_dir=taxonomy_dir)
        self.tag_problem = self.flow.tag_problem
        if self.flow.tagger is not None:
            from db.taxonomy_store import record_taxonomy

            try:  # a snapshot of the taxonomy lets `radar retag` see exactly what a later edit changed
                record_taxonomy(self.writer.db, self.flow.tagger.version, self.flow.tagger.taxonomy.directory)
            except Exception as exc:  # as a broken taxonomy: tagging off, the archive still fills
                self.tag_problem = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
                logger.error("tagging is off for this crawl: %s", self.tag_problem)
                self.flow.tagger = None

    def process(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Returns {"outcomes": Counter, "errors": Counter, "skipped": int} for the batch."""
        flowed = self.flow.run(records)
        errors = flowed.errors
        result = self.writer.write_records(flowed.records, self.run_id)
        if result.outcomes["new"] or result.outcomes["updated"]:
            self.writer.sync_search()  # searchable as soon as stored, not at the next open
        if result.failures:
            errors["store_error"] += len(result.failures)
            for record, reason in result.failures:
                logger.warning("store_error: %s (%s)", record.get("url"), reason)
        return {"outcomes": result.outcomes, "errors": errors, "notes": flowed.notes, "skipped": flowed.skipped}

    def close(self) -> None:
        self.writer.db.close()


class WorkerHandle:
    """A store worker process and its two queues. Spawned by `spawn_worker` before the crawl's own
    start-up, it loads the tagger (spaCy and the taxonomy: ~2.5 s) while the crawl process imports
    Scrapy and opens its spider, and starts storing when StorePipeline sends the run (`open`)."""

    def __init__(self, process: Any, inbox: Any, outbox: Any):
        self.process, self.inbox, self.outbox = process, inbox, outbox

    def open(self, db_path: str, run_id: int | None, tag: bool, taxonomy_dir: str | None,
             sources: Mapping[str, Mapping[str, Any]] | None, since: str | None) -> None:
        self.inbox.put({"open": {"db_path": db_path, "run_id": run_id, "tag": tag, "taxonomy_dir": taxonomy_dir,
                                 "sources": dict(sources or {}), "since": since}})


_SPAWNED: WorkerHandle | None = None


def spawn_worker(taxonomy_dir: str | None, log_level: str, queue_size: int) -> WorkerHandle:
    """Start a store worker process now (crawler/worker_transport.py: a child interpreter, two
    pipes); it loads the tagger and waits for `WorkerHandle.open`."""
    from crawler.worker_transport import start_child

    process, inbox, outbox = start_child("crawler.storeworker", [taxonomy_dir or "", log_level], queue_size)
    return WorkerHandle(process, inbox, outbox)


def prestart_worker(taxonomy_dir: str | None, log_level: str, queue_size: int) -> None:
    """Spawn the store worker before the crawl process's own start-up (imports, spider, first list
    page), so its ~2.5 s of loading overlap that instead of holding up the first batches: the next
    `take_spawned_worker` returns it (a crawl process runs one crawl: Twisted cannot restart)."""
    global _SPAWNED
    _SPAWNED = spawn_worker(taxonomy_dir, log_level, queue_size)


def take_spawned_worker() -> WorkerHandle | None:
    """The worker `prestart_worker` started, if it is still alive and not yet taken."""
    global _SPAWNED
    handle, _SPAWNED = _SPAWNED, None
    return handle if handle is not None and handle.process.is_alive() else None


def _receive(inbox: Any, parent: int) -> Any:
    """The next message from the crawl process; `_GONE` once it closed the pipe or died."""
    while True:
        try:
            return inbox.get(timeout=1.0)
        except queue.Empty:
            if inbox.closed or os.getppid() != parent:
                return _GONE


#: What `_receive` returns when no message will ever come.
_GONE = object()


def worker_main(inbox: Any, outbox: Any, taxonomy_dir: str | None, log_level: str) -> None:
    """The worker process: load the tagger, wait for the run (`open`), then batches in, results
    out, until the `None` sentinel or the parent dies. `inbox` (a `Receiver`) and `outbox` (a
    `multiprocessing.connection.Connection`) are the pipe ends crawler/worker_transport.py passed."""
    logging.basicConfig(level=log_level, format="%(asctime)s [store-worker] %(levelname)s: %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the crawl, which then sends `None`
    parent = os.getppid()
    try:  # the slow part, done while the crawl process starts: PageFlow finds it loaded
        from nlp.tagger import get_tagger

        get_tagger(Path(taxonomy_dir) if taxonomy_dir else None)
    except Exception:  # noqa: S110 - PageFlow loads it again and reports the problem
        pass
    # What is loaded now (~190,000 objects: spaCy, the taxonomy) lives as long as the process:
    # keep it out of the garbage collector's full passes (about 1 % of a crawl's worker CPU).
    gc.freeze()
    message = _receive(inbox, parent)
    run = message.get("open") if isinstance(message, dict) else None
    if run is None:
        return
    processor = RecordProcessor(run["db_path"], run["run_id"], tag=run["tag"], taxonomy_dir=run["taxonomy_dir"],
                                sources=run["sources"], since=run["since"])
    outbox.send({"ready": True, "tag_problem": processor.tag_problem})
    try:
        while True:
            batch = _receive(inbox, parent)
            if batch is _GONE:  # the crawl was killed: nothing more will come
                logger.warning("the crawl process is gone; the store worker stops")
                return
            if batch is None:
                break
            try:
                outbox.send(processor.process(batch))
            except Exception as exc:  # a database that cannot be written: report, keep the loop alive
                logger.error("batch of %d records not stored: %s: %s", len(batch), exc.__class__.__name__, exc)
                outbox.send({"outcomes": Counter(), "errors": Counter({"store_error": len(batch)})})
    finally:
        processor.close()
        try:
            outbox.send({"done": True})
        except OSError:  # the crawl process is gone
            pass


if __name__ == "__main__":  # started by spawn_worker: IN_FD OUT_FD TAXONOMY_DIR LOG_LEVEL
    from crawler.worker_transport import child_pipes

    _in, _out = child_pipes(sys.argv[1], sys.argv[2])
    worker_main(_in, _out, sys.argv[3] or None, sys.argv[4])
