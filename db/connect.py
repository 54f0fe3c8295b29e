"""The two ways into the archive: `connect_writer` and `connect_reader`. Nothing else opens it.

A writer (crawl, ingest, reparse, retag, migrate) gets a read-write connection and brings the
schema to the current version first (db/migrations.py), then indexes what the search queue holds.
A reader (serve, export, digest, eval, the Datasette plugin) gets a connection that cannot write,
and a one-line `ArchiveError` when the file is missing, not an archive, or at an older schema.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from db.migrations import SCHEMA_VERSION, migrate, schema_version
from db.private import private_path
from db.search_index import sync_search_index
from db.sqlite import BUSY_TIMEOUT, ArchiveError, busy_error, check_file, open_ro, open_rw, use_wal
from db.views import ensure_views

logger = logging.getLogger(__name__)

#: A news article's row (title, teaser, body, dates, hashes) is 2–4 KB. SQLite's default 4 KB page
#: holds one such row and leaves the rest empty (bench/search: 3.1× the article text at 20,000
#: articles); 8 KB pages pack them (2.4×) without making a single article's read noticeably larger.
PAGE_SIZE = 8192


def connect_writer(path: str | Path, private: str | Path | None = None, timeout: float = BUSY_TIMEOUT) -> Database:
    """The archive at `path` for writing (created if missing), migrated to the current schema.

    `private` is where migration step 2 moves personal data left in an old archive (default:
    db.private.private_path beside the archive)."""
    db = Database(open_rw(path, timeout))
    try:
        names = db.table_names()
        if names and "articles" not in names:
            raise ArchiveError(f"{path}: an SQLite file of another program, not an archive")
        if not names:  # only an empty file can still choose its page size
            db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        use_wal(db.conn, path)
        for line in migrate(db, private_path(path, private)):
            if names:  # an existing archive migrated by a writer: say what was done (a new one: quiet)
                logger.warning("%s: %s", path, line)
        ensure_views(db)  # views are definitions: a corrected one replaces the old at once
        sync_search_index(db)
    except sqlite3.OperationalError as exc:
        db.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise busy_error(path) from None
        raise ArchiveError(f"{path}: cannot write ({exc})") from None
    except BaseException:
        db.close()
        raise
    return db


def check_existing_archive(path: str | Path) -> None:
    """For writers that work on an archive that must exist (reparse, retag, migrate): one line
    unless `path` is an existing archive; nothing is created."""
    check_file(path)
    db = Database(open_ro(path))
    try:
        if "articles" not in db.table_names():
            raise ArchiveError(f"{path}: not a Policy Radar archive (no articles table)")
    finally:
        db.close()


def check_reader_schema(db: Database, path: str | Path) -> None:
    """Stop with one line when the file is not an archive or not at this radar's schema."""
    names = set(db.table_names())
    if "articles" not in names:
        raise ArchiveError(f"{path}: not a Policy Radar archive (no articles table)")
    have = schema_version(db)
    if have < SCHEMA_VERSION:
        raise ArchiveError(f"{path} is at schema {have}; this radar needs {SCHEMA_VERSION}: run radar migrate --db {path}")
    if have > SCHEMA_VERSION:
        raise ArchiveError(f"{path} is at schema {have}, newer than this radar ({SCHEMA_VERSION}): update radar")


def connect_reader(path: str | Path) -> Database:
    """The archive at `path`, read-only: never creates, migrates, indexes or otherwise writes."""
    db = Database(open_ro(path))
    try:
        check_reader_schema(db, path)
    except ArchiveError:
        db.close()
        raise
    return db
