"""Faults are data, not crashes: a crawl of the sample site's fault endpoints stores every good
article, quarantines what cannot be parsed with the reason, counts every fault by kind in
`crawl_runs`, obeys robots.txt, and never prints a traceback."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
import sqlite_utils

from sample_site.faults import FAULT_TITLES
from sample_site.server import SampleSite
from tests.conftest import run_radar

FAULTS_SOURCE = """
[sources.faults]
type = "rules"
start_urls = ["{base}/faults/"]
extractor = "kommune21"

[sources.faults.rules]
item = ".news-item"
link = "h2 a::attr(href)"
"""

# One related block that links a page robots.txt forbids; no `article_urls` filter stops it.
ROBOTS_SOURCE = """
[sources.robots]
type = "rules"
start_urls = ["{base}/k21-meldungen/polizei-und-bundeswehr-ueben-mit-kommunen/"]
extractor = "kommune21"

[sources.robots.rules]
item = "div.related li"
link = "a::attr(href)"
"""


@pytest.fixture(scope="module")
def faults_crawl(tmp_path_factory):
    """Crawl /faults/ with a 2 s download timeout (the slow page takes 5 s) and short backoffs."""
    tmp = tmp_path_factory.mktemp("faults")
    sources = tmp / "faults.toml"
    sources.write_text(FAULTS_SOURCE, encoding="utf-8")
    with SampleSite() as site:
        result = run_radar(
            "crawl", "--sources", str(sources), "--base", site.base_url, "--all", "--db", str(tmp / "faults.db"),
            "--timeout", "2", "-s", "RETRY_BACKOFF_BASE=0.2", "--stats", str(tmp / "stats.json"),
        )
        hits = dict(site.hits)
    return result, sqlite_utils.Database(tmp / "faults.db"), hits, json.loads((tmp / "stats.json").read_text())


def test_the_crawl_ends_normally_without_a_traceback(faults_crawl):
    result, _, _, _ = faults_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_good_articles_among_the_faults_are_stored_with_the_right_text(faults_crawl):
    _, db, _, _ = faults_crawl
    rows = {row["url"].rsplit("/", 1)[-1]: row for row in db.query("select * from articles")}
    assert set(rows) == {"flaky", "malformed", "latin1", "wrong-charset", "nodate"}
    for name, row in rows.items():
        assert row["title"] == FAULT_TITLES[name]
    assert "Fürth" in rows["latin1"]["body"] and "Bürgerämter" in rows["latin1"]["body"]
    assert "Lüneburg" in rows["wrong-charset"]["body"] and "\ufffd" not in rows["wrong-charset"]["body"]
    assert rows["malformed"]["published"] == "2025-10-06"
    assert rows["nodate"]["published"] is None and rows["nodate"]["date_missing"] == 1


def test_what_could_not_be_parsed_is_quarantined_with_the_reason(faults_crawl):
    _, db, _, _ = faults_crawl
    kept = {row["url"].rsplit("/", 1)[-1]: row for row in db.query("select * from quarantine")}
    assert {name: row["kind"] for name, row in kept.items()} == {
        "404": "http_404",
        "500": "http_500",
        "slow": "timeout",
        "truncated": "truncated",
        "huge": "too_large",
        "empty": "empty",
        "bomb": "compression_bomb",
        "loop": "redirect_loop",
    }
    assert kept["404"]["reason"] == "HTTP 404"
    assert "DOWNLOAD_MAXSIZE" in kept["bomb"]["reason"]
    assert "redirect loop" in kept["loop"]["reason"]
    assert "larger than download max size" in kept["huge"]["reason"]
    assert "ends inside a tag" in kept["truncated"]["reason"]
    truncated_body = zlib.decompress(kept["truncated"]["body_gz"]).decode("utf-8")
    assert FAULT_TITLES["truncated"] in truncated_body  # the page is kept for a later look
    run_id = next(db.query("select max(id) id from crawl_runs"))["id"]
    assert {row["run_id"] for row in kept.values()} == {run_id}


def test_every_fault_is_counted_by_kind_in_the_run(faults_crawl):
    _, db, _, _ = faults_crawl
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    errors = json.loads(run["errors_by_kind"])
    assert errors == {
        "http_404": 1, "http_500": 1, "timeout": 1, "truncated": 1, "too_large": 1, "empty": 1,
        "malformed": 1, "compression_bomb": 1, "redirect_loop": 1,
    }
    assert run["errors"] == sum(errors.values())
    assert run["new"] == 5 and run["quarantined"] == 8 and run["status"] == "finished"
    assert run["started"] <= run["finished"]
    assert run["retries"] >= 2 + 2 + 2  # flaky, 500 and slow were each retried twice


def test_retries_back_off_and_the_flaky_page_is_stored_once(faults_crawl):
    _, db, hits, stats = faults_crawl
    assert hits["/faults/flaky"] == 3 and hits["/faults/500"] == 3  # three attempts each
    assert hits["/faults/404"] == 1  # a 404 is not retried
    assert db.execute("select count(*) from articles where url like '%/faults/flaky'").fetchone()[0] == 1
    assert stats["retry/count"] >= 6


def test_robots_txt_is_obeyed(tmp_path):
    sources = tmp_path / "robots.toml"
    sources.write_text(ROBOTS_SOURCE, encoding="utf-8")
    with SampleSite() as site:
        result = run_radar("crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                           "--db", str(tmp_path / "r.db"), "--stats", str(tmp_path / "stats.json"))
        assert result.returncode == 0, result.stderr[-2000:]
        assert site.hits["/robots.txt"] == 1
        assert site.hits["/private/secret.html"] == 0
    stats = json.loads(Path(tmp_path / "stats.json").read_text())
    assert stats["radar/skipped/robots"] == 1
    assert stats["radar/new"] >= 1  # the allowed related articles were stored


SLOW_SOURCE = """
[sources.slow]
type = "rules"
start_urls = ["{base}/langsam.html"]
extractor = "kommune21"

[sources.slow.rules]
item = ".news-item"
link = "h2 a::attr(href)"
"""


def test_a_very_slow_answer_within_the_timeout_is_stored_and_counted(tmp_path):
    sources = tmp_path / "slow.toml"
    sources.write_text(SLOW_SOURCE, encoding="utf-8")
    with SampleSite() as site:
        site.override("/langsam.html", b'<div class="news-item"><h2><a href="/faults/slow?s=1.5">Langsam</a></h2></div>')
        result = run_radar("crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                           "--db", str(tmp_path / "slow.db"), "-s", "RADAR_SLOW_SECONDS=1")
    assert result.returncode == 0, result.stderr[-2000:]
    db = sqlite_utils.Database(tmp_path / "slow.db")
    assert [row["title"] for row in db.query("select title from articles")] == [FAULT_TITLES["slow"]]
    assert json.loads(next(db.query("select errors_by_kind from crawl_runs"))["errors_by_kind"])["slow"] >= 1


def test_an_unknown_spider_is_one_line(tmp_path):
    with SampleSite() as site:
        result = run_radar("crawl", "--start-url", f"{site.base_url}/", "--spider", "nope", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no spider 'nope'" in result.stderr
