"""The week in numbers: articles per topic, actor and Land this week against last week, and the
rising topics. Computed once per week for the whole archive; each mail shows the top rows plus the
rows of the subscriber's own filters.

Counts are distinct articles (not mentions), without articles marked `duplicate_of`; a Land counts
articles tagged with it directly or through one of its municipalities (`derived`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from digest.subscribers import Subscriber
from digest.vocabulary import Vocabulary
from digest.weeks import previous_week

# A topic is "rising" when all three hold; together they keep 1 → 2 noise out of the list.
RISING_MIN_COUNT = 3  # at least this many articles this week
RISING_MIN_DELTA = 2  # at least this many more than last week
RISING_MIN_RATIO = 1.5  # and at least 50 % more than last week (any count ≥ minimum if last week was 0)
RISING_LIMIT = 5  # shown at most

TOP_ROWS = 8  # rows per kind in each mail, before the subscriber's own filter values are added

KINDS = ("topic", "actor", "state")


@dataclass(frozen=True)
class Row:
    kind: str
    value: str
    label: str
    this_week: int
    last_week: int

    @property
    def delta(self) -> int:
        return self.this_week - self.last_week

    @property
    def delta_text(self) -> str:
        return f"+{self.delta}" if self.delta > 0 else ("±0" if self.delta == 0 else f"−{-self.delta}")


@dataclass
class WeekSummary:
    week: str
    last_week: str
    total_this: int
    total_last: int
    rows: dict[str, list[Row]] = field(default_factory=dict)  # kind → rows, most articles first
    rising: list[Row] = field(default_factory=list)

    def view(self, subscriber: Subscriber, limit: int = TOP_ROWS) -> dict[str, list[tuple[Row, bool]]]:
        """kind → (row, is one of the subscriber's filters): the top rows plus the subscriber's."""
        own = {"topic": set(subscriber.topics), "actor": set(subscriber.actors), "state": set(subscriber.states)}
        out: dict[str, list[tuple[Row, bool]]] = {}
        for kind in KINDS:
            rows = self.rows.get(kind, [])
            shown = [row for i, row in enumerate(rows) if i < limit or row.value in own[kind]]
            out[kind] = [(row, row.value in own[kind]) for row in shown]
        return out


def summarise(db: Database, week: str, vocab: Vocabulary) -> WeekSummary:
    last = previous_week(week)
    totals = {
        row["week"]: row["n"]
        for row in db.query(
            "select week, count(*) as n from articles where week in (?, ?) and duplicate_of is null group by week",
            [week, last],
        )
    }
    counts: dict[tuple[str, str], list[int]] = {}
    for row in db.query(
        """select t.kind, t.value, a.week, count(distinct a.id) as n
           from articles a join tags t on t.article_id = a.id
           where a.week in (?, ?) and a.duplicate_of is null and t.kind in ('topic', 'actor', 'state')
           group by t.kind, t.value, a.week""",
        [week, last],
    ):
        pair = counts.setdefault((row["kind"], row["value"]), [0, 0])
        pair[0 if row["week"] == week else 1] = row["n"]
    summary = WeekSummary(week, last, totals.get(week, 0), totals.get(last, 0))
    for kind in KINDS:
        rows = [Row(kind, value, vocab.label(kind, value), this, before)
                for (k, value), (this, before) in counts.items() if k == kind and (this or before)]
        rows.sort(key=lambda r: (-r.this_week, -r.delta, r.label.lower()))
        summary.rows[kind] = rows
    summary.rising = sorted(
        (row for row in summary.rows["topic"] if is_rising(row.this_week, row.last_week)),
        key=lambda r: (-r.delta, -r.this_week, r.label.lower()),
    )[:RISING_LIMIT]
    return summary


def is_rising(this_week: int, last_week: int) -> bool:
    return (
        this_week >= RISING_MIN_COUNT
        and this_week - last_week >= RISING_MIN_DELTA
        and this_week >= last_week * RISING_MIN_RATIO
    )
