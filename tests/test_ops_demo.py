"""`radar demo` and friends as a new user meets them: one archive, honest exits, no orphans.

Real processes throughout: the demo runs as a child of the test, its crawl and Datasette as its
children; the test signals only the demo and then looks for survivors with psutil.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from radar.commands.crawl import summarise
from tests.conftest import ROOT, run_radar


def _start_demo(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "radar", "demo", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _cmd(process: psutil.Process) -> str:
    """A process's command line, or "" for one that is exiting (a zombie has none to read)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_demo_on_a_busy_port_serves_elsewhere_and_sigterm_stops_every_process(tmp_path):
    db = tmp_path / "demo.db"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        demo = _start_demo("--db", str(db), "--port", str(port))
        try:
            lines: list[str] = []

            def archive_line():
                line = demo.stdout.readline()
                lines.append(line)
                return line if line.startswith("Archive:") or not line else None

            line = _wait_for(archive_line, 600, "the archive URL")
            assert line, (lines, demo.stderr.read()[-2000:] if demo.poll() is not None else "")
            assert any(f"--db {db}" in seen for seen in lines)  # the archive to pass on is named
            url = line.split()[1]
            served = int(url.rsplit(":", 1)[1].strip("/"))
            assert served != port  # not the busy port, whose server is someone else's
            _wait_for(lambda: _get(url + "-/versions.json"), 120, "Datasette to answer")
            children = _descendants(demo)
            assert any("datasette" in _cmd(p) for p in children)
            demo.send_signal(signal.SIGTERM)
            assert demo.wait(timeout=60) == 128 + signal.SIGTERM
            assert _wait_for(lambda: not _alive(children), 30, "children to stop") is True
            assert not _get(url + "-/versions.json")
        finally:
            if demo.poll() is None:
                demo.kill()


def _get(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_ctrl_c_during_the_demo_crawl_stops_the_crawl_and_its_store_worker(tmp_path):
    demo = _start_demo("--db", str(tmp_path / "demo.db"), "--no-serve")
    try:
        def crawl_and_worker():
            kids = _descendants(demo)
            crawl = [p for p in kids if "crawl" in _cmd(p)]
            return kids if crawl and len(kids) >= 2 else None  # the crawl and its spawned store worker

        children = _wait_for(crawl_and_worker, 120, "the crawl and its store worker")
        os.kill(demo.pid, signal.SIGINT)  # only the demo, as a signal from another terminal would
        assert demo.wait(timeout=60) == 128 + signal.SIGINT
        assert _wait_for(lambda: not _alive(children), 30, "children to stop") is True
        assert "Stopped (SIGINT)" in demo.stderr.read()
    finally:
        if demo.poll() is None:
            demo.kill()


@pytest.mark.parametrize("command", [["digest", "--out", "OUT"], ["export", "--format", "csv"]])
def test_commands_that_need_articles_say_so_on_an_empty_or_missing_archive(tmp_path, command):
    empty = tmp_path / "radar.db"
    from db.connect import connect_writer

    connect_writer(empty).close()
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = run_radar(*args, "--db", str(empty))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {empty} has no articles yet: run `radar crawl` (or pass the --db that `radar demo` printed)"]
    missing = run_radar(*args, "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and "nope.db: no such file" in missing.stderr
    assert not (tmp_path / "nope.db").exists()


def test_undated_articles_are_a_note_in_the_crawl_line_not_errors():
    line = summarise({"response_received_count": 10, "radar/new": 5, "radar/undated": 3}, "x.db")
    assert line == "10 pages fetched: 5 new, 0 updated, 0 unchanged, 0 errors, 3 undated → x.db"


def test_demo_defaults_are_documented_for_the_next_command():
    row = next(line for line in Path(ROOT / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `radar demo`"))
    assert "--db data/demo.db" in row
