"""`radar sources`: list the sources of a sources file and check every entry."""

from __future__ import annotations

import json
from pathlib import Path

import click

from radar.options import validate_start_url


@click.command()
@click.option("--file", "sources_file", default=None, type=click.Path(dir_okay=False),
              help="Sources file (default: crawler/sources.toml).")
@click.option("--base", default=None, callback=validate_start_url, help="Base URL for {base} (default: a placeholder, for checking only).")
@click.option("--json", "as_json", is_flag=True, help="Print the validated sources as JSON.")
def sources_command(sources_file: str | None, base: str | None, as_json: bool) -> None:
    """List and validate the sources a crawl can use; a bad entry is named by file, source and field.

    Example: radar sources --file crawler/sample_sources.toml
    """
    from crawler.sources import DEFAULT_SOURCES, SourcesError, load_sources

    if sources_file and not Path(sources_file).is_file():
        raise click.ClickException(f"no sources file at {sources_file}")
    try:
        loaded = load_sources(sources_file, base)
    except SourcesError as exc:
        count = len(exc.errors)
        raise click.ClickException(
            f"{count} problem{'s' if count != 1 else ''} in {sources_file or DEFAULT_SOURCES}:\n" + "\n".join(exc.errors)
        ) from None
    if as_json:
        click.echo(json.dumps({sid: {"name": s.name, **s.to_config()} for sid, s in loaded.sources.items()},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"{loaded.path}: {len(loaded.sources)} source{'s' if len(loaded.sources) != 1 else ''}, all valid")
    if loaded.user_agent_string():
        click.echo(f"User-Agent: {loaded.user_agent_string()}")
    for source in loaded.sources.values():
        click.echo("")
        click.echo(f"{source.id}  ({source.name})")
        click.echo(f"  type       {source.type}" + (f", next page: {source.rules.next}" if source.rules and source.rules.next else ""))
        click.echo(f"  extractor  {source.extractor}" + (f" ({', '.join(source.article)})" if source.article else ""))
        click.echo(f"  start      {', '.join(source.start_urls)}")
        click.echo(f"  domains    {', '.join(source.allowed_domains)}")
        if source.article_urls:
            click.echo(f"  articles   URLs matching {source.article_urls}")
        polite = [f"{source.concurrency} concurrent" if source.concurrency else "", f"{source.delay:g} s delay" if source.delay is not None else ""]
        if any(polite):
            click.echo(f"  politeness {', '.join(p for p in polite if p)}")
