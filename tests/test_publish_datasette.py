"""The published archive through Datasette's test client: metadata, German search, facets, feeds,
views, canned queries, read-only, escaping and the export command."""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from db.connect import connect_writer
from db.store import ArchiveWriter
from publish.serve import METADATA, SETTINGS, TEMPLATES, datasette_command

XSS_BODY = (
    "Erster Absatz zur Verwaltung.\n\n<script>window.__xss = 'script';</script>"
    '<img src="x" onerror="window.__xss = \'onerror\'"> Zweiter Absatz mit <b>Markup</b>.'
)


def tag(kind: str, value: str, label: str, score: float = 0.8, derived: bool = False, evidence: str | None = None) -> dict:
    return {"kind": kind, "id": value, "label": label, "mentions": 1, "evidence": evidence or label,
            "offset": 0, "field": "title", "score": score, "derived": derived}


ITEMS = [
    {"url": "https://kommune21.example/k21-meldungen/dstgb-cyber/", "source": "kommune21",
     "title": "DStGB fordert kommunale Cybersicherheitsstrategie", "kicker": "DStGB",
     "teaser": "Städte und Gemeinden brauchen Unterstützung gegen Cyberangriffe.",
     "body": "Nach einer Serie von Angriffen auf Rathäuser fordert der Verband eine gemeinsame Linie.",
     "published": "2025-09-29", "image_caption": "Rathaus", "image_credit": "DStGB",
     "tags": [tag("actor", "dstgb", "DStGB"), tag("topic", "cybersecurity", "Cybersicherheit"),
              tag("state", "DE-HE", "Hessen", 0.4, True), tag("municipality", "06414", "Wiesbaden", 0.5)]},
    {"url": "https://kommune21.example/k21-meldungen/ozg-hessen/", "source": "kommune21",
     "title": "OZG-Umsetzung in Hessen kommt voran", "teaser": "Das Onlinezugangsgesetz zeigt Wirkung.",
     "body": "Die Landesregierung meldet Fortschritte bei der Digitalisierung der Verwaltung.",
     "published": "2025-07-15",
     "tags": [tag("topic", "ozg", "OZG"), tag("state", "DE-HE", "Hessen")]},
    {"url": "https://egovernment.example/bitkom-umfrage", "source": "egovernment",
     "title": "Bitkom: Bürger wollen digitale Verwaltung", "teaser": "Eine Umfrage zeigt Nachholbedarf.",
     "body": "Die Staedte hinken hinterher, sagt der Verband. Auch die IT-Sicherheit sei ein Thema.",
     "published": "2025-08-15",
     "tags": [tag("actor", "bitkom", "Bitkom"), tag("topic", "surveys", "Umfragen"), tag("topic", "cybersecurity", "Cybersicherheit", 0.3)]},
    {"url": "https://egovernment.example/strasse", "source": "egovernment",
     "title": "Neue Straßenverkehrsbehörde digital", "teaser": "Anträge für die Strasse online.",
     "body": "Die Kfz-Zulassung in München läuft jetzt online.", "published": "2025-10-01",
     "tags": [tag("topic", "vehicle-registration", "Kfz-Zulassung"), tag("state", "DE-BY", "Bayern")]},
    {"url": "https://kommune21.example/k21-meldungen/xss/", "source": "kommune21",
     "title": "Sicherheitslücke im Bürgerportal <script>window.__xss='title'</script>",
     "teaser": "Ein Portal zeigte fremde Inhalte <img src=x onerror=\"window.__xss='teaser'\">.",
     "body": XSS_BODY, "published": "2025-10-05",
     "tags": [tag("topic", "cybersecurity", "Cybersicherheit"), tag("state", "DE-BY", "Bayern")]},
    {"url": "https://behoerden.example/sicherheit-allgemein", "source": "behoerden-spiegel",
     "title": "Neues aus den Ländern", "teaser": "Kurzmeldungen.",
     "body": "Am Rande ging es auch um Sicherheit in Rechenzentren und um Cloud-Dienste.", "published": "2025-06-02",
     "tags": [tag("topic", "cloud", "Cloud")]},
]


