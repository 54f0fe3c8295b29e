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

from db.actor_store import discovered_of, update_candidates
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
# MinHash over word 3-shingles with LSH banding: two bodies whose shingle sets overlap by Jaccard
# J become lookup candidates with probability 1-(1-J^ROWS)^BANDS (J=0.5: 88 %, J=0.7: 99.6 %,
# unrelated texts at J=0.05: 0.2 %), and a candidate is a duplicate when the signatures estimate
# J >= MIN_JACCARD. Robust to re-wrapped paragraphs, a changed intro or a few edited words.
# Bodies shorter than MIN_FINGERPRINT_WORDS are too generic to call two of them "the same text".
MIN_FINGERPRINT_WORDS = 40
BANDS, ROWS = 16, 3
MIN_JACCARD = 0.5
# Articles read per band key and direction: a key shared by hundreds of articles is boilerplate
# (a footer, a template), not evidence; a real duplicate shares most of its 16 keys anyway.
MAX_BAND_CANDIDATES = 20
_WORD = re.compile(r"\w+", re.UNICODE)
# Odd 64-bit multipliers that mix a shingle's three word hashes (order matters: "a b c" ≠ "c b a").
_M1, _M2, _M3 = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
_PERMUTATIONS: Any = None


def _permutations() -> tuple[Any, Any]:
    """BANDS×ROWS fixed hash functions h(x) = (a·x + b) mod 2^64, a odd. Fixed seed: signatures stored
    today must compare with signatures computed next year."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        import numpy as np

        rng = np.random.default_rng(20251125)
        a = rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        b = rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
        _PERMUTATIONS = (a[:, None], b[:, None])
    return _PERMUTATIONS


def minhash(text: str) -> Any:
    """The text's MinHash signature (BANDS×ROWS uint32 values), or None when it is too short.

    A word hashes to its CRC-32, a shingle to an odd-multiplier mix of its three words; each of the
    fixed hash functions keeps the minimum (top 32 bits) over the shingle set. Vectorised with
    numpy: well under a millisecond per article.
    """
    import numpy as np

    words = _WORD.findall(text.lower())
    if len(words) < MIN_FINGERPRINT_WORDS:
        return None
    word_hashes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    shingles = np.unique((word_hashes[:-2] * _M1) ^ (word_hashes[1:-1] * _M2) ^ (word_hashes[2:] * _M3))
    a, b = _permutations()
    return ((a * shingles[None, :] + b) >> np.uint64(32)).min(axis=1).astype(np.uint32)


def lsh_keys(signature: Any) -> list[int]:
    """One lookup key per band (band number mixed in), as a signed 63-bit SQLite integer."""
    rows = signature.reshape(BANDS, ROWS)
    return [
        int.from_bytes(hashlib.blake2b(bytes([band]) + rows[band].tobytes(), digest_size=8).digest(), "little") >> 1
        for band in range(BANDS)
    ]


# Other sources' articles sharing a band key: two index range scans per key (source before and
# after this one), each bounded by MAX_BAND_CANDIDATES.
_BAND_LOOKUP = " union ".join(
    f"select * from (select article_id from article_bands where key = ? and source_id {op} ? limit {MAX_BAND_CANDIDATES})"
    for _ in range(BANDS)
    for op in ("<", ">")
)


def rebuild_bands(db: Database) -> int:
    """Recompute every article's band keys from its stored signature (after a layout change)."""
    import numpy as np

    rows = db.execute("select article_id, source_id, signature from article_minhash").fetchall()
    with db.atomic():
        for article_id, source_id, blob in rows:
            keys = lsh_keys(np.frombuffer(blob, dtype="<u4"))
            db.conn.executemany(
                "insert or ignore into article_bands (key, source_id, article_id) values (?, ?, ?)",
                [(k, source_id, article_id) for k in keys],
            )
    return len(rows)


