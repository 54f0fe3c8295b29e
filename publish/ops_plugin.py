"""Datasette plugin for running the radar: the archive page "Quellen" (source health) and the
digest's unsubscribe page with its RFC 8058 one-click POST.

A plugin of its own (entry point `policy_radar_ops`) beside publish/plugin, so the pages of daily
operation stay apart from the reading pages. "Quellen" shows only non-personal data: source names
and the counters of `source_runs`, judged by ops/health.py exactly as `radar health` judges them.

Unsubscribing writes the private subscriber file (`RADAR_SUBSCRIBERS_DB`, which `radar serve
--subscribers-db` sets), never the archive, and only through db/ops_store.py. A GET of the mail's
link shows a button (link scanners and prefetching mail clients follow links; they must not
unsubscribe anyone); a POST — the button, or a mail client's one-click `List-Unsubscribe=One-Click`
— unsubscribes. Both verify the HMAC token first: a wrong one gets a friendly 400 and changes nothing.
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import parse_qs

from datasette import Response, hookimpl

from db.private import ENV as PRIVATE_DB_ENV  # set by radar serve --subscribers-db
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




async def unsubscribe_page(request, datasette):
    """`/-/unsubscribe?email=…&token=…`: GET asks, POST unsubscribes (idempotent)."""
    from digest import config as digest_settings
    from digest.tokens import verify_unsubscribe

    email = (request.args.get("email") or "").strip().lower()
    token = request.args.get("token") or ""
    try:
        config, _ = digest_settings.load()
    except digest_settings.ConfigError:
        config = None
    private_db = os.environ.get(PRIVATE_DB_ENV)
    contact = config.unsubscribe_addr if config else ""

    async def page(state: str, status: int) -> Response:
        context = {"state": state, "email": email, "contact": contact, "action": request.full_path}
        html = await datasette.render_template("radar_unsubscribe.html", context, request=request)
        return Response.html(html, status=status)

    if config is None or not config.has_secret or not private_db:
        return await page("unavailable", 503)
    if not email or not verify_unsubscribe(config.secret, email, token):
        return await page("invalid", 400)
    if request.method == "GET":
        return await page("confirm", 200)
    body = parse_qs((await request.post_body()).decode("utf-8", "replace"))
    via = "one-click" if body.get("List-Unsubscribe") == ["One-Click"] and "confirm" not in body else "web"
    from db.ops_store import unsubscribe

    await asyncio.to_thread(unsubscribe, private_db, email, via)
    return await page("done", 200)


async def settings_page(request, datasette):
    """`/-/abo?email=…&token=…`: the subscriber's filters and weekday, from the signed link in each mail."""
    from db.ops_store import read_subscriber
    from digest import config as digest_settings
    from digest.subscribers import WEEKDAY_NAMES_DE, Subscriber
    from digest.tokens import unsubscribe_urls, verify_settings
    from digest.vocabulary import Vocabulary

    email = (request.args.get("email") or "").strip().lower()
    try:
        config, _ = digest_settings.load()
    except digest_settings.ConfigError:
        config = None
    private_db = os.environ.get(PRIVATE_DB_ENV)
    context = {"email": email, "contact": config.unsubscribe_addr if config else "", "state": "unavailable"}
    status = 503
    if config is not None and config.has_secret and private_db:
        status, context["state"] = 400, "invalid"
        if email and verify_settings(config.secret, email, request.args.get("token") or ""):
            row = await asyncio.to_thread(read_subscriber, private_db, email)
            status, context["state"] = 200, "unknown"
            if row is not None:
                subscriber = Subscriber.from_row(row)
                context.update(state="show", filters=subscriber.describe(Vocabulary.from_db(None)),
                               weekday=WEEKDAY_NAMES_DE[subscriber.weekday], send_empty=subscriber.send_empty,
                               unsubscribe=unsubscribe_urls(config.secret, email, "", config.unsubscribe_addr)[0])
    html = await datasette.render_template("radar_abo.html", context, request=request)
    return Response.html(html, status=status)


@hookimpl
def register_routes():
    return [
        (r"^/(?P<database>[^/]+)/-/quellen(\.(?P<format>json))?$", quellen_page),
        (r"^/-/unsubscribe$", unsubscribe_page),
        (r"^/-/abo$", settings_page),
    ]


@hookimpl
def skip_csrf(datasette, scope):
    """A mail client's one-click POST carries no CSRF token: the HMAC token is the proof instead."""
    return scope.get("path") == "/-/unsubscribe"


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path(f"/{name}/-/quellen"), "label": f"Quellen ({name})"}
            for name in archive_names(datasette)]
