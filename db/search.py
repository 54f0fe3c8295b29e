"""German full-text search over the archive: the names of the normalised index and its ranking.

SQLite's FTS5 tokenizers know no German (porter is English-only, trigram is 10x slower at 1M
articles, see docs/search.md). So the archive keeps a second FTS5 table, `articles_search`, whose
text is *normalised in Python* by `db.text.normalise.normalise_text` and whose queries are parsed by
the same rules in `db.text.query.parse_query` (the pure text parts live in db/text/: words,
compounds, normalisation, query parser, highlighting). This module names the index and ranks
matches (bm25 over a window, a recent slice); db/search_index.py keeps the index in step with the
articles, db/search_lexicon.py counts the archive's own words that compounds are split into.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from db.search_lexicon import PARTS_TABLE, query_lexicon
from db.text.query import SearchQuery, parse_query

# --- the index ----------------------------------------------------------------------------------
SEARCH_TABLE = "articles_search"
QUEUE_TABLE = "articles_search_queue"
# The newest articles again, in a small index of their own: bm25 reads the whole doclist of every
# query word to weigh it (IDF), so ranking in 100,000 articles costs a tenth of ranking in a million.
RECENT_TABLE = "articles_search_recent"
#: What the index tables read when a column is selected: the articles' text, NULL for the parts.
CONTENT_VIEW = "articles_search_text"
RECENT_SIZE = 100_000
# Columns: the stems of title, teaser (kicker + teaser), body in text order, then the extra tokens
# of each (compound parts, runs of parts, joined hyphen wholes) in columns of their own.
COLUMNS = ("title", "teaser", "body", "title_parts", "teaser_parts", "body_parts")
# bm25 weights: a match in the title counts ten times a match in the body; a word found only inside
# a compound counts a twentieth of the word itself, so the word anywhere (even in the body) ranks
# above the word inside a compound anywhere (even in the title): `Sicherheit` before
# `Planungssicherheit`, and among compounds the title still counts most.
PART_WEIGHT = 0.01
WEIGHTS = (10.0, 3.0, 1.0, 10.0 * PART_WEIGHT, 3.0 * PART_WEIGHT, 1.0 * PART_WEIGHT)
BM25 = f"bm25({SEARCH_TABLE}, {', '.join(str(w) for w in WEIGHTS)})"
# Index maintenance (tables, triggers, the queue, sync): db/search_index.py.


def parse_archive_query(conn, text: str | None, plain: SearchQuery | None = None) -> SearchQuery:
    """`parse_query` with the archive at hand: when a query has fewer than a page
    (MIN_RECENT_MATCHES) of matches, its compounds are also searched as their halves written apart,
    close together (split by the archive's lexicon). A frequent compound is searched as itself
    only: it fills the page, and NEAR over frequent halves would cost position lists. `plain`:
    `parse_query(text)` when the caller has it already."""
    plain = plain if plain is not None else parse_query(text)
    if not plain.ok or not conn.execute(f"SELECT 1 FROM sqlite_master WHERE name = '{PARTS_TABLE}'").fetchone():
        return plain
    split = parse_query(text, query_lexicon(conn, plain.text), COLUMNS[:3])
    if split.match == plain.match:
        return plain
    found = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? LIMIT ?)",
                         [plain.match, MIN_RECENT_MATCHES]).fetchone()[0]
    return split if found < MIN_RECENT_MATCHES else plain


def query_match(conn, text: str | None) -> str | None:
    """The FTS5 expression of `parse_archive_query` (None: nothing to search)."""
    return parse_archive_query(conn, text).match




# --- ranked search SQL --------------------------------------------------------------------------
# Ranking every hit of a frequent word costs (PERF.md: p95 61 ms at 1M articles). bm25 is computed
# for the newest RANK_WINDOW matches (by rowid, i.e. archive order) and those are ranked: exact for
# any search with fewer matches, and "best of the most recent" for very broad ones.
RANK_WINDOW = 1000
FILTERS = ("topic", "actor", "state", "place", "source", "month", "since", "until")
# EXISTS per hit through the tags primary key (article_id, kind, value): a `rowid IN (…)` list
# would be pushed into FTS5 as rowid lookups and lose the rowid order (30x slower).
_TAG_FILTER = "EXISTS (SELECT 1 FROM tags WHERE tags.article_id = {{t}}.rowid AND tags.kind = '{kind}' AND tags.value = :{param})"
_FILTER_SQL = {
    "topic": _TAG_FILTER.format(kind="topic", param="topic"),
    "actor": _TAG_FILTER.format(kind="actor", param="actor"),
    "state": _TAG_FILTER.format(kind="state", param="state"),
    "place": _TAG_FILTER.format(kind="municipality", param="place"),
    "source": "a.source_id = :source",
    "month": "a.month = :month",
    "since": "a.published >= :since",
    "until": "a.published < date(:until, '+1 day')",
}
_ARTICLE_FILTERS = {"source", "month", "since", "until"}


def window_sql(filters: Iterable[str] = (), window: int = RANK_WINDOW, table: str = SEARCH_TABLE) -> str:
    """Ids and bm25 scores of the newest `window` matches of `:match` that pass the filters."""
    names = [name for name in FILTERS if name in set(filters)]
    wheres = [f"{table} MATCH :match"] + [_FILTER_SQL[name].format(t=table) for name in names]
    join = f" JOIN articles a ON a.id = {table}.rowid" if _ARTICLE_FILTERS & set(names) else ""
    score = f"bm25({table}, {', '.join(str(w) for w in WEIGHTS)})"
    return (
        f"SELECT {table}.rowid AS id, {score} AS score FROM {table}{join} "
        f"WHERE {' AND '.join(wheres)} ORDER BY {table}.rowid DESC LIMIT {int(window)}"
    )


def ranked_sql(filters: Iterable[str] = (), window: int = RANK_WINDOW, table: str = SEARCH_TABLE) -> str:
    """One page of the ranked window in one statement: parameters `:match`, `:limit`, `:offset`
    and one per filter (`:topic`, `:actor`, `:state`, `:place`, `:source`, `:month`, `:since`,
    `:until`). For researchers' SQL; the search page runs `ranked_search`."""
    return (
        f"WITH hits AS ({window_sql(filters, window, table)}), "
        "page AS (SELECT id, score FROM hits ORDER BY score, id DESC LIMIT :limit OFFSET :offset) "
        "SELECT a.id, a.title, a.kicker, a.teaser, a.published, a.source_id, a.url, page.score "
        "FROM page JOIN articles a ON a.id = page.id ORDER BY page.score, a.id DESC"
    )


PAGE_COLUMNS = """a.id, a.title, a.kicker, a.teaser, substr(a.body, 1, 20000) AS body, a.published,
  a.source_id, coalesce(nullif(s.name, ''), a.source_id) AS source_name, a.url"""
PAGE_FROM = """FROM articles a LEFT JOIN sources s ON s.id = a.source_id
WHERE a.id IN (SELECT value FROM json_each(:ids))"""
PAGE_SQL = f"SELECT {PAGE_COLUMNS}\n{PAGE_FROM}"
# The recent slice answers when it has at least this many matches (a page); otherwise the search
# runs over the whole archive.
MIN_RECENT_MATCHES = 20


@dataclass
class Ranked:
    """The result of `ranked_search`: the ranked window and the articles of the requested page."""

    hits: list[tuple[int, float]]  # (article id, bm25 score), best first
    rows: list[dict]  # the page, best first: id, title, kicker, teaser, body, published, source…
    scope: str  # "recent": the newest RECENT_SIZE articles; "all": the whole archive
    older_articles: bool  # the archive has articles older than the recent slice

    @property
    def window_full(self) -> bool:
        return len(self.hits) >= RANK_WINDOW


def ranked_search(conn, match: str, filters: dict | None = None, limit: int = 20, offset: int = 0,
                  scope: str = "auto", window: int = RANK_WINDOW) -> Ranked:
    """Rank the newest `window` matches of `match` by title-weighted bm25 and fetch one page.

    `scope="auto"` ranks in the recent slice when it has a page of matches, else in the whole
    archive; `scope="all"` always ranks in the whole archive. The published search page and the
    benchmark's bare baseline both run this function (over Datasette's connection / sqlite3)."""
    filters = {name: value for name, value in (filters or {}).items() if name in FILTERS and value}
    params = {"match": match, **filters}
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    older = newest > RECENT_SIZE
    hits: list[tuple[int, float]] = []
    used = "all"
    if scope != "all" and older:  # a smaller archive has no recent slice: its main index is as small
        hits = [tuple(row) for row in conn.execute(window_sql(filters, window, RECENT_TABLE), params)]
        used = "recent"
    if scope == "all" or not older or len(hits) < MIN_RECENT_MATCHES:
        hits = [tuple(row) for row in conn.execute(window_sql(filters, window, SEARCH_TABLE), params)]
        used = "all"
    hits.sort(key=lambda hit: (hit[1], -hit[0]))
    page = hits[offset : offset + limit]
    rows: list[dict] = []
    if page:
        cursor = conn.execute(PAGE_SQL, {"ids": json.dumps([hit[0] for hit in page])})
        names = [d[0] for d in cursor.description]
        found = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        rows = [{**found[article_id], "score": score} for article_id, score in page if article_id in found]
    return Ranked(hits=hits, rows=rows, scope=used if older else "all", older_articles=older)
