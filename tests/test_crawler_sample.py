"""One crawl of all three sample sources (list pages, RSS feed, sitemap) checked against the sample
site's truth: every article once under its canonical URL, every field, links, aliases, raw pages,
near-duplicates and the run's bookkeeping."""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from sample_site.articles import expected_articles, load_all

BERLIN = ZoneInfo("Europe/Berlin")
FIELDS = ("title", "teaser", "body", "date_missing")
K21_FIELDS = ("kicker", "image_caption", "image_credit")


@pytest.fixture(scope="module")
def db(all_sources_db):
    return sqlite_utils.Database(all_sources_db)


@pytest.fixture(scope="module")
def truth(sample_site):
    return expected_articles(sample_site.base_url)


def expected_published(record: dict, fetched_at: str) -> str | None:
    """The truth's date; a relative date (`vor 3 Tagen`) counts from the day the page was fetched."""
    if record["relative_days"]:
        day = datetime.fromisoformat(fetched_at).astimezone(BERLIN).date()
        return (day - timedelta(days=record["relative_days"])).isoformat()
    return record["published"]


def test_every_article_of_every_source_is_stored_once(db, truth):
    urls = [row["url"] for row in db.query("select url from articles")]
    assert len(urls) == len(set(urls))
    assert sorted(urls) == sorted(r["url"] for r in truth)
    by_source = {row["source_id"]: row["n"] for row in db.query("select source_id, count(*) n from articles group by 1")}
    assert by_source == {"kommune21": 70, "verband": 13, "egov": 12}


def test_every_field_matches_the_truth(db, truth):
    rows = {row["url"]: row for row in db.query("select * from articles")}
    mismatches = []
    for record in truth:
        row = rows[record["url"]]
        fields = FIELDS + (K21_FIELDS if record["source"] == "kommune21" else ())
        for name in fields:
            if (row[name] or "") != (record[name] or ""):
                mismatches.append((record["slug"], name, row[name], record[name]))
        if row["published"] != expected_published(record, row["fetched_at"]):
            mismatches.append((record["slug"], "published", row["published"], record["published"]))
    assert mismatches == []


def test_title_suffix_is_stripped_and_undated_articles_are_flagged_not_dated(db):
    assert not list(db.query("select url from articles where title like '%Kommune21 online%'"))
    undated = {row["url"].rsplit("/", 2)[-2] for row in db.query("select url from articles where date_missing = 1")}
    assert undated == {
        "interview-wie-kommunen-ki-sinnvoll-einsetzen",
        "kommentar-warum-die-verwaltung-mutiger-werden-muss",
        "hintergrund-was-die-registermodernisierung-fuer-kommunen-bedeutet",
    }
    assert not list(db.query("select url from articles where date_missing = 1 and published is not null"))


def test_old_url_forms_and_print_alias_resolve_to_the_canonical_article(db, sample_site):
    content = load_all()
    aliases = {row["alias"]: row["url"] for row in db.query("select alias, url from url_aliases")}
    listed_old = [a for a in content.kommune21 if a.list_link in ("meldung", "p")]
    assert listed_old
    for art in listed_old:
        form = f"/meldung_{art.legacy_id}_{art.slug}" if art.list_link == "meldung" else f"/?p={art.legacy_id}"
        assert aliases[sample_site.base_url + form] == sample_site.base_url + art.path
    printed = next(a for a in content.kommune21 if "print_alias" in a.flags)
    assert aliases[f"{sample_site.base_url}/druck{printed.path}"] == sample_site.base_url + printed.path


def test_teasers_feed_and_sitemap_entries_and_related_blocks_are_discovered_links(db, sample_site):
    counts = {row["context"]: row["n"] for row in db.query("select context, count(*) n from links group by 1")}
    assert counts["teaser"] == 70 and counts["feed"] == 13 and counts["sitemap"] == 12
    related = sum(len(a.related) for a in load_all().kommune21)
    assert counts["related"] == related + 1  # and the link to /private/, recorded but never fetched
    teaser = next(db.query("select * from links where context = 'teaser' and url like '%vitako-fordert%'"))
    assert teaser["from_url"].startswith(sample_site.base_url) and "Cloud" in teaser["anchor"]


def test_raw_html_of_each_article_is_kept_compressed(db):
    rows = list(db.query("select a.title, r.html_gz from articles a join raw_pages r on r.article_id = a.id"))
    assert len(rows) == db["articles"].count
    html = zlib.decompress(rows[0]["html_gz"]).decode("utf-8")
    assert rows[0]["title"].split(":")[0] in html


def test_the_press_release_copy_is_linked_not_counted_twice(db):
    twin = next(db.query("select * from articles where url like '%cloud-strategie-braucht-die-kommunalen-rechenzentren%'"))
    original = next(db.query("select * from articles where url like '%vitako-fordert-verlaessliche-cloud-strategie/'"))
    assert twin["duplicate_of"] == original["id"] and original["duplicate_of"] is None
    assert db.execute("select count(*) from articles where duplicate_of is null").fetchone()[0] == 94


def test_articles_are_tagged(db):
    tagged = db.execute("select count(distinct article_id) from tags").fetchone()[0]
    assert tagged >= 0.9 * db["articles"].count


def test_the_run_is_recorded_and_sources_keep_their_config(db):
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["status"] == "finished"
    assert run["new"] == 95 and run["duplicates"] == 1 and run["pages"] >= 95 + 4 + 2
    assert json.loads(run["sources"]) == ["kommune21", "verband", "egov"]
    assert json.loads(run["errors_by_kind"]) == {}  # the 3 undated articles are stored and shown: no error
    assert run["errors"] == 0
    sources = {row["id"]: row for row in db.query("select * from sources")}
    assert sources["egov"]["extractor"] == "generic" and sources["verband"]["discovery"] == "feed"
    assert json.loads(sources["verband"]["config"])["article"]["title"] == "article h1::text"
    assert {row["last_crawl_status"] for row in sources.values()} == {"finished"}


def test_etag_and_last_modified_are_kept_for_conditional_requests(db):
    missing = db.execute("select count(*) from articles where etag is null or last_modified is null").fetchone()[0]
    assert missing == 0
