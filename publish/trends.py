"""Trends: articles per ISO week per topic, actor or Land, zero-filled, and the rising ones.

`weekly_counts` reads one period from the archive (tags × articles.week); `series` fills every week
of the period (a week without articles is a 0, not a gap) and keeps the biggest series;
`rising` compares the last four weeks with the twelve before (articles per week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from db.dates import week_label_de
from nlp.vocabulary import label

KINDS = {"topic": "Themen", "actor": "Akteure", "state": "Länder"}
MAX_SERIES = 8
RECENT_WEEKS = 4
BEFORE_WEEKS = 12

# From the articles of the period (published index) into tags through its primary key: CROSS JOIN
# keeps that order (driven from the tags' kind index, SQLite would read every tag of the kind).
COUNTS_SQL = """SELECT a.week, t.value, max(t.label) AS label, count(*) AS n
FROM articles a CROSS JOIN tags t ON t.article_id = a.id AND t.kind = :kind
WHERE a.published >= :since AND a.published < date(:until, '+1 day') AND a.week IS NOT NULL
GROUP BY a.week, t.value"""
LATEST_SQL = "SELECT max(published) FROM articles WHERE published IS NOT NULL"


@dataclass
class Series:
    value: str
    label: str
    counts: list[int]  # one per week of the period, oldest first

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Rising:
    value: str
    label: str
    recent: int  # articles in the last RECENT_WEEKS weeks
    before: int  # articles in the BEFORE_WEEKS weeks before

    @property
    def change(self) -> float:
        """Articles per week now minus articles per week before."""
        return self.recent / RECENT_WEEKS - self.before / BEFORE_WEEKS


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(start: date, end: date) -> list[str]:
    """Every ISO week from the one of `start` to the one of `end`, oldest first."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(iso_week(monday))
        monday += timedelta(days=7)
    return weeks


def week_monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def latest_day(conn) -> date | None:
    value = conn.execute(LATEST_SQL).fetchone()[0]
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def weekly_counts(conn, kind: str, since: date, until: date) -> dict[str, dict[str, int]]:
    """{value: {week: articles}} for one tag kind and period; labels in `labels_seen`."""
    counts: dict[str, dict[str, int]] = {}
    for week, value, _label, n in conn.execute(COUNTS_SQL, {"kind": kind, "since": since.isoformat(), "until": until.isoformat()}):
        counts.setdefault(value, {})[week] = n
    return counts


def series(counts: dict[str, dict[str, int]], weeks: list[str], kind: str, chosen: list[str] | None = None,
           limit: int = MAX_SERIES) -> list[Series]:
    """Zero-filled series, the chosen values or else the `limit` biggest, biggest first."""
    values = [v for v in (chosen or []) if v in counts] or sorted(
        counts, key=lambda v: (-sum(counts[v].values()), label(kind, v)))[:limit]
    return [Series(v, label(kind, v), [counts[v].get(week, 0) for week in weeks]) for v in values]


def rising(conn, kind: str, end: date, limit: int = 5) -> list[Rising]:
    """The values with the biggest rise in articles per week: the last RECENT_WEEKS weeks (ending
    with the week of `end`) against the BEFORE_WEEKS weeks before them."""
    weeks = weeks_between(end - timedelta(weeks=RECENT_WEEKS + BEFORE_WEEKS - 1), end)
    recent_weeks = set(weeks[-RECENT_WEEKS:])
    counts = weekly_counts(conn, kind, week_monday(weeks[0]), week_monday(weeks[-1]) + timedelta(days=6))
    found = []
    for value, by_week in counts.items():
        recent = sum(n for week, n in by_week.items() if week in recent_weeks)
        before = sum(n for week, n in by_week.items() if week not in recent_weeks)
        item = Rising(value, label(kind, value), recent, before)
        if recent >= 2 and item.change > 0:
            found.append(item)
    found.sort(key=lambda item: (-item.change, -item.recent, item.label))
    return found[:limit]


def rows(weeks: list[str], all_series: list[Series]) -> list[dict]:
    """The chart's data as rows (CSV/JSON): one per week and value, zeros included."""
    return [
        {"week": week, "week_start": week_monday(week).isoformat(), "value": s.value, "label": s.label,
         "articles": s.counts[i]}
        for s in all_series for i, week in enumerate(weeks)
    ]


def week_tick(week: str) -> str:
    """`2025-W39` → `KW 39` (the year where it starts)."""
    text = week_label_de(week)
    return text if week.endswith("-W01") else text.split("/")[0]
