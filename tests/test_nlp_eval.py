"""The tagger against the hand-labelled gold set (tests/gold/*.jsonl): the goals of issue 7."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.eval import GOALS, evaluate, format_report, goals_met

GOLD = Path(__file__).resolve().parent / "gold"


@pytest.fixture(scope="module")
def result() -> dict:
    if not any(GOLD.glob("*.jsonl")):
        pytest.skip("no gold set yet")
    return evaluate(GOLD)


@pytest.mark.parametrize("kind", sorted(GOALS))
def test_f1_goal(result, kind):
    f1 = result["kinds"][kind]["tagger"]["f1"]
    assert f1 >= GOALS[kind], format_report(result)


@pytest.mark.parametrize("kind", ["actor", "state", "municipality", "topic"])
def test_above_the_naive_baseline(result, kind):
    k = result["kinds"][kind]
    assert k["tagger"]["f1"] > k["baseline"]["f1"]


def test_all_goals_met(result):
    assert goals_met(result) == []


def test_report_lists_every_gold_label(result):
    report = format_report(result, show_errors=False)
    for labels in result["labels"].values():
        for label in labels:
            assert label in report
