"""`radar run`, the daily job: crawl every source, re-tag, send due digests, publish a snapshot,
judge source health, raise and clear alerts; one summary line and a JSON report.

Each step is isolated: a failing source does not stop the others, SMTP down does not stop the
crawl (the digest is simply due again next run), and every step's outcome is in the report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ops.processes import Children

OK, SOURCES_FAILED, USAGE, LOCKED = 0, 1, 2, 75  # exit statuses (75: EX_TEMPFAIL, try again later)


@dataclass
class RunPlan:
    """Everything `radar run` was asked to do, checked before anything runs."""

    db_path: str
    private_db: str
    source_ids: list[str]
    sources_file: str | None
    base: str | None
    publish: str | None
    report_path: str
    digest: bool
    digest_config: Any
    config_file: str | None
    admin: str | None
    disk_margin_mb: float
    stale_days: float
    jobs: int = 1
    today: date | None = None
    all_sources: bool = True


@dataclass
class RunReport:
    started: str
    db: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    retag: str = ""
    digest: dict[str, Any] = field(default_factory=dict)
    snapshot: dict[str, Any] = field(default_factory=dict)
    health: list[dict[str, Any]] = field(default_factory=list)
    alerts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # steps that broke: "<step>: <reason>"
    finished: str = ""
    seconds: float = 0.0
    exit: int = OK

    def line(self) -> str:
        failed = [s["source_id"] for s in self.sources if s["status"] != "ok"]
        new = sum(s["new"] for s in self.sources)
        updated = sum(s["updated"] for s in self.sources)
        text = f"radar run: {len(self.sources)} sources ({len(self.sources) - len(failed)} ok"
        text += f", {len(failed)} failed: {', '.join(failed)})" if failed else ")"
        text += f", {new} new, {updated} updated"
        if self.digest:
            text += f"; digest: {self.digest.get('line') or self.digest.get('status')}"
        if self.snapshot.get("path"):
            text += f"; published {self.snapshot['path']}"
        bad = [h["source_id"] for h in self.health if h["status"] != "ok"]
        if bad:
            text += f"; health: {len(bad)} not ok ({', '.join(bad)})"
        if self.alerts.get("line"):
            text += f"; {self.alerts['line']}"
        if self.problems:
            text += f"; {len(self.problems)} step(s) broke: {'; '.join(self.problems)}"
        return text


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ArchiveUnusable(Exception):
    """The archive cannot be opened for writing (corrupt, another program's file, read-only)."""


def _prepare_archive(db_path: str, private_db: str) -> None:
    import sqlite3

    from db.connect import connect_writer
    from db.sqlite import ArchiveError

    try:
        connect_writer(db_path, private_db).close()  # creates or migrates it
    except ArchiveError as exc:
        raise ArchiveUnusable(str(exc)) from None
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveUnusable(f"{db_path} cannot be used as the archive ({exc})") from None


def _retag(db_path: str) -> str:
    from radar.retag import retag_archive

    return retag_archive(db_path, None).line()


def _digest(children: Children, plan: RunPlan) -> dict[str, Any]:
    """`radar digest --send` in a process of its own: its exactly-once log and lock as they are."""
    cmd = [sys.executable, "-m", "radar", "digest", "--send", "--db", plan.db_path, "--subscribers-db", plan.private_db]
    if plan.config_file:
        cmd += ["--config", plan.config_file]
    if plan.today:
        cmd += ["--today", plan.today.isoformat()]
    done = children.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    errors = [line[len("Error: "):] for line in done.stderr.splitlines() if line.startswith("Error: ")]
    return {"status": "ok" if done.returncode == 0 else "failed", "line": lines[-1] if lines else "",
            "error": errors[-1] if errors else ("" if done.returncode == 0 else done.stderr.strip()[-300:])}


def execute(plan: RunPlan, children: Children) -> RunReport:
    """Run every step in order; never raises for a failing source, SMTP or disk."""
    from db.ops_store import publish_snapshot, record_source_runs
    from ops import alerts
    from ops.crawls import crawl_sources
    from ops.health import read_health

    started = time.monotonic()
    report = RunReport(started=_now(), db=plan.db_path)
    # Create or migrate the archive once, here, before crawls that may run side by side each open it
    # (schema set-up from several processes at once on a new file fails with "database is locked").
    _prepare_archive(plan.db_path, plan.private_db)
    results = crawl_sources(children, plan.source_ids, plan.db_path, plan.sources_file, plan.base, plan.jobs)
    finished = _now()
    report.sources = [{k: v for k, v in r.row(report.started, finished).items() if k != "run"} for r in results]
    if Path(plan.db_path).is_file():
        def publish() -> None:
            report.snapshot = {"path": plan.publish, "bytes": publish_snapshot(plan.db_path, plan.publish)}

        _step(report, "record", lambda: record_source_runs(plan.db_path, [r.row(report.started, finished)
                                                                           for r in results]))
        _step(report, "retag", lambda: setattr(report, "retag", _retag(plan.db_path)))
        if plan.digest:
            _step(report, "digest", lambda: setattr(report, "digest", _digest(children, plan)))
        if plan.publish:
            _step(report, "publish", publish)
        _step(report, "health", lambda: setattr(report, "health", [
            h.as_dict() for h in read_health(plan.db_path, stale_days=plan.stale_days)]))

    conditions = [alerts.Condition(f"source:{h['source_id']}", h["status"], h["reason"])
                  for h in report.health if h["status"] != "ok"]
    if report.digest.get("status") == "failed":
        conditions.append(alerts.Condition("digest", "send_failed", report.digest.get("error") or "?"))
    low_disk = alerts.disk_condition(plan.db_path, plan.disk_margin_mb)
    if low_disk:
        conditions.append(alerts.Condition("disk", "low_disk", low_disk))
    crawled = {f"source:{s}" for s in plan.source_ids}

    def watched(key: str) -> bool:
        if key.startswith("source:"):
            return plan.all_sources or key in crawled
        return key != "digest" or plan.digest

    alert_report = alerts.AlertReport()

    def alert() -> None:
        nonlocal alert_report
        alert_report = alerts.update_incidents(plan.private_db, conditions, watched)
        alerts.send_pending(plan.private_db, plan.admin, plan.digest_config, alert_report)

    _step(report, "alerts", alert)
    report.alerts = {"opened": alert_report.opened, "closed": alert_report.closed, "mailed": alert_report.mailed,
                     "pending": alert_report.pending, "error": alert_report.error, "line": alert_report.line()}

    report.finished = _now()
    report.seconds = round(time.monotonic() - started, 2)
    if (any(s["status"] != "ok" for s in report.sources) or report.digest.get("status") == "failed"
            or report.problems):
        report.exit = SOURCES_FAILED
    return report


def _step(report: RunReport, name: str, action: Callable[[], None]) -> None:
    """Run one step; a step that breaks (disk full, a broken taxonomy, a locked file) is reported in
    one line and the run goes on with the next, so one fault never costs the whole day."""
    try:
        action()
    except Exception as exc:  # every step's own faults are expected ones; this is the last line of defence
        reason = f"{name}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
        report.problems.append(reason)
        print(f"Error: {reason}", file=sys.stderr)


def write_report(report: RunReport, path: str) -> None:
    """The JSON report, replaced atomically (a monitor reading it never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(report.__dict__, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, target)
