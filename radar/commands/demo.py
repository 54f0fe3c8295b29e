"""`radar demo`: the whole chain on the bundled sample site, ending in a served archive."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from radar.options import RunFailed, pick_port


@click.command()
@click.option("--db", "db_path", default="data/demo.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the archive; a busy one is replaced by a free one before anything is crawled.")
@click.option("--no-serve", is_flag=True, help="Crawl and store, then stop instead of serving.")
def demo_command(db_path: str, host: str, port: int, no_serve: bool) -> None:
    """Serve the sample site, crawl it, tag, store, and serve the archive in Datasette.

    The demo archive is a fresh file of its own (default data/demo.db, never your data/radar.db);
    the demo prints the --db to pass to the other commands. SIGTERM or Ctrl-C stops every process
    it started.

    Example: radar demo --port 8001
    """
    from ops.processes import Children, Stopped
    from publish.serve import datasette_command
    from sample_site.server import SampleSite

    if not no_serve:
        chosen = pick_port(host, port)
        if chosen != port:
            click.echo(f"Port {port} is in use; serving the archive on {chosen} instead.", err=True)
        port = chosen
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    # The sample site gets a new port each run; a fresh archive keeps its URLs from piling up.
    for stale in Path(db_path).parent.glob(Path(db_path).name + "*"):
        stale.unlink()
    sources = Path(__file__).resolve().parents[2] / "crawler" / "sample_sources.toml"
    try:
        with SampleSite() as site, Children() as children:
            click.echo(f"Sample site: {site.base_url}/")
            crawl = children.run(
                [sys.executable, "-m", "radar", "crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                 "--db", db_path],
            )
            if crawl.returncode != 0:
                raise RunFailed("the demo crawl failed (see above)")
            click.echo(f"Archive file: {db_path}  (give it to other commands: radar digest --db {db_path} …)")
            if no_serve:
                return
            click.echo(f"Archive:     http://{host}:{port}/  (search: http://{host}:{port}/{Path(db_path).stem}/-/search?q=OZG)")
            sys.stdout.flush()
            server = children.start(datasette_command(db_path, host, port, immutable=False))  # read-only connections
            server.wait()
            if server.returncode:
                raise RunFailed(f"the archive server stopped with exit status {server.returncode}")
    except Stopped as stop:
        click.echo(f"Stopped ({stop}); every process of the demo is stopped.", err=True)
        sys.exit(128 + stop.signum)
