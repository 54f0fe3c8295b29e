"""The store worker's process and its two message pipes, without multiprocessing's extra process.

`multiprocessing`'s spawn start also starts a resource tracker — a third Python interpreter
(~13 MB of the crawl's memory, bench/crawl) that watches semaphores — and makes the child import
the parent's `__main__` (the whole CLI) before it runs. The worker needs neither: it is a plain
child interpreter (`python -m crawler.storeworker`) and two pipes of pickled messages
(`multiprocessing.connection.Connection`), behind the few calls the store pipeline uses:

- `Inbox.put(message, timeout)` waits while `maxsize` messages are queued and raises `queue.Full`
  after `timeout`: the backpressure. A feeder thread pickles and writes them, so the reactor never
  blocks on a full pipe (as `multiprocessing.Queue` does it).
- `Receiver.get(timeout)` / `get_nowait()` raise `queue.Empty` when nothing came, or when the other
  side is gone (then `closed` is true; the pipeline also checks `ChildProcess.is_alive`). The
  pipeline reads the worker's results with one, the worker its batches.
- `ChildProcess` has `pid`, `is_alive()`, `exitcode`, `join(timeout)`, `terminate()`.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

#: Tells the feeder thread to stop (never sent to the worker).
_STOP = object()


class ChildProcess:
    """A started child interpreter (`subprocess.Popen`) as the pipeline asks about it."""

    def __init__(self, popen: subprocess.Popen):
        self._popen = popen
        self.pid = popen.pid

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    @property
    def exitcode(self) -> int | None:
        """None while running; the exit status, or -N when signal N killed it."""
        return self._popen.poll()

    def join(self, timeout: float | None = None) -> None:
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def terminate(self) -> None:
        if self.is_alive():
            self._popen.terminate()


class Inbox:
    """Messages to the worker: a bounded local queue and a feeder thread that pickles and writes."""

    def __init__(self, conn: Connection, maxsize: int):
        self._conn = conn
        self._queue: queue.Queue[Any] = queue.Queue(maxsize)
        self._feeder = threading.Thread(target=self._feed, name="radar-store-feeder", daemon=True)
        self._feeder.start()

    def put(self, message: Any, timeout: float | None = None) -> None:
        self._queue.put(message, timeout=timeout)

    def _feed(self) -> None:
        while True:
            message = self._queue.get()
            if message is _STOP:
                return
            try:
                self._conn.send(message)
            except (OSError, ValueError):  # the worker is gone (or we closed): the pipeline sees its exit
                return

    def close(self) -> None:
        """Stop feeding and close the pipe. Waits half a second at most: a feeder stuck writing to a
        worker that stopped reading is a daemon thread and ends with the process."""
        try:
            self._queue.put_nowait(_STOP)
        except queue.Full:
            pass
        self._feeder.join(timeout=0.5)
        if not self._feeder.is_alive():
            self._conn.close()


class Receiver:
    """Messages from the other side of a pipe (the worker's results, or the crawl's batches)."""

    def __init__(self, conn: Connection):
        self._conn = conn

    @property
    def closed(self) -> bool:
        """The other side closed its end (or died): nothing more will come."""
        return self._conn.closed

    def get(self, timeout: float | None = None) -> Any:
        if not self._conn.closed:
            try:
                if not self._conn.poll(timeout):
                    raise queue.Empty
                return self._conn.recv()
            except (EOFError, OSError):  # the other side is gone: nothing more will come
                self._conn.close()
        # A closed pipe answers at once: wait a little, so a caller polling it does not spin (while
        # the worker is being reaped, say).
        time.sleep(min(timeout or 0.0, 0.05))
        raise queue.Empty

    def get_nowait(self) -> Any:
        return self.get(0)


def start_child(module: str, args: list[str], maxsize: int) -> tuple[ChildProcess, Inbox, Receiver]:
    """`python -m module IN_FD OUT_FD *args` with its two pipes. The child ignores Ctrl-C (it reaches
    the whole process group; the crawl stops gracefully and then tells the worker to finish); an
    ignored SIGINT survives exec. The child imports this code base, wherever the parent found it."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        popen = subprocess.Popen(
            [sys.executable, "-m", module, str(to_child_r), str(from_child_w), *args],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, env=env,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
        os.close(to_child_r)
        os.close(from_child_w)
    inbox = Inbox(Connection(to_child_w, readable=False), maxsize)
    outbox = Receiver(Connection(from_child_r, writable=False))
    return ChildProcess(popen), inbox, outbox


def child_pipes(in_fd: str, out_fd: str) -> tuple[Receiver, Connection]:
    """In the child: the (inbox, outbox) ends `start_child` passed as its first two arguments."""
    return Receiver(Connection(int(in_fd), writable=False)), Connection(int(out_fd), readable=False)
