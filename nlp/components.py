"""Registered spaCy pieces: the hyphen-splitting tokenizer, the taxonomy matcher and the resolver.

- `radar.tokenizer.v1`: the German tokenizer plus one infix rule that splits hyphens inside words
  (`OZG-Umsetzung` → `OZG - Umsetzung`), so abbreviations in compounds are whole tokens. URLs and
  e-mail addresses stay single tokens (the URL rule runs before infixes), so `www.bsi.bund.de` is no BSI.
- `radar_matcher`: a LOWER PhraseMatcher, a table of case-sensitive token sequences (all places, Länder,
  abbreviations; indexed by first and second token) plus cached per-lexeme stem/regex rules find the
  candidates; context checks, blockers and longest-match (nlp/resolve.py) pick the mentions, written
  to `doc.spans["radar"]` (label = kind, kb_id = taxonomy id, id = "weak" for generic evidence or a
  bare ambiguous place name without a cue). The same mentions are kept as compact tuples in
  `doc.user_data["radar"]` for the Tagger, which switches `write_spans` off (Span objects cost
  about a tenth of the tagging time). With `keep_candidates`, every overlapping candidate is also
  kept in `doc.spans["radar_candidates"]` (for debugging a taxonomy; it costs time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from spacy.attrs import IDX, LENGTH, ORTH
from spacy.lang.char_classes import ALPHA
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, compile_suffix_regex, registry

from nlp.cache import cached, key_of
from nlp.patterns import (
    lemma_forms_for,
    lemma_needed,
    phrases,
    regex_rules,
    split_key,
    stem_rules,
)
from nlp.resolve import Resolver
from nlp.taxonomy import load_cached

CANDIDATES = "radar_candidates"
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


def compiled_phrases(nlp: Language, taxonomy) -> list[tuple[str, bool, tuple[str, ...]]]:
    """Every phrase pattern as (key, case-sensitive, tokens), cached on disk per taxonomy version and
    code (tokenizing 75,000 forms and reading the lemma table cost seconds and 100 MB)."""
    from nlp import forms, patterns

    def build() -> list[tuple[str, bool, tuple[str, ...]]]:
        items = list(dict.fromkeys((p.key, p.case, p.text) for p in phrases(taxonomy, lemma_forms_for(lemma_needed(taxonomy)))))
        docs = nlp.tokenizer.pipe([text for _, _, text in items])
        return [(key, case, tuple(t.text for t in doc)) for (key, case, _), doc in zip(items, docs, strict=True)]

    code = b"".join(Path(m.__file__).read_bytes() for m in (forms, patterns)) + Path(__file__).read_bytes()
    return cached("phrases", key_of(taxonomy.version, code), build)


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
        strings = nlp.vocab.strings
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keys: dict[int, tuple[int, int, int]] = {}  # match id → (kind, id, flag) hashes
        # case-sensitive phrases (all places, Länder, abbreviations: ~75,000) go to a table of token-hash
        # sequences indexed by their first token: no Lexeme per place-name token, and a set
        # intersection with the Doc's tokens finds the few starts worth a look
        # first token → (keys of one-token phrases, second token → [(remaining tokens, key)])
        self.seq: dict[int, tuple[list[int], dict[int, list[tuple[tuple[int, ...], int]]]]] = {}
        registered: dict[str, int] = {}
        for key, case, tokens in compiled_phrases(nlp, taxonomy):
            h = registered.get(key)
            if h is None:
                h = registered[key] = self._register(strings, key)
            if case:
                hashes = tuple(strings.add(t) for t in tokens)
                singles, longer = self.seq.setdefault(hashes[0], ([], {}))
                if len(hashes) == 1:
                    singles.append(h)
                else:
                    longer.setdefault(hashes[1], []).append((hashes[2:], h))
            else:
                self.lower.add(key, [Doc(nlp.vocab, words=list(tokens))])
        self.seq_first = frozenset(self.seq)
        tokenize = lambda text: [t.text for t in nlp.make_doc(text)]  # noqa: E731
        self.prefix: dict[str, list[tuple[int, tuple[str, ...], bool]]] = {}
        self.anywhere: list[tuple[str, int, tuple[str, ...]]] = []
        for rule in stem_rules(taxonomy, tokenize):
            h = self._register(strings, rule.key)
            last, before = rule.parts[-1], rule.parts[:-1]
            if rule.anywhere and not before:
                self.anywhere.append((last, h, before))
            else:
                self.prefix.setdefault(last, []).append((h, before, rule.anywhere))
        self.lengths = sorted({len(k) for k in self.prefix})
        # trie-shaped regexes rule out most new words in one C-level call each
        self.prefix_re = re.compile(trie_pattern(self.prefix)) if self.prefix else None
        self.anywhere_re = re.compile(trie_pattern(sub for sub, _, _ in self.anywhere)) if self.anywhere else None
        self.regexes = [(re.compile(rx), self._register(strings, key)) for key, rx in regex_rules(taxonomy)]
        self.cache: dict[int, tuple[tuple[int, tuple[str, ...], bool], ...]] = {}  # orth → rule hits
        self.seen: set[int] = set()  # orths whose rules were evaluated
        self.hit_orths: set[int] = set()  # … and those with at least one hit
        self.strings = strings
        self.resolver = Resolver(
            cues=taxonomy.context_cues,
            kinds={h: strings[k[0]] for h, k in self.keys.items()},
            ids={h: k[1] for h, k in self.keys.items()},
            flags={h: strings[k[2]] for h, k in self.keys.items()},
            person_cues=taxonomy.person_cues,
        )
        self.weak = strings.add("weak")
        self.actor_kind = strings.add("actor")
        self.geo_kinds = frozenset({strings.add("state"), strings.add("municipality")})

    def _register(self, strings, key: str) -> int:
        h = strings.add(key)
        kind, id_, flag = split_key(key)
        self.keys[h] = (strings.add(kind), strings.add(id_), strings.add(flag))
        return h

    def _lexeme_hits(self, orth: int) -> tuple[tuple[int, tuple[str, ...], bool], ...]:
        text = self.strings[orth]
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
        return self._store(orth, tuple(hits))

    def _store(self, orth: int, result: tuple) -> tuple:
        self.seen.add(orth)
        if result:
            self.cache[orth] = result
            self.hit_orths.add(orth)
        return result

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, int]] = []
        found.extend(self.lower(doc))
        arr = doc.to_array([ORTH, IDX, LENGTH])
        orths = arr[:, 0].tolist()
        present = set(orths)
        starts = present & self.seq_first
        if starts:
            n = len(orths)
            seq = self.seq
            for i in [i for i, orth in enumerate(orths) if orth in starts]:
                singles, longer = seq[orths[i]]
                for h in singles:
                    found.append((h, i, i + 1))
                if i + 1 < n and longer:
                    for rest, h in longer.get(orths[i + 1], ()):
                        end = i + 2 + len(rest)
                        if end <= n and (not rest or tuple(orths[i + 2:end]) == rest):
                            found.append((h, i, end))
        for orth in present - self.seen:  # new token strings: evaluate the stem/regex rules once
            self._lexeme_hits(orth)
        hit = present & self.hit_orths
        if hit:
            cache = self.cache
            for i in [i for i, orth in enumerate(orths) if orth in hit]:
                for h, before, anywhere in cache[orths[i]]:
                    start = i - len(before)
                    if before and not self._preceded_by(doc, start, before, anywhere):
                        continue
                    found.append((h, start, i + 1))
        keys = self.keys
        if self.keep_candidates:
            doc.spans[CANDIDATES] = [Span(doc, s, e, label=keys[h][0], kb_id=keys[h][1], span_id=keys[h][2])
                                     for h, s, e in found]
        mentions = self.resolver.resolve(doc, found)
        kind_of = {h: self.keys[h][0] for h, _, _, _ in mentions}
        actor, geo = self.actor_kind, self.geo_kinds
        # token extents for the organisation recogniser (nlp/orgs.py): registered actors and places
        doc.user_data["radar_actor_tokens"] = [(s, e) for h, s, e, _ in mentions if kind_of[h] == actor]
        doc.user_data["radar_geo"] = {s: e for h, s, e, _ in mentions if kind_of[h] in geo}
        # compact copy for the Tagger: (kind hash, id hash, start char, end char, weak)
        idx, length = arr[:, 1].tolist(), arr[:, 2].tolist()
        doc.user_data["radar_tokens"] = (orths, idx, length)  # shared with radar_orgs
        doc.user_data[RESOLVED] = [(keys[h][0], keys[h][1], idx[s], idx[e - 1] + length[e - 1], weak)
                                   for h, s, e, weak in mentions]
        if self.write_spans:
            w = self.weak
            doc.spans[RESOLVED] = [Span(doc, s, e, label=keys[h][0], kb_id=keys[h][1], span_id=w if weak else 0)
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
