"""Files for researchers: the archive, or a filtered part of it, as CSV or JSON.

`articles` is one row per article with its tags as arrays (the `articles_with_tags` view) and the
body; the other exports are the tables and views of the same name (docs/schema.md).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from typing import IO, Any

from db.text.query import normalise_query

EXPORTS = (
    "articles", "tags", "sources", "article_versions", "crawl_runs",
    "topic_counts_weekly", "actor_counts_monthly", "state_topic_counts", "tag_counts",
)
FILTERABLE = {"articles", "tags"}
ARRAY_COLUMNS = ("topics", "actors", "states", "municipalities")


class ExportError(ValueError):
    """A request that cannot be exported (unknown export, filters where none apply, bad search)."""


def _where(filters: dict[str, Any], id_column: str) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for kind, values in (("topic", filters.get("topic")), ("actor", filters.get("actor")),
                         ("state", filters.get("state"))):
        for value in values or ():
            clauses.append(f"EXISTS (SELECT 1 FROM tags f WHERE f.article_id = {id_column} AND f.kind = ? AND f.value = ?)")
            params += [kind, value]
    if filters.get("since"):
        clauses.append(f"(SELECT published FROM articles p WHERE p.id = {id_column}) >= ?")
        params.append(filters["since"])
    if filters.get("until"):
        clauses.append(f"(SELECT published FROM articles p WHERE p.id = {id_column}) < date(?, '+1 day')")
        params.append(filters["until"])
    if filters.get("search"):
        match = normalise_query(filters["search"])
        if not match:
            raise ExportError(f"nothing to search for in {filters['search']!r} (only common words?)")
        clauses.append(f"{id_column} IN (SELECT rowid FROM articles_search WHERE articles_search MATCH ?)")
        params.append(match)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def export_sql(what: str, filters: dict[str, Any], body: bool = True) -> tuple[str, list[Any]]:
    if what not in EXPORTS:
        raise ExportError(f"unknown export {what!r}; choose one of {', '.join(EXPORTS)}")
    if what not in FILTERABLE and any(filters.values()):
        raise ExportError(f"filters apply to articles and tags only, not to {what}")
    if what == "articles":
        where, params = _where(filters, "v.id")
        columns = "v.*, a.body" if body else "v.*"
        return f"SELECT {columns} FROM articles_with_tags v JOIN articles a ON a.id = v.id{where} ORDER BY v.published, v.id", params
    if what == "tags":
        where, params = _where(filters, "t.article_id")
        return f"SELECT t.* FROM tags t{where} ORDER BY t.article_id, t.kind, t.value", params
    order = {"sources": " ORDER BY id", "article_versions": " ORDER BY article_id, version", "crawl_runs": " ORDER BY id"}
    return f"SELECT * FROM {what}{order.get(what, '')}", []


def rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> tuple[list[str], Iterator[tuple]]:
    cursor = conn.execute(sql, params)
    return [d[0] for d in cursor.description], iter(cursor)


def write_csv(out: IO[str], columns: list[str], records: Iterator[tuple]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for record in records:
        writer.writerow(["" if value is None else value for value in record])
        count += 1
    return count


def write_json(out: IO[str], columns: list[str], records: Iterator[tuple]) -> int:
    """A JSON array of objects, streamed; tag columns as real arrays."""
    arrays = [i for i, name in enumerate(columns) if name in ARRAY_COLUMNS]
    out.write("[")
    count = 0
    for record in records:
        item = dict(zip(columns, record, strict=True))
        for i in arrays:
            name = columns[i]
            item[name] = json.loads(item[name]) if item[name] else []
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def export(conn: sqlite3.Connection, out: IO[str], fmt: str, what: str = "articles",
           filters: dict[str, Any] | None = None, body: bool = True) -> int:
    """Write `what` (filtered) to `out` as `fmt` (csv | json); returns the number of rows."""
    sql, params = export_sql(what, filters or {}, body)
    columns, records = rows(conn, sql, params)
    if fmt == "csv":
        return write_csv(out, columns, records)
    if fmt == "json":
        return write_json(out, columns, records)
    raise ExportError(f"unknown format {fmt!r}: csv or json")
