"""Near-duplicate detection: MinHash/LSH finds candidates cheaply, an exact check decides.

Two articles are near-duplicates when their bodies, *without boilerplate*, share at least
CROSS_SOURCE_MIN of their word 3-shingles (Jaccard) — another source's copy of the same press
release with an edited intro still passes, while two texts that share half their wording reach only
J ≈ 1/3 (shared S, own X and Y of equal size: |S| / |S ∪ X ∪ Y|). Articles of the *same* source are
linked only at SAME_SOURCE_MIN: a re-publication of the same text under a second URL, not a sequel
of the same series. Boilerplate are lines that also occur in other recent articles of the same
source (footers, "Weitere Informationen …", author boxes): removed before comparing.

MinHash over word 3-shingles with LSH banding: two bodies whose shingle sets overlap by Jaccard
J become lookup candidates with probability 1-(1-J^ROWS)^BANDS (J=0.5: 88 %, J=0.7: 99.6 %,
unrelated texts at J=0.05: 0.2 %), so a lookup never scans the archive; only candidates whose
signatures estimate J >= MIN_JACCARD get the exact check (reads two bodies and a few neighbours).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections.abc import Callable
from typing import Any

MIN_FINGERPRINT_WORDS = 40  # shorter bodies are too generic to call two of them "the same text"
BANDS, ROWS = 16, 3
# The signature estimate a candidate needs before the exact check: about three standard errors
# (48 hash functions) below the exact thresholds, so a real copy is never filtered out here.
MIN_JACCARD = 0.5
MIN_JACCARD_SAME_SOURCE = 0.75
CROSS_SOURCE_MIN = 0.7
SAME_SOURCE_MIN = 0.9
# Articles read per band key and direction: a key shared by hundreds of articles is boilerplate
# (a footer, a template), not evidence; a real duplicate shares most of its 16 keys anyway.
MAX_BAND_CANDIDATES = 20
BOILERPLATE_SAMPLE = 20  # recent articles of a source whose common lines count as boilerplate
BOILERPLATE_MIN_ARTICLES = 3
BOILERPLATE_REFRESH = 50
# Candidates given the exact check, best signature estimate first: a real copy is among the
# strongest; a template-heavy site would otherwise make every article check dozens (bench/crawl).
MAX_EXACT_CHECKS = 3
MIN_BOILERPLATE_LINE = 20  # characters: shorter lines ("Foto: …") are not worth removing
_WORD = re.compile(r"\w+", re.UNICODE)
# Odd 64-bit multipliers that mix a shingle's three word hashes (order matters: "a b c" ≠ "c b a").
_M1, _M2, _M3 = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
_PERMUTATIONS: Any = None
_SLICE = 4096  # shingles hashed at once by minhash (48 × 4096 × 8 bytes = 1.5 MB)


def _permutations() -> tuple[Any, Any]:
    """BANDS×ROWS fixed hash functions h(x) = (a·x + b) mod 2^64, a odd. Fixed seed: signatures stored
    today must compare with signatures computed next year."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        import numpy as np

        rng = np.random.default_rng(20251125)
        a = rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        b = rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
        _PERMUTATIONS = (a[:, None], b[:, None])
    return _PERMUTATIONS


def minhash(text: str) -> Any:
    """The text's MinHash signature (BANDS×ROWS uint32 values), or None when it is too short.

    A word hashes to its CRC-32, a shingle to an odd-multiplier mix of its three words; each of the
    fixed hash functions keeps the minimum (top 32 bits) over the shingles. Vectorised with
    numpy: well under a millisecond per article.
    """
    import numpy as np

    words = _WORD.findall(text.lower())
    if len(words) < MIN_FINGERPRINT_WORDS:
        return None
    word_hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    # A repeated shingle cannot change a minimum: no np.unique (its sort was a fifth of the call).
    shingles = (word_hashes[:-2] * _M1) ^ (word_hashes[1:-1] * _M2) ^ (word_hashes[2:] * _M3)
    a, b = _permutations()
    # In slices: a hostile body of a million words would otherwise need BANDS×ROWS×8 bytes per
    # shingle at once (384 MB); an article (a few hundred shingles) is one slice.
    signature = None
    for start in range(0, len(shingles), _SLICE):
        part = ((a * shingles[None, start : start + _SLICE] + b) >> np.uint64(32)).min(axis=1)
        signature = part if signature is None else np.minimum(signature, part)
    return signature.astype(np.uint32)  # type: ignore[union-attr]


