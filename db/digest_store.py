"""The digest's tables: `subscribers` and `digest_log` in the private file (db/private.py), and every
write to them.

`db` is the only package that writes SQLite, so the digest reads and writes its state here; the
archive never holds these tables (they are personal data).
`digest_log` is what makes sending exactly-once: a (subscriber, week) row is written, in its own
transaction, right after the SMTP server accepted that subscriber's mail, and a later run skips
every (subscriber, week) that has a row. Rows are never written for a failed or dry-run send.

Subscribers are keyed by their normalised e-mail address, and so is the log: removing a
subscriber and adding them again in the same week does not send that week twice.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from db.private import ensure_private_schema, open_private, open_private_reader, refuse_archive
from db.records import utcnow

# Statuses of a digest_log row; both mean "this (subscriber, week) is done".
SENT = "sent"  # the SMTP server accepted the mail
EMPTY = "empty"  # nothing matched and the subscriber asked for no "nothing new" mail

LIST_FIELDS = ("topics", "actors", "states", "sources")
LOG_WRITE_ATTEMPTS = 6  # retries after the connection's own busy timeout (db/sqlite.py) has run out


def _decode(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in LIST_FIELDS:
        out[name] = json.loads(out[name]) if out.get(name) else []
    out["send_empty"] = bool(out.get("send_empty"))
    return out


def _encode(row: Mapping[str, Any], now: str) -> dict[str, Any]:
    out = {
        "email": row["email"],
        "name": row.get("name") or "",
        "search": row.get("search") or "",
        "weekday": int(row.get("weekday") or 1),
        "send_empty": int(bool(row.get("send_empty"))),
        "updated_at": now,
    }
    for name in LIST_FIELDS:
        out[name] = json.dumps(list(row.get(name) or []), ensure_ascii=False)
    return out


class DigestStore:
    """Reads and writes subscribers and the digest log in the private file.

    `readonly=True` (a dry run, a listing) opens the file read-only; a file that does not exist yet
    reads as empty and nothing is created."""

    def __init__(self, db: Database | str | Path, readonly: bool = False):
        if isinstance(db, Database):
            refuse_archive(db, "this database")
            if not readonly:
                ensure_private_schema(db)
            self.db = db
        elif readonly:
            found = open_private_reader(db)
            if found is None:  # nothing subscribed yet: an empty schema in memory, no file created
                found = Database(memory=True)
                ensure_private_schema(found)
            self.db = found
        else:
            self.db = open_private(db)

    # --- subscribers -------------------------------------------------------------------------
    def subscriber_exists(self, email: str) -> bool:
        return bool(self.db["subscribers"].count_where("email = ?", [email]))

    def get_subscriber(self, email: str) -> dict[str, Any] | None:
        rows = list(self.db["subscribers"].rows_where("email = ?", [email]))
        return _decode(rows[0]) if rows else None

    def list_subscribers(self) -> list[dict[str, Any]]:
        return [_decode(row) for row in self.db["subscribers"].rows_where(order_by="email")]

    def upsert_subscribers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert or update subscribers (already validated) in one transaction; returns the count."""
        now = utcnow()
        count = 0
        with self.db.atomic():
            for row in rows:
                encoded = _encode(row, now)
                if self.subscriber_exists(row["email"]):
                    self.db["subscribers"].update(row["email"], encoded)
                else:
                    self.db["subscribers"].insert({**encoded, "created_at": now}, pk="email")
                count += 1
        return count

    def remove_subscriber(self, email: str) -> bool:
        """Delete a subscriber; their digest_log rows stay as the record of what was sent."""
        with self.db.atomic():
            if not self.subscriber_exists(email):
                return False
            self.db["subscribers"].delete(email)
        return True

    # --- digest log --------------------------------------------------------------------------
    def done_for_week(self, week: str) -> set[str]:
        """E-mail addresses whose digest for `week` was sent (or was empty and skipped)."""
        return {row["email"] for row in self.db.query("select email from digest_log where week = ?", [week])}

    def is_done(self, email: str, week: str) -> bool:
        return bool(self.db["digest_log"].count_where("email = ? and week = ?", [email, week]))

    def mark_done(self, email: str, week: str, status: str, message_id: str | None = None, items: int = 0) -> None:
        """Record one (subscriber, week) as done, committed at once in its own transaction."""
        if status not in (SENT, EMPTY):
            raise ValueError(f"unknown digest_log status {status!r}")
        row = {"email": email, "week": week, "status": status, "message_id": message_id, "items": items,
               "done_at": utcnow()}
        # The mail is already with the SMTP server: a busy private file (a subscriber being added) must not make us
        # lose the record, so wait out a lock beyond the connection's busy timeout before giving up.
        for attempt in range(LOG_WRITE_ATTEMPTS):
            try:
                with self.db.atomic():
                    # a row already there means done: the first record wins
                    self.db["digest_log"].insert(row, pk=("email", "week"), ignore=True)
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or attempt == LOG_WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(0.5 * (attempt + 1))

    def log_for_week(self, week: str) -> list[dict[str, Any]]:
        return list(self.db["digest_log"].rows_where("week = ?", [week], order_by="done_at, email"))
