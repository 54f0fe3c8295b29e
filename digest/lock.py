"""One `radar digest --send` per private file at a time: an advisory lock on `<subscribers-db>.digest.lock`.

Two overlapping runs (a slow run and the next cron tick) would both see a subscriber as not yet
sent. The lock is an OS file lock, so a crashed or killed run releases it at once: no stale state.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator


class Locked(Exception):
    """Another run holds the lock."""


@contextlib.contextmanager
def send_lock(db_path: str) -> Iterator[None]:
    path = f"{db_path}.digest.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(f"another `radar digest --send` is running on {db_path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
