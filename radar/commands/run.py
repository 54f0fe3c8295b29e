"""`radar run`: the daily job in one idempotent command (ops/run.py), for cron or a systemd timer."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from radar.options import (
    BadInput,
    FiniteRange,
    db_option,
    subscribers_db_option,
    validate_start_url,
)


class LockedOut(click.ClickException):
    exit_code = 75  # EX_TEMPFAIL: another run is busy; a scheduler may simply try again later


@click.command()
@db_option
@subscribers_db_option
@click.option("--sources", "sources_file", default=None, type=click.Path(dir_okay=False),
              help="Sources file (default: crawler/sources.toml).")
@click.option("--base", default=None, callback=validate_start_url,
              help="Base URL substituted for {base} in the sources file.")
@click.option("--source", "source_ids", multiple=True, metavar="NAME",
              help="Only this source (repeatable; default: every source of the file).")
@click.option("--publish", default=None, type=click.Path(dir_okay=False),
              help="Published snapshot to refresh (default: data/published/<db file name>).")
@click.option("--no-publish", is_flag=True, help="Do not refresh the published snapshot.")
@click.option("--no-digest", is_flag=True, help="Do not send digests in this run.")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False, exists=True),
              help="Digest/SMTP INI file (docs/digest.md); the environment overrides it.")
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="JSON report of the run (default: last-run.json beside the archive).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 16), help="Sources crawled at once.")
@click.option("--stale-days", default=None, type=FiniteRange(0.01, 3650, "days"),
              help="Days without a successful or productive run before a source is stale (default $RADAR_STALE_DAYS or 14).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date for the digest (which week, who is due).")
def run_command(db_path: str, subscribers_db: str | None, sources_file: str | None, base: str | None,
                source_ids: tuple[str, ...], publish: str | None, no_publish: bool, no_digest: bool,
                config_file: str | None, report_path: str | None, jobs: int, stale_days: float | None,
                today: datetime | None) -> None:
    """Crawl every source, re-tag, send due digests, publish a snapshot, check health and alert.

    One line on stdout, the full report as JSON (--report). Exit status: 0 all well, 1 a source or
    the digest failed, 2 bad settings or arguments (nothing done), 75 another run holds the lock.

    \b
    Example: radar run --db data/radar.db
    Example (cron, daily 06:15): 15 6 * * *  cd /srv/radar && .venv/bin/radar run
    """
    from crawler.sources import SourcesError, load_sources
    from db.private import private_path
    from digest import config as digest_settings
    from ops import alerts
    from ops.health import stale_days_setting
    from ops.lock import Locked, run_lock
    from ops.processes import Children, Stopped
    from ops.run import ArchiveUnusable, RunPlan, execute, write_report

    try:
        loaded = load_sources(sources_file, base)
        if not base and "{base}" in loaded.path.read_text(encoding="utf-8"):
            raise BadInput(f"{loaded.path} uses {{base}}: give --base URL")
        chosen = loaded.select(list(source_ids)) if source_ids else list(loaded.sources.values())
    except SourcesError as exc:
        raise BadInput(str(exc)) from None
    chosen = [s for s in chosen if getattr(s, "enabled", True)]
    try:
        admin = alerts.admin_address(os.environ.get(alerts.ADMIN_ENV))
        margin = alerts.disk_margin_mb(os.environ.get(alerts.DISK_MARGIN_ENV))
        stale = stale_days_setting(stale_days)
        digest_config, warnings = digest_settings.load(config_file)
    except (alerts.AlertConfigError, digest_settings.ConfigError, ValueError) as exc:
        raise BadInput(str(exc)) from None
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not no_digest and not digest_config.has_secret:
        raise BadInput("RADAR_SECRET is not set (it signs the digest's unsubscribe links): set it or pass --no-digest")
    db_dir = Path(db_path).parent
    plan = RunPlan(
        db_path=db_path,
        private_db=str(private_path(Path(db_path), subscribers_db)),
        source_ids=[s.id for s in chosen],
        sources_file=sources_file,
        base=base,
        publish=None if no_publish else (publish or str(db_dir / "published" / Path(db_path).name)),
        report_path=report_path or str(db_dir / "last-run.json"),
        digest=not no_digest,
        digest_config=digest_config,
        config_file=config_file,
        admin=admin,
        disk_margin_mb=margin,
        stale_days=stale,
        jobs=jobs,
        today=today.date() if today else None,
        all_sources=not source_ids,
    )
    db_dir.mkdir(parents=True, exist_ok=True)
    try:
        with run_lock(f"{db_path}.run.lock"), Children() as children:
            report = execute(plan, children)
    except Locked as exc:
        raise LockedOut(str(exc)) from None
    except ArchiveUnusable as exc:
        raise BadInput(f"{exc}; nothing done") from None
    except Stopped as stop:
        click.echo(f"Stopped ({stop}): every crawl this run started is stopped; nothing was published", err=True)
        raise SystemExit(128 + stop.signum) from None
    write_report(report, plan.report_path)
    click.echo(f"{report.line()} → {plan.report_path}")
    if report.exit:
        raise SystemExit(report.exit)
