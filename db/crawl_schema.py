"""The crawler's additions to the archive schema: additive and idempotent, so an existing archive
migrates on open (missing tables are created, missing columns added, nothing dropped).

Part of migration step 1 (db/migrations.py); kept in its own module so the crawler's tables
(aliases, fingerprints, validators, run counters) evolve without touching the search/view parts.
"""

from __future__ import annotations

from sqlite_utils import Database

from db.duplicates import rebuild_bands

# Columns the crawler adds to tables that `db.schema` creates: {table: {column: type}}.
ADDED_COLUMNS: dict[str, dict[str, type]] = {
    "articles": {
        # HTTP validators of the last 200 response: sent back as If-None-Match / If-Modified-Since.
        "etag": str,
        "last_modified": str,
        # The last time we asked the site about this article (200 or 304).
        "checked_at": str,
    },
    "sources": {
        "discovery": str,  # rules | feed | sitemap
        "extractor": str,  # kommune21 | rules | generic
        "config": str,  # the source's entry as JSON, so `radar reparse` works offline
        "last_crawl_started": str,
        "last_crawl_finished": str,
        # `finished` only when the last crawl of this source walked to its natural end; anything else
        # (killed, closespider, shutdown) makes the next crawl walk every list page again.
        "last_crawl_status": str,
    },
    "links": {"anchor": str},
    "crawl_runs": {
        "sources": str,  # JSON list of the source ids this run crawled
        "pid": int,
        "not_modified": int,  # 304 answers (also counted in `unchanged`)
        "duplicates": int,  # new articles linked to an earlier near-duplicate of another source
        "skipped": int,  # known or out-of-range articles not fetched (incremental, --since)
        "quarantined": int,
        "retries": int,
    },
}
# Added by migration 7 (db/migrations.py): list pages where a source's list rule matched nothing,
# and the distinct article links found instead — a source whose markup changed.
RULE_MISS_COLUMNS: dict[str, type] = {"rule_misses": int, "fallback_links": int}

# Runs that did not finish get this status when a later run finds their process gone.
INTERRUPTED = "interrupted"


def ensure_crawler_schema(db: Database) -> None:
    """Create the crawler's tables and add its columns to existing ones where missing."""
    tables = set(db.table_names())
    for table, columns in ADDED_COLUMNS.items():
        if table not in tables:
            continue
        have = set(db[table].columns_dict)
        for name, kind in columns.items():
            if name not in have:
                db[table].add_column(name, kind)
    if "url_aliases" not in tables:
        # Every URL that led to an article (old forms, redirects, print pages) → its canonical URL,
        # so a list page linking `/?p=123` is recognised as a known article.
        db["url_aliases"].create({"alias": str, "url": str, "first_seen": str}, pk="alias")
        db["url_aliases"].create_index(["url"])
    if "article_minhash" not in tables:
        # Near-duplicate detection (db/duplicates.py): each article's MinHash signature, and one LSH key
        # per band; articles sharing a key are compared, so a lookup never scans the archive.
        db["article_minhash"].create(
            {"article_id": int, "source_id": str, "signature": bytes},
            pk="article_id",
            foreign_keys=[("article_id", "articles", "id")],
        )
    if "article_lsh" in tables:  # an earlier layout without the source (derived data: rebuilt below)
        db["article_lsh"].drop()
    if "article_bands" not in tables:
        # One row per LSH band key of an article. The source is part of the key's index so a lookup
        # reads only other sources' articles, a bounded number per band (db/duplicates.py).
        db.execute(
            "create table article_bands (key integer not null, source_id text not null, "
            "article_id integer not null references articles(id), primary key (key, source_id, article_id)) without rowid"
        )
        db["article_bands"].create_index(["article_id"])
        rebuild_bands(db)
    if "articles" in tables and "idx_articles_duplicate_of" not in {i.name for i in db["articles"].indexes}:
        db["articles"].create_index(["duplicate_of"], index_name="idx_articles_duplicate_of")


def add_rule_miss_counters(db: Database) -> bool:
    """Migration 7: the run's `rule_misses` and `fallback_links` counters; True if added now."""
    if "crawl_runs" not in db.table_names():
        return False
    have = set(db["crawl_runs"].columns_dict)
    missing = {name: kind for name, kind in RULE_MISS_COLUMNS.items() if name not in have}
    for name, kind in missing.items():
        db["crawl_runs"].add_column(name, kind, not_null_default=0)
    return bool(missing)
