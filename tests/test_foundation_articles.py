"""The exact fields and tags of known sample articles after a real crawl."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
import yaml

CONTENT = Path(__file__).resolve().parent.parent / "sample_site" / "content" / "kommune21.yaml"


def article(db: sqlite_utils.Database, slug: str) -> dict:
    rows = list(db.query("select * from articles where url like ?", [f"%/k21-meldungen/{slug}/"]))
    assert len(rows) == 1, slug
    return rows[0]


def tag_ids(db: sqlite_utils.Database, article_id: int, kind: str) -> set[str]:
    """Registered tags only: discovered actors (not in the register) are a facet of their own."""
    sql = "select value from tags where article_id = ? and kind = ? and not discovered"
    return {r["value"] for r in db.query(sql, [article_id, kind])}


@pytest.mark.parametrize(
    "slug, published, kicker, title, actors, states, topics",
    [
        ("bitkom-buerger-wollen-mehr-online-dienste", "2025-06-03", "Bitkom",
         "Mehrheit will Behördengänge online erledigen", {"bitkom"}, set(), {"surveys", "ozg", "eid"}),
        ("ozg-umsetzung-laender-melden-fortschritte", "2025-07-03", "OZG",
         "Länder melden Fortschritte bei EfA-Leistungen", {"fitko", "it-planungsrat"}, {"DE-HH", "DE-SH"}, {"ozg"}),
        ("schleswig-holstein-open-source-statt-lizenzvertraege", "2025-08-05T09:15:00+02:00", "Schleswig-Holstein",
         "Open Source statt Lizenzverträge", {"dataport", "zendis", "landesregierung-sh"}, {"DE-SH"},
         {"open-source", "digital-sovereignty", "staffing"}),
        ("mv-registermodernisierung-startet-in-rostock-und-schwerin", "2025-08-28", "Mecklenburg-Vorpommern",
         "Registermodernisierung startet in Rostock und Schwerin", {"mibd-mv"}, {"DE-MV"}, {"register-modernisation"}),
        ("zendis-opendesk-gewinnt-neue-pilotverwaltungen", "2025-09-25", "ZenDiS",
         "openDesk gewinnt neue Pilotverwaltungen", {"zendis"}, {"DE-TH", "DE-NI"},
         {"open-source", "digital-sovereignty"}),
        ("nrw-foerderprogramm-fuer-smart-cities", "2025-11-06", "NRW", "Förderprogramm für Smart Cities",
         set(), {"DE-NW"}, {"smart-city", "funding", "open-data"}),
    ],
)
def test_known_article(crawled_db, slug, published, kicker, title, actors, states, topics):
    db = sqlite_utils.Database(crawled_db)
    row = article(db, slug)
    assert row["published"] == published
    assert row["kicker"] == kicker
    assert row["title"] == title
    assert row["source_id"] == "kommune21"
    assert tag_ids(db, row["id"], "actor") == actors
    assert tag_ids(db, row["id"], "state") == states
    assert tag_ids(db, row["id"], "topic") == topics


def test_image_caption_and_credit(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    row = article(db, "osnabrueck-ki-sortiert-den-posteingang")
    assert row["image_caption"] == "Scanner in der Poststelle"
    assert row["image_credit"] == "Stadt Osnabrück"
    assert row["published"] == "2025-09-16T10:15:00+02:00"


def test_undated_articles_are_flagged_not_dated_today(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    for slug in ("interview-wie-kommunen-ki-sinnvoll-einsetzen", "kommentar-warum-die-verwaltung-mutiger-werden-muss"):
        row = article(db, slug)
        assert row["published"] is None
        assert row["date_missing"] == 1


def test_municipality_mentions_tag_their_land_as_derived(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    row = article(db, "mv-registermodernisierung-startet-in-rostock-und-schwerin")
    assert tag_ids(db, row["id"], "municipality") == {"13003", "13004"}


def test_actor_and_state_tags_match_the_hand_labels_on_every_article(crawled_db):
    """Actors and Länder are the filters policy staff rely on: every sample article must be exact."""
    db = sqlite_utils.Database(crawled_db)
    for entry in yaml.safe_load(CONTENT.read_text(encoding="utf-8")):
        row = article(db, entry["slug"])
        assert tag_ids(db, row["id"], "actor") == set(entry["expect"].get("actors", [])), entry["slug"]
        assert tag_ids(db, row["id"], "state") == set(entry["expect"].get("states", [])), entry["slug"]
