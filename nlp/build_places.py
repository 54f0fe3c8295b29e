"""Generate `nlp/taxonomy/places.yaml` from `data/kreise.csv` (Destatis) and `data/places_extra.yaml`.

Run `python -m nlp.build_places` after editing either input; `--check` exits 1 when places.yaml is
out of date (the tests use it). The generated file lists every match form explicitly, so editors can
read exactly what will match.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.taxonomy import DEFAULT_DIR, STATE_AGS

ATTRIBUTION = (
    "District data: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, "
    "\"Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung und Bevölkerungsdichte\", as packaged in "
    "the npm package landkreise-deutschland 3.0.0. Licence: CC BY 4.0, © Statistisches Bundesamt (Destatis), "
    "Daten im Auftrag der Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder."
)
CITY_TYPES = ("Kreisfreie Stadt", "Stadtkreis")
PREFIXES = ("Landkreis ", "Region ", "Städteregion ", "Regionalverband ", "Eifelkreis ", "Altmarkkreis ")
QUALIFIER = re.compile(r"\s*\(.*\)$|\s+(?:am|an der|an|im|in der|in|i\.d\.|a\.d\.|a\.|i\.|v\.d\.)(?:\s+|(?=[A-ZÄÖÜ])).*$")
EXPANSIONS = ((r"\bi\.d\.\s*", "in der "), (r"\ba\.d\.\s*", "an der "), (r"\bv\.d\.\s*", "vor der "),
              (r"\ba\.(?=[A-ZÄÖÜ])", "am "), (r"\bi\.(?=[A-ZÄÖÜ])", "im "), (r"\bOPf\.", "Oberpfalz"))
PRIORITY = {"hand": 3, "city": 2, "district": 1, "weak": 0}
LAND_BY_AGS = {v: k for k, v in STATE_AGS.items()}


class _Quoted(str):
    """A string always written quoted, so `09464` can never be read back as a number."""


yaml.SafeDumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"'))


@dataclass
class Place:
    ags: str
    name: str
    official: str
    type: str
    origin: str  # hand | city | district
    forms: dict[str, int] = field(default_factory=dict)  # form → priority
    bare: set[str] = field(default_factory=set)
    adjectives: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)

    def add(self, form: str, priority: int, bare: bool = False) -> None:
        form = " ".join(form.split())
        if form and priority > self.forms.get(form, -1):
            self.forms[form] = priority
        if bare:
            self.bare.add(form)


def short_name(base: str) -> str:
    """`Frankfurt am Main` → Frankfurt, `Weiden i.d.OPf.` → Weiden, `Halle (Saale)` → Halle."""
    return QUALIFIER.sub("", base).strip()


def expand(base: str) -> str:
    for pattern, repl in EXPANSIONS:
        base = re.sub(pattern, repl, base)
    return " ".join(base.split())


def city_adjectives(short: str) -> list[str]:
    """`Köln` → Kölner, `Göttingen` → Göttinger, `Jena` → Jenaer, `Celle` → Celler, `Darmstadt` → Darmstädter."""
    if re.search(r"(?:ing|ang|ung)en$", short):
        return [short[:-2] + "er"]
    if short.endswith("stadt"):
        return [short[:-5] + "städter"]
    if short.endswith("e"):
        return [short + "r"]
    return [short + "er"]


def from_csv(row: dict[str, str]) -> Place:
    ags, typ, official = row["AGS"], row["type"], row["name"]
    base, _, suffix = official.partition(", ")
    short = short_name(base)
    if typ in CITY_TYPES:
        place = Place(ags, short, official, typ, "city")
        prio = PRIORITY["city"]
        for form in (base, expand(base), f"Stadt {short}", f"Stadt {base}"):
            place.add(form, prio)
        place.add(short, prio, bare=True)
        if suffix in ("Landeshauptstadt", "Hansestadt"):
            place.add(f"{suffix} {short}", prio)
        if typ == "Stadtkreis":
            place.add(f"Stadtkreis {short}", prio)
        return place
    prio = PRIORITY["district"]
    if base.startswith(PREFIXES):
        place = Place(ags, base, official, typ, "district")
        place.add(base, prio)
        place.add(base.split(" ", 1)[1], PRIORITY["weak"], bare=True)
        if base.startswith("Städteregion "):
            place.add(base.replace("Städteregion", "StädteRegion"), prio)
        return place
    if re.search(r"(?:kreis|Kreis|Land)$", base):
        place = Place(ags, base, official, typ, "district")
        place.add(base, prio)
        return place
    label = f"{typ} {base}"
    place = Place(ags, label, official, typ, "district")
    for form in {label, f"{typ} {expand(base)}", f"Kreis {base}", f"Landkreis {base}" if typ == "Landkreis" else ""}:
        place.add(form, prio)
    if short != base:
        place.add(f"{typ} {short}", prio)
    else:
        place.add(base, prio, bare=True)
    return place


def from_hand(item: dict) -> Place:
    name = item["name"]
    short = short_name(name)
    place = Place(item["ags"], short, name, "Stadt (kreisangehörig)", "hand")
    prio = PRIORITY["hand"]
    for form in (name, expand(name), f"Stadt {short}", *item.get("names", [])):
        place.add(form, prio)
    place.add(short, prio, bare=True)
    return place


def state_names(taxonomy_dir: Path) -> dict[str, str | None]:
    """Forms of the Länder (a place may not use them, except a city state's own city)."""
    doc = yaml.safe_load((taxonomy_dir / "states.yaml").read_text(encoding="utf-8"))
    out: dict[str, str | None] = {}
    for state in doc["states"]:
        for form in [state["name"], *state.get("forms", [])]:
            out[form] = state.get("municipality")
    return out


def build(taxonomy_dir: Path = DEFAULT_DIR) -> str:
    data = taxonomy_dir / "data"
    extra = yaml.safe_load((data / "places_extra.yaml").read_text(encoding="utf-8"))
    with open(data / "kreise.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    places = {row["AGS"]: from_csv(row) for row in rows}
    for item in extra.get("cities", []):
        places[item["ags"]] = from_hand(item)
    overrides = extra.get("overrides", {})
    for ags, ov in overrides.items():
        place = places[ags]
        for form in ov.get("names", []):
            place.add(form, PRIORITY["hand"])
        if ov.get("no_bare"):
            for form in place.bare:
                place.forms.pop(form, None)
        for form in ov.get("context", []):
            place.forms.pop(form, None)
            place.context.append(form)
        place.adjectives.extend(ov.get("adjectives", []))
    # city adjectives (generated), except for places whose bare name needs context
    deny_adj = set(extra.get("deny_adjectives", []))
    for ags, place in places.items():
        ov = overrides.get(ags, {})
        if place.origin in ("hand", "city") and not ov.get("no_bare") and not ov.get("context"):
            place.adjectives.extend(city_adjectives(short_name(place.name)))
        place.adjectives = [a for a in dict.fromkeys(place.adjectives) if a not in deny_adj]
    _resolve_collisions(places, extra, state_names(taxonomy_dir))
    return _dump(places, extra, data)


def _resolve_collisions(places: dict[str, Place], extra: dict, states: dict[str, str | None]) -> None:
    """A form shared by several places goes to the owner, else the single highest priority, else nobody."""
    owners = extra.get("owners", {})
    deny = set(extra.get("deny_bare", []))
    claims: dict[str, list[tuple[int, str]]] = {}
    for ags, place in places.items():
        for form, prio in place.forms.items():
            claims.setdefault(form, []).append((prio, ags))
        for form in place.context:  # a bare name that needs context still belongs to its place
            claims.setdefault(form, []).append((PRIORITY[place.origin], ags))
        for form in place.adjectives:
            claims.setdefault("adj:" + form, []).append((PRIORITY[place.origin], ags))
    for form, claimants in claims.items():
        bare_form = form.removeprefix("adj:")
        winner: str | None
        if bare_form in owners:
            winner = owners[bare_form]
        elif bare_form in deny:
            winner = None
        else:
            top = max(p for p, _ in claimants)
            best = [a for p, a in claimants if p == top]
            winner = best[0] if len(best) == 1 else None
        if bare_form in states and states[bare_form] != winner:
            winner = None  # `Brandenburg` is the Land, not Brandenburg an der Havel
        for _, ags in claimants:
            if ags == winner:
                continue
            if form.startswith("adj:"):
                places[ags].adjectives.remove(bare_form)
            else:
                places[ags].forms.pop(form, None)
                if form in places[ags].context:
                    places[ags].context.remove(form)


def _dump(places: dict[str, Place], extra: dict, data: Path) -> str:
    csv_hash = hashlib.sha1((data / "kreise.csv").read_bytes()).hexdigest()[:8]
    out = []
    for ags in sorted(places):
        place = places[ags]
        entry: dict = {"id": _Quoted(ags), "name": place.name, "official": place.official, "type": place.type,
                       "land": LAND_BY_AGS[ags[:2]], "names": sorted(place.forms, key=lambda f: (-len(f), f))}
        if place.adjectives:
            entry["adjectives"] = place.adjectives
        if place.context:
            entry["context"] = place.context
        out.append(entry)
    doc = {
        "version": f"{extra['version']}+kreise-{csv_hash}",
        "generated_by": "python -m nlp.build_places (edit data/places_extra.yaml, not this file)",
        "attribution": ATTRIBUTION,
        "context_cues": extra.get("context_cues", []),
        "block": extra.get("block", []),
        "places": out,
    }
    header = ("# GENERATED by `python -m nlp.build_places` from data/kreise.csv and data/places_extra.yaml.\n"
              "# Do not edit by hand. " + ATTRIBUTION + "\n")
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 if places.yaml is out of date")
    args = parser.parse_args(argv)
    text = build(args.taxonomy)
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
