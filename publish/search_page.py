"""The search desk: `/<db>/-/search?q=…` (HTML) and `/<db>/-/search.json?q=…`.

Words are ranked (bm25 over the normalised index, title ten times the body) or, with
`sort=neueste`, listed newest first; filters alone (a tag link, a date range) list the newest
articles that pass them. Each result shows its tags as chips that add a filter; the filters are
removable chips; facets narrow the matches; no hits → counts per word and a shorter search.
Filters: topic, actor, state, place, source, month, since (von), until (bis); dates in any form
db/dates.py accepts. Queries: publish/desk.py.
"""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from db.search import RANK_WINDOW, RECENT_SIZE, parse_archive_query
from db.text.highlight import highlight as highlight_segments
from db.text.highlight import segments_to_text, snippet
from db.text.query import parse_query
from nlp.vocabulary import KIND_NAMES, label
from publish import desk
from publish.archive import is_archive
from publish.bounded import TooSlow, log_rejected, off_loop, small_enough
from publish.wording import month_de, note_de

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
FACET_KINDS = (("topic", "Themen"), ("actor", "Akteure"), ("state", "Länder"), ("place", "Orte"),
               ("source", "Quellen"), ("month", "Monate"))
TAG_FILTER = {"topic": "topic", "actor": "actor", "state": "state", "municipality": "place"}

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
    return Markup("".join(f"<mark>{escape(text)}</mark>" if hit else escape(text) for text, hit in segments))


def _int_arg(request, name: str, default: int, maximum: int) -> int:
    try:
        return max(0, min(maximum, int(request.args.get(name, default))))
    except ValueError:
        return default


def feed_title(q: str, filters: dict[str, str]) -> str:
    """`Policy Radar: OZG · Thema Cybersicherheit · ab 01.09.2025` — the feed of this search."""
    parts = [f"„{q}“"] if q else []
    for name, value in filters.items():
        text = desk.filter_label(name, value)
        parts.append({"since": f"ab {text}", "until": f"bis {text}"}.get(name, f"{desk.FILTER_TITLES[name]} {text}"))
    return "Policy Radar" + (": " + " · ".join(parts) if parts else ": alle Meldungen")


def table_args(q: str, filters: dict[str, str]) -> dict[str, str]:
    """The same search as arguments of the articles feed (newest first)."""
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
        args["published__lte"] = filters["until"] + "T99"  # the whole last day
    return args


async def find_for_request(request, datasette, database: str, window: int = RANK_WINDOW,
                           page: tuple[int, int] | None = None) -> dict:
    """Parse the request and run the search: shared by the page and its downloads.

    One trip to Datasette's SQL thread does it all (each trip is a thread hop, and on a busy
    machine one in twenty hops waits milliseconds for a core): the query is parsed there, off the
    event loop, its work bounded by the cut at MAX_QUERY_CHARS (db/text/query.py: under 1 ms for
    the most hostile input); then the filters, the ranked window and, with `page` = (offset,
    limit), that page's articles and tags (`rows`)."""
    db = datasette.get_database(database)
    raw = request.args.get("q") or ""
    scope = "all" if request.args.get("scope") == "all" else "auto"
    limit_ms = datasette.setting("sql_time_limit_ms")
    browse = request.args.get("sort") == "neueste"

    def run(conn) -> dict:
        query = parse_query(raw)
        filters, filter_notes = desk.read_filters(request.args, conn)
        sort = request.args.get("sort") if request.args.get("sort") in desk.SORTS and query.match else (
            "relevanz" if query.match else "neueste")
        search = {"q": query.text, "query": query, "notes": [note_de(note) for note in query.notes] + filter_notes,
                  "filters": filters, "sort": sort, "scope": scope, "found": desk.Found([], False),
                  "timed_out": False, "browse": browse, "rows": []}
        try:
            with sqlite_timelimit(conn, limit_ms):
                # the archive's lexicon also splits a typed compound into halves written apart
                if query.match:
                    search["query"] = parse_archive_query(conn, query.text, plain=query)
                search["found"] = desk.find(conn, search["query"].match, filters, sort, scope, window, browse)
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            search["timed_out"] = True
            search["notes"].append("Die Suche hat zu lange gedauert; ein weiteres Wort oder ein Filter grenzt sie ein.")
        if page:
            rows = search["rows"] = desk.page_rows(conn, search["found"].ids[page[0]: page[0] + page[1]])
            if rows and search["query"].match and small_enough(
                    text for row in rows for text in (row["title"], row["teaser"], row["body"])):
                search["marked"] = _marked(rows, search["query"])  # bounded by its size (publish/bounded.py)
        return search

    search = await db.execute_fn(run)
    if search["query"].limited:
        log_rejected(request, "query shortened: " + " ".join(search["query"].notes[:2]))
    return search


