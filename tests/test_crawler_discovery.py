"""How the configured spider finds articles, without a network: Atom feeds, RSS, sitemap indexes,
gzipped sitemaps, list pages with --since, and error kinds — callbacks fed with built responses."""

from __future__ import annotations

import gzip
from datetime import date

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import LinksItem, QuarantineItem
from crawler.spiders.configured import ConfiguredSpider, _feed_date

SOURCES = """
[sources.press]
type = "feed"
start_urls = ["http://press.example/feed"]
article_urls = '/news/'

[sources.maps]
type = "sitemap"
start_urls = ["http://maps.example/sitemap.xml"]

[sources.list]
type = "rules"
start_urls = ["http://list.example/"]
[sources.list.rules]
item = ".news-item"
link = "a::attr(href)"
date = ".date::text"
next = "a.next::attr(href)"
"""


@pytest.fixture
def spider(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES, encoding="utf-8")
    crawler = get_crawler(ConfiguredSpider, {"RADAR_INCREMENTAL": False})
    made = crawler._create_spider(sources="*", sources_file=str(path))
    crawler.spider = made
    return made


def respond(cls, url: str, body: bytes, source: str, **meta):
    request = Request(url, meta={"source": source, "role": "listing", **meta})
    return cls(url=url, body=body, request=request, headers={"Content-Type": "application/xml"})


def split(output):
    output = list(output)
    return [o for o in output if isinstance(o, Request)], [o for o in output if not isinstance(o, Request)]


def test_atom_feed_entries_and_next_page(spider):
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Presse</title>
<link rel="next" href="http://press.example/feed?page=2"/>
<entry><title>Eins</title><link href="http://press.example/news/1"/><published>2025-09-12T10:00:00+02:00</published></entry>
<entry><title>Zwei</title><link rel="alternate" href="/news/2"/><updated>2025-09-13T08:00:00Z</updated></entry>
<entry><title>Fremd</title><link href="http://press.example/about"/></entry>
</feed>"""
    requests, items = split(spider.parse_feed(respond(XmlResponse, "http://press.example/feed", atom, "press")))
    articles = [r for r in requests if r.meta.get("role") == "article"]
    assert [r.url for r in articles] == ["http://press.example/news/1", "http://press.example/news/2"]
    assert [r.meta["listing_date"] for r in articles] == ["2025-09-12", "2025-09-13"]
    assert [r.url for r in requests if r.meta.get("role") == "listing"] == ["http://press.example/feed?page=2"]
    links = next(i for i in items if isinstance(i, LinksItem))
    assert [link["anchor"] for link in links["links"]] == ["Eins", "Zwei"]


def test_rss_feed_with_since(spider):
    rss = b"""<rss version="2.0"><channel><title>P</title>
<item><title>Neu</title><link>http://press.example/news/neu</link><pubDate>Fri, 12 Sep 2025 10:00:00 +0200</pubDate></item>
<item><title>Alt</title><link>http://press.example/news/alt</link><pubDate>Mon, 02 Jun 2025 10:00:00 +0200</pubDate></item>
</channel></rss>"""
    spider.since = date(2025, 9, 1)
    requests, _ = split(spider.parse_feed(respond(XmlResponse, "http://press.example/feed", rss, "press")))
    assert [r.url for r in requests] == ["http://press.example/news/neu"]


def test_broken_feed_is_quarantined(spider):
    _, items = split(spider.parse_feed(respond(XmlResponse, "http://press.example/feed", b"<html>kein Feed</html>", "press")))
    assert [i["error_kind"] for i in items if isinstance(i, QuarantineItem)] == ["bad_feed"]


def test_sitemap_index_and_gzipped_sitemap(spider):
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://maps.example/a.xml.gz</loc></sitemap></sitemapindex>"""
    requests, _ = split(spider.parse_sitemap(respond(XmlResponse, "http://maps.example/sitemap.xml", index, "maps")))
    assert [r.url for r in requests] == ["http://maps.example/a.xml.gz"]
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://maps.example/artikel/eins</loc><lastmod>2025-10-01</lastmod></url>
<url><loc>http://elsewhere.example/artikel/zwei</loc></url></urlset>"""
    response = respond(XmlResponse, "http://maps.example/a.xml.gz", gzip.compress(urlset), "maps")
    requests, items = split(spider.parse_sitemap(response))
    assert [r.url for r in requests] == ["http://maps.example/artikel/eins"]  # the other host is not allowed
    assert next(i for i in items if isinstance(i, LinksItem))["links"][0]["context"] == "sitemap"


