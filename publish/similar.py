"""„Ähnliche Meldungen“ for the article page: recent articles sharing tags and title words.

Bounded at any archive size: each of the article's tags and title words contributes at most its
CANDIDATES newest articles (from the tags (kind, value) index and the FTS index, both read
newest first), so the cost does not grow with the archive; the caller time-boxes it too.
"""

from __future__ import annotations

import json
from collections import Counter

from db.search import SEARCH_TABLE
from db.text.query import normalise_query
from db.text.words import iter_words

CANDIDATES = 200
LIMIT = 5
MIN_SCORE = 3.0  # at least a shared topic or place, or an actor and a title word
WEIGHTS = {"topic": 3.0, "municipality": 3.0, "actor": 2.0, "state": 1.0}
TERM_WEIGHT = 1.5
MAX_TERMS = 6
MIN_TERM_LENGTH = 5

TAGS_SQL = "SELECT kind, value FROM tags WHERE article_id = ?"
TAGGED_SQL = f"SELECT article_id FROM tags WHERE kind = ? AND value = ? ORDER BY rowid DESC LIMIT {CANDIDATES}"
MATCH_SQL = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? ORDER BY rowid DESC LIMIT {CANDIDATES}"
ROWS_SQL = """SELECT a.id, a.title, a.published, coalesce(nullif(s.name, ''), a.source_id) AS source_name
FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id IN (SELECT value FROM json_each(?))"""


def title_terms(title: str | None) -> list[str]:
    """The title's searchable words (no common words, none shorter than MIN_TERM_LENGTH)."""
    terms = []
    for word in iter_words(title or ""):
        if len(word) >= MIN_TERM_LENGTH and normalise_query(word):
            terms.append(normalise_query(word))
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def similar_articles(conn, article_id: int) -> list[dict]:
    """Up to LIMIT articles most like this one (shared tags weigh by kind, shared title words
    add TERM_WEIGHT each), best first; near-duplicates are left to the page's own note."""
    scores: Counter[int] = Counter()
    for kind, value in conn.execute(TAGS_SQL, [article_id]).fetchall():
        weight = WEIGHTS.get(kind)
        if weight:
            for (other,) in conn.execute(TAGGED_SQL, [kind, value]):
                scores[other] += weight
    row = conn.execute("SELECT title, duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()
    if row is None:
        return []
    for term in title_terms(row[0]):
        for (other,) in conn.execute(MATCH_SQL, [term]):
            scores[other] += TERM_WEIGHT
    skip = {article_id, row[1]} | {r[0] for r in conn.execute("SELECT id FROM articles WHERE duplicate_of = ?", [article_id])}
    best = sorted(((score, other) for other, score in scores.items() if other not in skip and score >= MIN_SCORE),
                  key=lambda item: (-item[0], -item[1]))[:LIMIT]
    if not best:
        return []
    cursor = conn.execute(ROWS_SQL, [json.dumps([other for _, other in best])])
    names = [d[0] for d in cursor.description]
    found = {r[0]: dict(zip(names, r, strict=True)) for r in cursor}
    return [{**found[other], "score": score} for score, other in best if other in found]
