"""Datasette plugin hooks for Policy Radar (registered via the `datasette` entry point).

Each hook is a one-liner into a module with one job: archive.py (which databases are archives,
their metadata), facets.py (tag facets, tag filters, German `?_search=`), search_page.py + desk.py
(the search desk), downloads.py and feeds.py (the search as CSV/XLSX and Atom), trends_page.py
(Trends), alerts.py (subscribing to a search), pages.py (article page and lists), table_de.py and
menus.py (Datasette's own pages in German). Templates live in publish/plugin/templates/ (docs/desk.md).
"""

from __future__ import annotations

from datasette import hookimpl

from db.dates import format_date_de
from db.search import CONTENT_VIEW
from db.text.normalise import normalise_text
from db.text.query import normalise_query
from publish import (
    alerts,
    downloads,
    facets,
    feeds,
    menus,
    pages,
    readonly,
    search_page,
    table_de,
    trends_page,
)
from publish.archive import archive_metadata, archive_names, table_title
from publish.bounded import log
from publish.wording import number_de


def _no_rich_tracebacks() -> None:
    """Datasette prints every error it answers, a 404 too, as a rich traceback with every local
    variable when `rich` is installed: about 300 KB and half a second on the event loop per
    request, a cheap way to slow the server down for everyone (issue 10). Without rich, Datasette
    prints a plain traceback only for real failures (500) and nothing for a 4xx answer."""
    import datasette.handle_exception as default_handler

    default_handler.rich = None


_no_rich_tracebacks()


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yaml for every served archive, whatever its file name (only what a lookup of
    `key` can find, when Datasette asks for one)."""
    return archive_metadata(datasette, key)


# SQL functions run inside a query, where `sql_time_limit_ms` cannot stop them mid-call: a text
# longer than this is refused (the function answers NULL and one line is logged) instead of tying
# up one of Datasette's SQL threads. normalise_text needs about 1 s of CPU per MB of the most
# hostile text (bench/text): at most about 50 ms here. (Raising would print a traceback: Datasette
# turns on sqlite3's callback tracebacks.)
MAX_FUNCTION_CHARS = 50_000


def _bounded(func):
    def call(text):
        if isinstance(text, (str, bytes)) and len(text) > MAX_FUNCTION_CHARS:
            log.warning("policy_radar: %s refused a text of %d characters (limit %d): NULL",
                        func.__name__, len(text), MAX_FUNCTION_CHARS)
            return None
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return func(text if text is None or isinstance(text, str) else str(text))

    return call


def _radar_query(text: str | None) -> str:
    return normalise_query(text) or '""'


@hookimpl
def prepare_connection(conn):
    """SQL functions for researchers and canned queries: the German search in plain SQL (both
    answer NULL for a text longer than MAX_FUNCTION_CHARS; radar_query cuts a query to 500), and
    `radar_date` for a typed date (db/dates.py)."""
    conn.create_function("radar_query", 1, _bounded(_radar_query), deterministic=True)
    conn.create_function("radar_normalise", 1, _bounded(normalise_text), deterministic=True)
    conn.create_function("radar_date", 1, _bounded(table_de.radar_date), deterministic=True)


@hookimpl
def register_routes():
    """The search desk of an archive (HTML, JSON), its downloads (CSV for Excel, XLSX), feed and
    alerts, the trends, and 403 for every write path of Datasette's API."""
    return [
        (r"^/(?P<database>[^/]+)/-/search(\.(?P<format>json))?$", search_page.search_page),
        (r"^/(?P<database>[^/]+)/-/search\.(?P<format>csv|xlsx)$", downloads.search_download),
        (r"^/(?P<database>[^/]+)/-/search\.atom$", feeds.search_feed),
        (r"^/(?P<database>[^/]+)/-/abonnieren$", alerts.subscribe_page),
        (r"^/(?P<database>[^/]+)/-/abonnieren/bestaetigen$", alerts.confirm_page),
        (r"^/(?P<database>[^/]+)/-/trends(\.(?P<format>csv|json))?$", trends_page.trends_page),
        (readonly.WRITE_ROUTE, readonly.refuse_write),
    ]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """`|datum` (TT.MM.JJJJ) and `|zahl` (1.234) for every template."""
    env.filters["datum"] = format_date_de
    env.filters["zahl"] = number_de
    env.globals["radar_label"] = pages.filter_value_label
    env.globals["radar_table_title"] = table_title


@hookimpl
def register_facet_classes():
    """Facets over the tags link table: `_facet_tag=topic|actor|state|place`."""
    return [facets.TagFacet]


@hookimpl
def filters_from_request(request, database, table, datasette):
    """`?_topic=`, `?_actor=`, `?_state=`, `?_place=` on the article lists."""
    return facets.tag_filters(request, database, table, datasette)


@hookimpl(specname="filters_from_request", trylast=True)
def german_search_from_request(request, database, table, datasette):
    """`?_search=` on the article lists goes through db.text.query.normalise_query."""
    return facets.german_search(request, database, table, datasette)


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """Data for the article page and the article lists."""

    async def inner():
        return await pages.template_vars(template, database, table, view_name, request, datasette)

    return inner


@hookimpl
def render_cell(value, column, table, database, datasette, row):
    """Tag counts link into the search desk: every tag name opens the search with that filter."""
    return pages.tag_count_cell(value, column, table, database, datasette, row)


@hookimpl
def permission_allowed(action, resource):
    """No write permission of any kind (publish/readonly.py); the view the search index reads its
    text through is plumbing, not a list to browse (its text is in `articles`)."""
    if readonly.is_write(action):
        return False
    if action == "view-table" and isinstance(resource, tuple) and resource[1:] == (CONTENT_VIEW,):
        return False
    return None


@hookimpl
def menu_links(datasette):
    """The search desk and the trends in the menu of every page."""
    links = [{"href": datasette.urls.path(f"/{name}/-/search"), "label": f"Meldungen suchen ({name})"} for name in archive_names(datasette)]
    links += [{"href": datasette.urls.path(f"/{name}/-/trends"), "label": f"Trends ({name})"} for name in archive_names(datasette)]
    return links


@hookimpl(specname="menu_links", hookwrapper=True)
def german_menu(datasette, actor, request):
    """Other plugins' menu entries in German; datasette-search-all's second search (raw rows,
    bodies included) is left out: the search desk is the one search."""
    outcome = yield
    outcome.force_result(menus.german_menu_links(outcome.get_result()))


@hookimpl(trylast=True)
def register_output_renderer(datasette):
    """`.atom` through datasette-atom, but an empty list gives an empty feed, not an error (runs
    last, so it replaces datasette-atom's own renderer)."""
    import datasette_atom

    return {"extension": "atom", "render": pages.render_atom, "can_render": datasette_atom.can_render_atom}


@hookimpl
def handle_exception(datasette, request, exception):
    """A 4xx answer as a short plain page."""
    return readonly.client_error(exception)


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("policy-radar", "radar.css")]
