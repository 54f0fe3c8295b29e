"""German full-text search over the archive: the normalised index and its ranking (SQLite).

SQLite's FTS5 tokenizers know no German (porter is English-only, trigram is 10x slower at 1M
articles, see docs/search.md). So the archive keeps a second FTS5 table, `articles_search`, whose
text is *normalised in Python* by `db.text.normalise.normalise_text` and whose queries are parsed by
the same rules in `db.text.query.parse_query` (the pure text parts live in db/text/: words,
compounds, normalisation, query parser, highlighting). This module keeps the index in step with
the articles (queue, triggers, sync) and ranks matches (bm25 over a window, a recent slice).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from db.text.compounds import LEXICON_MAX_PART, LEXICON_MIN_PART, MAX_SPLIT_CHARS, MIN_DOCS, Lexicon
from db.text.normalise import normalise_columns
from db.text.query import SearchQuery, parse_query
from db.text.words import FOLDED_STOPWORDS, SUBWORD, WORD, fold

# --- the index ----------------------------------------------------------------------------------
SEARCH_TABLE = "articles_search"
QUEUE_TABLE = "articles_search_queue"
# The newest articles again, in a small index of their own: bm25 reads the whole doclist of every
# query word to weigh it (IDF), so ranking in 100,000 articles costs a tenth of ranking in a million.
RECENT_TABLE = "articles_search_recent"
RECENT_SIZE = 100_000
# The words of every article with the number of articles each occurs in: the parts compounds are
# split into (db.text.compounds.Lexicon), so new compounds split without a list.
LEXICON_TABLE = "search_lexicon"
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
SYNC_BATCH = 500

_TRIGGERS = {
    f"{SEARCH_TABLE}_ai": f"AFTER INSERT ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (new.id); END",
    f"{SEARCH_TABLE}_au": f"AFTER UPDATE OF title, kicker, teaser, body ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (new.id); END",
    f"{SEARCH_TABLE}_ad": f"AFTER DELETE ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (old.id); END",
}


def search_columns(title: str | None, kicker: str | None, teaser: str | None, body: str | None,
                   lexicon: Lexicon | None = None) -> tuple[str, str, str, str, str, str]:
    """The six indexed columns of one article, normalised (see COLUMNS)."""
    columns = [normalise_columns(text, lexicon=lexicon)
               for text in (title, " ".join(part for part in (kicker, teaser) if part), body)]
    return (columns[0][0], columns[1][0], columns[2][0], columns[0][1], columns[1][1], columns[2][1])


def lexicon_words(*texts: str | None) -> set[str]:
    """The words of an article as the lexicon counts them: folded, LEXICON_MIN_PART to
    LEXICON_MAX_PART letters, no stop words, no numbers."""
    words = set()
    for text in texts:
        for piece in SUBWORD.findall((text or "").lower()):
            if LEXICON_MIN_PART <= len(piece) <= LEXICON_MAX_PART and piece.isalpha():
                word = fold(piece)
                if word not in FOLDED_STOPWORDS:
                    words.add(word)
    return words


def load_lexicon(conn, min_docs: int = MIN_DOCS) -> Lexicon:
    """The archive's lexicon (words in `min_docs` articles or more)."""
    rows = conn.execute(f"SELECT word, docs FROM {LEXICON_TABLE} WHERE docs >= ?", [min_docs])
    return Lexicon(dict(rows), min_docs)


