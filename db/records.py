"""Small pure helpers every writer shares: timestamps, the content hash, facet columns, compression.

No SQLite here, so any db/ module (and the crawler) can import them without an import cycle."""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

VERSIONED_FIELDS = ("title", "kicker", "teaser", "body", "published")


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(item: Mapping[str, Any]) -> str:
    """Hash of what a reader sees; a change here makes a new version, a re-fetch of the same does not."""
    payload = json.dumps([item.get(name) or "" for name in VERSIONED_FIELDS], ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def month_and_week(published: str | None) -> tuple[str | None, str | None]:
    """`2025-09-29` → (`2025-09`, `2025-W40`): the facet columns Datasette and the digest use."""
    if not published:
        return None, None
    day = date.fromisoformat(published[:10])
    year, week, _ = day.isocalendar()
    return day.strftime("%Y-%m"), f"{year}-W{week:02d}"


def compress(data: bytes | str | None) -> bytes | None:
    if data is None:
        return None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return zlib.compress(raw, 6)


def decompress(blob: bytes | None) -> bytes:
    return zlib.decompress(blob) if blob else b""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (someone else's live process counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
