"""Registered spaCy pieces: the hyphen-splitting tokenizer, the taxonomy matcher and the resolver.

- `radar.tokenizer.v1`: the German tokenizer plus one infix rule that splits hyphens inside words
  (`OZG-Umsetzung` → `OZG - Umsetzung`), so abbreviations in compounds are whole tokens. URLs and
  e-mail addresses stay single tokens (the URL rule runs before infixes), so `www.bsi.bund.de` is no BSI.
- `radar_matcher`: PhraseMatchers (LOWER and ORTH) plus cached per-lexeme stem/regex rules; every
  candidate goes to `doc.spans["radar_candidates"]` (overlaps allowed).
- `radar_resolver`: context checks, blockers and longest-match; the result is `doc.spans["radar"]`
  (label = kind, kb_id = taxonomy id, id = "weak" for a bare ambiguous place name without a cue).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.lang.char_classes import ALPHA
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, registry

from nlp.patterns import (
    BLOCK,
    lemma_forms_for,
    lemma_needed,
    phrases,
    regex_rules,
    split_key,
    stem_rules,
)
from nlp.taxonomy import load_cached

CANDIDATES = "radar_candidates"
RESOLVED = "radar"
HYPHEN_INFIX = rf"(?<=[{ALPHA}0-9])[-\u2010\u2011](?=[{ALPHA}0-9])"
GEO = ("state", "municipality")


@registry.tokenizers("radar.tokenizer.v1")
def create_radar_tokenizer() -> Callable[[Language], object]:
    """German tokenizer that also splits word-internal hyphens."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def create(nlp: Language):
        tokenizer = default(nlp)
        infixes = list(nlp.Defaults.infixes or []) + [HYPHEN_INFIX]
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        return tokenizer

    return create


class RadarMatcher:
    """Find every taxonomy candidate in a Doc."""

    def __init__(self, nlp: Language, name: str, taxonomy_dir: str):
        self.name = name
        taxonomy = load_cached(Path(taxonomy_dir) if taxonomy_dir else None)
        strings = nlp.vocab.strings
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.keys: dict[int, tuple[int, int, int]] = {}  # match id → (kind, id, flag) hashes
        by_key: dict[tuple[str, bool], list[str]] = {}
        lemma_forms = lemma_forms_for(lemma_needed(taxonomy))
        for p in phrases(taxonomy, lemma_forms):
            by_key.setdefault((p.key, p.case), []).append(p.text)
        for (key, case), texts in by_key.items():
            self._register(strings, key)
            docs = list(nlp.tokenizer.pipe(dict.fromkeys(texts)))
            (self.orth if case else self.lower).add(key, docs)
        tokenize = lambda text: [t.text for t in nlp.make_doc(text)]  # noqa: E731
        self.prefix: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self.anywhere: list[tuple[str, int, tuple[str, ...]]] = []
        for rule in stem_rules(taxonomy, tokenize):
            h = self._register(strings, rule.key)
            last, before = rule.parts[-1], rule.parts[:-1]
            if rule.anywhere:
                self.anywhere.append((last, h, before))
            else:
                self.prefix.setdefault(last, []).append((h, before))
        self.lengths = sorted({len(k) for k in self.prefix})
        self.regexes = [(re.compile(rx), self._register(strings, key)) for key, rx in regex_rules(taxonomy)]
        self.cache: dict[int, tuple[tuple[int, tuple[str, ...]], ...]] = {}
        self.strings = strings

    def _register(self, strings, key: str) -> int:
        h = strings.add(key)
        kind, id_, flag = split_key(key)
        self.keys[h] = (strings.add(kind), strings.add(id_), strings.add(flag))
        return h

    def _lexeme_hits(self, orth: int) -> tuple[tuple[int, tuple[str, ...]], ...]:
        text = self.strings[orth]
        low = text.lower()
        hits: list[tuple[int, tuple[str, ...]]] = []
        for n in self.lengths:
            if n > len(low):
                break
            hits.extend(self.prefix.get(low[:n], ()))
        hits.extend((h, before) for sub, h, before in self.anywhere if sub in low)
        hits.extend((h, ()) for rx, h in self.regexes if rx.match(text))
        result = tuple(hits)
        self.cache[orth] = result
        return result

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, int]] = []
        found.extend(self.lower(doc))
        found.extend(self.orth(doc))
        cache = self.cache
        for i, orth in enumerate(doc.to_array(ORTH).tolist()):
            hits = cache.get(orth)
            if hits is None:
                hits = self._lexeme_hits(orth)
            for h, before in hits:
                start = i - len(before)
                if before and not self._preceded_by(doc, start, before):
                    continue
                found.append((h, start, i + 1))
        spans = []
        for h, start, end in found:
            kind, id_, flag = self.keys[h]
            spans.append(Span(doc, start, end, label=kind, kb_id=id_, span_id=flag))
        doc.spans[CANDIDATES] = spans
        return doc

    @staticmethod
    def _preceded_by(doc: Doc, start: int, parts: tuple[str, ...]) -> bool:
        if start < 0:
            return False
        for j, part in enumerate(parts):
            tok = doc[start + j]
            if tok.lower_ != part or tok.whitespace_:
                return False
        return True


