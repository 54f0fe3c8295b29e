"""Score the tagger on the hand-labelled gold set (`tests/gold/`), part by part, next to a baseline.

The gold set has a `dev` part (tune on it) and a `test` part (never tune on it); a directory without
`dev/`/`test/` is scored as one part. Format, guidelines and the matching rule: `tests/gold/README.md`.

Every prediction counts: an id the gold item does not list is a false positive, whatever the gold
set's vocabulary. Actors are compared by name key (registered id, name, abbreviations, aliases; a
discovered actor's slug and canonical name), municipalities by official key, Länder and topics by id.
The baseline is the same spaCy PhraseMatcher over the register's bare names, as written (no generated
inflections, no stems, no context cues, no blockers, no longest match, no recogniser), with the same
derivations (municipality → Land, child → parent topic), so the table shows what the rules add.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from nlp.taxonomy import STATE_AGS, Taxonomy, load_cached

GOLD_KINDS = {"actors": "actor", "states": "state", "municipalities": "municipality", "topics": "topic"}
KINDS = tuple(GOLD_KINDS.values())
PARTS = ("dev", "test")
#: The goals of issue 11 (F1 on the test part); shown in the report, enforced only by the floors file.
GOALS = {"actor": 0.80, "state": 0.97, "municipality": 0.90, "topic": 0.85}
FLOORS_FILE = "floors.json"
LAND_OF_AGS = {ags: land for land, ags in STATE_AGS.items()}
ARTICLES = {"der", "die", "das", "des", "dem", "den"}
LEGAL_FORMS = (("co", "kg"), ("gmbh",), ("ggmbh",), ("mbh",), ("ag",), ("e", "v"), ("ev",), ("eg",), ("aoer",),
               ("se",), ("kg",), ("kgaa",), ("gbr",))
VERBAND_WORDS = {"amt", "samtgemeinde", "verbandsgemeinde", "verwaltungsgemeinschaft", "verwaltungsverband",
                 "kirchspielslandgemeinde", "vg", "vgem", "gvv", "vvg", "vv"}


class GoldError(ValueError):
    """A malformed gold file or floors file (one line: file:line: problem)."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    title: str
    teaser: str
    text: str
    labels: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Pred:
    """One prediction: its id, display label, the keys it may match, and whether it was discovered."""

    id: str
    label: str
    keys: frozenset[str]
    discovered: bool = False


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Scores:
    kinds: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    errors: list[dict] = field(default_factory=list)
    actor_predictions: int = 0
    discovered: int = 0
    discovered_correct: int = 0


# --- keys -------------------------------------------------------------------------------------------

def name_key(text: str) -> str:
    """Case-, umlaut- and punctuation-free form of a name; leading article and legal form dropped:
    `Dataport AöR` = `dataport`, `landesrechnungshof-mecklenburg-vorpommern` = `Landesrechnungshof
    Mecklenburg-Vorpommern`."""
    s = unicodedata.normalize("NFKC", text).casefold()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        s = s.replace(a, b)
    words = re.findall(r"[^\W_]+", s)
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    stripped = True
    while stripped:
        stripped = False
        for form in LEGAL_FORMS:
            if len(words) > len(form) and tuple(words[-len(form):]) == form:
                words = words[:-len(form)]
                stripped = True
    return " ".join(words)


def place_key(key: str) -> str:
    """`09761000` (a kreisfreie Stadt as Gemeinde) = `09761`; a Verband `01056:Amt Pinnau` =
    `01056-pinnau` = `01056:pinnau` (Kreis key + name key without kind words)."""
    key = key.strip()
    if re.fullmatch(r"\d{8}", key) and key.endswith("000"):
        return key[:5]
    match = re.fullmatch(r"(\d{5})\D(.+)", key)
    if match:
        words = [w for w in name_key(match.group(2)).split() if w not in VERBAND_WORDS]
        if len(words) > 2 and words[0] == "der" and words[1] in ("stadt", "gemeinde"):
            words = words[2:]  # `VVG der Stadt Oberndorf am Neckar` = `Oberndorf am Neckar`
        return f"{match.group(1)}:{' '.join(words)}"
    return key


