"""`affected_by_change`: which (kind, id) a taxonomy edit can re-tag."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp.changes import ALL, affected_by_change, fingerprints, search_terms
from nlp.taxonomy import DEFAULT_DIR, load_taxonomy


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "tax"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def edit(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_no_change_affects_nothing(copy):
    assert affected_by_change(DEFAULT_DIR, copy) == set()
    edit(copy, "actors.yaml", "# Actors:", "# Actors (comment only):")
    assert affected_by_change(DEFAULT_DIR, copy) == set()


def test_a_new_alias_affects_the_actor_and_its_competitors(copy):
    edit(copy, "actors.yaml", "    aliases: [Städtetag]", "    aliases: [Städtetag, Städtetage]")
    affected = affected_by_change(DEFAULT_DIR, copy)
    assert ("actor", "staedtetag") in affected
    assert ("actor", "staedtetag-nrw") in affected  # `Städtetag NRW` competes for the same words
    assert ("actor", "bitkom") not in affected
    assert "Städtetage" in search_terms(load_taxonomy(copy), affected)[("actor", "staedtetag")]


def test_a_child_topic_change_affects_its_parent(copy):
    edit(copy, "topics.yaml", "openDesk, Open CoDE", "openDesk, Sovereign Workplace, Open CoDE")
    affected = affected_by_change(DEFAULT_DIR, copy)
    assert {("topic", "open-source"), ("topic", "digital-sovereignty")} <= affected


def test_removed_entries_and_global_settings(copy):
    edit(copy, "actors.yaml", "  - id: ccc\n    name: Chaos Computer Club\n    abbr: [CCC]\n    kind: civil-society\n", "")
    assert ("actor", "ccc") in affected_by_change(DEFAULT_DIR, copy)
    edit(copy, "topics.yaml", "min_score: 0.45", "min_score: 0.5")
    assert affected_by_change(DEFAULT_DIR, copy) == {ALL}


def test_fingerprints_are_per_entry():
    prints = fingerprints(load_taxonomy())
    assert len(prints) == len(set(prints.values()))
