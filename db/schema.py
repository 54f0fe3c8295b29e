"""The archive's core tables and indexes (migration step 1, db/migrations.py), with sqlite-utils.

`create_core_tables` creates what is missing and never drops data; writers reach it only through
`db.migrations.migrate`. Column meanings are documented in docs/schema.md and publish/metadata.yaml.
"""

from __future__ import annotations

from sqlite_utils import Database

ARTICLE_COLUMNS = {
    "id": int,
    "url": str,
    "source_id": str,
    "title": str,
    "kicker": str,
    "teaser": str,
    "body": str,
    "published": str,
    "month": str,
    "week": str,
    "date_missing": int,
    "image_caption": str,
    "image_credit": str,
    "first_seen": str,
    "fetched_at": str,
    "updated_at": str,
    "content_hash": str,
    "version": int,
    "taxonomy_version": str,
    "duplicate_of": int,
}


def create_core_tables(db: Database) -> None:
    """Create every core table and index that is not there yet."""
    if "sources" not in db.table_names():
        db["sources"].create(
            {"id": str, "name": str, "url": str, "kind": str, "description": str}, pk="id"
        )
    if "articles" not in db.table_names():
        db["articles"].create(
            ARTICLE_COLUMNS,
            pk="id",
            not_null={"url", "source_id"},
            defaults={"date_missing": 0, "version": 1},
            foreign_keys=[("source_id", "sources", "id")],
        )
        db["articles"].create_index(["url"], unique=True)
        db["articles"].create_index(["published"])
        db["articles"].create_index(["source_id", "published"])
        db["articles"].create_index(["month"])
        db["articles"].create_index(["week"])
    if "article_versions" not in db.table_names():
        db["article_versions"].create(
            {
                "id": int,
                "article_id": int,
                "version": int,
                "title": str,
                "kicker": str,
                "teaser": str,
                "body": str,
                "published": str,
                "content_hash": str,
                "fetched_at": str,
                "replaced_at": str,
            },
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
        )
        db["article_versions"].create_index(["article_id", "version"], unique=True)
    if "raw_pages" not in db.table_names():
        db["raw_pages"].create(
            {"article_id": int, "url": str, "fetched_at": str, "encoding": str, "html_gz": bytes},
            pk="article_id",
            foreign_keys=[("article_id", "articles", "id")],
        )
    if "tags" not in db.table_names():
        db["tags"].create(
            {
                "article_id": int,
                "kind": str,
                "value": str,
                "label": str,
                "mentions": int,
                "evidence": str,
                "offset": int,
                "field": str,
                "score": float,
                "derived": int,
                "taxonomy_version": str,
            },
            pk=("article_id", "kind", "value"),
            foreign_keys=[("article_id", "articles", "id")],
        )
        db["tags"].create_index(["kind", "value"])
        db["tags"].create_index(["value"])
    if "links" not in db.table_names():
        db["links"].create(
            {"from_url": str, "url": str, "context": str, "first_seen": str},
            pk=("from_url", "url"),
        )
        db["links"].create_index(["url"])
    if "crawl_runs" not in db.table_names():
        db["crawl_runs"].create(
            {
                "id": int,
                "spider": str,
                "source_id": str,
                "start_url": str,
                "started": str,
                "finished": str,
                "status": str,
                "pages": int,
                "new": int,
                "updated": int,
                "unchanged": int,
                "errors": int,
                "errors_by_kind": str,
            },
            pk="id",
        )
    if "quarantine" not in db.table_names():
        db["quarantine"].create(
            {
                "id": int,
                "run_id": int,
                "url": str,
                "kind": str,
                "reason": str,
                "fetched_at": str,
                "body_gz": bytes,
            },
            pk="id",
            foreign_keys=[("run_id", "crawl_runs", "id")],
        )
        db["quarantine"].create_index(["kind"])
