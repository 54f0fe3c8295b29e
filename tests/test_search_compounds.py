"""German search that generalises: compounds split by the archive's own words, the word itself
ranked above the same word inside a compound, no stem shared by different words (issue 14)."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.connect import connect_writer
from db.search import COLUMNS, SEARCH_TABLE, parse_archive_query, query_match, ranked_search
from db.search_index import sync_search_index
from db.search_lexicon import LEXICON_TABLE, PARTS_TABLE
from db.store import ArchiveWriter
from db.text.compounds import LEXICON_MAX_PART, MAX_SPLIT_CHARS, Lexicon, split_compound
from db.text.query import parse_query
from db.text.words import fold, stem


def item(n: int, title: str, body: str = "", teaser: str = "") -> dict:
    return {"url": f"https://example.org/c{n}", "source": "kommune21", "title": title, "teaser": teaser,
            "body": body, "published": f"2025-09-{n:02d}", "tags": []}


@pytest.fixture
def archive(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.upsert_articles([
        item(1, "Kommunen fordern Planungssicherheit", body="Ohne Planungssicherheit kein Projekt."),
        item(2, "Haushalt beschlossen", body="Die Sicherheit der Netze bleibt ein Thema."),
        item(3, "Gebühren sicher bezahlen", body="Das Verfahren ist sicher und schnell."),
        item(4, "Kreis beschließt Hitzeaktionsplan", body="Ein Plan für heiße Tage."),
        item(5, "Hitze belastet Pflegeheime", body="Bei Hitze fehlen kühle Räume."),
        item(6, "Sommer", body="Die Hitze kam früh."),
        item(7, "Digitalministerkonferenz tagt", body="Beschlüsse zur Cloud."),
        item(8, "Treffen in Berlin", teaser="Die Digitalminister der Länder trafen sich zu einer Konferenz."),
        item(9, "Digitalminister lobt Portal", body=" ".join(["Wort"] * 30) + " Konferenz am Ende."),
        item(10, "Konferenz zur Bildung", body="Lehrkräfte tauschten sich aus."),
        item(11, "Ein Digitalminister spricht", body="Er kommt aus Hessen."),
    ])
    sync_search_index(writer.db)
    return writer.db


def ids(db, text: str) -> list[int]:
    """Ids of the ranked result, best first."""
    return [hit[0] for hit in ranked_search(db.conn, query_match(db.conn, text), limit=50).hits]


def test_a_noun_and_its_adjective_keep_apart(archive):
    assert stem(fold("Sicherheit")) != stem(fold("sicher"))
    assert stem(fold("Sicherheiten")) == stem(fold("Sicherheit"))
    assert 3 not in ids(archive, "Sicherheit")
    assert ids(archive, "sicher") == [3]


def test_the_word_itself_ranks_above_the_word_inside_a_compound(archive):
    found = ids(archive, "Sicherheit")
    assert set(found) == {1, 2}
    # article 1 has the compound twice and in the title, article 2 the word once in the body
    assert found == [2, 1]


def test_a_new_compound_splits_by_the_archives_own_words(archive):
    assert split_compound("hitzeaktionsplan") == ()  # no curated part list knows `Hitze`
    assert archive.execute(f"select docs from {LEXICON_TABLE} where word = 'hitze'").fetchone()[0] == 2  # articles 5 and 6
    found = ids(archive, "Hitze")
    assert 4 in found and found[-1] == 4  # found, after the articles about Hitze itself
    assert 4 in ids(archive, "Aktionsplan")


def test_a_part_finds_the_compound_and_a_compound_its_halves_close_together(archive):
    assert 7 in ids(archive, "Konferenz")
    found = ids(archive, "Digitalministerkonferenz")
    assert found[0] == 7 and 8 in found
    assert 9 not in found  # the halves 30 words apart
    assert 11 not in found


def test_query_parts_need_the_archive(archive):
    assert "NEAR" not in (parse_query("Digitalministerkonferenz").match or "")
    match = parse_archive_query(archive.conn, "Digitalministerkonferenz").match
    assert "{title teaser body} : NEAR(" in match
    assert archive.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?", [match]).fetchone()[0] >= 2


@pytest.mark.parametrize("text", ["Ä" * 600, "ab" * 300, "Digitalministerkonferenz " * 40, '"', "x-" * 200, "NEAR(a b)"])
def test_any_query_gives_valid_fts_with_the_lexicon(archive, text):
    match = query_match(archive.conn, text)
    if match:
        archive.execute(f"select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} match ?", [match]).fetchall()


def test_lexicon_splitting_is_bounded():
    """A lexicon of every short piece of a long word: the split still looks up at most
    LEXICON_MAX_PART pieces per letter (a dynamic programme, no recursion, no k² runs)."""

    class Counting(Lexicon):
        lookups = 0

        def weight(self, part: str) -> int:
            Counting.lookups += 1
            return super().weight(part)

    word = "ab" * (MAX_SPLIT_CHARS // 2)
    lexicon = Counting({word[i:j]: 5 for i in range(len(word)) for j in range(i + 4, min(len(word), i + 24) + 1)})
    spans = lexicon.spans(word)
    assert "".join(word[start:end] for _, start, end in spans) == word
    assert Counting.lookups <= 2 * MAX_SPLIT_CHARS * LEXICON_MAX_PART
    assert split_compound("x" * (MAX_SPLIT_CHARS + 1), lexicon) == ()


def test_migration_4_rebuilds_a_three_column_index_with_part_columns(tmp_path):
    """An archive at schema 3 (the index without part columns, no lexicon) gets them on the next
    write: tables made anew, the lexicon counted, every article indexed."""
    from db.search_index import create_fts, set_fingerprint

    path = tmp_path / "old.db"
    writer = ArchiveWriter(str(path))
    writer.upsert_articles([item(1, "Planungssicherheit für Kommunen"), item(2, "Sicherheit im Netz")])
    writer.db.close()
    conn = sqlite3.connect(path)
    for name in (SEARCH_TABLE, "articles_search_recent", LEXICON_TABLE, PARTS_TABLE):
        conn.execute(f"drop table {name}")
    for name in (SEARCH_TABLE, "articles_search_recent"):
        conn.execute(f"create virtual table {name} using fts5(title, teaser, body, content='articles', content_rowid='id')")
    set_fingerprint(conn, "schema 3")
    conn.execute("pragma user_version = 3")
    conn.commit()
    conn.close()
    assert create_fts  # the layout of today is made by create_fts (db/search_index.py)
    db = connect_writer(str(path))
    assert db.execute("pragma user_version").fetchone()[0] >= 4
    assert tuple(row[1] for row in db.execute(f"pragma table_info({SEARCH_TABLE})")) == COLUMNS
    assert ids(db, "Sicherheit") == [2, 1]
    assert db.execute(f"select docs from {LEXICON_TABLE} where word = 'kommunen'").fetchone()[0] == 1
    db.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('integrity-check')")


def test_the_frozen_lexicon_is_renewed_when_the_archive_grows_fourfold(tmp_path):
    """Deletes must use the lexicon an article was indexed with: the parts list changes only with a
    rebuild, and edits in between leave an index that passes FTS5's integrity check."""
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    db = writer.db
    writer.upsert_articles([item(1, "Wärmepumpen im Altbau"), item(2, "Neue Wärmepumpenförderung")])
    sync_search_index(db)
    assert db.execute(f"select count(*) from {PARTS_TABLE} where word = 'waermepumpen'").fetchone()[0] == 0
    writer.upsert_articles([item(3, "Wärmepumpen gefragt")])  # 3 < 4 × 2: no rebuild, parts as they were
    sync_search_index(db)
    assert db.execute(f"select count(*) from {PARTS_TABLE} where word = 'waermepumpen'").fetchone()[0] == 0
    writer.write_records([item(2, "Neue Wärmepumpenförderung beschlossen")])  # deleted with the old parts
    sync_search_index(db)
    db.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('integrity-check')")
    writer.upsert_articles([item(4, "Förderung"), item(5, "Wärme")])  # 5 < 4 × 2: not yet
    sync_search_index(db)
    assert db.execute(f"select count(*) from {PARTS_TABLE} where word = 'waermepumpen'").fetchone()[0] == 0
    writer.upsert_articles([item(n, "Förderung") for n in range(6, 9)])  # 8 ≥ 4 × 2: rebuilt, parts renewed
    sync_search_index(db)
    assert db.execute(f"select docs from {PARTS_TABLE} where word = 'waermepumpen'").fetchone()[0] == 2
    db.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('integrity-check')")
    assert 2 in ids(db, "Förderung")


