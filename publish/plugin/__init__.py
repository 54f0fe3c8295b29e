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
from db.search import normalise_query, normalise_text
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
from publish.wording import number_de


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yaml for every served archive, whatever its file name."""
    return archive_metadata(datasette)


@hookimpl
def prepare_connection(conn):
    """SQL functions for researchers and canned queries: the German search in plain SQL."""
    conn.create_function("radar_query", 1, lambda text: normalise_query(text) or '""', deterministic=True)
    conn.create_function("radar_normalise", 1, normalise_text, deterministic=True)
    conn.create_function("radar_date", 1, table_de.radar_date, deterministic=True)


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
    """`?_search=` on the article lists goes through db.search.normalise_query."""
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
def permission_allowed(action):
    """No write permission of any kind (publish/readonly.py)."""
    return False if readonly.is_write(action) else None


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


@hookimpl
def handle_exception(datasette, request, exception):
    """datasette-atom 0.9 fails with a 500 on a list without rows: answer with an empty feed."""
    return pages.empty_atom_feed(request, exception) or readonly.client_error(exception)


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("policy-radar", "radar.css")]
