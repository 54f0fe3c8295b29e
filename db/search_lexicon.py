"""The archive's own words, which compounds are split into (db.text.compounds.Lexicon).

Two tables: `search_lexicon` counts, for every word (folded, LEXICON_MIN_PART to LEXICON_MAX_PART
letters, no stop words, no numbers), the articles it occurs in, and grows with every sync;
`search_parts` is the frozen copy (words in MIN_DOCS articles or more) the index was built with.
The index is external-content (db/search_index.py): FTS5 is told which tokens to delete, so an
article must be normalised with the very lexicon it was indexed with. The frozen copy changes only
when the whole index is rebuilt (db.search_index.rebuild_search_index): when the archive has
grown fourfold since (LEXICON_GROWTH), so all rebuilds together cost about a third of one more
indexing of the archive.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

from db.text.compounds import LEXICON_MAX_PART, LEXICON_MIN_PART, MAX_SPLIT_CHARS, MIN_DOCS, Lexicon
from db.text.words import (
    CACHE_WORD_CHARS,
    FOLDED_STOPWORDS,
    SUBWORD,
    WORD,
    find_words,
    fold,
    remember,
)

LEXICON_TABLE = "search_lexicon"
PARTS_TABLE = "search_parts"


def create_lexicon_tables(conn: sqlite3.Connection) -> None:
    for name in (LEXICON_TABLE, PARTS_TABLE):
        conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (word TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID")


# A piece as SUBWORD finds it (a maximal run of letters and digits) of a length the lexicon keeps:
# matched whole by the regex, so the per-word loop sees each distinct candidate once.
_CANDIDATE = re.compile(rf"(?<![^\W_])[^\W_]{{{LEXICON_MIN_PART},{LEXICON_MAX_PART}}}(?![^\W_])")


def lexicon_words(*texts: str | None) -> set[str]:
    """The words of one article as the lexicon counts them: pieces of LEXICON_MIN_PART to
    LEXICON_MAX_PART letters (no digits), folded, no stop words. The text is lower-cased and
    searched once, and each distinct piece folded once (an article repeats most of its words)."""
    pieces = set(_CANDIDATE.findall("\n".join(text for text in texts if text).lower()))
    return set(map(fold, filter(str.isalpha, pieces))) - FOLDED_STOPWORDS


def _word_lexicon_words(word: str) -> frozenset[str]:
    """What one WORD match adds to `lexicon_words`: its pieces as `_CANDIDATE` finds them in the
    lower-cased text. The same, since lower-casing maps each character on its own (but `Σ`, which
    `words_lexicon_words` leaves to `lexicon_words`) and never makes a letter or digit of any other
    character, so a piece never reaches across a word's bounds (tests check every code point)."""
    pieces = SUBWORD.findall(word.lower())
    return frozenset(fold(piece) for piece in pieces
                     if LEXICON_MIN_PART <= len(piece) <= LEXICON_MAX_PART and piece.isalpha()) - FOLDED_STOPWORDS


_WORD_LEXICON_WORDS: dict[str, frozenset[str]] = {}  # by word, bounded (db.text.words.remember)


def _remember(word: str) -> frozenset[str]:
    found = _word_lexicon_words(word)
    if len(word) > CACHE_WORD_CHARS:  # a 1 MB token is never kept
        return found
    return remember(_WORD_LEXICON_WORDS, word, found)


def words_lexicon_words(texts: Sequence[str | None], words: Iterable[Sequence[str]]) -> set[str]:
    """`lexicon_words(*texts)` from the texts' WORD matches (`words`, as the index's normalisation
    finds them): a union of cached per-word sets instead of a second regex pass and a `fold` per
    piece, which cost a third of a crawl's search sync."""
    if any("Σ" in text for text in texts if text):  # the one letter whose lower case depends on its neighbours
        return lexicon_words(*texts)
    distinct = set().union(*words)
    found = list(map(_WORD_LEXICON_WORDS.get, distinct))  # a plain dict: half the cost of an lru_cache
    if None in found:
        found = [pieces if pieces is not None else _remember(word) for word, pieces in zip(distinct, found, strict=True)]
    return set().union(*found)


def add_counts(conn: sqlite3.Connection, counts: Counter[str]) -> None:
    """Add the counted articles to each word's count in the lexicon."""
    conn.executemany(f"INSERT INTO {LEXICON_TABLE}(word, docs) VALUES (?, ?) "
                     "ON CONFLICT(word) DO UPDATE SET docs = docs + excluded.docs", counts.items())


def count_articles(conn: sqlite3.Connection, articles: Iterable[Sequence[str | None]]) -> None:
    """Add one count per article (title, kicker, teaser, body) to each of its words. Counts only
    grow (a changed or deleted article is not taken back): they choose parts, no statistics."""
    counts: Counter[str] = Counter()
    for texts in articles:
        counts.update(words_lexicon_words(texts, [find_words(text) for text in texts if text]))
    add_counts(conn, counts)


def recount_and_freeze(conn: sqlite3.Connection, batch: int = 500, recount: bool = True) -> None:
    """Count every article afresh (after a change of the rules; `recount=False` keeps the counts
    the syncs kept) and freeze the parts: the counted words in MIN_DOCS articles or more."""
    if recount:
        with conn:
            conn.execute(f"DELETE FROM {LEXICON_TABLE}")
        last = 0
        while rows := conn.execute("SELECT id, title, kicker, teaser, body FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                                   [last, batch]).fetchall():
            with conn:
                count_articles(conn, (row[1:] for row in rows))
            last = rows[-1][0]
    with conn:
        conn.execute(f"DELETE FROM {PARTS_TABLE}")
        conn.execute(f"INSERT INTO {PARTS_TABLE}(word, docs) SELECT word, docs FROM {LEXICON_TABLE} WHERE docs >= ?", [MIN_DOCS])


def load_parts(conn: sqlite3.Connection) -> Lexicon:
    """The frozen lexicon the index is built with."""
    return Lexicon(dict(conn.execute(f"SELECT word, docs FROM {PARTS_TABLE}")))


def query_lexicon(conn: sqlite3.Connection, text: str) -> Lexicon:
    """The frozen parts a query's compounds can be split into: every piece of each long word looked
    up in `search_parts` (a few hundred keys; the lexicon is never loaded whole)."""
    keys: set[str] = set()
    for word in WORD.findall(text or ""):
        for piece in SUBWORD.findall(word.lower()):
            folded = fold(piece)
            if LEXICON_MIN_PART * 2 <= len(folded) <= MAX_SPLIT_CHARS:
                for start in range(len(folded) - LEXICON_MIN_PART + 1):
                    for end in range(start + LEXICON_MIN_PART, min(len(folded), start + LEXICON_MAX_PART) + 1):
                        keys.add(folded[start:end])
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(conn.execute(f"SELECT word, docs FROM {PARTS_TABLE} WHERE word IN ({marks})", chunk))
    return Lexicon(found)
