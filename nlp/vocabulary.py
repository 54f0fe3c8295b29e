"""One German vocabulary for web, mail, feeds and exports: tag labels come from the taxonomy.

The taxonomy (nlp/taxonomy/*.yaml) names every actor, Land, municipality and topic; every place
that shows a tag asks `label(kind, id)` here, so the search page, the article page, the trend
chart, the digest mail and a CSV export call `funding` the same ("Finanzierung und Förderung").
A tag id the taxonomy no longer knows keeps the label stored with the tag, else its id.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from nlp.taxonomy import Taxonomy, load_cached

# `load_cached` stats every taxonomy file on each call (0.027 ms); a search page labels some 200
# tags, which took 5 ms of its 10 ms (bench/search p95). Labels may lag a taxonomy edit by a second.
RECHECK_SECONDS = 1.0
_recent: list[tuple[float, Taxonomy]] = []
# labels(kind) of the taxonomy they were made from: listing a kind walks all 12,700 entries
# (0.7 ms; a search with a topic filter checked its id that way on every request).
_by_kind: dict[str, tuple[Taxonomy, Mapping[str, str]]] = {}

# The German word for each kind of tag (and the other facets), singular and plural.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "topic": ("Thema", "Themen"),
    "actor": ("Akteur", "Akteure"),
    "state": ("Land", "Länder"),
    "municipality": ("Ort", "Orte"),
    "source": ("Quelle", "Quellen"),
    "month": ("Monat", "Monate"),
}
# Filter names of the web and CLI (`place` is the municipality) → tags.kind.
FILTER_KINDS = {"topic": "topic", "actor": "actor", "state": "state", "place": "municipality"}


def _taxonomy() -> Taxonomy:
    """The default taxonomy, re-checked for edits at most once a second."""
    now = time.monotonic()
    if not _recent or now - _recent[0][0] >= RECHECK_SECONDS:
        _recent[:] = [(now, load_cached())]
    return _recent[0][1]


def labels(kind: str) -> Mapping[str, str]:
    """Every id of a tag kind with its taxonomy label (read-only; made once per taxonomy)."""
    taxonomy = _taxonomy()
    made = _by_kind.get(kind)
    if made is None or made[0] is not taxonomy:
        made = (taxonomy, MappingProxyType({entry.id: entry.label for entry in taxonomy.of_kind(kind)}))
        _by_kind[kind] = made
    return made[1]


def label(kind: str, value: str, stored: str | None = None) -> str:
    """The taxonomy's label of a tag; else the label stored with the tag; else the id."""
    kind = FILTER_KINDS.get(kind, kind)
    entry = _taxonomy().get(kind, value)
    return entry.label if entry is not None else (stored or value)


def suggest(value: str, known: Iterable[str]) -> str:
    """` (did you mean ozg?)` for a near miss (case-insensitive), '' when nothing is close."""
    by_fold = {item.lower(): item for item in known}
    close = difflib.get_close_matches(value.lower(), sorted(by_fold), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(by_fold[c] for c in close)}?)" if close else ""


def unknown(kind: str, value: str, known: Iterable[str]) -> str | None:
    """`unknown topic 'OZG' (did you mean ozg?)`, or None when `value` is known. A label typed
    instead of the id (`Hessen` for DE-HE) is suggested by its id."""
    known = set(known)
    if value in known:
        return None
    by_label = {label(kind, item).lower(): item for item in known}
    if value.lower() in by_label:
        return f"unknown {kind} {value!r} (did you mean {by_label[value.lower()]}?)"
    return f"unknown {kind} {value!r}{suggest(value, known)}"
