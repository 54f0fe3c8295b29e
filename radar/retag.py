"""Re-tag the archive after a taxonomy edit, touching only the articles the edit can change.

For each taxonomy version stored with articles we restore its snapshot, ask `nlp.changes` which
(kind, id) entries differ, and re-tag only articles that carry an affected tag or whose text holds
one of the affected entries' words. Everything else just moves to the new version number.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlite_utils import Database

from db.reader import tag_keys
from db.store import ArchiveWriter
from db.taxonomy_store import record_taxonomy, restore_taxonomy
from nlp.changes import ALL, affected_by_change, search_terms
from nlp.tagger import get_tagger
from nlp.taxonomy import DEFAULT_DIR

BATCH = 200


@dataclass
class RetagReport:
    checked: int = 0
    retagged: int = 0
    changed: int = 0
    version: str = ""

    def line(self) -> str:
        return (f"{self.checked} articles checked, {self.retagged} re-tagged, "
                f"{self.changed} with changed tags (taxonomy {self.version})")


def _needs_retag(db: Database, row: dict, affected: set[tuple[str, str]], words: list[str]) -> bool:
    if ALL in affected:
        return True
    if tag_keys(db, row["id"]) & affected:
        return True
    text = f"{row['title']}\n{row['teaser']}\n{row['body']}".lower()
    return any(word in text for word in words)


def _affected(db: Database, stored_version: str | None, taxonomy_dir: Path) -> set[tuple[str, str]]:
    """What changed between the taxonomy an article was tagged with and the current one."""
    if not stored_version:
        return {ALL}
    with tempfile.TemporaryDirectory() as tmp:
        if not restore_taxonomy(db, stored_version, Path(tmp)):
            return {ALL}  # tagged before snapshots were kept (or by a remote worker): re-tag all
        return affected_by_change(Path(tmp), taxonomy_dir)


def retag_archive(db_path: str, taxonomy_dir: Path | None = None,
                  progress: Callable[[Iterator], Iterator] = lambda it: it) -> RetagReport:
    """Bring every article's tags to the current taxonomy; returns counts for one summary line."""
    taxonomy_dir = Path(taxonomy_dir or DEFAULT_DIR).resolve()
    tagger = get_tagger(taxonomy_dir)
    writer = ArchiveWriter(db_path)
    db = writer.db
    report = RetagReport(version=tagger.version)
    stale = [r[0] for r in db.execute(
        "select distinct taxonomy_version from articles where taxonomy_version is not ? ", [tagger.version])]
    for stored in stale:
        affected = _affected(db, stored, taxonomy_dir)
        words = sorted({w.lower() for terms in search_terms(tagger.taxonomy, affected - {ALL}).values()
                        for w in terms if len(w) > 1})
        rows = list(db.query(
            "select id, title, teaser, body from articles where taxonomy_version is ?", [stored]))
        report.checked += len(rows)
        todo = [row for row in rows if _needs_retag(db, row, affected, words)]
        todo_ids = {row["id"] for row in todo}
        untouched = [row["id"] for row in rows if row["id"] not in todo_ids]
        for start in progress(range(0, len(todo), BATCH)):
            batch = todo[start:start + BATCH]
            tagged = tagger.tag_many((r["title"] or "", r["teaser"] or "", r["body"] or "") for r in batch)
            report.changed += writer.retag(
                ((row["id"], [asdict(t) for t in tags]) for row, tags in zip(batch, tagged, strict=True)), tagger.version)
        report.retagged += len(todo)
        writer.mark_taxonomy_version(untouched, tagger.version)  # every write goes through db/
    record_taxonomy(db, tagger.version, taxonomy_dir)
    return report
