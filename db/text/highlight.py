"""Highlighting: which words of an original text match a query, as segments to escape.

Never HTML: a segment is (text, is a match), and templates escape the text. Linear in the text:
a regex over the lower-cased text finds the few places a query stem could be and only the words
there are checked; `snippet` picks the densest cluster of matches with a sliding window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from db.text.normalise import word_token_set
from db.text.query import SearchQuery
from db.text.words import WORD

Segment = tuple[str, bool]  # (text, is a match): templates escape the text and wrap matches

# Each letter of a stem as it may be spelled in the text: umlauts, their ae/oe/ue forms, ß for ss,
# and a hyphen or dot inside (`Cyber-Sicherheit` holds `cybersich`).
_SPELLINGS = {"a": "(?:ä|ae|a)", "o": "(?:ö|oe|o)", "u": "(?:ü|ue|u)"}
_WORD_CHAR = re.compile(r"[^\W_]|[-.](?=[^\W_])")


@lru_cache(maxsize=512)
def _candidates_pattern(terms: frozenset[str], prefixes: tuple[str, ...]) -> re.Pattern | None:
    """A regex finding every place a query token may hide in a text (verified word by word)."""
    alternatives = []
    for token in sorted(set(terms) | set(prefixes), key=len, reverse=True):
        parts = []
        i = 0
        while i < len(token):
            if token.startswith("ss", i):
                parts.append("(?:ss|ß)")
                i += 2
                continue
            parts.append(_SPELLINGS.get(token[i], re.escape(token[i])))
            i += 1
        alternatives.append("[-.]?".join(parts))
    return re.compile("|".join(alternatives)) if alternatives else None


def _matches(word: str, query: SearchQuery) -> bool:
    tokens = word_token_set(word)
    if tokens & query.terms:
        return True
    return any(token.startswith(prefix) for token in tokens for prefix in query.prefixes)


def hit_spans(text: str | None, query: SearchQuery) -> list[tuple[int, int]]:
    """(start, end) of every word of `text` that matches the query, in order.

    A regex over the lower-cased text finds the few places a query stem could be; only the words
    there are normalised and checked, so long bodies cost little."""
    if not text:
        return []
    pattern = _candidates_pattern(query.terms, query.prefixes)
    if pattern is None:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character changes length when lower-cased
        return [m.span() for m in WORD.finditer(text) if _matches(m.group(), query)]
    spans: list[tuple[int, int]] = []
    last_end = -1
    for hit in pattern.finditer(lowered):
        if hit.start() < last_end:
            continue
        start = hit.start()
        while start > 0 and _WORD_CHAR.match(text, start - 1):
            start -= 1
        while start < len(text) and not text[start].isalnum():
            start += 1
        found = WORD.match(text, start)
        if not found:
            continue
        last_end = found.end()
        if _matches(found.group(), query):
            spans.append(found.span())
    return spans


def _segments(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> list[Segment]:
    """text[start:end] as segments; a match reaching over either end is cut there."""
    segments: list[Segment] = []
    pos = start
    for hit_start, hit_end in spans:
        if hit_end <= start or hit_start >= end:
            continue
        hit_start, hit_end = max(hit_start, pos), min(hit_end, end)
        if hit_start > pos:
            segments.append((text[pos:hit_start], False))
        segments.append((text[hit_start:hit_end], True))
        pos = hit_end
    if end > pos:
        segments.append((text[pos:end], False))
    return segments


def highlight(text: str | None, query: SearchQuery) -> list[Segment]:
    """The whole text as segments, matching words marked."""
    if not text:
        return []
    return _segments(text, hit_spans(text, query), 0, len(text))


def snippet(text: str | None, query: SearchQuery, chars: int = 240, scan_chars: int = 50_000) -> list[Segment]:
    """About `chars` characters around the densest cluster of matches, cut at word boundaries,
    with `…` where the text goes on."""
    if not text:
        return []
    text = text[:scan_chars]
    spans = hit_spans(text, query)
    if spans:
        # The densest cluster: for each match, how many start within 0.8 × chars of it (spans
        # are in order, so a second index only moves forward: linear in the number of matches).
        best, best_count, ahead = spans[0][0], 0, 0
        for i, (start, _) in enumerate(spans):
            ahead = max(ahead, i)
            while ahead < len(spans) and spans[ahead][0] < start + chars * 0.8:
                ahead += 1
            if ahead - i > best_count:
                best, best_count = start, ahead - i
        start = max(0, best - chars // 5)
    else:
        start = 0
    if start > 0:  # to the start of a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + chars)
    if end < len(text):  # to the end of a word
        space = text.rfind(" ", start, end)
        end = space if space > start + chars // 2 else end
    segments = _segments(text, spans, start, end)
    if start > 0:
        segments.insert(0, ("… ", False))
    if end < len(text):
        segments.append((" …", False))
    return segments


def segments_to_text(segments: Iterable[Segment], mark: tuple[str, str] = ("[", "]")) -> str:
    """Plain text with matches wrapped in `mark` (for JSON, CSV and the canned queries)."""
    return "".join(f"{mark[0]}{text}{mark[1]}" if hit else text for text, hit in segments)

