"""What a taxonomy edit affects, so `retag` can re-tag only the articles that may change.

Every entry carries a fingerprint (hash of its YAML). Comparing two taxonomies gives the changed
entries; we add the entries they compete with (longest match: a new alias `Städtetag NRW` takes
mentions away from `staedtetag`) and the parents they imply (Land of a municipality, parent topic).
A change to file-wide settings (blockers, context cues, min_score) or to the matching code affects
everything and is reported as `ALL`.

Use (see docs/taxonomy.md): articles to re-tag = those whose stored tags hold an affected (kind, id)
∪ those whose text contains one of `search_terms(new, affected)` (full-text search) — or all
articles when `ALL in affected`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nlp.taxonomy import MATCHER_VERSION, Entry, Taxonomy, iter_texts, load_taxonomy

ALL = ("*", "*")
GROUP = {"state": "geo", "municipality": "geo", "actor": "actor", "topic": "topic"}


def _load(tax: Taxonomy | Path | str) -> Taxonomy:
    return tax if isinstance(tax, Taxonomy) else load_taxonomy(Path(tax))


def fingerprints(taxonomy: Taxonomy) -> dict[tuple[str, str], str]:
    """(kind, id) → hash of the entry's YAML; stable across unrelated edits."""
    return {key: entry.fingerprint for key, entry in taxonomy.entries.items()}


def _words(entry: Entry) -> set[str]:
    return {f" {t.lower().strip('*')} " for t in iter_texts(entry) if t.strip()}


def _competitors(changed: set[tuple[str, str]], taxonomies: Iterable[Taxonomy]) -> set[tuple[str, str]]:
    """Entries of the same match group whose names contain, or sit inside, a changed entry's names."""
    out: set[tuple[str, str]] = set()
    for tax in taxonomies:
        words = {key: _words(entry) for key, entry in tax.entries.items()}
        for key in changed:
            mine = words.get(key)
            if not mine:
                continue
            for other, theirs in words.items():
                if other == key or GROUP[other[0]] != GROUP[key[0]]:
                    continue
                if any(a in b or b in a for a in mine for b in theirs):
                    out.add(other)
    return out


def _parents(keys: set[tuple[str, str]], taxonomies: Iterable[Taxonomy]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for tax in taxonomies:
        for kind, id_ in keys:
            entry = tax.get(kind, id_)
            while entry is not None and entry.parent:
                parent_kind = "state" if entry.kind == "municipality" else "topic"
                out.add((parent_kind, entry.parent))
                entry = tax.get(parent_kind, entry.parent) if parent_kind == "topic" else None
    return out


def affected_by_change(old_taxonomy: Taxonomy | Path | str, new_taxonomy: Taxonomy | Path | str,
                       old_matcher_version: str = MATCHER_VERSION) -> set[tuple[str, str]]:
    """The (kind, id) pairs whose tags may differ between the two taxonomies; {ALL} for global changes."""
    old, new = _load(old_taxonomy), _load(new_taxonomy)
    if old.settings_fingerprint != new.settings_fingerprint or old_matcher_version != MATCHER_VERSION:
        return {ALL}
    before, after = fingerprints(old), fingerprints(new)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    changed |= {("actor", slug) for slug in old.ignored ^ new.ignored}  # discovered tags to drop or bring back
    if not changed:
        return set()
    affected = changed | _competitors(changed, (old, new))
    return affected | _parents(affected, (old, new))


def search_terms(taxonomy: Taxonomy, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """Plain words to find candidate articles for `keys` by full-text search (names, aliases, stems)."""
    out: dict[tuple[str, str], list[str]] = {}
    for key in keys:
        entry = taxonomy.entries.get(key)
        if entry is not None:
            out[key] = sorted({t.strip("*") for t in iter_texts(entry) if t.strip()})
    return out
