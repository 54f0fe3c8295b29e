"""Read the Destatis place data (`data/kreise.csv`, `data/gemeinden.csv`) and judge place names.

Both files are checked row by row: a broken row stops the build with one line naming the file, the
line and the field (`gemeinden.csv: line 12: field 'ags': '0100X000' is not an 8-digit AGS`), so an
editor who updates the data never meets a traceback. The name helpers decide which names can stand
alone in running text and which need a cue (docs/taxonomy.md, "Ambiguous names").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.taxonomy import STATE_AGS, TaxonomyError

LAND_BY_AGS = {v: k for k, v in STATE_AGS.items()}
GEMEINDE_KINDS = frozenset({"kreisfreie Stadt", "Stadtkreis", "Stadt", "große Kreisstadt", "Markt",
                            "kreisangehörige Gemeinde"})
#: Gemeindeverbände that are places of their own ("erfüllende Gemeinde" is a Gemeinde acting for others).
VERBAND_KINDS = ("Amt", "Samtgemeinde", "Verbandsgemeinde", "Verwaltungsgemeinschaft", "Verwaltungsverband",
                 "Kirchspielslandgemeinde")
GEMEINDE_COLUMNS = ("ags", "name", "official_name", "kind", "population", "postcode", "verband", "verband_kind",
                    "kreis_ags", "kreis", "land")
KREIS_COLUMNS = ("AGS", "type", "name", "population")
LAND_NAMES = {"Schleswig-Holstein": "01", "Hamburg": "02", "Niedersachsen": "03", "Bremen": "04",
              "Nordrhein-Westfalen": "05", "Hessen": "06", "Rheinland-Pfalz": "07", "Baden-Württemberg": "08",
              "Bayern": "09", "Saarland": "10", "Berlin": "11", "Brandenburg": "12", "Mecklenburg-Vorpommern": "13",
              "Sachsen": "14", "Sachsen-Anhalt": "15", "Thüringen": "16"}

QUALIFIER = re.compile(r"\s*\(.*\)$|\s*/.*$|\s+(?:am|an der|an|im|in der|in|i\.d\.|a\.d\.|a\.|i\.|v\.d\.|v\. d\.|"
                       r"b\.|bei|ob der|vor der)(?:\s+|(?=[A-ZÄÖÜ])).*$")
EXPANSIONS = ((r"\bi\.\s?d\.\s*", "in der "), (r"\ba\.\s?d\.\s*", "an der "), (r"\bv\.\s?d\.\s*", "vor der "),
              (r"\ba\.(?=\s?[A-ZÄÖÜ])\s?", "am "), (r"\bi\.(?=\s?[A-ZÄÖÜ])\s?", "im "), (r"\bb\.(?=\s?[A-ZÄÖÜ])\s?", "bei "),
              (r"\bOPf\.", "Oberpfalz"), (r"\bSt\.\s?", "Sankt "))


@dataclass(frozen=True)
class Gemeinde:
    ags: str
    name: str
    official: str
    kind: str
    population: int
    verband: str
    verband_kind: str
    kreis_ags: str
    line: int


@dataclass(frozen=True)
class Kreis:
    ags: str
    type: str
    official: str
    population: int
    line: int


def _fail(path: Path, line: int, field: str, problem: str) -> TaxonomyError:
    return TaxonomyError(f"{path.name}: line {line}: field {field!r}: {problem}")


def _rows(path: Path, columns: Iterable[str], delimiter: str) -> Iterable[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise TaxonomyError(f"{path.name}: file not found")
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise _fail(path, 1, missing[0], "missing column in the header")
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    raise _fail(path, line, next(iter(columns)), f"expected {len(reader.fieldnames or [])} fields")
                yield line, row
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"{path.name}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise TaxonomyError(f"{path.name}: CSV error: {exc}") from None


def _int(path: Path, line: int, field: str, value: str) -> int:
    if not re.fullmatch(r"\d+", value or ""):
        raise _fail(path, line, field, f"{value!r} is not a whole number")
    return int(value)


def read_gemeinden(path: Path) -> list[Gemeinde]:
    """Every Gemeinde of gemeinden.csv, validated (AGS shape, Land, Kreis prefix, kinds, population)."""
    out: list[Gemeinde] = []
    seen: set[str] = set()
    for line, row in _rows(path, GEMEINDE_COLUMNS, ","):
        ags = row["ags"]
        if not re.fullmatch(r"\d{8}", ags):
            raise _fail(path, line, "ags", f"{ags!r} is not an 8-digit AGS")
        if ags in seen:
            raise _fail(path, line, "ags", f"duplicate AGS {ags}")
        seen.add(ags)
        if ags[:2] not in LAND_BY_AGS:
            raise _fail(path, line, "ags", f"{ags!r} starts with no Land code")
        if not row["name"].strip():
            raise _fail(path, line, "name", "empty")
        if row["kind"] not in GEMEINDE_KINDS:
            raise _fail(path, line, "kind", f"unknown kind {row['kind']!r}")
        if row["kreis_ags"] != ags[:5]:
            raise _fail(path, line, "kreis_ags", f"{row['kreis_ags']!r} is not the first five digits of {ags}")
        if LAND_NAMES.get(row["land"]) != ags[:2]:
            raise _fail(path, line, "land", f"{row['land']!r} is not the Land of AGS {ags}")
        if row["verband_kind"] and row["verband_kind"] not in (*VERBAND_KINDS, "erfüllende Gemeinde"):
            raise _fail(path, line, "verband_kind", f"unknown kind {row['verband_kind']!r}")
        if bool(row["verband"]) != bool(row["verband_kind"]):
            raise _fail(path, line, "verband", "verband and verband_kind must both be set or both be empty")
        out.append(Gemeinde(ags, " ".join(row["name"].split()), row["official_name"], row["kind"],
                            _int(path, line, "population", row["population"]), row["verband"].strip(),
                            row["verband_kind"], row["kreis_ags"], line))
    if not out:
        raise TaxonomyError(f"{path.name}: no rows")
    return out


def read_kreise(path: Path) -> list[Kreis]:
    """Every Kreis of kreise.csv, validated."""
    out: list[Kreis] = []
    for line, row in _rows(path, KREIS_COLUMNS, ";"):
        ags = row["AGS"]
        if not re.fullmatch(r"\d{5}", ags) or ags[:2] not in LAND_BY_AGS:
            raise _fail(path, line, "AGS", f"{ags!r} is not a 5-digit Kreis AGS")
        if not row["name"].strip():
            raise _fail(path, line, "name", "empty")
        out.append(Kreis(ags, row["type"], row["name"], _int(path, line, "population", row["population"]), line))
    return out


def short_name(base: str) -> str:
    """`Frankfurt am Main` → Frankfurt, `Weiden i.d.OPf.` → Weiden, `Halle (Saale)` → Halle,
    `Breitungen/Werra` → Breitungen."""
    return QUALIFIER.sub("", base).strip()


def expand(base: str) -> str:
    """`Bad Homburg v. d. Höhe` → Bad Homburg vor der Höhe, `Neumarkt i.d.OPf.` → … in der Oberpfalz."""
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


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """German word forms (spacy-lookups-data): lower-case forms, and the forms of each lemma."""
    from nlp.patterns import _lemma_table

    table = _lemma_table()
    forms: dict[str, set[str]] = {}
    for form, lemma in table.items():
        forms.setdefault(lemma, set()).add(form)
    from spacy.lang.de.stop_words import STOP_WORDS

    lower = frozenset(k for k in table if k.islower()) | frozenset(k for k in forms if k.islower()) | STOP_WORDS
    return lower, {k: frozenset(v) for k, v in forms.items()}


def is_common_word(name: str) -> bool:
    """True when `name` is also an ordinary German word: a verb/adjective/conjunction (`Essen`, `Weil`,
    `Leer`) or a noun with real inflected forms (`Berg` → Berge, `Linden` → Linde, `Halle` → Hallen)."""
    if " " in name:
        return False
    from nlp.patterns import _lemma_table

    lower, forms = _words()
    if name.lower() in lower:
        return True
    lemma = _lemma_table().get(name)
    if lemma is not None and lemma != name:
        return True
    return bool(forms.get(name, frozenset()) - {name, name + "s", name + "es"})
