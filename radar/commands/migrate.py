"""`radar migrate`: bring an archive to this radar's schema; personal data moves to the private file."""

from __future__ import annotations

import click

from radar.options import db_option, subscribers_db_option


@click.command()
@db_option
@subscribers_db_option
def migrate_command(db_path: str, subscribers_db: str | None) -> None:
    """Run the archive's pending numbered migrations and say what each did.

    Subscribers and digest_log found in an old archive are copied to the private file, counted
    there, and only then dropped from the archive. Readers (serve, export, digest) ask for this
    when the archive is older than the code; writers (crawl, ingest, reparse, retag) do it anyway.

    Example: radar migrate --db data/radar.db --subscribers-db data/subscribers.db
    """
    from pathlib import Path

    from sqlite_utils import Database

    from db.connect import check_existing_archive, connect_writer
    from db.migrations import SCHEMA_VERSION, migrate, schema_version
    from db.private import private_path
    from db.sqlite import open_rw, use_wal

    check_existing_archive(db_path)  # a mistyped --db is not created, a stranger's file not touched
    db = Database(open_rw(db_path))
    use_wal(db.conn, db_path)
    try:
        before = schema_version(db)
        report = migrate(db, private_path(Path(db_path), subscribers_db))
    finally:
        db.close()
    connect_writer(db_path, subscribers_db).close()  # views and search queue as every writer leaves them
    for line in report:
        click.echo(line)
    click.echo(f"{db_path}: schema {before} → {SCHEMA_VERSION}" if report else f"{db_path}: already at schema {SCHEMA_VERSION}")