def test_list_page_with_since_stops_paging_at_older_pages(spider):
    html = b"""<html><body>
<div class="news-item"><span class="date">[12.09.2025]</span><a href="/a">A</a></div>
<div class="news-item"><span class="date">[02.06.2025]</span><a href="/b">B</a></div>
<a class="next" href="/?pg=2">weiter</a></body></html>"""
    spider.since = date(2025, 9, 1)
    requests, _ = split(spider.parse_listing(respond(HtmlResponse, "http://list.example/", html, "list")))
    # the next list page comes first: the chain of list pages is the crawl's critical path
    assert [r.url for r in requests] == ["http://list.example/?pg=2", "http://list.example/a"]
    older = html.replace(b"12.09.2025", b"01.08.2025")
    requests, _ = split(spider.parse_listing(respond(HtmlResponse, "http://list.example/?pg=2", older, "list", page=2)))
    assert requests == []  # every dated teaser is older than --since: no next page


def test_listing_pages_are_never_deduplicated_away(spider):
    first = spider.listing_request("http://list.example/", spider.by_id["list"], spider.parse_listing)
    assert first.dont_filter
    assert spider.listing_request("http://list.example/", spider.by_id["list"], spider.parse_listing) is None  # no loops


@pytest.mark.parametrize(
    "text, expected",
    [("Fri, 12 Sep 2025 10:00:00 +0200", "2025-09-12"), ("2025-09-13T23:30:00Z", "2025-09-14"),
     ("2025-10-01", "2025-10-01"), ("", None), ("2999-01-01", None), ("kein Datum", None)],
)
def test_feed_and_sitemap_dates(text, expected):
    assert _feed_date(text) == expected


def test_rss_1_0_and_a_broken_rss_feed_are_read_by_feedparser(spider):
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://press.example/"><title>P</title></channel>
<item rdf:about="http://press.example/news/rdf"><title>RDF</title><link>http://press.example/news/rdf</link>
<dc:date>2025-09-10T09:00:00+02:00</dc:date></item></rdf:RDF>"""
    requests, _ = split(spider.parse_feed(respond(XmlResponse, "http://press.example/feed", rdf, "press")))
    assert [(r.url, r.meta["listing_date"]) for r in requests] == [("http://press.example/news/rdf", "2025-09-10")]
    # an undeclared HTML entity and an unclosed <channel>: lxml gives up, feedparser reads on
    broken = b"""<rss version="2.0"><channel><title>Presse &ndash; Verband</title>
<item><title>Kaputt &amp; trotzdem</title><link>http://press.example/news/kaputt</link>
<pubDate>Fri, 12 Sep 2025 10:00:00 +0200</pubDate></item>"""
    requests, items = split(spider.parse_feed(respond(XmlResponse, "http://press.example/feed", broken, "press")))
    assert [r.url for r in requests] == ["http://press.example/news/kaputt"]
    assert not [i for i in items if isinstance(i, QuarantineItem)]


def test_a_gzipped_sitemap_bomb_is_cut_off_at_download_maxsize(spider):
    bomb = gzip.compress(b"<urlset>" + b" " * (8 * 1024 * 1024) + b"</urlset>")
    response = respond(XmlResponse, "http://maps.example/bomb.xml.gz", bomb, "maps", download_maxsize=1024 * 1024)
    requests, items = split(spider.parse_sitemap(response))
    assert requests == []
    assert [i["error_kind"] for i in items if isinstance(i, QuarantineItem)] == ["compression_bomb"]
