"""The served archive in a real browser: `radar serve` on a free port, headless Debian Chromium.

Search for a term, narrow it with facets, open an article, check what it shows, follow a tag into
the search desk, use tag chips, sort and a date range, draw the trends, and confirm that markup
injected into scraped text never ran and that every page speaks German. Screenshots go to
test-artifacts/publish/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_publish_alerts import stored_subscriber
from test_publish_datasette import ITEMS, build_archive

from digest.testing import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "publish"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) for the confirmation mails of alerts."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def private_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("private") / "subscribers.db"


def serve(path: Path, tmp_path_factory, env: dict[str, str]) -> Iterator[str]:
    """`radar serve --db path` on a free port until the caller is done."""
    port = free_port()
    log = (tmp_path_factory.getbasetemp() / f"serve-{port}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "radar", "serve", "--db", str(path), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("radar serve did not start: " + Path(log.name).read_text()[-3000:])
        time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory, smtp, private_file) -> Iterator[str]:
    """`radar serve` for real, as a user starts it (with mail settings for alerts)."""
    path = build_archive(tmp_path_factory.mktemp("served") / "radar.db")
    yield from serve(path, tmp_path_factory, {
        **smtp.env(), "RADAR_SECRET": "browser-test-secret", "RADAR_SUBSCRIBERS_DB": str(private_file),
        "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>"})


@pytest.fixture(scope="module")
def served_sample(all_sources_db, tmp_path_factory) -> Iterator[str]:
    """`radar serve` over the real crawl of all three sample sources (real tagger, real sources)."""
    yield from serve(all_sources_db, tmp_path_factory, {})


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served, request):
    """A fresh page that records dialogs (alert/confirm would mean injected script ran)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def injected_ran(page) -> bool:
    return page.evaluate("typeof window.__xss !== 'undefined'") or bool(page.dialogs)


def result_titles(page) -> list[str]:
    return [title.strip() for title in page.locator(".radar-result h2").all_inner_texts()]


# English words that must not appear in the interface (whole words, any case). Data (table cells,
# column names, SQL) is not interface and is left out of the check; so are the names below.
ENGLISH = re.compile(
    r"\b(the|and|of|is|are|with|this|that|from|for|by|on|or|not|all|no|none|rows?|search|apply|next|"
    r"previous|show|hide|sort|since|until|matches|results?|query|remove|columns?|tables|views?|home|menu|"
    r"powered|license|source|about|articles?|topics|actors|municipalities|week|month|charts?|dashboards?|"
    r"download|edit|run|format|hidden|best|first|newest|date|page|more|fullscreen|advanced|descending)\b",
    re.IGNORECASE)
ALLOWED = ("Policy Radar", "Datasette", "Open Data", "Open Source", "Smart City", "Deutschland-Stack", "CC BY",
           "dl-de/by-2-0")  # names and licence identifiers
DATA_REGIONS = ("script, style, code, pre, textarea, select, svg, table.rows-and-columns, .column-descriptions dt, "
                ".radar-columns dt, .facet-info ul, .db-table em, a.not-underlined")
VISIBLE_TEXT_JS = """(exclude) => {
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement || node.parentElement.closest(exclude)) continue;
    if (node.textContent.trim()) parts.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [title], input[type=submit], button, [aria-label]')) {
    if (el.closest(exclude)) continue;
    for (const name of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    if (el.matches('input[type=submit]')) parts.push(el.value);
  }
  parts.push(document.title);
  return parts;
}"""


def english_ui(page) -> list[str]:
    """Interface text of the page that contains an English word."""
    found = []
    for text in page.evaluate(VISIBLE_TEXT_JS, DATA_REGIONS):
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        text = re.sub(r"\bDE-[A-Z]{2}\b", "", text)  # Land codes (DE-BY)
        if ENGLISH.search(text):
            found.append(text)
    return found


