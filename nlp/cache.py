"""On-disk cache of compiled taxonomy artefacts (never committed; safe to delete at any time).

Parsing 2 MB of places.yaml and tokenizing 70,000 place forms takes seconds; the result depends only
on the taxonomy files, the matcher version and the library versions, so it is kept under a key made of
those. Directory: `$RADAR_CACHE_DIR`, else `$XDG_CACHE_HOME/policy-radar`, else `~/.cache/policy-radar`.
An unreadable or stale entry is rebuilt; a cache that cannot be written is skipped (logged).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Bump when the pickled structures change shape.
FORMAT = "1"


def cache_dir() -> Path:
    if os.environ.get("RADAR_CACHE_DIR"):
        return Path(os.environ["RADAR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policy-radar"


def key_of(*parts: bytes | str) -> str:
    """A hash of `parts` and the versions of the libraries that shape the cached objects (read from
    package metadata: importing spaCy just for its version would cost a second)."""
    from importlib.metadata import version

    digest = hashlib.sha1(f"{FORMAT}|{version('spacy')}|{version('pyyaml')}".encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """`build()`, or its pickled result stored under `name-key` by an earlier call."""
    if os.environ.get("RADAR_CACHE_DIR") == "off":
        return build()
    path = cache_dir() / f"{name}-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception as exc:  # a truncated or foreign file: rebuild it
        log.warning("taxonomy cache %s unreadable (%s); rebuilding", path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)
        _prune(path.parent, name, keep=path)
    except OSError as exc:
        log.warning("taxonomy cache %s not written (%s)", path, exc)
    return value


def _prune(directory: Path, name: str, keep: Path, limit: int = 8) -> None:
    """Keep the newest `limit` entries of one kind (every taxonomy edit makes a new one)."""
    entries = sorted(directory.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[limit:]:
        if old != keep:
            old.unlink(missing_ok=True)
