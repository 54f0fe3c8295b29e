"""The indexed form of a German text: stems in text order, then the extra tokens.

`normalise_text` is what `articles_search` holds and what queries are matched against (the rules
are in docs/search.md): each word gives its stems (`word_stems`) and, for compounds and
hyphenated words, extra tokens (`word_extras`: compound parts, runs of parts, the joined whole).

Bounded whatever the input: work is linear in the text, and the result is at most
`max(2 × len(text), MIN_LIMIT)` characters. A text whose extra tokens would pass that keeps each
extra token once (in order) as far as they fit; its stems, which phrases need, are kept whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from db.text.compounds import MAX_SPLIT_CHARS, Lexicon, compound_spans, sub_compounds
from db.text.words import (
    CACHE_WORD_CHARS,
    CACHED_WORDS,
    STOPWORDS,
    SUBWORD,
    find_words,
    fold,
    remember,
    stem,
)

# A short text of compounds needs up to three times its length: `Onlinezugangsgesetz: Bilanz`
# (27 characters) gives 72 characters of stems, parts and runs of parts; a 90-character teaser with
# `National-Once-Only-Technical-System` gives 260. No text of our sample and gold set is clipped.
MIN_LIMIT = 512


def _pieces(word: str) -> list[str]:
    return SUBWORD.findall(word.lower())


def _indexed(piece: str) -> bool:
    """Stop words and single letters are not indexed (single digits are)."""
    return piece not in STOPWORDS and (len(piece) > 1 or piece.isdigit())


def _tokens(word: str, lexicon: Lexicon | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, extra tokens) of a word of at most MAX_SPLIT_CHARS characters or of one long piece."""
    pieces = _pieces(word)
    folded_pieces = [fold(piece) for piece in pieces]
    indexed = [folded for piece, folded in zip(pieces, folded_pieces, strict=True) if _indexed(piece)]
    main = tuple(map(stem, indexed))
    candidates: list[str] = []  # to be stemmed: compound parts, runs of parts, the joined whole
    for folded in indexed:
        spans = compound_spans(folded, lexicon)
        if spans:
            candidates += [part for part, _, _ in spans]
            candidates += sub_compounds(folded, [(start, end) for _, start, end in spans])
    if len(pieces) > 1 and len(word) <= MAX_SPLIT_CHARS:  # `ozg-ozg-…` chains are not joined
        joined = "".join(folded_pieces)
        candidates.append(joined)
        bounds, pos = [], 0
        for folded in folded_pieces:
            bounds.append((pos, pos + len(folded)))
            pos += len(folded)
        candidates += sub_compounds(joined, bounds)
    if not candidates:
        return main, ()
    seen = set(main)  # each extra token once, in order of first appearance, none a stem already
    return main, tuple(token for token in dict.fromkeys(map(stem, candidates)) if token not in seen)


_cached_tokens = lru_cache(maxsize=CACHED_WORDS)(_tokens)


def word_tokens(word: str, lexicon: Lexicon | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems in text order, extra tokens) of one word, e.g. `Cyber-Sicherheit` → (`cyb`,
    `sicherheit`), (`cybersicherheit`,). Stop words give nothing; a chain longer than
    MAX_SPLIT_CHARS gives what its pieces give. Compounds are split by the curated parts, or with
    an archive's `lexicon` too (cached in the lexicon)."""
    if len(word) <= CACHE_WORD_CHARS:
        if lexicon is None:
            return _cached_tokens(word)
        found = lexicon.cache.get(word)
        if found is None:
            found = remember(lexicon.cache, word, _tokens(word, lexicon))
        return found  # type: ignore[return-value]
    pieces = SUBWORD.findall(word)
    if len(pieces) <= 1:
        return _tokens(word, lexicon)  # one long token: stemmed whole, never split nor cached
    each = [word_tokens(piece, lexicon) for piece in pieces]  # pieces have no joints: one level deep
    return tuple(t for main, _ in each for t in main), tuple(t for _, extra in each for t in extra)


def word_stems(word: str) -> tuple[str, ...]:
    """The stems of one word as found by `WORD`, in order (`Cyber-Sicherheit` → `cyb`, `sicherheit`)."""
    return word_tokens(word)[0]


