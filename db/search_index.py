"""Keeping the German search index (`articles_search` and its recent slice) in step with `articles`.

Both FTS5 tables are *external-content* tables over `articles` (read through the view
`articles_search_text`): they keep only the index of the normalised text (db/search.py's rules),
not a second copy of it — that copy was 45 % of the archive. The price: FTS5 must be told exactly which tokens to remove when an article
changes, so triggers put an article's *old* text into the queue (`articles_search_queue`) before it
changes, and `sync_search_index` (run by writers after each batch) normalises the old text to
delete it and the new text to insert it. Never use FTS5's `rebuild` or a plain `DELETE` on these
tables: both read `articles`' raw text, not the normalised one.

If the normalisation rules change (their fingerprint over a probe text differs from the one the
index was built with), the next writer rebuilds the whole index. So it does when the archive has
grown LEXICON_GROWTH-fold since the last build: compounds are split into the archive's own words
(db/search_lexicon.py), and the frozen list of them is renewed only with a whole rebuild, so every
article is deleted with the very tokens it was indexed with. Readers never sync. An article
whose text cannot be normalised is quarantined with the reason and leaves the queue, so one
poisoned row never blocks the queue or is retried forever.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from collections import Counter
from collections.abc import Sequence

from sqlite_utils import Database

import db.search as ranking
from db.records import utcnow
from db.search import COLUMNS as INDEX_COLUMNS
from db.search import CONTENT_VIEW, QUEUE_TABLE, RECENT_TABLE, SEARCH_TABLE, WEIGHTS
from db.search_article import ArticleWords, article_words, normaliser_fingerprint, search_columns
from db.search_lexicon import (
    add_counts,
    count_articles,
    create_lexicon_tables,
    load_parts,
    recount_and_freeze,
    words_lexicon_words,
)
from db.sqlite import writers_in_turn
from db.text.compounds import Lexicon

logger = logging.getLogger(__name__)
SYNC_BATCH = 500
INDEX_ERROR = "index_error"  # quarantine kind of an article the search index could not take
STATE_TABLE = "articles_search_state"  # key/value: the normaliser fingerprint the index was built with
COLUMNS = ("title", "kicker", "teaser", "body")

TRIGGERS = {
    f"{SEARCH_TABLE}_ai": f"AFTER INSERT ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (new.id); END",
    # The first queued old text wins: it is what the index holds until the next sync.
    f"{SEARCH_TABLE}_au": f"AFTER UPDATE OF title, kicker, teaser, body ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}"
    "(article_id, old, title, kicker, teaser, body) VALUES (old.id, 1, old.title, old.kicker, old.teaser, old.body); END",
    f"{SEARCH_TABLE}_ad": f"AFTER DELETE ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}"
    "(article_id, old, title, kicker, teaser, body) VALUES (old.id, 1, old.title, old.kicker, old.teaser, old.body); END",
}
# --- layout (migration steps) ---------------------------------------------------------------------
def create_fts(conn: sqlite3.Connection, name: str) -> None:
    """An external-content FTS5 table that reads its text through CONTENT_VIEW: selecting its
    columns (researchers' SQL, Datasette counting rows) shows the article's own text, and the part
    columns, made at index time, read as NULL. Datasette finds it through the metadata's `fts_table`."""
    conn.execute(f"CREATE VIEW IF NOT EXISTS {CONTENT_VIEW} AS SELECT id, title, "
                 "trim(coalesce(kicker, '') || ' ' || coalesce(teaser, '')) AS teaser, body, "
                 "NULL AS title_parts, NULL AS teaser_parts, NULL AS body_parts FROM articles")
    conn.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(INDEX_COLUMNS)}, content='{CONTENT_VIEW}', content_rowid='id', "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute(f"INSERT INTO {name}({name}, rank) VALUES ('rank', ?)", [f"bm25({', '.join(str(w) for w in WEIGHTS)})"])


