"""Each source's health from its recorded runs: ok, stale or failing, with the reason.

Pure reads over `source_runs` (and `sources` for names) through any sqlite3 connection, so the CLI,
`radar run`'s alerts and the published "Quellen" page judge a source the same way. Health is
judged at read time: a source whose runs stopped coming turns stale even if nothing runs any more.

- failing: the latest run failed (the crawl exited non-zero, or found no article at all);
- stale: no successful run, or no new or updated article, for `stale_days` days;
- ok otherwise.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

STALE_DAYS_ENV = "RADAR_STALE_DAYS"
DEFAULT_STALE_DAYS = 14.0
STATUS_ORDER = {"failing": 0, "stale": 1, "ok": 2}

# Reasons in the two languages they are shown in: the CLI (English) and the archive page (German).
REASONS = {
    "failed": ("last run failed: {detail}", "letzter Lauf fehlgeschlagen: {detail}"),
    "failed_n": ("last {n} runs failed: {detail}", "letzte {n} Läufe fehlgeschlagen: {detail}"),
    "never": ("no run recorded yet", "noch kein Lauf erfasst"),
    "no_success": ("no successful run for {days} days", "seit {days} Tagen kein erfolgreicher Lauf"),
    "nothing_new": ("nothing new for {days} days ({n} empty runs)", "seit {days} Tagen nichts Neues ({n} leere Läufe)"),
}


def stale_days_setting(value: float | None = None) -> float:
    """`--stale-days`, else RADAR_STALE_DAYS, else 14; raises ValueError on a bad value."""
    if value is not None:
        return value
    raw = os.environ.get(STALE_DAYS_ENV, "").strip()
    try:
        days = float(raw) if raw else DEFAULT_STALE_DAYS
    except ValueError:
        days = math.nan
    if not (math.isfinite(days) and 0 < days <= 3650):
        raise ValueError(f"{STALE_DAYS_ENV} must be a positive number of days (at most 3650), got {raw!r}")
    return days


@dataclass
class SourceHealth:
    source_id: str
    name: str
    status: str
    reason_code: str = ""
    reason_args: dict[str, Any] = field(default_factory=dict)
    last_run: str | None = None
    last_success: str | None = None
    consecutive_failed: int = 0
    consecutive_empty: int = 0
    last: dict[str, Any] = field(default_factory=dict)  # the latest run's counters

    def reason(self, german: bool = False) -> str:
        if not self.reason_code:
            return ""
        return REASONS[self.reason_code][1 if german else 0].format(**self.reason_args)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["reason"] = self.reason()
        del out["reason_code"], out["reason_args"]
        return out


def parse_time(ts: str) -> datetime:
    value = datetime.fromisoformat(ts)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def judge(source_id: str, name: str, runs: list[dict[str, Any]], now: datetime, stale_days: float) -> SourceHealth:
    """Health of one source from its runs, newest first."""
    health = SourceHealth(source_id, name, "ok")
    if not runs:
        health.status, health.reason_code = "stale", "never"
        return health
    latest = runs[0]
    health.last_run = latest["run"]
    health.last = {k: latest[k] for k in ("status", "found", "new", "updated", "unchanged", "undated", "errors",
                                         "rule_misses", "fallback_links", "seconds")}
    kinds = latest.get("errors_by_kind") or {}
    health.last["errors_by_kind"] = json.loads(kinds) if isinstance(kinds, str) else dict(kinds)
    for run in runs:
        if run["status"] != "failed":
            break
        health.consecutive_failed += 1
    successes = [r for r in runs if r["status"] == "ok"]
    health.last_success = successes[0]["run"] if successes else None
    for run in successes:
        if run["new"] or run["updated"]:
            break
        health.consecutive_empty += 1
    limit = timedelta(days=stale_days)
    days = f"{stale_days:g}"
    if health.consecutive_failed:
        health.status = "failing"
        health.reason_code = "failed" if health.consecutive_failed == 1 else "failed_n"
        health.reason_args = {"n": health.consecutive_failed, "detail": latest.get("reason") or "?"}
        return health
    if now - parse_time(health.last_success or runs[-1]["run"]) > limit:
        health.status, health.reason_code, health.reason_args = "stale", "no_success", {"days": days}
        return health
    productive = [r for r in successes if r["new"] or r["updated"]]
    since = parse_time(productive[0]["run"]) if productive else parse_time(runs[-1]["run"])
    if now - since > limit and health.consecutive_empty:
        health.status, health.reason_code = "stale", "nothing_new"
        health.reason_args = {"days": days, "n": health.consecutive_empty}
    return health


def source_health(conn: sqlite3.Connection, now: datetime | None = None, stale_days: float = DEFAULT_STALE_DAYS,
                  max_runs: int = 200) -> list[SourceHealth]:
    """Every known source's health, worst first. Reads only."""
    now = now or datetime.now(timezone.utc)
    conn.row_factory = sqlite3.Row
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    names: dict[str, str] = {}
    if "sources" in tables:
        names = {r["id"]: r["name"] or r["id"] for r in conn.execute("select id, name from sources")}
    runs: dict[str, list[dict[str, Any]]] = {}
    if "source_runs" in tables:
        for source_id in [r[0] for r in conn.execute("select distinct source_id from source_runs")]:
            rows = conn.execute("select * from source_runs where source_id = ? order by run desc limit ?",
                                [source_id, max_runs])
            runs[source_id] = [dict(r) for r in rows]
    ids = sorted(set(names) | set(runs))
    out = [judge(s, names.get(s, s), runs.get(s, []), now, stale_days) for s in ids]
    return sorted(out, key=lambda h: (STATUS_ORDER[h.status], h.source_id))


def read_health(db_path: str, now: datetime | None = None, stale_days: float = DEFAULT_STALE_DAYS) -> list[SourceHealth]:
    """`source_health` over the archive file, opened read-only (it never writes)."""
    from pathlib import Path

    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    try:
        return source_health(conn, now, stale_days)
    finally:
        conn.close()
