"""The evaluation (nlp/eval.py): tiny hand-made gold/prediction pairs whose P/R/F1 were computed by
hand, the baseline, the checks, the gold set's integrity, and the current tagger against its floors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from nlp.eval import (
    GoldError,
    GoldItem,
    Pred,
    evaluate,
    failed_checks,
    format_report,
    gold_parts,
    match,
    name_key,
    place_key,
    pred,
    predict_baseline,
    read_floors,
    score,
)
from nlp.taxonomy import DEFAULT_DIR, STATE_AGS, load_cached

GOLD = Path(__file__).resolve().parent / "gold"


@pytest.fixture(scope="module")
def taxonomy():
    return load_cached()


def item(actors=(), states=(), municipalities=(), topics=(), text="") -> GoldItem:
    return GoldItem("x1", "", "", text, {"actor": tuple(actors), "state": tuple(states),
                                          "municipality": tuple(municipalities), "topic": tuple(topics)})


def preds(**kinds) -> dict[str, list[Pred]]:
    return {k: kinds.get(k, []) for k in ("actor", "state", "municipality", "topic")}


def test_name_key_ignores_case_umlauts_punctuation_articles_and_legal_forms():
    assert name_key("Dataport AöR") == name_key("dataport") == "dataport"
    assert name_key("Bitkom e.V.") == name_key("Bitkom")
    assert name_key("Muster GmbH & Co. KG") == name_key("Muster")
    assert name_key("landesrechnungshof-mecklenburg-vorpommern") == name_key("Landesrechnungshof Mecklenburg-Vorpommern")
    assert name_key("Deutscher Städtetag") == "deutscher staedtetag"
    assert name_key("der Landkreistag") == name_key("Landkreistag")
    assert name_key("AG") == "ag"  # a name that is only a legal form stays


def test_place_key_equates_city_gemeinde_and_kreis_keys_and_verband_spellings():
    assert place_key("09761000") == place_key("09761") == "09761"
    assert place_key("03159016") == "03159016"
    assert place_key("01056:Pinnau") == place_key("01056:Amt Pinnau") == place_key("01056-pinnau") == "01056:pinnau"
    assert place_key("09771:Pöttmes (VGem)") == place_key("09771:Verwaltungsgemeinschaft Pöttmes")
    assert place_key("08325:VVG der Stadt Oberndorf am Neckar") == place_key("08325-oberndorf-am-neckar")
    assert place_key("14626:Weißer Schöps/Neiße") == place_key("14626-weisser-schoeps-neisse")


def test_every_prediction_counts_and_actors_match_by_name(taxonomy):
    gold = item(actors=["Deutscher Städte- und Gemeindebund | DStGB", "Landesrechnungshof Mecklenburg-Vorpommern",
                        "Bundesregierung"])
    guess = preds(actor=[
        pred("actor", "dstgb", "Deutscher Städte- und Gemeindebund", taxonomy),  # registered: by id/abbr/name
        pred("actor", "landesrechnungshof-mecklenburg-vorpommern", "Landesrechnungshof Mecklenburg-Vorpommern",
             taxonomy, discovered=True),  # discovered: by slug/canonical name
        pred("actor", "bmf", "Bundesministerium der Finanzen", taxonomy),  # no gold item uses it: still wrong
        pred("actor", "stadtwerke-kiel", "Stadtwerke Kiel", taxonomy, discovered=True),
    ])
    s = score([gold], [guess])
    # tp 2, fp 2, fn 1: P = 2/4, R = 2/3, F1 = 2·0.5·0.6667/1.1667 = 0.5714
    assert s.kinds["actor"].as_dict() == {"precision": 0.5, "recall": 0.6667, "f1": 0.5714, "tp": 2, "fp": 2, "fn": 1}
    assert (s.actor_predictions, s.discovered, s.discovered_correct) == (4, 2, 1)
    assert s.errors == [{"id": "x1", "kind": "actor", "missing": ["Bundesregierung"],
                         "extra": ["Bundesministerium der Finanzen", "Stadtwerke Kiel"]}]


def test_municipalities_states_and_topics_by_key():
    gold = item(municipalities=["09761", "01056:Pinnau", "03159016"], states=["DE-BY", "DE-SH"], topics=["ozg"])
    guess = preds(municipality=[pred("municipality", k) for k in ("09761000", "01056-amt-pinnau", "03241")],
                  state=[pred("state", "DE-BY")], topic=[pred("topic", "ozg"), pred("topic", "ai")])
    s = score([gold], [guess])
    # municipalities: tp 2, fp 1, fn 1 → P = R = F1 = 2/3
    assert s.kinds["municipality"].as_dict() == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667,
                                                 "tp": 2, "fp": 1, "fn": 1}
    # states: tp 1, fn 1 → P 1, R 0.5, F1 0.6667; topics: tp 1, fp 1 → P 0.5, R 1, F1 0.6667
    assert s.kinds["state"].as_dict()["f1"] == 0.6667 and s.kinds["state"].as_dict()["recall"] == 0.5
    assert s.kinds["topic"].as_dict()["precision"] == 0.5 and s.kinds["topic"].as_dict()["f1"] == 0.6667


def test_pairing_is_one_to_one_and_maximal(taxonomy):
    # a greedy pairing gives the first prediction to "Alpha | Gamma" and scores 1; the best pairing scores 2
    gold = [frozenset({"alpha", "gamma"}), frozenset({"gamma", "beta"})]
    assert match(gold, [frozenset({"gamma"}), frozenset({"alpha"})]) == [(0, 1), (1, 0)]
    # a registered actor and a discovered duplicate of it: one true, one false positive
    s = score([item(actors=["Bundesministerium des Innern | BMI"])],
              [preds(actor=[pred("actor", "bmi", "Bundesministerium des Innern", taxonomy),
                            pred("actor", "bundesministerium-des-innern", "Bundesministerium des Innern", taxonomy)])])
    assert (s.kinds["actor"].tp, s.kinds["actor"].fp, s.kinds["actor"].fn) == (1, 1, 0)


def test_an_item_without_labels_or_predictions_scores_nothing():
    s = score([item()], [preds()])
    assert all((c.tp, c.fp, c.fn) == (0, 0, 0) for c in s.kinds.values()) and s.errors == []


def test_baseline_is_the_bare_phrase_matcher_without_rules(taxonomy):
    texts = ["Die Kieler Straße bleibt gesperrt.", "Kiel investiert in Radwege.", "Sachsen-Anhalt baut aus."]
    kieler, kiel, anhalt = predict_baseline([item(text=t) for t in texts], taxonomy)
    assert "01002" in {p.id for p in kieler["municipality"]}  # no rule keeps a street out
    assert "DE-SH" in {p.id for p in kieler["state"]}  # with the Land derived, as the tagger does
    assert "ai" not in {p.id for p in kiel["topic"]}  # token matching: "KI" is not inside "Kiel"
    assert {"DE-ST", "DE-SN"} <= {p.id for p in anhalt["state"]}  # no longest-match rule


def test_failed_checks_name_floors_and_the_baseline():
    def row(tf1, bf1, n=1):
        return {"tagger": {"precision": tf1, "recall": tf1, "f1": tf1, "tp": n, "fp": 0, "fn": 0},
                "baseline": {"precision": bf1, "recall": bf1, "f1": bf1, "tp": n, "fp": 0, "fn": 0}}
    result = {"floors": {"dev": {"actor": {"f1": 0.9, "recall": 0.5}}},
              "parts": {"dev": {"kinds": {"actor": row(0.8, 0.5), "state": row(0.5, 0.6),
                                          "topic": row(1.0, 1.0, n=0)}}}}
    assert failed_checks(result) == ["dev actor f1 0.800 < floor 0.9", "dev state F1 0.500 not above baseline 0.600"]


def test_gold_parts_and_floors_files(tmp_path: Path):
    line = json.dumps({"id": "a", "title": "T", "labels": {"actors": ["X"]}})
    for part in ("dev", "test"):
        (tmp_path / part).mkdir()
        (tmp_path / part / "p.jsonl").write_text(line + "\n", encoding="utf-8")
    assert list(gold_parts(tmp_path)) == ["dev", "test"]
    assert list(gold_parts(tmp_path / "dev")) == ["dev"]  # a flat directory is one part
    assert read_floors(tmp_path) == {}
    (tmp_path / "floors.json").write_text('{"dev": {"actors": {"f1": 0.5}}}', encoding="utf-8")
    with pytest.raises(GoldError, match="floors.json: part 'dev'"):
        read_floors(tmp_path)
    (tmp_path / "dev" / "p.jsonl").write_text('{"id": "a", "labels": {"actors": [""]}}\n', encoding="utf-8")
    with pytest.raises(GoldError, match="p.jsonl:1: labels must be lists of non-empty strings"):
        gold_parts(tmp_path)


# --- the gold set itself ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def parts():
    return gold_parts(GOLD)


def test_gold_split_is_the_documented_one(parts):
    dev, test = parts["dev"], parts["test"]
    ids = [i.id for i in dev + test]
    assert len(ids) == len(set(ids))
    assert all(int(i.id[1:]) % 4 for i in dev if i.id.startswith("g"))
    assert {i.id[0] for i in dev} == {"g", "d"} and {i.id[0] for i in test} == {"g", "t"}
    legacy = [i for i in test if i.id.startswith("g")]
    assert legacy and all(int(i.id[1:]) % 4 == 0 for i in legacy)
    assert len([i for i in test if i.id.startswith("t")]) >= 120
    assert "before\nany tagger was run" in (GOLD / "README.md").read_text(encoding="utf-8")


def test_gold_labels_are_well_formed(parts, taxonomy):
    kreise = {row["AGS"] for row in csv.DictReader((DEFAULT_DIR / "data" / "kreise.csv").open(encoding="utf-8"),
                                                   delimiter=";")}
    land_of = {ags: land for land, ags in STATE_AGS.items()}
    topics = {e.id for e in taxonomy.of_kind("topic")}
    for it in parts["dev"] + parts["test"]:
        assert it.title and it.text, it.id
        assert set(it.labels["state"]) <= set(STATE_AGS), it.id
        for key in it.labels["municipality"]:
            assert re.fullmatch(r"\d{5}|\d{8}|\d{5}:\S.*", key), (it.id, key)
            assert key[:5] in kreise, (it.id, key)  # every key lies in a real Kreis
            assert land_of[key[:2]] in it.labels["state"], (it.id, key)  # derived Land listed
        assert set(it.labels["topic"]) <= topics, it.id
        assert "open-source" not in it.labels["topic"] or "digital-sovereignty" in it.labels["topic"], it.id
        keys = [frozenset(name_key(n) for n in a.split("|")) for a in it.labels["actor"]]
        assert all(k and "" not in k for k in keys), it.id
        assert not any(a & b for i, a in enumerate(keys) for b in keys[i + 1:]), it.id  # no actor twice


def test_the_current_tagger_holds_its_floors():
    result = evaluate(GOLD)
    assert result["floors"], "tests/gold/floors.json is missing"
    assert failed_checks(result) == [], format_report(result, show_errors=False)
