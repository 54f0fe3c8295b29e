"""Load and validate the taxonomy: the YAML files editors touch (`nlp/taxonomy/*.yaml`).

The files are data, the code only compiles them (see docs/taxonomy.md). Anything wrong in a file is a
`TaxonomyError` whose one-line message names the file, the entry and the problem, so an editor can fix
it without reading Python.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlp.yaml_io import Loader as _Loader
from nlp.yaml_io import entry_line as _entry_line

DEFAULT_DIR = Path(__file__).resolve().parent / "taxonomy"

#: Bump when the matching rules change, so stored tags made by older rules count as outdated.
MATCHER_VERSION = "1"

KINDS = ("actor", "state", "municipality", "topic")
FILES = {"actor": "actors.yaml", "state": "states.yaml", "municipality": "places.yaml", "topic": "topics.yaml"}
LIST_KEYS = {"actor": "actors", "state": "states", "municipality": "places", "topic": "topics"}
ACTOR_KINDS = frozenset(
    {"association", "ministry", "agency", "body", "company", "provider", "research", "civil-society", "eu",
     "security", "parliament", "government", "media"}
)
STATE_IDS = ("DE-SH", "DE-HH", "DE-NI", "DE-HB", "DE-NW", "DE-HE", "DE-RP", "DE-BW", "DE-BY", "DE-SL",
             "DE-BE", "DE-BB", "DE-MV", "DE-SN", "DE-ST", "DE-TH")
#: The first two AGS digits of each Land (Destatis numbering).
STATE_AGS = dict(zip(STATE_IDS, ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
                                 "13", "14", "15", "16"), strict=True))
MIN_STEM = 4
#: A place id: 5-digit Kreis AGS, 8-digit Gemeinde AGS, or `KKKKK-name` for a Gemeindeverband.
PLACE_ID = re.compile(r"\d{5}|\d{8}|\d{5}-[a-z0-9]+(?:-[a-z0-9]+)*")

# Allowed fields per kind: (name, type). "list" fields are lists of non-empty strings.
FIELDS: dict[str, dict[str, str]] = {
    "actor": {"id": "str", "name": "str", "abbr": "list", "aliases": "list", "exact": "list", "lemmas": "list",
              "stems": "list", "kind": "str", "website": "str", "since": "int", "until": "int", "successor": "list",
              "land": "str", "generic": "list", "note": "str"},
    "state": {"id": "str", "name": "str", "genitive": "list", "forms": "list", "adjectives": "list",
              "city_adjectives": "list", "abbr": "list", "ags": "str", "municipality": "str", "note": "str"},
    "municipality": {"id": "str", "name": "str", "official": "str", "type": "str", "land": "str", "kreis": "str",
                     "population": "int", "names": "list", "adjectives": "list", "context": "list",
                     "list_names": "list", "word": "bool", "note": "str"},
    "topic": {"id": "str", "name": "str", "parent": "str", "keywords": "list", "exact": "list", "abbr": "list",
              "stems": "list", "lemmas": "list", "token_regex": "list", "weak_keywords": "list", "weak_stems": "list",
              "note": "str"},
}
REQUIRED = {"actor": ("id", "name", "kind"), "state": ("id", "name", "ags"),
            "municipality": ("id", "name", "land"), "topic": ("id", "name")}
TOP_LEVEL = {"version", "block", "context_cues", "person_cues", "min_score", "attribution", "generated_by",
             "ignore_discovered"}


class TaxonomyError(ValueError):
    """A broken taxonomy file; the message is one line: `file: entry 'id': problem`."""


@dataclass(frozen=True, slots=True)
class Form:
    """One surface form to match.

    `case`: match case-sensitively (ORTH) instead of lower-cased; `inflect`: also match generated
    genitive/adjective variants; `flag`: "" (plain), "context" (needs a place cue such as `in`/`Stadt`),
    "noun" (an -er adjective that counts only before a capitalised word: `Dresdner Forderungen`),
    "weak" (generic evidence: the tag then needs the kind's `min_score`).
    """

    text: str
    case: bool = False
    inflect: bool = True
    flag: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One taxonomy entry, normalised across the four files."""

    kind: str
    id: str
    label: str
    forms: tuple[Form, ...]
    stems: tuple[str, ...] = ()
    weak_stems: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    token_regex: tuple[str, ...] = ()
    parent: str | None = None  # topic parent or the Land of a municipality
    data: Mapping[str, Any] = field(default_factory=dict, compare=False)
    fingerprint: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """The validated taxonomy of one directory."""

    directory: Path
    entries: Mapping[tuple[str, str], Entry]
    blockers: tuple[str, ...]
    context_cues: frozenset[str]
    person_cues: frozenset[str]
    ignored: frozenset[str]  # slugs of discovered organisations kept out for good (`radar actors ignore`)
    min_score: Mapping[str, float]
    version: str
    file_versions: Mapping[str, str]
    settings_fingerprint: str

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for (k, _), e in self.entries.items() if k == kind]

    def get(self, kind: str, id_: str) -> Entry | None:
        return self.entries.get((kind, id_))


