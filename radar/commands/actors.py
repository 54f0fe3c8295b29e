"""`radar actors candidates|promote|ignore`: review the organisations the tagger discovered."""

from __future__ import annotations

from pathlib import Path

import click

from radar.options import db_option


class BadInput(click.ClickException):
    """A one-line refusal; nothing was changed (exit status 2, like a usage error)."""

    exit_code = 2


taxonomy_dir_option = click.option(
    "--taxonomy", "taxonomy_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="Taxonomy folder (default: the packaged nlp/taxonomy).")


def _archive(db_path: str, write: bool = False):
    """The archive read-only, or for the commands that write, migrated (db/connect.py); a missing or
    foreign file is one line (ArchiveError, exit status 2)."""
    from db.connect import check_existing_archive, connect_reader, connect_writer

    if not write:
        return connect_reader(db_path)
    check_existing_archive(db_path)
    return connect_writer(db_path)


def _candidate(db, slug: str) -> dict:
    from db.actor_store import get_candidate

    row = get_candidate(db, slug)
    if row is None:
        raise BadInput(f"unknown slug {slug!r}: not among the discovered actors (radar actors candidates)")
    return row


@click.group()
def actors_command() -> None:
    """Discovered actors: organisations the tagger recognised but the register does not know."""


@actors_command.command("candidates")
@db_option
@click.option("--min-articles", default=1, show_default=True, type=click.IntRange(1), help="Seen in at least N articles.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1), help="Show at most this many.")
def candidates_command(db_path: str, min_articles: int, limit: int) -> None:
    """List discovered actors, most articles first.

    Example: radar actors candidates --db data/radar.db --min-articles 3
    """
    from db.actor_store import list_candidates

    rows = list_candidates(_archive(db_path), min_articles)
    if not rows:
        click.echo(f"keine neuen Akteure mit mindestens {min_articles} Artikel(n)")
        return
    click.echo(f"{'slug':<44} {'Artikel':>7} {'Nennungen':>9}  zuerst      zuletzt     Name")
    for row in rows[:limit]:
        click.echo(f"{row['slug'][:44]:<44} {row['articles']:>7} {row['mentions']:>9}  {row['first_seen'][:10]}  "
                   f"{row['last_seen'][:10]}  {row['name']}")
    if len(rows) > limit:
        click.echo(f"… {len(rows) - limit} weitere (--limit)")


@actors_command.command("promote")
@click.argument("slug")
@click.option("--name", default=None, help="Canonical name (default: the name the tagger found).")
@click.option("--alias", "aliases", multiple=True, help="Another name to match (repeatable).")
@click.option("--kind", default=None, help="Actor kind (default: guessed from the name, e.g. ministry, company).")
@db_option
@taxonomy_dir_option
def promote_command(slug: str, name: str | None, aliases: tuple[str, ...], kind: str | None, db_path: str,
                    taxonomy_dir: Path | None) -> None:
    """Add a discovered actor to actors.yaml (validated); then `radar retag` applies it.

    Example: radar actors promote stadtwerke-gifhorn --alias "SW Gifhorn"
    """
    from db.actor_store import set_status
    from nlp.promote import PromoteError, promote
    from nlp.taxonomy import TaxonomyError

    db = _archive(db_path, write=True)
    row = _candidate(db, slug)
    note = f"promoted from a discovered actor (seen in {row['articles']} articles from {row['first_seen'][:10]})"
    try:
        entry = promote(slug, name or row["name"], list(aliases), kind, note, taxonomy_dir)
    except (PromoteError, TaxonomyError) as exc:
        raise BadInput(str(exc)) from None
    set_status(db, slug, "promoted")
    click.echo(f"{slug}: als {entry['kind']} '{entry['name']}' in actors.yaml aufgenommen; "
               "jetzt `radar retag` ausführen")


@actors_command.command("ignore")
@click.argument("slug")
@db_option
@taxonomy_dir_option
def ignore_command(slug: str, db_path: str, taxonomy_dir: Path | None) -> None:
    """Keep a discovered actor out for good (listed in actors.yaml `ignore_discovered`).

    Example: radar actors ignore datenbank-fuer-foerdermittel
    """
    from db.actor_store import set_status
    from nlp.promote import PromoteError, ignore
    from nlp.taxonomy import TaxonomyError

    db = _archive(db_path, write=True)
    _candidate(db, slug)
    try:
        ignore(slug, taxonomy_dir)
    except (PromoteError, TaxonomyError) as exc:
        raise BadInput(str(exc)) from None
    set_status(db, slug, "ignored")
    click.echo(f"{slug}: wird nicht mehr gemeldet; `radar retag` entfernt die vorhandenen Tags")
