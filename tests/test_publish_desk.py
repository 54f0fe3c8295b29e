"""The search desk through Datasette's test client: filters alone, sort, von–bis in every date form,
tag chips, no-hit suggestions, downloads for Excel and the feed of a search."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, quote, urlparse

import pytest
from test_publish_datasette import build_archive, get, make_ds


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return make_ds(build_archive(tmp_path_factory.mktemp("desk") / "radar.db"))


def search(ds, query: str) -> dict:
    response = get(ds, "/radar/-/search.json?" + query)
    assert response.status_code == 200, response.text
    return response.json()


def ids(ds, query: str) -> list[int]:
    return [row["id"] for row in search(ds, query)["rows"]]


def test_relevance_and_newest_first(ds):
    assert set(ids(ds, "q=sicherheit")) == {1, 3, 5, 6}
    assert ids(ds, "q=sicherheit&sort=neueste") == [5, 1, 3, 6]
    assert search(ds, "q=sicherheit")["sort"] == "relevanz"


@pytest.mark.parametrize("since, until, expected", [
    ("01.09.2025", "", [5, 1]),
    ("2025-09-01", "05.10.2025", [5, 1]),
    ("01.08.2025", "KW 39/2025", [3]),
    ("2025-W40", "KW40/2025", [5, 1]),
    ("", "2025-08-15", [3, 6]),
])
def test_date_range_in_every_form(ds, since, until, expected):
    data = search(ds, f"q=sicherheit&sort=neueste&since={quote(since)}&until={quote(until)}")
    assert [row["id"] for row in data["rows"]] == expected
    assert not data["notes"]


def test_bad_dates_and_unknown_ids_are_noted_in_german(ds):
    data = search(ds, "q=sicherheit&since=2025-13-45&topic=OZG")
    assert len(data["rows"]) == 4  # neither filter applied
    assert any("„2025-13-45“ ist kein Datum" in note for note in data["notes"])
    assert any("Meinten Sie „ozg“?" in note for note in data["notes"])
    swapped = search(ds, "q=sicherheit&since=01.10.2025&until=01.09.2025")
    assert any("getauscht" in note for note in swapped["notes"]) and len(swapped["rows"]) == 1


def test_a_filter_alone_lists_the_newest_articles(ds):
    data = search(ds, "topic=cybersecurity")
    assert [row["id"] for row in data["rows"]] == [5, 1, 3]
    assert data["sort"] == "neueste"
    page = get(ds, "/radar/-/search?state=DE-BY").text
    assert 'class="radar-chip" data-filter="state"' in page and "Land: Bayern" in page
    assert page.count('class="radar-result"') == 2


def test_all_articles_newest_first_without_words_or_filters(ds):
    assert ids(ds, "sort=neueste") == [5, 4, 1, 3, 2, 6]
    assert search(ds, "")["rows"] == []
    page = get(ds, "/radar/-/search?sort=neueste&topic=ozg").text
    assert page.count('class="radar-result"') == 1 and "sort=neueste" in page.split('class="radar-chip"')[1]


def test_results_show_tags_as_chips_that_add_a_filter(ds):
    page = get(ds, "/radar/-/search?q=sicherheit").text
    chip = page.split('data-filter="place" data-value="06414"')[0].rsplit("<a href=", 1)[1]
    url = chip.split('"')[1].replace("&amp;", "&")
    assert parse_qs(urlparse(url).query) == {"q": ["sicherheit"], "place": ["06414"]}
    assert ">Wiesbaden</a>" in page and ">Deutscher Städte- und Gemeindebund</a>" in page
    assert ids(ds, urlparse(url).query) == [1]


def test_no_hits_suggests_the_search_without_its_rarest_word(ds):
    page = get(ds, "/radar/-/search?q=Sicherheit+Zeppelin").text
    assert "Keine Treffer." in page
    assert "<em>Sicherheit</em> 4" in page and "<em>Zeppelin</em> 0" in page
    assert 'Vorschlag: <a href="/radar/-/search?q=Sicherheit">Sicherheit</a>' in page


def test_download_for_german_excel_in_the_order_shown(ds):
    response = get(ds, "/radar/-/search.csv?q=sicherheit&sort=neueste")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="policy-radar-sicherheit-' in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffID;Datum;")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert [row["ID"] for row in rows] == ["5", "1", "3", "6"]
    assert rows[1]["Datum"] == "29.09.2025" and rows[1]["Orte"] == "Wiesbaden" and "Text" not in rows[1]
    xlsx = get(ds, "/radar/-/search.xlsx?topic=cybersecurity")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [5, 1, 3]


def test_the_feed_of_a_search_has_a_german_title(ds):
    data = search(ds, "q=OZG&topic=ozg&since=01.06.2025")
    assert data["feed_title"] == "Policy Radar: „OZG“ · Thema Onlinezugangsgesetz (OZG) · ab 01.06.2025"
    assert data["feed_url"].startswith("/radar/-/search.atom?")
    feed = get(ds, data["feed_url"])
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed.content)
    assert root.find(atom + "title").text == "Policy Radar: „OZG“ · Thema Onlinezugangsgesetz (OZG) · ab 01.06.2025"
    entries = root.findall(atom + "entry")
    assert len(entries) == 1
    links = {link.get("rel"): link.get("href") for link in entries[0].findall(atom + "link")}
    assert links["alternate"] == "http://localhost/radar/articles/2"  # the archive page
    assert links["related"].startswith("https://kommune21.example/")
    assert {c.get("label") for c in entries[0].findall(atom + "category")} == {"Onlinezugangsgesetz (OZG)", "Hessen"}


def test_the_feed_is_newest_first_and_empty_searches_give_an_empty_feed(ds):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(get(ds, "/radar/-/search.atom?q=sicherheit").content)
    ids = [e.find(atom + "id").text.rsplit("/", 1)[1] for e in root.findall(atom + "entry")]
    assert ids == ["5", "1", "3", "6"]
    empty = get(ds, "/radar/-/search.atom?q=Zeppelin")
    assert empty.status_code == 200 and ET.fromstring(empty.content).findall(atom + "entry") == []


@pytest.mark.parametrize("path", [
    "/radar/-/search?q=OZG&sort=%27;drop",
    "/radar/-/search?topic=ozg&_size=-5&_offset=abc",
    "/radar/-/search?since=99.99.9999&until=KW+99",
    "/radar/-/search?month=2025-13&place=%00",
    "/radar/-/search.csv?q=%22",
    "/radar/-/search.xlsx?since=gestern",
    "/radar/-/search.atom?q=AND+AND",
    "/radar/-/trends?kind=%3Cscript%3Ealert(1)%3C/script%3E&weeks=abc",
    "/radar/-/search?q=%3Cscript%3Ealert(1)%3C/script%3E&until=%3Cscript%3Ealert(1)%3C/script%3E",
    "/radar/-/trends?since=2025-13-45&until=KW+99",
    "/radar/-/trends.json?since=1900-01-01&until=2100-01-01",
    "/radar/-/trends.csv?value=%27&value=ozg",
    "/radar/topic_in_state?topic=&state=&since=kaputt",
])
def test_bad_input_never_breaks_a_page(ds, path):
    response = get(ds, path)
    assert response.status_code == 200, (path, response.text[:300])
    assert "Traceback" not in response.text and "<script>alert(1)" not in response.text


@pytest.mark.parametrize("metadata", [
    {"databases": {"radar": {"tables": {"articles": {"allow": False}}}}},
    {"databases": {"radar": {"allow": {"id": "staff"}}}},
    {"allow": {"id": "staff"}},
])
def test_search_answers_403_when_the_articles_are_not_to_be_seen(ds, metadata):
    """The permission check comes first: nothing of the search is answered when it fails."""
    from datasette.app import Datasette

    denied = Datasette([], immutables=[str(ds.databases["radar"].path)], metadata=metadata)
    for path in ("/radar/-/search.json?q=sicherheit", "/radar/-/search?q=sicherheit"):
        response = get(denied, path)
        assert response.status_code == 403, response.text[:300]
        assert "Sicherheit" not in response.text
    assert get(ds, "/radar/-/search.json?q=sicherheit").status_code == 200
