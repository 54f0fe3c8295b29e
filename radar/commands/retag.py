"""`radar retag`: bring stored tags up to date after a taxonomy edit."""

from __future__ import annotations

from pathlib import Path

import click

from radar.options import db_option


@click.command()
@db_option
@click.option("--taxonomy", "taxonomy_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Taxonomy folder (default: the packaged nlp/taxonomy).")
def retag_command(db_path: str, taxonomy_dir: Path | None) -> None:
    """Re-tag only the articles a taxonomy change can affect.

    Example: radar retag --db data/radar.db --taxonomy my-taxonomy/
    """
    from tqdm import tqdm

    from db.connect import check_existing_archive
    from nlp.taxonomy import TaxonomyError
    from radar.retag import retag_archive

    check_existing_archive(db_path)  # an existing archive only: a mistyped --db is not created
    try:
        report = retag_archive(db_path, taxonomy_dir,
                               progress=lambda it: tqdm(it, desc="re-tagging (batches)", unit="batch"))
    except TaxonomyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.line())
