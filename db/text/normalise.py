"""The indexed form of a German text: stems in text order, then the extra tokens.

`normalise_text` is what `articles_search` holds and what queries are matched against (the rules
are in docs/search.md): each word gives its stems (`word_stems`) and, for compounds and
hyphenated words, extra tokens (`word_extras`: compound parts, runs of parts, the joined whole).

Bounded whatever the input: work is linear in the text, and the result is at most
`max(2 × len(text), MIN_LIMIT)` characters. A text whose extra tokens would pass that keeps each
extra token once (in order) as far as they fit; its stems, which phrases need, are kept whole.
"""

from __future__ import annotations

from functools import lru_cache

from db.text.compounds import MAX_SPLIT_CHARS, Lexicon, compound_spans, sub_compounds
from db.text.words import CACHE_WORD_CHARS, STOPWORDS, SUBWORD, WORD, fold, stem

# A short text of compounds needs up to three times its length: `Onlinezugangsgesetz: Bilanz`
# (27 characters) gives 72 characters of stems, parts and runs of parts; a 90-character teaser with
# `National-Once-Only-Technical-System` gives 260. No text of our sample and gold set is clipped.
MIN_LIMIT = 512


def _pieces(word: str) -> list[str]:
    return SUBWORD.findall(word.lower())


def _indexed(piece: str) -> bool:
    """Stop words and single letters are not indexed (single digits are)."""
    return piece not in STOPWORDS and (len(piece) > 1 or piece.isdigit())


def _stems(word: str) -> tuple[str, ...]:
    return tuple(stem(fold(piece)) for piece in _pieces(word) if _indexed(piece))


