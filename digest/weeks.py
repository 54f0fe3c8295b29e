"""ISO weeks as the archive stores them (`2025-W39`), German dates, and when a digest is due."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(week: str) -> tuple[int, int]:
    """`2025-W39` → (2025, 39), or ValueError with the expected form."""
    match = WEEK_RE.match(week or "")
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
            return year, number
        except ValueError:
            pass
    raise ValueError(f"{week!r} is not an ISO week such as 2025-W39")


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_monday(week: str) -> date:
    year, number = parse_week(week)
    return date.fromisocalendar(year, number, 1)


def previous_week(week: str) -> str:
    return week_of(week_monday(week) - timedelta(days=7))


def last_complete_week(today: date) -> str:
    """The ISO week before the one `today` falls in: the default week of `radar digest`."""
    return week_of(today - timedelta(days=7))


def due_date(week: str, weekday: int) -> date:
    """The digest for `week` is due on `weekday` (1 = Monday) of the following week."""
    return week_monday(week) + timedelta(days=6 + weekday)


def format_date_de(value: str | date | None) -> str:
    """`2025-09-29` or `2025-09-29T10:00:00+02:00` → `29.09.2025`; '' when unknown."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d.%m.%Y")


def week_label_de(week: str) -> str:
    """`2025-W39` → `KW 39/2025`."""
    year, number = parse_week(week)
    return f"KW {number}/{year}"


def week_range_de(week: str) -> str:
    """`2025-W39` → `22.09.–28.09.2025`."""
    monday = week_monday(week)
    sunday = monday + timedelta(days=6)
    start = monday.strftime("%d.%m." if monday.year == sunday.year else "%d.%m.%Y")
    return f"{start}–{sunday.strftime('%d.%m.%Y')}"
