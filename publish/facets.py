"""Tag facets and tag filters on article lists, through the indexed `tags` link table.

`?_facet_tag=topic` (or `facets: [{tag: topic}]` in metadata) counts the topics of the listed
articles; each value links to `?_topic=<id>`, which keeps the articles carrying that tag. Kinds:
topic, actor, state, place (municipality), new_actor (discovered actors only). Filters combine with AND.

The same module makes Datasette's own `?_search=` German: for the article lists it replaces the
search parameter with `db.text.query.normalise_query(...)`, so the search box,
feeds and JSON all search the normalised index (docs/search.md).
"""

from __future__ import annotations

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

from db.text.query import parse_query
from nlp import vocabulary
from publish.archive import ARTICLE_LISTS, is_archive
from publish.bounded import TOO_SLOW_NOTE, TooSlow, log_rejected, off_loop
from publish.wording import note_de

# facet / filter name → tags.kind
KINDS = {"topic": "topic", "actor": "actor", "state": "state", "place": "municipality", "new_actor": "actor"}
LABELS = {"topic": "Thema", "actor": "Akteur", "state": "Land", "place": "Ort", "new_actor": "neuer Akteur"}
#: Facets over a subset of a kind's tags: `new_actor` counts only organisations the tagger discovered
#: (not in the register), so staff see who is new in the debate.
SUBSETS = {"new_actor": " AND t.discovered = 1"}


def tag_filter_sql(kind: str, param: str) -> str:
    return f"id IN (SELECT article_id FROM tags WHERE kind = '{kind}' AND value = :{param})"


class TagFacet(Facet):
    """Counts of one tag kind over the articles of the current list."""

    type = "tag"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        qs_pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            name = config.get("simple") or config.get("kind")
            if name not in KINDS:
                continue
            params = dict(self.params) if isinstance(self.params, dict) else {}
            params["_radar_tag_kind"] = KINDS[name]
            subset = SUBSETS.get(name, "")
            # Labels from one tag row per value (max(label) over every row would read the table).
            label = "(SELECT label FROM tags l WHERE l.kind = t.kind AND l.value = t.value LIMIT 1)"
            if " where " in self.sql.lower():
                # From the listed articles into tags through its primary key (article_id, kind, …):
                # the other way round SQLite scans every tag of the kind.
                sql = (
                    f"SELECT t.value, {label} AS label, count(*) AS count "
                    f"FROM (SELECT id FROM ({self.sql})) listed CROSS JOIN tags t "
                    f"ON t.article_id = listed.id AND t.kind = :_radar_tag_kind{subset} "
                    f"GROUP BY t.value ORDER BY count DESC, t.value LIMIT {facet_size + 1}"
                )
            else:  # the whole list: straight from the (kind, value) index
                sql = (
                    f"SELECT t.value, {label} AS label, count(*) AS count FROM tags t "
                    f"WHERE t.kind = :_radar_tag_kind{subset} GROUP BY t.value ORDER BY count DESC, t.value LIMIT {facet_size + 1}"
                )
            try:
                rows = await self.ds.execute(
                    self.database, sql, params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(name)
                continue
            arg = f"_{name}"
            values = []
            for row in rows.rows[:facet_size]:
                selected = (arg, str(row["value"])) in qs_pairs
                if selected:
                    path = path_with_removed_args(self.request, {arg: str(row["value"])})
                else:
                    path = path_with_added_args(self.request, {arg: row["value"]})
                values.append({
                    "value": row["value"],
                    "label": vocabulary.label(KINDS[name], row["value"], row["label"]),
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                })
            results.append({
                "name": name,
                "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_tag": name})),
                "results": values,
                "truncated": len(rows.rows) > facet_size,
            })
        return results, timed_out


def tag_filters(request, database, table, datasette):
    """`?_topic=ozg&_state=DE-HE`: articles carrying every given tag."""
    if table not in ARTICLE_LISTS or not is_archive(datasette, database):
        return None
    wheres, params, descriptions = [], {}, []
    for name, kind in KINDS.items():
        for i, value in enumerate(request.args.getlist(f"_{name}")):
            param = f"_radar_{name}_{i}"
            wheres.append(tag_filter_sql(kind, param))
            params[param] = value
            descriptions.append(f"{LABELS[name]} „{vocabulary.label(kind, value)}“")
    if not wheres:
        return None
    return FilterArguments(wheres, params, descriptions)


def german_search(request, database, table, datasette):
    """Turn `?_search=` on the article lists into a normalised FTS5 expression (runs last, so its
    `search` parameter replaces the one Datasette's own search filter set)."""
    if "_search" not in request.args or table not in ARTICLE_LISTS or not is_archive(datasette, database):
        return None

    async def inner():  # the parsing runs off the event loop, with its own time limit
        try:
            query = await off_loop(parse_query, request.args.get("_search"))
        except TooSlow as exc:
            log_rejected(request, str(exc))
            return FilterArguments([], {"search": '""'}, extra_context={"radar_search_notes": [TOO_SLOW_NOTE]})
        if query.limited:
            log_rejected(request, "search shortened: " + " ".join(query.notes[:2]))
        # An empty phrase matches nothing: a search of only common words finds nothing, with a note.
        return FilterArguments([], {"search": query.match or '""'}, extra_context={"radar_search_notes": [note_de(note) for note in query.notes]})

    return inner
