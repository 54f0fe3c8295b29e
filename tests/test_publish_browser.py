"""The served archive in a real browser: `radar serve` on a free port, headless Debian Chromium.

Search for a term, narrow it with facets, open an article, check what it shows, follow a tag to
the filtered list, and confirm that markup injected into scraped text never ran. Screenshots go to
test-artifacts/publish/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_publish_datasette import ITEMS, build_archive

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
def served(tmp_path_factory) -> Iterator[str]:
    """`radar serve` for real, as a user starts it."""
    path = build_archive(tmp_path_factory.mktemp("served") / "radar.db")
    port = free_port()
    log = (tmp_path_factory.getbasetemp() / f"serve-{port}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "radar", "serve", "--db", str(path), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served, request):
    """A fresh page that records dialogs (alert/confirm would mean injected script ran)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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
    assert "2025-10-05" in page.locator(".radar-meta").inner_text()
    assert page.locator("a.radar-source-link").get_attribute("href") == ITEMS[4]["url"]
    assert not injected_ran(page)

    page.click(".radar-tags a:has-text('Bayern')")
    page.wait_for_url("**_state=DE-BY**")
    shot(page, "04-list-filtered-by-land")
    items = page.locator(".radar-list-item h3").all_inner_texts()
    assert len(items) == 2 and any("Straßenverkehrsbehörde" in item for item in items)
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
    assert groups == {"Topics": ["Cybersicherheit"], "Actors": ["DStGB"], "Länder": ["Hessen"], "Municipalities": ["Wiesbaden"]}
    page.click(".radar-tags a:has-text('Cybersicherheit')")
    page.wait_for_url("**_topic=cybersecurity**")
    assert len(page.locator(".radar-list-item").all()) == 3


def test_table_search_box_facets_and_feed(page, served):
    page.goto(served + "/radar/articles")
    page.fill("#_search", "Staedte")
    page.click("input[type=submit][value=Apply]")
    page.wait_for_url("**_search=Staedte**")
    items = page.locator(".radar-list-item h3").all_inner_texts()
    assert len(items) == 2  # Städte in one teaser, Staedte in one body
    page.click(".facet-info[data-column=topic] a:has-text('Umfragen')")
    page.wait_for_url("**_topic=surveys**")
    shot(page, "06-table-search-and-tag-facet")
    assert page.locator(".radar-list-item h3").all_inner_texts() == [ITEMS[2]["title"]]
    feed = page.locator("a:has-text('Atom feed of this list')").get_attribute("href")
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
    assert "Error" not in page.title()
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
    assert not injected_ran(page)
