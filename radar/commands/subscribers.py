"""`radar subscribers add|list|remove|import`: who receives the weekly digest, and what."""

from __future__ import annotations

import json
from pathlib import Path

import click

from radar.options import db_option, subscribers_db_option


def _store(db_path: str, subscribers_db: str | None, readonly: bool = False):
    """The private subscribers file (never the archive): see db/private.py."""
    from db.digest_store import DigestStore
    from db.private import private_path

    return DigestStore(private_path(Path(db_path), subscribers_db), readonly=readonly)


def _vocab(db_path: str):
    """Topic and actor ids known to the archive (read-only), or the taxonomy's alone without one."""
    from db.connect import connect_reader
    from digest.vocabulary import Vocabulary

    if not Path(db_path).exists():
        return Vocabulary.from_db(None)
    archive = connect_reader(db_path)
    try:
        return Vocabulary.from_db(archive)
    finally:
        archive.close()


@click.group()
def subscribers_command() -> None:
    """Manage digest subscribers and their filters.

    Example: radar subscribers add anna@example.org --name "Anna Berg" --topic ozg --state DE-HE
    """


@subscribers_command.command("add")
@click.argument("email")
@db_option
@subscribers_db_option
@click.option("--name", default="", help="Name used in the greeting and the To header.")
@click.option("--topic", "topics", multiple=True, help="Topic id, e.g. ozg (repeatable).")
@click.option("--actor", "actors", multiple=True, help="Actor id, e.g. bitkom (repeatable).")
@click.option("--state", "states", multiple=True, help="Land as ISO 3166-2 code, e.g. DE-HE (repeatable).")
@click.option("--source", "sources", multiple=True, help="Source id, e.g. kommune21 (repeatable).")
@click.option("--search", default="", help="Free text the article must contain (full-text search).")
@click.option("--weekday", default="1", show_default=True,
              help="Day the digest of the past week is due: 1-7 or mo..so / mon..sun.")
@click.option("--send-empty/--no-send-empty", default=False, show_default=True,
              help="Send a short 'nothing new' mail when nothing matched.")
@click.option("--replace", is_flag=True, help="Overwrite the subscriber if the address exists.")
def add_command(email: str, db_path: str, subscribers_db: str | None, name: str, topics: tuple[str, ...], actors: tuple[str, ...],
                states: tuple[str, ...], sources: tuple[str, ...], search: str, weekday: str,
                send_empty: bool, replace: bool) -> None:
    """Add a subscriber. Values of one filter are alternatives; different filters must all match.

    Example: radar subscribers add anna@example.org --topic ozg --topic cloud --state DE-HE --weekday mo
    """
    from digest.subscribers import SubscriberError, validate

    store = _store(db_path, subscribers_db)
    raw = {"email": email, "name": name, "topics": list(topics), "actors": list(actors),
           "states": list(states), "sources": list(sources), "search": search, "weekday": weekday,
           "send_empty": send_empty}
    try:
        vocab = _vocab(db_path)
        subscriber = validate(raw, vocab)
    except SubscriberError as exc:
        raise click.ClickException(str(exc).replace("\n", "; ")) from None
    if store.subscriber_exists(subscriber.email) and not replace:
        raise click.ClickException(f"{subscriber.email} is already subscribed (use --replace to overwrite)")
    store.upsert_subscribers([subscriber.to_row()])
    click.echo(f"subscribed {subscriber.email}: {subscriber.describe(vocab)}")


@subscribers_command.command("list")
@db_option
@subscribers_db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (importable again).")
def list_command(db_path: str, subscribers_db: str | None, as_json: bool) -> None:
    """List subscribers with their filters.

    Example: radar subscribers list --db data/radar.db --json > subscribers.jsonl
    """
    from digest.subscribers import WEEKDAY_NAMES_DE, Subscriber

    store = _store(db_path, subscribers_db, readonly=True)
    vocab = _vocab(db_path)
    rows = store.list_subscribers()
    for row in rows:
        subscriber = Subscriber.from_row(row)
        if as_json:
            click.echo(json.dumps(subscriber.to_row(), ensure_ascii=False))
        else:
            empty = "sends 'nothing new'" if subscriber.send_empty else "skips empty weeks"
            name = f" ({subscriber.name})" if subscriber.name else ""
            click.echo(f"{subscriber.email}{name} · {WEEKDAY_NAMES_DE[subscriber.weekday]} · {empty} · "
                       f"{subscriber.describe(vocab)}")
    if not as_json:
        click.echo(f"{len(rows)} subscriber(s)", err=True)


@subscribers_command.command("remove")
@click.argument("emails", nargs=-1, required=True)
@db_option
@subscribers_db_option
def remove_command(emails: tuple[str, ...], db_path: str, subscribers_db: str | None) -> None:
    """Remove subscribers; what was already sent stays in digest_log.

    Example: radar subscribers remove anna@example.org
    """
    from digest.subscribers import normalise_email

    store = _store(db_path, subscribers_db)
    missing = []
    for email in emails:
        if store.remove_subscriber(normalise_email(email)):
            click.echo(f"removed {normalise_email(email)}")
        else:
            missing.append(normalise_email(email))
    if missing:
        raise click.ClickException("not subscribed: " + ", ".join(missing))


@subscribers_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@subscribers_db_option
def import_command(path: Path, db_path: str, subscribers_db: str | None) -> None:
    """Add or update subscribers from CSV, JSON or JSON Lines; all rows or none.

    CSV columns: email,name,topics,actors,states,sources,search,weekday,send_empty
    (lists separated by ';').

    Example: radar subscribers import staff.csv --db data/radar.db
    """
    from digest.subscribers import SubscriberError, read_file, validate_all

    store = _store(db_path, subscribers_db)
    try:
        rows = read_file(path)
        where = "line" if path.suffix.lower() in (".jsonl", ".ndjson") else "row"
        subscribers = validate_all(rows, _vocab(db_path), where=f"{path.name} {where}")
    except SubscriberError as exc:
        problems = str(exc).splitlines()
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise click.ClickException(f"nothing imported: {'; '.join(problems[:5])}{more}") from None
    known = {row["email"] for row in store.list_subscribers()}
    store.upsert_subscribers(s.to_row() for s in subscribers)
    added = sum(1 for s in subscribers if s.email not in known)
    click.echo(f"imported {len(subscribers)} subscriber(s): {added} new, {len(subscribers) - added} updated")
