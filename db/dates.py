"""Dates and weeks as people type them, and as the archive stores them.

One parser for every place a date or a week is typed — CLI options, the search page's von/bis
fields, canned-query parameters: `01.06.2025`, `1.6.2025`, `2025-06-01`, a month (`2025-06`,
`06.2025`), a year (`2025`), or an ISO/German calendar week (`2025-W39`, `KW 39`, `KW39/2025`,
`KW 39 2025`). The archive keeps ISO forms (`2025-06-01`, `2025-W39`); screens show `TT.MM.JJJJ`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DE_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DE_MONTH = re.compile(r"^(\d{1,2})[./](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_KW = re.compile(r"^(?:KW|W)\s*(\d{1,2})(?:\s*[/ ]\s*(\d{4}))?$", re.IGNORECASE)

DATE_FORMS = "TT.MM.JJJJ, JJJJ-MM-TT or a week such as KW 39/2025"
WEEK_FORMS = "2025-W39, KW 39, KW39/2025"


class DateError(ValueError):
    """Text that is no date or week in any accepted form (the message names the forms)."""


@dataclass(frozen=True)
class Period:
    """A typed day, week, month or year: its first and last day."""

    start: date
    end: date
    kind: str  # day | week | month | year


def _day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{text!r} is not a valid date ({DATE_FORMS})") from None


def _week_monday(year: int, week: int, text: str) -> date:
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise DateError(f"{text!r} is not a calendar week ({WEEK_FORMS})") from None


def _week_without_year(week: int, today: date, text: str) -> date:
    """`KW 39` alone: the latest week 39 that has begun (this year's, else last year's)."""
    try:
        monday = _week_monday(today.year, week, text)
    except DateError:  # no week 53 this year
        return _week_monday(today.year - 1, week, text)
    return monday if monday <= today else _week_monday(today.year - 1, week, text)


def parse_week(text: str | None, today: date | None = None) -> tuple[int, int]:
    """`2025-W39`, `KW 39/2025`, `KW39`, `W39` → (ISO year, week); DateError otherwise."""
    value = (text or "").strip()
    match = _ISO_WEEK.match(value)
    if match:
        monday = _week_monday(int(match.group(1)), int(match.group(2)), value)
    else:
        match = _KW.match(value)
        if not match:
            raise DateError(f"{value!r} is not a calendar week ({WEEK_FORMS})")
        number = int(match.group(1))
        if match.group(2):
            monday = _week_monday(int(match.group(2)), number, value)
        else:
            monday = _week_without_year(number, today or date.today(), value)
    year, week, _ = monday.isocalendar()
    return year, week


def iso_week(text: str | None, today: date | None = None) -> str:
    """Any accepted week form → `2025-W39` (the form the archive and URLs use)."""
    year, week = parse_week(text, today)
    return f"{year}-W{week:02d}"


def parse_period(text: str | None, today: date | None = None) -> Period:
    """A typed day, week, month or year → its Period; DateError with the accepted forms otherwise."""
    value = (text or "").strip()
    if not value:
        raise DateError(f"no date given ({DATE_FORMS})")
    for pattern, order in ((_ISO_DAY, (1, 2, 3)), (_DE_DAY, (3, 2, 1))):
        match = pattern.match(value)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            day_ = _day(year, month, day, value)
            return Period(day_, day_, "day")
    for pattern, (y, m) in ((_ISO_MONTH, (1, 2)), (_DE_MONTH, (2, 1))):
        match = pattern.match(value)
        if match:
            year, month = int(match.group(y)), int(match.group(m))
            first = _day(year, month, 1, value)
            return Period(first, first.replace(day=calendar.monthrange(year, month)[1]), "month")
    match = _YEAR.match(value)
    if match:
        year = int(match.group(1))
        return Period(date(year, 1, 1), date(year, 12, 31), "year")
    if _ISO_WEEK.match(value) or _KW.match(value):
        year, week = parse_week(value, today)
        monday = date.fromisocalendar(year, week, 1)
        return Period(monday, monday + timedelta(days=6), "week")
    raise DateError(f"{value!r} is not a date ({DATE_FORMS})")


def parse_since(text: str | None, today: date | None = None) -> date:
    """The first day of what was typed (`von`, `--since`)."""
    return parse_period(text, today).start


def parse_until(text: str | None, today: date | None = None) -> date:
    """The last day of what was typed (`bis`, `--until`): `KW 39` ends on its Sunday."""
    return parse_period(text, today).end


def format_date_de(value: str | date | None) -> str:
    """`2025-09-29` or `2025-09-29T10:00:00+02:00` → `29.09.2025`; '' when unknown or malformed."""
    if not value:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return ""


def week_label_de(week: str) -> str:
    """`2025-W39` → `KW 39/2025`."""
    year, number = parse_week(week)
    return f"KW {number}/{year}"
