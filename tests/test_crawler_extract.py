"""Extraction without a crawl: German dates, charsets, broken markup, the three extractors, and the
near-duplicate fingerprint — pure functions over the sample site's own pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.extract.dates import (
    BERLIN,
    _fast_parse,
    _parse_cached,
    find_german_date,
    parse_german_date,
)
from crawler.extract.encoding import decode_html
from crawler.extract.pages import (
    MALFORMED_ERRORS,
    extract_page,
    markup_errors,
    page_links,
    page_problem,
    page_records,
    repair_html,
)
from db.duplicates import jaccard, lsh_keys, minhash
from sample_site.articles import load_all
from sample_site.faults import FAULT_TITLES, MALFORMED, Faults

SITE = Path(__file__).resolve().parent.parent / "sample_site" / "site"
NOW = datetime(2025, 11, 24, 15, 30, tzinfo=BERLIN)  # a Monday afternoon in Berlin


def page(path: str) -> str:
    rel = path.strip("/")
    file = SITE / (rel + "/index.html" if path.endswith("/") else rel + ("" if rel.endswith(".html") else ".html"))
    return file.read_text(encoding="utf-8")


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("[29.09.2025]", "2025-09-29"),
        ("29.09.2025", "2025-09-29"),
        ("Dienstag, 15. Juli 2025", "2025-07-15"),
        ("15. Juli 2025", "2025-07-15"),
        ("19 Nov. '25", "2025-11-19"),
        ("1. Okt. '25", "2025-10-01"),
        ("22.12.2023", "2023-12-22"),
        ("15.07.2025, 09:30 Uhr", "2025-07-15T09:30:00+02:00"),
        ("2025-07-15T09:30:00+02:00", "2025-07-15T09:30:00+02:00"),
        ("vor 3 Tagen", "2025-11-21"),
        ("gestern", "2025-11-23"),
    ],
)
def test_every_date_form_of_the_field(text, expected):
    from crawler.extract.article import resolve_date

    assert resolve_date([text], NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["29.09.2025", "[01.03.2024]", "Montag, 6. Oktober 2025", "3. Mai 2025", "15.07.2025, 09:30 Uhr",
     "2025-07-15", "2025-07-15T07:30:00Z", "2025-12-01T10:00:00", "6. Okt. 2025", "1. März 2024"],
)
def test_fast_date_path_agrees_with_dateparser(text):
    assert _fast_parse(text) == _parse_cached(text, NOW.isoformat())


def test_dates_after_the_fetch_are_rejected_never_today():
    assert parse_german_date("25.11.2025", NOW) is None  # tomorrow
    assert parse_german_date("2025-11-24T18:00:00+01:00", NOW) is None  # hours ahead
    assert parse_german_date("24.11.2025", NOW) is not None  # today is fine
    assert parse_german_date("kein Datum", NOW) is None
    assert find_german_date("Veröffentlicht am 15. Oktober 2025 · Redaktion", NOW).year == 2025


def test_relative_dates_count_from_the_fetch_time_not_from_today():
    fetched = datetime(2025, 10, 1, 8, 0, tzinfo=timezone.utc)
    assert parse_german_date("vor 3 Tagen", fetched).date() == date(2025, 9, 28)


# --- charsets and broken pages ---------------------------------------------------------------------
def test_latin1_with_the_right_header_and_with_a_wrong_utf8_header():
    faults = Faults()
    text, encoding = decode_html(faults.latin1(), "iso-8859-1")
    assert FAULT_TITLES["latin1"] in text and encoding == "cp1252"
    text, _ = decode_html(faults.wrong_charset(), "utf-8")  # invalid UTF-8: the meta charset decides
    assert FAULT_TITLES["wrong-charset"] in text and "\ufffd" not in text


def test_utf8_bytes_declared_latin1_are_read_as_utf8():
    body = "<p>Bürgerämter in Fürth</p>".encode()
    assert decode_html(body, "iso-8859-1") == ("<p>Bürgerämter in Fürth</p>", "utf-8")


def test_truncated_and_empty_pages_are_problems_malformed_is_repaired():
    assert page_problem(Faults().truncated().decode("utf-8"))[0] == "truncated"
    assert page_problem("  ")[0] == "empty"
    unclosed = MALFORMED.replace("</title>", "", 1)
    repaired, changed = repair_html(unclosed)
    assert changed and repaired.count("</title>") == 1
    assert repair_html(MALFORMED) == (MALFORMED, False)
    assert markup_errors(MALFORMED) >= MALFORMED_ERRORS
    assert markup_errors((SITE / "index.html").read_text(encoding="utf-8")) == 0
    fields = extract_page("kommune21", None, repaired, "http://x/faults/malformed", NOW)
    assert fields.title == FAULT_TITLES["malformed"]
    assert fields.published == "2025-10-06"
    assert fields.body.count("Der dritte Absatz") == 1  # nested unclosed <p>s are not read twice


def test_page_records_turns_faults_into_quarantine_records():
    result = page_records(
        {"kind": "page", "url": "http://x/faults/empty", "source": "faults", "raw_html": b"", "fetched_at": NOW.isoformat()},
        "kommune21", None,
    )
    assert result.records[0]["kind"] == "quarantine" and result.records[0]["error_kind"] == "empty"
    assert result.errors == {"empty": 1}


# --- the three extractors on the sample site's pages ---------------------------------------------
@pytest.fixture(scope="module")
def content():
    return load_all()


def test_kommune21_extractor_reads_every_field(content):
    art = next(a for a in content.kommune21 if a.caption and a.meta)
    fields = extract_page("kommune21", None, page(art.path), "http://s" + art.path, NOW)
    truth = art.truth()
    for name in ("title", "kicker", "teaser", "body", "published", "image_caption", "image_credit"):
        assert getattr(fields, name) == truth[name], name
    assert "Kommune21 online" not in fields.title


def test_rules_extractor_reads_a_press_release(content):
    from crawler.sources import SAMPLE_SOURCES, load_sources

    rules = load_sources(SAMPLE_SOURCES).sources["verband"].article
    art = content.verband[0]
    fields = extract_page("rules", rules, page(art.path), "http://s" + art.path, NOW)
    assert (fields.title, fields.teaser, fields.body, fields.published) == (
        art.title, art.teaser, "\n\n".join(art.body), art.day.isoformat()
    )


@pytest.mark.parametrize("index", range(12))
def test_generic_extractor_reads_title_date_and_body_of_the_sitemap_outlet(content, index):
    art = content.egov[index]
    fields = extract_page("generic", None, page(art.path), "http://s" + art.path, NOW)
    assert fields.title == art.title
    assert fields.teaser == art.teaser
    assert fields.body == "\n\n".join(art.body)
    expected = (NOW.date() - timedelta(days=art.relative_days)).isoformat() if art.relative_days else art.day.isoformat()
    assert fields.published == expected, art.date_display


def test_quick_link_pass_finds_canonical_and_related_links(content):
    art = next(a for a in content.kommune21 if "print_alias" in a.flags)
    canonical, _ = page_links(page("/druck" + art.path), "http://s/druck" + art.path, "kommune21", None)
    assert canonical == "http://s" + art.path
    with_related = next(a for a in content.kommune21 if a.related)
    _, related = page_links(page(with_related.path), "http://s" + with_related.path, "kommune21", None)
    assert len(related) >= len(with_related.related)


# --- near-duplicates -------------------------------------------------------------------------------
def test_minhash_links_the_same_text_and_keeps_different_texts_apart(content):
    bodies = ["\n\n".join(a.body) for a in content.kommune21]
    signatures = [minhash(b) for b in bodies]
    assert all(s is not None for s in signatures)
    twin = next(a for a in content.verband if a.duplicate_of)
    original = next(a for a in content.kommune21 if a.slug == twin.duplicate_of)
    assert jaccard(minhash("\n\n".join(twin.body)), minhash("\n\n".join(original.body))) == 1.0
    words = "\n\n".join(original.body).split()
    edited = " ".join(w if i % 40 else "geändert" for i, w in enumerate(words))  # a few words changed
    assert jaccard(minhash(edited), minhash("\n\n".join(original.body))) >= 0.5
    assert set(lsh_keys(minhash(edited))) & set(lsh_keys(minhash("\n\n".join(original.body))))
    others = [jaccard(signatures[0], s) for s in signatures[1:]]
    assert max(others) < 0.5
    assert minhash("zu kurz für einen Vergleich") is None