def create_queue_and_triggers(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {QUEUE_TABLE} (article_id INTEGER PRIMARY KEY, old INTEGER NOT NULL DEFAULT 0, "
        "title TEXT, kicker TEXT, teaser TEXT, body TEXT)"
    )
    for name, body in TRIGGERS.items():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(f"CREATE TRIGGER {name} {body}")


def set_fingerprint(conn: sqlite3.Connection, value: str) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(f"INSERT OR REPLACE INTO {STATE_TABLE} (key, value) VALUES ('normaliser', ?)", [value])


def create_search_index(db: Database) -> None:
    """Create the index, its recent slice, queue and triggers where missing (migration step 1 on a
    new archive); an archive that had no index gets every article queued once."""
    conn = db.conn
    tables = set(db.table_names())
    with conn:
        if SEARCH_TABLE in tables:  # an older layout: migration step 3 converts it
            return
        conn.execute(f"DROP TABLE IF EXISTS {RECENT_TABLE}")  # derived from the main index: made anew
        conn.execute(f"DROP TABLE IF EXISTS {QUEUE_TABLE}")
        create_fts(conn, SEARCH_TABLE)
        create_fts(conn, RECENT_TABLE)
        create_queue_and_triggers(conn)
        create_lexicon_tables(conn)
        conn.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) SELECT id FROM articles")
        set_fingerprint(conn, normaliser_fingerprint())


def convert_old_layout(db: Database) -> bool:
    """Migration step 3: an index that keeps its own copy of the normalised text becomes an
    external-content one. The old queue is finished the old way first; the normalised text is then
    copied into the new tables (no re-normalisation), and a sample decides whether the rules that
    made it are today's (if not, the next sync rebuilds). Returns whether anything was converted."""
    conn = db.conn
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [SEARCH_TABLE]).fetchone()
    if not row or "content=" in row[0]:
        return False
    cutoff = _recent_cutoff(conn)
    while True:  # the old queue: plain DELETE works while the tables hold their own text
        ids = [r[0] for r in conn.execute(f"SELECT article_id FROM {QUEUE_TABLE} ORDER BY article_id LIMIT ?", [SYNC_BATCH])]
        if not ids:
            break
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT id, title, kicker, teaser, body, url FROM articles WHERE id IN ({marks})", ids).fetchall()
        with conn:
            for table in (SEARCH_TABLE, RECENT_TABLE):
                conn.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", ids)
            for article_id, *values, url in rows:
                columns = _normalised(conn, article_id, values, url)
                if columns is not None:  # that layout: words and parts in one column each
                    joined = [f"{words} {parts}".strip() for words, parts in zip(columns[:3], columns[3:], strict=True)]
                    for table in (SEARCH_TABLE, RECENT_TABLE) if article_id > cutoff else (SEARCH_TABLE,):
                        conn.execute(f"INSERT INTO {table}(rowid, title, teaser, body) VALUES (?, ?, ?, ?)", [article_id, *joined])
            conn.execute(f"DELETE FROM {QUEUE_TABLE} WHERE article_id IN ({marks})", ids)
    sample = conn.execute(
        f"SELECT s.title, s.teaser, s.body, a.title, a.kicker, a.teaser, a.body FROM {SEARCH_TABLE} s "
        f"JOIN articles a ON a.id = s.rowid ORDER BY s.rowid DESC LIMIT 50").fetchall()
    current = all(tuple(r[:3]) == search_columns(*r[3:]) for r in sample)  # never, since the part columns
    with conn:
        conn.execute(f"DELETE FROM {RECENT_TABLE} WHERE rowid <= ?", [cutoff])
        for table in (SEARCH_TABLE, RECENT_TABLE):
            create_fts(conn, f"{table}_new")
            conn.execute(f"INSERT INTO {table}_new(rowid, title, teaser, body) SELECT rowid, title, teaser, body FROM {table}")
            conn.execute(f"DROP TABLE {table}")
            conn.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        conn.execute(f"DROP TABLE {QUEUE_TABLE}")
        create_queue_and_triggers(conn)
        set_fingerprint(conn, normaliser_fingerprint() if current else "older rules")
    return True


