"""Child processes that never outlive their parent: SIGTERM or Ctrl-C to the parent stops them all.

Each child starts in a session of its own, so a signal meant for the parent does not reach a child
half-way (Scrapy, Datasette) in an order we do not control; the parent forwards it to the child's
whole process group (a crawl's store worker included), waits, and kills what is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from typing import Any

STOP_GRACE = 20.0  # seconds a child gets to stop cleanly (a crawl finishes its batch) before SIGKILL


class Stopped(Exception):
    """The parent was told to stop (SIGTERM, SIGINT); `signum` says which."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, frame: Any) -> None:
    raise Stopped(signum)


class Children:
    """`with Children() as children: children.run([...])`: every child is stopped on the way out."""

    def __init__(self, grace: float = STOP_GRACE):
        self.grace = grace
        self.procs: list[subprocess.Popen] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Children:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, _raise_stopped)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.stop_all()
        finally:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)

    def start(self, cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(list(cmd), start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def run(self, cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess:
        """Like `subprocess.run`, but a stop signal to us stops the child too."""
        proc = self.start(cmd, **kwargs)
        out, err = proc.communicate()
        self.forget(proc)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def forget(self, proc: subprocess.Popen) -> None:
        """A child that has ended: nothing to stop any more."""
        self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=self.grace)
            _signal_group(proc.pid, signal.SIGKILL)  # whatever is left of its group (a stuck worker)
            if proc.poll() is None:
                proc.wait()
        self.procs.clear()


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)