def build_archive(path: Path) -> Path:
    """A small archive written the way the crawler writes it, search index brought up to date."""
    writer = ArchiveWriter(str(path))
    writer.upsert_articles(ITEMS)
    writer.db.conn.close()
    db = connect_writer(str(path))  # every open indexes what the store queued
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("publish") / "radar.db")


def make_ds(path: Path) -> Datasette:
    settings = {name: value for name, value, _ in SETTINGS}
    settings = {k: (v == "on" if v in ("on", "off") else int(v) if v.isdigit() else v) for k, v in settings.items()}
    return Datasette([], immutables=[str(path)], template_dir=str(TEMPLATES), settings=settings)


@pytest.fixture(scope="module")
def ds(archive) -> Datasette:
    return make_ds(archive)


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def search_ids(ds: Datasette, q: str, **filters) -> list[int]:
    args = "&".join(f"{k}={v}" for k, v in filters.items())
    response = get(ds, f"/radar/-/search.json?q={q}" + (f"&{args}" if args else ""))
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["rows"]]


# --- documented schema ----------------------------------------------------------------------------
CORE_TABLES = ("sources", "articles", "article_versions", "tags", "crawl_runs")


def test_core_tables_views_and_columns_are_documented(archive):
    """Fails when a core table, a view or one of their columns has no description in metadata.yaml."""
    tables = yaml.safe_load(METADATA.read_text())["databases"]["radar"]["tables"]
    db = connect_writer(str(archive))
    for name in CORE_TABLES + tuple(db.view_names()):
        assert tables.get(name, {}).get("description"), f"table {name} has no description"
    for name in ("sources", "articles", "tags", "crawl_runs", "article_versions"):
        documented = tables[name].get("columns", {})
        missing = [column for column in db[name].columns_dict if column not in documented and column != "id"]
        assert not missing, f"{name}: undocumented columns {missing}"


def test_metadata_is_served_for_any_archive_file_name(tmp_path):
    path = build_archive(tmp_path / "demo.db")
    ds = make_ds(path)
    data = get(ds, "/demo/articles.json?_size=1").json()
    assert {"topic", "actor", "state", "source_id", "month"} <= set(data["facet_results"])
    assert get(ds, "/-/metadata.json").json()["databases"]["demo"]["tables"]["articles"]["fts_table"] == "articles_search"
    dashboards = get(ds, "/-/metadata.json").json()["plugins"]["datasette-dashboards"]["overview"]
    assert dashboards["charts"]["per-week"]["db"] == "demo"
    assert get(ds, "/-/dashboards/overview").status_code == 200


# --- German search ----------------------------------------------------------------------------------
def test_ranked_search_finds_compounds_and_weights_the_title(ds):
    ids = search_ids(ds, "sicherheit")
    # the word itself (IT-Sicherheit, Sicherheit: in the body) above the word inside a compound
    # (Cybersicherheitsstrategie, Sicherheitslücke: in the title), issue 14
    assert set(ids) == {1, 3, 5, 6}
    assert set(ids[:2]) == {3, 6}
    assert search_ids(ds, "Cybersicherheit")[0] == 1  # a compound part in the title still counts


@pytest.mark.parametrize("a, b", [("Städte", "Staedte"), ("Straße", "Strasse")])
def test_umlaut_and_sharp_s_spellings_find_the_same(ds, a, b):
    assert search_ids(ds, a) == search_ids(ds, b) != []


