"""Evaluate the tagger against the hand-labelled gold set (`tests/gold/*.jsonl`), next to a naive baseline.

Gold format, one JSON object per line: `{"id", "title", "teaser"?, "text", "labels": {"actors": [...],
"states": [...], "municipalities": [...], "topics": [...]}}`; `states` include Länder implied by
municipalities, `topics` include parents implied by children (docs/taxonomy.md).

Judged label space: every state and municipality id; for actors and topics, the ids the gold set uses
somewhere (a gold writer cannot label an actor the gold vocabulary lacks, so predicting e.g. `bmf` is
reported as "unjudged", not as an error). The baseline is case-insensitive substring search for the
same names, aliases, keywords and stems, with the same derivations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nlp.taxonomy import Taxonomy, iter_texts, load_cached

GOLD_KINDS = {"actors": "actor", "states": "state", "municipalities": "municipality", "topics": "topic"}
OPEN_KINDS = ("state", "municipality")  # every id is judged
GOALS = {"actor": 0.95, "state": 0.97, "topic": 0.85}


class GoldError(ValueError):
    """A malformed gold file (one line: file:line: problem)."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    title: str
    teaser: str
    text: str
    labels: dict[str, frozenset[str]]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def as_dict(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Scores:
    kinds: dict[str, Counts] = field(default_factory=dict)
    labels: dict[tuple[str, str], Counts] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    unjudged: dict[str, int] = field(default_factory=dict)


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
            labels = obj.get("labels")
            if not isinstance(obj, dict) or not isinstance(labels, dict) or "id" not in obj:
                raise GoldError(f"{where}: needs 'id' and a 'labels' object")
            unknown = set(labels) - set(GOLD_KINDS)
            if unknown:
                raise GoldError(f"{where}: unknown label kind {sorted(unknown)[0]!r}")
            items.append(GoldItem(
                id=str(obj["id"]), title=obj.get("title") or "", teaser=obj.get("teaser") or "",
                text=obj.get("text") or obj.get("body") or "",
                labels={GOLD_KINDS[k]: frozenset(labels.get(k) or []) for k in GOLD_KINDS},
            ))
    return items


def predict_tagger(items: list[GoldItem], taxonomy_dir: Path | None = None) -> list[dict[str, set[str]]]:
    from nlp.tagger import get_tagger

    tagger = get_tagger(taxonomy_dir)
    out = []
    for tags in tagger.tag_many((i.title, i.teaser, i.text) for i in items):
        pred: dict[str, set[str]] = {k: set() for k in GOLD_KINDS.values()}
        for tag in tags:
            pred[tag.kind].add(tag.id)
        out.append(pred)
    return out


def predict_baseline(items: list[GoldItem], taxonomy: Taxonomy) -> list[dict[str, set[str]]]:
    """Case-insensitive substring search for every name/alias/keyword/stem, plus the same derivations."""
    needles = [(e.kind, e.id, e.parent, {t.lower() for t in iter_texts(e) if t.strip()})
               for e in taxonomy.entries.values()]
    out = []
    for item in items:
        text = f"{item.title}\n{item.teaser}\n{item.text}".lower()
        pred: dict[str, set[str]] = {k: set() for k in GOLD_KINDS.values()}
        for kind, id_, parent, words in needles:
            if any(w in text for w in words):
                pred[kind].add(id_)
                if kind == "municipality" and parent:
                    pred["state"].add(parent)
        for topic in list(pred["topic"]):
            parent = taxonomy.get("topic", topic).parent
            while parent:
                pred["topic"].add(parent)
                parent = taxonomy.get("topic", parent).parent
        out.append(pred)
    return out


def score(items: list[GoldItem], preds: list[dict[str, set[str]]], judged: dict[str, set[str] | None]) -> Scores:
    s = Scores(kinds={k: Counts() for k in GOLD_KINDS.values()})
    for item, pred in zip(items, preds, strict=True):
        for kind in GOLD_KINDS.values():
            gold = set(item.labels[kind])
            space = judged[kind]
            guess = {p for p in pred[kind] if space is None or p in space}
            s.unjudged[kind] = s.unjudged.get(kind, 0) + len(pred[kind] - guess)
            for label in gold | guess:
                c = s.labels.setdefault((kind, label), Counts())
                if label in gold and label in guess:
                    c.tp += 1
                    s.kinds[kind].tp += 1
                elif label in guess:
                    c.fp += 1
                    s.kinds[kind].fp += 1
                else:
                    c.fn += 1
                    s.kinds[kind].fn += 1
            if gold != guess:
                s.errors.append({"id": item.id, "kind": kind, "missing": sorted(gold - guess),
                                 "extra": sorted(guess - gold)})
    return s


def evaluate(gold_dir: Path, taxonomy_dir: Path | None = None) -> dict:
    """Tagger and baseline scores on the gold set, as one JSON-able dict."""
    items = read_gold(gold_dir)
    taxonomy = load_cached(taxonomy_dir)
    judged: dict[str, set[str] | None] = {k: None for k in OPEN_KINDS}
    for kind in ("actor", "topic"):
        judged[kind] = set().union(*(i.labels[kind] for i in items))
    tagger = score(items, predict_tagger(items, taxonomy_dir), judged)
    baseline = score(items, predict_baseline(items, taxonomy), judged)
    kinds = {}
    for kind in GOLD_KINDS.values():
        kinds[kind] = {"tagger": tagger.kinds[kind].as_dict(), "baseline": baseline.kinds[kind].as_dict(),
                       "unjudged_predictions": tagger.unjudged.get(kind, 0)}
        if kind in GOALS:
            kinds[kind]["goal_f1"] = GOALS[kind]
    labels: dict[str, dict[str, dict]] = {}
    for kind, label in sorted(set(tagger.labels) | set(baseline.labels)):
        labels.setdefault(kind, {})[label] = {
            "tagger": tagger.labels.get((kind, label), Counts()).as_dict(),
            "baseline": baseline.labels.get((kind, label), Counts()).as_dict(),
        }
    return {"gold": str(gold_dir), "texts": len(items), "taxonomy_version": taxonomy.version,
            "kinds": kinds, "labels": labels, "errors": tagger.errors}


def format_report(result: dict, show_errors: bool = True) -> str:
    """A plain-text report: per-kind table, per-label table, then the tagger's mistakes."""
    lines = [f"Gold set {result['gold']}: {result['texts']} texts, taxonomy {result['taxonomy_version']}", ""]
    lines.append(f"{'kind':<13} {'P':>6} {'R':>6} {'F1':>6}   {'base P':>6} {'base R':>6} {'base F1':>7}   goal")
    for kind, k in result["kinds"].items():
        t, b = k["tagger"], k["baseline"]
        goal = f"{k['goal_f1']:.2f} {'ok' if t['f1'] >= k['goal_f1'] else 'MISSED'}" if "goal_f1" in k else "-"
        lines.append(f"{kind:<13} {t['precision']:>6.3f} {t['recall']:>6.3f} {t['f1']:>6.3f}   "
                     f"{b['precision']:>6.3f} {b['recall']:>6.3f} {b['f1']:>7.3f}   {goal}")
    unjudged = {k: v["unjudged_predictions"] for k, v in result["kinds"].items() if v["unjudged_predictions"]}
    if unjudged:
        lines.append(f"unjudged predictions (ids outside the gold vocabulary): {unjudged}")
    lines += ["", f"{'kind':<13} {'label':<26} {'tp':>4} {'fp':>4} {'fn':>4} {'F1':>6}   {'base F1':>7}"]
    for kind, labels in result["labels"].items():
        for label, row in labels.items():
            t = row["tagger"]
            lines.append(f"{kind:<13} {label:<26} {t['tp']:>4} {t['fp']:>4} {t['fn']:>4} {t['f1']:>6.3f}   "
                         f"{row['baseline']['f1']:>7.3f}")
    if show_errors and result["errors"]:
        lines += ["", "Tagger mistakes (text, kind: missing / extra):"]
        for err in result["errors"]:
            lines.append(f"  {err['id']} {err['kind']}: -{err['missing']} +{err['extra']}")
    return "\n".join(lines)


def goals_met(result: dict) -> list[str]:
    """The missed goals (empty when all are met): F1 goals and 'above baseline on every kind'."""
    missed = []
    for kind, k in result["kinds"].items():
        if "goal_f1" in k and k["tagger"]["f1"] < k["goal_f1"]:
            missed.append(f"{kind} F1 {k['tagger']['f1']:.3f} < {k['goal_f1']}")
        if k["tagger"]["f1"] <= k["baseline"]["f1"]:
            missed.append(f"{kind} F1 {k['tagger']['f1']:.3f} not above baseline {k['baseline']['f1']:.3f}")
    return missed