def add_part_columns(db: Database) -> bool:
    """Migration step 4: compound parts in columns of their own (the word itself ranks above the
    word inside a compound) and the archive's lexicon. The three-column tables are dropped (they
    keep no text: nothing is lost) and made anew, empty; the next writer rebuilds them."""
    conn = db.conn
    with conn:
        create_lexicon_tables(conn)
        if SEARCH_TABLE not in db.table_names():
            return False
        columns = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({SEARCH_TABLE})"))
        if columns == INDEX_COLUMNS:
            return False
        remake_empty(conn)
    return True


def remake_empty(conn: sqlite3.Connection) -> None:
    """Both index tables anew and empty for the next writer to rebuild (they keep no text)."""
    for table in (SEARCH_TABLE, RECENT_TABLE):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        create_fts(conn, table)
    conn.execute(f"DELETE FROM {QUEUE_TABLE}")
    set_fingerprint(conn, "older layout")


# --- keeping it in step ---------------------------------------------------------------------------
def _recent_cutoff(conn: sqlite3.Connection) -> int:
    """Articles with an id above this are in the recent slice. An archive of at most RECENT_SIZE
    articles has no slice (it would be a second copy of the whole index; ranking uses the main one)."""
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    size = ranking.RECENT_SIZE  # read at call time (tests shrink it)
    return newest - size if newest > size else newest


def _start_recent(conn: sqlite3.Connection, cutoff: int, lexicon: Lexicon | None) -> None:
    """The archive just grew past RECENT_SIZE: fill the slice with its newest articles (once)."""
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    if newest <= ranking.RECENT_SIZE or conn.execute(f"SELECT 1 FROM {RECENT_TABLE}_docsize LIMIT 1").fetchone():
        return
    last = cutoff
    while True:  # queued articles are left to the queue, which inserts them into both tables
        rows = conn.execute(
            f"SELECT id, title, kicker, teaser, body, url FROM articles WHERE id > ? AND id NOT IN "
            f"(SELECT article_id FROM {QUEUE_TABLE}) ORDER BY id LIMIT ?", [last, SYNC_BATCH]).fetchall()
        if not rows:
            return
        with conn:
            for article_id, *values, url in rows:
                columns = _normalised(conn, article_id, values, url, lexicon)
                if columns is not None:
                    _insert(conn, RECENT_TABLE, article_id, columns)
        last = rows[-1][0]


def _quarantine(conn: sqlite3.Connection, url: str | None, article_id: int, exc: BaseException) -> None:
    reason = f"search index: {exc.__class__.__name__}: {str(exc)[:300]}"
    logger.error("article %s not indexed: %s", article_id, reason)
    conn.execute("INSERT INTO quarantine (run_id, url, kind, reason, fetched_at) VALUES (NULL, ?, ?, ?, ?)",
                 [url or f"article {article_id}", INDEX_ERROR, reason, utcnow()])


def _normalised(conn: sqlite3.Connection, article_id: int, values: Sequence, url: str | None,
                lexicon: Lexicon | None = None, words: ArticleWords | None = None) -> tuple | None:
    try:
        return search_columns(*values, lexicon=lexicon, words=words)
    except Exception as exc:  # any failure of one text (RecursionError included) costs only that article
        _quarantine(conn, url, article_id, exc)
        return None


def _indexed(conn: sqlite3.Connection, table: str, ids: Sequence[int]) -> set[int]:
    marks = ", ".join("?" for _ in ids)
    return {row[0] for row in conn.execute(f"SELECT id FROM {table}_docsize WHERE id IN ({marks})", list(ids))}


def _delete(conn: sqlite3.Connection, table: str, article_id: int, columns: tuple) -> None:
    conn.execute(f"INSERT INTO {table}({table}, rowid, {', '.join(INDEX_COLUMNS)}) VALUES ('delete', ?{', ?' * len(INDEX_COLUMNS)})",
                 [article_id, *columns])