async def search_page(request, datasette):
    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Kein Archiv: " + database)
    as_json = request.url_vars.get("format") == "json"
    db = datasette.get_database(database)
    limit = _int_arg(request, "_size", PAGE_SIZE, MAX_PAGE_SIZE) or PAGE_SIZE
    offset = _int_arg(request, "_offset", 0, RANK_WINDOW)
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "articles")), ("view-database", database), "view-instance"],
    )
    search = await find_for_request(request, datasette, database, page=(offset, limit))
    q, query, notes, filters, sort, found = (search[k] for k in ("q", "query", "notes", "filters", "sort", "found"))
    want_facets = not as_json or request.args.get("_facets") in ("1", "on", "true")
    raw_rows = search["rows"]
    plain = [([(row["title"] or "", False)], [(row["teaser"] or "", False)]) for row in raw_rows]
    marked = search.get("marked") or plain
    if query.match and raw_rows and "marked" not in search:
        try:  # highlighting and snippets of much text: in the text pool, with its time limit
            marked = await off_loop(_marked, raw_rows, query)
        except TooSlow as exc:
            log_rejected(request, str(exc))
            notes.append("Die Hervorhebung der Treffer dauerte zu lange; sie werden ohne Auszug gezeigt.")
    rows = []
    articles_url = datasette.urls.table(database, "articles")
    for row, (title_segments, text_segments) in zip(raw_rows, marked, strict=True):
        rows.append({
            "id": row["id"], "title": row["title"], "kicker": row["kicker"], "published": row["published"],
            "source_id": row["source_id"], "source_name": row["source_name"], "url": row["url"],
            "article_url": f"{articles_url}/{row['id']}",  # datasette.urls.row, without its lookups per row
            "score": round(found.scores[row["id"]], 3) if row["id"] in found.scores else None,
            "title_html": _html(title_segments),
            "snippet_html": _html(text_segments), "snippet": segments_to_text(text_segments, ("", "")),
            "tags": row["tags"],
        })
    facets = await _facets(db, found.ids, filters) if want_facets and found.ids else {}
    args = {"q": q, **filters, **({"sort": sort} if (q or search["browse"]) and sort != "relevanz" else {}),
            **({"scope": "all"} if search["scope"] == "all" else {})}
    args = {k: v for k, v in args.items() if v}
    base = datasette.urls.path(f"/{database}/-/search")

    def url(new_args: dict, fmt: str = "") -> str:
        return f"{base}{fmt}?{urlencode({k: v for k, v in new_args.items() if v})}"

    more = offset + limit < len(found.ids)
    feed_args = table_args(q, filters)
    data = {
        "database": database, "q": q, "match": query.match, "notes": notes, "filters": filters, "sort": sort,
        "rows": rows, "window_matches": len(found.ids), "window": RANK_WINDOW,
        "ranked_among_newest": len(found.ids) >= RANK_WINDOW, "scope": found.scope, "recent_articles": RECENT_SIZE,
        "all_scope_url": url({**args, "scope": "all"}) if found.ranked and found.scope == "recent" else None,
        "offset": offset, "limit": limit,
        "next_url": url({**args, "_offset": str(offset + limit)}, ".json" if as_json else "") if more else None,
        "feed_url": url({k: v for k, v in args.items() if k not in ("sort", "scope")}, ".atom"),
        "table_url": datasette.urls.table(database, "articles") + "?" + urlencode(feed_args),
        "feed_title": feed_title(q, filters),
    }
    if as_json:
        for row in rows:
            row["title_html"] = str(row["title_html"])
            row["snippet_html"] = str(row["snippet_html"])
        if want_facets:
            data["facets"] = facets
        return Response.json(data, default=str)
    for kind, items in facets.items():
        for item in items:
            chosen = {k: v for k, v in args.items() if k != kind}
            if not item["selected"]:
                chosen[kind] = item["value"]
            item["url"] = url(chosen)
    for row in rows:
        for tag in row["tags"]:
            name = TAG_FILTER[tag["kind"]]
            tag["filter"] = name
            tag["kind_title"] = KIND_NAMES[tag["kind"]][0]
            tag["url"] = url({**args, name: tag["value"]})
    suggestion = None
    if query.match and not found.ids and not search["timed_out"]:
        counts = await _word_counts(db, q, filters)
        shorter = desk.without_rarest(q, counts)
        suggestion = {
            "counts": [(word, desk.count_text(n)) for word, n in counts],
            "query": shorter, "url": url({**args, "q": shorter}) if shorter else None,
        }
    context = {
        **data,
        "facets": facets,
        "facet_kinds": FACET_KINDS,
        "prev_url": url({**args, "_offset": str(max(0, offset - limit))}) if offset else None,
        "filter_chips": [
            {"name": name, "title": desk.FILTER_TITLES[name], "value": value,
             "label": desk.filter_label(name, value, facets), "remove_url": url({k: v for k, v in args.items() if k != name})}
            for name, value in filters.items()
        ],
        "sort_urls": {s: url({**args, "sort": s}) for s in desk.SORTS} if q else {},
        "since_text": desk.filter_label("since", filters["since"]) if "since" in filters else (request.args.get("since") or ""),
        "until_text": desk.filter_label("until", filters["until"]) if "until" in filters else (request.args.get("until") or ""),
        "json_url": url({**args, "_offset": str(offset) if offset else ""}, ".json"),
        "download_urls": {fmt: url(args, "." + fmt) for fmt in ("csv", "xlsx")} if found.ids else {},
        "alert_url": datasette.urls.path(f"/{database}/-/abonnieren") + "?" + urlencode(
            {k: v for k, v in args.items() if k not in ("sort", "scope")}),
        "suggestion": suggestion,
        "searched": bool(q or filters or search["browse"]),
    }
    return Response.html(await datasette.render_template("radar_search.html", context, request=request))


