"""Token-sequence phrase tables: ~80,000 taxonomy forms matched with a few dict look-ups per Doc.

A phrase is stored as the bytes of its token hashes (8 bytes per token, the hashes spaCy gives a
token's ORTH or LOWER), so a Doc's column of token hashes, as bytes, is sliced and looked up directly:
one small bytes object per phrase, no Python int per token, no Lexeme or StringStore entry per
place-name token, no PhraseMatcher Docs. Measured on the full taxonomy (all places): ~10 MB against
~29 MB for the former per-token tables plus a PhraseMatcher, at the same speed.

The compiled tables depend only on the taxonomy, the tokenizer and this code, so they are cached on
disk (nlp/cache.py) and loaded without tokenizing anything.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.strings import get_string_id

from nlp.cache import cached, key_of

#: The value of a sequence that only begins longer phrases (a trie node with no phrase of its own).
PREFIX: tuple[int, ...] = ()
#: An odd 64-bit constant (2^64 / golden ratio) that mixes a pair of token hashes into one.
_MIX = np.uint64(0x9E3779B97F4A7C15)
#: (kind, id, flag) of one match key; its index in `CompiledPhrases.keys` is what the tables hold.
KeyInfo = tuple[str, str, str]


def _bytes(hashes: Iterable[int]) -> bytes:
    return array("Q", hashes).tobytes()


def _pair_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One 64-bit hash of each (first, second) token pair, vectorised (uint64 arithmetic wraps)."""
    return (first * _MIX) ^ second


class PhraseTable:
    """Phrases as token-hash sequences → match-key indices. `match` finds every phrase in a Doc, all
    lengths and overlaps included (as a PhraseMatcher does), in order of start, then length.

    Two bitmaps over low hash bits rule out almost every position of a Doc in a few vectorised numpy
    operations: one of one-token phrases, one of the first two tokens of longer phrases (so the many
    `der` of a text are skipped unless `der Kosten` may follow). The few positions left are looked up
    in the table, which also holds every proper prefix of a phrase: a look-up stops at the first miss."""

    __slots__ = ("singles", "pairs", "mask", "table", "longest")

    def __init__(self) -> None:
        self.singles = np.zeros(1, dtype=np.bool_)  # low bits of a one-token phrase's hash
        self.pairs = np.zeros(1, dtype=np.bool_)  # low bits of the pair hash of a longer phrase's start
        self.mask = np.uint64(0)
        self.table: dict[bytes, int | tuple[int, ...]] = {}  # phrase → key index(es), or PREFIX
        self.longest = 0

    @classmethod
    def build(cls, phrases: Iterable[tuple[list[int], int]]) -> PhraseTable:
        """From (token hashes, key index) pairs; a phrase shared by several keys (`Neuenkirchen` ×11)
        maps to all of them."""
        self = cls()
        table = self.table
        singles: set[int] = set()
        starts: set[tuple[int, int]] = set()
        for hashes, key in phrases:
            data = _bytes(hashes)
            prev = table.get(data)
            if prev is None:
                table[data] = key
            elif isinstance(prev, int):
                if prev != key:
                    table[data] = (prev, key)
            elif key not in prev:
                table[data] = (*prev, key)
            if len(hashes) == 1:
                singles.add(hashes[0])
            else:
                starts.add((hashes[0], hashes[1]))
            self.longest = max(self.longest, len(hashes))
        for data in list(table):
            for end in range(8, len(data), 8):
                table.setdefault(data[:end], PREFIX)
        size = 1 << max(10, (32 * max(len(singles), len(starts))).bit_length())  # ~3 % false hits
        self.mask = np.uint64(size - 1)
        self.singles = np.zeros(size, dtype=np.bool_)
        self.singles[np.array(sorted(singles), dtype=np.uint64) & self.mask] = True
        self.pairs = np.zeros(size, dtype=np.bool_)
        if starts:
            firsts, seconds = (np.array(column, dtype=np.uint64) for column in zip(*sorted(starts), strict=True))
            self.pairs[_pair_hash(firsts, seconds) & self.mask] = True
        return self

    def __len__(self) -> int:
        return sum(1 for keys in self.table.values() if keys != PREFIX)

    def share(self, ints: list[int], tuples: dict[tuple[int, ...], tuple[int, ...]]) -> None:
        """One object per key index and per tuple of them (unpickling makes ~70,000 equal ints)."""
        table = self.table
        for data, keys in table.items():
            table[data] = ints[keys] if isinstance(keys, int) else tuples.setdefault(keys, keys)

    def match(self, hashes: np.ndarray, found: list[tuple[int, int, int]]) -> None:
        """Append (key index, start, end) of every phrase in a Doc whose token hashes (one column of
        `Doc.to_array`) are `hashes`."""
        n = len(hashes)
        if not n:
            return
        maybe = self.singles[hashes & self.mask]
        maybe[:-1] |= self.pairs[_pair_hash(hashes[:-1], hashes[1:]) & self.mask]
        starts = np.flatnonzero(maybe).tolist()
        if not starts:
            return
        data = np.ascontiguousarray(hashes).tobytes()
        table, longest = self.table, self.longest
        for i in starts:
            at = 8 * i
            for length in range(1, min(longest, n - i) + 1):
                keys = table.get(data[at:at + 8 * length])
                if keys is None:
                    break
                if isinstance(keys, int):
                    found.append((keys, i, i + length))
                else:
                    found.extend((k, i, i + length) for k in keys)


