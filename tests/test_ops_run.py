"""`radar run` end to end: the real sample site, real crawls, a real aiosmtpd server, real files.

The scenarios of docs/deploy.md: two runs in a row (the second finds nothing new and sends
nothing), the lock, bad settings, a source that breaks and recovers, SMTP down during a run, a
full disk — each checked by what reached the SMTP server and what the archive and report hold.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from digest.testing import RecordingHandler, SmtpServer
from ops.lock import run_lock
from sample_site.server import SampleSite
from tests.conftest import SAMPLE_SOURCES, run_radar
from tests.test_ops_pages import Served

ADMIN = "admin@example.org"
READER = "anna@example.org"
TODAY = "2025-11-24"  # a Monday: the digest of 2025-W47, which has sample articles, is due


@pytest.fixture(scope="module")
def site():
    with SampleSite() as running:
        yield running


@pytest.fixture()
def smtp():
    with SmtpServer() as server:
        yield server


def radar_run(tmp: Path, site: SampleSite, smtp_port: int, *args: str, env: dict | None = None):
    base_env = {"RADAR_SECRET": "s3cret", "RADAR_SMTP_HOST": "127.0.0.1", "RADAR_SMTP_PORT": str(smtp_port),
                "RADAR_SMTP_RETRIES": "1", "RADAR_SMTP_BACKOFF": "0", "RADAR_ADMIN_EMAIL": ADMIN,
                "RADAR_DISK_MARGIN_MB": "0", "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>",
                # nothing listens there: the digest's link check is skipped (not a server someone else runs)
                "RADAR_BASE_URL": "http://127.0.0.1:9"}
    result = run_radar("run", "--db", str(tmp / "radar.db"), "--subscribers-db", str(tmp / "subscribers.db"),
                       "--sources", str(SAMPLE_SOURCES), "--base", site.base_url, "--today", TODAY, *args,
                       env={**base_env, **(env or {})})
    report = json.loads((tmp / "last-run.json").read_text()) if (tmp / "last-run.json").is_file() else None
    return result, report


def subscribe(tmp: Path) -> None:
    added = run_radar("subscribers", "add", READER, "--db", str(tmp / "radar.db"))
    assert added.returncode == 0, added.stderr


def to(smtp: SmtpServer, address: str) -> list:
    return [m.message for m in smtp.handler.received if address in m.rcpt_tos]


def test_two_runs_in_a_row_the_second_finds_nothing_new_and_sends_nothing(tmp_path, site, smtp):
    subscribe(tmp_path)
    first, report = radar_run(tmp_path, site, smtp.port)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.startswith("radar run: 3 sources (3 ok), 95 new, 0 updated; digest: 2025-W47: 1 sent")
    assert [s["source_id"] for s in report["sources"]] == ["kommune21", "verband", "egov"]
    assert {s["source_id"]: s["new"] for s in report["sources"]} == {"kommune21": 70, "verband": 13, "egov": 12}
    assert all(s["status"] == "ok" and s["seconds"] > 0 and s["errors"] == 0 for s in report["sources"])
    assert report["sources"][0]["undated"] == 3
    assert len(to(smtp, READER)) == 1 and not to(smtp, ADMIN)  # all healthy: no alert
    assert to(smtp, READER)[0]["Subject"].startswith("Policy Radar KW 47/2025")

    published = Path(report["snapshot"]["path"])
    assert published == tmp_path / "published" / "radar.db"
    with sqlite3.connect(published) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        assert conn.execute("select count(*) from articles").fetchone()[0] == 95
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert "subscribers" not in tables and "digest_log" not in tables and "source_runs" in tables
    assert READER.encode() not in published.read_bytes()  # not even in a free page
    assert not list(published.parent.glob(".*tmp"))  # the new file was renamed into place

    second, report = radar_run(tmp_path, site, smtp.port)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.startswith("radar run: 3 sources (3 ok), 0 new, 0 updated; digest: 2025-W47: 0 sent")
    assert all(s["new"] == 0 and s["updated"] == 0 and s["found"] > 0 for s in report["sources"])
    assert len(smtp.handler.received) == 1  # nothing sent: not the digest again, no alert
    with sqlite3.connect(tmp_path / "radar.db") as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 95
        assert conn.execute("select count(*) from source_runs").fetchone()[0] == 6


def test_a_second_run_while_one_holds_the_lock_says_who_and_exits_75(tmp_path, site, smtp):
    with run_lock(str(tmp_path / "radar.db.run.lock")):
        result, _ = radar_run(tmp_path, site, smtp.port)
    assert result.returncode == 75
    line = result.stderr.strip()
    assert line.startswith("Error: another radar run holds") and "pid " in line and " since " in line
    assert len(line.splitlines()) == 1
    assert not (tmp_path / "radar.db").exists()


@pytest.mark.parametrize(("args", "env", "message"), [
    ((), {"RADAR_ADMIN_EMAIL": "admin at example"}, "Error: RADAR_ADMIN_EMAIL 'admin at example' is not an e-mail address"),
    (("--source", "nope"), {}, "Error: {sources}: no source 'nope' (known: kommune21, verband, egov)"),
    ((), {"RADAR_DISK_MARGIN_MB": "lots"}, "Error: RADAR_DISK_MARGIN_MB must be a number of megabytes, got 'lots'"),
    ((), {"RADAR_SECRET": ""}, "Error: RADAR_SECRET is not set (it signs the digest's unsubscribe links): "
                               "set it or pass --no-digest"),
])
def test_bad_settings_are_one_line_exit_2_and_nothing_is_done(tmp_path, site, smtp, args, env, message):
    site.hits.reset()
    result, _ = radar_run(tmp_path, site, smtp.port, *args, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [message.format(sources=SAMPLE_SOURCES)]
    assert sum(site.hits.values()) == 0 and smtp.handler.attempts == 0
    assert not (tmp_path / "radar.db").exists()


def test_a_failing_source_alerts_once_and_once_more_when_it_recovers(tmp_path, site, smtp):
    site.override("/egov/sitemap.xml", b"<h1>Not found</h1>", status=404)
    try:
        first, report = radar_run(tmp_path, site, smtp.port, "--no-digest")
        assert first.returncode == 1, first.stderr[-2000:]
        assert "3 sources (2 ok, 1 failed: egov)" in first.stdout
        egov = next(s for s in report["sources"] if s["source_id"] == "egov")
        assert egov["status"] == "failed" and egov["reason"].startswith("no article found")
        health = {h["source_id"]: h for h in report["health"]}
        assert health["egov"]["status"] == "failing" and health["kommune21"]["status"] == "ok"
        alerts = to(smtp, ADMIN)
        assert len(alerts) == 1 and alerts[0]["Subject"] == "[Policy Radar] Quelle egov: failing"
        assert "no article found" in alerts[0].get_content()
        served = Served(tmp_path / "published" / "radar.db")  # the snapshot, as deploy/ serves it
        try:
            status, page = served.get("/radar/-/quellen")
            assert status == 200
            assert "gestört" in page.split('class="radar-status-failing"', 1)[1].split("</tr>", 1)[0]
            assert ADMIN not in page and served.get("/radar/alerts.json")[0] == 404  # incidents stay private
        finally:
            served.stop()
        again, _ = radar_run(tmp_path, site, smtp.port, "--no-digest")
        assert again.returncode == 1 and len(to(smtp, ADMIN)) == 1  # the same incident: no second mail
    finally:
        site.clear_overrides()
    healed, report = radar_run(tmp_path, site, smtp.port, "--no-digest")
    assert healed.returncode == 0, healed.stdout
    alerts = to(smtp, ADMIN)
    assert len(alerts) == 2 and alerts[1]["Subject"] == "[Policy Radar] Quelle egov: wieder in Ordnung"
    radar_run(tmp_path, site, smtp.port, "--no-digest")
    assert len(to(smtp, ADMIN)) == 2
    with sqlite3.connect(tmp_path / "radar.db") as conn:  # incidents are private: not in the archive
        assert "alerts" not in {r[0] for r in conn.execute("select name from sqlite_master")}


def test_smtp_down_the_crawl_is_stored_the_digest_waits_and_one_alert_follows(tmp_path, site):
    subscribe(tmp_path)
    with SmtpServer() as smtp:
        port = smtp.port
    down, report = radar_run(tmp_path, site, port)  # nothing listens on the port now
    assert down.returncode == 1
    assert sum(s["new"] for s in report["sources"]) == 95  # the crawl completed and is stored
    assert report["digest"]["status"] == "failed" and "cannot reach SMTP server" in report["digest"]["error"]
    assert report["alerts"]["opened"] == ["digest"] and report["alerts"]["mailed"] == 0
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=port)  # the same server is back
    server.start()
    try:
        back, report = radar_run(tmp_path, site, port)
        assert back.returncode == 0, back.stdout + back.stderr[-2000:]
        assert len([m for m in handler.received if READER in m.rcpt_tos]) == 1  # the digest went out now
        alerts = [m.message for m in handler.received if ADMIN in m.rcpt_tos]
        assert len(alerts) == 1 and alerts[0]["Subject"] == "[Policy Radar] digest: send_failed (inzwischen behoben)"
        radar_run(tmp_path, site, port)
        assert len(handler.received) == 2  # and nothing more
    finally:
        server.stop()


def test_low_disk_alerts_once_per_incident(tmp_path, site, smtp):
    free_mb = shutil.disk_usage(tmp_path).free / 2**20
    margin = str(int(free_mb * 10))
    first, report = radar_run(tmp_path, site, smtp.port, "--no-digest", "--no-publish", "--jobs", "3",
                              env={"RADAR_DISK_MARGIN_MB": margin})
    assert first.returncode == 0, first.stderr[-2000:]
    assert sum(s["new"] for s in report["sources"]) == 95  # three crawls at once into one archive
    assert report["alerts"]["opened"] == ["disk"]
    alerts = to(smtp, ADMIN)
    assert len(alerts) == 1 and alerts[0]["Subject"] == "[Policy Radar] disk: low_disk"
    radar_run(tmp_path, site, smtp.port, "--no-digest", "--no-publish", env={"RADAR_DISK_MARGIN_MB": margin})
    assert len(to(smtp, ADMIN)) == 1
    radar_run(tmp_path, site, smtp.port, "--no-digest", "--no-publish")
    assert [m["Subject"] for m in to(smtp, ADMIN)][1] == "[Policy Radar] disk: wieder in Ordnung"


def test_sigterm_stops_the_run_and_every_crawl_it_started(tmp_path, site, smtp):
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from tests.conftest import ROOT
    from tests.test_ops_demo import _cmd

    proc = subprocess.Popen([sys.executable, "-m", "radar", "run", "--db", str(tmp_path / "radar.db"),
                             "--sources", str(SAMPLE_SOURCES), "--base", site.base_url, "--no-digest",
                             "--subscribers-db", str(tmp_path / "s.db")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        crawls: list = []
        while not crawls and time.monotonic() < deadline:
            crawls = [p for p in psutil.Process(proc.pid).children(recursive=True) if "crawl" in _cmd(p)]
            time.sleep(0.05)
        assert crawls, "no crawl started"
        family = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        assert "Stopped (SIGTERM)" in proc.stderr.read()
        gone, alive = psutil.wait_procs(family, timeout=30)
        assert not alive
        assert not (tmp_path / "published").exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_step_that_breaks_is_one_line_and_the_run_goes_on(tmp_path, site, smtp):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result, report = radar_run(tmp_path, site, smtp.port, "--no-digest", "--publish", str(blocker / "radar.db"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: publish:")]
    assert len(errors) == 1
    assert report["problems"] == [errors[0][len("Error: "):]]
    assert sum(s["new"] for s in report["sources"]) == 95 and len(report["health"]) == 3  # the rest was done


def test_an_archive_that_is_not_one_is_one_line_exit_2(tmp_path, site, smtp):
    (tmp_path / "radar.db").write_bytes(b"not a database " * 200)
    site.hits.reset()
    result, _ = radar_run(tmp_path, site, smtp.port)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'radar.db'}: not an SQLite database (a file of another program, or corrupt); nothing done"]
    assert sum(site.hits.values()) == 0 and smtp.handler.attempts == 0