def gold_keys(kind: str, label: str) -> frozenset[str]:
    """The keys of one gold label (`Name | Other name` for actors)."""
    if kind == "actor":
        return frozenset(k for k in (name_key(n) for n in label.split("|")) if k)
    if kind == "municipality":
        return frozenset({place_key(label)})
    return frozenset({label})


def actor_pred(id_: str, label: str, taxonomy: Taxonomy, discovered: bool = False) -> Pred:
    """A predicted actor: a registered one matches by id, name, abbr, aliases, exact; any other by its
    slug and canonical name (then it counts as discovered)."""
    entry = taxonomy.get("actor", id_)
    names = [id_, label]
    if entry is not None:
        data = entry.data
        names += [data.get("name", "")] + list(data.get("abbr", [])) + list(data.get("aliases", []))
        names += list(data.get("exact", []))
    keys = frozenset(k for k in (name_key(n) for n in names if n) if k)
    return Pred(id_, label or id_, keys, discovered or entry is None)


def pred(kind: str, id_: str, label: str = "", taxonomy: Taxonomy | None = None, discovered: bool = False) -> Pred:
    if kind == "actor" and taxonomy is not None:
        return actor_pred(id_, label, taxonomy, discovered)
    key = place_key(id_) if kind == "municipality" else id_
    return Pred(id_, label or id_, frozenset({key}), discovered)


# --- gold -------------------------------------------------------------------------------------------

def read_gold(directory: Path) -> list[GoldItem]:
    """All gold items of `directory/*.jsonl`, in file order."""
    files = sorted(Path(directory).glob("*.jsonl"))
    if not files:
        raise GoldError(f"{directory}: no *.jsonl gold files")
    items: list[GoldItem] = []
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{where}: invalid JSON ({exc.msg})") from None
            labels = obj.get("labels") if isinstance(obj, dict) else None
            if not isinstance(labels, dict) or "id" not in obj:
                raise GoldError(f"{where}: needs 'id' and a 'labels' object")
            unknown = set(labels) - set(GOLD_KINDS)
            if unknown:
                raise GoldError(f"{where}: unknown label kind {sorted(unknown)[0]!r}")
            if any(not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v)
                   for v in labels.values()):
                raise GoldError(f"{where}: labels must be lists of non-empty strings")
            items.append(GoldItem(
                id=str(obj["id"]), title=obj.get("title") or "", teaser=obj.get("teaser") or "",
                text=obj.get("text") or obj.get("body") or "",
                labels={GOLD_KINDS[k]: tuple(labels.get(k) or ()) for k in GOLD_KINDS},
            ))
    return items


def gold_parts(directory: Path) -> dict[str, list[GoldItem]]:
    """{part: items}: `dev/` and `test/` when present, else the directory itself as one part."""
    directory = Path(directory)
    parts = {p: read_gold(directory / p) for p in PARTS if (directory / p).is_dir()}
    return parts or {directory.name or "gold": read_gold(directory)}


# --- predictions ------------------------------------------------------------------------------------

def predict_tagger(items: list[GoldItem], taxonomy_dir: Path | None = None) -> list[dict[str, list[Pred]]]:
    from nlp.tagger import get_tagger

    tagger = get_tagger(taxonomy_dir)
    out = []
    for tags in tagger.tag_many((i.title, i.teaser, i.text) for i in items):
        preds: dict[str, list[Pred]] = {k: [] for k in KINDS}
        for tag in tags:
            preds[tag.kind].append(pred(tag.kind, tag.id, tag.label, tagger.taxonomy,
                                        bool(getattr(tag, "discovered", False))))
        out.append(preds)
    return out


