"""`radar retag` re-tags only what a taxonomy edit can change (real archive from a real crawl)."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlite_utils

from nlp.taxonomy import DEFAULT_DIR
from tests.conftest import run_radar


def copy_archive(crawled_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "radar.db"
    source = sqlite_utils.Database(crawled_db)
    source.conn.execute(f"vacuum into '{target}'")
    return target


def edited_taxonomy(tmp_path: Path) -> Path:
    """The packaged taxonomy plus one new topic, as a taxonomy editor would add it."""
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, taxonomy, ignore=shutil.ignore_patterns("data"))
    with (taxonomy / "topics.yaml").open("a", encoding="utf-8") as topics:
        topics.write("\n  - id: childcare\n    name: Kinderbetreuung\n    stems: [kita]\n")
    return taxonomy


def test_retag_touches_only_affected_articles(crawled_db, tmp_path):
    db_path = copy_archive(crawled_db, tmp_path)
    assert sqlite_utils.Database(db_path)["taxonomy_versions"].count == 1  # the crawl kept a snapshot
    first = run_radar("retag", "--db", str(db_path))
    assert first.returncode == 0, first.stderr[-2000:]
    assert " 0 re-tagged" in first.stdout  # the crawl tagged with the current taxonomy already

    result = run_radar("retag", "--db", str(db_path), "--taxonomy", str(edited_taxonomy(tmp_path)))
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(db_path)
    total = db["articles"].count
    with_kita = db.execute(
        "select count(*) from articles where lower(title || teaser || body) like '%kita%'").fetchone()[0]
    assert 0 < with_kita < total
    assert f"{total} articles checked, {with_kita} re-tagged" in result.stdout
    tagged = {r["article_id"] for r in db.query("select article_id from tags where value = 'childcare'")}
    assert tagged and len(tagged) <= with_kita
    versions = {r[0] for r in db.execute("select distinct taxonomy_version from articles")}
    assert len(versions) == 1
    assert {r[0] for r in db.execute("select distinct taxonomy_version from tags")} == versions

    again = run_radar("retag", "--db", str(db_path), "--taxonomy", str(tmp_path / "taxonomy"))
    assert " 0 re-tagged" in again.stdout


def test_retag_with_a_broken_taxonomy_is_one_line(crawled_db, tmp_path):
    db_path = copy_archive(crawled_db, tmp_path)
    taxonomy = edited_taxonomy(tmp_path)
    (taxonomy / "topics.yaml").write_text("topics: [\n", encoding="utf-8")
    result = run_radar("retag", "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "topics.yaml" in result.stderr.strip().splitlines()[-1]