def ensure_search_index(db) -> None:
    """Create the normalised index, its queue and triggers if missing, then index what is queued.

    Idempotent and additive: on an archive without the index every article is queued once."""
    conn = db.conn
    tables = set(db.table_names())
    with conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {QUEUE_TABLE} (article_id INTEGER PRIMARY KEY)")
        tables -= _upgrade_to_part_columns(conn, tables)
        if SEARCH_TABLE not in tables:
            _create_fts(conn, SEARCH_TABLE)
            conn.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) SELECT id FROM articles")
        if RECENT_TABLE not in tables:
            _create_fts(conn, RECENT_TABLE)
            if SEARCH_TABLE in tables:  # an index exists already: copy its newest rows
                cutoff = _recent_cutoff(conn)
                conn.execute(
                    f"INSERT INTO {RECENT_TABLE}(rowid, {', '.join(COLUMNS)}) "
                    f"SELECT rowid, {', '.join(COLUMNS)} FROM {SEARCH_TABLE} WHERE rowid > ?",
                    [cutoff],
                )
        for name, body in _TRIGGERS.items():
            conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        _narrow_raw_fts_trigger(conn)
    sync_search_index(db)


def _create_fts(conn, name: str) -> None:
    conn.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(COLUMNS)}, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute(f"INSERT INTO {name}({name}, rank) VALUES ('rank', ?)", [f"bm25({', '.join(str(w) for w in WEIGHTS)})"])


def _upgrade_to_part_columns(conn, tables: set[str]) -> set[str]:
    """Schema step "search parts columns and lexicon": an index of the three-column form (compound
    parts mixed into the words) is dropped, to be rebuilt with part columns and the lexicon from
    every article. Returns the tables dropped."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {LEXICON_TABLE} (word TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID")
    if SEARCH_TABLE not in tables:
        return set()
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({SEARCH_TABLE})")]
    if tuple(columns) == COLUMNS:
        return set()
    dropped = {name for name in (SEARCH_TABLE, RECENT_TABLE) if name in tables}
    for name in dropped:
        conn.execute(f"DROP TABLE {name}")
    conn.execute(f"DELETE FROM {LEXICON_TABLE}")
    return dropped


def _recent_cutoff(conn) -> int:
    """Articles with an id above this are in the recent slice."""
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    return max(0, newest - RECENT_SIZE)


_UPDATE_ON = re.compile(r"AFTER UPDATE ON\s+(\S+)", re.IGNORECASE)


def _narrow_raw_fts_trigger(conn) -> None:
    """sqlite-utils re-indexes `articles_fts` on *any* update of an article, and the crawler
    updates `fetched_at`/`checked_at` of every known article it sees again: fire only when an
    indexed column changes."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'").fetchone()
    if not row or "articles_fts" not in row[0] or not _UPDATE_ON.search(row[0]):
        return
    from db.schema import FTS_COLUMNS

    columns = ", ".join(f'"{name}"' for name in FTS_COLUMNS)
    conn.execute("DROP TRIGGER articles_au")
    conn.execute(_UPDATE_ON.sub(lambda m: f"AFTER UPDATE OF {columns} ON {m.group(1)}", row[0], count=1))


def sync_search_index(db, batch: int = SYNC_BATCH) -> int:
    """Index the queued articles (new, changed, deleted), `batch` per transaction; returns how many.

    The store's triggers queue every article write in SQL, so any writer keeps the queue right;
    this Python step (run on every open of the archive) brings the index up to date. The recent
    slice gets the newest RECENT_SIZE articles and loses those that fall out of it."""
    conn = db.conn
    done = 0
    cutoff = _recent_cutoff(conn)
    lexicon = None
    if conn.execute(f"SELECT 1 FROM {QUEUE_TABLE} LIMIT 1").fetchone() is not None:
        count_lexicon(conn, batch)
        lexicon = load_lexicon(conn)
    while True:
        ids = [row[0] for row in conn.execute(f"SELECT article_id FROM {QUEUE_TABLE} ORDER BY article_id LIMIT ?", [batch])]
        if not ids:
            break
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT id, title, kicker, teaser, body FROM articles WHERE id IN ({marks})", ids).fetchall()
        normalised = [(row[0], *search_columns(*row[1:], lexicon=lexicon)) for row in rows]
        with conn:
            for table in (SEARCH_TABLE, RECENT_TABLE):
                conn.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", ids)
            insert = f"(rowid, {', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in range(len(COLUMNS) + 1))})"
            conn.executemany(f"INSERT INTO {SEARCH_TABLE}{insert}", normalised)
            conn.executemany(f"INSERT INTO {RECENT_TABLE}{insert}", [row for row in normalised if row[0] > cutoff])
            conn.execute(f"DELETE FROM {QUEUE_TABLE} WHERE article_id IN ({marks})", ids)
        done += len(ids)
    with conn:
        conn.execute(f"DELETE FROM {RECENT_TABLE} WHERE rowid <= ?", [cutoff])
    return done


