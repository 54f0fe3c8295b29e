"""The archive's table of per-source run counters (`source_runs`), behind `radar health` and the
published page "Quellen". Public data: source ids and counts, no personal data. Created by
migration step 6 (db/migrations.py); written by db/ops_store.py.
"""

from __future__ import annotations

from sqlite_utils import Database

SOURCE_RUN_COLUMNS: dict[str, type] = {
    "run": str,  # the radar run's start time (ISO 8601 UTC): one row per source and run
    "source_id": str,
    "status": str,  # ok | failed
    "reason": str,  # why it failed (one line), empty when ok
    "found": int,  # articles on the list pages / feeds: new + updated + unchanged + known, not fetched
    "new": int,
    "updated": int,
    "unchanged": int,
    "undated": int,
    "errors": int,
    "errors_by_kind": str,  # JSON {kind: count}
    "rule_misses": int,
    "fallback_links": int,
    "seconds": float,
    "finished": str,
}


def ensure_source_runs(db: Database) -> None:
    """Migration step 6 (db/migrations.py): the per-source run counters behind source health."""
    db["source_runs"].create(SOURCE_RUN_COLUMNS, pk=("run", "source_id"), if_not_exists=True)
    db["source_runs"].create_index(["source_id", "run"], if_not_exists=True)