def test_search_facet_article_and_tag_links(page, served):
    page.goto(served + "/")
    page.fill("input[name=q]", "sicherheit")
    page.keyboard.press("Enter")
    page.wait_for_selector(".radar-result")
    shot(page, "01-search-sicherheit")
    titles = result_titles(page)
    assert len(titles) == 4
    # Compounds count, but the word itself ranks above the word inside a compound (issue 14): the
    # two body matches of "Sicherheit" come first, the two title compounds after them.
    assert any("Cybersicherheitsstrategie" in t for t in titles[2:])
    assert page.locator(".radar-result mark").first.inner_text().lower().endswith("sicherheit")
    assert not injected_ran(page)

    page.click("#facet-topic a[data-value=cybersecurity]")
    page.wait_for_url("**topic=cybersecurity**")
    assert len(result_titles(page)) == 3
    assert "Cybersicherheit" in page.locator(".radar-chips").inner_text()
    page.click("#facet-state a[data-value=DE-BY]")
    page.wait_for_url("**state=DE-BY**")
    shot(page, "02-search-facets-topic-and-land")
    titles = result_titles(page)
    assert len(titles) == 1 and titles[0].startswith("Sicherheitslücke im Bürgerportal")

    page.click(".radar-result h2 a")
    page.wait_for_selector("article.radar-article")
    shot(page, "03-article-with-injected-markup")
    article = page.locator("article.radar-article")
    # The injected markup is visible as text, and none of it ran.
    assert page.locator("h1").inner_text() == ITEMS[4]["title"]
    assert "<img src=x onerror=" in article.inner_text()
    assert "<script>window.__xss = 'script';</script>" in article.inner_text()
    assert page.locator("article.radar-article script, article.radar-article img, article.radar-article b").count() == 0
    assert "05.10.2025" in page.locator(".radar-article .radar-meta").inner_text()
    assert page.locator("a.radar-source-link").get_attribute("href") == ITEMS[4]["url"]
    assert not injected_ran(page)

    page.click(".radar-tags a:has-text('Bayern')")
    page.wait_for_url("**/-/search?state=DE-BY")
    shot(page, "04-search-desk-filtered-by-land")
    items = result_titles(page)
    assert len(items) == 2 and any("Straßenverkehrsbehörde" in item for item in items)
    assert "Land: Bayern" in page.locator(".radar-chips").inner_text()
    assert not injected_ran(page)


def test_article_page_shows_everything(page, served):
    page.goto(served + "/radar/articles/1")
    shot(page, "05-article")
    assert page.locator("h1").inner_text() == ITEMS[0]["title"]
    assert page.locator(".radar-kicker").inner_text().strip().upper() == "DSTGB"
    assert page.locator(".radar-teaser").inner_text() == ITEMS[0]["teaser"]
    assert ITEMS[0]["body"] in page.locator(".radar-body").inner_text()
    groups = {group.locator("h2").inner_text(): group.locator("a").all_inner_texts()
              for group in page.locator(".radar-tag-group").all()}
    assert groups == {"Themen": ["Cybersicherheit"], "Akteure": ["Deutscher Städte- und Gemeindebund"],
                      "Länder": ["Hessen"], "Orte": ["Wiesbaden"]}
    assert "Ähnliche Meldungen" in page.locator(".radar-similar h2").inner_text()
    assert english_ui(page) == []
    page.click(".radar-tags a:has-text('Cybersicherheit')")
    page.wait_for_url("**/-/search?topic=cybersecurity")
    assert len(result_titles(page)) == 3


def test_table_search_box_facets_and_feed(page, served):
    page.goto(served + "/radar/articles")
    page.fill("#_search", "Staedte")
    page.click("input[type=submit][value=Anwenden]")
    page.wait_for_url("**_search=Staedte**")
    items = page.locator(".radar-list-item h3").all_inner_texts()
    assert len(items) == 2  # Städte in one teaser, Staedte in one body
    page.click(".facet-info[data-column=topic] a:has-text('Umfragen')")
    page.wait_for_url("**_topic=surveys**")
    shot(page, "06-table-search-and-tag-facet")
    assert page.locator(".radar-list-item h3").all_inner_texts() == [ITEMS[2]["title"]]
    feed = page.locator("a:has-text('Atom-Feed dieser Liste')").get_attribute("href")
    assert "/radar/articles_feed.atom?" in feed and "_topic=surveys" in feed
    response = page.request.get(served + feed)
    assert response.status == 200 and ITEMS[2]["url"] in response.text()
    assert not injected_ran(page)


