"""Article-level evidence for places: a bare ambiguous name counts when the article names its Kreis or Land.

The resolver marks a `context` name without a cue as weak, and lets homonyms (`Neuenkirchen` ×11)
share one extent. Here, per article:
- anchors are places named unambiguously (strong, one reading); their Kreise and Länder, plus the
  Länder named explicitly, are the article's geography;
- a weak name counts when its Kreis is in that geography, or its Land (not for names that are
  ordinary words or surnames: `Berg` in an article about Bayern is still a mountain);
- homonyms keep the single reading supported that way (Kreis first, then Land); with none or
  several, the mention is dropped: a wrong place is worse than none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping

from nlp.taxonomy import Taxonomy

Mention = tuple[int, int, bool]  # (start char, end char, weak)


def kreis_of(id_: str) -> str:
    return id_[:5]


def drop_places_in_names(aggs: MutableMapping[tuple[str, str], object], names: list[tuple[int, int]],
                         make: Callable[[list[Mention]], object], seats: Mapping[int, str | None] | None = None,
                         taxonomy: Taxonomy | None = None) -> None:
    """A place inside an organisation's name is part of the name, not a mention of the place
    (`Universität Potsdam`, `Kommunale Datenverarbeitung Oldenburg`, `IHK Potsdam`); a city state's
    name keeps its city, as it keeps its Land (`Polizei Hamburg`). `seats` maps where a Land body's
    name starts to its Land (None: any): a place of that Land right there is its seat, named as a
    place (`das Kieler Innenministerium`, `der Schweriner Landtag`): Land bodies are never named after
    a town."""
    if not names:
        return
    lands = {(s, e) for key, agg in aggs.items() if key[0] == "state" for s, e, _ in agg.mentions}  # type: ignore[attr-defined]
    seats = seats or {}

    def seat(id_: str, start: int) -> bool:
        entry = taxonomy.get("municipality", id_) if taxonomy is not None and start in seats else None
        return entry is not None and seats[start] in (None, entry.parent)

    for key, agg in list(aggs.items()):
        if key[0] != "municipality":
            continue
        kept = [m for m in agg.mentions  # type: ignore[attr-defined]
                if (m[0], m[1]) in lands or seat(key[1], m[0])
                or not any(s <= m[0] and m[1] <= e and (s, e) != (m[0], m[1]) for s, e in names)]
        if len(kept) != len(agg.mentions):  # type: ignore[attr-defined]
            if kept:
                aggs[key] = make(kept)
            else:
                del aggs[key]


def support_places(aggs: MutableMapping[tuple[str, str], object], taxonomy: Taxonomy,
                   make: Callable[[list[Mention]], object]) -> None:
    """Rewrite the municipality aggregates of one article in place (`make` builds a new aggregate)."""
    muni = {key[1]: agg.mentions for key, agg in aggs.items() if key[0] == "municipality"}  # type: ignore[attr-defined]
    if not muni:
        return
    readings: dict[tuple[int, int], list[str]] = {}
    for id_, mentions in muni.items():
        for start, end, _weak in mentions:
            readings.setdefault((start, end), []).append(id_)
    anchored = {id_ for id_, mentions in muni.items()
                if any(not weak and len(readings[(s, e)]) == 1 for s, e, weak in mentions)}
    if len(anchored) == len(muni) and all(len(r) == 1 for r in readings.values()):
        return  # nothing ambiguous: the common case costs one pass
    entry = {id_: taxonomy.get("municipality", id_) for id_ in muni}
    kreise = {kreis_of(i) for i in anchored}
    lands = {entry[i].parent for i in anchored if entry[i] is not None}
    lands |= {key[1] for key, agg in aggs.items()
              if key[0] == "state" and any(not m[2] for m in agg.mentions)}  # type: ignore[attr-defined]

    def word(id_: str) -> bool:
        return bool(entry[id_] is not None and entry[id_].data.get("word"))

    def by_kreis(id_: str) -> bool:
        return kreis_of(id_) in kreise

    def by_land(id_: str) -> bool:
        return not word(id_) and entry[id_] is not None and entry[id_].parent in lands

    out: dict[str, list[Mention]] = {i: [] for i in muni}
    for id_, mentions in muni.items():
        for start, end, weak in mentions:
            ids = readings[(start, end)]
            if len(ids) == 1:
                out[id_].append((start, end, weak and not (by_kreis(id_) or by_land(id_))))
                continue
            if ids[0] != id_:
                continue  # each shared extent is decided once, by its first reading
            chosen = [i for i in ids if by_kreis(i)] or [i for i in ids if by_land(i)]
            if len(chosen) == 1:
                out[chosen[0]].append((start, end, False))
    for id_, mentions in out.items():
        key = ("municipality", id_)
        if mentions:
            aggs[key] = make(mentions)
        else:
            del aggs[key]
