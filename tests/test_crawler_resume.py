"""A crawl killed with SIGKILL mid-run and started again loses nothing and stores nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import sqlite_utils

from sample_site.articles import expected_articles
from sample_site.server import SampleSite
from tests.conftest import ROOT, run_radar


def stored(db_path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=1) as db:
            return db.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:  # not created yet, or locked for a moment
        return 0


def test_sigkill_mid_crawl_then_restart_loses_nothing_and_stores_nothing_twice(tmp_path):
    db_path, jobdir = tmp_path / "radar.db", tmp_path / "job"
    with SampleSite() as site:
        args = ["crawl", "--start-url", f"{site.base_url}/", "--db", str(db_path), "--jobdir", str(jobdir)]
        # Slowed down (one request at a time, 0.15 s apart) so the kill lands in the middle.
        slow = ["-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "RADAR_STORE_BATCH=5"]
        proc = subprocess.Popen([sys.executable, "-m", "radar", *args, *slow], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while stored(db_path) < 15 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(1.5)  # the orphaned store worker notices and stops
        before = stored(db_path)
        assert 15 <= before < 70, f"the kill did not land mid-crawl ({before} stored)"
        assert (jobdir / "radar.running").exists()  # the killed run could not clean up

        site.hits.reset()
        result = run_radar(*args)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "interrupted" in result.stderr  # the discarded queue is reported, in one line

    db = sqlite_utils.Database(db_path)
    urls = [row["url"] for row in db.query("select url from articles")]
    expected = [r["url"] for r in expected_articles(site.base_url) if r["source"] == "kommune21"]
    assert sorted(urls) == sorted(expected)  # nothing lost, nothing twice
    assert db["article_versions"].count == 0  # nothing stored twice as a "change"
    assert {row["version"] for row in db.query("select version from articles")} == {1}
    assert db.execute("select count(*) from raw_pages").fetchone()[0] == 70
    runs = list(db.query("select * from crawl_runs order by id"))
    assert [r["status"] for r in runs] == ["interrupted", "finished"]
    assert runs[1]["new"] == 70 - before
    assert runs[1]["not_modified"] >= before - 5  # stored articles were only revalidated (304)
    assert not (jobdir / "radar.running").exists()
    assert next(db.query("select last_crawl_status from sources"))["last_crawl_status"] == "finished"


def test_a_killed_store_worker_costs_nothing_the_next_crawl_cannot_recover(tmp_path):
    import psutil

    db_path = tmp_path / "radar.db"
    with SampleSite() as site:
        args = ["crawl", "--start-url", f"{site.base_url}/", "--db", str(db_path)]
        slow = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "RADAR_STORE_BATCH=5"]
        proc = subprocess.Popen([sys.executable, "-m", "radar", *args, *slow], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while stored(db_path) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
                   if "resource_tracker" not in " ".join(p.cmdline())]
        assert workers, "no store worker process"
        for worker in workers:
            worker.kill()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err and "the store worker died" in err
        db = sqlite_utils.Database(db_path)
        run = next(db.query("select * from crawl_runs order by id desc limit 1"))
        assert "store_worker_died" in run["errors_by_kind"]
        assert next(db.query("select last_crawl_status from sources"))["last_crawl_status"].startswith("incomplete")

        result = run_radar(*args)  # the next crawl walks every list page and fills the gap
        assert result.returncode == 0, result.stderr[-3000:]
    urls = [row["url"] for row in db.query("select url from articles")]
    assert len(urls) == len(set(urls)) == 70
    assert db["article_versions"].count == 0


def test_ctrl_c_stops_cleanly_and_the_jobdir_resumes(tmp_path):
    db_path, jobdir = tmp_path / "radar.db", tmp_path / "job"
    with SampleSite() as site:
        args = ["crawl", "--start-url", f"{site.base_url}/", "--db", str(db_path), "--jobdir", str(jobdir)]
        slow = ["-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "RADAR_STORE_BATCH=5"]
        proc = subprocess.Popen([sys.executable, "-m", "radar", *args, *slow], cwd=ROOT, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while stored(db_path) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
        assert (jobdir / "requests.queue").exists() and not (jobdir / "radar.running").exists()
        db = sqlite_utils.Database(db_path)
        assert next(db.query("select status from crawl_runs"))["status"] == "shutdown"
        assert next(db.query("select last_crawl_status from sources"))["last_crawl_status"] == "incomplete: shutdown"

        result = run_radar(*args)
        assert result.returncode == 0, result.stderr[-3000:]
    urls = [row["url"] for row in db.query("select url from articles")]
    assert len(urls) == len(set(urls)) == 70
    assert db["article_versions"].count == 0