@pytest.mark.parametrize("q", ['"OZG', "AND AND"])
def test_fts_syntax_errors_are_friendly_in_the_browser(page, served, q):
    page.goto(served + "/")
    page.fill("input[name=q]", q)
    page.keyboard.press("Enter")
    page.wait_for_selector(".radar-notes")
    shot(page, "07-friendly-error-" + ("quote" if q.startswith('"') else "and-and"))
    assert "Error" not in page.title() and "Fehler" not in page.title()
    assert page.locator(".radar-notes").inner_text()
    if q == '"OZG':
        assert result_titles(page) == [ITEMS[1]["title"]]


def test_home_page_and_dashboard_render(page, served):
    page.goto(served + "/")
    shot(page, "08-home")
    assert page.locator("input[name=q]").count() == 1
    page.goto(served + "/-/dashboards/overview")
    page.wait_for_selector("svg, canvas", timeout=20_000)
    page.wait_for_timeout(500)
    shot(page, "09-dashboard")
    assert "Bayern" in page.locator("select#state").inner_text()  # labels, not DE-BY
    assert not injected_ran(page)


def test_tag_chip_adds_a_filter_and_the_filter_chip_removes_it(page, served):
    page.goto(served + "/radar/-/search?q=sicherheit")
    assert len(result_titles(page)) == 4
    page.click(".radar-result .radar-tag[data-filter=place][data-value='06414']")
    page.wait_for_url("**place=06414**")
    shot(page, "10-tag-chip-filter")
    assert result_titles(page) == [ITEMS[0]["title"]]
    chip = page.locator(".radar-chip[data-filter=place]")
    assert chip.inner_text().startswith("Ort: Wiesbaden")
    chip.locator("a.cross").click()
    page.wait_for_selector(".radar-result")
    assert "place=" not in page.url and len(result_titles(page)) == 4


def test_sort_newest_and_a_date_range_typed_in_german(page, served):
    page.goto(served + "/radar/-/search?q=sicherheit")
    page.click("a[data-sort=neueste]")
    page.wait_for_url("**sort=neueste**")
    assert result_titles(page) == [ITEMS[4]["title"], ITEMS[0]["title"], ITEMS[2]["title"], ITEMS[5]["title"]]
    assert page.locator(".radar-sort-current").inner_text() == "Neueste"
    page.fill("#radar-since", "01.09.2025")
    page.fill("#radar-until", "KW 40/2025")
    page.press("#radar-until", "Enter")
    page.wait_for_url("**until=**")
    shot(page, "11-sort-newest-date-range")
    assert result_titles(page) == [ITEMS[4]["title"], ITEMS[0]["title"]]
    assert page.input_value("#radar-since") == "01.09.2025" and page.input_value("#radar-until") == "05.10.2025"
    chips = page.locator(".radar-chips").inner_text()
    assert "von: 01.09.2025" in chips and "bis: 05.10.2025" in chips
    assert [d.strip() for d in page.locator(".radar-result time").all_inner_texts()] == ["05.10.2025", "29.09.2025"]


def test_trend_chart_draws_zero_weeks(page, served):
    page.goto(served + "/radar/-/trends?kind=topic&weeks=12")
    page.wait_for_selector("svg.radar-chart")
    shot(page, "12-trends")
    lines = page.locator("svg.radar-chart polyline")
    assert lines.count() >= 3
    colours = {lines.nth(i).get_attribute("stroke") for i in range(lines.count())}
    assert len(colours) == lines.count()  # every line its own colour
    assert page.locator("svg.radar-chart circle[data-value='0']").count() > 0
    box = page.locator("svg.radar-chart").bounding_box()
    assert box["width"] > 600 and box["height"] > 200
    legend = page.locator(".radar-legend").inner_text()
    assert "Cybersicherheit" in legend and "cybersecurity" not in legend
    page.click(".radar-legend a:has-text('Cybersicherheit')")
    page.wait_for_url("**/-/search?topic=cybersecurity**")
    assert len(result_titles(page)) == 3  # the chart's period: the last 12 weeks