def lsh_keys(signature: Any) -> list[int]:
    """One lookup key per band (band number mixed in), as a signed 63-bit SQLite integer."""
    rows = signature.reshape(BANDS, ROWS)
    return [
        int.from_bytes(hashlib.blake2b(bytes([band]) + rows[band].tobytes(), digest_size=8).digest(), "little") >> 1
        for band in range(BANDS)
    ]


def jaccard(sig_a: Any, sig_b: Any) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets from their signatures."""
    return float((sig_a == sig_b).mean())


def shingles(text: str) -> set[tuple[str, str, str]]:
    words = _WORD.findall(text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))


def exact_jaccard(a: str, b: str) -> float:
    return _set_jaccard(shingles(a), shingles(b))


def _set_jaccard(sa: set, sb: set) -> float:
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def strip_boilerplate(body: str, common: set[str]) -> str:
    """The body without its source's boilerplate lines."""
    return "\n".join(line for line in _lines(body) if line not in common)


# Articles sharing a band key: three bounded index range scans per key (other sources before and
# after this one, and this source), each bounded by MAX_BAND_CANDIDATES; a key already known to be
# hot for this source is passed as NULL, which matches nothing.
_BAND_LOOKUP = " union all ".join(
    f"select * from (select key, source_id, article_id from article_bands where key = ? and source_id {op} ? "
    f"limit {MAX_BAND_CANDIDATES})"
    for _ in range(BANDS)
    for op in ("<", ">", "=")
)
_SIGNATURES = ("select article_id, source_id, signature from article_minhash "
               "where article_id in (select value from json_each(?)) order by article_id")
MAX_HOT_KEYS = 200_000  # (key, source) pairs remembered per writer: ~30 MB at most


def rebuild_bands(db: Any) -> int:
    """Recompute every article's band keys from its stored signature (after a layout change)."""
    import numpy as np

    rows = db.execute("select article_id, source_id, signature from article_minhash").fetchall()
    with db.atomic():
        for article_id, source_id, blob in rows:
            keys = lsh_keys(np.frombuffer(blob, dtype="<u4"))
            db.conn.executemany(
                "insert or ignore into article_bands (key, source_id, article_id) values (?, ?, ?)",
                [(k, source_id, article_id) for k in keys],
            )
    return len(rows)


