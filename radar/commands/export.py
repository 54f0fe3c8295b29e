"""`radar export`: the archive, or a filtered part of it, as CSV or JSON files for researchers."""

from __future__ import annotations

import sys

import click

from radar.options import db_option, require_articles


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True, help="File format.")
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write; - for standard output.")
@click.option("--table", "what", default="articles", show_default=True,
              type=click.Choice(["articles", "tags", "sources", "article_versions", "crawl_runs", "topic_counts_weekly",
                                 "actor_counts_monthly", "state_topic_counts", "tag_counts"]),
              help="What to export: articles (with tags as arrays and the body), a table or a view.")
@click.option("--topic", multiple=True, help="Only articles with this topic (repeatable: all must match).")
@click.option("--actor", multiple=True, help="Only articles with this actor (repeatable).")
@click.option("--state", multiple=True, help="Only articles with this Land, e.g. DE-HE (repeatable).")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--search", help="Only articles matching this German full-text search.")
@click.option("--no-body", is_flag=True, help="Leave the article text out (smaller files).")
def export_command(db_path: str, fmt: str, output: str, what: str, topic: tuple[str, ...], actor: tuple[str, ...],
                   state: tuple[str, ...], since: str | None, until: str | None, search: str | None,
                   no_body: bool) -> None:
    """Export articles, tags, a table or a view as CSV or JSON.

    Example: radar export --db data/radar.db --format csv --topic ozg --state DE-HE --since 2025-06-01 -o ozg-hessen.csv
    """
    from db.connect import connect_reader
    from publish.export import ExportError, export, export_sql

    filters = {"topic": topic, "actor": actor, "state": state, "since": since, "until": until, "search": search}
    try:  # the request is checked before the archive is opened or the output file created
        export_sql(what, filters, body=not no_body)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    db = connect_reader(db_path)  # read-only: an export never changes the archive
    require_articles(db, db_path)
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")
    try:
        count = export(db.conn, out, fmt, what, filters, body=not no_body)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if out is not sys.stdout:
            out.close()
        db.conn.close()
    if output != "-":
        click.echo(f"{count:,} rows → {output}", err=True)
