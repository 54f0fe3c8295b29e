"""What a digest contains: filters, sections without duplicates, the summary, both MIME parts,
escaping of scraped text, German dates, and the headers (built in-process, no SMTP)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from sqlite_utils import Database

from db.connect import connect_writer
from db.store import ArchiveWriter
from digest import config as settings
from digest.run import DigestBuilder
from digest.select import WeekArticles, select_ids
from digest.subscribers import Subscriber
from digest.summary import is_rising, summarise
from digest.testing import SAMPLE_DUPLICATE, SAMPLE_WEEK, article, build_sample_archive
from digest.tokens import verify_unsubscribe
from digest.vocabulary import Vocabulary

SECRET = "test-secret-0123456789"
CONFIG = settings.build({**{s.env: s.default for s in settings.SETTINGS}, "RADAR_SECRET": SECRET,
                         "RADAR_BASE_URL": "https://radar.example.org/", "RADAR_DIGEST_FROM":
                         "Policy Radar <radar@example.org>"})


@pytest.fixture()
def db(tmp_path) -> Database:
    path = build_sample_archive(str(tmp_path / "radar.db"))
    database = connect_writer(path)  # as every command opens it: schema checked, search index in sync
    duplicate, original = SAMPLE_DUPLICATE
    database["articles"].update(duplicate, {"duplicate_of": original})
    database.conn.commit()
    return database


def ids(db: Database, **filters) -> list[int]:
    return select_ids(db, SAMPLE_WEEK, Subscriber(email="x@example.org", **filters))


def parse(message):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def test_filters_or_within_a_kind_and_across_kinds(db):
    assert ids(db) == [8, 7, 5, 4, 3, 2, 1]  # newest first, duplicate 6 and other weeks left out
    assert ids(db, topics=("ozg",)) == [4, 1]
    assert ids(db, topics=("ozg", "ai")) == [7, 4, 2, 1]
    assert ids(db, topics=("ozg", "ai"), states=("DE-HE",)) == [2, 1]  # 2 through Wiesbaden (derived)
    assert ids(db, actors=("bitkom", "bsi")) == [5, 4]
    assert ids(db, sources=("egov",)) == [5, 3]
    assert ids(db, actors=("dstgb",)) == []


def test_free_text_search_is_the_archives_german_search(db):
    assert ids(db, search="Glasfaser") == [3]
    assert ids(db, search="glasfaser saarland") == [3]
    assert ids(db, search="Glasfaser Bayern") == []
    assert ids(db, search="Glasfaser ODER Ransomware") == [5, 3]
    assert ids(db, search="Ransomware", sources=("egov", "verband")) == [5]  # 6 is a duplicate
    assert ids(db, search="Buergerbuero") == [2]  # umlauts folded
    assert ids(db, search="Ausbau") == [3]  # a part of "Glasfaser-Ausbau"
    assert ids(db, search="Landkreise") == [7]  # stemmed
    for hostile in ['"', "OR", "NEAR(", "a*", "title:KI", "-KI", "^x", "AND OR NOT", "Bürgerbüro)", "und die"]:
        ids(db, search=hostile)  # never an FTS5 syntax error


def test_sections_one_per_topic_and_no_article_twice(db):
    builder = DigestBuilder(db, SAMPLE_WEEK, CONFIG)
    everyone = Subscriber(email="frieda@example.org")
    message, items = builder.build(everyone)
    text = parse(message).get_body(("plain",)).get_content()
    headings = re.findall(r"^== (.+) \((\d+)\) ==$", text, re.M)
    assert headings == [("Künstliche Intelligenz", "3"), ("Breitband und Glasfaser", "1"), ("Cybersicherheit", "1"),
                        ("Onlinezugangsgesetz (OZG)", "1"), ("Weitere Meldungen", "1")]
    assert items == 7
    archive_links = re.findall(r"Im Archiv:\s+(\S+)", text)
    assert len(archive_links) == len(set(archive_links)) == 7

    chosen = Subscriber(email="anna@example.org", topics=("ozg", "ai"))  # the subscriber's order wins
    text = parse(builder.build(chosen)[0]).get_body(("plain",)).get_content()
    assert re.findall(r"^== (.+) \((\d+)\) ==$", text, re.M) == [("Onlinezugangsgesetz (OZG)", "1"), ("Künstliche Intelligenz", "3")]
    # article 4 is tagged OZG (0.6) and KI (0.8): it appears once, under KI
    ozg = text.split("== Onlinezugangsgesetz (OZG)")[1].split("== Künstliche")[0]
    assert "Bauantrag" in ozg and "Bitkom" not in ozg


def test_summary_counts_this_week_against_last_and_rising_topics(db):
    summary = summarise(db, SAMPLE_WEEK, Vocabulary.from_db(db))
    assert (summary.total_this, summary.total_last) == (7, 3)
    topics = {row.value: (row.this_week, row.last_week) for row in summary.rows["topic"]}
    assert topics == {"ai": (3, 0), "ozg": (2, 1), "cloud": (1, 2), "broadband": (1, 0), "cybersecurity": (1, 0)}
    states = {row.value: (row.this_week, row.last_week) for row in summary.rows["state"]}
    assert states == {"DE-HE": (2, 1), "DE-SL": (1, 0), "DE-BY": (1, 0)}
    assert {row.value: row.this_week for row in summary.rows["actor"]} == {"bitkom": 1, "bsi": 1}
    assert [row.value for row in summary.rising] == ["ai"]
    assert is_rising(3, 0) and is_rising(5, 4) is False and is_rising(2, 0) is False and is_rising(9, 6)


def test_both_parts_german_content_links_and_escaping(db):
    builder = DigestBuilder(db, SAMPLE_WEEK, CONFIG)
    carl = Subscriber(email="carl@example.org", name="Carl Czerny", actors=("bitkom", "bsi"))
    message, items = builder.build(carl)
    mail = parse(message)
    assert items == 2
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in mail.iter_parts())
    assert mail["Subject"] == "Policy Radar KW 39/2025: 2 neue Meldungen"

    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Wochenüberblick KW 39/2025 (22.09.–28.09.2025)" in text
    assert "Guten Tag Carl Czerny," in text
    assert "2 neue Meldungen zu Ihren Filtern (Akteure: Bitkom, Bundesamt für Sicherheit in der Informationstechnik)." in " ".join(text.split())
    assert "25.09.2025 · Verbandsnachrichten" in text and "26.09.2025 · eGovernment" in text
    assert "Themen: Künstliche Intelligenz, Onlinezugangsgesetz (OZG) · Akteur: Bitkom" in " ".join(text.split())
    assert "Im Archiv:  https://radar.example.org/radar/articles/4" in text
    assert "Zur Quelle: https://www.verband.example/artikel/4" in text
    assert "Bitkom: <script>alert('x')</script> & Co. fordern Tempo" in text  # plain text stays text
    assert "Die Woche in Zahlen" in text and "Steigende Themen im ganzen Archiv: Künstliche Intelligenz (+3)" in text

    assert "<script" not in html and "<b>" not in html
    assert "Bitkom: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co. fordern Tempo" in html
    assert "Ein &lt;b&gt;fetter&lt;/b&gt; Appell" in html
    assert 'href="https://radar.example.org/radar/articles/4"' in html
    assert 'href="https://www.verband.example/artikel/4"' in html
    assert "25.09.2025 · Verbandsnachrichten" in html
    assert "<style" not in html and 'style="' in html  # CSS inline only
    assert '<html lang="de">' in html


def test_only_http_links_become_links(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    item = article(1, "2025-09-22", title="Böser Link")
    item["url"] = "javascript:alert(document.cookie)"
    writer.upsert_articles([item])
    message, _ = DigestBuilder(writer.db, SAMPLE_WEEK, CONFIG).build(Subscriber(email="a@example.org"))
    html = parse(message).get_body(("html",)).get_content()
    assert "javascript:" not in html and "Zur Quelle" not in html


def test_headers_message_id_date_and_unsubscribe(db):
    builder = DigestBuilder(db, SAMPLE_WEEK, CONFIG)
    anna = Subscriber(email="anna@example.org", name="Anna Berg", topics=("ozg",))
    mail = parse(builder.build(anna)[0])
    assert mail["From"] == "Policy Radar <radar@example.org>"
    assert mail["To"] == "Anna Berg <anna@example.org>"
    assert re.fullmatch(r"<radar-digest\.2025-W39\.[0-9a-f]{24}@example\.org>", mail["Message-ID"])
    assert mail["Message-ID"] == parse(builder.build(anna)[0])["Message-ID"]  # stable per (subscriber, week)
    assert mail["Message-ID"] != parse(builder.build(Subscriber(email="bob@example.org"))[0])["Message-ID"]
    assert parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, web = re.fullmatch(r"<(mailto:[^>]+)>, <(https://[^>]+)>", mail["List-Unsubscribe"]).groups()
    assert mailto.startswith("mailto:radar@example.org?subject=unsubscribe%20anna%40example.org%20")
    token = re.search(r"token=([0-9a-f]{32})$", web).group(1)
    assert web.startswith("https://radar.example.org/-/unsubscribe?email=anna%40example.org&token=")
    assert verify_unsubscribe(SECRET, "anna@example.org", token)
    assert not verify_unsubscribe(SECRET, "bob@example.org", token)
    assert not verify_unsubscribe("another-secret", "anna@example.org", token)
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert web.replace("&", "&amp;") in html and web in text
    assert SECRET not in mail.as_string()


def test_empty_week_sends_nothing_or_a_short_nothing_new_mail(db):
    builder = DigestBuilder(db, SAMPLE_WEEK, CONFIG)
    assert builder.build(Subscriber(email="dora@example.org", actors=("dstgb",))) == (None, 0)
    message, items = builder.build(Subscriber(email="emil@example.org", actors=("dstgb",), send_empty=True))
    mail = parse(message)
    assert items == 0
    assert mail["Subject"] == "Policy Radar KW 39/2025: keine neuen Meldungen"
    text = mail.get_body(("plain",)).get_content()
    assert "in der KW 39/2025 gab es keine neuen Meldungen zu Ihren Filtern (Akteur: Deutscher Städte- und Gemeindebund)." in " ".join(text.split())
    assert "==" not in text  # no sections, no tables: short
    assert "Abmelden: https://radar.example.org/-/unsubscribe?" in text


def test_week_loads_once_for_all_subscribers(db):
    week = WeekArticles(db, SAMPLE_WEEK)
    assert len(week) == 7
    assert week.articles[2].source_name == "Kommune21"
    assert [t.value for t in week.articles[2].tags if t.kind == "topic"] == ["ai", "cloud"]


def test_long_weeks_are_capped_per_section_and_per_mail(tmp_path):
    from digest.sections import MAX_ITEMS, MAX_PER_SECTION
    from digest.testing import tag

    items = [article(n, "2025-09-24", f"OZG-Meldung {n}", tags=[tag("topic", "ozg", "OZG")]) for n in range(1, 16)]
    items += [article(n, "2025-09-23", f"Cloud-Meldung {n}", tags=[tag("topic", "cloud", "Cloud")])
              for n in range(16, 46)]
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles(items)
    message, count = DigestBuilder(writer.db, SAMPLE_WEEK, CONFIG).build(Subscriber(email="a@example.org"))
    text = parse(message).get_body(("plain",)).get_content()
    html = parse(message).get_body(("html",)).get_content()
    assert count == 45 and (MAX_PER_SECTION, MAX_ITEMS) == (10, 40)
    assert len(re.findall(r"^\* ", text, re.M)) == 20  # 10 Cloud (the bigger section first) + 10 OZG
    assert "45 neue Meldungen im Archiv. Hier die neuesten 20, die übrigen 25 im Archiv." in " ".join(text.split())
    assert "20 weitere Meldungen zu Cloud und Rechenzentren im Archiv:" in text and "5 weitere Meldungen zu Onlinezugangsgesetz (OZG) im Archiv:" in text
    assert "5 weitere Meldungen zu Onlinezugangsgesetz (OZG) im Archiv</a>" in html


def test_a_syndicated_copy_not_yet_linked_is_shown_once(tmp_path):
    original = article(1, "2025-09-24", "Kommunales Finanzwesen aus der Cloud", teaser="MACH zieht um.")
    copy = {**article(2, "2025-09-24", "Kommunales Finanzwesen aus der Cloud", teaser="MACH zieht um."),
            "url": "https://mirror.example/k21/finanzwesen"}
    other_day = article(3, "2025-09-25", "Kommunales Finanzwesen aus der Cloud", teaser="MACH zieht um.")
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles([original, copy, other_day])
    week = WeekArticles(writer.db, SAMPLE_WEEK)
    assert [a.id for a in week.for_subscriber(Subscriber(email="a@example.org"))] == [3, 1]
