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