def test_subscribe_to_a_search_with_double_opt_in(page, served, smtp, private_file):
    page.goto(served + "/radar/-/search?q=sicherheit&topic=cybersecurity")
    page.click("a.radar-alert-link")
    page.wait_for_selector("#radar-alert-email")
    assert "Cybersicherheit" in page.locator(".radar-alert-filters").inner_text()
    page.fill("#radar-alert-email", "frieda@example.org")
    page.click("input[type=submit][value='Bestätigungs-E-Mail senden']")
    page.wait_for_selector(".radar-alert-sent")
    shot(page, "24-alert-mail-sent")
    deadline = time.monotonic() + 10
    while not smtp.handler.received and time.monotonic() < deadline:
        time.sleep(0.1)
    mail = smtp.handler.received[-1].message
    assert mail["To"] == "frieda@example.org"
    link = re.search(r"http://\S+/-/abonnieren/bestaetigen\?\S+", mail.get_content()).group(0)
    assert stored_subscriber(private_file, "frieda@example.org") is None
    page.goto(link)
    page.click("input[type=submit][value='Abonnement bestätigen']")
    page.wait_for_selector(".radar-alert-done")
    shot(page, "25-alert-confirmed")
    assert english_ui(page) == []
    row = stored_subscriber(private_file, "frieda@example.org")
    assert row["topics"] == ["cybersecurity"] and row["search"] == "sicherheit"


GERMAN_PAGES = [
    ("/", "13-de-home"),
    ("/radar/-/search?q=sicherheit", "14-de-search"),
    ("/radar/-/search?q=Sicherheit+Zeppelin", "15-de-no-hits"),
    ("/radar/articles/1", "16-de-article"),
    ("/radar/-/trends", "17-de-trends"),
    ("/radar", "18-de-database"),
    ("/radar/articles?_topic=cybersecurity", "19-de-article-list"),
    ("/radar/tag_counts?kind=topic", "20-de-tag-counts"),
    ("/radar/topic_in_state?topic=OZG&state=DE-HE&since=01.06.2025", "21-de-canned-query"),
    ("/radar/sources", "22-de-table"),
    ("/-/dashboards/overview", "23-de-dashboard"),
    ("/radar/-/abonnieren?q=OZG&state=DE-HE&since=01.06.2025", "26-de-alert-form"),
]


def test_every_page_speaks_german(page, served):
    failures = {}
    for path, name in GERMAN_PAGES:
        page.goto(served + path)
        shot(page, name)
        assert page.locator("html").get_attribute("lang") == "de", path
        english = english_ui(page)
        if english:
            failures[path] = english[:5]
    assert failures == {}, "\n".join(f"{path}: {texts}" for path, texts in failures.items())


def test_the_real_sample_crawl_speaks_german_too(browser, served_sample):
    """The same check on a real crawl: source names, tags from the tagger, dates, notes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    failures = {}
    try:
        for path, name in [("/radar/-/search?q=Verwaltung", "27-sample-search"),
                           ("/radar/-/search?q=Landkreistag+Zeppelin", "28-sample-no-hits"),
                           ("/radar/-/trends?kind=actor&weeks=104", "29-sample-trends-actors"),
                           ("/radar/-/search?sort=neueste", "30-sample-all-newest"),
                           ("/radar/articles/1", "31-sample-article")]:
            page.goto(served_sample + path)
            shot(page, name)
            english = english_ui(page)
            if english:
                failures[path] = english[:5]
        assert page.locator(".radar-similar li").count() >= 1  # the article page (last) found similar ones
    finally:
        context.close()
    assert failures == {}, "\n".join(f"{path}: {texts}" for path, texts in failures.items())
