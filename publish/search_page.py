"""The ranked search page: `/<db>/-/search?q=…` (HTML) and `/<db>/-/search.json?q=…`.

Best matches first (bm25 over the normalised index, title ten times the body), highlighted titles
and snippets of the original text, facets over the matches, and friendly notes instead of errors
for FTS syntax mistakes. Filters: topic, actor, state, place, source, month, since, until.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from db.search import FILTERS, RANK_WINDOW, RECENT_SIZE, parse_archive_query, ranked_search
from db.text.highlight import highlight as highlight_segments
from db.text.highlight import segments_to_text, snippet
from db.text.query import MAX_QUERY_CHARS, SearchQuery, parse_query
from publish.archive import is_archive
from publish.bounded import TOO_SLOW_NOTE, TooSlow, log_rejected, off_loop

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
FACET_KINDS = (("topic", "Topics"), ("actor", "Actors"), ("state", "Länder"), ("place", "Municipalities"),
               ("source", "Sources"), ("month", "Months"))
_TAG_KIND = {"topic": "topic", "actor": "actor", "state": "state", "municipality": "place"}

FACET_SQL = """SELECT CASE t.kind WHEN 'municipality' THEN 'place' ELSE t.kind END AS kind, t.value,
  max(t.label) AS label, count(*) AS n