def predict_baseline(items: list[GoldItem], taxonomy: Taxonomy) -> list[dict[str, list[Pred]]]:
    """The register's bare names in one PhraseMatcher (LOWER, or ORTH for case-sensitive forms), every
    match counted, plus the municipality → Land and child → parent topic derivations."""
    import spacy
    from spacy.matcher import PhraseMatcher

    from nlp.pipeline import CONFIG

    nlp = spacy.blank("de", config=CONFIG)  # the tagger's tokenizer
    matchers = {True: PhraseMatcher(nlp.vocab, attr="ORTH"), False: PhraseMatcher(nlp.vocab, attr="LOWER")}
    for entry in taxonomy.entries.values():
        by_case: dict[bool, list[str]] = {True: [], False: []}
        for form in entry.forms:
            by_case[bool(form.case)].append(form.text)
        for case, texts in by_case.items():
            if texts:
                matchers[case].add(f"{entry.kind}|{entry.id}", list(nlp.tokenizer.pipe(texts)))
    out = []
    texts = (f"{i.title}\n\n{i.teaser}\n\n{i.text}" for i in items)
    for doc in nlp.tokenizer.pipe(texts):
        found: set[tuple[str, str]] = set()
        for matcher in matchers.values():
            found.update(tuple(nlp.vocab.strings[m].split("|", 1)) for m, _, _ in matcher(doc))
        for kind, id_ in list(found):
            if kind == "municipality" and id_[:2] in LAND_OF_AGS:  # the key's first two digits are its Land
                found.add(("state", LAND_OF_AGS[id_[:2]]))
            parent = taxonomy.get(kind, id_).parent if kind == "topic" else None
            while parent:
                found.add(("topic", parent))
                parent = taxonomy.get("topic", parent).parent
        preds: dict[str, list[Pred]] = {k: [] for k in KINDS}
        for kind, id_ in sorted(found):
            entry = taxonomy.get(kind, id_)
            preds[kind].append(pred(kind, id_, entry.label if entry else id_, taxonomy))
        out.append(preds)
    return out


# --- scoring ----------------------------------------------------------------------------------------

def match(gold: list[frozenset[str]], preds: list[frozenset[str]]) -> list[tuple[int, int]]:
    """A maximum one-to-one pairing of gold labels and predictions that share a key (augmenting paths;
    the lists are a few items long)."""
    owner: dict[int, int] = {}  # gold index -> prediction index

    def augment(p: int, seen: set[int]) -> bool:
        for g, keys in enumerate(gold):
            if g in seen or not keys & preds[p]:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = p
                return True
        return False

    for p in range(len(preds)):
        augment(p, set())
    return sorted((g, p) for g, p in owner.items())


def score_item(kind: str, labels: tuple[str, ...], preds: list[Pred]) -> tuple[Counts, list[str], list[Pred]]:
    """Counts for one item and kind, the unmatched gold labels and the unmatched predictions."""
    gold = [gold_keys(kind, label) for label in labels]
    pairs = match(gold, [p.keys for p in preds])
    hit_gold = {g for g, _ in pairs}
    hit_pred = {p for _, p in pairs}
    missing = [labels[g].split("|")[0].strip() for g in range(len(gold)) if g not in hit_gold]
    extra = [p for i, p in enumerate(preds) if i not in hit_pred]
    return Counts(len(pairs), len(extra), len(missing)), missing, extra


def score(items: list[GoldItem], predictions: list[dict[str, list[Pred]]]) -> Scores:
    s = Scores()
    for item, preds in zip(items, predictions, strict=True):
        for kind in KINDS:
            counts, missing, extra = score_item(kind, item.labels[kind], preds[kind])
            s.kinds[kind].add(counts)
            if kind == "actor":
                s.actor_predictions += len(preds[kind])
                found = [p for p in preds[kind] if p.discovered]
                s.discovered += len(found)
                wrong = {id(p) for p in extra}
                s.discovered_correct += sum(1 for p in found if id(p) not in wrong)
            if missing or extra:
                s.errors.append({"id": item.id, "kind": kind, "missing": missing,
                                 "extra": [p.label if kind == "actor" else p.id for p in extra]})
    return s


def evaluate(gold_dir: Path, taxonomy_dir: Path | None = None) -> dict:
    """Tagger and baseline scores per part and kind, as one JSON-able dict (errors: dev part only)."""
    parts = gold_parts(gold_dir)
    taxonomy = load_cached(taxonomy_dir)
    result: dict = {"gold": str(gold_dir), "taxonomy_version": taxonomy.version, "parts": {},
                    "floors": read_floors(gold_dir)}
    for name, items in parts.items():
        tagger = score(items, predict_tagger(items, taxonomy_dir))
        baseline = score(items, predict_baseline(items, taxonomy))
        kinds = {}
        for kind in KINDS:
            kinds[kind] = {"tagger": tagger.kinds[kind].as_dict(), "baseline": baseline.kinds[kind].as_dict()}
            if name == "test":
                kinds[kind]["goal_f1"] = GOALS[kind]
        share = tagger.discovered / tagger.actor_predictions if tagger.actor_predictions else 0.0
        result["parts"][name] = {
            "texts": len(items), "kinds": kinds,
            "discovered": {"actor_predictions": tagger.actor_predictions, "discovered": tagger.discovered,
                           "share": round(share, 4), "correct": tagger.discovered_correct},
            "errors": tagger.errors if name != "test" else [],
            "test_errors": tagger.errors if name == "test" else [],
        }
    return result


