"""`radar serve`: publish the archive read-only in Datasette."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from radar.options import db_option


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
def serve_command(db_path: str, host: str, port: int) -> None:
    """Serve the archive in Datasette (read-only).

    Example: radar serve --db data/radar.db --port 8001
    """
    from publish.serve import datasette_command

    if not Path(db_path).is_file():
        raise click.ClickException(f"no archive at {db_path}: run `radar crawl` or `radar demo` first")
    click.echo(f"Archive: http://{host}:{port}/")
    try:
        subprocess.run(datasette_command(db_path, host, port), check=False)
    except KeyboardInterrupt:
        pass
