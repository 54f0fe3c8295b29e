"""Generic names of Land bodies (`die Landesregierung`, `das Innenministerium`, `Hessens
Digitalministerin`, `des Senats`) resolved to the body of the article's Land.

The register lists such nouns as `generic` forms of each Land's body (actors.yaml, with `land`).
The resolver marks them weak and lets the sixteen readings share one extent; here, per article:
- a Land named right before the noun decides (`Hessens Digitalministerin`, `die hessische
  Landesregierung`);
- else, when the article names exactly one Land (explicitly, or through its places), that Land's body;
- else the mention is dropped: `die Landesregierung` of an article about three Länder is nobody's.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from nlp.taxonomy import Taxonomy

Mention = tuple[int, int, bool]


def support_generic(aggs: MutableMapping[tuple[str, str], object], taxonomy: Taxonomy, text: str,
                    make: Callable[[list[Mention]], object]) -> None:
    """Rewrite the actor aggregates of one article in place."""
    generic: dict[tuple[int, int], list[str]] = {}
    for (kind, id_), agg in aggs.items():
        if kind != "actor" or all(not m[2] for m in agg.mentions):  # type: ignore[attr-defined]
            continue
        entry = taxonomy.get("actor", id_)
        if entry is None or not entry.data.get("land"):
            continue
        for start, end, weak in agg.mentions:  # type: ignore[attr-defined]
            if weak:
                generic.setdefault((start, end), []).append(id_)
    if not generic:
        return
    states = {key[1]: agg.mentions for key, agg in aggs.items()  # type: ignore[attr-defined]
              if key[0] == "state" and any(not m[2] for m in agg.mentions)}  # type: ignore[attr-defined]
    lands = set(states)
    for (kind, id_), agg in aggs.items():
        if kind == "municipality" and any(not m[2] for m in agg.mentions):  # type: ignore[attr-defined]
            entry = taxonomy.get("municipality", id_)
            if entry is not None and entry.parent:
                lands.add(entry.parent)
    keep: dict[str, list[Mention]] = {}
    for (start, end), ids in generic.items():
        land = _adjacent(states, start, text)
        if land is None and len(lands) == 1:
            land = next(iter(lands))
        chosen = [i for i in ids if taxonomy.get("actor", i).data.get("land") == land] if land else []
        if len(chosen) == 1:
            keep.setdefault(chosen[0], []).append((start, end, False))
    for (kind, id_), agg in list(aggs.items()):
        if kind != "actor" or id_ not in {i for ids in generic.values() for i in ids}:
            continue
        mentions = [m for m in agg.mentions if not m[2]] + keep.get(id_, [])  # type: ignore[attr-defined]
        if mentions:
            aggs[(kind, id_)] = make(mentions)
        else:
            del aggs[(kind, id_)]


def _adjacent(states: dict[str, list[Mention]], start: int, text: str) -> str | None:
    """The Land whose mention ends right before `start` (one space between): `Hessens Digitalministerin`."""
    for land, mentions in states.items():
        for _s, e, _ in mentions:
            if e < start and start - e <= 2 and not text[e:start].strip():
                return land
    return None
