"""German publication dates: the forms seen in the field, read with dateparser.

Why a module of its own: every source and `radar reparse` must agree on one reading of a date, and
the rules that keep wrong dates out (no future dates, no silent "today") live in one place.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser

BERLIN = ZoneInfo("Europe/Berlin")

# A bracketed teaser date, `[29.09.2025]`, is the most reliable date on Kommune21 pages.
BRACKET_DATE = re.compile(r"\[(\d{1,2}\.\d{1,2}\.\d{4})\]")
# Any date-looking fragment we hand to dateparser; dateparser alone would happily read "2 Tagen".
_DATE_FRAGMENT = re.compile(
    r"(?:(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag),\s*)?"
    r"(?:\d{1,2}\.\d{1,2}\.\d{2,4}(?:,?\s*\d{1,2}[:.]\d{2}(?:\s*Uhr)?)?"
    r"|\d{1,2}\.?\s+(?:Jan|Feb|Mär|Mrz|Apr|Mai|Jun|Jul|Aug|Sep|Okt|Nov|Dez)[a-zä]*\.?\s+(?:'?\d{2}|\d{4})"
    r"|vor\s+\d+\s+(?:Minuten?|Stunden?|Tagen?|Wochen?|Monaten?)|vorgestern|gestern|heute)",
    re.IGNORECASE,
)
_HAS_TIME = re.compile(r"\d{1,2}[:.]\d{2}(?:\s*Uhr)?\s*$|T\d{2}:\d{2}")

_SETTINGS = {
    "TIMEZONE": "Europe/Berlin",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
}


def parse_german_date(text: str | None, now: datetime | None = None) -> datetime | None:
    """Read one German or ISO date; relative forms (`vor 2 Tagen`, `gestern`) count from `now`.

    Returns an aware datetime in Europe/Berlin, or None when nothing date-like is there. A date
    later than `now` (plus a day of slack for time zones) is rejected: it is a parsing error, not news.
    """
    if not text or not text.strip():
        return None
    now = (now or datetime.now(BERLIN)).astimezone(BERLIN)
    parsed = _parse_cached(text.strip(), now.replace(second=0, microsecond=0).isoformat())
    if parsed is None:
        return None
    if (parsed - now).total_seconds() > 86400:
        return None
    return parsed


@lru_cache(maxsize=4096)
def _parse_cached(text: str, now_iso: str) -> datetime | None:
    settings = dict(_SETTINGS, RELATIVE_BASE=datetime.fromisoformat(now_iso).replace(tzinfo=None))
    parsed = dateparser.parse(text, languages=["de", "en"], settings=settings)
    return parsed.astimezone(BERLIN) if parsed else None


def find_german_date(text: str | None, now: datetime | None = None) -> datetime | None:
    """Find the first date-like fragment inside running text (`Veröffentlicht am 19 Nov. '25`)."""
    if not text:
        return None
    bracket = BRACKET_DATE.search(text)
    if bracket:
        return parse_german_date(bracket.group(1), now)
    for match in _DATE_FRAGMENT.finditer(text):
        found = parse_german_date(match.group(0), now)
        if found:
            return found
    return None


def has_time(text: str) -> bool:
    """Whether a date string carries a time of day (then we keep the datetime, else only the day)."""
    return bool(_HAS_TIME.search(text.strip()))


def to_published(value: datetime, keep_time: bool) -> str:
    """Serialise for storage: `2025-07-15` for a bare day, full ISO 8601 with offset otherwise."""
    if keep_time:
        return value.astimezone(BERLIN).isoformat(timespec="seconds")
    return value.astimezone(BERLIN).date().isoformat()


def published_day(published: str | None) -> date | None:
    """The calendar day of a stored `published` value (date or datetime string)."""
    if not published:
        return None
    return date.fromisoformat(published[:10])
