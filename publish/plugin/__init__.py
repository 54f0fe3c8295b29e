"""Datasette plugin hooks for Policy Radar (registered via the `datasette` entry point).

Each hook is a one-liner into a module with one job: archive.py (which databases are archives,
their metadata), facets.py (tag facets, tag filters, German `?_search=`), search_page.py (the
ranked search), pages.py (article page and lists). Templates live in publish/templates/.
"""

from __future__ import annotations

from datasette import hookimpl

from db.search import normalise_query, normalise_text
from publish import facets, pages, readonly, search_page
from publish.archive import archive_metadata, archive_names


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yaml for every served archive, whatever its file name."""
    return archive_metadata(datasette)


@hookimpl
def prepare_connection(conn):
    """SQL functions for researchers and canned queries: the German search in plain SQL."""
    conn.create_function("radar_query", 1, lambda text: normalise_query(text) or '""', deterministic=True)
    conn.create_function("radar_normalise", 1, normalise_text, deterministic=True)


@hookimpl
def register_routes():
    """The ranked search page of an archive (HTML and JSON), and 403 for every write path."""
    return [(r"^/(?P<database>[^/]+)/-/search(\.(?P<format>json))?$", search_page.search_page),
            (readonly.WRITE_ROUTE, readonly.refuse_write)]


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
def permission_allowed(action):
    """No write permission of any kind (publish/readonly.py)."""
    return False if readonly.is_write(action) else None


@hookimpl
def menu_links(datasette):
    """Search and dashboards in the menu of every page."""
    links = [{"href": datasette.urls.path(f"/{name}/-/search"), "label": f"Search articles ({name})"} for name in archive_names(datasette)]
    links.append({"href": datasette.urls.path("/-/dashboards/overview"), "label": "Charts: overview dashboard"})
    return links


@hookimpl
def handle_exception(datasette, request, exception):
    """datasette-atom 0.9 fails with a 500 on a list without rows: answer with an empty feed."""
    return pages.empty_atom_feed(request, exception) or readonly.client_error(exception)


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("policy-radar", "radar.css")]
