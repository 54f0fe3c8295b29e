"""The page „Trends“: zero-filled weekly series with labels, the rising tags, the same data as CSV/JSON."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from test_publish_datasette import build_archive, get, make_ds

from publish.chart import PALETTE, nice_step
from publish.trends import weeks_between


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return make_ds(build_archive(tmp_path_factory.mktemp("trends") / "radar.db"))


def test_weeks_between_is_contiguous_across_the_year_end():
    weeks = weeks_between(date(2020, 12, 20), date(2021, 1, 12))
    assert weeks == ["2020-W51", "2020-W52", "2020-W53", "2021-W01", "2021-W02"]
    assert [nice_step(n) for n in (0, 3, 7, 40, 240)] == [1, 1, 2, 10, 50]
    assert len(set(PALETTE)) == len(PALETTE) == 10


def test_json_has_every_week_with_zeros_and_labels(ds):
    data = get(ds, "/radar/-/trends.json?kind=topic&weeks=26").json()
    weeks = data["weeks"]
    assert len(weeks) == 26 and weeks[-1] == "2025-W40"
    mondays = [date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in weeks]
    assert all(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False))
    cyber = next(s for s in data["series"] if s["value"] == "cybersecurity")
    assert cyber["label"] == "Cybersicherheit"
    assert cyber["counts"][weeks.index("2025-W33")] == 1 and cyber["counts"][weeks.index("2025-W40")] == 2
    assert sum(cyber["counts"]) == 3 and cyber["counts"].count(0) == 24
    assert data["series"][0]["value"] == "cybersecurity"  # the biggest first
    assert [r["value"] for r in data["rising"]][:1] == ["cybersecurity"]


def test_a_period_typed_as_weeks_and_the_lands(ds):
    data = get(ds, "/radar/-/trends.json?kind=state&since=KW+33/2025&until=2025-W40").json()
    assert data["weeks"][0] == "2025-W33" and data["weeks"][-1] == "2025-W40" and len(data["weeks"]) == 8
    assert {s["label"] for s in data["series"]} == {"Bayern", "Hessen"}


def test_csv_for_excel_with_zero_rows(ds):
    response = get(ds, "/radar/-/trends.csv?kind=actor&weeks=12")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffKalenderwoche;Wochenbeginn;ID des Tags;Bezeichnung;Meldungen")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert len(rows) == 12 * len({r["ID des Tags"] for r in rows})
    assert any(r["Meldungen"] == "0" for r in rows) and rows[0]["Wochenbeginn"].count(".") == 2


def test_page_draws_a_line_per_series_down_to_zero(ds):
    page = get(ds, "/radar/-/trends?kind=topic&weeks=12").text
    assert "<h1>Trends</h1>" in page and "<svg" in page
    series = page.count('<g class="series"')
    assert series >= 3 and page.count("<polyline") == series
    assert 'data-value="0"' in page and "Cybersicherheit, KW 40/2025: 2 Meldungen" in page
    assert 'href="/radar/-/search?topic=cybersecurity&amp;since=' in page
    assert "Im Aufwind" in page and "vehicle-registration" not in page.split("<svg")[1].split("</svg>")[0]
