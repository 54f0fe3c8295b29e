"""Keeping the German search index (`articles_search` and its recent slice) in step with `articles`.

Triggers queue every article write in SQL (`articles_search_queue`), so any writer keeps the queue
right; `sync_search_index`, run by writers after each batch, normalises the queued articles in
Python (db/search.py's rules) and indexes them. Readers never sync: they see the index as the last
writer left it. An article whose text cannot be indexed is quarantined with the reason and leaves
the queue, so one poisoned row never blocks the queue or is retried forever.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlite_utils import Database

import db.search as rules
from db.records import utcnow
from db.search import QUEUE_TABLE, RECENT_TABLE, SEARCH_TABLE, WEIGHTS, normalise_text

logger = logging.getLogger(__name__)
SYNC_BATCH = 500
INDEX_ERROR = "index_error"  # quarantine kind of an article the search index could not take

TRIGGERS = {
    f"{SEARCH_TABLE}_ai": f"AFTER INSERT ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (new.id); END",
    f"{SEARCH_TABLE}_au": f"AFTER UPDATE OF title, kicker, teaser, body ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (new.id); END",
    f"{SEARCH_TABLE}_ad": f"AFTER DELETE ON articles BEGIN INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) VALUES (old.id); END",
}


def search_columns(title: str | None, kicker: str | None, teaser: str | None, body: str | None) -> tuple[str, str, str]:
    """The three indexed columns of one article, normalised."""
    return (
        normalise_text(title),
        normalise_text(" ".join(part for part in (kicker, teaser) if part)),
        normalise_text(body),
    )


def create_search_index(db: Database) -> None:
    """Create the normalised index, its recent slice, queue and triggers where missing (a migration
    step); an archive that had no index gets every article queued once."""
    conn = db.conn
    tables = set(db.table_names())
    with conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {QUEUE_TABLE} (article_id INTEGER PRIMARY KEY)")
        if SEARCH_TABLE not in tables:
            _create_fts(conn, SEARCH_TABLE)
            conn.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) SELECT id FROM articles")
        if RECENT_TABLE not in tables:
            _create_fts(conn, RECENT_TABLE)
            if SEARCH_TABLE in tables:  # an index exists already: copy its newest rows
                conn.execute(
                    f"INSERT INTO {RECENT_TABLE}(rowid, title, teaser, body) "
                    f"SELECT rowid, title, teaser, body FROM {SEARCH_TABLE} WHERE rowid > ?",
                    [_recent_cutoff(conn)],
                )
        for name, body in TRIGGERS.items():
            conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def _create_fts(conn: sqlite3.Connection, name: str) -> None:
    conn.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(title, teaser, body, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute(f"INSERT INTO {name}({name}, rank) VALUES ('rank', ?)", [f"bm25({', '.join(str(w) for w in WEIGHTS)})"])


def _recent_cutoff(conn: sqlite3.Connection) -> int:
    """Articles with an id above this are in the recent slice."""
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    return max(0, newest - rules.RECENT_SIZE)  # read at call time (tests shrink it)


def _normalise_rows(conn: sqlite3.Connection, rows: list[tuple]) -> list[tuple[int, str, str, str]]:
    """Normalised columns of each row; a row that fails is quarantined (kind `index_error`)."""
    done = []
    for row in rows:
        try:
            done.append((row[0], *search_columns(*row[1:5])))
        except (RecursionError, MemoryError, ValueError, TypeError, RuntimeError) as exc:
            reason = f"search index: {exc.__class__.__name__}: {str(exc)[:300]}"
            logger.error("article %s not indexed: %s", row[0], reason)
            with conn:
                conn.execute(
                    "INSERT INTO quarantine (run_id, url, kind, reason, fetched_at) VALUES (NULL, ?, ?, ?, ?)",
                    [row[5], INDEX_ERROR, reason, utcnow()],
                )
    return done


def sync_search_index(db: Database, batch: int = SYNC_BATCH) -> int:
    """Index the queued articles (new, changed, deleted), `batch` per transaction; returns how many.

    The recent slice gets the newest RECENT_SIZE articles and loses those that fall out of it. Every
    queued id leaves the queue, indexed or quarantined."""
    conn = db.conn
    done = 0
    cutoff = _recent_cutoff(conn)
    while True:
        ids = [row[0] for row in conn.execute(f"SELECT article_id FROM {QUEUE_TABLE} ORDER BY article_id LIMIT ?", [batch])]
        if not ids:
            break
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT id, title, kicker, teaser, body, url FROM articles WHERE id IN ({marks})", ids).fetchall()
        normalised = _normalise_rows(conn, rows)
        with conn:
            for table in (SEARCH_TABLE, RECENT_TABLE):
                conn.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", ids)
            insert = "(rowid, title, teaser, body) VALUES (?, ?, ?, ?)"
            conn.executemany(f"INSERT INTO {SEARCH_TABLE}{insert}", normalised)
            conn.executemany(f"INSERT INTO {RECENT_TABLE}{insert}", [row for row in normalised if row[0] > cutoff])
            conn.execute(f"DELETE FROM {QUEUE_TABLE} WHERE article_id IN ({marks})", ids)
        done += len(ids)
    with conn:
        conn.execute(f"DELETE FROM {RECENT_TABLE} WHERE rowid <= ?", [cutoff])
    return done


def rebuild_search_index(db: Database) -> int:
    """Re-normalise every article (after a change to the rules in db/search.py)."""
    with db.conn:
        db.conn.execute(f"INSERT OR IGNORE INTO {QUEUE_TABLE}(article_id) SELECT id FROM articles")
    return sync_search_index(db)
