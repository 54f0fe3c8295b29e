"""Bounded memory for a pipeline that tags for days: spaCy memory zones, rotated between calls.

spaCy keeps every word it has ever seen: a Lexeme and its strings (orth, lower, norm, shape, prefix,
suffix), about 400 bytes per word, for good. A crawl of real news meets new words without end
(names, compounds, typos), so the store worker would grow without bound. `Language.memory_zone()`
frees the words first seen inside the zone when it closes; Docs made inside must not outlive it.

`RotatingZone` keeps the first words for good, until the StringStore holds `permanent` strings: they
are the common ones, met first, and spaCy's tokenizer caches the chunks it meets before any zone
(it adds nothing to that cache inside a zone), so tokenizing stays as fast as before. After that, calls
run inside a zone that is closed and reopened every `every` Docs. It only rotates when no call is
running (`enter` of the outermost call), so no Doc outlives its zone: the callers (the Tagger) keep
no Doc, only plain Python results.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

from spacy.language import Language

#: Strings kept for good before zones start (~25 MB with their Lexemes; a few thousand articles).
#: Every zone makes again the Lexemes of the words it shares with earlier zones (~25 µs each): on
#: bench/tag's texts (one process, interleaved) 50,000 cost 5 % of the tagging speed, 80,000 nothing
#: measurable, for ~4 MB more RSS after 10,000 articles.
PERMANENT_STRINGS = 80_000
#: Docs per zone: a zone holds the new words of this many articles.
ZONE_DOCS = 2_000
#: Zones after which the owner builds a fresh pipeline (`due`): spaCy's hash tables never shrink and
#: keep a tombstone per freed word, so they still grow by ~20 bytes per new word; a fresh pipeline
#: (0.4 s from the cache) every 100,000 articles bounds that too.
RENEW_ZONES = 50


class RotatingZone:
    """Call `enter()` before making Docs and `leave()` when the last one is dropped; `count(n)` adds
    Docs made. Nested or concurrent calls share the open zone."""

    def __init__(self, nlp: Language, permanent: int = PERMANENT_STRINGS, every: int = ZONE_DOCS):
        self.nlp = nlp
        self.permanent = permanent
        self.every = every
        self.docs = 0  # Docs made in the open zone
        self.zones = 0  # zones opened so far
        self._zone: ExitStack | None = None
        self._active = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self._zone is not None

    @property
    def due(self) -> bool:
        """Time for a fresh pipeline: RENEW_ZONES zones used and no call running."""
        return self.zones >= RENEW_ZONES and self._active == 0

    def enter(self) -> None:
        with self._lock:
            if self._active == 0:
                self._rotate()
            self._active += 1

    def leave(self) -> None:
        with self._lock:
            self._active -= 1

    def count(self, n: int = 1) -> None:
        self.docs += n

    def _rotate(self) -> None:
        if self._zone is not None:
            if self.docs < self.every:
                return
            self._zone.close()  # frees the words first seen in it
            self._zone = None
        elif len(self.nlp.vocab.strings) < self.permanent:
            return
        zone = ExitStack()
        zone.enter_context(self.nlp.memory_zone())
        self._zone, self.docs = zone, 0
        self.zones += 1

    def close(self) -> None:
        """Free the open zone (no call may be running)."""
        with self._lock:
            if self._zone is not None and self._active == 0:
                self._zone.close()
                self._zone = None
