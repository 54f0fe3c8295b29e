"""Writes to the archive: idempotent article upserts with versions, tags, raw pages, links, aliases,
near-duplicate links, quarantine and crawl runs — plus the small read API the crawler asks
("which of these URLs do we already have?").

This module is the only writer of SQLite. A batch is one `BEGIN IMMEDIATE` transaction (so a crash
leaves the whole batch or none of it, and two writers never race between "select" and "insert"); each
record inside it is a savepoint, so one bad record is reported instead of sinking its batch. A re-run
of the same records changes nothing: identity is the canonical URL, a new version needs a new hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from db.crawl_schema import INTERRUPTED
from db.schema import ensure_schema

Outcome = Literal["new", "updated", "unchanged"]
VERSIONED_FIELDS = ("title", "kicker", "teaser", "body", "published")
# Seconds a writer waits for another writer's transaction (a restarted crawl while the old store
# worker finishes its last batch) before giving up.
BUSY_TIMEOUT = 60.0


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


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) the archive with the current schema, ready for concurrent use:
    WAL (readers never block the writer), a generous busy timeout, and `synchronous=NORMAL`
    (durable at every checkpoint; a power cut may lose the last transactions, never corrupt)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=False)
    db = Database(conn)
    ensure_schema(db)
    db.execute("PRAGMA synchronous = NORMAL")
    return db


# --- near-duplicates ---------------------------------------------------------------------------
# Bodies shorter than this are too generic to call two of them "the same press release".
MIN_FINGERPRINT_WORDS = 40
# SimHash bits two bodies may differ in and still be one text (edits, a changed first sentence).
MAX_HAMMING = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def simhash(text: str) -> int | None:
    """64-bit SimHash over word 3-shingles of the lower-cased text; None when too short to tell."""
    import numpy as np

    words = _WORD.findall(text.lower())
    if len(words) < MIN_FINGERPRINT_WORDS:
        return None
    shingles = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little") for s in shingles),
        dtype=np.uint64,
        count=len(shingles),
    )
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(shingles)
    value = 0
    for position, vote in enumerate(votes.tolist()):
        if vote > 0:
            value |= 1 << position
    return value


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value


def bands(value: int) -> tuple[int, int, int, int]:
    return tuple((value >> shift) & 0xFFFF for shift in (0, 16, 32, 48))  # type: ignore[return-value]


@dataclass
class BatchResult:
    """What one batch of records did: outcome counts and the records that failed, with reasons."""

    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[Mapping[str, Any], str]] = field(default_factory=list)

    def merge(self, other: BatchResult) -> None:
        self.outcomes.update(other.outcomes)
        self.failures.extend(other.failures)


@dataclass
class Known:
    """What the archive knows about a URL: its canonical URL and HTTP validators."""

    url: str
    etag: str | None
    last_modified: str | None
    published: str | None
    fetched_at: str | None


class ArchiveWriter:
    """Upserts articles and records crawl runs in one SQLite file."""

    def __init__(self, db: Database | str | Path):
        self.db = open_archive(db) if isinstance(db, (str, Path)) else db
        self._sources: set[str] = set()
        self._source_rank: dict[str, int] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction that takes the write lock up front (no select-then-insert races)."""
        conn = self.db.conn
        if conn.in_transaction:  # pragma: no cover - a caller forgot to finish one
            conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # --- sources ---------------------------------------------------------------------------
    def ensure_source(self, source_id: str, **fields: Any) -> None:
        """Register a source once; later calls fill in or refresh the given non-empty fields."""
        fields = {k: v for k, v in fields.items() if v is not None and v != ""}
        row = {"id": source_id, "name": fields.get("name") or source_id, **fields}
        with self.db.atomic():
            if not self.db["sources"].count_where("id = ?", [source_id]):
                self.db["sources"].insert(row, pk="id", alter=True)
            elif fields:
                self.db["sources"].update(source_id, fields, alter=True)
        self._sources.add(source_id)

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

    def _ensure_source_row(self, source_id: str) -> None:
        if source_id in self._sources:
            return
        self.db.execute("insert or ignore into sources (id, name) values (?, ?)", [source_id, source_id])
        self._sources.add(source_id)

    # --- records: the one entry point the crawl's store pipeline uses --------------------------
    def write_records(self, records: Iterable[Mapping[str, Any]], run_id: int | None = None) -> BatchResult:
        """Store a batch of crawl records in one transaction.

        A record is an article (`kind` absent or `article`), `links` (from a list page), `alias`
        (`url` is another address of the article at `canonical`), `checked` (a 304: the stored
        copy is current) or `quarantine`. Returns outcome counts (`new`,
        `updated`, `unchanged`, `duplicates`, `links`, `checked`, `quarantined`) and failed records.
        """
        result = BatchResult()
        with self.transaction():
            for record in records:
                kind = record.get("kind") or "article"
                try:
                    with self.db.atomic():  # a savepoint: a bad record rolls back alone
                        if kind == "article":
                            outcome, duplicate = self._upsert(record)
                            result.outcomes[outcome] += 1
                            if duplicate:
                                result.outcomes["duplicates"] += 1
                        elif kind == "links":
                            self._links(record)
                            result.outcomes["links"] += len(record.get("links") or [])
                        elif kind == "alias":
                            self._aliases(record["canonical"], [record["url"]], utcnow())
                            result.outcomes["aliases"] += 1
                        elif kind == "checked":
                            self._checked(record)
                            result.outcomes["checked"] += 1
                        elif kind == "quarantine":
                            self._quarantine(run_id, record)
                            result.outcomes["quarantined"] += 1
                        else:
                            raise ValueError(f"unknown record kind {kind!r}")
                except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
                    result.failures.append((record, f"{exc.__class__.__name__}: {exc}"))
                    result.outcomes["failed"] += 1
            for record, reason in result.failures:
                # Nothing fetched is silently lost: what could not be stored is kept with the reason.
                with self.db.atomic():
                    self._quarantine(
                        run_id,
                        {
                            "url": str(record.get("url") or ""),
                            "source": record.get("source"),
                            "error_kind": "store_error",
                            "reason": reason,
                            "body": record.get("raw_html"),
                        },
                    )
        return result

    # --- articles --------------------------------------------------------------------------
    def upsert_articles(self, items: Iterable[Mapping[str, Any]]) -> Counter[str]:
        """Store a batch of articles in one transaction; returns counts of new / updated / unchanged."""
        result = self.write_records(items)
        if result.failures:
            record, reason = result.failures[0]
            raise ValueError(f"could not store {record.get('url')!r}: {reason}")
        return result.outcomes

    def upsert_article(self, item: Mapping[str, Any]) -> Outcome:
        counts = self.upsert_articles([item])
        return next(name for name in ("new", "updated", "unchanged") if counts[name])  # type: ignore[return-value]

    def _upsert(self, item: Mapping[str, Any]) -> tuple[Outcome, bool]:
        # Plain SQL on the hot path: sqlite-utils' table helpers re-read the table's columns on every
        # call, which costs more than the insert itself at a few hundred articles per second.
        now = utcnow()
        url = item["url"]
        source_id = item.get("source") or "unknown"
        self._ensure_source_row(source_id)
        digest = content_hash(item)
        published = item.get("published") or None
        month, week = month_and_week(published)
        fetched_at = item.get("fetched_at") or now
        row = {
            "url": url,
            "source_id": source_id,
            "title": item.get("title") or "",
            "kicker": item.get("kicker") or "",
            "teaser": item.get("teaser") or "",
            "body": item.get("body") or "",
            "published": published,
            "month": month,
            "week": week,
            "date_missing": int(not published),
            "image_caption": item.get("image_caption") or "",
            "image_credit": item.get("image_credit") or "",
            "fetched_at": fetched_at,
            "checked_at": fetched_at,
            "content_hash": digest,
            "taxonomy_version": item.get("taxonomy_version"),
        }
        if item.get("reparse"):
            del row["checked_at"]
        if "etag" in item or "last_modified" in item:
            row["etag"] = item.get("etag")
            row["last_modified"] = item.get("last_modified")
        conn = self.db.conn
        old = conn.execute(
            "select id, version, content_hash, taxonomy_version, fetched_at, "
            + ", ".join(VERSIONED_FIELDS)
            + " from articles where url = ?",
            [url],
        ).fetchone()
        duplicate = False
        if old is None:
            row.update(first_seen=now, updated_at=now, version=1)
            names = list(row)
            cursor = conn.execute(
                f"insert into articles ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                [row[name] for name in names],
            )
            article_id = cursor.lastrowid
            outcome: Outcome = "new"
        else:
            article_id, version, old_hash, old_taxonomy, old_fetched = old[:5]
            old_fields = dict(zip(VERSIONED_FIELDS, old[5:], strict=True))
            if old_hash == digest:
                keep = {"fetched_at": fetched_at, "checked_at": fetched_at}
                if "etag" in row:
                    keep.update(etag=row["etag"], last_modified=row["last_modified"])
                if not item.get("reparse"):  # a reparse fetched nothing: the dates stay
                    self._update("articles", article_id, keep)
                if item.get("tags") is not None and old_taxonomy != row["taxonomy_version"]:
                    self.replace_tags(article_id, item["tags"], row["taxonomy_version"])
                    self._update("articles", article_id, {"taxonomy_version": row["taxonomy_version"]})
                self._aliases(url, item.get("aliases"), now)
                return "unchanged", False
            conn.execute(
                "insert into article_versions (article_id, version, title, kicker, teaser, body, published, "
                "content_hash, fetched_at, replaced_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article_id, version, *(old_fields[name] for name in VERSIONED_FIELDS), old_hash, old_fetched, now],
            )
            row.update(updated_at=now, version=version + 1)
            self._update("articles", article_id, row)
            outcome = "updated"
        if item.get("raw_html") is not None:
            conn.execute(
                "insert or replace into raw_pages (article_id, url, fetched_at, encoding, html_gz) values (?, ?, ?, ?, ?)",
                [article_id, url, fetched_at, item.get("encoding") or "utf-8", compress(item["raw_html"])],
            )
        if item.get("tags") is not None:
            self.replace_tags(article_id, item["tags"], row["taxonomy_version"])
        links = [link for link in item.get("discovered_links") or [] if link and link != url]
        if links:
            conn.executemany(
                "insert or ignore into links (from_url, url, context, first_seen) values (?, ?, 'related', ?)",
                [(url, link, now) for link in dict.fromkeys(links)],
            )
        self._aliases(url, item.get("aliases"), now)
        duplicate = self._fingerprint(article_id, source_id, row["body"], published)
        return outcome, duplicate

    def _update(self, table: str, pk: int, values: Mapping[str, Any]) -> None:
        names = list(values)
        self.db.conn.execute(
            f"update {table} set {', '.join(f'{name} = ?' for name in names)} where id = ?",
            [*(values[name] for name in names), pk],
        )

    def _aliases(self, url: str, aliases: Iterable[str] | None, now: str) -> None:
        rows = [(alias, url, now) for alias in dict.fromkeys(aliases or []) if alias and alias != url]
        if rows:
            self.db.conn.executemany(
                "insert into url_aliases (alias, url, first_seen) values (?, ?, ?) "
                "on conflict(alias) do update set url = excluded.url",
                rows,
            )

    def _fingerprint(self, article_id: int, source_id: str, body: str, published: str | None) -> bool:
        """Store the body's SimHash and link this article to a near-duplicate of another source.

        The original is the earlier publication (then the source listed first in the sources file,
        then the article stored first); the other one gets `duplicate_of` pointing at it, so counts
        and views that skip `duplicate_of is not null` count the text once. Returns True when this
        article is the duplicate.
        """
        conn = self.db.conn
        value = simhash(body)
        conn.execute("delete from article_fingerprints where article_id = ?", [article_id])
        if value is None:
            return False
        b = bands(value)
        conn.execute(
            "insert into article_fingerprints (article_id, source_id, simhash, b0, b1, b2, b3) values (?, ?, ?, ?, ?, ?, ?)",
            [article_id, source_id, _signed(value), *b],
        )
        candidates = conn.execute(
            "select f.article_id, f.simhash, a.published, a.source_id, a.duplicate_of from article_fingerprints f "
            "join articles a on a.id = f.article_id "
            "where (f.b0 = ? or f.b1 = ? or f.b2 = ? or f.b3 = ?) and f.source_id != ? and f.article_id != ?",
            [*b, source_id, article_id],
        ).fetchall()
        matches = [
            (other_id, other_published, other_source, other_dup)
            for other_id, other_hash, other_published, other_source, other_dup in candidates
            if bin((other_hash & 0xFFFFFFFFFFFFFFFF) ^ value).count("1") <= MAX_HAMMING
        ]
        if not matches:
            return False
        # The group's original: an already-chosen original wins, else the earliest by (day, rank, id).
        group = {article_id: (published, source_id)}
        for other_id, other_published, other_source, other_dup in matches:
            root = other_dup or other_id
            if root == other_id:
                group[other_id] = (other_published, other_source)
            else:
                found = conn.execute("select published, source_id from articles where id = ?", [root]).fetchone()
                if found:
                    group[root] = (found[0], found[1])

        def order(candidate: int) -> tuple[str, int, int]:
            day, src = group[candidate]
            return ((day or "9999")[:10], self._rank(src), candidate)

        original = min(group, key=order)
        for member in group:
            if member != original:
                conn.execute("update articles set duplicate_of = ? where id = ?", [original, member])
                conn.execute("update articles set duplicate_of = ? where duplicate_of = ?", [original, member])
        conn.execute("update articles set duplicate_of = null where id = ?", [original])
        return original != article_id

    def _rank(self, source_id: str) -> int:
        if source_id not in self._source_rank:
            row = self.db.conn.execute("select config from sources where id = ?", [source_id]).fetchone()
            rank = 1_000_000
            if row and row[0]:
                try:
                    rank = int(json.loads(row[0]).get("rank", rank))
                except (ValueError, TypeError, AttributeError):
                    pass
            self._source_rank[source_id] = rank
        return self._source_rank[source_id]

    def replace_tags(self, article_id: int, tags: Iterable[Mapping[str, Any]], taxonomy_version: str | None) -> None:
        """Tags are derived data: replace an article's set whole so removed matches disappear."""
        self.db.conn.execute("delete from tags where article_id = ?", [article_id])
        rows = [
            (
                article_id,
                tag["kind"],
                tag["id"],
                tag.get("label"),
                tag.get("mentions", 1),
                tag.get("evidence"),
                tag.get("offset"),
                tag.get("field"),
                tag.get("score"),
                int(bool(tag.get("derived"))),
                taxonomy_version,
            )
            for tag in tags
        ]
        if rows:
            self.db.conn.executemany(
                'insert or replace into tags (article_id, kind, value, label, mentions, evidence, "offset", field, '
                "score, derived, taxonomy_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    # --- other records ---------------------------------------------------------------------
    def _links(self, record: Mapping[str, Any]) -> None:
        """Links a list page (or feed, sitemap) pointed to: teasers become discovered links."""
        now = utcnow()
        from_url = record["url"]
        rows = [
            (from_url, link["url"], link.get("context") or "teaser", link.get("anchor") or None, now)
            for link in record.get("links") or []
            if link.get("url")
        ]
        if rows:
            self.db.conn.executemany(
                "insert into links (from_url, url, context, anchor, first_seen) values (?, ?, ?, ?, ?) "
                "on conflict(from_url, url) do update set anchor = coalesce(excluded.anchor, links.anchor)",
                rows,
            )

    def _checked(self, record: Mapping[str, Any]) -> None:
        """A 304: the stored copy is current; remember when we last asked."""
        url = self.resolve(record["url"]) or record["url"]
        self.db.conn.execute("update articles set checked_at = ? where url = ?", [record.get("checked_at") or utcnow(), url])
        if url != record["url"]:
            self._aliases(url, [record["url"]], utcnow())

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
                record.get("reason") or "",
                record.get("fetched_at") or utcnow(),
                compress(body[:2_000_000] if body else None),
            ],
        )

    def quarantine(self, run_id: int | None, url: str, kind: str, reason: str, body: bytes | None = None) -> None:
        """Keep what could not be parsed, with the reason, so nothing fetched is silently lost."""
        with self.transaction():
            self._quarantine(run_id, {"url": url, "error_kind": kind, "reason": reason, "body": body})

    # --- reads -----------------------------------------------------------------------------
    def resolve(self, url: str) -> str | None:
        """The canonical URL stored for `url` (itself or through an alias), or None if unknown."""
        return ArchiveReader(self.db).resolve(url)

    # --- crawl runs ------------------------------------------------------------------------
    def start_run(
        self, spider: str, source_id: str | None = None, start_url: str | None = None, sources: Iterable[str] = ()
    ) -> int:
        """Open a `crawl_runs` row; runs left `running` by a process that no longer exists (a crash,
        SIGKILL) are closed as `interrupted` first so the table never claims two live crawls."""
        with self.transaction():
            for run_id, pid in self.db.execute(
                "select id, pid from crawl_runs where status = 'running'"
            ).fetchall():
                if not pid or not _pid_alive(pid):
                    self.db.execute("update crawl_runs set status = ? where id = ?", [INTERRUPTED, run_id])
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
                    "pages": counts.get("pages", 0),
                    "new": counts.get("new", 0),
                    "updated": counts.get("updated", 0),
                    "unchanged": counts.get("unchanged", 0),
                    "not_modified": counts.get("not_modified", 0),
                    "duplicates": counts.get("duplicates", 0),
                    "skipped": counts.get("skipped", 0),
                    "quarantined": counts.get("quarantined", 0),
                    "retries": counts.get("retries", 0),
                    "errors": sum(errors_by_kind.values()),
                    "errors_by_kind": json.dumps(dict(errors_by_kind), sort_keys=True),
                },
            )


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