def test_search_results_have_escaped_highlights(ds):
    rows = get(ds, "/radar/-/search.json?q=Sicherheitslücke").json()["rows"]
    assert rows[0]["id"] == 5
    assert "<mark>Sicherheitslücke</mark>" in rows[0]["title_html"]
    assert "<script>" not in rows[0]["title_html"] and "&lt;script&gt;" in rows[0]["title_html"]
    rows = get(ds, "/radar/-/search.json?q=Absatz").json()["rows"]
    assert "<mark>Absatz</mark>" in rows[0]["snippet_html"]
    assert "<img" not in rows[0]["snippet_html"] and "onerror" in rows[0]["snippet_html"]


@pytest.mark.parametrize("q", ["Sicherheitslücke", "Absatz", "sicherheit", "Städte OR OZG"])
def test_highlights_of_a_large_page_come_from_the_text_pool_the_same(ds, monkeypatch, q):
    """A page of little text is highlighted in the SQL thread that fetched it; a page of more
    than INLINE_TEXT_CHARS goes to the text pool with its time limit: the same answer either way."""
    import publish.bounded

    inline = get(ds, f"/radar/-/search.json?q={q}").json()
    monkeypatch.setattr(publish.bounded, "INLINE_TEXT_CHARS", 0)
    pooled = get(ds, f"/radar/-/search.json?q={q}").json()
    assert inline["rows"] and any("<mark>" in row["snippet_html"] + row["title_html"] for row in inline["rows"])
    assert pooled == inline


@pytest.mark.parametrize("q", ['"OZG', "AND AND", "OZG AND AND", "((", "NOT", "-OZG", "OR", '"', "*", "NEAR("])
def test_fts_syntax_errors_give_a_friendly_message(ds, q):
    from urllib.parse import quote

    page = get(ds, f"/radar/-/search?q={quote(q)}")
    assert page.status_code == 200
    data = get(ds, f"/radar/-/search.json?q={quote(q)}").json()
    assert data["notes"], q
    assert 'class="radar-notes"' in page.text
    table = get(ds, f"/radar/articles?_search={quote(q)}")
    assert table.status_code == 200, table.text[:500]
    notes = re.findall(r'<div class="radar-notes"[^>]*>(.*?)</div>', table.text, flags=re.S)
    assert notes, q  # the list page says what it did with the search, in German
    assert not re.search(r"\b(was|ignored|needs|search term|closed)\b", notes[0]), notes[0]
    canned = get(ds, f"/radar/search.json?q={quote(q)}&topic=&since=")
    assert canned.status_code == 200, canned.text[:500]


def test_unclosed_quote_still_searches(ds):
    data = get(ds, '/radar/-/search.json?q=%22OZG').json()
    assert [row["id"] for row in data["rows"]] == [2]
    assert "Anführungszeichen" in data["notes"][0]


def test_search_filters_and_facets(ds):
    assert search_ids(ds, "Cybersicherheit") == [1]
    assert set(search_ids(ds, "Verwaltung")) == {2, 3, 5}
    assert search_ids(ds, "Verwaltung", topic="ozg") == [2]
    assert search_ids(ds, "Verwaltung", since="2025-08-01") == [5, 3] or set(search_ids(ds, "Verwaltung", since="2025-08-01")) == {3, 5}
    facets = get(ds, "/radar/-/search.json?q=Verwaltung&_facets=1").json()["facets"]
    assert {item["value"] for item in facets["topic"]} >= {"ozg", "surveys", "cybersecurity"}
    assert {item["value"]: item["count"] for item in facets["source"]} == {"kommune21": 2, "egovernment": 1}
    bad = get(ds, "/radar/-/search.json?q=Verwaltung&since=gestern").json()
    assert any("ist kein Datum" in note for note in bad["notes"])


def test_datasette_search_box_is_german_too(ds):
    rows = get(ds, "/radar/articles.json?_search=sicherheit&_shape=array").json()
    assert {row["id"] for row in rows} == {1, 3, 5, 6}
    rows = get(ds, "/radar/articles.json?_search=Staedte&_shape=array").json()
    assert {row["id"] for row in rows} == {1, 3}
    # one search entry: the menu links the search desk, not a second "search all tables"
    home = get(ds, "/").text
    assert "/radar/-/search" in home and "Search all tables" not in home


