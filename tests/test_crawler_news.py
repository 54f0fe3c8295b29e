"""Generic news-page rules on markup of no particular CMS: kicker vs. headline, the teaser stamp,
published vs. updated dates, list links without rules. Small invented pages, one case each."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from parsel import Selector

from crawler.extract.generic import extract_generic
from crawler.extract.listing import guess_article_links, guess_next, page_hrefs
from crawler.extract.news import headline_and_kicker, split_stamp
from crawler.extract.rules import extract_with_rules

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=timezone.utc)
BODY = "<div class='text'><p>" + "Der Kreistag hat den Plan einstimmig beschlossen und will ihn zügig umsetzen. " * 4 + "</p><p>" + "Die Umsetzung beginnt im Frühjahr in drei Pilotgemeinden des Kreises. " * 4 + "</p></div>"


def page(head: str, h1: str, rest: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body><main>{h1}{rest}{BODY}</main></body></html>"


@pytest.mark.parametrize(
    ("head", "h1", "expected"),
    [
        # kicker element in the h1, headline in og:title
        ('<meta property="og:title" content="Neue Wege zur E-Akte">', '<h1><span class="roof">Kreis Unna</span> Neue Wege zur E-Akte</h1>', ("Neue Wege zur E-Akte", "Kreis Unna")),
        # `Kicker: Headline`, <title> with the site name after a pipe
        ("<title>Neue Wege zur E-Akte | Kreisblatt</title>", "<h1>Kreis Unna: Neue Wege zur E-Akte</h1>", ("Neue Wege zur E-Akte", "Kreis Unna")),
        # site name first in <title>, kicker as <small>
        ("<title>Kreisblatt – Neue Wege zur E-Akte</title>", "<h1><small>Kreis Unna</small>Neue Wege zur E-Akte</h1>", ("Neue Wege zur E-Akte", "Kreis Unna")),
        # a colon that belongs to the headline: the page's headline has it too
        ("<title>Interview: Neue Wege zur E-Akte - Kreisblatt</title>", "<h1>Interview: Neue Wege zur E-Akte</h1>", ("Interview: Neue Wege zur E-Akte", "")),
        # JSON-LD headline, spans without a space between them
        ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "headline": "Neue Wege zur E-Akte"}]}</script>',
         "<h1><span>Kreis Unna</span><span>Neue Wege zur E-Akte</span></h1>", ("Neue Wege zur E-Akte", "Kreis Unna")),
        # no metadata at all: a marked first child is the kicker, plain text is not split
        ("", '<h1><span class="dachzeile">Kreis Unna</span> Neue Wege zur E-Akte</h1>', ("Neue Wege zur E-Akte", "Kreis Unna")),
        ("", "<h1>Kreis Unna: Neue Wege zur E-Akte</h1>", ("Kreis Unna: Neue Wege zur E-Akte", "")),
        # kicker in <title> too, between site names: the headline is a middle segment
        ("<title>Kreis Unna: Neue Wege zur E-Akte - Kreisblatt online | Kreisblatt - Nachrichten</title>",
         "<h1><span>Kreis Unna</span> <span>Neue Wege zur E-Akte</span></h1>", ("Neue Wege zur E-Akte", "Kreis Unna")),
        # a long sentence before the headline is no kicker
        ("<title>E-Akte | Kreisblatt</title>", "<h1>Was der Kreis Unna in diesem Jahr mit der neuen Software alles vorhat: E-Akte</h1>",
         ("Was der Kreis Unna in diesem Jahr mit der neuen Software alles vorhat: E-Akte", "")),
    ],
)
def test_headline_and_kicker(head, h1, expected):
    assert headline_and_kicker(Selector(text=page(head, h1))) == expected


def test_the_h1_of_a_sidebar_is_not_the_headline():
    html = page("<title>Neue Wege zur E-Akte | Kreisblatt</title>", "", "<aside><h1>Meistgelesen</h1></aside><h1>Neue Wege zur E-Akte</h1>")
    assert headline_and_kicker(Selector(text=html)) == ("Neue Wege zur E-Akte", "")


def test_a_logo_h1_in_the_page_header_is_not_the_headline():
    html = ('<html><head><title>Startseite</title></head><body><header><h1 class="logo">Kreisblatt</h1></header>'
            '<main><h1><small>Kreis Unna</small> Neue Wege zur E-Akte</h1></main></body></html>')
    assert headline_and_kicker(Selector(text=html)) == ("Neue Wege zur E-Akte", "Kreis Unna")


def test_the_teaser_stamp_is_the_date_and_leaves_the_teaser():
    assert split_stamp("[29.09.2025] Der Kreis plant") == ("29.09.2025", "Der Kreis plant")
    assert split_stamp("Der Kreis plant [29.09.2025]") == (None, "Der Kreis plant [29.09.2025]")
    html = page("<title>Neue Wege | Kreisblatt</title>", "<h1>Neue Wege</h1>", '<p class="intro">[29.09.2025] Der Kreis plant.</p>')
    fields = extract_generic(html, "http://k.example/a/neue-wege", now=NOW)
    assert fields.published == "2025-09-29" and fields.teaser == "Der Kreis plant."


def test_structured_dates_win_over_the_stamp_and_published_over_updated():
    head = '<title>Neue Wege | Kreisblatt</title>'
    rest = ('<p class="meta"><time class="updated" datetime="2025-10-02T09:00:00+02:00">2.10.</time> '
            '<time class="entry-date published" datetime="2025-09-30T08:15:00+02:00">30.9.</time></p>'
            '<p class="lead">[29.09.2025] Der Kreis plant.</p>')
    fields = extract_generic(page(head, "<h1>Neue Wege</h1>", rest), "http://k.example/a/neue-wege", now=NOW)
    assert fields.published == "2025-09-30T08:15:00+02:00" and fields.teaser == "Der Kreis plant."


def test_dates_of_related_articles_are_not_the_page_date():
    rest = '<div class="related-news"><span class="date">[03.09.2025]</span> <a href="/a/x">Anderes</a></div>'
    fields = extract_generic(page("<title>Neue Wege | Kreisblatt</title>", "<h1>Neue Wege</h1>", rest), "http://k.example/a/n", now=NOW)
    assert fields.published is None


def test_a_title_rule_reading_the_whole_h1_is_split_at_the_pages_headline():
    html = page('<meta property="og:title" content="Neue Wege zur E-Akte">', "<h1><b>Kreis Unna</b> Neue Wege zur E-Akte</h1>", '<div class="lead">[29.09.2025] Der Kreis plant.</div>')
    fields = extract_with_rules(html, "http://k.example/a/n", {"title": "h1", "teaser": ".lead", "body": ".text p"}, now=NOW)
    assert (fields.title, fields.kicker, fields.teaser, fields.published) == ("Neue Wege zur E-Akte", "Kreis Unna", "Der Kreis plant.", "2025-09-29")


LIST = """<html><body><nav><a href="/">Start</a><a href="/kontakt">Kontakt</a><a href="/presse/archiv/">Archiv</a></nav>
<div class="teasers">
<div><a href="/presse/2025/neue-wege-zur-e-akte">Neue Wege</a></div>
<div><a href="/presse/2025/kreis-startet-buergerportal-heute">Portal</a></div>
<div><a href="/presse/2024/glasfaser-fuer-alle-orte">Glasfaser</a></div>
<div><a href="/presse/2025/neue-wege-zur-e-akte#kommentare">Kommentare</a></div>
</div>
<p><a href="/downloads/haushalt-plan-2025.pdf">Haushalt</a> <a href="https://other.example/ein-langer-artikel-dort">extern</a>
<a href="/service/online-dienste-von-a-z">Dienste A-Z</a></p>
<ul class="pagination"><li><a href="/presse/?page=1">1</a></li><li><a href="/presse/?page=2" aria-label="Nächste Seite">Weiter ›</a></li></ul>
</body></html>"""


def test_article_links_are_guessed_by_their_url_shape():
    sel = Selector(text=LIST)
    urls = page_hrefs(sel, "http://k.example/presse/")
    found = guess_article_links(urls, "http://k.example/presse/", lambda u: u.startswith("http://k.example/"))
    assert found == [
        "http://k.example/presse/2025/neue-wege-zur-e-akte",
        "http://k.example/presse/2025/kreis-startet-buergerportal-heute",
        "http://k.example/presse/2024/glasfaser-fuer-alle-orte",
    ]


def test_the_next_page_is_found_by_its_text_or_markup():
    assert guess_next(Selector(text=LIST), "http://k.example/presse/?page=1") == "http://k.example/presse/?page=2"
    assert guess_next(Selector(text='<a class="pager-next" href="?p=3">3</a>'), "http://k.example/l") == "http://k.example/l?p=3"
    assert guess_next(Selector(text='<link rel="next" href="/l/2/"><a href="/x">x</a>'), "http://k.example/l/") == "http://k.example/l/2/"
    assert guess_next(Selector(text='<a href="/l/?page=0">« zurück</a>'), "http://k.example/l/?page=1") is None


K21_TITLE = "<title>Neue Wege zur E-Akte - Kommune21 online | Kommune21 - E-Government, Internet und Informationstechnik</title>"


@pytest.mark.parametrize(
    "article",
    [
        # other classes, no div.body: the generic path
        '<div class="artikel"><h1><span class="dach">Kreis Unna</span><span>Neue Wege zur E-Akte</span></h1>'
        '<p class="lead">[29.09.2025] Der Kreis plant.</p>' + BODY + "</div>",
        # Kommune21's div.body, but kicker and teaser written another way
        '<div class="article"><h1><em>Kreis Unna</em> Neue Wege zur E-Akte</h1><div class="intro">[29.09.2025] Der Kreis plant.</div>'
        '<div class="body"><p>Der Kreistag hat den Plan beschlossen.</p></div></div>',
    ],
)
def test_the_kommune21_extractor_reads_kommune21_pages_of_other_markup(article):
    from crawler.extract.pages import extract_page

    html = f"<html><head>{K21_TITLE}</head><body><div id='content'>{article}</div></body></html>"
    fields = extract_page("kommune21", None, html, "http://k21.example/k21-meldungen/neue-wege/", now=NOW)
    assert (fields.title, fields.kicker, fields.teaser, fields.published) == (
        "Neue Wege zur E-Akte", "Kreis Unna", "Der Kreis plant.", "2025-09-29")
    assert fields.body.startswith("Der Kreistag hat den Plan")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Veröffentlicht am 29.09.2025 um 10:30 Uhr", "2025-09-29T10:30:00+02:00"),
        ("Mo., 29.09.2025 - 10:30", "2025-09-29T10:30:00+02:00"),
        ("29.09.2025 - 10 Teilnehmer", "2025-09-29"),
    ],
)
def test_date_lines_with_a_time_keep_it(text, expected):
    html = page("<title>Neue Wege | Kreisblatt</title>", "<h1>Neue Wege</h1>", f'<p class="datum">{text}</p>')
    assert extract_generic(html, "http://k.example/a/n", now=NOW).published == expected


def test_articles_addressed_by_an_id_in_the_query_are_guessed_too():
    html = "".join(f'<p><a href="/presse/meldung.php?id={n}">Meldung {n}</a></p>' for n in (101, 102, 103))
    html += '<a href="/presse/meldung.php?page=2">weiter</a><a href="/kontakt.php?id=1">Kontakt</a>'
    urls = page_hrefs(Selector(text=html), "http://k.example/presse/")
    found = guess_article_links(urls, "http://k.example/presse/", lambda u: True)
    assert found == [f"http://k.example/presse/meldung.php?id={n}" for n in (101, 102, 103)]


def test_links_found_without_rules_keep_their_teasers_title_and_day():
    from crawler.extract.listing import link_teasers

    html = """<div class="liste">
      <div class="eintrag"><h4><a href="/k21-meldungen/neue-wege/">Kreis Unna: Neue Wege</a></h4>
        <p>[29.09.2025] Der Kreis plant. <a href="/k21-meldungen/neue-wege/">mehr...</a></p></div>
      <div class="eintrag"><h4><a href="/k21-meldungen/ohne-datum/">Ohne Datum</a></h4><p>Kein Stempel.</p></div>
      <article><a href="/blog/x-y-z/"><time datetime="2025-09-30T08:15:00+02:00">30.9.</time> Zeitstempel</a></article>
    </div>"""
    urls = ["http://k.example/k21-meldungen/neue-wege/", "http://k.example/k21-meldungen/ohne-datum/", "http://k.example/blog/x-y-z/"]
    assert link_teasers(Selector(text=html), "http://k.example/", urls, NOW) == [
        (urls[0], "Kreis Unna: Neue Wege", "2025-09-29"),
        (urls[1], "Ohne Datum", None),
        (urls[2], "30.9. Zeitstempel", "2025-09-30"),
    ]