def _extras(word: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    main = word_stems(word)
    seen = set(main)
    extra: list[str] = []

    def add(token: str) -> None:
        if token not in seen:
            seen.add(token)
            extra.append(token)

    pieces = _pieces(word)
    for piece in pieces:
        if not _indexed(piece):
            continue
        folded = fold(piece)
        spans = compound_spans(folded, lexicon)
        for part, _, _ in spans:
            add(stem(part))
        for sub in sub_compounds(folded, [(start, end) for _, start, end in spans]):
            add(stem(sub))
    if len(pieces) > 1:
        folded_pieces = [fold(piece) for piece in pieces]
        joined = "".join(folded_pieces)
        if len(word) <= MAX_SPLIT_CHARS:  # `ozg-ozg-…` chains are not joined into one long word
            add(stem(joined))
            bounds, pos = [], 0
            for piece in folded_pieces:
                bounds.append((pos, pos + len(piece)))
                pos += len(piece)
            for sub in sub_compounds(joined, bounds):
                add(stem(sub))
    return tuple(extra)


_cached_stems = lru_cache(maxsize=200_000)(_stems)
_cached_extras = lru_cache(maxsize=200_000)(_extras)


def word_stems(word: str) -> tuple[str, ...]:
    """The stems of one word as found by `WORD`, in order (`Cyber-Sicherheit` → `cyb`, `sich`)."""
    return _cached_stems(word) if len(word) <= CACHE_WORD_CHARS else _stems(word)


def word_extras(word: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """The extra tokens of one word: compound parts and runs of them, the joined hyphen whole
    (parts by the curated list, or with an archive's `lexicon` too)."""
    if len(word) > CACHE_WORD_CHARS:
        return _extras(word, lexicon)
    if lexicon is None:
        return _cached_extras(word)
    found = lexicon.cache.get(word)
    if found is None:
        if len(lexicon.cache) >= 200_000:
            lexicon.cache.clear()
        found = lexicon.cache[word] = _extras(word, lexicon)
    return found  # type: ignore[return-value]


def joined_whole(word: str) -> str | None:
    """The stem of a hyphenated word's joined whole as the index holds it (`Cyber-Sicherheit` →
    `cybersich`); None for a single piece or a chain too long to be joined."""
    pieces = _pieces(word)
    if len(pieces) < 2 or len(word) > MAX_SPLIT_CHARS:
        return None
    return stem(fold("".join(pieces)))


def word_tokens(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems in text order, extra tokens) of one word, e.g. `Cyber-Sicherheit` → (`cyb`, `sich`),
    (`cybersich`,). Stop words give nothing; a long chain gives what its pieces give."""
    if len(word) > MAX_SPLIT_CHARS:
        pieces = split_words(word)
        return tuple(t for p in pieces for t in word_stems(p)), tuple(t for p in pieces for t in word_extras(p))
    return word_stems(word), word_extras(word)


@lru_cache(maxsize=200_000)
def _cached_token_set(word: str) -> frozenset[str]:
    return frozenset(word_stems(word)) | frozenset(word_extras(word))


def word_token_set(word: str) -> frozenset[str]:
    """Every token a word is indexed as (for highlighting)."""
    if len(word) > CACHE_WORD_CHARS:
        main, extra = word_tokens(word)
        return frozenset(main) | frozenset(extra)
    return _cached_token_set(word)


def clear_caches() -> None:
    """Forget every cached word (tests that count work start from a cold cache)."""
    from db.text import compounds, words

    for cache in (_cached_stems, _cached_extras, _cached_token_set, compounds._cached_spans, words._cached_stem):
        cache.cache_clear()


def _clip(tokens: list[str], limit: int) -> list[str]:
    """The leading tokens whose joined text fits in `limit` characters."""
    size = -1
    for count, token in enumerate(tokens):
        size += len(token) + 1
        if size > limit:
            return tokens[:count]
    return tokens


def split_words(text: str) -> list[str]:
    """The words of a text for indexing: `WORD` matches, a word longer than MAX_SPLIT_CHARS (a
    `ozg-ozg-…` chain) taken as its pieces, so every word looked at is short or has no joints."""
    words = WORD.findall(text)
    if any(len(word) > MAX_SPLIT_CHARS for word in words):
        words = [piece for word in words for piece in (SUBWORD.findall(word) if len(word) > MAX_SPLIT_CHARS else (word,))]
    return words


def normalise_text(text: str | None, limit: int | None = None) -> str:
    """The indexed form of a text: stems in order, then the extra tokens (compound parts), at most
    `limit` characters (default: twice the text, at least MIN_LIMIT)."""
    main, extra = normalise_columns(text, limit)
    return f"{main} {extra}" if main and extra else main or extra


def normalise_columns(text: str | None, limit: int | None = None, lexicon: Lexicon | None = None) -> tuple[str, str]:
    """The indexed form of a text as two strings: the stems in text order, and the extra tokens
    (compound parts, runs of parts, joined hyphen wholes), together at most `limit` characters
    (default: twice the text, at least MIN_LIMIT). The index keeps them in separate columns, so a
    word itself ranks above the same word inside a compound."""
    if not text:
        return "", ""
    if limit is None:
        limit = max(2 * len(text), MIN_LIMIT)
    words = split_words(text)
    main = [token for word in words for token in word_stems(word)]
    size = sum(map(len, main)) + len(main) - 1
    if size > limit:  # only a text of nothing but `ß`-words comes near: keep what fits
        return " ".join(_clip(main, limit)), ""
    extra: list[str] = []
    grown = size
    for word in words:
        tokens = word_extras(word, lexicon)
        if tokens:
            extra.extend(tokens)
            grown += sum(map(len, tokens)) + len(tokens)
            if grown > limit:
                break
    else:
        return " ".join(main), " ".join(extra)
    # Over the limit: every extra token once, in order, as many as fit.
    unique: dict[str, None] = {}
    for word in words:
        for token in word_extras(word, lexicon):
            if token in unique:
                continue
            size += len(token) + 1
            if size > limit:
                return " ".join(main), " ".join(unique)
            unique[token] = None
    return " ".join(main), " ".join(unique)
