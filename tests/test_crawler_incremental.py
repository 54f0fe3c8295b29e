"""Re-crawls: paging stops at known articles, known pages are revalidated (304), a changed page
becomes a new version, --since and --full, and an unfinished previous run means a full walk."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from sample_site.articles import load_kommune21
from sample_site.server import SampleSite
from tests.conftest import run_radar

SITE_DIR = Path(__file__).resolve().parent.parent / "sample_site" / "site"
NEWEST = load_kommune21()[0]


@pytest.fixture(scope="module")
def site():
    with SampleSite() as served:
        yield served


@pytest.fixture(scope="module")
def first_crawl(site, tmp_path_factory) -> Path:
    """One complete crawl of the Kommune21 sample source; tests work on copies of it."""
    db_path = tmp_path_factory.mktemp("incremental") / "first.db"
    crawl(site, db_path)
    return db_path


@pytest.fixture
def archive(first_crawl, site, tmp_path) -> Path:
    """A private copy of the first crawl's archive, and a site with no overrides and zero hits."""
    copy = tmp_path / "radar.db"
    with sqlite3.connect(first_crawl) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    site.reset()
    yield copy
    site.reset()


def crawl(site, db_path: Path, *extra: str) -> str:
    result = run_radar("crawl", "--start-url", f"{site.base_url}/", "--db", str(db_path), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result.stdout


def last_run(db_path: Path) -> dict:
    return next(sqlite_utils.Database(db_path).query("select * from crawl_runs order by id desc limit 1"))


def article_html(path: str) -> str:
    return (SITE_DIR / path.strip("/") / "index.html").read_text(encoding="utf-8")


def test_first_crawl_walks_every_list_page(first_crawl):
    run = last_run(first_crawl)
    assert run["new"] == 70 and run["status"] == "finished"


def test_recrawl_stops_at_known_articles_and_revalidates_them(site, archive):
    out = crawl(site, archive)
    assert "0 new, 0 updated" in out
    assert site.hits["/"] == 1
    assert site.hits["/?pg=2"] == 0  # page 1 held only known articles
    assert site.hits.total_for("/k21-meldungen/") <= 20  # page 1's articles, asked conditionally
    run = last_run(archive)
    assert run["not_modified"] >= 15 and run["new"] == 0 and run["updated"] == 0
    assert run["unchanged"] >= run["not_modified"]
    db = sqlite_utils.Database(archive)
    assert db["articles"].count == 70 and db["article_versions"].count == 0


def test_changed_article_becomes_a_new_version_and_keeps_the_old_text(site, archive):
    html = article_html(NEWEST.path)
    old_paragraph = NEWEST.body[0]
    site.override(NEWEST.path, html.replace(old_paragraph, "Korrigiert: " + old_paragraph).encode("utf-8"))
    out = crawl(site, archive)
    assert "0 new, 1 updated" in out
    db = sqlite_utils.Database(archive)
    row = next(db.query("select * from articles where url = ?", [site.base_url + NEWEST.path]))
    assert row["version"] == 2 and row["body"].startswith("Korrigiert: ")
    versions = list(db.query("select * from article_versions where article_id = ?", [row["id"]]))
    assert len(versions) == 1 and versions[0]["version"] == 1 and versions[0]["body"].startswith(old_paragraph)


def test_new_article_on_the_first_page_is_the_only_new_fetch(site, archive):
    listing = (SITE_DIR / "index.html").read_text(encoding="utf-8")
    new_path = "/k21-meldungen/ganz-neue-meldung/"
    item = (f'<article class="news-item"><h2><a href="{new_path}"><span class="kicker">Neu</span>: '
            f'<span class="title">Ganz neue Meldung</span></a></h2><p class="teaser"><span class="date">'
            f'[21.11.2025]</span> Neu. <a class="more" href="{new_path}">mehr...</a></p></article>')
    site.override("/", listing.replace('<div class="news-list">', '<div class="news-list">' + item, 1).encode("utf-8"))
    page = article_html(NEWEST.path).replace(NEWEST.path, new_path).replace(NEWEST.title, "Ganz neue Meldung")
    site.override(new_path, page.encode("utf-8"))
    out = crawl(site, archive)
    assert "1 new, 0 updated" in out
    # Page 1 held an unknown article, so page 2 was read; it held only known ones: paging stopped.
    assert site.hits["/?pg=2"] == 1 and site.hits["/?pg=3"] == 0
    db = sqlite_utils.Database(archive)
    assert next(db.query("select title from articles where url = ?", [site.base_url + new_path]))["title"] == "Ganz neue Meldung"


def test_full_walks_every_list_page_of_an_up_to_date_archive(site, archive):
    crawl(site, archive, "--full")
    assert all(site.hits[f"/?pg={n}"] == 1 for n in (2, 3, 4))
    assert last_run(archive)["new"] == 0


def test_an_unfinished_previous_crawl_means_the_next_one_walks_everything(site, archive):
    db = sqlite_utils.Database(archive)
    db.execute("update sources set last_crawl_status = 'incomplete: shutdown'")
    db.conn.commit()
    crawl(site, archive)
    assert site.hits["/?pg=4"] == 1
    assert next(db.query("select last_crawl_status from sources"))["last_crawl_status"] == "finished"


def test_since_takes_only_newer_articles_and_stops_paging(site, tmp_path):
    site.reset()
    db_path = tmp_path / "since.db"
    crawl(site, db_path, "--since", "2025-10-15")
    db = sqlite_utils.Database(db_path)
    dated = [row["published"][:10] for row in db.query("select published from articles where published is not null")]
    assert dated and min(dated) >= "2025-10-15"
    assert len(dated) == len([a for a in load_kommune21() if not a.nodate and a.day.isoformat() >= "2025-10-15"])
    assert site.hits["/?pg=4"] == 0
    assert last_run(db_path)["skipped"] > 0


def test_bad_since_is_a_usage_error(tmp_path):
    result = run_radar("crawl", "--start-url", "http://127.0.0.1:9/", "--since", "letzte Woche", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(r"is not a date \(TT.MM.JJJJ, JJJJ-MM-TT", result.stderr)