def word_extras(word: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """The extra tokens of one word: compound parts and runs of them, the joined hyphen whole."""
    return word_tokens(word, lexicon)[1]


def joined_whole(word: str) -> str | None:
    """The stem of a hyphenated word's joined whole as the index holds it (`Cyber-Sicherheit` →
    `cybersicherheit`); None for a single piece or a chain too long to be joined."""
    pieces = _pieces(word)
    if len(pieces) < 2 or len(word) > MAX_SPLIT_CHARS:
        return None
    return stem(fold("".join(pieces)))


@lru_cache(maxsize=CACHED_WORDS)
def _cached_token_set(word: str) -> frozenset[str]:
    main, extra = word_tokens(word)
    return frozenset(main) | frozenset(extra)


def word_token_set(word: str) -> frozenset[str]:
    """Every token a word is indexed as (for highlighting)."""
    if len(word) > CACHE_WORD_CHARS:
        main, extra = word_tokens(word)
        return frozenset(main) | frozenset(extra)
    return _cached_token_set(word)


def clear_caches() -> None:
    """Forget every cached word (tests that count work start from a cold cache)."""
    from db.text import compounds, words

    for cache in (_cached_tokens, _cached_token_set, _cached_stems_only, compounds._cached_spans, words._cached_stem):
        cache.cache_clear()


def _clip(tokens: list[str], limit: int) -> list[str]:
    """The leading tokens whose joined text fits in `limit` characters."""
    size = -1
    for count, token in enumerate(tokens):
        size += len(token) + 1
        if size > limit:
            return tokens[:count]
    return tokens


def normalise_text(text: str | None, limit: int | None = None) -> str:
    """The indexed form of a text: stems in order, then the extra tokens (compound parts), at most
    `limit` characters (default: twice the text, at least MIN_LIMIT)."""
    main, extra = normalise_columns(text, limit)
    return f"{main} {extra}" if main and extra else main or extra


def normalise_columns(text: str | None, limit: int | None = None, lexicon: Lexicon | None = None,
                      words: Sequence[str] | None = None) -> tuple[str, str]:
    """The indexed form of a text as two strings, together at most `limit` characters (default:
    twice the text, at least MIN_LIMIT): the stems in text order, and the extra tokens (compound
    parts, runs of parts, joined hyphen wholes; parts by an archive's `lexicon` when given). The
    index keeps them in columns of their own, so a word ranks above the word inside a compound.
    `words` is `find_words(text)` when the caller has it already (the lexicon count shares it)."""
    if not text:
        return "", ""
    if limit is None:
        limit = max(2 * len(text), MIN_LIMIT)
    if words is None:
        words = find_words(text)
    main: list[str] = []
    extra: list[str] = []
    size = -1  # characters of main and extra so far, separators included; checked per chunk
    cached = lexicon.cache.get if lexicon is not None else None
    for begin in range(0, len(words), _CHUNK):
        done = len(main), len(extra)
        for word in words[begin : begin + _CHUNK] if len(words) > _CHUNK else words:
            # most words: straight to the cache (word_tokens fills it; a call per word cost a third)
            found = (cached(word) if cached is not None else _cached_tokens(word)) if len(word) <= CACHE_WORD_CHARS else None
            stems, tokens = found if found is not None else word_tokens(word, lexicon)
            main += stems
            if tokens:
                extra += tokens
        if begin + _CHUNK >= len(words):
            break  # the last chunk: the joined text tells
        size += _joined_size(main, done[0]) + _joined_size(extra, done[1])
        if size > limit:
            return _over_limit(main, extra, words[begin + _CHUNK :], limit, lexicon)
    joined = " ".join(main), " ".join(extra)  # their length is the size: no second pass to sum it
    if len(joined[0]) + len(joined[1]) + (1 if main and extra else 0) <= limit:
        return joined
    return _over_limit(main, extra, [], limit, lexicon)


# Words handled between two checks of the running size: checks cost little, and past the limit
# at most one chunk of extra tokens is computed in vain.
_CHUNK = 256


def _joined_size(tokens: list[str], start: int) -> int:
    return sum(map(len, tokens[start:])) + len(tokens) - start


def _over_limit(main: list[str], extra: list[str], rest: Sequence[str], limit: int,
                lexicon: Lexicon | None = None) -> tuple[str, str]:
    """A text whose index form passes `limit`: all stems (phrases need them), then each extra
    token once, in order, as many as fit. Extra tokens of the remaining words are computed only
    while there is room for them, so the work stays bounded by the limit."""
    unique = dict.fromkeys(extra)
    main_size = _joined_size(main, 0)
    extra_size = _joined_size(list(unique), 0)
    for word in rest:
        if main_size + extra_size <= limit:
            stems, tokens = word_tokens(word, lexicon)
            for token in tokens:
                if token not in unique:
                    unique[token] = None
                    extra_size += len(token) + 1
        else:
            stems = word_stems_only(word)
        main += stems
        main_size += _joined_size(list(stems), 0)
    if main_size > limit:  # only a text of nothing but `ß`-words comes near: keep what fits
        return " ".join(_clip(main, limit)), ""
    return " ".join(main), " ".join(_clip(list(unique), limit - main_size - 1))


def _stems_only(word: str) -> tuple[str, ...]:
    return tuple(stem(fold(piece)) for piece in _pieces(word) if _indexed(piece))


_cached_stems_only = lru_cache(maxsize=50_000)(_stems_only)


def word_stems_only(word: str) -> tuple[str, ...]:
    """The stems of a word without looking for compound parts (the same as `word_stems`, cheaper)."""
    return _cached_stems_only(word) if len(word) <= CACHE_WORD_CHARS else _stems_only(word)
