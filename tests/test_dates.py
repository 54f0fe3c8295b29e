"""The one parser for typed dates and weeks (db/dates.py): every accepted form, and clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from db.dates import DateError, format_date_de, iso_week, parse_period, parse_since, parse_until

TODAY = date(2025, 10, 15)  # a Wednesday in KW 42/2025


@pytest.mark.parametrize("text", ["01.06.2025", "1.6.2025", "2025-06-01", " 2025-06-01 "])
def test_days_in_german_and_iso_form(text):
    assert parse_period(text) == parse_period("2025-06-01")
    assert parse_since(text) == parse_until(text) == date(2025, 6, 1)


@pytest.mark.parametrize("text", ["2025-W39", "2025W39", "KW 39/2025", "KW39/2025", "kw39 2025", "KW 39", "KW39", "W39"])
def test_weeks_in_every_form(text):
    assert iso_week(text, today=TODAY) == "2025-W39"
    period = parse_period(text, today=TODAY)
    assert (period.start, period.end, period.kind) == (date(2025, 9, 22), date(2025, 9, 28), "week")


def test_a_week_without_year_is_the_latest_that_has_begun():
    assert iso_week("KW 50", today=TODAY) == "2024-W50"
    assert iso_week("KW 42", today=TODAY) == "2025-W42"
    assert iso_week("KW 53", today=date(2021, 1, 2)) == "2020-W53"
    with pytest.raises(DateError):  # neither 2025 nor 2024 has a week 53
        iso_week("KW 53", today=TODAY)


def test_week_53_only_where_it_exists():
    assert iso_week("2020-W53") == "2020-W53"
    with pytest.raises(DateError, match="not a calendar week"):
        iso_week("2025-W53")


def test_months_and_years_are_periods():
    assert parse_period("2025-02") == parse_period("02.2025")
    assert (parse_since("2025-02"), parse_until("2025-02")) == (date(2025, 2, 1), date(2025, 2, 28))
    assert (parse_since("2024"), parse_until("2024")) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize("text", ["2025-13-45", "31.02.2025", "gestern", "2025-39", "KW 60/2025", "", "01/06/2025"])
def test_malformed_input_is_rejected_with_the_forms(text):
    with pytest.raises(DateError) as info:
        parse_period(text)
    assert "TT.MM.JJJJ" in str(info.value) or "calendar week" in str(info.value)


def test_dates_on_screen():
    assert format_date_de("2025-09-29T10:00:00+02:00") == "29.09.2025"
    assert format_date_de(date(2025, 1, 2)) == "02.01.2025"
    assert format_date_de(None) == format_date_de("kaputt") == ""
