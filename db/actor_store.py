"""Discovered actors: the `tags.discovered` flag and the `actor_candidates` table (every write here).

The tagger marks organisations it recognised but the register does not know (`discovered = 1`, a slug
id). `actor_candidates` keeps one row per slug with how often it was seen, so staff can promote the
real ones into `nlp/taxonomy/actors.yaml` (`radar actors promote`) or keep false ones out
(`radar actors ignore`). Counts are maintained incrementally when an article's tags are replaced, so
they stay right through re-tagging without a scan of the tags table.

Schema change kept in one function (`ensure_actor_schema`), additive and idempotent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

TABLE = "actor_candidates"
STATUSES = ("new", "promoted", "ignored")


def ensure_actor_schema(db: Database) -> None:
    """Add `tags.discovered` and create `actor_candidates` if missing."""
    if "tags" in db.table_names() and "discovered" not in db["tags"].columns_dict:
        db["tags"].add_column("discovered", int, not_null_default=0)
    if TABLE not in db.table_names():
        db[TABLE].create(
            {"slug": str, "name": str, "articles": int, "mentions": int, "first_seen": str, "last_seen": str,
             "example": str, "example_article_id": int, "status": str},
            pk="slug",
            defaults={"articles": 0, "mentions": 0, "status": "new"},
        )
        db[TABLE].create_index(["status", "articles"])


def discovered_of(conn: sqlite3.Connection, article_id: int) -> list[tuple[str, int]]:
    """(slug, mentions) of the discovered actor tags an article has now."""
    return conn.execute("select value, mentions from tags where article_id = ? and kind = 'actor' and discovered = 1",
                        [article_id]).fetchall()


def update_candidates(conn: sqlite3.Connection, article_id: int, before: Iterable[tuple[str, int]],
                      after: Iterable[Mapping[str, Any]], now: str) -> None:
    """Move the counts from an article's old discovered tags to its new ones (inside the caller's
    transaction)."""
    for slug, mentions in before:
        conn.execute(f"update {TABLE} set articles = articles - 1, mentions = mentions - ? where slug = ?",
                     [mentions, slug])
    for tag in after:
        conn.execute(
            f"insert into {TABLE} (slug, name, articles, mentions, first_seen, last_seen, example, example_article_id,"
            " status) values (?, ?, 1, ?, ?, ?, ?, ?, 'new') on conflict(slug) do update set"
            " articles = articles + 1, mentions = mentions + excluded.mentions, last_seen = excluded.last_seen,"
            " example = coalesce(example, excluded.example),"
            " example_article_id = coalesce(example_article_id, excluded.example_article_id)",
            [tag["id"], tag.get("label") or tag["id"], tag.get("mentions", 1), now, now, tag.get("evidence"),
             article_id],
        )
    conn.execute(f"delete from {TABLE} where articles <= 0 and status = 'new'")


def list_candidates(db: Database, min_articles: int = 1, status: str = "new") -> list[dict[str, Any]]:
    """Candidates ranked by articles, then mentions (readers only)."""
    if TABLE not in db.table_names():
        return []
    return list(db.query(
        f"select slug, name, articles, mentions, first_seen, last_seen, example, example_article_id from {TABLE} "
        "where status = ? and articles >= ? order by articles desc, mentions desc, slug", [status, min_articles]))


def get_candidate(db: Database, slug: str) -> dict[str, Any] | None:
    if TABLE not in db.table_names():
        return None
    rows = list(db.query(f"select * from {TABLE} where slug = ?", [slug]))
    return rows[0] if rows else None


def set_status(db: Database, slug: str, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    with db.conn:
        db.conn.execute(f"update {TABLE} set status = ? where slug = ?", [status, slug])
