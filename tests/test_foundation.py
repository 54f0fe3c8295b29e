"""Foundation end to end: a real Scrapy crawl of the served sample site into a real SQLite file,
tagged, and answered by Datasette's own test client."""

from __future__ import annotations

import asyncio
import json
import socket

import sqlite_utils
from datasette.app import Datasette

from tests.conftest import run_radar


def datasette_json(db_path, path: str):
    """GET a JSON path from a real Datasette instance over the archive."""

    async def fetch():
        ds = Datasette([str(db_path)])
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(fetch())


def test_crawl_stores_every_sample_article(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    count = db.execute("select count(*) from articles where source_id = 'kommune21'").fetchone()[0]
    assert count >= 60
    assert db.execute("select count(distinct url) from articles").fetchone()[0] == db["articles"].count
    run = next(db.query("select * from crawl_runs order by id limit 1"))
    assert run["new"] == count and run["status"] == "finished"


def test_article_urls_are_canonical(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    urls = [row["url"] for row in db.query("select url from articles where source_id = 'kommune21'")]
    assert all("/k21-meldungen/" in url and url.endswith("/") for url in urls), urls[:5]


def test_every_article_has_title_body_and_date_or_flag(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    for row in db.query("select * from articles where source_id = 'kommune21'"):
        assert row["title"] and row["body"], row["url"]
        assert " - Kommune21" not in row["title"]
        assert bool(row["published"]) != bool(row["date_missing"]), row["url"]


def test_second_crawl_adds_no_rows(sample_site, crawled_db, tmp_path):
    db = sqlite_utils.Database(crawled_db)
    before = {name: db[name].count for name in ("articles", "tags", "article_versions")}
    result = run_radar("crawl", "--start-url", f"{sample_site.base_url}/", "--db", str(crawled_db))
    assert result.returncode == 0, result.stderr[-2000:]
    after = {name: db[name].count for name in ("articles", "tags", "article_versions")}
    assert after == before


def test_datasette_full_text_search_answers_json(crawled_db):
    rows = datasette_json(crawled_db, "/radar/articles.json?_search=Onlinezugangsgesetz&_shape=array&_size=max")
    assert rows, "no article found for Onlinezugangsgesetz"
    assert all("onlinezugangsgesetz" in (r["title"] + r["teaser"] + r["body"]).lower() for r in rows)


def test_datasette_search_for_ozg_finds_tagged_articles(crawled_db):
    rows = datasette_json(crawled_db, "/radar/articles.json?_search=OZG&_shape=array&_size=max")
    db = sqlite_utils.Database(crawled_db)
    tagged = {r["article_id"] for r in db.query("select article_id from tags where kind='topic' and value='ozg'")}
    found = {r["id"] for r in rows}
    assert len(found) >= 8
    assert found <= tagged | found  # every hit is a real article
    assert len(found & tagged) >= 8


def test_bad_start_url_is_one_line_error():
    result = run_radar("crawl", "--start-url", "not a url", "--db", "/tmp/never.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not an http(s) URL" in result.stderr


def test_unreachable_host_is_one_line_error(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_radar("crawl", "--start-url", f"http://127.0.0.1:{port}/", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: cannot reach 127.0.0.1:{port} (Connection refused)"]


def test_serve_without_archive_is_one_line_error(tmp_path):
    result = run_radar("serve", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2  # db/'s one-line ArchiveError (docs/schema.md)
    assert result.stderr.strip() == f"Error: {tmp_path / 'missing.db'}: no such file"
    assert not (tmp_path / "missing.db").exists()
    assert len(result.stderr.strip().splitlines()) == 1


def test_tag_json_is_stored_with_evidence(crawled_db):
    db = sqlite_utils.Database(crawled_db)
    rows = list(db.query("select * from tags where evidence is not null limit 50"))
    assert rows
    for row in rows:
        assert row["kind"] in {"actor", "state", "municipality", "topic"}
        assert row["field"] in {"title", "teaser", "body"}
        assert row["offset"] >= 0
    json.dumps(rows)
