"""ISO weeks as the archive stores them (`2025-W39`), German dates, and when a digest is due."""

from __future__ import annotations

from datetime import date, timedelta

# One parser and one date format for CLI, web, mail and exports (db/dates.py); re-exported here.
from db.dates import format_date_de, parse_week, week_label_de

__all__ = ["format_date_de", "parse_week", "week_label_de", "week_of", "week_monday", "previous_week",
           "last_complete_week", "due_date", "week_range_de"]


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


def week_range_de(week: str) -> str:
    """`2025-W39` → `22.09.–28.09.2025`."""
    monday = week_monday(week)
    sunday = monday + timedelta(days=6)
    start = monday.strftime("%d.%m." if monday.year == sunday.year else "%d.%m.%Y")
    return f"{start}–{sunday.strftime('%d.%m.%Y')}"
