"""`radar demo`: the whole chain on the bundled sample site, ending in a served archive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from radar.options import RunFailed


@click.command()
@click.option("--db", "db_path", default="data/demo.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-serve", is_flag=True, help="Crawl and store, then stop instead of serving.")
def demo_command(db_path: str, host: str, port: int, no_serve: bool) -> None:
    """Serve the sample site, crawl it, tag, store, and serve the archive in Datasette.

    Example: radar demo --port 8001
    """
    from publish.serve import datasette_command
    from sample_site.server import SampleSite

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    # The sample site gets a new port each run; a fresh archive keeps its URLs from piling up.
    for stale in Path(db_path).parent.glob(Path(db_path).name + "*"):
        stale.unlink()
    sources = Path(__file__).resolve().parents[2] / "crawler" / "sample_sources.toml"
    with SampleSite() as site:
        click.echo(f"Sample site: {site.base_url}/")
        crawl = subprocess.run(
            [sys.executable, "-m", "radar", "crawl", "--sources", str(sources), "--base", site.base_url, "--all",
             "--db", db_path],
            check=False,
        )
        if crawl.returncode != 0:
            raise RunFailed("the demo crawl failed (see above)")
        if no_serve:
            return
        click.echo(f"Archive:     http://{host}:{port}/  (search: http://{host}:{port}/{Path(db_path).stem}/-/search?q=OZG)")
        try:
            subprocess.run(datasette_command(db_path, host, port, immutable=False), check=False)  # read-only connections
        except KeyboardInterrupt:
            pass
