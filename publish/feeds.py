"""The Atom feed of a search: `/<db>/-/search.atom?q=…&topic=…` — newest first, German title.

Same search and filters as the search desk (publish/search_page.py), the newest FEED_SIZE matches;
each entry links to the article's page in the archive (and to the source as `related`), carries
its tags as categories (taxonomy labels) and the teaser as summary.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, time, timezone

from datasette.utils.asgi import NotFound, Response

from publish import desk
from publish.archive import is_archive
from publish.search_page import feed_title, find_for_request

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value) if len(value) > 10 else datetime.combine(
            datetime.fromisoformat(value[:10]).date(), time(0, 0))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        element.text = text
    return element


def atom_feed(feed_id: str, title: str, self_url: str, page_url: str, entries: list[dict]) -> bytes:
    """An Atom 1.0 document (RFC 4287); entries: id, title, link, source_url, published, author,
    summary, tags (value, label)."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "de"})
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    dates = [entry["published"] for entry in entries if entry["published"]]
    _add(feed, "updated", (max(dates) if dates else datetime.now(timezone.utc)).isoformat())
    _add(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    _add(feed, "link", href=page_url, rel="alternate", type="text/html")
    for item in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", item["link"])
        _add(entry, "title", item["title"])
        _add(entry, "updated", (item["published"] or datetime.now(timezone.utc)).isoformat())
        if item["published"]:
            _add(entry, "published", item["published"].isoformat())
        _add(_add(entry, "author"), "name", item["author"])
        _add(entry, "link", href=item["link"], rel="alternate", type="text/html")
        if item["source_url"]:
            _add(entry, "link", href=item["source_url"], rel="related", title="Bei der Quelle lesen")
        if item["summary"]:
            _add(entry, "summary", item["summary"])
        for tag in item["tags"]:
            _add(entry, "category", term=tag["value"], label=tag["label"])
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


async def search_feed(request, datasette):
    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Kein Archiv: " + database)
    await datasette.ensure_permissions(
        request.actor, [("view-table", (database, "articles")), ("view-database", database), "view-instance"])
    search = await find_for_request(request, datasette, database)
    db = datasette.get_database(database)
    found = search["found"]
    if found.ranked:  # a feed is newest first whatever the page's sort
        found = await db.execute_fn(
            lambda conn: desk.find(conn, search["query"].match, search["filters"], "neueste", search["scope"]))
    ids = found.ids[:FEED_SIZE]
    rows = await db.execute_fn(lambda conn: desk.page_rows(conn, ids)) if ids else []
    self_url = datasette.absolute_url(request, request.full_path)
    entries = [{
        "link": datasette.absolute_url(request, datasette.urls.row(database, "articles", str(row["id"]))),
        "title": row["title"] or "(ohne Titel)", "source_url": row["url"], "published": _when(row["published"]),
        "author": row["source_name"] or row["source_id"], "summary": row["teaser"], "tags": row["tags"],
    } for row in rows]
    body = atom_feed(self_url, feed_title(search["q"], search["filters"]), self_url,
                     self_url.replace("/-/search.atom", "/-/search", 1), entries)
    return Response(body, content_type="application/atom+xml; charset=utf-8")
