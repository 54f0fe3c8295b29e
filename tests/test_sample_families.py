"""The three extra markup families of the sample site (sample_site/families.py): served by the same
server, paged in their own way, carrying the kicker and date the way their truth says."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from parsel import Selector

from sample_site.families import FAMILIES, family_articles, family_truth, list_href
from sample_site.server import SampleSite


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite() as s:
        yield s


def get(site: SampleSite, path: str) -> Selector:
    with urllib.request.urlopen(site.url(path), timeout=10) as resp:
        assert resp.status == 200
        return Selector(text=resp.read().decode("utf-8"))


def test_truth_has_every_case() -> None:
    truth = family_truth("http://x")
    assert len(truth) == len(FAMILIES) * 22 and len({r["url"] for r in truth}) == len(truth)
    for source in FAMILIES:
        recs = family_truth("", source)
        assert sum(1 for r in recs if not r["kicker"]) >= 3  # some headlines stand alone
        assert any(r["title"].startswith("Nachgefragt: ") and r["kicker"] for r in recs)
        assert any(r["title"].startswith("Nachgefragt: ") and not r["kicker"] for r in recs)
    for stamp_only in ("kreisnews", "k21neu"):
        assert [r["slug"] for r in family_truth("", stamp_only) if r["published"] is None] != []
        assert all("T" not in (r["published"] or "") for r in family_truth("", stamp_only))
    assert all("T" not in (r["published"] or "") for r in family_truth("", "kreisnews"))
    assert all("T" in r["published"] for r in family_truth("", "stadtblog"))


@pytest.mark.parametrize("source", list(FAMILIES))
def test_list_pages_chain_through_their_own_paging(site: SampleSite, source: str) -> None:
    arts = family_articles(source)
    found: list[str] = []
    for page in (1, 2, 3):
        sel = get(site, list_href(source, page))
        found += [h for h in sel.css("a::attr(href)").getall() if h in {a.path for a in arts}]
    assert set(found) == {a.path for a in arts}
    assert list_href(source, 2) in {"/blog/page/2/", "/landkreis/aktuelles/seite-2/", "/land/presse?page=1", "/relaunch/seite-2/"}


def test_kicker_and_date_markup_per_family(site: SampleSite) -> None:
    wp = next(a for a in family_articles("stadtblog") if a.kicker)
    sel = get(site, wp.path)
    assert sel.css("h1.entry-title::text").get() == f"{wp.kicker}: {wp.title}"
    assert sel.css('meta[property="og:title"]::attr(content)').get() == wp.title
    assert sel.css("time.entry-date::attr(datetime)").get() == wp.published

    t3 = next(a for a in family_articles("kreisnews") if a.kicker and a.day)
    sel = get(site, t3.path)
    assert sel.css("h1 small::text").get() == t3.kicker
    assert sel.css("title::text").get() == f"{FAMILIES['kreisnews'][0]}: {t3.title}"
    assert sel.css(".teaser-text p::text").get().startswith(t3.stamp + " ")
    assert not sel.css("time, meta[property='article:published_time'], script[type='application/ld+json']")

    dr = next(a for a in family_articles("landesportal") if a.kicker)
    sel = get(site, dr.path)
    assert sel.css("h1.page-title span::text").getall() == [dr.kicker, dr.title]
    assert dr.published in sel.css('script[type="application/ld+json"]::text').get()

    k21 = next(a for a in family_articles("k21neu") if a.kicker and a.day)
    assert "/k21-meldungen/" in k21.path
    sel = get(site, k21.path)
    assert sel.css("h1 span::text").get() == k21.kicker and sel.css("h1::text").get() == k21.title
    assert sel.css(".meldung-detail__anriss::text").get().startswith(k21.stamp + " ")