def _insert(conn: sqlite3.Connection, table: str, article_id: int, columns: tuple) -> None:
    conn.execute(f"INSERT INTO {table}(rowid, {', '.join(INDEX_COLUMNS)}) VALUES (?{', ?' * len(INDEX_COLUMNS)})", [article_id, *columns])


# The frozen lexicon is renewed (a rebuild) at this many articles and LEXICON_GROWTH times those of
# the last build: rebuilds cost 1/(LEXICON_GROWTH - 1) of one more indexing (3,000 articles: 1,050).
MIN_ARTICLES_FOR_LEXICON = 1
LEXICON_GROWTH = 4


def _state(conn: sqlite3.Connection, key: str, default: int) -> int:
    row = conn.execute(f"SELECT value FROM {STATE_TABLE} WHERE key = ?", [key]).fetchone()
    return int(row[0]) if row else default


def set_state(conn: sqlite3.Connection, key: str, value: int | str) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(f"INSERT OR REPLACE INTO {STATE_TABLE} (key, value) VALUES (?, ?)", [key, str(value)])


_FROZEN: dict[str, Lexicon] = {}  # the frozen lexicon by the random id of the build that froze it


def _frozen_lexicon(conn: sqlite3.Connection) -> Lexicon:
    """The frozen parts, loaded once per build (not on every sync of a crawl): each rebuild stores
    a random build id, so a lexicon kept here is never used for another build or archive."""
    row = conn.execute(f"SELECT value FROM {STATE_TABLE} WHERE key = 'lexicon_build'").fetchone()
    if row is None:
        return load_parts(conn)
    if row[0] not in _FROZEN:
        _FROZEN.clear()  # keeps one
        _FROZEN[row[0]] = load_parts(conn)
    return _FROZEN[row[0]]


def stale(conn: sqlite3.Connection) -> bool:
    row = conn.execute(f"SELECT value FROM {STATE_TABLE} WHERE key = 'normaliser'").fetchone()
    return not row or row[0] != normaliser_fingerprint()


def sync_search_index(db: Database, batch: int = SYNC_BATCH) -> int:
    """Index the queued articles (new, changed, deleted), `batch` per transaction; returns how many
    left the queue. The recent slice gets the newest RECENT_SIZE articles and loses older ones.
    Writer processes sync in turn: one's rebuild must not meet another's tokens of the old lexicon."""
    with writers_in_turn(db.conn, "search"):
        return _sync(db, batch)


def _sync(db: Database, batch: int) -> int:
    conn = db.conn
    if stale(conn):
        return rebuild_search_index(db)
    if conn.execute(f"SELECT 1 FROM {QUEUE_TABLE} LIMIT 1").fetchone():
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        if articles >= LEXICON_GROWTH * _state(conn, "lexicon_articles", 0) and articles >= MIN_ARTICLES_FOR_LEXICON:
            with conn:  # every article is counted once the queue is: the rebuild freezes the counts
                count_articles(conn, conn.execute(
                    f"SELECT a.title, a.kicker, a.teaser, a.body FROM {QUEUE_TABLE} q JOIN articles a ON a.id = q.article_id"))
            return rebuild_search_index(db, recount=False)
    lexicon = _frozen_lexicon(conn)
    done = 0
    cutoff = _recent_cutoff(conn)
    _start_recent(conn, cutoff, lexicon)
    while True:
        queued = conn.execute(
            f"SELECT article_id, old, title, kicker, teaser, body FROM {QUEUE_TABLE} ORDER BY article_id LIMIT ?", [batch]
        ).fetchall()
        if not queued:
            break
        ids = [row[0] for row in queued]
        marks = ", ".join("?" for _ in ids)
        current = {row[0]: row for row in conn.execute(
            f"SELECT id, title, kicker, teaser, body, url FROM articles WHERE id IN ({marks})", ids)}
        counts: Counter[str] = Counter()  # the words of new and changed articles count from now on (next rebuild)
        with conn:
            in_main, in_recent = _indexed(conn, SEARCH_TABLE, ids), _indexed(conn, RECENT_TABLE, ids)
            for article_id, old, *old_values in queued:
                row = current.get(article_id)
                url = row[5] if row else None
                words = article_words(*row[1:5]) if row else None  # found once for the count and the columns
                if words is not None:
                    counts.update(words_lexicon_words(row[1:5], words))
                columns = None  # the current text's, once normalised
                if article_id in in_main or article_id in in_recent:
                    # what the index holds: the old text the trigger kept, else the unchanged current one
                    values = old_values if old else (row[1:5] if row else None)
                    indexed = (_normalised(conn, article_id, values, url, lexicon, None if old else words)
                               if values is not None else None)
                    if indexed is None:  # the indexed tokens are unknown: leave this article as it is
                        continue
                    if article_id in in_main:
                        _delete(conn, SEARCH_TABLE, article_id, indexed)
                    if article_id in in_recent:
                        _delete(conn, RECENT_TABLE, article_id, indexed)
                    columns = None if old else indexed
                if row is None:
                    continue
                if columns is None:
                    columns = _normalised(conn, article_id, row[1:5], url, lexicon, words)
                if columns is None:
                    continue
                _insert(conn, SEARCH_TABLE, article_id, columns)
                if article_id > cutoff:
                    _insert(conn, RECENT_TABLE, article_id, columns)
            add_counts(conn, counts)  # with the queue's rows: counted once, even if a later batch fails
            conn.execute(f"DELETE FROM {QUEUE_TABLE} WHERE article_id IN ({marks})", ids)
        done += len(ids)
    _trim_recent(conn, cutoff, lexicon)
    return done


