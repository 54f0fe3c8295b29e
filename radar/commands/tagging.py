"""`radar tag` and `radar eval`: tag texts with the taxonomy, and score the tagger on the gold set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import click

from radar.options import RunFailed

GROUPS = {"actor": "actors", "state": "states", "municipality": "municipalities", "topic": "topics"}

taxonomy_option = click.option(
    "--taxonomy",
    "taxonomy_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Taxonomy directory (default: the packaged nlp/taxonomy).",
)


def _load_tagger(taxonomy_dir: Path | None):
    from nlp.tagger import get_tagger
    from nlp.taxonomy import TaxonomyError

    try:
        return get_tagger(taxonomy_dir)
    except TaxonomyError as exc:
        raise click.ClickException(str(exc)) from None


# spaCy's own limit per text (nlp.max_length, error E088): a longer text is refused with one line
# naming it, before any tagging (split long documents into articles first).
MAX_TEXT_CHARS = 1_000_000


def _articles(text: str, jsonl: bool | None) -> Iterator[dict]:
    """JSON Lines (id/title/teaser/text per line) or one plain-text article (first line = title)."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if jsonl is None:
        jsonl = first.lstrip().startswith("{")
    if not jsonl:
        title, _, body = text.strip().partition("\n")
        yield _checked({"id": None, "title": title.strip(), "teaser": "", "text": body.strip()}, "the text")
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise click.ClickException(f"line {number}: invalid JSON ({getattr(exc, 'msg', 'nested too deeply')})") from None
        if not isinstance(obj, dict):
            raise click.ClickException(f"line {number}: expected a JSON object with title/text")
        fields = {"title": obj.get("title"), "teaser": obj.get("teaser"), "text": obj.get("text") or obj.get("body")}
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                raise click.ClickException(f"line {number}: {key!r} must be text, not {type(value).__name__}")
        yield _checked({"id": obj.get("id"), **{key: value or "" for key, value in fields.items()}}, f"line {number}")


def _checked(article: dict, where: str) -> dict:
    size = len(article["title"]) + len(article["teaser"]) + len(article["text"])
    if size > MAX_TEXT_CHARS:
        raise click.ClickException(f"{where}: {size:,} characters, more than the {MAX_TEXT_CHARS:,} the tagger "
                                   "takes per article; split it into articles")
    return article


def tag_record(tags, article_id, version: str) -> dict:
    """One output line: tags grouped by kind, each with its evidence, offset, field and score."""
    record: dict = {"id": article_id, "taxonomy_version": version, **{g: [] for g in GROUPS.values()}}
    for tag in tags:
        item = asdict(tag)
        del item["kind"]
        if not item["discovered"]:  # shown only on actors the register does not know
            del item["discovered"]
        record[GROUPS[tag.kind]].append(item)
    return record


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--jsonl/--plain", "jsonl", default=None,
              help="Input format (default: JSON Lines when the first line is a JSON object).")
@taxonomy_option
def tag_command(source, jsonl: bool | None, taxonomy_dir: Path | None) -> None:
    """Tag texts; print one JSON line per text.

    SOURCE is a file or `-` (stdin): JSON Lines with id/title/teaser/text, or plain text (first line
    = title). Länder implied by a municipality are marked "derived": true.

    Example: echo '{"id": 1, "title": "DStGB fordert Cybersicherheitsstrategie"}' | radar tag
    """
    try:
        text = source.read()
    except UnicodeDecodeError:
        raise click.ClickException(f"{source.name}: not UTF-8 text (a binary file?)") from None
    tagger = _load_tagger(taxonomy_dir)
    articles = list(_articles(text, jsonl))
    triples = ((a["title"], a["teaser"], a["text"]) for a in articles)
    for article, tags in zip(articles, tagger.tag_many(triples), strict=True):
        click.echo(json.dumps(tag_record(tags, article["id"], tagger.version), ensure_ascii=False))


@click.command()
@click.option("--gold", "gold_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("tests/gold"),
              show_default=True, help="Gold directory: dev/ and test/ parts of *.jsonl files (or one flat part).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--errors/--no-errors", default=True, show_default=True, help="List the tagger's mistakes on dev.")
@click.option("--test-errors", is_flag=True,
              help="Also list the mistakes on the test part (for the final analysis only: never tune on them).")
@click.option("--check", is_flag=True,
              help="Exit with status 1 when a score is below its floor (floors.json) or not above the baseline.")
@taxonomy_option
def eval_command(gold_dir: Path, as_json: bool, errors: bool, test_errors: bool, check: bool,
                 taxonomy_dir: Path | None) -> None:
    """Score the tagger on the gold set: precision/recall/F1 per part (dev, test) and kind, next to
    the baseline (the same PhraseMatcher over the register's bare names, without rules), and the
    share of discovered actors. Every prediction counts; actors are compared by canonical name.

    Example: radar eval --gold tests/gold --json
    """
    from nlp.eval import GoldError, evaluate, failed_checks, format_report
    from nlp.taxonomy import TaxonomyError

    try:
        result = evaluate(gold_dir, taxonomy_dir)
    except (GoldError, TaxonomyError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(result, show_errors=errors, test_errors=test_errors))
    missed = failed_checks(result)
    if check and missed:
        raise RunFailed("checks failed: " + "; ".join(missed))