def _marked(rows: list[dict], query) -> list[tuple[list, list]]:
    """(highlighted title, snippet) segments of each row: the page's text work, done off the loop."""
    return [
        (highlight_segments(row["title"], query),
         snippet("\n".join(part for part in (row["teaser"], row["body"]) if part), query))
        for row in rows
    ]


async def _word_counts(db, q: str, filters: dict[str, str]) -> list[tuple[str, int]]:
    try:
        return await db.execute_fn(lambda conn: _timeboxed(conn, lambda: desk.word_counts(conn, q, filters)))
    except sqlite3.OperationalError:
        return []


def _timeboxed(conn, fn, ms: int = 500):
    with sqlite_timelimit(conn, ms):
        return fn()


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
        text = label(kind, row["value"], row["label"]) if kind in desk.FILTER_TITLES and kind not in ("source", "month") else (
            month_de(row["value"]) if kind == "month" else row["label"] or row["value"])
        facets.setdefault(kind, []).append({
            "value": row["value"], "label": text, "count": row["n"], "selected": filters.get(kind) == row["value"],
        })
    for kind, items in facets.items():
        if kind == "month":
            items.sort(key=lambda item: item["value"], reverse=True)
        else:
            items.sort(key=lambda item: (-item["count"], item["label"]))
        del items[12:]
    return facets
