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
@click.option(
    "--live",
    is_flag=True,
    help="Serve the file while a crawl writes to it (read-only connections) instead of an immutable snapshot.",
)
@click.option("--subscribers-db", "private_db", default=None, type=click.Path(dir_okay=False),
              help="Private subscriber file the unsubscribe page writes (default $RADAR_SUBSCRIBERS_DB, "
                   "else subscribers.db beside --db).")
def serve_command(db_path: str, host: str, port: int, live: bool, private_db: str | None = None) -> None:
    """Serve the archive in Datasette: read-only, German search, facets, feeds and charts.

    The schema and the search index are brought up to date first. Pages: / (search box and ways
    in), /<db>/-/search (ranked search), /<db>/articles (facets, feeds), /-/dashboards/overview.

    Example: radar serve --db data/radar.db --port 8001
    """
    from publish.serve import ArchiveBusy, datasette_command, prepare_archive

    if not Path(db_path).is_file():
        raise click.ClickException(f"no archive at {db_path}: run `radar crawl` or `radar demo` first")
    try:
        prepare_archive(db_path, immutable=not live)
    except ArchiveBusy:
        raise click.ClickException(
            f"{db_path} is being written to (is a crawl running?): wait for it, or use --live"
        ) from None
    name = Path(db_path).stem
    click.echo(f"Archive: http://{host}:{port}/  (search: http://{host}:{port}/{name}/-/search?q=OZG)", nl=True)
    sys.stdout.flush()
    cmd = datasette_command(db_path, host, port, immutable=not live, prepare=False)
    # Only the unsubscribe page reads this (publish/ops_plugin.py); the archive itself stays read-only.
    os.environ["RADAR_SUBSCRIBERS_DB"] = str(
        Path(private_db or os.environ.get("RADAR_SUBSCRIBERS_DB") or Path(db_path).parent / "subscribers.db").resolve())
    # Become Datasette (no child process): a signal to `radar serve` stops the server itself.
    os.execv(cmd[0], cmd)
