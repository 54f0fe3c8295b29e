"""Pages that never end or explode on purpose, so the crawl limits can be tested against them.

- `/faults/kalender/?monat=2025-10`: a calendar-style crawler trap. Every month page lists its first
  three days and links the next month, forever; every day page links the next day, forever. Only
  the crawl limits (list pages, depth, articles per source and run) stop a crawler here.
- `/faults/bomb`: a gzip bomb — 64 KB on the wire, 64 MB once inflated.
- `/faults/loop` → `/faults/loop-b` → `/faults/loop`: a redirect loop.

The normal list pages never link here, and `/faults/` lists only the bomb and the loop.
"""

from __future__ import annotations

import threading
import zlib
from datetime import date, timedelta
from urllib.parse import parse_qs

from jinja2 import Environment

#: The first month page of the calendar trap.
CALENDAR_START = "/faults/kalender/?monat=2025-10"
#: Days each month page lists (the day pages chain on from there).
DAYS_PER_MONTH_PAGE = 3
#: Inflated size of the gzip bomb; far above DOWNLOAD_MAXSIZE (10 MB).
BOMB_BYTES = 64 * 1024 * 1024

_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """A gzip member of BOMB_BYTES zeros, built once in 1 MB steps (never all in memory)."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
            chunk = bytes(1024 * 1024)
            parts = [packer.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
            _bomb = b"".join(parts) + packer.flush()
        return _bomb


def month_page(env: Environment, query: str) -> str | None:
    """One month of the calendar trap in Kommune21 list markup, or None for a bad month."""
    raw = parse_qs(query).get("monat", ["2025-10"])[0]
    try:
        first = date.fromisoformat(f"{raw}-01")
    except ValueError:
        return None
    following = (first + timedelta(days=32)).replace(day=1)
    items = [
        {"href": f"/faults/kalender/tag/{day.isoformat()}", "kicker": "Kalender",
         "title": f"Termine am {day:%d.%m.%Y}", "teaser": "Ein Tag im endlosen Veranstaltungskalender.",
         "date": f"[{day:%d.%m.%Y}]"}
        for day in (first + timedelta(days=n) for n in range(DAYS_PER_MONTH_PAGE))
    ]
    return env.get_template("k21_list.html").render(
        heading=f"Kalender {first:%m/%Y}", items=items, page=1, pages=1, prev_href=None,
        next_href=f"/faults/kalender/?monat={following:%Y-%m}")


def day_page(env: Environment, iso_day: str) -> str | None:
    """One day of the calendar trap: a valid article whose related block links the next day."""
    from sample_site.articles import Article, Expect

    try:
        day = date.fromisoformat(iso_day)
    except ValueError:
        return None
    following = day + timedelta(days=1)
    art = Article(
        source="faults", slug=f"kalender-{day.isoformat()}", path=f"/faults/kalender/tag/{day.isoformat()}",
        title=f"Termine am {day:%d.%m.%Y}", teaser="Ein Tag im endlosen Veranstaltungskalender.",
        body=["Dieser Kalender endet nie: jeder Tag verlinkt den nächsten.",
              "Nur die Grenzen des Crawlers halten ihn an."],
        day=day, expect=Expect(), kicker="Kalender",
    )
    related = [{"href": f"/faults/kalender/tag/{following.isoformat()}", "title": f"Termine am {following:%d.%m.%Y}",
                "teaser": "", "date": f"[{following:%d.%m.%Y}]"}]
    return env.get_template("k21_article.html").render(a=art, related=related, jsonld={})