class ArchiveReader:
    """The crawler's read-only questions to the archive (safe beside a writer thanks to WAL)."""

    def __init__(self, db: Database | str | Path):
        self.db = open_archive(db) if isinstance(db, (str, Path)) else db

    def resolve(self, url: str) -> str | None:
        row = self.db.execute(
            "select url from articles where url = ? union all select url from url_aliases where alias = ? limit 1",
            [url, url],
        ).fetchone()
        return row[0] if row else None

    def known(self, urls: Iterable[str]) -> dict[str, Known]:
        """For each of `urls` the archive already holds (directly or as an alias): what it knows."""
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: dict[str, Known] = {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.execute(
                f"select a.url, a.url, a.etag, a.last_modified, a.published, a.fetched_at from articles a where a.url in ({marks}) "
                f"union all select x.alias, a.url, a.etag, a.last_modified, a.published, a.fetched_at "
                f"from url_aliases x join articles a on a.url = x.url where x.alias in ({marks})",
                [*chunk, *chunk],
            ).fetchall()
            for asked, url, etag, last_modified, published, fetched_at in rows:
                found.setdefault(asked, Known(url, etag, last_modified, published, fetched_at))
        return found

    def known_urls(self, source_id: str | None = None) -> set[str]:
        """Every canonical article URL (of one source, or all)."""
        if source_id:
            rows = self.db.execute("select url from articles where source_id = ?", [source_id])
        else:
            rows = self.db.execute("select url from articles")
        return {row[0] for row in rows}

    def source_status(self, source_id: str) -> str | None:
        row = self.db.execute("select last_crawl_status from sources where id = ?", [source_id]).fetchone()
        return row[0] if row else None


def known_urls(db: Database | str | Path, source_id: str | None = None) -> set[str]:
    """Canonical URLs already archived: what "already stored" means to the crawler."""
    return ArchiveReader(db).known_urls(source_id)