def _trim_recent(conn: sqlite3.Connection, cutoff: int, lexicon: Lexicon) -> None:
    """Articles that fell out of the recent slice leave it (their text is unchanged, or they would
    have been queued: normalising it again gives the tokens to delete)."""
    old_ids = [row[0] for row in conn.execute(f"SELECT id FROM {RECENT_TABLE}_docsize WHERE id <= ?", [cutoff])]
    for start in range(0, len(old_ids), SYNC_BATCH):
        ids = old_ids[start:start + SYNC_BATCH]
        marks = ", ".join("?" for _ in ids)
        with conn:
            for article_id, *values, url in conn.execute(
                f"SELECT id, title, kicker, teaser, body, url FROM articles WHERE id IN ({marks})", ids
            ).fetchall():
                columns = _normalised(conn, article_id, values, url, lexicon)
                if columns is not None:
                    _delete(conn, RECENT_TABLE, article_id, columns)


def rebuild_search_index(db: Database, batch: int = SYNC_BATCH, recount: bool = True) -> int:
    """Index every article afresh (the rules changed, or the archive grew LEXICON_GROWTH-fold since
    the lexicon was frozen): count the words anew (for growth, `recount=False`: the counts the syncs
    kept, which hold every article), freeze the parts, empty both tables, re-insert."""
    conn = db.conn
    with conn:
        create_lexicon_tables(conn)
        for table in (SEARCH_TABLE, RECENT_TABLE):
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")
        conn.execute(f"DELETE FROM {QUEUE_TABLE}")
    recount_and_freeze(conn, batch, recount)
    lexicon = load_parts(conn)
    cutoff = _recent_cutoff(conn)
    last, done = 0, 0
    while True:
        rows = conn.execute("SELECT id, title, kicker, teaser, body, url FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                            [last, batch]).fetchall()
        if not rows:
            break
        with conn:
            for article_id, *values, url in rows:
                columns = _normalised(conn, article_id, values, url, lexicon)
                if columns is not None:
                    _insert(conn, SEARCH_TABLE, article_id, columns)
                    if article_id > cutoff:
                        _insert(conn, RECENT_TABLE, article_id, columns)
        last = rows[-1][0]
        done += len(rows)
    with conn:
        set_fingerprint(conn, normaliser_fingerprint())
        set_state(conn, "lexicon_articles", conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        set_state(conn, "lexicon_build", secrets.token_hex(8))
    return done
