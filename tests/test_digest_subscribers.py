"""Subscribers: validation with helpful errors, and `radar subscribers add|list|remove|import`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.digest_store import DigestStore
from db.private import private_path
from digest.subscribers import Subscriber, SubscriberError, parse_weekday, validate, validate_all
from digest.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent


def radar(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radar", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_validate_normalises_and_accepts_known_ids():
    subscriber = validate({"email": " Anna.Berg@Example.ORG ", "name": "Anna Berg", "topics": "ozg; ai, ozg",
                           "states": ["de-he"], "actors": ["Bitkom"], "sources": "kommune21",
                           "search": "  Online-Ausweis   Kommune ", "weekday": "Mittwoch", "send_empty": "ja"},
                          Vocabulary())
    assert subscriber == Subscriber(email="anna.berg@example.org", name="Anna Berg", topics=("ozg", "ai"),
                                    actors=("bitkom",), states=("DE-HE",), sources=("kommune21",),
                                    search="Online-Ausweis Kommune", weekday=3, send_empty=True)


def test_validate_lists_every_problem_with_suggestions():
    with pytest.raises(SubscriberError) as caught:
        validate({"email": "not-an-address", "name": "A\nB", "topics": ["ozgg"], "actors": ["Bit Kom"],
                  "states": ["DE-XY"], "weekday": 8, "send_empty": "vielleicht", "colour": "blue"}, Vocabulary())
    text = str(caught.value)
    assert "unknown field(s): colour" in text
    assert "email 'not-an-address' is not a valid address" in text
    assert "name contains control characters" in text
    assert "unknown id 'ozgg' (did you mean ozg?)" in text
    assert "'bit kom' is not a well-formed id" in text
    assert "'DE-XY' is not a Land code" in text
    assert "weekday 8" in text and "send_empty 'vielleicht'" in text


def test_search_without_a_word_is_rejected():
    with pytest.raises(SubscriberError, match="search 'und die' finds nothing: Common words are not searched"):
        validate({"email": "a@example.org", "search": "und die"}, Vocabulary())


@pytest.mark.parametrize("value,number", [(1, 1), ("7", 7), ("mo", 1), ("Di.", 2), ("wednesday", 3),
                                          ("Donnerstag", 4), ("fri", 5), ("sa", 6), ("So", 7)])
def test_weekday_names(value, number):
    assert parse_weekday(value) == number


def test_vocabulary_learns_ids_from_the_archive(tmp_path):
    from db.store import ArchiveWriter
    from digest.testing import article, tag

    writer = ArchiveWriter(str(tmp_path / "a.db"))
    writer.upsert_articles([article(1, "2025-09-22", tags=[tag("topic", "quantum", "Quantencomputing"),
                                                            tag("actor", "new-agency", "Neue Agentur")])])
    vocab = Vocabulary.from_db(writer.db)
    subscriber = validate({"email": "a@example.org", "topics": ["quantum"], "actors": ["new-agency"]}, vocab)
    assert subscriber.describe(vocab) == "Thema: Quantencomputing · Akteur: Neue Agentur"


def test_validate_all_rejects_duplicates_and_names_rows():
    rows = [{"email": "a@example.org"}, {"email": "b@example.org", "topics": "nope"}, {"email": "A@example.org"}]
    with pytest.raises(SubscriberError) as caught:
        validate_all(rows, Vocabulary(), where="staff.csv row")
    assert str(caught.value).splitlines() == [
        "staff.csv row 2: topics: unknown id 'nope'",
        "staff.csv row 3: a@example.org already appears in staff.csv row 1",
    ]


def test_cli_add_list_remove(tmp_path):
    db = str(tmp_path / "radar.db")
    added = radar("subscribers", "add", "Anna@Example.org", "--name", "Anna Berg", "--topic", "ozg",
                  "--topic", "ai", "--state", "DE-HE", "--weekday", "mi", "--send-empty", "--db", db)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "subscribed anna@example.org: Themen: Onlinezugangsgesetz (OZG), Künstliche Intelligenz · Land: Hessen"

    again = radar("subscribers", "add", "anna@example.org", "--db", db)
    assert again.returncode == 2
    assert again.stderr.strip() == "Error: anna@example.org is already subscribed (use --replace to overwrite)"

    bad = radar("subscribers", "add", "b@example.org", "--topic", "cyber", "--db", db)
    assert bad.returncode == 2 and "unknown id 'cyber'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1

    listed = radar("subscribers", "list", "--db", db)
    assert listed.stdout.strip() == ("anna@example.org (Anna Berg) · Mittwoch · sends 'nothing new' · "
                                     "Themen: Onlinezugangsgesetz (OZG), Künstliche Intelligenz · Land: Hessen")
    as_json = json.loads(radar("subscribers", "list", "--json", "--db", db).stdout)
    assert as_json["topics"] == ["ozg", "ai"] and as_json["weekday"] == 3 and as_json["send_empty"] is True

    replaced = radar("subscribers", "add", "anna@example.org", "--actor", "bitkom", "--replace", "--db", db)
    assert replaced.returncode == 0
    assert DigestStore(private_path(db)).get_subscriber("anna@example.org")["topics"] == []

    removed = radar("subscribers", "remove", "ANNA@example.org", "nobody@example.org", "--db", db)
    assert "removed anna@example.org" in removed.stdout
    assert removed.returncode == 2 and "not subscribed: nobody@example.org" in removed.stderr
    assert DigestStore(private_path(db)).list_subscribers() == []


def test_cli_import_is_all_or_nothing(tmp_path):
    db = str(tmp_path / "radar.db")
    good = tmp_path / "staff.csv"
    good.write_text(
        "email,name,topics,actors,states,sources,search,weekday,send_empty\n"
        "anna@example.org,Anna Berg,ozg;ai,,DE-HE,,,mo,ja\n"
        "bob@example.org,Bob,,bitkom,,egov,Glasfaser,fr,\n",
        encoding="utf-8",
    )
    imported = radar("subscribers", "import", str(good), "--db", db)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "imported 2 subscriber(s): 2 new, 0 updated"
    bob = DigestStore(private_path(db)).get_subscriber("bob@example.org")
    assert bob["search"] == "Glasfaser" and bob["weekday"] == 5 and bob["sources"] == ["egov"]

    bad = tmp_path / "more.jsonl"
    bad.write_text(json.dumps({"email": "carl@example.org"}) + "\n"
                   + json.dumps({"email": "anna@example.org", "states": ["Hessen"]}) + "\n", encoding="utf-8")
    refused = radar("subscribers", "import", str(bad), "--db", db)
    assert refused.returncode == 2
    assert "more.jsonl line 2: states: 'HESSEN' is not a Land code" in refused.stderr
    assert {row["email"] for row in DigestStore(private_path(db)).list_subscribers()} == {"anna@example.org", "bob@example.org"}

    fixed = tmp_path / "more.json"
    fixed.write_text(json.dumps([{"email": "carl@example.org"}, {"email": "anna@example.org", "states": ["DE-BY"]}]))
    assert radar("subscribers", "import", str(fixed), "--db", db).stdout.strip() == (
        "imported 2 subscriber(s): 1 new, 1 updated")
    assert DigestStore(private_path(db)).get_subscriber("anna@example.org")["states"] == ["DE-BY"]
