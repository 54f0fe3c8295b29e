"""Bounded crawls: a crawler trap stops at the source's limits with a recorded warning, and every
limit hit, gzip bomb, redirect loop, robots block, oversize and non-HTML page is counted by kind in
`crawl_runs` and listed in `quarantine` — never a silent "0 errors"."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from sample_site.server import SampleSite
from sample_site.traps import CALENDAR_START
from tests.conftest import run_radar

TRAP_SOURCE = """
[sources.trap]
type = "rules"
start_urls = ["{base}%s"]
extractor = "kommune21"
%s

[sources.trap.rules]
item = ".news-item"
link = "h2 a::attr(href)"
next = 'a[rel="next"]::attr(href)'
"""


def crawl_trap(tmp_path, limits: str, *extra: str) -> tuple[object, sqlite_utils.Database, dict[str, int]]:
    sources = tmp_path / "trap.toml"
    sources.write_text(TRAP_SOURCE % (CALENDAR_START, limits), encoding="utf-8")
    with SampleSite() as site:
        result = run_radar("crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                           "--db", str(tmp_path / "trap.db"), *extra, timeout=300)
        hits = dict(site.hits)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result, sqlite_utils.Database(tmp_path / "trap.db"), hits


def last_run(db: sqlite_utils.Database) -> dict:
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    run["errors_by_kind"] = json.loads(run["errors_by_kind"])
    return run


def quarantined(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for row in db.query("select kind, url, reason from quarantine order by id"):
        out.setdefault(row["kind"], []).append((row["url"], row["reason"]))
    return out


def test_a_calendar_trap_stops_at_the_list_page_and_depth_limits(tmp_path):
    result, db, hits = crawl_trap(tmp_path, "max_list_pages = 3\nmax_depth = 2")
    assert result.returncode == 0, result.stderr[-3000:]
    month_pages = sorted(k for k in hits if k.startswith("/faults/kalender/?monat="))
    assert month_pages == ["/faults/kalender/?monat=2025-10", "/faults/kalender/?monat=2025-11",
                           "/faults/kalender/?monat=2025-12"]
    # days 1-3 of each month from the list (depth 1) and day 4 through day 3's related link (depth 2)
    days = sorted(r["url"].rsplit("/", 1)[1] for r in db.query("select url from articles"))
    assert days == sorted(f"2025-{m}-0{d}" for m in (10, 11, 12) for d in (1, 2, 3, 4))
    run = last_run(db)
    assert run["errors_by_kind"]["list_page_limit"] == 1 and run["errors_by_kind"]["depth_limit"] == 1
    cut = quarantined(db)
    assert cut["list_page_limit"][0][0].endswith("/faults/kalender/?monat=2026-01")
    assert "max_list_pages = 3" in cut["list_page_limit"][0][1]
    # the first link past depth 2 is a day 5 (which month's comes first depends on the fetch order)
    assert cut["depth_limit"][0][0].rsplit("/faults/kalender/tag/", 1)[1] in ("2025-10-05", "2025-11-05", "2025-12-05")
    # the health warning: the source is not "finished", so nobody mistakes the cut crawl for complete
    status = db.execute("select last_crawl_status from sources where id = 'trap'").fetchone()[0]
    assert status == "limited: depth_limit, list_page_limit"
    assert "list_page_limit 1" in result.stdout and "0 errors" not in result.stdout
    assert "list_page_limit" in result.stderr  # warned once, in the log


def test_the_article_limit_caps_articles_per_source(tmp_path):
    result, db, hits = crawl_trap(tmp_path, "max_list_pages = 50\nmax_articles = 5")
    assert result.returncode == 0, result.stderr[-3000:]
    assert db["articles"].count == 5
    assert sum(n for k, n in hits.items() if k.startswith("/faults/kalender/tag/")) == 5
    assert last_run(db)["errors_by_kind"]["article_limit"] == 1
    assert "max_articles = 5" in quarantined(db)["article_limit"][0][1]


def test_the_command_line_limit_is_stricter_than_the_file(tmp_path):
    result, db, hits = crawl_trap(tmp_path, "max_list_pages = 50", "--max-list-pages", "2", "--max-depth", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sum(1 for k in hits if k.startswith("/faults/kalender/?monat=")) == 2
    assert db["articles"].count == 6  # days 1-3 of two months; related links are depth 2
    assert last_run(db)["errors_by_kind"]["list_page_limit"] == 1


def test_a_run_time_limit_stops_the_crawl_and_says_so(tmp_path):
    result, db, _ = crawl_trap(tmp_path, "", "--time-limit", "2", "-s", "DOWNLOAD_DELAY=0.5",
                               "-s", "AUTOTHROTTLE_ENABLED=false")
    run = last_run(db)
    assert run["status"] == "closespider_timeout"
    assert run["errors_by_kind"]["time_limit"] == 1
    assert "--time-limit 2" in quarantined(db)["time_limit"][0][1]


HOSTILE_LIST = b"""<html><body>
<div class="news-item"><h2><a href="/faults/bomb">Bombe</a></h2></div>
<div class="news-item"><h2><a href="/faults/loop">Schleife</a></h2></div>
<div class="news-item"><h2><a href="/private/secret.html">Gesperrt</a></h2></div>
<div class="news-item"><h2><a href="/img/bild.jpg">Kein HTML</a></h2></div>
<div class="news-item"><h2><a href="/faults/huge?mb=12">Zu gross</a></h2></div>
</body></html>"""

HOSTILE_SOURCE = """
[sources.hostile]
type = "rules"
start_urls = ["{base}/feindlich.html"]
extractor = "kommune21"

