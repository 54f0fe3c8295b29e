"""Generate `nlp/taxonomy/places.yaml` from Destatis data (`data/kreise.csv`, `data/gemeinden.csv`) and
the hand-written `data/places_extra.yaml`.

Run `python -m nlp.build_places` after editing an input; `--check` exits 1 when places.yaml is out of
date (the tests use it). The generated file lists every match form explicitly, so editors can read
exactly what will match, and which forms need a cue (`context`) or a Kreis-headed list (`list_names`).

Who owns a bare name (rules with evidence, docs/taxonomy.md "Places"):
- a Kreis whose bare name is also a Gemeinde's name keeps it only inside "die Landkreise A, B und C"
  (`Gifhorn`, `Celle` are the cities; `Oldenburg` the kreisfreie Stadt);
- a name several Gemeinden share goes to the largest when it has ≥ 50,000 inhabitants and ten times the
  next (`Oldenburg` over Oldenburg in Holstein); otherwise every homonym keeps it as a `context` form and
  the tagger picks the one whose Kreis or Land the article names (`Neuenkirchen` ×11);
- a name that is an ordinary word or a surname (`Weil`, `Berg`, `Roth`), or a place under 10,000
  inhabitants, is a `context` form: it counts after a cue (`Gemeinde`, `in`, `Bürgermeister von`) or
  with its Kreis/Land in the article.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.gazetteer import (
    LAND_BY_AGS,
    VERBAND_KINDS,
    Gemeinde,
    Kreis,
    city_adjectives,
    expand,
    is_common_word,
    read_gemeinden,
    read_kreise,
    short_name,
)
from nlp.taxonomy import DEFAULT_DIR, TaxonomyError, _read_yaml

ATTRIBUTION = (
    "Municipality data: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, "
    "extract AuszugGV4QAktuell (territorial status end of 2020, populations 31.12.2019), Datenlizenz "
    "Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), © Statistisches Bundesamt (Destatis), 2021. "
    "District data: Destatis GV-ISys, \"Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung und "
    "Bevölkerungsdichte\", as packaged in the npm package landkreise-deutschland 3.0.0. Licence: CC BY 4.0, "
    "© Statistisches Bundesamt (Destatis), Daten im Auftrag der Herausgebergemeinschaft Statistische Ämter "
    "des Bundes und der Länder."
)
CITY_TYPES = ("Kreisfreie Stadt", "Stadtkreis")
PREFIXES = ("Landkreis ", "Region ", "Städteregion ", "Regionalverband ", "Eifelkreis ", "Altmarkkreis ")
#: A bare name stands alone from this size on (below it: cue or Kreis/Land in the article) …
STRONG_POP = 10_000
#: … and a word-like name from this size on (`Siegen`, `Erlangen`; hand-listed exceptions: `Essen`).
PRIOR_POP = 50_000
#: How much larger the largest homonym must be to own a shared name.
PRIOR_RATIO = 10
VERBAND_FORMS = {
    "Amt": ("Amt {}", "Amtes {}", "Amts {}"),
    "Samtgemeinde": ("Samtgemeinde {}",),
    "Verbandsgemeinde": ("Verbandsgemeinde {}", "VG {}", "Verbandsgemeindeverwaltung {}"),
    "Verwaltungsgemeinschaft": ("Verwaltungsgemeinschaft {}",),
    "Verwaltungsverband": ("Gemeindeverwaltungsverband {}", "Verwaltungsverband {}", "GVV {}"),
    "Kirchspielslandgemeinde": ("Kirchspielslandgemeinde {}",),
}


class _Quoted(str):
    """A string always written quoted, so `09464` can never be read back as a number."""


for _dumper in {yaml.SafeDumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)}:
    _dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))


@dataclass
class Place:
    id: str
    name: str
    official: str
    type: str
    population: int = 0
    kreis: str = ""
    names: set[str] = field(default_factory=set)  # strong forms
    bare: set[str] = field(default_factory=set)  # short names whose owner the collision rules decide
    context: set[str] = field(default_factory=set)
    list_names: set[str] = field(default_factory=set)
    adjectives: list[str] = field(default_factory=list)
    hand_forms: set[str] = field(default_factory=set)  # strong forms another place shares
    needs_cue: set[str] = field(default_factory=set)  # bare names an override marks as ambiguous
    hand: bool = False
    word: bool = False

    def add(self, *forms: str) -> None:
        self.names.update(" ".join(f.split()) for f in forms if f.strip())


def slug(text: str) -> str:
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def from_kreis(k: Kreis) -> Place:
    base, _, suffix = k.official.partition(", ")
    short = short_name(base)
    if k.type in CITY_TYPES:
        place = Place(k.ags, short, k.official, k.type, k.population)
        place.add(base, expand(base), f"Stadt {short}", f"Stadt {base}")
        place.bare.add(short)
        if suffix in ("Landeshauptstadt", "Hansestadt"):
            place.add(f"{suffix} {short}")
        if k.type == "Stadtkreis":
            place.add(f"Stadtkreis {short}")
        return place
    if base.startswith(PREFIXES):
        place = Place(k.ags, base, k.official, k.type, k.population)
        place.add(base)
        if base.startswith("Städteregion "):
            place.add(base.replace("Städteregion", "StädteRegion"))
        place.bare.add(base.split(" ", 1)[1])
        return place
    if re.search(r"(?:kreis|Kreis|Land)$", base):
        place = Place(k.ags, base, k.official, k.type, k.population)
        place.add(base)
        return place
    place = Place(k.ags, f"{k.type} {base}", k.official, k.type, k.population)
    place.add(f"{k.type} {base}", f"{k.type} {expand(base)}", f"Kreis {base}")
    if k.type == "Landkreis":
        place.add(f"Landkreis {base}")
    if short != base:
        place.add(f"{k.type} {short}")
    else:
        place.bare.add(base)
    return place


def from_gemeinde(g: Gemeinde) -> Place:
    place = Place(g.ags, g.name, g.official, g.kind, g.population, g.kreis_ags)
    full, short = g.name, short_name(g.name)
    place.bare.update({full, expand(full), short} - {""})
    if g.kind in ("Stadt", "große Kreisstadt"):
        place.add(f"Stadt {full}")
    return place


def verband_name(raw: str) -> str:
    """`Bergtheim (VGem)` → Bergtheim, `GVV Oberes Gäu` → Oberes Gäu, `VVG der Stadt Gernsbach` → Gernsbach."""
    name = re.sub(r"\s*\(VGem\)$", "", raw)
    name = re.sub(r"^(?:GVV|VVG|VV)\s+(?:der\s+(?:Gemeinde|Stadt)\s+)?", "", name)
    return re.sub(r"^Verwaltungsgemeinschaft\s+", "", name).strip()


def verbande(gemeinden: list[Gemeinde]) -> dict[str, Place]:
    """One place per Amt / Samtgemeinde / Verbandsgemeinde / Verwaltungsgemeinschaft / -verband, keyed
    `KKKKK-slug` (its Kreis and its name: Destatis gives Verbände no key in this extract)."""
    out: dict[str, Place] = {}
    for g in gemeinden:
        if g.verband_kind not in VERBAND_KINDS:
            continue
        name = verband_name(g.verband)
        id_ = f"{g.kreis_ags}-{slug(name)}"
        place = out.get(id_)
        if place is None:
            place = out[id_] = Place(id_, f"{g.verband_kind} {name}", g.verband, g.verband_kind, kreis=g.kreis_ags)
            for pattern in VERBAND_FORMS[g.verband_kind]:
                place.add(*(pattern.format(n) for n in {name, expand(name), short_name(name)} if n))
        place.population += g.population
    return out


def state_names(taxonomy_dir: Path) -> dict[str, str | None]:
    """Forms of the Länder (a place may not use them, except a city state's own city)."""
    doc = _read_yaml(taxonomy_dir / "states.yaml")
    out: dict[str, str | None] = {}
    for state in doc["states"]:
        for form in [state["name"], *state.get("forms", [])]:
            out[form] = state.get("municipality")
    return out


def build(taxonomy_dir: Path = DEFAULT_DIR) -> str:
    data = taxonomy_dir / "data"
    extra = _read_yaml(data / "places_extra.yaml")
    if not isinstance(extra, dict) or not extra.get("version"):
        raise TaxonomyError("places_extra.yaml: top level must be a mapping with 'version'")
    for key, kind in (("overrides", dict), ("owners", dict), ("deny_bare", list), ("deny_adjectives", list),
                      ("person_names", list), ("person_cues", list), ("context_cues", list), ("block", list)):
        if not isinstance(extra.get(key, kind()), kind):
            raise TaxonomyError(f"places_extra.yaml: {key!r} must be a {'mapping' if kind is dict else 'list'}")
    kreise = read_kreise(data / "kreise.csv")
    gemeinden = read_gemeinden(data / "gemeinden.csv")
    places: dict[str, Place] = {k.ags: from_kreis(k) for k in kreise}
    for g in gemeinden:
        if g.kind in ("kreisfreie Stadt", "Stadtkreis"):  # the Kreis entry is the city (5-digit id)
            if g.kreis_ags not in places:
                raise TaxonomyError(f"gemeinden.csv: line {g.line}: field 'kreis_ags': {g.kreis_ags} not in kreise.csv")
            places[g.kreis_ags].population = g.population
            continue
        places[g.ags] = from_gemeinde(g)
    places.update(verbande(gemeinden))
    persons = set(extra.get("person_names", []))
    for ags, ov in extra.get("overrides", {}).items():
        place = places.get(ags)
        if place is None:
            raise TaxonomyError(f"places_extra.yaml: entry {ags!r}: no such place in kreise.csv or gemeinden.csv")
        place.hand = bool(ov.get("names")) or place.hand
        place.add(*ov.get("names", []))
        if ov.get("no_bare"):
            place.bare.clear()
        for form in ov.get("context", []):  # still a claimant of the bare name, but always needs a cue
            place.names.discard(form)
            place.bare.add(form)
            place.needs_cue.add(form)
        place.adjectives.extend(ov.get("adjectives", []))
    _own_bare_names(places, extra, state_names(taxonomy_dir), persons)
    deny_adj = set(extra.get("deny_adjectives", []))
    context_ids = {a for a, ov in extra.get("overrides", {}).items() if ov.get("context") or ov.get("no_bare")}
    for ags, place in places.items():
        strong = [n for n in place.names if n == place.name or n == short_name(place.name)]
        if len(ags) != 5 or place.type in CITY_TYPES:
            if place.population >= PRIOR_POP and strong and ags not in context_ids:
                place.adjectives.extend(city_adjectives(short_name(place.name)))
        place.adjectives = [a for a in dict.fromkeys(place.adjectives) if a not in deny_adj]
    _share_adjectives(places)
    return _dump(places, extra, data)


def _own_bare_names(places: dict[str, Place], extra: dict, states: dict[str, str | None], persons: set[str]) -> None:
    """Give every bare name to its owner as a strong or context form (rules in the module docstring)."""
    owners = extra.get("owners", {})
    deny = set(extra.get("deny_bare", []))
    shared: dict[str, list[Place]] = {}
    for place in places.values():
        for form in place.bare | place.names:
            shared.setdefault(form, []).append(place)
    for form, claimants in shared.items():
        if form in deny:
            for p in claimants:
                p.names.discard(form)
        elif len(claimants) > 1:  # a shared strong form (`Stadt Frankfurt`) is decided like a bare one
            for p in claimants:
                if form in p.names:
                    p.names.discard(form)
                    p.bare.add(form)
                    p.hand_forms.add(form)
    claims: dict[str, list[Place]] = {}
    for place in places.values():
        for form in place.bare:
            claims.setdefault(form, []).append(place)
    for form, claimants in claims.items():
        if form in deny:
            continue
        if form in states:
            city = states[form]
            if city is not None and city in {p.id for p in claimants}:
                places[city].add(form)
            continue
        if form in owners:
            places[owners[form]].add(form)
            continue
        districts = [p for p in claimants if len(p.id) == 5 and p.type not in CITY_TYPES]
        towns = [p for p in claimants if p not in districts]
        if towns:
            for d in districts:  # `Gifhorn` is the town; the Kreis only in "die Landkreise Gifhorn und Celle"
                d.list_names.add(form)
        else:
            towns = districts
        towns.sort(key=lambda p: -p.population)
        word = is_common_word(form) or form in persons
        if len(towns) > 1 and not (towns[0].population >= PRIOR_POP
                                   and towns[0].population >= PRIOR_RATIO * towns[1].population):
            for p in towns:  # homonyms: the tagger picks the one whose Kreis or Land is named
                p.context.add(form)
                p.word = p.word or word
            continue
        owner = towns[0]
        big = owner.population >= (PRIOR_POP if word else STRONG_POP)
        if form in owner.needs_cue:
            owner.context.add(form)
        elif (owner.hand or big or form in owner.hand_forms or (len(owner.id) == 5 and not word)
              or (len(towns) == 1 and short_name(form) != form)):  # `Oldenburg in Holstein` is specific
            owner.add(form)
        else:
            owner.context.add(form)
            owner.word = owner.word or word
    for place in places.values():
        place.context -= place.names


def _share_adjectives(places: dict[str, Place]) -> None:
    """An -er adjective two places would generate belongs to the larger one (or nobody when close)."""
    claims: dict[str, list[Place]] = {}
    for place in places.values():
        for adj in place.adjectives:
            claims.setdefault(adj, []).append(place)
    for adj, claimants in claims.items():
        if len(claimants) < 2:
            continue
        claimants.sort(key=lambda p: -p.population)
        keep = claimants[0] if claimants[0].population >= PRIOR_RATIO * claimants[1].population else None
        for p in claimants:
            if p is not keep:
                p.adjectives.remove(adj)


def _dump(places: dict[str, Place], extra: dict, data: Path) -> str:
    digest = hashlib.sha1((data / "kreise.csv").read_bytes() + (data / "gemeinden.csv").read_bytes()).hexdigest()[:8]
    out = []
    for id_ in sorted(places):
        place = places[id_]
        entry: dict = {"id": _Quoted(id_), "name": place.name, "official": place.official, "type": place.type,
                       "land": LAND_BY_AGS[id_[:2]]}
        if place.kreis and place.kreis != id_:
            entry["kreis"] = _Quoted(place.kreis)
        if place.population:
            entry["population"] = place.population
        entry["names"] = sorted(place.names, key=lambda f: (-len(f), f))
        for key, value in (("adjectives", place.adjectives), ("context", sorted(place.context)),
                           ("list_names", sorted(place.list_names))):
            if value:
                entry[key] = value
        if place.word:
            entry["word"] = True
        out.append(entry)
    doc = {
        "version": f"{extra['version']}+destatis-{digest}",
        "generated_by": "python -m nlp.build_places (edit data/places_extra.yaml, not this file)",
        "attribution": ATTRIBUTION,
        "context_cues": extra.get("context_cues", []),
        "person_cues": extra.get("person_cues", []),
        "block": extra.get("block", []),
        "places": out,
    }
    header = ("# GENERATED by `python -m nlp.build_places` from data/kreise.csv, data/gemeinden.csv and "
              "data/places_extra.yaml.\n# Do not edit by hand. " + ATTRIBUTION + "\n")
    return header + yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                              sort_keys=False, width=110, default_flow_style=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 if places.yaml is out of date")
    args = parser.parse_args(argv)
    try:
        text = build(args.taxonomy)
    except TaxonomyError as exc:
        print(exc, file=sys.stderr)
        return 2
    target = args.taxonomy / "places.yaml"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python -m nlp.build_places", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count('- id:')} places)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