def _err(file: str, entry: str | None, problem: str) -> TaxonomyError:
    where = f"{file}: entry {entry!r}: " if entry is not None else f"{file}: "
    return TaxonomyError(where + " ".join(problem.split()))


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise _err(path.name, None, "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _err(path.name, None, "not UTF-8 text (a binary file?)") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _err(path.name, None, f"YAML syntax error{where}: {problem}") from None


def _check_entry(file: str, kind: str, index: int, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _err(file, f"#{index + 1}", "an entry must be a mapping (id: …, name: …)")
    label = str(raw.get("id", f"#{index + 1}"))
    for key in REQUIRED[kind]:
        if raw.get(key) in (None, ""):
            raise _err(file, label, f"missing {key!r}")
    for key, value in raw.items():
        kind_of = FIELDS[kind].get(key)
        if kind_of is None:
            raise _err(file, label, f"unknown field {key!r} (allowed: {', '.join(FIELDS[kind])})")
        if kind_of == "int":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _err(file, label, f"{key!r} must be a whole number")
        elif kind_of == "bool":
            if not isinstance(value, bool):
                raise _err(file, label, f"{key!r} must be true or false")
        elif kind_of == "str":
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise _err(file, label, f"{key!r} must be a string")
            if not str(value).strip():
                raise _err(file, label, f"empty {key!r}")
        else:
            if not isinstance(value, list):
                raise _err(file, label, f"{key!r} must be a list")
            for item in value:
                if not isinstance(item, str):
                    raise _err(file, label, f"{key!r} must hold strings, got {item!r}")
                if not item.strip():
                    raise _err(file, label, f"empty pattern in {key!r}")
    out = dict(raw)
    out["id"] = str(raw["id"])
    return out


def _fingerprint(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def _actor(raw: dict[str, Any], file: str) -> Entry:
    if raw["kind"] not in ACTOR_KINDS:
        raise _err(file, raw["id"], f"unknown kind {raw['kind']!r} (allowed: {', '.join(sorted(ACTOR_KINDS))})")
    forms = [Form(raw["name"])]
    forms += [Form(a) for a in raw.get("aliases", [])]
    forms += [Form(a, case=True) for a in raw.get("abbr", [])]
    forms += [Form(a, case=True) for a in raw.get("exact", [])]
    if raw.get("land") is not None and raw["land"] not in STATE_IDS:
        raise _err(file, raw["id"], f"unknown Land {raw['land']!r}")
    if raw.get("generic") and not raw.get("land"):
        raise _err(file, raw["id"], "'generic' needs the 'land' it stands for")
    forms += [Form(g, case=True, flag="generic") for g in raw.get("generic", [])]
    _check_stems(file, raw)
    return Entry("actor", raw["id"], raw["name"], tuple(forms), stems=tuple(s.lower() for s in raw.get("stems", [])),
                 lemmas=tuple(raw.get("lemmas", [])), data=raw)


def _state(raw: dict[str, Any], file: str) -> Entry:
    if raw["id"] not in STATE_IDS:
        raise _err(file, raw["id"], f"unknown Land id (use ISO 3166-2: {', '.join(STATE_IDS)})")
    if str(raw["ags"]) != STATE_AGS[raw["id"]]:
        raise _err(file, raw["id"], f"ags {raw['ags']!r} does not belong to {raw['id']} ({STATE_AGS[raw['id']]})")
    forms = [Form(raw["name"], case=True)]
    forms += [Form(g, case=True, inflect=False) for g in raw.get("genitive", [])]
    forms += [Form(f, case=True) for f in raw.get("forms", [])]
    forms += [Form(a, case=True, inflect=False) for a in raw.get("abbr", [])]
    forms += [Form(a, case=True, inflect=False, flag="noun") for a in raw.get("city_adjectives", [])]
    for stem in raw.get("adjectives", []):
        forms += [Form(v, case=True, inflect=False) for v in adjective_variants(stem)]
    return Entry("state", raw["id"], raw["name"], tuple(forms), data=raw)


def _place(raw: dict[str, Any], file: str) -> Entry:
    land = raw["land"]
    if land not in STATE_IDS:
        raise _err(file, raw["id"], f"unknown Land {land!r}")
    ags = raw["id"]
    if not PLACE_ID.fullmatch(ags):
        raise _err(file, ags, "id must be a 5- or 8-digit AGS, or KKKKK-name for a Gemeindeverband")
    kreis = raw.get("kreis")
    if kreis is not None and (not re.fullmatch(r"\d{5}", str(kreis)) or not ags.startswith(str(kreis))):
        raise _err(file, ags, f"kreis {kreis!r} must be the first five digits of the id")
    if not ags.startswith(STATE_AGS[land]):
        raise _err(file, ags, f"AGS does not lie in {land} (expected prefix {STATE_AGS[land]})")
    names = raw["names"] if "names" in raw else [raw["name"]]  # generated: `names: []` = no strong form
    forms = [Form(n, case=True) for n in names]
    forms += [Form(a, case=True, inflect=False, flag="noun") for a in raw.get("adjectives", [])]
    forms += [Form(c, case=True, flag="context") for c in raw.get("context", [])]
    forms += [Form(c, case=True, flag="list") for c in raw.get("list_names", [])]
    return Entry("municipality", ags, raw["name"], tuple(forms), parent=land, data=raw)


def _check_stems(file: str, raw: dict[str, Any]) -> None:
    for stem in raw.get("stems", []) + raw.get("weak_stems", []):
        core = stem.lstrip("*")
        if len(core) < MIN_STEM or any(ch.isspace() for ch in core):
            raise _err(file, raw["id"], f"stem {stem!r} must be one word of at least {MIN_STEM} characters")


def _topic(raw: dict[str, Any], file: str) -> Entry:
    _check_stems(file, raw)
    for rx in raw.get("token_regex", []):
        try:
            re.compile(rx)
        except re.error as exc:
            raise _err(file, raw["id"], f"bad token_regex {rx!r}: {exc}") from None
    forms = [Form(k) for k in raw.get("keywords", [])]
    forms += [Form(a, case=True, inflect=False) for a in raw.get("abbr", [])]
    forms += [Form(a, case=True) for a in raw.get("exact", [])]
    forms += [Form(k, flag="weak") for k in raw.get("weak_keywords", [])]
    return Entry("topic", raw["id"], raw["name"], tuple(forms), stems=tuple(s.lower() for s in raw.get("stems", [])),
                 weak_stems=tuple(s.lower() for s in raw.get("weak_stems", [])),
                 lemmas=tuple(raw.get("lemmas", [])), token_regex=tuple(raw.get("token_regex", [])),
                 parent=raw.get("parent"), data=raw)


BUILDERS = {"actor": _actor, "state": _state, "municipality": _place, "topic": _topic}


def adjective_variants(stem: str) -> list[str]:
    """`bayerisch` → bayerisch, bayerische, -en, -er, -es, -em, each lower-case and capitalised."""
    out: list[str] = []
    for ending in ("", "e", "en", "er", "es", "em"):
        word = stem + ending
        for variant in (word, word[:1].upper() + word[1:], "-".join(p[:1].upper() + p[1:] for p in word.split("-"))):
            if variant not in out:
                out.append(variant)
    return out


def _check_parents(entries: dict[tuple[str, str], Entry]) -> None:
    for (kind, id_), entry in entries.items():
        if kind != "topic" or entry.parent is None:
            continue
        if ("topic", entry.parent) not in entries:
            raise _err(FILES["topic"], id_, f"unknown parent {entry.parent!r}")
        seen, cur = {id_}, entry.parent
        while cur is not None:
            if cur in seen:
                raise _err(FILES["topic"], id_, "parent chain loops back to itself")
            seen.add(cur)
            cur = entries[("topic", cur)].parent


def load_taxonomy(directory: Path | str | None = None) -> Taxonomy:
    """Read, validate and normalise the four taxonomy files of `directory` (default: the packaged one).

    The result is cached on disk under a hash of the files and this code (nlp/cache.py): parsing the
    generated places.yaml alone takes over a second."""
    from nlp.cache import cached, key_of

    directory = Path(directory) if directory is not None else DEFAULT_DIR
    parts: list[bytes] = [Path(__file__).read_bytes(), MATCHER_VERSION.encode()]
    for file in FILES.values():
        if not (directory / file).is_file():
            raise _err(file, None, "file not found")
        parts.append((directory / file).read_bytes())
    taxonomy = cached("taxonomy", key_of(*parts), lambda: _build_taxonomy(directory))
    return replace(taxonomy, directory=directory)


def _shared(value: Any, pool: dict[str, str]) -> Any:
    """`value` with one object per distinct string (keys, Länder, names shared by data and forms):
    the 12,000 places' YAML gives every key its own copy, which the on-disk cache would keep."""
    if isinstance(value, str):
        return pool.setdefault(value, value)
    if isinstance(value, list):
        return [_shared(v, pool) for v in value]
    if isinstance(value, dict):
        return {_shared(k, pool): _shared(v, pool) for k, v in value.items()}
    return value


def _build_taxonomy(directory: Path) -> Taxonomy:
    digest = hashlib.sha1(MATCHER_VERSION.encode())
    entries: dict[tuple[str, str], Entry] = {}
    blockers: list[str] = []
    cues: set[str] = set()
    person_cues: set[str] = set()
    ignored: set[str] = set()
    min_score: dict[str, float] = {}
    file_versions: dict[str, str] = {}
    settings: dict[str, Any] = {}
    pool: dict[str, str] = {}
    for kind in KINDS:
        file = FILES[kind]
        path = directory / file
        doc = _read_yaml(path)
        digest.update(file.encode() + b"\0" + path.read_bytes())
        if not isinstance(doc, dict):
            raise _err(file, None, "top level must be a mapping with 'version' and a list")
        unknown = set(doc) - TOP_LEVEL - {LIST_KEYS[kind]}
        if unknown:
            raise _err(file, None, f"unknown top-level key {sorted(unknown)[0]!r}")
        if doc.get("version") in (None, ""):
            raise _err(file, None, "missing 'version'")
        file_versions[file] = str(doc["version"])
        items = doc.get(LIST_KEYS[kind])
        if not isinstance(items, list) or not items:
            raise _err(file, None, f"missing list {LIST_KEYS[kind]!r}")
        for key, target in (("block", blockers), ("context_cues", cues), ("person_cues", person_cues),
                            ("ignore_discovered", ignored)):
            value = doc.get(key, [])
            if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
                raise _err(file, None, f"{key!r} must be a list of non-empty strings")
            if isinstance(target, list):
                target.extend(value)
            else:
                target.update(v.lower() for v in value)
        if "min_score" in doc:
            value = doc["min_score"]
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise _err(file, None, "'min_score' must be a number between 0 and 1")
            min_score[kind] = float(value)
        settings[file] = {k: doc.get(k) for k in ("block", "context_cues", "person_cues", "min_score")}
        for index, raw in enumerate(items):
            try:
                checked = _shared(_check_entry(file, kind, index, raw), pool)
                entry = BUILDERS[kind](checked, file)
                key = (kind, entry.id)
                if key in entries:
                    raise _err(file, entry.id, "duplicate id")
            except TaxonomyError as exc:
                raise TaxonomyError(f"{exc} (line {_entry_line(path, LIST_KEYS[kind], index)})") from None
            entries[key] = replace(entry, fingerprint=_fingerprint(checked))
    _check_parents(entries)
    for (kind, id_), entry in entries.items():
        for successor in entry.data.get("successor", []) if kind == "actor" else ():
            if ("actor", successor) not in entries:
                raise _err(FILES["actor"], id_, f"unknown successor {successor!r}")
        if kind == "state" and entry.data.get("municipality") and ("municipality", entry.data["municipality"]) not in entries:
            raise _err(FILES["state"], id_, f"unknown municipality {entry.data['municipality']!r}")
    return Taxonomy(
        directory=directory,
        entries=entries,
        blockers=tuple(blockers),
        context_cues=frozenset(cues),
        person_cues=frozenset(person_cues),
        ignored=frozenset(ignored),
        min_score=min_score,
        version=digest.hexdigest()[:12],
        file_versions=file_versions,
        settings_fingerprint=_fingerprint(settings),
    )


@lru_cache(maxsize=8)
def _cached(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> Taxonomy:
    return load_taxonomy(Path(directory))


def load_cached(directory: Path | str | None = None) -> Taxonomy:
    """`load_taxonomy`, cached until one of the files changes (size or mtime)."""
    directory = Path(directory) if directory is not None else DEFAULT_DIR
    stamp = []
    for file in FILES.values():
        try:
            st = (directory / file).stat()
            stamp.append((file, st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((file, -1, -1))
    return _cached(str(directory.resolve()), tuple(stamp))


def iter_texts(entry: Entry) -> Iterable[str]:
    """The raw strings of an entry (names, aliases, keywords, stems) — what the naive baseline searches."""
    yield from (f.text for f in entry.forms)
    yield from (s.lstrip("*") for s in entry.stems + entry.weak_stems)
    yield from entry.lemmas
