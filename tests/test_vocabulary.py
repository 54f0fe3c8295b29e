"""One vocabulary: taxonomy labels for every tag kind, and helpful errors for unknown ids."""

from __future__ import annotations

from digest.vocabulary import Vocabulary
from nlp.vocabulary import KIND_NAMES, label, labels, unknown


def test_labels_come_from_the_taxonomy():
    assert label("topic", "funding") == "Finanzierung und Förderung"
    assert label("state", "DE-HE") == "Hessen"
    assert label("place", "06414") == label("municipality", "06414") == "Wiesbaden"
    assert label("topic", "retired-topic", "Altes Thema") == "Altes Thema"
    assert label("topic", "retired-topic") == "retired-topic"
    assert labels("state")["DE-BB"] == "Brandenburg"
    assert KIND_NAMES["state"] == ("Land", "Länder")


def test_mail_and_web_share_the_labels():
    vocab = Vocabulary()
    for kind in ("topic", "actor", "state"):
        for value, text in labels(kind).items():
            assert vocab.label(kind, value) == text


def test_unknown_ids_suggest_the_right_one():
    topics = labels("topic")
    assert unknown("topic", "ozg", topics) is None
    assert unknown("topic", "OZG", topics) == "unknown topic 'OZG' (did you mean ozg?)"
    assert unknown("state", "Hessen", labels("state")) == "unknown state 'Hessen' (did you mean DE-HE?)"
    assert unknown("topic", "zzzz", topics) == "unknown topic 'zzzz'"


def test_labels_follow_an_edited_taxonomy(tmp_path, monkeypatch):
    """labels(kind) is made once per taxonomy (listing a kind walks every entry) and made anew
    when the taxonomy files change."""
    import shutil

    import nlp.vocabulary as vocabulary
    from nlp.taxonomy import DEFAULT_DIR, load_cached

    copy = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, copy)
    monkeypatch.setattr(vocabulary, "_recent", [])
    monkeypatch.setattr(vocabulary, "_by_kind", {})
    monkeypatch.setattr(vocabulary, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(vocabulary, "load_cached", lambda: load_cached(copy))
    before = labels("topic")
    assert before["funding"] == "Finanzierung und Förderung" and labels("topic") is before
    topics = copy / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("Finanzierung und Förderung", "Förderprogramme"),
                      encoding="utf-8")
    assert labels("topic")["funding"] == "Förderprogramme" == label("topic", "funding")
