"""`radar reparse` re-extracts the archive offline from the stored raw HTML through the same
extractors and the same upsert: an unchanged archive stays unchanged, a repaired extraction becomes
a new version with the old text kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from db.records import content_hash
from tests.conftest import run_radar


@pytest.fixture
def archive(all_sources_db, tmp_path) -> Path:
    copy = tmp_path / "radar.db"
    with sqlite3.connect(all_sources_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def reparse(db_path: Path, *extra: str) -> str:
    result = run_radar("reparse", "--db", str(db_path), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result.stdout


def test_reparse_of_an_unchanged_archive_changes_nothing(archive):
    out = reparse(archive, "--no-tag")
    assert "95 pages re-extracted: 0 updated, 95 unchanged, 0 failed" in out
    assert sqlite_utils.Database(archive)["article_versions"].count == 0


def test_reparse_repairs_what_a_broken_extractor_stored_and_keeps_the_old_text(archive):
    db = sqlite_utils.Database(archive)
    good = {row["id"]: dict(row) for row in db.query("select * from articles where source_id = 'egov' order by id limit 4")}
    # What a buggy extractor might have left behind: a lost body, a lost date (relative dates too).
    for article_id, row in good.items():
        broken = {**row, "body": "kaputt", "published": None}
        db["articles"].update(article_id, {"body": "kaputt", "published": None, "date_missing": 1,
                                           "content_hash": content_hash(broken)})
    out = reparse(archive, "--source", "egov")
    assert "12 pages re-extracted: 4 updated, 8 unchanged, 0 failed" in out
    for article_id, before in good.items():
        row = db["articles"].get(article_id)
        assert (row["body"], row["published"], row["version"]) == (before["body"], before["published"], 2)
        old = next(db.query("select * from article_versions where article_id = ?", [article_id]))
        assert old["body"] == "kaputt" and old["version"] == 1
    assert db.execute("select count(*) from tags where article_id in ({})".format(", ".join(map(str, good)))).fetchone()[0] > 0


def test_reparse_without_an_archive_is_one_line(tmp_path):
    result = run_radar("reparse", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2  # db's one-line ArchiveError; nothing is created
    assert result.stderr.strip() == f"Error: {tmp_path / 'missing.db'}: no such file"
    assert not (tmp_path / "missing.db").exists()
