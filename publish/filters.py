"""The filters of the search desk as SQL, and their checks: one place for the web and `radar export`.

Filter names: topic, actor, state, place (tags), source, month, since, until, search. Values are
ids (`ozg`, `DE-HE`, `06414`, a source id), a month `2025-06`, dates typed in any form db/dates.py
accepts; a tag filter may hold several ids (all must match).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from db.dates import DateError, parse_since, parse_until
from db.text.query import normalise_query
from nlp.vocabulary import FILTER_KINDS, labels, unknown

TAG_FILTERS = tuple(FILTER_KINDS)  # topic, actor, state, place
TAG_EXISTS_SQL = "SELECT 1 FROM tags WHERE kind = ? AND value = ? LIMIT 1"  # one (kind, value) index probe


class FilterError(ValueError):
    """A filter value that names nothing in the archive, or a date that is no date."""


def _values(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if v]


def where_sql(filters: dict[str, Any], id_column: str = "a.id") -> tuple[str, list[Any]]:
    """` WHERE …` (or '') and its parameters for the articles whose id is `id_column`.

    Dates must already be ISO (see `check`); `search` is German full-text search."""
    clauses: list[str] = []
    params: list[Any] = []
    for name, kind in FILTER_KINDS.items():
        for value in _values(filters.get(name)):
            clauses.append(f"EXISTS (SELECT 1 FROM tags f WHERE f.article_id = {id_column} AND f.kind = ? AND f.value = ?)")
            params += [kind, value]
    article = f"(SELECT {{col}} FROM articles p WHERE p.id = {id_column})" if id_column != "a.id" else "a.{col}"
    if filters.get("source"):
        clauses.append(article.format(col="source_id") + " = ?")
        params.append(filters["source"])
    if filters.get("month"):
        clauses.append(article.format(col="month") + " = ?")
        params.append(filters["month"])
    if filters.get("since"):
        clauses.append(article.format(col="published") + " >= ?")
        params.append(filters["since"])
    if filters.get("until"):
        clauses.append(article.format(col="published") + " < date(?, '+1 day')")
        params.append(filters["until"])
    if filters.get("search"):
        match = normalise_query(filters["search"])
        if not match:
            raise FilterError(f"nothing to search for in {filters['search']!r} (only common words?)")
        clauses.append(f"{id_column} IN (SELECT rowid FROM articles_search WHERE articles_search MATCH ?)")
        params.append(match)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def unknown_id(conn, name: str, value: str) -> str | None:
    """None for an id the taxonomy or the archive's tags know, else the error with a hint
    (`unknown topic 'OZG' (did you mean ozg?)`). Cheap at any size: one index probe."""
    kind = FILTER_KINDS[name]
    known = labels(kind)
    if value in known or conn.execute(TAG_EXISTS_SQL, [kind, value]).fetchone():
        return None
    return unknown(name, value, known)


def check(conn, filters: dict[str, Any], names: Iterable[str] = TAG_FILTERS) -> dict[str, Any]:
    """The filters with dates as ISO days; FilterError naming every bad value (with a hint)."""
    problems: list[str] = []
    checked = dict(filters)
    for name in names:
        problems += [p for p in (unknown_id(conn, name, v) for v in _values(filters.get(name))) if p]
    for name, parse in (("since", parse_since), ("until", parse_until)):
        if filters.get(name):
            try:
                checked[name] = parse(filters[name]).isoformat()
            except DateError as exc:
                problems.append(f"--{name}: {exc}")
    if problems:
        raise FilterError("; ".join(problems))
    return checked