def test_canned_search_query_uses_the_normalised_index(ds):
    data = get(ds, "/radar/search.json?q=Sicherheit&topic=cybersecurity&since=&_shape=array").json()
    assert {row["id"] for row in data} == {1, 3, 5}


# --- facets, filters, feeds -----------------------------------------------------------------------
def test_tag_facets_and_filters_on_the_articles_table(ds):
    data = get(ds, "/radar/articles.json").json()
    topics = {item["value"]: item for item in data["facet_results"]["topic"]["results"]}
    assert topics["cybersecurity"]["count"] == 3
    assert topics["cybersecurity"]["label"] == "Cybersicherheit"
    assert "_topic=cybersecurity" in topics["cybersecurity"]["toggle_url"]
    states = {item["value"]: item["count"] for item in data["facet_results"]["state"]["results"]}
    assert states == {"DE-HE": 2, "DE-BY": 2}
    filtered = get(ds, "/radar/articles.json?_topic=cybersecurity&_state=DE-BY&_shape=array").json()
    assert [row["id"] for row in filtered] == [5]
    searched = get(ds, "/radar/articles.json?_search=Verwaltung&_topic=ozg").json()
    assert [row[0] for row in searched["rows"]] == [2]
    assert searched["facet_results"]["topic"]["results"][0]["selected"] is True
    months = {item["value"] for item in data["facet_results"]["month"]["results"]}
    assert "2025-09" in months


def test_atom_feed_of_a_search_and_of_an_empty_list(ds):
    response = get(ds, "/radar/articles_feed.atom?_search=sicherheit&_topic=cybersecurity")
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert {e.find("a:id", ns).text for e in entries} == {ITEMS[0]["url"], ITEMS[2]["url"], ITEMS[4]["url"]}
    content = "".join(e.find("a:content", ns).text or "" for e in entries)
    assert "<img" in content  # the teaser as text content: escaped in the XML, a reader shows it as text
    assert b"<img src" not in response.content
    empty = get(ds, "/radar/articles_feed.atom?_search=Zeppelin")
    assert empty.status_code == 200
    assert ET.fromstring(empty.content).findall("a:entry", ns) == []


# --- views and canned queries -------------------------------------------------------------------
def test_views_answer_the_common_questions(ds):
    weekly = get(ds, "/radar/topic_counts_weekly.json?_shape=array&topic=cybersecurity").json()
    assert {row["week"]: row["articles"] for row in weekly} == {"2025-W40": 2, "2025-W33": 1}
    assert weekly[0]["week_start"] == "2025-09-29"
    actors = get(ds, "/radar/actor_counts_monthly.json?_shape=array").json()
    assert {(row["month"], row["actor"]) for row in actors} == {("2025-09", "dstgb"), ("2025-08", "bitkom")}
    matrix = get(ds, "/radar/state_topic_counts.json?_shape=array").json()
    assert {(r["state"], r["topic"], r["articles"]) for r in matrix} >= {("DE-BY", "cybersecurity", 1), ("DE-HE", "ozg", 1)}
    tagged = get(ds, "/radar/articles_with_tags.json?_shape=array&id=1").json()[0]
    assert json.loads(tagged["topics"]) == ["cybersecurity"]
    assert json.loads(tagged["municipalities"]) == ["06414"]


@pytest.mark.parametrize(
    "query, args, expected",
    [
        ("topic_in_state", "topic=ozg&state=DE-HE&since=2025-06-01", {2}),
        ("actor_on_topic", "actor=dstgb&topic=cybersecurity&since=2025-07-01", {1}),
        ("filtered_articles", "topic=cybersecurity&actor=&state=DE-BY&since=", {5}),
        ("filtered_articles", "topic=&actor=&state=&since=2025-10-01", {4, 5}),
    ],
)
def test_canned_queries_with_named_parameters(ds, query, args, expected):
    rows = get(ds, f"/radar/{query}.json?{args}&_shape=array").json()
    assert {row["id"] for row in rows} == expected