class Boilerplate:
    """Lines that recur in a source's recent articles (in at least BOILERPLATE_MIN_ARTICLES of the
    last BOILERPLATE_SAMPLE): read once per source and refreshed every BOILERPLATE_REFRESH articles
    the writer stores, so the exact check costs no query per candidate. A pair's own shared text
    is not boilerplate unless a third article carries it too."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.lines: dict[str, set[str]] = {}
        self.age: dict[str, int] = {}
        # The same for signatures: band keys that MAX_BAND_CANDIDATES articles of a source already
        # hold (a template paragraph). Such a key tells nothing; it is neither looked up nor stored
        # for that source again — on a templated site it was most of a stored article's cost.
        self.hot_keys: set[tuple[int, str]] = set()

    def hot(self, key: int, source_id: str) -> bool:
        return (key, source_id) in self.hot_keys

    def saw_full_band(self, key: int, source_id: str) -> None:
        if len(self.hot_keys) >= MAX_HOT_KEYS:
            self.hot_keys.clear()  # forgetting costs only the lookups that find them hot again
        self.hot_keys.add((key, source_id))

    def of(self, source_id: str) -> set[str]:
        if source_id not in self.lines or self.age.get(source_id, 0) >= BOILERPLATE_REFRESH:
            counts: dict[str, int] = {}
            for (body,) in self.conn.execute(
                "select body from articles where source_id = ? order by id desc limit ?", [source_id, BOILERPLATE_SAMPLE]
            ):
                for line in set(_lines(body or "")):
                    if len(line) >= MIN_BOILERPLATE_LINE:
                        counts[line] = counts.get(line, 0) + 1
            self.lines[source_id] = {line for line, n in counts.items() if n >= BOILERPLATE_MIN_ARTICLES}
            self.age[source_id] = 0
        return self.lines[source_id]

    def stored(self, source_id: str) -> None:
        self.age[source_id] = self.age.get(source_id, 0) + 1


def clean_shingles(boilerplate: Boilerplate, source_id: str, body: str) -> set | None:
    """The body's word 3-shingles without its source's boilerplate; None when too little is left
    to call it the same text as anything."""
    words = _WORD.findall(strip_boilerplate(body, boilerplate.of(source_id)).lower())
    if len(words) < MIN_FINGERPRINT_WORDS:
        return None
    return set(zip(words, words[1:], words[2:], strict=False))


def fingerprint(conn: sqlite3.Connection, article_id: int, source_id: str, body: str, published: str | None,
                rank: Callable[[str], int], boilerplate: Boilerplate) -> int:
    """Store the body's MinHash and link this article to its near-duplicates.

    The original is the earlier publication (then the source with the lower rank — file order
    of the sources file —, then the article stored first); the others get `duplicate_of`
    pointing at it, so counts and views that skip `duplicate_of is not null` count the text once.
    Returns how many articles became duplicates (this one, or an earlier one this one replaces
    as the original).
    """
    import numpy as np

    conn.execute("delete from article_minhash where article_id = ?", [article_id])
    conn.execute("delete from article_bands where article_id = ?", [article_id])
    signature = minhash(body)
    if signature is None:
        return 0
    keys = lsh_keys(signature)
    conn.execute(
        "insert into article_minhash (article_id, source_id, signature) values (?, ?, ?)",
        [article_id, source_id, signature.astype("<u4").tobytes()],
    )
    params: list[Any] = []
    for key in keys:
        own = None if boilerplate.hot(key, source_id) else key
        params += [key, source_id, key, source_id, own, source_id]
    found_ids: set[int] = set()
    same_source: dict[int, int] = {}
    for key, other_source, other_id in conn.execute(_BAND_LOOKUP, params):
        found_ids.add(other_id)
        if other_source == source_id:
            same_source[key] = same_source.get(key, 0) + 1
    for key, count in same_source.items():
        if count >= MAX_BAND_CANDIDATES:
            boilerplate.saw_full_band(key, source_id)
    conn.executemany(
        "insert or ignore into article_bands (key, source_id, article_id) values (?, ?, ?)",
        [(k, source_id, article_id) for k in keys if not boilerplate.hot(k, source_id)],
    )
    found_ids.discard(article_id)
    # Signatures only: the articles' own rows are read for the few best candidates (joining them
    # for every candidate was half the cost of a stored article on templated sites, ~170 each).
    candidates = conn.execute(_SIGNATURES, [json.dumps(sorted(found_ids))]).fetchall() if found_ids else []
    boilerplate.stored(source_id)
    matches = []
    if candidates:
        signatures = np.frombuffer(b"".join(row[2] for row in candidates), dtype="<u4").reshape(len(candidates), -1)
        estimates = (signatures == signature).mean(axis=1)  # all candidates at once
        best = np.argsort(-estimates, kind="stable")[:MAX_EXACT_CHECKS]  # ties: the earlier article first
        own: set | None = None
        for index in best.tolist():
            other_id, other_source, _sig = candidates[index]
            if estimates[index] < (MIN_JACCARD_SAME_SOURCE if other_source == source_id else MIN_JACCARD):
                continue
            found = conn.execute("select published, source_id, duplicate_of, body from articles where id = ?",
                                 [other_id]).fetchone()
            if found is None:
                continue
            other_published, other_source, other_dup, other_body = found
            own = own if own is not None else clean_shingles(boilerplate, source_id, body)
            theirs = clean_shingles(boilerplate, other_source, other_body or "")
            if own is None:
                break
            threshold = SAME_SOURCE_MIN if other_source == source_id else CROSS_SOURCE_MIN
            if theirs is not None and _set_jaccard(own, theirs) >= threshold:
                matches.append((other_id, other_published, other_source, other_dup))
    if not matches:
        return 0
    # The group: this article, the matches and the originals they already point to.
    group = {article_id: (published, source_id)}
    for other_id, other_published, other_source, other_dup in matches:
        if not other_dup:
            group[other_id] = (other_published, other_source)
            continue
        found = conn.execute("select published, source_id from articles where id = ?", [other_dup]).fetchone()
        if found:
            group[other_dup] = (found[0], found[1])

    def order(candidate: int) -> tuple[str, int, int]:
        day, src = group[candidate]
        return ((day or "9999")[:10], rank(src), candidate)

    original = min(group, key=order)
    newly = 0  # texts that were counted as originals until now
    for member in group:
        if member == original:
            continue
        was = conn.execute("select duplicate_of from articles where id = ?", [member]).fetchone()
        newly += 1 if (member == article_id or (was and was[0] is None)) else 0
        conn.execute("update articles set duplicate_of = ? where id = ?", [original, member])
        conn.execute("update articles set duplicate_of = ? where duplicate_of = ?", [original, member])
    conn.execute("update articles set duplicate_of = null where id = ?", [original])
    return newly
