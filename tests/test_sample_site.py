"""The sample site: content truth, static build, real HTTP server behaviour, faults, generator.

Everything here talks to a real `SampleSite` over sockets with urllib, the way the crawler will.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from parsel import Selector

from sample_site.articles import expected_articles, load_all
from sample_site.build import DEFAULT_SITE_DIR, build_site
from sample_site.faults import FAULT_TITLES, FAULTS
from sample_site.generate import generate_articles, generate_site, load_truth
from sample_site.server import SampleSite
from sample_site.truthcheck import check_all, found_tags

ROOT = Path(__file__).resolve().parents[1]
CONTENT = load_all()
DATE_RE = re.compile(r"\[\d{2}\.\d{2}\.\d{4}\]")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_RAW = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None, follow: bool = True,
          method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) without raising on 3xx/4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener() if follow else _RAW
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def page(site: SampleSite, path: str) -> Selector:
    status, _, body = fetch(site.url(path))
    assert status == 200, path
    return Selector(text=body.decode("utf-8"))


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> None:
    if "site" in request.fixturenames:
        request.getfixturevalue("site").reset()


# ----------------------------------------------------------------------------- content & build
def test_content_sizes_and_required_cases() -> None:
    k21 = CONTENT.kommune21
    assert len(k21) >= 64 and len(CONTENT.verband) >= 12 and len(CONTENT.egov) >= 10
    assert sum("ozg" in a.expect.topics for a in k21) >= 8
    assert 2 <= sum(a.nodate for a in k21) <= 3
    assert [a.slug for a in k21 if "xss" in a.flags]
    days = [a.day for a in k21 if not a.nodate]
    assert min(days) >= date(2025, 6, 1) and max(days) <= date(2025, 11, 30)
    for week in (38, 39, 40):
        assert sum(d.isocalendar()[1] == week for d in days) >= 5, week
    assert {a.dateline for a in k21} >= {"weekday", "long", "numeric", "none"}
    with_meta = sum(bool(a.meta) for a in k21)
    assert len(k21) // 4 <= with_meta <= len(k21) // 2


def test_expected_tags_agree_with_texts() -> None:
    """The hand-made truth may not drift from the texts (see sample_site/truthcheck.py)."""
    assert check_all() == []


def test_truthcheck_encodes_the_pitfalls() -> None:
    tags = found_tags("Beim FC Bayern in Dortmund, in Niedersachsen und Sachsen-Anhalt; Kita; "
                      "www.mach-es-digital.example; Mach es digital!")
    assert tags["states"] == {"DE-NW", "DE-NI", "DE-ST"}
    assert tags["topics"] == set() and tags["actors"] == set()


def test_committed_site_matches_a_fresh_build(tmp_path: Path) -> None:
    """`python -m sample_site.build` output is committed; it must be regenerated after edits."""
    fresh = build_site(tmp_path / "site")
    cmp = filecmp.dircmp(fresh, DEFAULT_SITE_DIR)

    def diffs(c: filecmp.dircmp) -> list[str]:
        out = c.left_only + c.right_only + c.diff_files
        for sub in c.subdirs.values():
            out += diffs(sub)
        return out

    assert diffs(cmp) == [], "run: python -m sample_site.build"


def test_expected_articles_records() -> None:
    recs = expected_articles("http://127.0.0.1:1")
    assert len(recs) == len(CONTENT.all())
    first = recs[0]
    assert first["url"].startswith("http://127.0.0.1:1/k21-meldungen/")
    assert set(first) >= {"title", "kicker", "teaser", "body", "published", "date_missing", "expect"}
    dup = [r for r in recs if r["duplicate_of"]]
    assert len(dup) == 1
    twin = next(r for r in recs if r["slug"] == dup[0]["duplicate_of"] and r["source"] == "kommune21")
    assert twin["body"] == dup[0]["body"] and twin["title"] != dup[0]["title"]


# ----------------------------------------------------------------------------- Kommune21 pages
def test_list_pages_chain_to_the_end_newest_first(site: SampleSite) -> None:
    path: str | None = "/"
    pages, items = 0, []
    while path:
        sel = page(site, path)
        pages += 1
        for item in sel.css(".news-list article.news-item"):
            href = item.css("h2 a::attr(href)").get()
            assert href == item.css("p.teaser a.more::attr(href)").get()
            assert item.css("h2 a span.kicker::text").get() and item.css("h2 a span.title::text").get()
            items.append((href, item.css("p.teaser span.date::text").get()))
        nxt = sel.css('a.next[rel="next"]::attr(href)').get()
        assert nxt in (None, f"/?pg={pages + 1}")
        path = nxt
    assert pages == 4 and len(items) == len(CONTENT.kommune21)
    assert len([1 for _, d in items[:20]]) == 20
    dated = [date(int(d[7:11]), int(d[4:6]), int(d[1:3])) for _, d in items if d]
    assert dated == sorted(dated, reverse=True)
    assert sum(d is None for _, d in items) == sum(a.nodate for a in CONTENT.kommune21)
    hrefs = [h for h, _ in items]
    assert any(h.startswith("/meldung_") for h in hrefs) and any(h.startswith("/?p=") for h in hrefs)
    assert fetch(site.url("/?pg=5"))[0] == 404


def test_article_has_the_binding_markup(site: SampleSite) -> None:
    art = next(a for a in CONTENT.kommune21 if a.slug == "vitako-deutschland-stack-und-ki-im-fokus")
    status, headers, body = fetch(site.url(art.path))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    sel = Selector(text=body.decode())
    assert sel.css("title::text").get() == (
        "Deutschland-Stack und KI im Fokus - Kommune21 online | Kommune21 - E-Government, "
        "Internet und Informationstechnik")
    assert sel.css('link[rel="canonical"]::attr(href)').get() == art.path
    assert sel.css('meta[property="article:published_time"]::attr(content)').get() == (
        "2025-07-15T09:30:00+02:00")
    root = sel.css("#content .article")
    assert root.css("p.dateline::text").get() == "Dienstag, 15. Juli 2025"
    assert root.css("h1 span.kicker::text").get() == "Vitako"
    assert "".join(root.css("h1 ::text").getall()) == "VitakoDeutschland-Stack und KI im Fokus"
    assert root.css("p.teaser span.date::text").get() == "[15.07.2025]"
    assert root.css("figure.image img::attr(src)").get() == f"/img/{art.slug}.jpg"
    assert root.css("figcaption::text").get().endswith("(Bildquelle: Vitako)")
    assert len(root.css("div.body p")) == len(art.body)
    related = root.css("div.related li")
    assert related[0].css("span.date::text").get() == "[03.07.2025]"
    assert related[0].css("a::text").getall()[-1] == "mehr..."
    assert sel.css("#cookie-note") and sel.css("nav#menu a")  # page noise is there


def test_nodate_articles_have_no_date_anywhere(site: SampleSite) -> None:
    for art in (a for a in CONTENT.kommune21 if a.nodate):
        html = fetch(site.url(art.path))[2].decode()
        sel = Selector(text=html)
        assert not sel.css("p.dateline") and not sel.css("p.teaser span.date")
        assert "published_time" not in html and "datePublished" not in html
        assert not DATE_RE.search(" ".join(sel.css("#content .article ::text").getall()))


def test_jsonld_and_numeric_datelines(site: SampleSite) -> None:
    ld = next(a for a in CONTENT.kommune21 if "jsonld" in a.meta)
    html = fetch(site.url(ld.path))[2].decode()
    assert '"@type": "NewsArticle"' in html and f'"datePublished": "{ld.published}"' in html
    num = next(a for a in CONTENT.kommune21 if a.dateline == "numeric")
    line = page(site, num.path).css("p.dateline::text").get()
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr", line)


def test_script_injection_article_is_escaped_text(site: SampleSite) -> None:
    art = next(a for a in CONTENT.kommune21 if "xss" in a.flags)
    html = fetch(site.url(art.path))[2].decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = " ".join(Selector(text=html).css("div.body ::text").getall())
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text


def test_old_urls_redirect_to_canonical(site: SampleSite) -> None:
    art = next(a for a in CONTENT.kommune21 if a.legacy_id)
    for old in (f"/?p={art.legacy_id}", f"/meldung_{art.legacy_id}_{art.slug}"):
        status, headers, _ = fetch(site.url(old), follow=False)
        assert status == 301 and headers["Location"] == art.path
        assert fetch(site.url(old))[0] == 200
    assert fetch(site.url("/?p=999999"), follow=False)[0] == 404
    status, headers, _ = fetch(site.url(art.path.rstrip("/")), follow=False)
    assert status == 301 and headers["Location"] == art.path


def test_print_alias_is_200_with_canonical(site: SampleSite) -> None:
    art = next(a for a in CONTENT.kommune21 if "print_alias" in a.flags)
    sel = page(site, f"/druck{art.path}")
    assert sel.css('link[rel="canonical"]::attr(href)').get() == art.path
    linking = [a for a in CONTENT.kommune21 if ("print", art.slug) in a.related]
    assert linking and f"/druck{art.path}" in fetch(site.url(linking[0].path))[2].decode()


def test_images_placeholder_or_404(site: SampleSite) -> None:
    shown = next(a for a in CONTENT.kommune21 if a.caption and not a.image_missing)
    status, headers, body = fetch(site.url(f"/img/{shown.slug}.jpg"))
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"
    missing = next(a for a in CONTENT.kommune21 if a.image_missing)
    assert fetch(site.url(f"/img/{missing.slug}.jpg"))[0] == 404


# ----------------------------------------------------------------------------- HTTP behaviour
def test_conditional_requests(site: SampleSite) -> None:
    path = CONTENT.kommune21[0].path
    status, headers, _ = fetch(site.url(path))
    etag, lastmod = headers["ETag"], headers["Last-Modified"]
    assert fetch(site.url(path), {"If-None-Match": etag})[0] == 304
    assert fetch(site.url(path), {"If-Modified-Since": lastmod})[0] == 304
    assert fetch(site.url(path), {"If-Modified-Since": "Mon, 02 Jun 2025 00:00:00 GMT"})[0] == 200
    assert fetch(site.url(path), {"If-None-Match": '"other"', "If-Modified-Since": lastmod})[0] == 200
    assert fetch(site.url("/?pg=2"), {"If-None-Match": fetch(site.url("/?pg=2"))[1]["ETag"]})[0] == 304


def test_override_and_hits(site: SampleSite) -> None:
    path = CONTENT.kommune21[3].path
    _, before, original = fetch(site.url(path))
    site.override(path, b"<html><body>aktualisiert</body></html>")
    status, headers, body = fetch(site.url(path), {"If-None-Match": before["ETag"]})
    assert status == 200 and body == b"<html><body>aktualisiert</body></html>"
    assert headers["ETag"] != before["ETag"]
    assert parsedate_to_datetime(headers["Last-Modified"]) > parsedate_to_datetime(before["Last-Modified"])
    site.override("/?pg=2", b"gone", status=410, headers={"X-Test": "1"})
    status, headers, _ = fetch(site.url("/?pg=2"))
    assert status == 410 and headers["X-Test"] == "1"
    assert fetch(site.url("/?pg=3"))[0] == 200
    site.clear_overrides()
    assert fetch(site.url(path))[2] == original
    assert site.hits[path] == 3 and site.hits["/?pg=2"] == 1
    assert site.hits.total_for("/k21-meldungen/") >= 3


def test_head_and_unknown_paths(site: SampleSite) -> None:
    status, headers, body = fetch(site.url("/"), method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    for bad in ("/nope", "/_routes.json", "/../../etc/passwd", "/k21-meldungen/gibt-es-nicht/"):
        assert fetch(site.url(bad))[0] == 404, bad


def test_server_is_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    with SampleSite() as quiet:
        fetch(quiet.url("/"))
        fetch(quiet.url("/nope"))
    assert capfd.readouterr().err == ""


# ----------------------------------------------------------------------------- other sources
def test_robots_txt(site: SampleSite) -> None:
    status, headers, body = fetch(site.url("/robots.txt"))
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(body.decode().splitlines())
    assert not rp.can_fetch("*", site.url("/private/secret.html"))
    assert rp.can_fetch("*", site.url("/k21-meldungen/x/"))
    assert rp.site_maps() == ["/egov/sitemap.xml"]
    linked = [a for a in CONTENT.kommune21 if "private_link" in a.flags]
    assert len(linked) == 1 and "/private/secret.html" in fetch(site.url(linked[0].path))[2].decode()


def test_rss_feed(site: SampleSite) -> None:
    status, headers, body = fetch(site.url("/verband/feed.xml"))
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(body).find("channel")
    items = channel.findall("item")
    assert len(items) >= 12 and len(items) == len(CONTENT.verband)
    for item in items:
        assert item.findtext("title") and item.findtext("description")
        assert item.findtext("link").startswith(site.base_url + "/verband/presse/")
        assert parsedate_to_datetime(item.findtext("pubDate")).year == 2025
    sel = page(site, items[0].findtext("link")[len(site.base_url):])
    release = sel.css("article.pressemitteilung")
    assert release.css("time::attr(datetime)").get() and release.css("h1::text").get()
    assert release.css("div.lead::text").get() and release.css("div.text p")
    assert len(page(site, "/verband/presse/").css("ul.press-list li")) == len(items)


def test_sitemap_only_outlet(site: SampleSite) -> None:
    body = fetch(site.url("/egov/sitemap.xml"))[2]
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.fromstring(body).findall("sm:url", ns)
    assert len(urls) >= 10
    metas = []
    for url in urls:
        loc = url.findtext("sm:loc", namespaces=ns)
        date.fromisoformat(url.findtext("sm:lastmod", namespaces=ns))
        assert loc.startswith(site.base_url + "/egov/artikel/")
        sel = page(site, loc[len(site.base_url):])
        assert sel.css("main h1::text").get()
        metas.append(sel.css("main p.meta::text").get())
    joined = " | ".join(metas)
    for form in ("19 Nov. '25", "vor 3 Tagen", "gestern", "22.12.2023", "15. Oktober 2025"):
        assert form in joined
    assert fetch(site.url("/egov/"))[0] == 404  # no list page


def test_near_duplicate_pair_on_the_pages(site: SampleSite) -> None:
    dup = next(a for a in CONTENT.verband if a.duplicate_of)
    twin = next(a for a in CONTENT.kommune21 if a.slug == dup.duplicate_of)
    k21 = page(site, twin.path).css("div.body p::text").getall()
    press = page(site, dup.path).css("div.text p::text").getall()
    assert k21 == press
    assert page(site, dup.path).css("h1::text").get() != twin.title


# ----------------------------------------------------------------------------- faults
def test_fault_list_and_isolation(site: SampleSite) -> None:
    sel = page(site, "/faults/")
    hrefs = sel.css(".news-item h2 a::attr(href)").getall()
    assert hrefs == [f"/faults/{name}" for name in FAULTS]
    for p in range(1, 5):
        assert "/faults/" not in fetch(site.url(f"/?pg={p}"))[2].decode()


def test_fault_status_codes(site: SampleSite) -> None:
    assert fetch(site.url("/faults/404"))[0] == 404
    assert [fetch(site.url("/faults/500"))[0] for _ in range(3)] == [500, 500, 500]
    assert [fetch(site.url("/faults/flaky"))[0] for _ in range(4)] == [500, 500, 200, 200]
    assert [fetch(site.url("/faults/flaky?x=1"))[0] for _ in range(3)] == [500, 500, 200]
    sel = Selector(text=fetch(site.url("/faults/flaky"))[2].decode())
    assert sel.css("h1 .title::text").get() == FAULT_TITLES["flaky"]
    assert fetch(site.url("/faults/unknown"))[0] == 404
    status, _, body = fetch(site.url("/faults/empty"))
    assert status == 200 and body == b""


def test_fault_slow(site: SampleSite) -> None:
    started = time.monotonic()
    status, _, body = fetch(site.url("/faults/slow?s=0.4"))
    assert status == 200 and time.monotonic() - started >= 0.4 and FAULT_TITLES["slow"].encode() in body


def test_fault_bodies(site: SampleSite) -> None:
    body = fetch(site.url("/faults/truncated"))[2]
    assert body.endswith(b"<p") and b'<span class="title">' in body and b"</html>" not in body
    sel = Selector(text=fetch(site.url("/faults/malformed"))[2].decode())
    assert sel.css("h1 .title::text").get() == FAULT_TITLES["malformed"]
    assert len(sel.css("div.body p")) >= 2
    status, headers, body = fetch(site.url("/faults/latin1"))
    assert headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert "Fürth".encode("iso-8859-1") in body and FAULT_TITLES["latin1"] in body.decode("iso-8859-1")
    status, headers, body = fetch(site.url("/faults/wrong-charset"))
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b'<meta charset="iso-8859-1">' in body
    assert FAULT_TITLES["wrong-charset"] in body.decode("iso-8859-1")
    html = fetch(site.url("/faults/nodate"))[2].decode()
    assert "dateline" not in html and not DATE_RE.search(html) and "published_time" not in html


def test_fault_huge(site: SampleSite) -> None:
    status, headers, body = fetch(site.url("/faults/huge"))
    assert status == 200 and len(body) == 20 * 1024 * 1024 == int(headers["Content-Length"])
    assert body.rstrip().endswith(b"</html>")
    assert len(fetch(site.url("/faults/huge?mb=1"))[2]) == 1024 * 1024


# ----------------------------------------------------------------------------- generator & CLI
def test_generator_site_is_served_and_truthful(tmp_path: Path) -> None:
    out = generate_site(tmp_path / "gen", 45, seed=7)
    truth = load_truth(out)
    assert len(truth) == 45
    with SampleSite(root=out) as gen:
        path: str | None = "/"
        links = []
        while path:
            sel = page(gen, path)
            links += sel.css(".news-item h2 a::attr(href)").getall()
            path = sel.css('a.next[rel="next"]::attr(href)').get()
        assert links == [t["path"] for t in truth]
        art = page(gen, truth[0]["path"])
        assert art.css("h1 .title::text").get() == truth[0]["title"]
        assert fetch(gen.url("/?pg=3"))[0] == 200 and fetch(gen.url("/?pg=4"))[0] == 404
    assert check_all(generate_articles(300, seed=1)) == []


def test_generator_is_fast_and_deterministic(tmp_path: Path) -> None:
    started = time.perf_counter()
    generate_site(tmp_path / "a", 1000, seed=3)
    assert time.perf_counter() - started < 10  # 10,000 take about 9 s
    generate_site(tmp_path / "b", 1000, seed=3)
    assert (tmp_path / "a" / "_truth.jsonl").read_bytes() == (tmp_path / "b" / "_truth.jsonl").read_bytes()
    words = [len(" ".join(t["body"].split("\n\n")).split()) for t in load_truth(tmp_path / "a")]
    assert 250 <= sum(words) / len(words) <= 400


def test_server_cli_prints_url_and_serves() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sample_site.server", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        assert fetch(url + "/robots.txt")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_generate_cli(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    run = subprocess.run([sys.executable, "-m", "sample_site.generate", str(out), "--articles", "21"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert "21 articles on 2 list pages" in run.stdout
    assert (out / "_pages" / "2.html").exists()


def test_last_modified_is_the_publication_time(site: SampleSite) -> None:
    art = next(a for a in CONTENT.kommune21 if a.published and "T" in a.published)
    lastmod = fetch(site.url(art.path))[1]["Last-Modified"]
    assert lastmod == format_datetime(art.published_dt.astimezone(timezone.utc), usegmt=True)
