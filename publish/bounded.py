"""Plugin work that is not SQL runs off Datasette's event loop, with a time limit of its own.

Datasette bounds SQL with `sql_time_limit_ms`, but Python work in a request handler (parsing a
query, highlighting, cutting snippets) runs on the event loop, where one slow request would hold
up every other page. Such work goes to a small thread pool of its own (not Datasette's SQL
threads) and is awaited for at most TEXT_TIME_LIMIT seconds; the text functions are linear in
their input (db/text), so a thread that outlives its request still finishes soon. Work on little
text (`small_enough`: a page of ordinary articles, a query cut to its 500 characters) is bounded
by its size alone and is done in the SQL thread that already runs the request's queries.

A refused or shortened request is logged as one line (`log_rejected`), never as a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Seconds a page waits for its text work before it answers without it.
TEXT_TIME_LIMIT = 2.0
TOO_SLOW_NOTE = "Die Suche konnte nicht rechtzeitig ausgewertet werden; bitte fassen Sie sie kürzer."
# Text work on at most this many characters is done where it is (in the SQL thread that fetched
# the text, also off the event loop) instead of a hop to the pool: the text functions are linear,
# at most 1.5 µs a character for the most hostile text bench/text makes (90 ms here; a page of
# 20 ordinary articles, 46,000 characters, takes 0.4 ms). A hop costs 0.1 ms, and on a busy
# machine one in twenty waits milliseconds for a core (bench/search p95).
INLINE_TEXT_CHARS = 60_000
# Two threads: the machine this runs on has two cores, and Datasette's SQL has its own threads.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="radar-text")

log = logging.getLogger("policy_radar")


class TooSlow(Exception):
    """The text work did not finish within its time limit."""


async def off_loop(func: Callable[..., T], *args, timeout: float = TEXT_TIME_LIMIT) -> T:
    """`func(*args)` in the text pool; raises TooSlow after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_POOL, functools.partial(func, *args)), timeout)
    except asyncio.TimeoutError:
        raise TooSlow(f"{getattr(func, '__name__', 'text work')} took more than {timeout:g} s") from None


def small_enough(texts: Iterable[str | None]) -> bool:
    """Whether text work on `texts` is bounded enough to do in place (INLINE_TEXT_CHARS)."""
    total = 0
    for text in texts:
        total += len(text or "")
        if total > INLINE_TEXT_CHARS:
            return False
    return True


def log_rejected(request, what: str) -> None:
    """One log line for a request that was cut short or refused (no traceback, no request body)."""
    path = getattr(request, "path", "?")
    what = " ".join(what.split())[:300]  # one line, whatever the user typed into the note
    log.warning("policy_radar: %s: %s (%d characters of query string)", path, what, len(getattr(request, "query_string", "") or ""))