_LETTERS = st.text(alphabet="abcdeilmnorstu", min_size=1, max_size=70)


@settings(max_examples=300, deadline=None)
@given(_LETTERS, st.lists(st.text(alphabet="abcdeilmnorstu", min_size=3, max_size=12), max_size=40))
def test_a_lexicon_split_tiles_the_word_with_known_parts(word, words):
    """Any word, any lexicon: the spans cover the word in order, every part but at most one is a
    known word, and no part is longer than LEXICON_MAX_PART unless it is the one unknown part."""
    lexicon = Lexicon(dict.fromkeys(words, 3))
    spans = lexicon.spans(word) if 7 <= len(word) <= MAX_SPLIT_CHARS else ()
    if not spans:
        return
    assert spans[0][1] == 0 and spans[-1][2] == len(word)
    assert all(a[2] == b[1] for a, b in zip(spans, spans[1:], strict=False))
    unknown = [part for part, _, _ in spans if not lexicon.weight(part)]
    assert len(unknown) <= 1
    assert all(len(part) <= LEXICON_MAX_PART for part, _, _ in spans if lexicon.weight(part))


def test_a_growth_rebuild_freezes_the_counts_the_syncs_kept(tmp_path):
    """The syncs count every new article, so a rebuild for growth freezes their counts without
    counting the archive again: the same parts as a full recount, and the index passes FTS5's check."""
    from db.search_lexicon import recount_and_freeze

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    db = writer.db
    titles = ["Wärmepumpen im Altbau", "Neue Wärmepumpenförderung", "Wärmepumpen gefragt", "Förderung für Pumpen",
              "Altbau saniert", "Die Wärme bleibt", "Pumpen und Wärmepumpen", "Förderung beschlossen"] * 2
    for n, title in enumerate(titles, start=1):  # one article per sync: rebuilds at 1, 4 and 16 articles
        writer.upsert_articles([item(n, title, body=f"{title} im Landkreis {n}")])
        sync_search_index(db)
    kept = dict(db.execute(f"select word, docs from {PARTS_TABLE}").fetchall())
    assert kept["waermepumpen"] == 6
    recount_and_freeze(db.conn)
    assert dict(db.execute(f"select word, docs from {PARTS_TABLE}").fetchall()) == kept
    db.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('integrity-check')")
