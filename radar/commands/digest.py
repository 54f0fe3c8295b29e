"""`radar digest`: build the weekly digest for every due subscriber; write `.eml` files or send."""

from __future__ import annotations

import contextlib
import secrets
import sys
from datetime import date, datetime
from pathlib import Path

import click

from radar.options import BadInput, RunFailed, db_option, require_articles, subscribers_db_option


def _week(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from db.dates import DateError, iso_week

    if value is None:
        return None
    try:
        return iso_week(value)
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None


def _today() -> date:
    from digest.compose import BERLIN

    return datetime.now(BERLIN).date()


@click.command()
@db_option
@subscribers_db_option
@click.option("--week", callback=_week, default=None,
              help="Calendar week, e.g. 2025-W39, KW39/2025 or KW 39: every subscriber, whatever their weekday. "
                   "Default: the last complete week, for subscribers whose weekday has come.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dry run: write one .eml file per mail into this folder; send and record nothing.")
@click.option("--send", is_flag=True, help="Send over SMTP (RADAR_SMTP_* settings) and record each mail sent.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="INI file with [smtp] and [digest] settings; the environment overrides it.")
@click.option("--subscriber", "only", multiple=True, help="Only this subscriber (repeatable).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (which week is last, who is due).")
def digest_command(db_path: str, subscribers_db: str | None, week: str | None, out_dir: Path | None, send: bool, config_file: str | None,
                   only: tuple[str, ...], today: datetime | None) -> None:
    """Build each due subscriber's weekly digest (German, HTML + plain text) and send it once.

    Due: the digest of week W goes out on the subscriber's weekday of week W+1; run this daily.
    Every mail sent is recorded in digest_log, so re-runs never send a (subscriber, week) twice.

    \b
    Example: radar digest --week 2025-W39 --out digests/    (dry run)
    Example: RADAR_SMTP_HOST=mail.example.org radar digest --send
    """
    from db.connect import connect_reader
    from db.digest_store import DigestStore
    from db.private import private_path
    from digest import config as settings
    from digest.links import served_link_problem
    from digest.lock import Locked, send_lock
    from digest.run import DigestBuilder, Report, select_due, send_all, write_all
    from digest.send import Mailer, SmtpUnavailable
    from digest.subscribers import Subscriber, normalise_email
    from digest.weeks import last_complete_week

    if bool(out_dir) == send:
        raise click.UsageError("choose one: --out DIR (dry run, writes .eml files) or --send")
    archive = connect_reader(db_path)  # the digest only reads the archive
    require_articles(archive, db_path)
    try:
        config, warnings = settings.load(config_file)
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not config.has_secret:
        if send:
            raise click.ClickException("RADAR_SECRET is not set: it signs the unsubscribe links of every mail")
        click.echo("Warning: RADAR_SECRET is not set; the dry run signs unsubscribe links with a throwaway secret",
                   err=True)
        config = config.with_secret(secrets.token_hex(16))
    private = private_path(Path(db_path), subscribers_db)
    config = config.with_archive(db_path)
    problem = served_link_problem(config.base_url, config.archive_name)
    if problem and send:
        archive.close()
        raise BadInput(f"{problem}; nothing sent")
    if problem:
        click.echo(f"Warning: {problem}", err=True)

    day = today.date() if today else _today()
    due_by = None if week else day
    week = week or last_complete_week(day)
    store = DigestStore(private, readonly=not send)  # a dry run writes nothing, anywhere
    with contextlib.ExitStack() as stack:
        stack.callback(archive.close)
        if send:  # before reading digest_log: a run that just finished must not be repeated
            try:
                stack.enter_context(send_lock(str(private)))
            except Locked as exc:
                raise RunFailed(str(exc)) from None
        subscribers = [Subscriber.from_row(row) for row in store.list_subscribers()]
        report = Report(week=week, mode="send" if send else "out", subscribers=len(subscribers))
        if only:
            wanted = {normalise_email(email) for email in only}
            unknown = wanted - {s.email for s in subscribers}
            if unknown:
                raise click.ClickException("not subscribed: " + ", ".join(sorted(unknown)))
            subscribers = [s for s in subscribers if s.email in wanted]
        due, report.not_due = select_due(subscribers, week, due_by)
        done = store.done_for_week(week)
        todo = [s for s in due if s.email not in done]
        report.already_done = len(due) - len(todo)
        if not todo:
            click.echo(report.line())
            return

        builder = DigestBuilder(archive, week, config)
        with _progress(len(todo)) as bar:
            if out_dir:
                write_all(builder, todo, out_dir, report, progress=bar)
                click.echo(report.line() + f" → {out_dir}")
                return
            try:
                with Mailer(config.smtp, on_retry=lambda line: click.echo(f"Retrying: {line}", err=True)) as mailer:
                    send_all(builder, todo, store, mailer, report, progress=bar,
                             on_failure=lambda email, reason: click.echo(f"Failed: {email}: {reason}", err=True))
            except SmtpUnavailable as exc:  # before the first mail: nothing was sent or recorded
                raise RunFailed(f"{exc}; nothing sent") from None
    if report.aborted:
        raise RunFailed(f"{report.aborted}; stopped: {report.line()}")
    click.echo(report.line())
    if report.failed:
        raise RunFailed(f"{len(report.failed)} mail(s) not accepted by the SMTP server; "
                                   "they were not recorded and go out with the next run")


class _progress:
    """A tqdm bar on a terminal, nothing otherwise; used as `progress()` callback."""

    def __init__(self, total: int):
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="mail", file=sys.stderr, leave=False)

    def __enter__(self) -> _progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self) -> None:
        if self.bar is not None:
            self.bar.update(1)
