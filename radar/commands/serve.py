"""`radar serve`: publish the archive read-only in Datasette."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from radar.options import db_option


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--immutable", is_flag=True,
              help="Open the file as an immutable snapshot (fastest; refused while a writer is at work).")
@click.option("--live", is_flag=True, hidden=True, help="The default now: read-only connections beside a writer.")
@click.option("--check", is_flag=True, help="Only check the file can be published (schema, allowed tables), then exit.")
@click.option("--subscribers-db", "private_db", default=None, type=click.Path(dir_okay=False),
              help="Private subscriber file the unsubscribe page writes (default $RADAR_SUBSCRIBERS_DB, "
                   "else subscribers.db beside --db).")
def serve_command(db_path: str, host: str, port: int, immutable: bool, live: bool, check: bool,
                  private_db: str | None = None) -> None:
    """Serve the archive in Datasette: read-only, German search, facets, feeds and charts.

    Nothing is written: the archive must be at the current schema (else: radar migrate) and may
    hold only the published tables. Pages: / (search box and ways in), /<db>/-/search (ranked
    search), /<db>/articles (facets, feeds), /-/dashboards/overview.

    Example: radar serve --db data/radar.db --port 8001
    """
    from db.private import private_path
    from publish.serve import check_archive, datasette_command, serve_mode

    check_archive(db_path)
    if check:
        click.echo(f"{db_path}: can be published")
        return
    frozen = serve_mode(db_path, immutable and not live)
    name = Path(db_path).stem
    click.echo(f"Archive: http://{host}:{port}/  (search: http://{host}:{port}/{name}/-/search?q=OZG)", nl=True)
    sys.stdout.flush()
    cmd = datasette_command(db_path, host, port, immutable=frozen, prepare=False)
    # Only the unsubscribe page reads this (publish/ops_plugin.py): it writes the private file through
    # db/, never the archive, which Datasette opens read-only.
    os.environ["RADAR_SUBSCRIBERS_DB"] = str(private_path(Path(db_path), private_db).resolve())
    # Datasette in this process (no child, no re-exec): a signal to `radar serve` stops the server.
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(cmd[cmd.index("datasette") + 1:], prog_name="datasette")
