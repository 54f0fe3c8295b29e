"""Writes to the archive: idempotent article upserts with versions, tags, raw pages and crawl runs.

This module is the only writer of SQLite. Every write of a batch happens in one transaction, so a
crash leaves either the whole batch or none of it, and a re-run of the same items changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Literal

from sqlite_utils import Database

from db.schema import open_db

Outcome = Literal["new", "updated", "unchanged"]
VERSIONED_FIELDS = ("title", "kicker", "teaser", "body", "published")


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(item: Mapping[str, Any]) -> str:
    """Hash of what a reader sees; a change here makes a new version, a re-fetch of the same does not."""
    payload = json.dumps([item.get(name) or "" for name in VERSIONED_FIELDS], ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def month_and_week(published: str | None) -> tuple[str | None, str | None]:
    """`2025-09-29` → (`2025-09`, `2025-W40`): the facet columns Datasette and the digest use."""
    if not published:
        return None, None
    day = date.fromisoformat(published[:10])
    year, week, _ = day.isocalendar()
    return day.strftime("%Y-%m"), f"{year}-W{week:02d}"


def compress(data: bytes | str | None) -> bytes | None:
    if data is None:
        return None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return zlib.compress(raw, 6)


def decompress(blob: bytes | None) -> bytes:
    return zlib.decompress(blob) if blob else b""


class ArchiveWriter:
    """Upserts articles and records crawl runs in one SQLite file."""

    def __init__(self, db: Database | str):
        self.db = open_db(db) if isinstance(db, str) else db

    # --- sources ---------------------------------------------------------------------------
    def ensure_source(self, source_id: str, **fields: Any) -> None:
        """Register a source once; later calls fill in fields that are still empty."""
        row = {"id": source_id, "name": fields.get("name") or source_id, **fields}
        existing = self.db["sources"].count_where("id = ?", [source_id])
        if not existing:
            self.db["sources"].insert(row, pk="id", alter=True)
        elif fields:
            self.db["sources"].update(source_id, {k: v for k, v in fields.items() if v}, alter=True)

    # --- articles --------------------------------------------------------------------------
    def upsert_articles(self, items: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Store a batch in one transaction; returns counts of new / updated / unchanged."""
        outcomes: Counter[str] = Counter()
        with self.db.conn:
            for item in items:
                outcomes[self._upsert(item)] += 1
        return outcomes

    def upsert_article(self, item: Mapping[str, Any]) -> Outcome:
        with self.db.conn:
            return self._upsert(item)

    def _upsert(self, item: Mapping[str, Any]) -> Outcome:
        now = utcnow()
        source_id = item.get("source") or "unknown"
        if not self.db["sources"].count_where("id = ?", [source_id]):
            self.db["sources"].insert({"id": source_id, "name": source_id}, pk="id")
        digest = content_hash(item)
        month, week = month_and_week(item.get("published"))
        row = {
            "url": item["url"],
            "source_id": source_id,
            "title": item.get("title") or "",
            "kicker": item.get("kicker") or "",
            "teaser": item.get("teaser") or "",
            "body": item.get("body") or "",
            "published": item.get("published"),
            "month": month,
            "week": week,
            "date_missing": int(not item.get("published")),
            "image_caption": item.get("image_caption") or "",
            "image_credit": item.get("image_credit") or "",
            "fetched_at": item.get("fetched_at") or now,
            "content_hash": digest,
            "taxonomy_version": item.get("taxonomy_version"),
        }
        existing = list(
            self.db.query("select * from articles where url = ?", [item["url"]])
        )
        if not existing:
            row.update(first_seen=now, updated_at=now, version=1)
            article_id = self.db["articles"].insert(row).last_pk
            outcome: Outcome = "new"
        else:
            old = existing[0]
            article_id = old["id"]
            if old["content_hash"] == digest:
                self.db["articles"].update(article_id, {"fetched_at": row["fetched_at"]})
                if item.get("tags") is not None and old["taxonomy_version"] != row["taxonomy_version"]:
                    self.replace_tags(article_id, item["tags"], row["taxonomy_version"])
                    self.db["articles"].update(article_id, {"taxonomy_version": row["taxonomy_version"]})
                return "unchanged"
            self.db["article_versions"].insert(
                {
                    "article_id": article_id,
                    "version": old["version"],
                    **{name: old[name] for name in VERSIONED_FIELDS},
                    "content_hash": old["content_hash"],
                    "fetched_at": old["fetched_at"],
                    "replaced_at": now,
                }
            )
            row.update(updated_at=now, version=old["version"] + 1)
            self.db["articles"].update(article_id, row)
            outcome = "updated"
        if item.get("raw_html") is not None:
            self.db["raw_pages"].upsert(
                {
                    "article_id": article_id,
                    "url": item["url"],
                    "fetched_at": row["fetched_at"],
                    "encoding": item.get("encoding") or "utf-8",
                    "html_gz": compress(item["raw_html"]),
                },
                pk="article_id",
            )
        if item.get("tags") is not None:
            self.replace_tags(article_id, item["tags"], row["taxonomy_version"])
        links = item.get("discovered_links") or []
        if links:
            self.db["links"].insert_all(
                ({"from_url": item["url"], "url": url, "context": "related", "first_seen": now} for url in links),
                pk=("from_url", "url"),
                ignore=True,
            )
        return outcome

    def replace_tags(self, article_id: int, tags: Iterable[Mapping[str, Any]], taxonomy_version: str | None) -> None:
        """Tags are derived data: replace an article's set whole so removed matches disappear."""
        self.db.execute("delete from tags where article_id = ?", [article_id])
        rows = [
            {
                "article_id": article_id,
                "kind": tag["kind"],
                "value": tag["id"],
                "label": tag.get("label"),
                "mentions": tag.get("mentions", 1),
                "evidence": tag.get("evidence"),
                "offset": tag.get("offset"),
                "field": tag.get("field"),
                "score": tag.get("score"),
                "derived": int(bool(tag.get("derived"))),
                "taxonomy_version": taxonomy_version,
            }
            for tag in tags
        ]
        if rows:
            self.db["tags"].insert_all(rows, pk=("article_id", "kind", "value"), replace=True)

    # --- crawl runs ------------------------------------------------------------------------
    def start_run(self, spider: str, source_id: str | None = None, start_url: str | None = None) -> int:
        with self.db.conn:
            return self.db["crawl_runs"].insert(
                {
                    "spider": spider,
                    "source_id": source_id,
                    "start_url": start_url,
                    "started": utcnow(),
                    "status": "running",
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
        with self.db.conn:
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": utcnow(),
                    "status": status,
                    "pages": counts.get("pages", 0),
                    "new": counts.get("new", 0),
                    "updated": counts.get("updated", 0),
                    "unchanged": counts.get("unchanged", 0),
                    "errors": sum(errors_by_kind.values()),
                    "errors_by_kind": json.dumps(dict(errors_by_kind), sort_keys=True),
                },
            )

    def quarantine(self, run_id: int | None, url: str, kind: str, reason: str, body: bytes | None = None) -> None:
        """Keep what could not be parsed, with the reason, so nothing fetched is silently lost."""
        with self.db.conn:
            self.db["quarantine"].insert(
                {
                    "run_id": run_id,
                    "url": url,
                    "kind": kind,
                    "reason": reason,
                    "fetched_at": utcnow(),
                    "body_gz": compress(body[:2_000_000] if body else None),
                }
            )