def test_canned_queries_take_german_dates_and_name_unknown_ids(ds):
    rows = get(ds, "/radar/topic_in_state.json?topic=ozg&state=DE-HE&since=01.06.2025&_shape=array").json()
    assert [row["id"] for row in rows] == [2]
    assert get(ds, "/radar/topic_in_state.json?topic=ozg&state=DE-HE&since=KW+30/2025&_shape=array").json() == []
    page = get(ds, "/radar/topic_in_state?topic=OZG&state=Hessen&since=2025-13-45").text
    assert "„OZG“ ist kein bekannter Wert für Thema. Meinten Sie „ozg“?" in page
    assert "„Hessen“ ist kein bekannter Wert für Land. Meinten Sie „DE-HE“?" in page
    assert "„2025-13-45“ ist kein Datum" in page
    assert "Thema (ID, z. B. ozg)" in page and "Run SQL" not in page


def test_internal_tables_are_hidden_and_the_sql_editor_opens_on_articles(ds):
    page = get(ds, "/radar").text
    listed = page.split('<h2 id="tables">')[1].split("<h2")[0]
    for internal in ("raw_pages", "article_lsh", "article_minhash", "links", "quarantine", "_radar_meta"):
        assert f'/radar/{internal}"' not in listed, internal
    assert "from articles" in page.split('id="sql-editor"')[1].split("</textarea>")[0]
    assert "interne Tabellen" in page


def test_count_canned_queries(ds):
    months = get(ds, "/radar/topic_per_month.json?topic=cybersecurity&since=&_shape=array").json()
    assert {row["month"]: row["articles"] for row in months} == {"2025-08": 1, "2025-09": 1, "2025-10": 1}
    topics = get(ds, "/radar/state_topics.json?state=DE-BY&since=&_shape=array").json()
    assert {row["topic"] for row in topics} == {"cybersecurity", "vehicle-registration"}
    assert get(ds, "/radar/actor_topics.json?actor=bitkom&since=&_shape=array").json()[0]["articles"] == 1


# --- read-only, settings ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    ["insert into tags (article_id, kind, value) values (1, 'topic', 'x')", "delete from articles",
     "update articles set title = 'x'", "drop table articles", "pragma journal_mode = delete",
     "attach database ':memory:' as x", "create table x (y)"],
)
def test_sql_that_writes_is_refused(ds, archive, sql):
    from urllib.parse import quote

    response = get(ds, f"/radar.json?sql={quote(sql)}")
    assert response.status_code in (400, 403), response.text
    db = connect_writer(str(archive))
    assert db["articles"].count == len(ITEMS)


def test_no_write_permission_of_any_kind(ds):
    async def check():
        return [await ds.permission_allowed(None, action, ("radar", "articles"), default=True)
                for action in ("insert-row", "delete-row", "update-row", "create-table", "drop-table", "execute-write")]

    assert asyncio.run(check()) == [False] * 6


def test_serve_command_is_immutable_with_deliberate_settings():
    cmd = datasette_command("data/radar.db", port=9999, prepare=False)
    assert cmd[cmd.index("-i") + 1] == "data/radar.db"
    settings = {cmd[i + 1]: cmd[i + 2] for i, part in enumerate(cmd) if part == "--setting"}
    assert settings["sql_time_limit_ms"] == "3500" and settings["suggest_facets"] == "off"
    assert "-i" not in datasette_command("data/radar.db", immutable=False, prepare=False)


def test_serving_live_beside_a_writer_sees_what_it_stored(tmp_path):
    """Writers index what they store; `radar serve` (live, read-only connections) sees it while the
    writer still holds the file, WAL not folded in, and serving writes nothing."""
    path = tmp_path / "fresh.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles(ITEMS[:2])  # stored and indexed, still in the WAL
    before = path.read_bytes()
    cmd = datasette_command(str(path), port=9999, immutable=False)
    assert str(path) in cmd and "-i" not in cmd
    ds = Datasette([str(path)], template_dir=str(TEMPLATES))
    assert [row["id"] for row in get(ds, "/fresh/-/search.json?q=Cybersicherheit").json()["rows"]] == [1]
    assert path.read_bytes() == before
    writer.db.conn.close()


