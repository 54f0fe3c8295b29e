"""What `radar run` keeps: per source and run counters in the archive (public, no personal data),
alert incidents in the private file (beside subscribers), and the published snapshot.

Kept apart from the crawler's and the digest's tables so each can evolve on its own; every table
here is created idempotently on the writer's open and never dropped.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from db.connect import connect_writer
from db.private import open_private as open_private_file
from db.published import not_publishable
from db.records import utcnow
from db.sqlite import ArchiveError, open_ro


def record_source_runs(archive: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Store one run's per-source rows in one transaction (re-recording a run replaces its rows)."""
    db = connect_writer(archive)
    try:
        with db.conn:
            db["source_runs"].upsert_all(
                [{**row, "errors_by_kind": json.dumps(dict(row.get("errors_by_kind") or {}), sort_keys=True)}
                 for row in rows],
                pk=("run", "source_id"),
            )
    finally:
        db.conn.close()


# --- alerts: private file ------------------------------------------------------------------------
def open_private(path: str | Path) -> Database:
    """The private file (subscribers, digest log, alert incidents, opt-outs) with this module's
    tables in place: incidents name the admin's mailbox and opt-outs are addresses, so both are
    personal data and never go into the archive."""
    db = open_private_file(path)
    db["unsubscribes"].create({"email": str, "at": str, "via": str}, pk="email", if_not_exists=True)
    if "alerts" not in db.table_names():
        db["alerts"].create(
            {
                "key": str,  # source:<id> | digest | disk
                "state": str,  # open | closed
                "status": str,  # what is wrong: failing, stale, send_failed, low_disk
                "detail": str,  # one line: why
                "opened_at": str,
                "closed_at": str,
                "problem_sent_at": str,  # the mail about the incident went out
                "recovery_sent_at": str,  # the mail about its end went out
            },
            pk="key",
        )
    return db


def open_incidents(db: Database) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in db["alerts"].rows_where("state = 'open'")}


def unsent_incidents(db: Database) -> list[dict[str, Any]]:
    """Incidents whose mail (problem or recovery) has not gone out yet."""
    return list(db["alerts"].rows_where(
        "(state = 'open' and problem_sent_at is null) or "
        "(state = 'closed' and recovery_sent_at is null)", order_by="opened_at, key"))


def open_incident(db: Database, key: str, status: str, detail: str) -> None:
    """Open an incident, or update what is wrong with an open one (no second mail for it)."""
    with db.conn:
        row = db.execute("select state from alerts where key = ?", [key]).fetchone()
        if row and row[0] == "open":
            db["alerts"].update(key, {"status": status, "detail": detail})
            return
        db["alerts"].upsert({"key": key, "state": "open", "status": status, "detail": detail,
                             "opened_at": utcnow(), "closed_at": None, "problem_sent_at": None,
                             "recovery_sent_at": None}, pk="key")


def close_incident(db: Database, key: str) -> None:
    with db.conn:
        db["alerts"].update(key, {"state": "closed", "closed_at": utcnow()})


def mark_sent(db: Database, key: str, problem: bool, recovery: bool) -> None:
    now = utcnow()
    values = {}
    if problem:
        values["problem_sent_at"] = now
    if recovery:
        values["recovery_sent_at"] = now
    with db.conn:
        db["alerts"].update(key, values)


# --- the published snapshot ------------------------------------------------------------------------
def publish_snapshot(archive: str | Path, target: str | Path) -> int:
    """Copy the archive to `target` atomically: a consistent copy into a new file beside it (VACUUM
    INTO reads one snapshot, WAL included), checked against the publishing allow-list
    (db/published.py), then renamed into place, so a reader of `target` sees the old file or the
    new one, never half of one. Returns its size; raises ArchiveError, publishing nothing, when the
    copy holds a table that must not be published."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    source = open_ro(archive)
    try:
        source.execute("VACUUM INTO ?", [str(tmp)])
    finally:
        source.close()
    try:
        copy = Database(sqlite3.connect(str(tmp)))
        try:
            refused = not_publishable(copy)
            if refused:
                raise ArchiveError(f"{archive} holds {', '.join(refused)}, which must not be published")
            copy.execute("PRAGMA journal_mode = DELETE")  # one file: served immutable, copied as is
        finally:
            copy.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.stat().st_size


# --- unsubscribing: private file ---------------------------------------------------------------------
def unsubscribe(private_db: str | Path, email: str, via: str) -> bool:
    """Remove a subscriber from the private file and keep the proof of their opt-out (when, how) in
    `unsubscribes`. True when they were subscribed until now; False when already gone (idempotent:
    a second click, or a mail client's one-click POST after the link, changes nothing)."""
    db = open_private(private_db)
    try:
        with db.conn:
            removed = db.execute("delete from subscribers where email = ?", [email]).rowcount
            if removed or not db["unsubscribes"].count_where("email = ?", [email]):
                db["unsubscribes"].upsert({"email": email, "at": utcnow(), "via": via}, pk="email")
        return bool(removed)
    finally:
        db.conn.close()


def read_subscriber(private_db: str | Path, email: str) -> dict[str, Any] | None:
    """One subscriber from the private file, read-only; None when unknown (or no file yet)."""
    from db.digest_store import DigestStore

    store = DigestStore(private_db, readonly=True)
    try:
        return store.get_subscriber(email)
    finally:
        store.db.close()
