"""German search: normalisation, query parsing and the normalised index kept in step with writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.connect import connect_writer
from db.search import QUEUE_TABLE, SEARCH_TABLE, ranked_sql
from db.search_index import sync_search_index
from db.store import ArchiveWriter
from db.text.highlight import highlight, segments_to_text, snippet
from db.text.normalise import normalise_text
from db.text.query import normalise_query, parse_query


def item(n: int, title: str, body: str = "", teaser: str = "", **extra) -> dict:
    return {
        "url": f"https://example.org/a{n}",
        "source": "kommune21",
        "title": title,
        "teaser": teaser,
        "body": body,
        "published": f"2025-09-{n:02d}",
        "tags": [],
        **extra,
    }


@pytest.fixture
def archive(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles(
        [
            item(1, "Bund stärkt die Cybersicherheit der Kommunen"),
            item(2, "Neue Straße für die Städte", body="Die Strasse wird digital geplant."),
            item(3, "Staedte fordern Geld", body="Der Deutsche Städtetag fordert mehr Mittel."),
            item(4, "Onlinezugangsgesetz: Bilanz", teaser="Das OZG 2.0 kommt voran."),
            item(5, "Sicherheit im Netz", body="IT-Sicherheit bleibt Thema."),
            item(6, "Cyber-Sicherheits-Strategie beschlossen"),
            item(7, "Wetter", body="Sonne und Regen"),
        ]
    )
    sync_search_index(writer.db)
    return writer.db


def search(db, text: str) -> list[int]:
    match = normalise_query(text)
    assert match, text
    rows = db.execute(
        ranked_sql(), {"match": match, "limit": 50, "offset": 0}
    ).fetchall()
    return sorted(row[0] for row in rows)


def test_compound_parts_find_the_compound(archive):
    found = search(archive, "sicherheit")
    assert {1, 5, 6} <= set(found)
    assert 7 not in found


def test_umlauts_and_sharp_s_fold_both_ways(archive):
    assert search(archive, "Städte") == search(archive, "Staedte")
    assert {2, 3} <= set(search(archive, "Städte"))
    assert search(archive, "Straße") == search(archive, "Strasse") == [2]


def test_compound_query_finds_hyphenated_and_closed_forms(archive):
    assert {1, 6} <= set(search(archive, "Cybersicherheit"))
    assert {1, 6} <= set(search(archive, "Cyber-Sicherheit"))
    assert 4 in search(archive, "Zugang")
    assert 4 in search(archive, "OZG")


def test_title_weighs_more_than_body(archive):
    rows = archive.execute(ranked_sql(), {"match": normalise_query("Sicherheit"), "limit": 10, "offset": 0}).fetchall()
    ids = [row[0] for row in rows]
    assert ids.index(5) < len(ids)  # title "Sicherheit im Netz" ranks at the top
    assert ids[0] in (1, 5, 6)


def test_normalise_text_orders_stems_then_parts():
    assert normalise_text("Cybersicherheit") == "cybersicherheit cyb sicherheit"
    assert normalise_text("die und der") == ""
    assert normalise_text("Städte") == normalise_text("Staedte") == "stadt"
    assert normalise_text("Straße") == normalise_text("Strasse")


@pytest.mark.parametrize(
    "text, expected_note",
    [
        ('"OZG', "quotation mark"),
        ("AND AND", "AND"),
        ("OZG AND AND Hessen", "AND"),
        ("NOT", "NOT"),
        ("-OZG", "excluded words only"),
        ("((OZG", "bracket"),
        ("OZG)", "bracket"),
        ("OZG OR", "OR"),
        ("die und der", "Common words"),
    ],
)
def test_syntax_errors_become_notes_and_a_valid_query(archive, text, expected_note):
    query = parse_query(text)
    assert any(expected_note in note for note in query.notes), query.notes
    if query.match:  # whatever is left is valid FTS5
        archive.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?", [query.match]).fetchall()


@pytest.mark.parametrize(
    "text",
    ['"', "*", "OZG*", "a:b", "^OZG", "NEAR(a b)", "title:OZG", "OZG + EfA", "{title}: x", "''", "(", ")", "-", "--x",
     "OR OR", "AND OZG", "x NOT", "\\", "ö*", "\u0000", "Ä" * 300, "OZG " * 200],
)
def test_any_input_gives_valid_fts(archive, text):
    match = parse_query(text).match
    if match:
        archive.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?", [match]).fetchall()


def test_operators_phrases_and_prefixes(archive):
    assert parse_query("OZG OR EfA").match == '"ozg" OR "efa"'
    assert parse_query("OZG -EfA").match == '("ozg") NOT "efa"'
    assert parse_query('"Stadt der Zukunft"').match == '"stadt zukunft"'
    assert parse_query("Digital*").match == '"digital" *'
    assert 2 in search(archive, "digital*")


def test_highlight_and_snippet_mark_original_words():
    query = parse_query("sicherheit Städte")
    segments = highlight("Mehr Cybersicherheit für Staedte!", query)
    assert [text for text, hit in segments if hit] == ["Cybersicherheit", "Staedte"]
    text = "Anfang " + "Wort " * 100 + "die IT-Sicherheit der Städte " + "Ende " * 100
    cut = segments_to_text(snippet(text, query))
    assert "[IT-Sicherheit]" in cut and "[Städte]" in cut
    assert cut.startswith("… ") and cut.endswith(" …")


def test_index_follows_inserts_updates_and_deletes(tmp_path):
    path = str(tmp_path / "radar.db")
    writer = ArchiveWriter(path)
    writer.upsert_articles([item(1, "OZG in Hessen")])
    db = connect_writer(path)  # every open indexes what the triggers queued
    assert search(db, "Hessen") == [1]
    writer.write_records([item(1, "OZG in Bayern")])  # stored, queued, not yet indexed
    assert db.execute(f"select count(*) from {QUEUE_TABLE}").fetchone()[0] == 1
    sync_search_index(db)
    assert search(db, "Bayern") == [1]
    assert db.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?", [normalise_query("Hessen")]).fetchone()[0] == 0
    db.conn.execute("pragma foreign_keys = off")  # other tables point at articles; only the index matters here
    with db.conn:
        db.conn.execute("delete from articles where id = 1")
    sync_search_index(db)
    assert db.execute(f"select count(*) from {SEARCH_TABLE}_docsize").fetchone()[0] == 0  # external content: the index's own rows


def test_an_indexed_article_queued_again_unchanged_is_indexed_once_with_its_own_tokens(tmp_path):
    """Queued without an old text (as the insert trigger queues), an article the index already holds
    is deleted with the tokens of its current text and inserted again: still found once, and a
    later change removes every one of its old tokens."""
    path = str(tmp_path / "radar.db")
    writer = ArchiveWriter(path)
    writer.upsert_articles([item(1, "Onlinezugangsgesetz in Hessen", body="Die Cybersicherheitsstrategie wirkt.")])
    with writer.db.conn:
        writer.db.conn.execute(f"insert into {QUEUE_TABLE} (article_id) values (1)")
    assert sync_search_index(writer.db) == 1
    assert search(writer.db, "Hessen") == [1] and search(writer.db, "Sicherheit") == [1]
    assert writer.db.execute(f"select count(*) from {SEARCH_TABLE}_docsize").fetchone()[0] == 1
    writer.upsert_articles([item(1, "OZG in Bayern")])
    assert search(writer.db, "Bayern") == [1]
    for gone in ("Hessen", "Sicherheit", "Onlinezugangsgesetz"):
        assert writer.db.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?",
                                 [normalise_query(gone)]).fetchone()[0] == 0, gone


def test_refetch_without_change_does_not_touch_the_indexes(tmp_path):
    path = str(tmp_path / "radar.db")
    writer = ArchiveWriter(path)
    writer.upsert_articles([item(1, "OZG in Hessen")])
    sync_search_index(writer.db)
    writer.upsert_articles([item(1, "OZG in Hessen", fetched_at="2030-01-01T00:00:00+00:00")])
    assert writer.db.execute(f"select count(*) from {QUEUE_TABLE}").fetchone()[0] == 0
    trigger = writer.db.execute(f"select sql from sqlite_master where name = '{SEARCH_TABLE}_au'").fetchone()[0]
    assert "AFTER UPDATE OF" in trigger
    assert "articles_fts" not in writer.db.table_names()  # dropped: nothing used it (docs/schema.md)


def test_existing_archive_without_the_index_is_migrated(tmp_path):
    """An archive written before the normalised index existed gets it on open, data untouched."""
    path = tmp_path / "old.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles([item(1, "Cybersicherheit im Landkreis"), item(2, "Wohngeld digital")])
    writer.db.conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"drop table {SEARCH_TABLE}")
    conn.execute(f"drop table {QUEUE_TABLE}")
    for name in ("articles_search_ai", "articles_search_au", "articles_search_ad"):
        conn.execute(f"drop trigger {name}")
    conn.execute("drop view articles_with_tags")
    conn.execute("pragma user_version = 0")  # as before numbered migrations
    conn.commit()
    conn.close()
    db = connect_writer(str(path))
    assert db["articles"].count == 2
    assert search(db, "sicherheit") == [1]
    assert search(db, "Geld") == [2]
    assert "articles_with_tags" in db.view_names()
    connect_writer(str(path))  # and again: idempotent
    assert db["articles"].count == 2


def test_recent_slice_ranks_new_articles_and_falls_back_to_all(tmp_path, monkeypatch):
    """The newest RECENT_SIZE articles have an index of their own (cheap bm25); a search with too
    few matches there ranks the whole archive."""
    import db.search as search

    monkeypatch.setattr(search, "RECENT_SIZE", 3)
    monkeypatch.setattr(search, "MIN_RECENT_MATCHES", 1)
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles([item(n, f"Wohngeld Meldung {n}" if n < 3 else f"Breitband Meldung {n}") for n in range(1, 7)])
    db = writer.db
    sync_search_index(db)
    assert [r[0] for r in db.execute(f"select id from {search.RECENT_TABLE}_docsize order by id")] == [4, 5, 6]
    recent = search.ranked_search(db.conn, normalise_query("Breitband"))
    assert recent.scope == "recent" and sorted(row["id"] for row in recent.rows) == [4, 5, 6]
    older = search.ranked_search(db.conn, normalise_query("Wohngeld"))
    assert older.scope == "all" and sorted(row["id"] for row in older.rows) == [1, 2]
    everything = search.ranked_search(db.conn, normalise_query("Meldung"), scope="all")
    assert everything.scope == "all" and len(everything.rows) == 6
    writer.upsert_articles([item(7, "Breitband Meldung 7")])
    sync_search_index(db)  # 4 falls out of the slice
    assert [r[0] for r in db.execute(f"select id from {search.RECENT_TABLE}_docsize order by id")] == [5, 6, 7]


def test_external_content_index_follows_every_change_exactly(tmp_path):
    """The index keeps no copy of the text: old tokens are removed from the old text the trigger
    queued. Updates before and after a sync, a delete and a re-insert leave no stale hit."""
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    db = writer.db
    writer.upsert_articles([item(1, "Breitband im Landkreis"), item(2, "Wohngeld digital")])
    writer.write_records([item(1, "Glasfaser im Landkreis")])  # queued with its old text
    writer.write_records([item(1, "Funknetz im Landkreis")])  # the first old text stays queued
    sync_search_index(db)
    assert search(db, "Breitband") == [] and search(db, "Glasfaser") == [] and search(db, "Funknetz") == [1]
    db.conn.execute("pragma foreign_keys = off")
    with db.conn:
        db.conn.execute("delete from articles where id = 2")
    sync_search_index(db)
    assert search(db, "Wohngeld") == []
    writer.upsert_articles([item(3, "Wohngeld kommt zurück")])  # takes over the free id 2
    assert search(db, "Wohngeld") == [db.execute("select id from articles where title like 'Wohngeld kommt%'").fetchone()[0]]
    assert db.execute(f"select count(*) from {SEARCH_TABLE}_docsize").fetchone()[0] == 2
    db.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('integrity-check')")
    assert "articles_search_content" not in db.table_names()


def test_changed_rules_rebuild_the_index(tmp_path, monkeypatch):
    import db.search_index as search_index

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles([item(1, "Breitband im Landkreis")])
    monkeypatch.setattr(search_index, "normaliser_fingerprint", lambda: "new rules")
    assert sync_search_index(writer.db) == 1  # every article indexed afresh
    assert search(writer.db, "Breitband") == [1]
    assert sync_search_index(writer.db) == 0


def test_an_index_with_its_own_copy_of_the_text_is_converted(tmp_path):
    """Migration step 3 on an archive made before it: same hits, no `_content` copy, no articles_fts."""
    from db.search_index import TRIGGERS, search_columns

    path = tmp_path / "old.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles([item(1, "Cybersicherheit im Landkreis"), item(2, "Wohngeld digital")])
    writer.db.close()
    conn = sqlite3.connect(path)  # rebuild the layout of schema 2: tables holding their own text
    for name in (SEARCH_TABLE, QUEUE_TABLE, "articles_search_recent", "articles_search_state"):
        conn.execute(f"drop table {name}")
    for name in TRIGGERS:
        conn.execute(f"drop trigger {name}")
    conn.execute(f"create table {QUEUE_TABLE} (article_id integer primary key)")
    for table in (SEARCH_TABLE, "articles_search_recent"):
        conn.execute(f"create virtual table {table} using fts5(title, teaser, body, tokenize = 'unicode61 remove_diacritics 2')")
        for row in conn.execute("select id, title, kicker, teaser, body from articles").fetchall():
            columns = search_columns(*row[1:])  # that layout held the words and parts in one column
            conn.execute(f"insert into {table}(rowid, title, teaser, body) values (?, ?, ?, ?)",
                         [row[0], *(f"{words} {parts}".strip() for words, parts in zip(columns[:3], columns[3:], strict=True))])
    conn.execute(f"create trigger articles_search_ai after insert on articles begin insert or ignore into {QUEUE_TABLE}(article_id) values (new.id); end")
    conn.execute(f"insert into {QUEUE_TABLE} values (2)")  # one change still queued
    conn.execute("create virtual table articles_fts using fts5(title, kicker, teaser, body, content=[articles])")
    conn.execute("pragma user_version = 2")
    conn.commit()
    conn.close()
    db = connect_writer(str(path))
    assert db.execute("pragma user_version").fetchone()[0] >= 3
    assert search(db, "sicherheit") == [1] and search(db, "Geld") == [2]
    assert not {"articles_search_content", "articles_fts", "articles_search_recent_content"} & set(db.table_names())
    writer = ArchiveWriter(db)
    writer.upsert_articles([item(1, "Glasfaser im Landkreis")])
    assert search(db, "sicherheit") == [] and search(db, "Glasfaser") == [1]


def test_hostile_bodies_are_stored_and_indexed_within_bounds(tmp_path):
    """A 16 KB run-together compound and a 12 KB `ozg-ozg-…` chain once failed with RecursionError
    or grew the index a hundredfold: both are stored, searchable and indexed in at most twice their
    text (plus a small allowance for short texts)."""
    from db.search_index import search_columns

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    bodies = {1: "Sicherheitsstrategie" * 800, 2: "ozg-" * 3000 + "Cybersicherheit", 3: "Onlinezugangsgesetz " * 800}
    writer.upsert_articles([item(n, f"Meldung {n}", body=body) for n, body in bodies.items()])
    sync_search_index(writer.db)
    for n, body in bodies.items():
        title, teaser, words, title_parts, teaser_parts, parts = search_columns(f"Meldung {n}", None, "", body)
        assert len(words) + 1 + len(parts) <= max(2 * len(body), 512), (n, len(words), len(parts), len(body))
        assert sum(map(len, (title, teaser, title_parts, teaser_parts))) <= 2 * 512
    assert search(writer.db, "ozg") == [2]
    assert search(writer.db, "Cybersicherheit") == [2]
    assert search(writer.db, "Zugang") == [3]


def test_no_recent_slice_until_the_archive_outgrows_it(tmp_path, monkeypatch):
    """Below RECENT_SIZE articles the slice would copy the whole index: it starts when the archive
    grows past it, filled with the newest articles once."""
    import db.search as search

    monkeypatch.setattr(search, "RECENT_SIZE", 3)
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    db = writer.db
    writer.upsert_articles([item(n, f"Breitband Meldung {n}") for n in range(1, 4)])
    assert db.execute(f"select count(*) from {search.RECENT_TABLE}_docsize").fetchone()[0] == 0
    small = search.ranked_search(db.conn, normalise_query("Breitband"))
    assert small.scope == "all" and sorted(row["id"] for row in small.rows) == [1, 2, 3]
    writer.upsert_articles([item(4, "Breitband Meldung 4")])
    assert [r[0] for r in db.execute(f"select id from {search.RECENT_TABLE}_docsize order by id")] == [2, 3, 4]
    writer.upsert_articles([item(5, "Wohngeld Meldung 5"), item(6, "Wohngeld Meldung 6")])
    assert [r[0] for r in db.execute(f"select id from {search.RECENT_TABLE}_docsize order by id")] == [4, 5, 6]
    assert sorted(row["id"] for row in search.ranked_search(db.conn, normalise_query("Breitband")).rows) == [1, 2, 3, 4]


def test_a_new_archive_packs_several_articles_per_page(tmp_path):
    """A news article row is 2–4 KB: SQLite's default 4 KB page holds one such row and wastes the
    rest, which made the archive ~40 % bigger than its text needed (issue 15)."""
    path = tmp_path / "new.db"
    db = connect_writer(path)
    try:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 8192
        writer_pages = db.execute("PRAGMA page_count").fetchone()[0]
    finally:
        db.close()
    assert writer_pages > 0
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT)")  # an archive made before
    conn.close()
    db = connect_writer(old)
    try:  # an existing file keeps its page size: changing it means rewriting the whole file
        assert db.execute("PRAGMA page_size").fetchone()[0] == 4096
    finally:
        db.close()


def test_the_index_reads_its_text_from_the_articles(archive):
    """The index keeps no text: selecting its columns (as researchers do in SQL, and Datasette
    when it counts rows) reads the article's own text; the compound parts, made at index time,
    read as empty."""
    rows = archive.execute(
        f"SELECT rowid, title, body_parts FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? ORDER BY rowid",
        [normalise_query("Wetter")],
    ).fetchall()
    assert rows == [(7, "Wetter", None)]
    assert archive.execute(f"SELECT count(*) FROM {SEARCH_TABLE}").fetchone()[0] == 7
    columns = [row[1] for row in archive.execute("PRAGMA table_info(articles)")]
    assert "title_parts" not in columns  # invisible to sqlite-utils and Datasette's table pages


def test_an_index_over_articles_itself_is_made_anew_by_migration_8(tmp_path):
    path = tmp_path / "radar.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles([item(1, "Glasfaser für Dörfer"), item(2, "Wetter")])
    sync_search_index(writer.db)
    writer.db.close()
    conn = sqlite3.connect(path)  # the layout of schema 7: content='articles', no part columns there
    with conn:
        for table in (SEARCH_TABLE, "articles_search_recent"):
            conn.execute(f"DROP TABLE {table}")
            conn.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(title, teaser, body, title_parts, teaser_parts, "
                         "body_parts, content='articles', content_rowid='id', tokenize = 'unicode61 remove_diacritics 2')")
        conn.execute("PRAGMA user_version = 7")
    conn.close()
    db = connect_writer(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 8
        assert search(db, "Glasfaser") == [1]
        assert db.execute(f"SELECT title FROM {SEARCH_TABLE} WHERE rowid = 1").fetchone()[0] == "Glasfaser für Dörfer"
    finally:
        db.close()


def test_writer_processes_sync_the_index_in_turn(tmp_path):
    """A sync spans several transactions (a rebuild for a renewed lexicon, then batches): another
    writer's sync must wait for it, or its tokens of the older lexicon meet the rebuilt index."""
    import subprocess
    import sys
    import time

    from db.sqlite import writers_in_turn

    path = tmp_path / "radar.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles([item(1, "Glasfaser für Dörfer")])
    script = ("import sys; from db.store import ArchiveWriter; "
              "w = ArchiveWriter(sys.argv[1]); w.upsert_articles([{'url': 'https://example.org/b', 'source': 's', "
              "'title': 'Breitband im Landkreis', 'published': '2025-09-02', 'tags': []}])")
    with writers_in_turn(writer.db.conn, "search"):
        other = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=Path(__file__).parent.parent)
        time.sleep(3)
        assert other.poll() is None  # waiting for this process's sync to end
    assert other.wait(timeout=60) == 0
    assert search(writer.db, "Breitband") == [2]
    writer.db.close()
