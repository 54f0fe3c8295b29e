"""Registered spaCy pieces: the hyphen-splitting tokenizer, the taxonomy matcher and the resolver.

- `radar.tokenizer.v1`: the German tokenizer plus one infix rule that splits hyphens inside words
  (`OZG-Umsetzung` → `OZG - Umsetzung`), so abbreviations in compounds are whole tokens. URLs and
  e-mail addresses stay single tokens (the URL rule runs before infixes), so `www.bsi.bund.de` is no BSI.
- `radar_matcher`: two phrase tables of token-hash sequences (nlp/phrase_table.py: case-sensitive
  forms — all places, Länder, abbreviations — on ORTH, the rest on LOWER) plus stem/regex rules
  judged once per word (a lexeme flag) find the candidates; context checks, blockers and
  longest-match (nlp/resolve.py) pick the mentions, written to `doc.spans["radar"]` (label = kind,
  kb_id = taxonomy id, id = "weak" for generic evidence or a bare ambiguous place name without a
  cue). The same mentions are kept as (kind, id, start char, end char, weak) tuples in
  `doc.user_data["radar"]` for the Tagger, which switches `write_spans` off (Span objects cost
  about a tenth of the tagging time). With `keep_candidates`, every overlapping candidate is also
  kept in `doc.spans["radar_candidates"]` (for debugging a taxonomy; it costs time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from spacy.attrs import IDX, LENGTH, LOWER, ORTH
from spacy.lang.char_classes import ALPHA
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, compile_suffix_regex, registry

from nlp.patterns import regex_rules, split_key, stem_rules
from nlp.phrase_table import compile_phrases
from nlp.resolve import GEO, Resolver
from nlp.taxonomy import load_cached

CANDIDATES = "radar_candidates"
#: Words with stem/regex hits whose hits stay cached (a few hundred per 10,000 articles).
HIT_CACHE = 50_000
RESOLVED = "radar"
HYPHEN_INFIX = rf"(?<=[{ALPHA}0-9])[-\u2010\u2011](?=[{ALPHA}0-9])"
#: German keeps `2.` whole (an ordinal); a code such as `NIS2.` or `D21.` ends a sentence instead.
CODE_PERIOD_SUFFIX = rf"(?<=[{ALPHA}][0-9])\.|(?<=[{ALPHA}][0-9][0-9])\."


def trie_pattern(words) -> str:
    """One regex for many literal words, shaped as a prefix tree so the engine never backtracks
    through hundreds of alternatives (`cyberangriff|cyberabwehr` → `cybera(?:bwehr|ngriff)`)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        if list(node) == [""]:
            return ""
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return body if "" not in node else "(?:" + body + ")?"

    return emit(trie)