class RadarResolver:
    """Apply context rules, blockers and longest-match to the candidates."""

    def __init__(self, nlp: Language, name: str, taxonomy_dir: str):
        self.name = name
        taxonomy = load_cached(Path(taxonomy_dir) if taxonomy_dir else None)
        self.cues = taxonomy.context_cues
        strings = nlp.vocab.strings
        self.weak = strings.add("weak")

    def __call__(self, doc: Doc) -> Doc:
        cands = []
        blocks = []
        for span in doc.spans.get(CANDIDATES, ()):
            kind, flag = span.label_, span.id_
            start, end = span.start, span.end
            if kind == BLOCK:
                blocks.append((start, end))
                continue
            weak = False
            if flag == "noun" and not self._before_noun(doc, end):
                continue
            if flag == "context" and not self._has_cue(doc, start):
                weak = True
            cands.append((start, end, kind, span.kb_id, weak))
        if blocks:
            cands = [c for c in cands if not any(c[0] < b_end and b_start < c[1] for b_start, b_end in blocks)]
        resolved = self._longest(c for c in cands if c[2] in GEO)
        actors = self._longest(c for c in cands if c[2] == "actor")
        resolved += actors
        resolved += self._topics([c for c in cands if c[2] == "topic"], actors)
        resolved.sort(key=lambda c: (c[0], c[1]))
        doc.spans[RESOLVED] = [
            Span(doc, s, e, label=kind, kb_id=kb, span_id=self.weak if weak else 0) for s, e, kind, kb, weak in resolved
        ]
        return doc

    @staticmethod
    def _longest(cands) -> list[tuple]:
        """Longest match wins; candidates with the very same extent coexist (`Berlin`: Land and city)."""
        accepted: list[tuple] = []
        seen = set()
        for c in sorted(cands, key=lambda c: (c[0] - c[1], c[0], c[4])):
            start, end = c[0], c[1]
            if any(start < a[1] and a[0] < end and (a[0], a[1]) != (start, end) for a in accepted):
                continue
            if (start, end, c[2], c[3]) in seen:
                continue
            seen.add((start, end, c[2], c[3]))
            accepted.append(c)
        return accepted

    @staticmethod
    def _topics(cands: list[tuple], actors: list[tuple]) -> list[tuple]:
        """Topic words inside an actor's name are no topic (`… für Digitales und Staatsmodernisierung`)."""
        out: list[tuple] = []
        for c in sorted(cands, key=lambda c: (c[0] - c[1], c[0])):
            if any(c[0] < a[1] and a[0] < c[1] for a in actors):
                continue
            if any(o[3] == c[3] and c[0] < o[1] and o[0] < c[1] for o in out):
                continue
            out.append(c)
        return out

    def _has_cue(self, doc: Doc, start: int) -> bool:
        return start > 0 and doc[start - 1].lower_ in self.cues

    @staticmethod
    def _before_noun(doc: Doc, end: int) -> bool:
        """An -er place adjective counts before a noun: `Dresdner Forderungen`, `Berliner digitale Agenda`."""
        if end >= len(doc):
            return False
        nxt = doc[end].text
        if nxt[:1].isupper() and nxt[:1].isalpha():
            return True
        if nxt.endswith(("e", "en", "er", "es", "em")) and nxt[:1].islower() and end + 1 < len(doc):
            after = doc[end + 1].text
            return after[:1].isupper() and after[:1].isalpha()
        return False


@Language.factory("radar_matcher", default_config={"taxonomy_dir": ""})
def make_radar_matcher(nlp: Language, name: str, taxonomy_dir: str) -> RadarMatcher:
    return RadarMatcher(nlp, name, taxonomy_dir)


@Language.factory("radar_resolver", default_config={"taxonomy_dir": ""})
def make_radar_resolver(nlp: Language, name: str, taxonomy_dir: str) -> RadarResolver:
    return RadarResolver(nlp, name, taxonomy_dir)
