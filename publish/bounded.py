"""Plugin work that is not SQL runs off Datasette's event loop, with a time limit of its own.

Datasette bounds SQL with `sql_time_limit_ms`, but Python work in a request handler (parsing a
query, highlighting, cutting snippets) runs on the event loop, where one slow request would hold
up every other page. Such work goes to a small thread pool of its own (not Datasette's SQL
threads) and is awaited for at most TEXT_TIME_LIMIT seconds; the text functions are linear in
their input (db/text), so a thread that outlives its request still finishes soon.

A refused or shortened request is logged as one line (`log_rejected`), never as a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Seconds a page waits for its text work before it answers without it.
TEXT_TIME_LIMIT = 2.0
TOO_SLOW_NOTE = "Die Suche konnte nicht rechtzeitig ausgewertet werden; bitte fassen Sie sie kürzer."
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


def log_rejected(request, what: str) -> None:
    """One log line for a request that was cut short or refused (no traceback, no request body)."""
    path = getattr(request, "path", "?")
    what = " ".join(what.split())[:300]  # one line, whatever the user typed into the note
    log.warning("policy_radar: %s: %s (%d characters of query string)", path, what, len(getattr(request, "query_string", "") or ""))
