"""`radar export`: the archive, or a filtered part of it, as CSV (German Excel), XLSX or JSON."""

from __future__ import annotations

import sys

import click

from radar.options import db_option, require_articles


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True,
              help="csv: for German Excel (BOM, ';', tag labels, TT.MM.JJJJ); xlsx: the same as a workbook; "
                   "json: ids and ISO dates for programs.")
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write; - for standard output.")
@click.option("--table", "what", default="articles", show_default=True,
              type=click.Choice(["articles", "tags", "sources", "article_versions", "crawl_runs", "topic_counts_weekly",
                                 "actor_counts_monthly", "state_topic_counts", "tag_counts"]),
              help="What to export: articles (with tags and the body), a table or a view.")
@click.option("--topic", multiple=True, help="Only articles with this topic id, e.g. ozg (repeatable: all must match).")
@click.option("--actor", multiple=True, help="Only articles with this actor id, e.g. dstgb (repeatable).")
@click.option("--state", multiple=True, help="Only articles with this Land, e.g. DE-HE (repeatable).")
@click.option("--place", multiple=True, help="Only articles with this municipality (AGS key, e.g. 06414; repeatable).")
@click.option("--since", help="Only articles published on or after this date: 01.06.2025, 2025-06-01 or KW 23/2025.")
@click.option("--until", help="Only articles published on or before this date (a week counts to its Sunday).")
@click.option("--search", help="Only articles matching this German full-text search.")
@click.option("--no-body", is_flag=True, help="Leave the article text out (smaller files).")
def export_command(db_path: str, fmt: str, output: str, what: str, topic: tuple[str, ...], actor: tuple[str, ...],
                   state: tuple[str, ...], place: tuple[str, ...], since: str | None, until: str | None,
                   search: str | None, no_body: bool) -> None:
    """Export articles, tags, a table or a view as CSV, XLSX or JSON.

    Example: radar export --db data/radar.db --format csv --topic ozg --state DE-HE --since 01.06.2025 -o ozg-hessen.csv
    """
    from db.connect import connect_reader
    from publish.export import ExportError, export, export_sql
    from publish.filters import FilterError, check

    # Bad input is a one-line ClickException: radar/cli.py makes it exit 2.
    if fmt == "xlsx" and output == "-":
        raise click.ClickException("--format xlsx writes a file: give one with -o, e.g. -o export.xlsx")
    filters = {"topic": topic, "actor": actor, "state": state, "place": place, "since": since, "until": until,
               "search": search}
    try:  # the request is checked before the archive is opened or the output file created
        export_sql(what, filters, body=not no_body)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    db = connect_reader(db_path)  # read-only: an export never changes the archive
    try:
        require_articles(db, db_path)
        try:  # ids the archive and the taxonomy know, dates in any typed form
            filters = check(db.conn, filters)
        except FilterError as exc:
            raise click.ClickException(str(exc)) from None
        if filters.get("since") and filters.get("until") and filters["since"] > filters["until"]:
            raise click.ClickException(f"--since {since} is after --until {until}")
        if output == "-":
            out = sys.stdout.buffer if fmt == "xlsx" else sys.stdout
        else:
            out = open(output, "wb") if fmt == "xlsx" else open(output, "w", encoding="utf-8", newline="")
        try:
            count = export(db.conn, out, fmt, what, filters, body=not no_body)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            if out not in (sys.stdout, sys.stdout.buffer):
                out.close()
    finally:
        db.conn.close()
    if output != "-":
        click.echo(f"{count:,} rows → {output}", err=True)