def jaccard(sig_a: Any, sig_b: Any) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets from their signatures."""
    return float((sig_a == sig_b).mean())


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
                            outcome, duplicates = self._upsert(record)
                            result.outcomes[outcome] += 1
                            if duplicates:
                                result.outcomes["duplicates"] += duplicates
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

    def sync_search(self) -> None:
        """Bring the German search index (db/search.py) up to date with what was written (its
        triggers queue every change; this indexes the queue, about 0.15 ms per article). The crawl's
        store calls it after every batch, so the archive is searchable while a crawl runs."""
        try:
            from db.search import sync_search_index
        except ImportError:  # pragma: no cover - search index not part of this archive
            return
        sync_search_index(self.db)

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

    def _upsert(self, item: Mapping[str, Any]) -> tuple[Outcome, int]:
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
                return "unchanged", 0
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
        duplicates = self._fingerprint(article_id, source_id, row["body"], published)
        return outcome, duplicates

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

    def _fingerprint(self, article_id: int, source_id: str, body: str, published: str | None) -> int:
        """Store the body's MinHash and link this article to a near-duplicate of another source.

        The original is the earlier publication (then the source with the lower rank — file order
        of the sources file —, then the article stored first); the others get `duplicate_of`
        pointing at it, so counts and views that skip `duplicate_of is not null` count the text once.
        Returns how many articles became duplicates (this one, or an earlier one this one replaces
        as the original).
        """
        import numpy as np

        conn = self.db.conn
        conn.execute("delete from article_minhash where article_id = ?", [article_id])
        conn.execute("delete from article_bands where article_id = ?", [article_id])
        signature = minhash(body)
        if signature is None:
            return 0
        keys = lsh_keys(signature)
        conn.execute(
            "insert into article_minhash (article_id, source_id, signature) values (?, ?, ?)",
            [article_id, source_id, signature.astype("<u4").tobytes()],
        )
        conn.executemany(
            "insert or ignore into article_bands (key, source_id, article_id) values (?, ?, ?)",
            [(k, source_id, article_id) for k in keys],
        )
        params: list[Any] = []
        for key in keys:
            params += [key, source_id, key, source_id]
        candidates = conn.execute(
            "select m.article_id, m.signature, a.published, a.source_id, a.duplicate_of from article_minhash m "
            f"join articles a on a.id = m.article_id where m.article_id in ({_BAND_LOOKUP}) and m.article_id != ?",
            [*params, article_id],
        ).fetchall()
        matches = [
            (other_id, other_published, other_source, other_dup)
            for other_id, other_sig, other_published, other_source, other_dup in candidates
            if jaccard(signature, np.frombuffer(other_sig, dtype="<u4")) >= MIN_JACCARD
        ]
        if not matches:
            return 0
        # The group: this article, the matches and the originals they already point to.
        group = {article_id: (published, source_id)}
        for other_id, other_published, other_source, other_dup in matches:
            if not other_dup:
                group[other_id] = (other_published, other_source)
                continue
            found = conn.execute("select published, source_id from articles where id = ?", [other_dup]).fetchone()
            if found:
                group[other_dup] = (found[0], found[1])

        def order(candidate: int) -> tuple[str, int, int]:
            day, src = group[candidate]
            return ((day or "9999")[:10], self._rank(src), candidate)

        original = min(group, key=order)
        newly = 0  # texts that were counted as originals until now
        for member in group:
            if member == original:
                continue
            was = conn.execute("select duplicate_of from articles where id = ?", [member]).fetchone()
            newly += 1 if (member == article_id or (was and was[0] is None)) else 0
            conn.execute("update articles set duplicate_of = ? where id = ?", [original, member])
            conn.execute("update articles set duplicate_of = ? where duplicate_of = ?", [original, member])
        conn.execute("update articles set duplicate_of = null where id = ?", [original])
        return newly

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
        """Tags are derived data: replace an article's set whole so removed matches disappear.
        Discovered actors also move their counts in `actor_candidates` (db/actor_store.py)."""
        tags = list(tags)
        before = discovered_of(self.db.conn, article_id)
        self.db.conn.execute("delete from tags where article_id = ?", [article_id])
        new = [t for t in tags if t.get("discovered")]
        if before or new:
            update_candidates(self.db.conn, article_id, before, new, utcnow())
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
                int(bool(tag.get("discovered"))),
            )
            for tag in tags
        ]
        if rows:
            self.db.conn.executemany(
                'insert or replace into tags (article_id, kind, value, label, mentions, evidence, "offset", field, '
                "score, derived, taxonomy_version, discovered) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
