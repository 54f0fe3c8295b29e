"""German wording for Datasette's own table, query and database pages (templates in
publish/plugin/templates, built by publish/tools/translate_templates.py), and the checks of the
canned queries' parameters: an id nobody uses or a date that is no date gets a German note.
"""

from __future__ import annotations

import re

from db.dates import DateError, parse_since
from nlp.vocabulary import FILTER_KINDS, KIND_NAMES, label
from publish.filters import unknown_id

LOOKUPS = {
    "exact": "=", "not": "≠", "contains": "enthält", "notcontains": "enthält nicht", "endswith": "endet mit",
    "startswith": "beginnt mit", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "like": "passt zu (like)",
    "notlike": "passt nicht zu (like)", "glob": "passt zu (glob)", "in": "ist eine von", "notin": "ist keine von",
    "arraycontains": "Liste enthält", "arraynotcontains": "Liste enthält nicht", "date": "Datum ist",
    "isnull": "ist leer (null)", "notnull": "ist nicht leer (null)", "isblank": "ist leer", "notblank": "ist nicht leer",
}
FACET_TITLES = {"topic": "Thema", "actor": "Akteur", "state": "Land", "place": "Ort", "source_id": "Quelle",
                "month": "Monat", "kind": "Art", "value": "ID", "status": "Status", "spider": "Spider",
                "article_id": "Meldung", "new_actor": "Neue Akteure"}
PARAM_TITLES = {
    "q": "Suchbegriffe", "topic": "Thema (ID, z. B. ozg)", "actor": "Akteur (ID, z. B. dstgb)",
    "state": "Land (z. B. DE-HE)", "since": "seit (TT.MM.JJJJ, JJJJ-MM-TT oder KW 39/2025)",
}
DEFAULT_SQL = "select id, published, title, source_id\nfrom articles\norder by published desc\nlimit 20"
_TAG_ARG = re.compile(r"^_(topic|actor|state|place)$")


def describe(args) -> str:
    """`mit Thema: Cybersicherheit und source_id = „kommune21“` for the filters of a table page."""
    parts: list[str] = []
    for key in args:
        for value in args.getlist(key):
            tag = _TAG_ARG.match(key)
            if tag:
                name = tag.group(1)
                parts.append(f"{KIND_NAMES[FILTER_KINDS[name]][0]}: {label(name, value)}")
            elif key == "_search" and value:
                parts.append(f"Suche „{value}“")
            elif not key.startswith("_"):
                column, _, lookup = key.partition("__")
                parts.append(f"{column} {LOOKUPS.get(lookup or 'exact', lookup)} „{value}“")
    return ("mit " + " und ".join(parts)) if parts else ""


def query_notes(conn, params: dict[str, str]) -> list[str]:
    """German notes for a canned query's parameters that cannot match anything."""
    notes = []
    for name in ("topic", "actor", "state"):
        value = (params.get(name) or "").strip()
        if value:
            problem = unknown_id(conn, name, value)
            if problem:
                hint = re.search(r"did you mean (.+)\?\)", problem)
                tip = f" Meinten Sie „{hint.group(1)}“?" if hint else ""
                notes.append(f"„{value}“ ist kein bekannter Wert für {KIND_NAMES[name][0]}.{tip}")
    since = (params.get("since") or "").strip()
    if since:
        try:
            parse_since(since)
        except DateError:
            notes.append(f"„{since}“ ist kein Datum (TT.MM.JJJJ, JJJJ-MM-TT oder KW 39/2025).")
    return notes


def radar_date(text: str | None) -> str | None:
    """SQL function for canned queries: a typed date as ISO ('' stays '': no limit; NULL when
    it is no date, so the query finds nothing and the page's note says why)."""
    if text is None or not str(text).strip():
        return ""
    try:
        return parse_since(str(text)).isoformat()
    except DateError:
        return None


async def template_vars(view_name: str, request, datasette, database: str | None, template: str = "") -> dict:
    if template == "query.html":
        view_name = "query"  # Datasette 0.65 draws canned queries from its table view
    if view_name == "table":
        return {"radar_description": describe(request.args), "radar_lookups": LOOKUPS,
                "radar_facet_titles": FACET_TITLES}
    if view_name in ("database", "query"):
        result = {"radar_default_sql": DEFAULT_SQL, "radar_param_titles": PARAM_TITLES}
        if view_name == "query" and database and request is not None and request.url_vars.get("table"):
            params = {key: request.args.get(key) for key in ("topic", "actor", "state", "since")}
            if any(params.values()):
                db = datasette.get_database(database)
                result["radar_query_notes"] = await db.execute_fn(lambda conn: query_notes(conn, params))
        return result
    return {}