[sources.hostile.rules]
item = ".news-item"
link = "h2 a::attr(href)"
"""


def test_bombs_loops_robots_oversize_and_non_html_are_counted_and_quarantined(tmp_path):
    sources = tmp_path / "hostile.toml"
    sources.write_text(HOSTILE_SOURCE, encoding="utf-8")
    with SampleSite() as site:
        site.override("/feindlich.html", HOSTILE_LIST)
        site.override("/img/bild.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", headers={"Content-Type": "image/jpeg"})
        result = run_radar("crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                           "--db", str(tmp_path / "h.db"), timeout=300)
        assert site.hits["/private/secret.html"] == 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    db = sqlite_utils.Database(tmp_path / "h.db")
    errors = last_run(db)["errors_by_kind"]
    assert errors == {"compression_bomb": 1, "redirect_loop": 1, "robots": 1, "not_html": 1, "too_large": 1}
    cut = quarantined(db)
    assert {kind: urls[0][0].split("/", 3)[3] for kind, urls in cut.items()} == {
        "compression_bomb": "faults/bomb", "redirect_loop": "faults/loop", "robots": "private/secret.html",
        "not_html": "img/bild.jpg", "too_large": "faults/huge?mb=12"}
    assert "robots 1" in result.stdout


ROBOTS_ONLY = """
[sources.blocked]
type = "rules"
start_urls = ["{base}/private/liste.html"]

[sources.blocked.rules]
item = ".news-item"
"""


def test_a_source_blocked_by_robots_txt_does_not_end_with_0_errors(tmp_path):
    sources = tmp_path / "blocked.toml"
    sources.write_text(ROBOTS_ONLY, encoding="utf-8")
    with SampleSite() as site:
        result = run_radar("crawl", "--sources", str(sources), "--base", site.base_url, "--all",
                           "--db", str(tmp_path / "b.db"))
    assert "Traceback" not in result.stderr
    assert "0 errors" not in result.stdout + result.stderr
    db = sqlite_utils.Database(tmp_path / "b.db")
    assert last_run(db)["errors_by_kind"] == {"robots": 1}
    assert quarantined(db)["robots"][0][0].endswith("/private/liste.html")
    assert db.execute("select last_crawl_status from sources").fetchone()[0] != "finished"


@pytest.mark.parametrize("option, value", [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-inf"), ("--timeout", "1e308"),
    ("--timeout", "0.01"), ("--timeout", "601"), ("--timeout", "abc"),
    ("--time-limit", "nan"), ("--time-limit", "inf"), ("--time-limit", "0"),
    ("--max-list-pages", "0"), ("--max-articles", "-1"), ("--max-depth", "x"),
])
def test_limits_must_be_finite_and_in_range(tmp_path, option, value):
    result = run_radar("crawl", "--start-url", "http://127.0.0.1:9/", "--db", str(tmp_path / "x.db"), option, value)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert option in result.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("line, message", [
    ("max_list_pages = 0", "field 'max_list_pages': must be at least 1"),
    ("max_depth = 'tief'", "field 'max_depth': must be an integer"),
    ("max_articles = 1.5", "field 'max_articles': must be an integer"),
])
def test_bad_limits_in_the_sources_file_name_file_source_and_key(tmp_path, line, message):
    sources = tmp_path / "bad.toml"
    sources.write_text(TRAP_SOURCE % (CALENDAR_START, line), encoding="utf-8")
    result = run_radar("sources", "--file", str(sources))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{sources}: source 'trap': {message}" in result.stderr


def test_after_a_limited_crawl_the_next_one_still_stops_at_known_articles(tmp_path):
    sources = tmp_path / "trap.toml"
    sources.write_text(TRAP_SOURCE % (CALENDAR_START, "max_list_pages = 2\nmax_depth = 1"), encoding="utf-8")
    args = ("crawl", "--sources", str(sources), "--all", "--db", str(tmp_path / "trap.db"))
    with SampleSite() as site:
        first = run_radar(*args, "--base", site.base_url)
        site.hits.reset()
        second = run_radar(*args, "--base", site.base_url)
        hits = dict(site.hits)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-3000:]
    db = sqlite_utils.Database(tmp_path / "trap.db")
    assert db.execute("select last_crawl_status from sources").fetchone()[0] == "limited: depth_limit"
    # page 1 holds only known articles: the second crawl stops there, as after a finished crawl
    assert [k for k in hits if k.startswith("/faults/kalender/?monat=")] == ["/faults/kalender/?monat=2025-10"]
    assert db["articles"].count == 6