@registry.tokenizers("radar.tokenizer.v1")
def create_radar_tokenizer() -> Callable[[Language], object]:
    """German tokenizer that also splits word-internal hyphens and the period after `NIS2.`."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def create(nlp: Language):
        tokenizer = default(nlp)
        infixes = list(nlp.Defaults.infixes or []) + [HYPHEN_INFIX]
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        suffixes = [CODE_PERIOD_SUFFIX] + list(nlp.Defaults.suffixes or [])
        tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        return tokenizer

    return create


class RadarMatcher:
    """Find the taxonomy candidates in a Doc and resolve them into mentions (nlp/resolve.py)."""

    def __init__(self, nlp: Language, name: str, taxonomy_dir: str, keep_candidates: bool = False,
                 write_spans: bool = True):
        self.name = name
        self.keep_candidates = keep_candidates
        self.write_spans = write_spans
        taxonomy = load_cached(Path(taxonomy_dir) if taxonomy_dir else None)
        compiled = compile_phrases(nlp, taxonomy)
        # phrase tables (nlp/phrase_table.py): case-sensitive forms (all places, Länder, abbreviations)
        # on ORTH, the rest on LOWER; they hold indices into `self.keys`
        self.case, self.lower = compiled.case, compiled.lower
        self.keys: list[tuple[str, str, str]] = list(compiled.keys)  # match key index → (kind, id, flag)
        index = {key: k for k, key in enumerate(self.keys)}  # rules share their entry's key index
        tokenize = lambda text: [t.text for t in nlp.make_doc(text)]  # noqa: E731
        self.prefix: dict[str, list[tuple[int, tuple[str, ...], bool]]] = {}
        self.anywhere: list[tuple[str, int, tuple[str, ...]]] = []
        for rule in stem_rules(taxonomy, tokenize):
            h = self._register(index, rule.key)
            last, before = rule.parts[-1], rule.parts[:-1]
            if rule.anywhere and not before:
                self.anywhere.append((last, h, before))
            else:
                self.prefix.setdefault(last, []).append((h, before, rule.anywhere))
        self.lengths = sorted({len(k) for k in self.prefix})
        # trie-shaped regexes rule out most new words in one C-level call each
        self.prefix_re = re.compile(trie_pattern(self.prefix)) if self.prefix else None
        self.anywhere_re = re.compile(trie_pattern(sub for sub, _, _ in self.anywhere)) if self.anywhere else None
        self.regexes = [(re.compile(rx), self._register(index, key)) for key, rx in regex_rules(taxonomy)]
        # stem/regex rules are judged once per word: a lexeme flag set when spaCy creates the word's
        # Lexeme, so a Doc's candidates are one column of `Doc.to_array`; the few words that have
        # hits keep them here (by text, bounded)
        self.cache: dict[str, tuple[tuple[int, tuple[str, ...], bool], ...]] = {}
        self.flag = nlp.vocab.add_flag(self._has_hits)
        self.resolver = Resolver(
            cues=taxonomy.context_cues,
            kinds=[k[0] for k in self.keys],
            ids=[k[1] for k in self.keys],
            flags=[k[2] for k in self.keys],
            person_cues=taxonomy.person_cues,
        )

    def _register(self, index: dict[tuple[str, str, str], int], key: str) -> int:
        info = split_key(key)
        k = index.get(info)
        if k is None:
            k = index[info] = len(self.keys)
            self.keys.append(info)
        return k

    def _lexeme_hits(self, text: str) -> tuple[tuple[int, tuple[str, ...], bool], ...]:
        """The stem and regex rules a token string hits: (key, tokens before it, anywhere)."""
        low = text.lower()
        hits: list[tuple[int, tuple[str, ...], bool]] = []
        if self.prefix_re is not None and self.prefix_re.match(low):
            for n in self.lengths:
                if n > len(low):
                    break
                hits.extend(self.prefix.get(low[:n], ()))
        if self.anywhere_re is not None and self.anywhere_re.search(low):
            hits.extend((h, before, True) for sub, h, before in self.anywhere if sub in low)
        hits.extend((h, (), False) for rx, h in self.regexes if rx.match(text))
        return tuple(hits)

    def _has_hits(self, text: str) -> bool:
        """`bool(self._lexeme_hits(text))`, without building the hits (runs for every new word)."""
        low = text.lower()
        if self.prefix_re is not None and self.prefix_re.match(low):
            prefix = self.prefix
            if any(low[:n] in prefix for n in self.lengths if n <= len(low)):
                return True
        if self.anywhere_re is not None and self.anywhere_re.search(low):
            if any(sub in low for sub, _, _ in self.anywhere):
                return True
        return any(rx.match(text) for rx, _ in self.regexes)

    def _cached_hits(self, text: str) -> tuple[tuple[int, tuple[str, ...], bool], ...]:
        hits = self.cache.get(text)
        if hits is None:
            if len(self.cache) >= HIT_CACHE:
                self.cache.clear()  # a long crawl meets ever new compounds: stay bounded
            hits = self.cache[text] = self._lexeme_hits(text)
        return hits

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, int]] = []  # (match key index, start, end)
        arr = doc.to_array([ORTH, LOWER, IDX, LENGTH, self.flag])
        self.lower.match(arr[:, 1], found)
        self.case.match(arr[:, 0], found)
        for i in np.flatnonzero(arr[:, 4]).tolist():  # words with stem/regex hits
            for h, before, anywhere in self._cached_hits(doc[i].text):
                start = i - len(before)
                if before and not self._preceded_by(doc, start, before, anywhere):
                    continue
                found.append((h, start, i + 1))
        keys = self.keys
        if self.keep_candidates:
            doc.spans[CANDIDATES] = [Span(doc, s, e, label=keys[h][0], kb_id=keys[h][1], span_id=keys[h][2])
                                     for h, s, e in found]
        mentions = self.resolver.resolve(doc, found)
        # token extents for the organisation recogniser (nlp/orgs.py): registered actors and places
        doc.user_data["radar_actor_tokens"] = [(s, e) for h, s, e, _ in mentions if keys[h][0] == "actor"]
        doc.user_data["radar_geo"] = {s: e for h, s, e, _ in mentions if keys[h][0] in GEO}
        # compact copy for the Tagger: (kind, id, start char, end char, weak)
        idx, length = arr[:, 2].tolist(), arr[:, 3].tolist()
        doc.user_data["radar_tokens"] = (idx, length)  # shared with radar_orgs
        doc.user_data[RESOLVED] = [(keys[h][0], keys[h][1], idx[s], idx[e - 1] + length[e - 1], weak)
                                   for h, s, e, weak in mentions]
        if self.write_spans:
            doc.spans[RESOLVED] = [Span(doc, s, e, label=keys[h][0], kb_id=keys[h][1], span_id="weak" if weak else 0)
                                   for h, s, e, weak in mentions]
        return doc

    @staticmethod
    def _preceded_by(doc: Doc, start: int, parts: tuple[str, ...], suffix_first: bool) -> bool:
        """Tokens start.. spell `parts` with no space between; the first may end a longer token."""
        if start < 0:
            return False
        for j, part in enumerate(parts):
            tok = doc[start + j]
            low = tok.lower_
            if tok.whitespace_ or not (low == part or (j == 0 and suffix_first and low.endswith(part))):
                return False
        return True


@Language.factory("radar_matcher", default_config={"taxonomy_dir": "", "keep_candidates": False, "write_spans": True})
def make_radar_matcher(nlp: Language, name: str, taxonomy_dir: str, keep_candidates: bool,
                       write_spans: bool) -> RadarMatcher:
    return RadarMatcher(nlp, name, taxonomy_dir, keep_candidates, write_spans)