class CompiledPhrases:
    """Every phrase of a taxonomy: `case` (ORTH, case-sensitive: all places, Länder, abbreviations) and
    `lower` (LOWER: names, keywords and their inflections), over the match keys `keys`."""

    __slots__ = ("keys", "case", "lower")

    def __init__(self, keys: list[KeyInfo], case: PhraseTable, lower: PhraseTable):
        self.keys = keys
        self.case = case
        self.lower = lower


def compile_phrases(nlp: Language, taxonomy) -> CompiledPhrases:
    """The taxonomy's phrase tables, cached on disk per taxonomy version and code (tokenizing 80,000
    forms and reading the lemma table cost seconds and 100 MB)."""

    def build() -> CompiledPhrases:
        from nlp.patterns import lemma_forms_for, lemma_needed, phrases, split_key

        items = list(dict.fromkeys((p.key, p.case, p.text) for p in phrases(taxonomy, lemma_forms_for(lemma_needed(taxonomy)))))
        index: dict[str, int] = {}
        keys: list[KeyInfo] = []
        case: list[tuple[list[int], int]] = []
        lower: list[tuple[list[int], int]] = []
        docs = nlp.tokenizer.pipe([text for _, _, text in items])
        for (key, is_case, _), doc in zip(items, docs, strict=True):
            if not len(doc):
                continue
            k = index.get(key)
            if k is None:
                k = index[key] = len(keys)
                kind, id_, flag = split_key(key)
                keys.append((kind, id_, flag))
            if is_case:
                case.append(([get_string_id(t.text) for t in doc], k))
            else:
                lower.append(([get_string_id(t.text.lower()) for t in doc], k))
        return CompiledPhrases(_interned(keys), PhraseTable.build(case), PhraseTable.build(lower))

    # The code that shapes the tables is part of the key (read as files: importing nlp.components
    # here would be an import cycle).
    code = b"".join((Path(__file__).parent / name).read_bytes()
                    for name in ("forms.py", "patterns.py", "components.py", "phrase_table.py"))
    compiled = cached("phrases", key_of(taxonomy.version, code), build)
    ints, tuples = list(range(len(compiled.keys))), {}
    compiled.case.share(ints, tuples)
    compiled.lower.share(ints, tuples)
    return compiled


def _interned(keys: list[KeyInfo]) -> list[KeyInfo]:
    """One string object per kind and flag (pickling keeps the sharing)."""
    shared: dict[str, str] = {}
    return [(shared.setdefault(kind, kind), id_, shared.setdefault(flag, flag)) for kind, id_, flag in keys]