# --- pages ------------------------------------------------------------------------------------------
def test_article_page_shows_the_article_and_links_its_tags(ds):
    page = get(ds, "/radar/articles/1").text
    assert "<h1>DStGB fordert kommunale Cybersicherheitsstrategie</h1>" in page
    assert "29.09.2025" in page and ITEMS[0]["url"] in page
    assert "Städte und Gemeinden brauchen Unterstützung" in page
    assert "Nach einer Serie von Angriffen" in page
    assert "(Bildquelle: DStGB)" in page
    # every tag opens the search desk with that filter
    assert 'href="/radar/-/search?topic=cybersecurity"' in page
    assert 'href="/radar/-/search?actor=dstgb"' in page
    assert 'href="/radar/-/search?state=DE-HE"' in page
    assert 'href="/radar/-/search?place=06414"' in page
    # articles sharing tags and title words, best first (article 5 shares Cybersicherheit + „Sicherheit…“)
    similar = page.split("Ähnliche Meldungen</h2>")[1].split("</section>")[0]
    assert 'href="/radar/articles/5"' in similar and 'href="/radar/articles/4"' not in similar


def test_scraped_markup_is_shown_as_text(ds):
    page = get(ds, "/radar/articles/5").text
    assert "<script>window.__xss" not in page
    assert "&lt;script&gt;window.__xss" in page
    assert '<img src="x" onerror' not in page and "<img src=x onerror" not in page
    assert "&lt;b&gt;Markup&lt;/b&gt;" in page
    for path in ("/radar/articles", "/radar/articles?_search=Sicherheitslücke", "/radar/-/search?q=Portal",
                 "/radar/articles?_rawtable=1", "/radar/articles_with_tags", "/radar/articles_feed"):
        text = get(ds, path).text
        assert "<script>window.__xss" not in text, path
        assert "onerror=\"window" not in text, path


def test_front_page_and_list_pages(ds):
    home = get(ds, "/").text
    assert 'action="/radar/-/search"' in home
    listing = get(ds, "/radar/articles?_topic=cybersecurity").text
    assert 'class="radar-list"' in listing
    assert "/radar/articles_feed.atom?" in listing and "_topic=cybersecurity" in listing
    assert 'class="radar-tag radar-tag-topic"' in listing


# --- export -----------------------------------------------------------------------------------------
def test_export_csv_and_json(archive, tmp_path):
    import csv

    from radar.cli import cli

    runner = CliRunner()
    out = tmp_path / "ozg.csv"
    result = runner.invoke(cli, ["export", "--db", str(archive), "--format", "csv", "--topic", "cybersecurity",
                                 "--since", "2025-09-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig"), delimiter=";"))
    assert {int(row["ID"]) for row in rows} == {1, 5}
    assert rows[0]["Text"] and rows[0]["Themen"] == "Cybersicherheit"
    result = runner.invoke(cli, ["export", "--db", str(archive), "--format", "json", "--search", "Staedte", "--no-body"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {row["id"] for row in data} == {1, 3} and "body" not in data[0]
    assert isinstance(data[0]["topics"], list)
    result = runner.invoke(cli, ["export", "--db", str(archive), "--format", "json", "--table", "tag_counts"])
    assert {(r["kind"], r["value"]) for r in json.loads(result.stdout)} >= {("topic", "ozg"), ("state", "DE-BY")}
    result = runner.invoke(cli, ["export", "--db", str(archive), "--format", "csv", "--table", "sources", "--topic", "ozg"])
    assert result.exit_code == 2 and "filters apply" in result.output
