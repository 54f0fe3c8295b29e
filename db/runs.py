"""Crawl run bookkeeping: `crawl_runs` rows, each source's crawl status and the quarantine.

A mixin of `db.store.ArchiveWriter` (it needs the writer's `db` and `transaction()`), kept apart so
the article writer reads as one job. `crawl_runs` counts exactly what the run stored: the caller
passes the outcome counts `ArchiveWriter.write_records` returned.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlite_utils import Database

from db.crawl_schema import INTERRUPTED
from db.records import compress, pid_alive, utcnow

MAX_QUARANTINE_BODY = 2_000_000  # bytes of a quarantined page kept (compressed) for a look later


class RunBookkeeping:
    """Runs, source crawl status and quarantine rows of one archive."""

    db: Database

    def transaction(self) -> AbstractContextManager[None]:  # pragma: no cover - provided by the writer
        raise NotImplementedError

    # --- sources ---------------------------------------------------------------------------
    def begin_source_crawls(self, source_ids: Iterable[str]) -> dict[str, str | None]:
        """Mark sources as being crawled; returns each one's previous `last_crawl_status`
        (`finished` means the previous crawl walked to the end, so this one may stop early)."""
        previous: dict[str, str | None] = {}
        now = utcnow()
        with self.transaction():
            for source_id in source_ids:
                row = self.db.execute("select last_crawl_status from sources where id = ?", [source_id]).fetchone()
                previous[source_id] = row[0] if row else None
                self.db.execute(
                    "update sources set last_crawl_status = 'running', last_crawl_started = ? where id = ?",
                    [now, source_id],
                )
        return previous

    def finish_source_crawls(self, source_ids: Iterable[str], status: str) -> None:
        with self.transaction():
            for source_id in source_ids:
                self.db.execute(
                    "update sources set last_crawl_status = ?, last_crawl_finished = ? where id = ?",
                    [status, utcnow(), source_id],
                )

    # --- quarantine ------------------------------------------------------------------------
    def _quarantine(self, run_id: int | None, record: Mapping[str, Any]) -> None:
        body = record.get("body")
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.db.conn.execute(
            "insert into quarantine (run_id, url, kind, reason, fetched_at, body_gz) values (?, ?, ?, ?, ?, ?)",
            [
                run_id,
                record.get("url") or "",
                record.get("error_kind") or "unknown",
                (record.get("reason") or "")[:2000],
                record.get("fetched_at") or utcnow(),
                compress(body[:MAX_QUARANTINE_BODY] if body else None),
            ],
        )

    def quarantine(self, run_id: int | None, url: str, kind: str, reason: str, body: bytes | None = None) -> None:
        """Keep what could not be parsed, with the reason, so nothing fetched is silently lost."""
        with self.transaction():
            self._quarantine(run_id, {"url": url, "error_kind": kind, "reason": reason, "body": body})

    # --- crawl runs ------------------------------------------------------------------------
    def start_run(
        self, spider: str, source_id: str | None = None, start_url: str | None = None, sources: Iterable[str] = ()
    ) -> int:
        """Open a `crawl_runs` row; runs left `running` by a process that no longer exists (a crash,
        SIGKILL) are closed as `interrupted` first so the table never claims two live crawls."""
        with self.transaction():
            for run_id, pid in self.db.execute("select id, pid from crawl_runs where status = 'running'").fetchall():
                if not pid or not pid_alive(pid):
                    self.db["crawl_runs"].update(run_id, {"status": INTERRUPTED})
            return self.db["crawl_runs"].insert(
                {
                    "spider": spider,
                    "source_id": source_id,
                    "sources": json.dumps(list(sources) or ([source_id] if source_id else [])),
                    "start_url": start_url,
                    "started": utcnow(),
                    "status": "running",
                    "pid": os.getpid(),
                    "pages": 0,
                    "new": 0,
                    "updated": 0,
                    "unchanged": 0,
                    "errors": 0,
                    "errors_by_kind": "{}",
                }
            ).last_pk

    def finish_run(
        self, run_id: int, counts: Mapping[str, int], errors_by_kind: Mapping[str, int], status: str = "finished"
    ) -> None:
        with self.transaction():
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    **{name: counts.get(name, 0) for name in RUN_COUNTS},
                    "errors": sum(errors_by_kind.values()),
                    "errors_by_kind": json.dumps(dict(errors_by_kind), sort_keys=True),
                },
            )


RUN_COUNTS = ("pages", "new", "updated", "unchanged", "not_modified", "duplicates", "skipped", "quarantined", "retries")
