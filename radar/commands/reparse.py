"""`radar reparse`: re-extract the archive from its stored raw HTML, offline."""

from __future__ import annotations

from pathlib import Path

import click

from radar.options import db_option, validate_start_url


@click.command()
@db_option
@click.option("--source", default=None, metavar="NAME", help="Only this source's articles.")
@click.option("--sources", "sources_file", default=None, type=click.Path(dir_okay=False),
              help="Take each source's extractor from this sources file (default: as stored at crawl time).")
@click.option("--base", default=None, callback=validate_start_url, help="Base URL for {base} in the sources file.")
@click.option("--no-tag", is_flag=True, help="Keep the stored tags (do not re-tag).")
def reparse_command(db_path: str, source: str | None, sources_file: str | None, base: str | None, no_tag: bool) -> None:
    """Re-extract every archived page after an extractor fix; changed articles get a new version.

    Example: radar reparse --db data/radar.db --source kommune21
    """
    from crawler.reparse import ReparseError, reparse_archive
    from crawler.sources import SourcesError, load_sources
    from db.connect import check_existing_archive

    check_existing_archive(db_path)  # an existing archive only: a mistyped --db is not created
    if sources_file and not Path(sources_file).is_file():
        raise click.ClickException(f"no sources file at {sources_file}")
    try:
        if sources_file:  # a bad sources file is refused before the archive is opened for writing
            load_sources(sources_file, base)
        counts = reparse_archive(db_path, source=source, tag=not no_tag, sources_file=sources_file, base=base)
    except (SourcesError, ReparseError) as exc:
        raise click.ClickException(str(exc)) from None
    failed = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith("failed/")}
    line = (
        f"{counts['pages']} pages re-extracted: {counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed"
    )
    if failed:
        line += " (" + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())) + ")"
    click.echo(f"{line} → {db_path}")