# --- floors, report ---------------------------------------------------------------------------------

def read_floors(gold_dir: Path) -> dict:
    """`floors.json` beside the gold parts: {part: {kind: {"precision"|"recall"|"f1": minimum}}}."""
    path = Path(gold_dir) / FLOORS_FILE
    if not path.is_file():
        return {}
    try:
        floors = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GoldError(f"{FLOORS_FILE}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    for part, kinds in floors.items() if isinstance(floors, dict) else [(None, None)]:
        if not isinstance(kinds, dict) or any(
                k not in KINDS or not isinstance(v, dict) or set(v) - {"precision", "recall", "f1"}
                or not all(isinstance(x, (int, float)) for x in v.values()) for k, v in kinds.items()):
            raise GoldError(f"{FLOORS_FILE}: part {part!r}: expected {{kind: {{precision|recall|f1: number}}}}")
    return floors


def failed_checks(result: dict) -> list[str]:
    """What `radar eval --check` fails on: a metric below its floor, or a kind not above the baseline."""
    missed = []
    for part, data in result["parts"].items():
        for kind, k in data["kinds"].items():
            t, b = k["tagger"], k["baseline"]
            for metric, floor in result["floors"].get(part, {}).get(kind, {}).items():
                if t[metric] < floor:
                    missed.append(f"{part} {kind} {metric} {t[metric]:.3f} < floor {floor}")
            judged = t["tp"] + t["fp"] + t["fn"] + b["tp"] + b["fp"] + b["fn"]
            if judged and t["f1"] <= b["f1"]:
                missed.append(f"{part} {kind} F1 {t['f1']:.3f} not above baseline {b['f1']:.3f}")
    return missed


def format_report(result: dict, show_errors: bool = True, test_errors: bool = False) -> str:
    """Per part and kind: tagger and baseline P/R/F1, the goal on test, the discovered-actor share."""
    lines = [f"Gold set {result['gold']}, taxonomy {result['taxonomy_version']}: "
             + ", ".join(f"{p} {d['texts']} texts" for p, d in result["parts"].items()), ""]
    lines.append(f"{'part':<5} {'kind':<13} {'P':>6} {'R':>6} {'F1':>6}   {'base P':>6} {'base R':>6} "
                 f"{'base F1':>7}   goal (test F1)")
    for part, data in result["parts"].items():
        for kind, k in data["kinds"].items():
            t, b = k["tagger"], k["baseline"]
            goal = f"{k['goal_f1']:.2f} {'ok' if t['f1'] >= k['goal_f1'] else 'MISSED'}" if "goal_f1" in k else "-"
            lines.append(f"{part:<5} {kind:<13} {t['precision']:>6.3f} {t['recall']:>6.3f} {t['f1']:>6.3f}   "
                         f"{b['precision']:>6.3f} {b['recall']:>6.3f} {b['f1']:>7.3f}   {goal}")
    lines.append("")
    for part, data in result["parts"].items():
        d = data["discovered"]
        lines.append(f"discovered actors ({part}): {d['discovered']} of {d['actor_predictions']} actor predictions "
                     f"({d['share']:.1%}), {d['correct']} of them correct")
    shown = [(p, e) for p, d in result["parts"].items() for e in d["errors"] + (d["test_errors"] if test_errors else [])]
    if show_errors and shown:
        lines += ["", "Tagger mistakes (part text kind: -missing +extra):"]
        lines += [f"  {p} {e['id']} {e['kind']}: -{e['missing']} +{e['extra']}" for p, e in shown]
    return "\n".join(lines)
