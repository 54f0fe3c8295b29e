"""`radar crawl`: crawl one site into the archive."""

from __future__ import annotations

import click

from radar.options import check_reachable, db_option, validate_start_url


def summarise(stats: dict, db_path: str) -> str:
    """One line a person can read after a crawl."""
    errors = sum(v for k, v in stats.items() if k.startswith("downloader/exception_type_count/"))
    return (
        f"{stats.get('response_received_count', 0)} pages fetched: "
        f"{stats.get('radar/new', 0)} new, {stats.get('radar/updated', 0)} updated, "
        f"{stats.get('radar/unchanged', 0)} unchanged, {errors} errors → {db_path}"
    )


@click.command()
@click.option("--start-url", required=True, callback=validate_start_url, help="First list page of the site.")
@db_option
@click.option("--spider", default="kommune21", show_default=True, help="Spider to run.")
@click.option("--source", "source_id", default=None, help="Source id stored with each article (default: spider name).")
@click.option("--jobdir", default=None, type=click.Path(file_okay=False), help="Scrapy JOBDIR to pause and resume.")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def crawl_command(start_url: str, db_path: str, spider: str, source_id: str | None, jobdir: str | None,
                  log_level: str) -> None:
    """Crawl a news site, tag every article and store it.

    Example: radar crawl --start-url https://www.kommune21.de/ --db data/radar.db
    """
    from crawler.runner import project_settings, run_crawl

    check_reachable(start_url)
    settings = project_settings(RADAR_DB=db_path, JOBDIR=jobdir, LOG_LEVEL=log_level.upper())
    args = {"start_url": start_url}
    if source_id:
        args["source"] = source_id
    stats = run_crawl(spider, settings, **args)
    if not stats.get("response_received_count"):
        raise click.ClickException(f"no page could be fetched from {start_url}")
    click.echo(summarise(stats, db_path))