FROM tags t WHERE t.article_id IN (SELECT value FROM json_each(:ids))
GROUP BY t.kind, t.value
UNION ALL
SELECT 'source', a.source_id, max(coalesce(nullif(s.name, ''), a.source_id)), count(*)
FROM articles a LEFT JOIN sources s ON s.id = a.source_id
WHERE a.id IN (SELECT value FROM json_each(:ids)) GROUP BY a.source_id
UNION ALL
SELECT 'month', a.month, a.month, count(*) FROM articles a
WHERE a.id IN (SELECT value FROM json_each(:ids)) AND a.month IS NOT NULL GROUP BY a.month"""


def _html(segments) -> Markup:
    """Escaped text with matches in <mark>: scraped text never reaches the page unescaped."""
    return Markup("").join(Markup("<mark>{}</mark>").format(text) if hit else escape(text) for text, hit in segments)


def _filters(request, notes: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for name in FILTERS:
        value = (request.args.get(name) or "").strip()
        if not value:
            continue
        if name in ("since", "until") and not _DATE.match(value):
            notes.append(f"“{value}” is not a date like 2025-06-01; the {name} filter was ignored.")
            continue
        if name == "month" and not _MONTH.match(value):
            notes.append(f"“{value}” is not a month like 2025-06; the month filter was ignored.")
            continue
        filters[name] = value
    return filters


def _int_arg(request, name: str, default: int, maximum: int) -> int:
    try:
        return max(0, min(maximum, int(request.args.get(name, default))))
    except ValueError:
        return default


def _table_args(q: str, filters: dict[str, str]) -> dict[str, str]:
    """The same search as arguments of the articles table / feed (newest first)."""
    args: dict[str, str] = {}
    if q:
        args["_search"] = q
    for name in ("topic", "actor", "state", "place"):
        if name in filters:
            args[f"_{name}"] = filters[name]
    if "source" in filters:
        args["source_id"] = filters["source"]
    if "month" in filters:
        args["month"] = filters["month"]
    if "since" in filters:
        args["published__gte"] = filters["since"]
    if "until" in filters:
        until = filters["until"]
        try:
            args["published__lt"] = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
        except ValueError:
            args["published__lt"] = until + "-99"  # a year or month: everything up to its end
    return args


async def search_page(request, datasette):
    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Not an archive: " + database)
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "articles")), ("view-database", database), "view-instance"],
    )
    as_json = request.url_vars.get("format") == "json"
    db = datasette.get_database(database)
    q = (request.args.get("q") or "").strip()
    try:
        query = await off_loop(parse_query, q)
    except TooSlow as exc:
        log_rejected(request, str(exc))
        query = SearchQuery(text=q[:MAX_QUERY_CHARS], match=None, notes=[TOO_SLOW_NOTE], limited=True)
    if query.limited:
        log_rejected(request, "query shortened: " + " ".join(query.notes[:2]))
    q = query.text
    notes = list(query.notes)
    filters = _filters(request, notes)
    limit = _int_arg(request, "_size", PAGE_SIZE, MAX_PAGE_SIZE) or PAGE_SIZE
    offset = _int_arg(request, "_offset", 0, RANK_WINDOW)
    want_facets = not as_json or request.args.get("_facets") in ("1", "on", "true")
    scope = "all" if request.args.get("scope") == "all" else "auto"
    ranked = None
    rows: list[dict] = []
    facets: dict[str, list[dict]] = {}
    if query.match:
        limit_ms = datasette.setting("sql_time_limit_ms")

        def run(conn):
            with sqlite_timelimit(conn, limit_ms):
                # the archive's lexicon also splits a typed compound into halves written apart
                archive_query = parse_archive_query(conn, q)
                return archive_query, ranked_search(conn, archive_query.match, filters, limit, offset, scope)

        try:
            query, ranked = await db.execute_fn(run)
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            notes.append("The search took too long; add a word or a filter to narrow it down.")
        page_rows = ranked.rows if ranked else []
        try:
            marked = await off_loop(_marked, page_rows, query)
        except TooSlow as exc:
            log_rejected(request, str(exc))
            notes.append("Die Hervorhebung der Treffer dauerte zu lange; sie werden ohne Auszug gezeigt.")
            marked = [([(row["title"] or "", False)], []) for row in page_rows]
        for row, (title_segments, text_segments) in zip(page_rows, marked, strict=True):
            rows.append({
                "id": row["id"],
                "title": row["title"],
                "kicker": row["kicker"],
                "published": row["published"],
                "source_id": row["source_id"],
                "source_name": row["source_name"],
                "url": row["url"],
                "article_url": datasette.urls.row(database, "articles", str(row["id"])),
                "score": round(row["score"], 3),
                "title_html": _html(title_segments),
                "snippet_html": _html(text_segments),
                "snippet": segments_to_text(text_segments, ("", "")),
            })
        if want_facets and ranked and ranked.hits:
            facets = await _facets(db, [hit[0] for hit in ranked.hits], filters)
    hits = ranked.hits if ranked else []
    args = {"q": q, **filters, **({"scope": "all"} if scope == "all" else {})}
    base = datasette.urls.path(f"/{database}/-/search")
    table_args = _table_args(q, filters)

    def page_url(new_offset: int, fmt: str = "") -> str:
        extra = {"_offset": str(new_offset)} if new_offset else {}
        return f"{base}{fmt}?{urlencode({**args, **extra})}"

    more = offset + limit < len(hits)
    data = {
        "database": database,
        "q": q,
        "match": query.match,
        "notes": notes,
        "filters": filters,
        "rows": rows,
        "window_matches": len(hits),
        "window": RANK_WINDOW,
        "ranked_among_newest": len(hits) >= RANK_WINDOW,
        "scope": ranked.scope if ranked else scope,
        "recent_articles": RECENT_SIZE,
        "all_scope_url": f"{base}?{urlencode({**args, 'scope': 'all'})}" if ranked and ranked.scope == "recent" else None,
        "offset": offset,
        "limit": limit,
        "next_url": page_url(offset + limit, ".json" if as_json else "") if more else None,
        "table_url": datasette.urls.table(database, "articles") + "?" + urlencode(table_args),
        "feed_url": datasette.urls.table(database, "articles_feed", format="atom") + "?" + urlencode(
            {**table_args, "_feed_title": f"Policy Radar: {q}" if q else "Policy Radar"}),
    }
    if as_json:
        for row in rows:
            row["title_html"] = str(row["title_html"])
            row["snippet_html"] = str(row["snippet_html"])
        if want_facets:
            data["facets"] = facets
        return Response.json(data)
    for kind, items in facets.items():
        for item in items:
            chosen = {k: v for k, v in args.items() if k != kind}
            if not item["selected"]:
                chosen[kind] = item["value"]
            item["url"] = f"{base}?{urlencode(chosen)}"
    context = {
        **data,
        "facets": facets,
        "facet_kinds": FACET_KINDS,
        "prev_url": page_url(max(0, offset - limit)) if offset else None,
        "filter_chips": [
            {"name": name, "value": value, "label": _chip_label(name, value, facets),
             "remove_url": f"{base}?{urlencode({k: v for k, v in args.items() if k != name})}"}
            for name, value in filters.items()
        ],
        "json_url": page_url(offset, ".json"),
    }
    return Response.html(await datasette.render_template("radar_search.html", context, request=request))


def _marked(rows: list[dict], query) -> list[tuple[list, list]]:
    """(highlighted title, snippet) segments of each row: the page's text work, done off the loop."""
    return [
        (highlight_segments(row["title"], query),
         snippet("\n".join(part for part in (row["teaser"], row["body"]) if part), query))
        for row in rows
    ]


def _chip_label(name: str, value: str, facets: dict[str, list[dict]]) -> str:
    for item in facets.get(name, []):
        if item["value"] == value:
            return item["label"]
    return value


async def _facets(db, ids: list[int], filters: dict[str, str]) -> dict[str, list[dict]]:
    try:
        result = await db.execute(FACET_SQL, {"ids": json.dumps(ids)}, truncate=False)
    except QueryInterrupted:
        return {}
    facets: dict[str, list[dict]] = {}
    for row in result.rows:
        kind = row["kind"]
        if kind not in dict(FACET_KINDS) or row["value"] is None:
            continue
        facets.setdefault(kind, []).append({
            "value": row["value"], "label": row["label"] or row["value"], "count": row["n"],
            "selected": filters.get(kind) == row["value"],
        })
    for kind, items in facets.items():
        if kind == "month":
            items.sort(key=lambda item: item["value"], reverse=True)
        else:
            items.sort(key=lambda item: (-item["count"], item["label"]))
        del items[12:]
    return facets
