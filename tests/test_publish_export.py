"""Exports staff can open (German Excel CSV, XLSX) and `radar export` refusing bad input (exit 2)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from test_publish_datasette import ITEMS, build_archive

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("export") / "radar.db")


def radar_export(archive: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radar", "export", "--db", str(archive), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_csv_opens_in_german_excel(archive, tmp_path):
    out = tmp_path / "cyber.csv"
    done = radar_export(archive, "--format", "csv", "--topic", "cybersecurity", "--since", "01.09.2025", "-o", str(out))
    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["ID", "Datum", "Monat"] and {"Titel", "Themen", "Akteure", "Länder", "Orte", "Text"} <= set(header)
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    first = next(r for r in records if r["ID"] == "1")
    assert first["Datum"] == "29.09.2025"
    assert first["Themen"] == "Cybersicherheit"
    assert first["Akteure"] == "Deutscher Städte- und Gemeindebund"  # the taxonomy's label, not the id
    assert first["Orte"] == "Wiesbaden" and first["Länder"] == "Hessen"
    assert {r["ID"] for r in records} == {"1", "5"}


def test_xlsx_has_the_same_rows_with_real_dates(archive, tmp_path):
    from datetime import datetime

    from openpyxl import load_workbook

    out = tmp_path / "alle.xlsx"
    done = radar_export(archive, "--format", "xlsx", "--no-body", "-o", str(out))
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out).active
    values = list(sheet.values)
    header = list(values[0])
    assert header[:2] == ["ID", "Datum"] and len(values) == len(ITEMS) + 1
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in values[1:]}
    assert by_id[2]["Datum"] == datetime(2025, 7, 15) and by_id[2]["Themen"] == "Onlinezugangsgesetz (OZG)"
    assert sheet.cell(row=2, column=2).number_format == "DD.MM.YYYY"


@pytest.mark.parametrize("args, message", [
    (["--topic", "OZG"], "unknown topic 'OZG' (did you mean ozg?)"),
    (["--state", "Hessen"], "unknown state 'Hessen' (did you mean DE-HE?)"),
    (["--actor", "dstgbb"], "unknown actor 'dstgbb' (did you mean dstgb"),
    (["--since", "2025-13-45"], "--since: '2025-13-45' is not a valid date"),
    (["--until", "gestern"], "--until: 'gestern' is not a date"),
    (["--since", "01.10.2025", "--until", "KW 39/2025"], "--since 01.10.2025 is after --until KW 39/2025"),
])
def test_bad_input_is_one_line_and_exit_2(archive, tmp_path, args, message):
    out = tmp_path / "x.csv"
    done = radar_export(archive, "--format", "csv", "-o", str(out), *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("since", ["01.06.2025", "2025-06-01", "KW 23/2025", "2025-W23"])
def test_since_in_every_form(archive, since):
    done = radar_export(archive, "--format", "json", "--no-body", "--since", since, "--until", "15.07.2025")
    assert done.returncode == 0, done.stderr
    import json

    assert {row["id"] for row in json.loads(done.stdout)} == {2, 6}


def test_tag_tables_name_kinds_in_german(archive, tmp_path):
    out = tmp_path / "tags.csv"
    done = radar_export(archive, "--format", "csv", "--table", "tag_counts", "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert {row["Art"] for row in rows} == {"Thema", "Akteur", "Land", "Ort"}
    assert "Neueste Meldung" in rows[0] and rows[0]["Neueste Meldung"].count(".") == 2
