"""Compile taxonomy entries into match rules: phrase patterns (case-sensitive or not) and token rules.

Phrase patterns go to spaCy PhraseMatchers (cost independent of their number); compound stems and
token regexes become per-lexeme predicates, evaluated once per distinct token string and cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from nlp.forms import variants
from nlp.taxonomy import Taxonomy

BLOCK = "block"


@dataclass(frozen=True)
class Phrase:
    """One phrase pattern: `text` matched on ORTH when `case`, else on LOWER; `key` = kind|id|flag."""

    key: str
    text: str
    case: bool


@dataclass(frozen=True)
class StemRule:
    """A compound stem: `parts` are whole tokens except the last, which must start the token
    (`it-sicherheit` → IT | - | Sicherheitsgesetz). With `anywhere`, the last part may sit inside its
    token and the first part may end its token (`VitakoDeutschland-Stack`)."""

    key: str
    parts: tuple[str, ...]
    anywhere: bool


def rule_key(kind: str, id_: str, flag: str = "") -> str:
    return f"{kind}|{id_}|{flag}"


def split_key(key: str) -> tuple[str, str, str]:
    kind, id_, flag = key.split("|", 2)
    return kind, id_, flag


def phrases(taxonomy: Taxonomy, lemma_forms: dict[str, set[str]] | None = None) -> Iterator[Phrase]:
    """Every phrase pattern of the taxonomy, inflected variants included."""
    for entry in taxonomy.entries.values():
        for form in entry.forms:
            key = rule_key(entry.kind, entry.id, form.flag)
            texts = variants(form.text) if form.inflect else [form.text]
            for text in texts:
                yield Phrase(key, text, form.case)
        for lemma in entry.lemmas:
            for text in expand_lemma(lemma, lemma_forms or {}):
                yield Phrase(rule_key(entry.kind, entry.id), text, False)
    for text in taxonomy.blockers:
        yield Phrase(rule_key(BLOCK, ""), text, True)


def stem_rules(taxonomy: Taxonomy, tokenize) -> list[StemRule]:
    """Compound-stem rules; `tokenize(text) -> list[str]` must be the pipeline's tokenizer."""
    out = []
    for entry in taxonomy.entries.values():
        for stems, flag in ((entry.stems, ""), (entry.weak_stems, "weak")):
            for stem in stems:
                anywhere = stem.startswith("*")
                parts = tuple(t.lower() for t in tokenize(stem.lstrip("*")))
                out.append(StemRule(rule_key(entry.kind, entry.id, flag), parts, anywhere))
    return out


def regex_rules(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [(rule_key(e.kind, e.id), rx) for e in taxonomy.entries.values() for rx in e.token_regex]


def expand_lemma(lemma: str, lemma_forms: dict[str, set[str]]) -> list[str]:
    """`Nachrichtendienst` → every surface form whose lookup lemma it is (plus itself)."""
    import itertools

    words = lemma.split()
    options = [sorted({w} | lemma_forms.get(w.lower(), set())) for w in words]
    return [" ".join(c) for c in itertools.islice(itertools.product(*options), 64)]


def lemma_needed(taxonomy: Taxonomy) -> set[str]:
    return {w.lower() for e in taxonomy.entries.values() for lemma in e.lemmas for w in lemma.split()}


@lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    """spacy-lookups-data's German lemma table {form: lemma}, read from the installed package."""
    import gzip
    import json
    from pathlib import Path

    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "de_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def lemma_forms_for(needed: set[str]) -> dict[str, set[str]]:
    """Inverse lemma lookup restricted to the lemmas the taxonomy uses."""
    if not needed:
        return {}
    out: dict[str, set[str]] = {}
    for form, lemma in _lemma_table().items():
        low = lemma.lower()
        if low in needed:
            out.setdefault(low, set()).add(form)
    return out
