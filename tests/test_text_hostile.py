"""Hostile text never takes the German search down (issue 10): normalisation, compound splitting,
stems, query parsing, highlighting and snippets stay linear in their input, never recurse on its
size, never raise, and the indexed form of a text stays bounded. Work is counted in executed lines
of db/text (deterministic), not in seconds; bench/text.py times the same inputs."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.text import ADVERSARIAL
from db.text.compounds import MAX_SPLIT_CHARS, compound_spans, split_compound
from db.text.highlight import highlight, hit_spans, segments_to_text, snippet
from db.text.normalise import MIN_LIMIT, clear_caches, normalise_text, word_tokens
from db.text.query import MAX_DEPTH, MAX_QUERY_CHARS, parse_query

TEXT_DIR = str(Path(__file__).resolve().parent.parent / "db" / "text")

# Pieces adversarial strings are made of: compound parts, links, hyphens and dots, umlauts and ß,
# other scripts, control and zero-width characters, query syntax.
PIECES = [
    "Sicherheit", "s", "strategie", "Cyber", "ozg", "-", ".", " ", "\n", "\t", "ä", "Ö", "ß", "ẞ", "İ",
    "ﬃ", "Ж", "中文", "٣", "🙂", "\x00", "\x07", "\u200b", "\u0301", "_", '"', "(", ")", "*", "NEAR",
    "AND", "ODER", "NICHT", "-x", ":", "^", "{", "}", "Onlinezugangsgesetz", "Bürgerbeteiligung",
]
hostile_text = st.lists(st.sampled_from(PIECES), max_size=200).map("".join) | st.text(max_size=300)
repeated = st.tuples(st.sampled_from(PIECES[:8] + ["Sicherheitsstrategie", "ozg-", "OZG "]), st.integers(1, 400)).map(
    lambda pair: pair[0] * pair[1]
)


def _fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
    return conn


FTS = _fts()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(hostile_text, repeated))
def test_normalised_text_is_bounded_and_indexable(text):
    normalised = normalise_text(text)
    assert len(normalised) <= max(2 * len(text), MIN_LIMIT)
    FTS.execute("INSERT INTO t(body) VALUES (?)", [normalised])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(hostile_text, repeated))
def test_any_query_parses_to_valid_fts_and_highlights(text):
    query = parse_query(text)
    assert len(query.text) <= MAX_QUERY_CHARS
    if query.match:
        FTS.execute("SELECT count(*) FROM t WHERE t MATCH ?", [query.match]).fetchall()
    body = text * 3
    segments = highlight(body, query)
    assert "".join(part for part, _ in segments) == body
    for start, end in hit_spans(body, query):
        assert 0 <= start < end <= len(body)
    cut = segments_to_text(snippet(body, query, chars=120), ("", ""))
    assert len(cut) <= 120 + 4


def test_long_tokens_are_not_split():
    assert split_compound("cybersicherheitsstrategie") == ("cyber", "sicherheit", "strategie")
    long_word = "sicherheitsstrategie" * 4
    assert len(long_word) > MAX_SPLIT_CHARS and compound_spans(long_word) == ()
    main, extra = word_tokens("Sicherheitsstrategie" * 200)
    assert len(main) == 1 and extra == ()


def test_hyphen_chains_are_not_joined():
    main, extra = word_tokens("-".join(["ozg"] * 1600))
    assert main == ("ozg",) * 1600 and extra == ()
    assert word_tokens("Cyber-Sicherheit") == (("cyb", "sicherheit"), ("cybersicherheit",))
    match = parse_query("-".join(["ozh"] * 1600)).match
    assert match and len(match) < MAX_QUERY_CHARS + 10  # the cut query, as one phrase


def test_long_and_deep_queries_are_cut_with_a_german_note():
    long_query = parse_query("Cybersicherheit " * 100)
    assert long_query.limited and long_query.match == '"cybersicherheit"'
    assert "Zeichen" in long_query.notes[0]
    deep = parse_query("(" * 200 + "OZG" + ")" * 200)
    assert deep.limited and deep.match == '"ozg"'
    assert any("Ebenen" in note for note in deep.notes)
    near = parse_query("NEAR(" * 400)
    assert near.limited and near.match
    FTS.execute("SELECT count(*) FROM t WHERE t MATCH ?", [near.match]).fetchall()
    nested = parse_query("(" * MAX_DEPTH + "OZG OR EfA" + ")" * MAX_DEPTH)
    assert not nested.limited and nested.match == '"ozg" OR "efa"'
    many_closing = parse_query(") a2 " * 90)
    assert many_closing.match and many_closing.match.count("(") == 0


# --- 1 MB inputs, with almost no stack left -------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_one_megabyte_with_a_shallow_stack(kind):
    """No recursion on input size: 1 MB goes through with 40 frames of stack to spare, plus three
    per bracket level the query parser keeps (MAX_DEPTH, a constant)."""
    text = ADVERSARIAL[kind](1_000_000)
    query = parse_query("OZG Sicherheit Straße ozg-ozg")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_stack()) + 40 + 3 * MAX_DEPTH)
    try:
        normalised = normalise_text(text)
        segments = snippet(text, query)
        parsed = parse_query(text)
    finally:
        sys.setrecursionlimit(limit)
    assert len(normalised) <= 2 * len(text)
    assert len(segments_to_text(segments)) < 400
    assert len(parsed.text) <= MAX_QUERY_CHARS


def _stack() -> list:
    frames, frame = [], sys._getframe()
    while frame:
        frames.append(frame)
        frame = frame.f_back
    return frames


# --- growth: executed lines of db/text for n and 2n -------------------------------------------------
def count_lines(func: Callable[[], object]) -> int:
    """Lines of db/text executed by `func` from cold caches (a deterministic measure of work)."""
    clear_caches()
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if not frame.f_code.co_filename.startswith(TEXT_DIR):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        func()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_normalisation_work_grows_linearly(kind):
    small = count_lines(lambda: normalise_text(ADVERSARIAL[kind](4_000)))
    large = count_lines(lambda: normalise_text(ADVERSARIAL[kind](8_000)))
    assert large <= 2.3 * small + 200, (small, large)


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_snippet_and_highlight_work_grows_linearly(kind):
    query = parse_query("OZG Sicherheit Straße x* a1")
    small = count_lines(lambda: (snippet(ADVERSARIAL[kind](4_000), query), highlight(ADVERSARIAL[kind](4_000), query)))
    large = count_lines(lambda: (snippet(ADVERSARIAL[kind](8_000), query), highlight(ADVERSARIAL[kind](8_000), query)))
    assert large <= 2.3 * small + 200, (small, large)


def test_many_matches_make_a_snippet_in_linear_work():
    """The densest-cluster search once compared every match with every later one."""
    query = parse_query("OZG")
    small = count_lines(lambda: snippet("OZG " * 2_000, query, scan_chars=10**6))
    large = count_lines(lambda: snippet("OZG " * 4_000, query, scan_chars=10**6))
    assert large <= 2.3 * small, (small, large)


def test_query_work_is_bounded_by_the_cut():
    small = count_lines(lambda: parse_query("(" * 600 + "OZG"))
    large = count_lines(lambda: parse_query("(" * 60_000 + "OZG"))
    assert large == small
