"""Template data for the archive's own pages: the article page and the article lists.

Every tag link leads into the search desk with that tag as a filter (`/<db>/-/search?topic=ozg`).
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit
from markupsafe import Markup

from nlp.vocabulary import KIND_NAMES, label
from publish import table_de
from publish.archive import ARTICLE_LISTS, is_archive
from publish.facets import KINDS
from publish.similar import similar_articles

KIND_TITLES = {kind: KIND_NAMES[kind][1] for kind in ("topic", "actor", "state", "municipality")}
SIMILAR_MS = 200  # the "Ähnliche Meldungen" block never holds up the article page longer
_PARAGRAPHS = re.compile(r"\n\s*\n|\n")
ARTICLE_SQL = """SELECT a.*, coalesce(nullif(s.name, ''), a.source_id) AS source_name, s.url AS source_url
FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = :id"""
TAGS_SQL = """SELECT kind, value, label, mentions, evidence, field, score, derived FROM tags
WHERE article_id = :id ORDER BY kind, score DESC, value"""
RELATED_SQL = """SELECT id, title, source_id, published, 'duplicate' AS relation FROM articles WHERE duplicate_of = :id
UNION ALL SELECT id, title, source_id, published, 'original' FROM articles
WHERE id = (SELECT duplicate_of FROM articles WHERE id = :id)"""
LIST_TAGS_SQL = """SELECT article_id, kind, value, label FROM tags
WHERE article_id IN (SELECT value FROM json_each(:ids)) AND kind IN ('topic', 'actor', 'state')
ORDER BY article_id, kind DESC, score DESC"""


def filter_value_label(name: str, value: str) -> str:
    """A filter value as people read it (dashboard dropdowns): the tag's label, else the value."""
    return label(name, value) if name in KINDS else value


def tag_count_cell(value, column, table, database, datasette, row):
    """In `tag_counts`, the label and id cells link to the search desk filtered by that tag."""
    if table != "tag_counts" or column not in ("label", "value") or not is_archive(datasette, database):
        return None
    kind, tag = row["kind"], row["value"]
    if kind not in KINDS.values() or not tag:
        return None
    text = label(kind, tag, row["label"]) if column == "label" else tag
    return Markup('<a href="{}">{}</a>').format(tag_list_url(datasette, database, kind, tag), text)


def paragraphs(text: str | None) -> list[str]:
    return [part.strip() for part in _PARAGRAPHS.split(text or "") if part.strip()]


def tag_list_url(datasette, database: str, kind: str, value: str) -> str:
    """The search desk filtered by one tag: where every tag link leads."""
    name = next(name for name, tag_kind in KINDS.items() if tag_kind == kind)
    return datasette.urls.path(f"/{database}/-/search") + "?" + urlencode({name: value})


async def article_vars(datasette, database: str, request) -> dict:
    """Everything the article page shows, or {} when the row does not exist."""
    article_id = (request.url_vars or {}).get("pks", "")
    if not article_id.isdigit():
        return {}
    db = datasette.get_database(database)
    row = (await db.execute(ARTICLE_SQL, {"id": int(article_id)})).first()
    if row is None:
        return {}
    groups: dict[str, list[dict]] = {}
    for tag in (await db.execute(TAGS_SQL, {"id": int(article_id)})).rows:
        groups.setdefault(tag["kind"], []).append({
            **dict(tag),
            "label": label(tag["kind"], tag["value"], tag["label"]),
            "url": tag_list_url(datasette, database, tag["kind"], tag["value"]),
        })
    versions = (await db.execute("SELECT count(*) FROM article_versions WHERE article_id = :id", {"id": int(article_id)})).first()[0]
    try:  # a nicety: never let it hold up or break the article page
        related = [dict(r) for r in (await db.execute(RELATED_SQL, {"id": int(article_id)}, custom_time_limit=200)).rows]
    except QueryInterrupted:
        related = []

    def find_similar(conn):
        with sqlite_timelimit(conn, SIMILAR_MS):
            return similar_articles(conn, int(article_id))

    try:
        similar = await db.execute_fn(find_similar)
    except sqlite3.OperationalError:  # interrupted (time-boxed): the page shows without it
        similar = []
    for item in similar:
        item["url"] = datasette.urls.row(database, "articles", str(item["id"]))
    article = dict(row)
    return {
        "radar_article": article,
        "radar_paragraphs": paragraphs(article.get("body")),
        "radar_tag_groups": [(KIND_TITLES[kind], groups[kind]) for kind in KIND_TITLES if kind in groups],
        "radar_versions": versions,
        "radar_versions_url": datasette.urls.table(database, "article_versions") + f"?article_id={int(article_id)}",
        "radar_related": related,
        "radar_similar": similar,
        "radar_source_list_url": datasette.urls.path(f"/{database}/-/search") + "?" + urlencode({"source": article["source_id"]}),
        "radar_search_url": datasette.urls.path(f"/{database}/-/search"),
    }


def list_vars(datasette, database: str, table: str) -> dict:
    """For the article lists: a card layout, tags per row, the search page and feed links."""

    async def radar_row_tags(ids) -> dict[str, list[dict]]:
        ids = [int(i) for i in ids if str(i).isdigit()]
        if not ids:
            return {}
        import json

        rows = await datasette.get_database(database).execute(LIST_TAGS_SQL, {"ids": json.dumps(ids)})
        found: dict[str, list[dict]] = {}
        for row in rows.rows:
            found.setdefault(str(row["article_id"]), []).append({
                "kind": row["kind"], "label": label(row["kind"], row["value"], row["label"]),
                "url": tag_list_url(datasette, database, row["kind"], row["value"]),
            })
        return found

    return {
        "radar_list": table == "articles",
        "radar_row_tags": radar_row_tags,
        "radar_search_url": datasette.urls.path(f"/{database}/-/search"),
        "radar_feed_base": datasette.urls.table(database, "articles_feed", format="atom"),
    }


def _empty_atom_feed(request):
    """A valid Atom feed without entries, for `.atom` lists that matched nothing."""
    from datetime import datetime, timezone
    from xml.sax.saxutils import escape

    from datasette.utils.asgi import Response

    title = request.args.get("_feed_title") or "Policy Radar"
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(request.url)}</id><title>{escape(title)}</title><updated>{now}</updated>"
        f'<link href="{escape(request.url, {chr(34): "&quot;"})}" rel="self"/></feed>'
    )
    return Response(body, content_type="application/xml; charset=utf-8")


def render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    """datasette-atom's feed, or an empty feed for a list without rows (datasette-atom 0.9 raises
    on those, and every raised error makes Datasette print a traceback)."""
    import datasette_atom

    if not rows:
        return _empty_atom_feed(request)
    return datasette_atom.render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data)


async def template_vars(template, database, table, view_name, request, datasette) -> dict:
    if view_name == "index":
        from publish.archive import archive_names

        return {"radar_archives": archive_names(datasette)}
    german = await table_de.template_vars(view_name, request, datasette, database, template)
    if not is_archive(datasette, database):
        return german
    if view_name == "row" and table == "articles":
        return {**german, **await article_vars(datasette, database, request)}
    if view_name == "table" and table in ARTICLE_LISTS:
        return {**german, **list_vars(datasette, database, table)}
    return german
