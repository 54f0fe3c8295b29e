"""The private file: subscribers, the digest log and anything else holding e-mail addresses, names or
secrets. It is never the archive: `radar serve` never opens it, snapshots never copy it.

One function opens it for writing (`open_private`), one for reading (`open_private_reader`); its
location comes from `--subscribers-db`, then `RADAR_SUBSCRIBERS_DB`, then `subscribers.db` beside
the archive (`data/subscribers.db` for the default `data/radar.db`)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlite_utils import Database

from db.sqlite import ArchiveError, open_ro, open_rw, use_wal

ENV = "RADAR_SUBSCRIBERS_DB"
DEFAULT_NAME = "subscribers.db"
# Tables that hold personal data: never in the archive (db/migrations.py moves them out).
PRIVATE_TABLES = ("subscribers", "digest_log")
PRIVATE_VERSION = 1  # PRAGMA user_version of the private file


def private_path(archive: str | Path | None = None, given: str | Path | None = None) -> Path:
    """Where the private file is: the option, else the environment, else beside the archive."""
    if given:
        return Path(given)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    return Path(archive).parent / DEFAULT_NAME if archive else Path("data") / DEFAULT_NAME


def ensure_private_schema(db: Database) -> None:
    """Create `subscribers` and `digest_log` if they are missing; never drops data."""
    db["subscribers"].create(
        {
            "email": str,
            "name": str,
            "topics": str,  # JSON array of topic ids
            "actors": str,  # JSON array of actor ids
            "states": str,  # JSON array of ISO 3166-2 codes
            "sources": str,  # JSON array of source ids
            "search": str,  # free text, matched through the archive's German search
            "weekday": int,  # ISO weekday 1 (Monday) .. 7 (Sunday)
            "send_empty": int,  # 1: an empty week sends a short "nothing new" mail
            "created_at": str,
            "updated_at": str,
        },
        pk="email",
        not_null={"weekday", "send_empty"},
        defaults={"weekday": 1, "send_empty": 0},
        if_not_exists=True,
    )
    db["digest_log"].create(
        {
            "email": str,
            "week": str,  # ISO week, e.g. 2025-W39
            "status": str,  # sent | empty
            "message_id": str,
            "items": int,
            "done_at": str,
        },
        pk=("email", "week"),
        not_null={"status"},
        if_not_exists=True,
    )
    db["digest_log"].create_index(["week"], if_not_exists=True)
    if db.execute("PRAGMA user_version").fetchone()[0] < PRIVATE_VERSION:
        db.execute(f"PRAGMA user_version = {PRIVATE_VERSION}")


def refuse_archive(db: Database, path: str | Path) -> None:
    if "articles" in db.table_names():
        db.close()
        raise ArchiveError(f"{path}: this is an archive, not the private subscribers file")


def open_private(path: str | Path) -> Database:
    """THE way to write personal data: the private file at `path`, created with its tables if needed."""
    db = Database(open_rw(path))
    refuse_archive(db, path)
    use_wal(db.conn, path)
    ensure_private_schema(db)
    return db


def open_private_reader(path: str | Path) -> Database | None:
    """The private file read-only (a dry run, a listing); None when it does not exist yet."""
    if not Path(path).exists():
        return None
    db = Database(open_ro(path))
    refuse_archive(db, path)
    return db
