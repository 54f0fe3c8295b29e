"""`radar health`: each source's health as a table, JSON or Prometheus metrics (ops/health.py)."""

from __future__ import annotations

import json

import click

from radar.options import ArchiveProblem, BadInput, FiniteRange, db_option


def table(rows: list) -> str:
    """A plain-text table: one line per source, worst first."""
    header = ("source", "status", "last success", "failed", "empty", "found", "new", "upd", "errors", "misses",
              "secs", "reason")
    lines = [header]
    for h in rows:
        last = h.last or {}
        lines.append((h.source_id, h.status, (h.last_success or "never")[:16].replace("T", " "),
                      str(h.consecutive_failed), str(h.consecutive_empty), str(last.get("found", "-")),
                      str(last.get("new", "-")), str(last.get("updated", "-")), _errors(last),
                      str(last.get("rule_misses", "-")), f"{last['seconds']:.1f}" if last else "-", h.reason()))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1]
                     for line in lines).rstrip()


def _errors(last: dict) -> str:
    kinds = last.get("errors_by_kind") or {}
    if not last:
        return "-"
    return str(last.get("errors", 0)) + (" (" + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ")" if kinds else "")


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="JSON (one object per source) instead of the table.")
@click.option("--prom", "prom_file", default=None, type=click.Path(dir_okay=False),
              help="Also write the counters in Prometheus text format to FILE (node_exporter textfile collector).")
@click.option("--stale-days", default=None, type=FiniteRange(0.01, 3650, "days"),
              help="Days without a successful or productive run before a source is stale (default $RADAR_STALE_DAYS or 14).")
def health_command(db_path: str, as_json: bool, prom_file: str | None, stale_days: float | None) -> None:
    """Each source's health from the runs of `radar run`: ok, stale or failing, and why.

    Exit status 0 when every source is ok, 1 when any is stale or failing (for Nagios-style
    checks), 2 for a bad argument or archive. Reads the archive only.

    \b
    Example: radar health --db data/radar.db
    Example: radar health --prom /var/lib/node_exporter/textfile/radar.prom
    """
    import sqlite3
    from pathlib import Path

    from ops.health import read_health, stale_days_setting

    if not Path(db_path).is_file():
        raise ArchiveProblem(f"no archive at {db_path}: run `radar run` first")
    try:
        rows = read_health(db_path, stale_days=stale_days_setting(stale_days))
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    except sqlite3.Error as exc:
        raise ArchiveProblem(f"{db_path} is not a usable archive ({exc})") from None
    if prom_file:
        from ops.prom import write_prom

        write_prom(rows, prom_file)
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in rows], ensure_ascii=False, indent=1))
    else:
        click.echo(table(rows) if rows else f"no sources in {db_path} yet")
    if any(h.status != "ok" for h in rows):
        raise SystemExit(1)
