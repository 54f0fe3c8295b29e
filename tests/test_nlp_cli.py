"""`radar tag` and `radar eval` through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from nlp.taxonomy import DEFAULT_DIR
from radar.commands.tagging import eval_command, tag_command

GOLD_LINE = {"id": "t1", "title": "DStGB fordert Cybersicherheitsstrategie", "teaser": "",
             "text": "In Wiesbaden", "labels": {"actors": ["dstgb"], "states": ["DE-HE"],
                                                  "municipalities": ["06414"], "topics": ["cybersecurity"]}}


def test_tag_reads_json_lines_from_stdin():
    lines = [
        {"id": "a1", "title": "Hessen zieht Bilanz der OZG-Umsetzung", "teaser": "Hessens Digitalministerin in Fulda"},
        {"id": "a2", "title": "FC Bayern gewinnt", "text": "Bayern München siegt."},
    ]
    result = CliRunner().invoke(tag_command, [], input="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["id"] == "a1" and len(first["taxonomy_version"]) == 12
    assert {t["id"] for t in first["states"]} == {"DE-HE"}
    assert {t["id"] for t in first["topics"]} == {"ozg"}
    fulda = first["municipalities"][0]
    assert fulda == {"id": "06631", "label": "Landkreis Fulda", "mentions": 1, "evidence": "Fulda", "offset": 29,
                     "field": "teaser", "score": 0.4, "derived": False} or fulda["id"] == "06631009"
    assert second == {"id": "a2", "taxonomy_version": first["taxonomy_version"], "actors": [], "states": [],
                      "municipalities": [], "topics": []}


def test_tag_reads_plain_text_from_a_file_and_marks_derived_lands(tmp_path: Path):
    path = tmp_path / "article.txt"
    path.write_text("Dresdner Forderungen\nDer Deutsche Städtetag fordert mehr Geld.", encoding="utf-8")
    result = CliRunner().invoke(tag_command, [str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["states"] == [{"id": "DE-SN", "label": "Sachsen", "mentions": 1, "evidence": "Dresdner",
                                 "offset": 0, "field": "title", "score": 0.6, "derived": True}]
    assert [a["id"] for a in record["actors"]] == ["staedtetag"]


def test_tag_plain_flag_treats_a_json_looking_text_as_text():
    result = CliRunner().invoke(tag_command, ["--plain"], input='{"title": "Bitkom"}')
    assert result.exit_code == 0, result.output
    assert [a["id"] for a in json.loads(result.output)["actors"]] == ["bitkom"]


def test_tag_rejects_a_bad_json_line():
    result = CliRunner().invoke(tag_command, ["--jsonl"], input='{"title": "ok"}\n{broken\n')
    assert result.exit_code == 1
    assert result.output.strip() == "Error: line 2: invalid JSON (Expecting property name enclosed in double quotes)"


def test_a_bad_taxonomy_is_a_one_line_error(tmp_path: Path):
    copy = tmp_path / "tax"
    shutil.copytree(DEFAULT_DIR, copy)
    path = copy / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("parent: digital-sovereignty", "parent: nowhere"),
                    encoding="utf-8")
    result = CliRunner().invoke(tag_command, ["--taxonomy", str(copy)], input="Text")
    assert result.exit_code == 1
    assert result.output == "Error: topics.yaml: entry 'open-source': unknown parent 'nowhere'\n"


def test_eval_prints_a_report_and_json(tmp_path: Path):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "mini.jsonl").write_text(json.dumps(GOLD_LINE, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(eval_command, ["--gold", str(gold)])
    assert result.exit_code == 0, result.output
    assert "gold  actor" in result.output and "base F1" in result.output
    assert "discovered actors (gold): 0 of 1 actor predictions" in result.output
    result = CliRunner().invoke(eval_command, ["--gold", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["parts"]["gold"]["texts"] == 1 and data["parts"]["gold"]["kinds"]["actor"]["tagger"]["f1"] == 1.0
    # one easy text: the baseline finds the actor too, so --check reports "not above baseline"
    result = CliRunner().invoke(eval_command, ["--gold", str(gold), "--check", "--no-errors"])
    assert result.exit_code == 1
    assert "checks failed: gold actor F1 1.000 not above baseline 1.000" in result.output


def test_eval_scores_dev_and_test_and_checks_the_floors(tmp_path: Path):
    line = dict(GOLD_LINE, labels={**GOLD_LINE["labels"], "actors": ["Deutscher Städte- und Gemeindebund"],
                                   "topics": []})  # the topic the tagger finds is now a false positive
    for part in ("dev", "test"):
        (tmp_path / part).mkdir()
        (tmp_path / part / "p.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "floors.json").write_text('{"test": {"topic": {"precision": 0.5}}}', encoding="utf-8")
    result = CliRunner().invoke(eval_command, ["--gold", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "dev   topic" in result.output and "test  topic" in result.output
    assert "dev t1 topic: -[] +['cybersecurity']" in result.output  # dev mistakes are listed
    assert "test t1" not in result.output  # test mistakes only on request
    assert "test t1 topic" in CliRunner().invoke(eval_command, ["--gold", str(tmp_path), "--test-errors"]).output
    result = CliRunner().invoke(eval_command, ["--gold", str(tmp_path), "--check"])
    assert result.exit_code == 1
    assert "test topic precision 0.000 < floor 0.5" in result.output


def test_eval_reports_a_broken_gold_file(tmp_path: Path):
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "labels": {"people": []}}\n', encoding="utf-8")
    result = CliRunner().invoke(eval_command, ["--gold", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == "Error: bad.jsonl:1: unknown label kind 'people'\n"


def test_eval_reports_a_broken_floors_file_in_one_line(tmp_path: Path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "p.jsonl").write_text(json.dumps(GOLD_LINE) + "\n", encoding="utf-8")
    (tmp_path / "floors.json").write_text('{"dev": {"actor": {"f1": 0.5},}}', encoding="utf-8")
    result = CliRunner().invoke(eval_command, ["--gold", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: floors.json:1: invalid JSON") and result.output.count("\n") == 1
