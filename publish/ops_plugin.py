"""Datasette plugin for running the radar: the archive page "Quellen" (source health).

A plugin of its own (entry point `policy_radar_ops`) beside publish/plugin, so the pages of daily
operation stay apart from the reading pages. Only non-personal data is shown: source names and
the counters of `source_runs`, judged by ops/health.py exactly as `radar health` judges them.
"""

from __future__ import annotations

from datasette import Response, hookimpl

from ops.health import source_health, stale_days_setting
from publish.archive import archive_names, is_archive

STATUS_DE = {"ok": "in Ordnung", "stale": "veraltet", "failing": "gestört"}


async def quellen_page(request, datasette):
    """`/<db>/-/quellen` (HTML) and `/<db>/-/quellen.json`: each source's health."""
    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        return Response.html("<h1>Nicht gefunden</h1>", status=404)
    try:
        stale_days = stale_days_setting()
    except ValueError:
        stale_days = None
    rows = await datasette.get_database(database).execute_fn(
        lambda conn: source_health(conn, stale_days=stale_days or 14.0))
    if request.url_vars.get("format") == "json":
        return Response.json([h.as_dict() for h in rows])
    sources = [{"health": h, "status_de": STATUS_DE[h.status], "reason_de": h.reason(german=True),
                "errors": ", ".join(f"{k} {v}" for k, v in (h.last.get("errors_by_kind") or {}).items())}
               for h in rows]
    context = {"database": database, "sources": sources, "stale_days": f"{stale_days or 14.0:g}"}
    return Response.html(await datasette.render_template("radar_quellen.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/quellen(\.(?P<format>json))?$", quellen_page)]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path(f"/{name}/-/quellen"), "label": f"Quellen ({name})"}
            for name in archive_names(datasette)]
