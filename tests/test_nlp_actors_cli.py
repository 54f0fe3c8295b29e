"""`radar actors candidates|promote|ignore` on a real SQLite archive, and `radar retag` afterwards."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
import sqlite_utils

from db.store import ArchiveWriter
from db.taxonomy_store import record_taxonomy
from nlp.tagger import get_tagger
from nlp.taxonomy import DEFAULT_DIR, load_taxonomy
from tests.conftest import run_radar

ARTICLES = [
    ("Kommunalsoft Nord GmbH gewinnt Ausschreibung", "Die Kommunalsoft Nord GmbH liefert die E-Akte für Gifhorn."),
    ("E-Akte in Celle", "Auch hier arbeitet die Kommunalsoft Nord GmbH, sagt die Stadt Celle."),
    ("Datenportal", "Die Kommunalsoft Nord GmbH und das Hasso-Plattner-Institut zeigen ein Portal."),
    ("Bitkom-Umfrage", "Der Bitkom legt Zahlen vor. Die Wolkenbau AG widerspricht."),
    ("Ohne Organisation", "Das Wetter in Kiel bleibt wechselhaft."),
]


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Path]:
    """An archive tagged with a copy of the packaged taxonomy (snapshot kept, as a crawl keeps it)."""
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, taxonomy, ignore=shutil.ignore_patterns("data"))
    tagger = get_tagger(taxonomy)
    db_path = tmp_path / "radar.db"
    writer = ArchiveWriter(db_path)
    writer.upsert_articles({"url": f"https://example.org/{i}", "source": "test", "title": title, "body": body,
                            "published": f"2026-01-0{i + 1}", "tags": [asdict(t) for t in tagger.tag(title, "", body)],
                            "taxonomy_version": tagger.version} for i, (title, body) in enumerate(ARTICLES))
    record_taxonomy(writer.db, tagger.version, taxonomy)
    return db_path, taxonomy


def test_candidates_are_ranked_and_counted(archive):
    db_path, _ = archive
    db = sqlite_utils.Database(db_path)
    rows = {r["slug"]: r for r in db.query("select * from actor_candidates")}
    assert rows["kommunalsoft-nord-gmbh"]["articles"] == 3 and rows["kommunalsoft-nord-gmbh"]["mentions"] == 4
    assert rows["wolkenbau-ag"]["articles"] == 1
    assert db.execute("select count(*) from tags where discovered = 1 and value = 'kommunalsoft-nord-gmbh'").fetchone()[0] == 3
    assert db.execute("select count(*) from tags where discovered = 1 and value = 'bitkom'").fetchone()[0] == 0
    result = run_radar("actors", "candidates", "--db", str(db_path), "--min-articles", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("kommunalsoft-nord-gmbh") and "Kommunalsoft Nord GmbH" in lines[1]
    assert "wolkenbau-ag" not in result.stdout  # only one article


def test_promote_writes_a_valid_entry_and_retag_touches_only_its_articles(archive):
    db_path, taxonomy = archive
    result = run_radar("actors", "promote", "kommunalsoft-nord-gmbh", "--alias", "Kommunalsoft Nord",
                       "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert result.returncode == 0, result.stderr
    entry = load_taxonomy(taxonomy).get("actor", "kommunalsoft-nord-gmbh")
    assert entry is not None and entry.label == "Kommunalsoft Nord GmbH" and entry.data["kind"] == "company"
    retag = run_radar("retag", "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert retag.returncode == 0, retag.stderr
    assert "5 articles checked, 3 re-tagged" in retag.stdout
    db = sqlite_utils.Database(db_path)
    rows = list(db.query("select discovered, label from tags where value = 'kommunalsoft-nord-gmbh'"))
    assert len(rows) == 3 and all(r["discovered"] == 0 for r in rows)
    status = db.execute("select status from actor_candidates where slug = 'kommunalsoft-nord-gmbh'").fetchone()[0]
    assert status == "promoted"


def test_ignore_keeps_a_discovered_actor_out(archive):
    db_path, taxonomy = archive
    result = run_radar("actors", "ignore", "wolkenbau-ag", "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert result.returncode == 0, result.stderr
    assert "wolkenbau-ag" in load_taxonomy(taxonomy).ignored
    retag = run_radar("retag", "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert "5 articles checked, 1 re-tagged" in retag.stdout, retag.stdout
    db = sqlite_utils.Database(db_path)
    assert db.execute("select count(*) from tags where value = 'wolkenbau-ag'").fetchone()[0] == 0
    assert db.execute("select status from actor_candidates where slug = 'wolkenbau-ag'").fetchone()[0] == "ignored"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("promote", "no-such-slug"), "unknown slug 'no-such-slug'"),
        (("ignore", "no-such-slug"), "unknown slug 'no-such-slug'"),
        (("promote", "wolkenbau-ag", "--name", "Bitkom"), "'Bitkom' is already a name of actor 'bitkom'"),
        (("promote", "wolkenbau-ag", "--kind", "vendor"), "unknown kind 'vendor'"),
    ],
)
def test_bad_promote_or_ignore_is_one_line_and_changes_nothing(archive, args, message):
    db_path, taxonomy = archive
    before = (taxonomy / "actors.yaml").read_bytes()
    result = run_radar("actors", *args, "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and message in result.stderr.strip().splitlines()[-1]
    assert (taxonomy / "actors.yaml").read_bytes() == before


def test_promote_of_an_existing_id_is_refused(archive):
    db_path, taxonomy = archive
    db = sqlite_utils.Database(db_path)
    with db.conn:  # a candidate whose slug is a registered id (e.g. promoted in another copy)
        db.conn.execute("insert into actor_candidates (slug, name, articles, mentions, first_seen, last_seen, status)"
                        " values ('bitkom', 'Bitkom', 1, 1, '2026', '2026', 'new')")
    before = (taxonomy / "actors.yaml").read_bytes()
    result = run_radar("actors", "promote", "bitkom", "--db", str(db_path), "--taxonomy", str(taxonomy))
    assert result.returncode == 2 and "'bitkom' is already an actor id" in result.stderr
    assert (taxonomy / "actors.yaml").read_bytes() == before