def count_lexicon(conn, batch: int = SYNC_BATCH) -> None:
    """Add the words of the queued articles to the lexicon, one count per article, before they are
    indexed (so an article's own words split its compounds). Counts only grow: an article changed
    or deleted is not taken back (the counts pick parts, they are no statistics)."""
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT q.article_id, a.title, a.kicker, a.teaser, a.body FROM {QUEUE_TABLE} q "
            f"JOIN articles a ON a.id = q.article_id WHERE q.article_id > ? ORDER BY q.article_id LIMIT ?",
            [last, batch]).fetchall()
        if not rows:
            return
        counts: dict[str, int] = {}
        for row in rows:
            for word in lexicon_words(*row[1:]):
                counts[word] = counts.get(word, 0) + 1
        with conn:
            conn.executemany(
                f"INSERT INTO {LEXICON_TABLE}(word, docs) VALUES (?, ?) "
                "ON CONFLICT(word) DO UPDATE SET docs = docs + excluded.docs", counts.items())
        last = rows[-1][0]


def query_lexicon(conn, text: str) -> Lexicon:
    """The lexicon entries a query's compounds can be split into: every piece of each long word,
    looked up in the lexicon table (a few hundred keys; the lexicon is never loaded whole)."""
    keys: set[str] = set()
    for word in WORD.findall(text or ""):
        for piece in SUBWORD.findall(word.lower()):
            folded = fold(piece)
            if LEXICON_MIN_PART * 2 <= len(folded) <= MAX_SPLIT_CHARS:
                for start in range(len(folded) - LEXICON_MIN_PART + 1):
                    for end in range(start + LEXICON_MIN_PART, min(len(folded), start + LEXICON_MAX_PART) + 1):
                        keys.add(folded[start:end])
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(conn.execute(f"SELECT word, docs FROM {LEXICON_TABLE} WHERE word IN ({marks})", chunk))
    return Lexicon(found)


def parse_archive_query(conn, text: str | None) -> SearchQuery:
    """`parse_query` with the archive at hand: when a query has fewer than a page
    (MIN_RECENT_MATCHES) of matches, its compounds are also searched as their halves written apart,
    close together (split by the archive's lexicon). A frequent compound is searched as itself
    only: it fills the page, and NEAR over frequent halves would cost position lists."""
    plain = parse_query(text)
    if not plain.ok or not conn.execute(f"SELECT 1 FROM sqlite_master WHERE name = '{LEXICON_TABLE}'").fetchone():
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


def rebuild_search_index(db) -> int:
    """Re-normalise every article (after a change to the rules in this module)."""
    with db.conn:
        db.conn.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) SELECT id FROM articles")
    return sync_search_index(db)


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


PAGE_SQL = """SELECT a.id, a.title, a.kicker, a.teaser, substr(a.body, 1, 20000) AS body, a.published,
  a.source_id, coalesce(nullif(s.name, ''), a.source_id) AS source_name, a.url
FROM articles a LEFT JOIN sources s ON s.id = a.source_id
WHERE a.id IN (SELECT value FROM json_each(:ids))"""
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
    if scope != "all":
        hits = [tuple(row) for row in conn.execute(window_sql(filters, window, RECENT_TABLE), params)]
        used = "recent"
    if scope == "all" or (older and len(hits) < MIN_RECENT_MATCHES):
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
