"""The public tagging API: article fields in, `Tag`s out (the contract in docs/architecture.md)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.taxonomy import DEFAULT_DIR, Taxonomy, load_cached

FIELDS = ("title", "teaser", "body")
#: Weight of one mention per field; a tag's score is 1 - Π(1 - weight) over its mentions, so a title
#: mention (0.6) outranks two passing body mentions (0.36) and nothing exceeds 1.
WEIGHTS = {"title": 0.6, "teaser": 0.4, "body": 0.2}
KIND_ORDER = {"actor": 0, "state": 1, "municipality": 2, "topic": 3}


@dataclass(frozen=True)
class Tag:
    """One tag of one article; `asdict(tag)` is what the store writes."""

    kind: str
    id: str
    label: str
    mentions: int
    evidence: str
    offset: int
    field: str
    score: float
    derived: bool = False


@dataclass
class _Agg:
    mentions: int = 0
    strong: bool = False
    miss: float = 1.0  # Π(1 - weight)
    evidence: tuple[int, int, str, str] | None = None  # (field rank, offset, text, field)

    def add(self, rank: int, field: str, offset: int, text: str, weak: bool) -> None:
        self.mentions += 1
        self.strong = self.strong or not weak
        self.miss *= 1.0 - WEIGHTS[field]
        if self.evidence is None or (rank, offset) < self.evidence[:2]:
            self.evidence = (rank, offset, text, field)

    @property
    def score(self) -> float:
        return round(1.0 - self.miss, 3)


class Tagger:
    """Tags articles with the actors, Länder, municipalities and topics of one taxonomy."""

    def __init__(self, taxonomy_dir: Path | None = None):
        from nlp.pipeline import build_pipeline

        self.taxonomy: Taxonomy = load_cached(taxonomy_dir)
        self.version: str = self.taxonomy.version
        self.nlp = build_pipeline(self.taxonomy.directory)

    def tag(self, title: str = "", teaser: str = "", body: str = "") -> list[Tag]:
        """Tag one article."""
        return next(self.tag_many([(title, teaser, body)]))

    def tag_many(self, docs: Iterable[tuple[str, str, str]], batch_size: int = 64) -> Iterator[list[Tag]]:
        """Tag many (title, teaser, body) triples, streaming them through `nlp.pipe`."""
        def texts() -> Iterator[str]:
            for triple in docs:
                for text in triple:
                    yield text or ""

        parsed = self.nlp.pipe(texts(), batch_size=batch_size * 3)
        while True:
            fields = []
            for _ in FIELDS:
                doc = next(parsed, None)
                if doc is None:
                    return
                fields.append(doc)
            yield self._tags(fields)

    def _tags(self, fields: list) -> list[Tag]:
        aggs: dict[tuple[str, str], _Agg] = {}
        for rank, (field, doc) in enumerate(zip(FIELDS, fields, strict=True)):
            for span in doc.spans.get("radar", ()):
                key = (span.label_, span.kb_id_)
                aggs.setdefault(key, _Agg()).add(rank, field, span.start_char, span.text, span.id_ == "weak")
        aggs = {k: a for k, a in aggs.items() if a.strong}  # an ambiguous name alone is not enough
        tags = [self._make(kind, id_, agg) for (kind, id_), agg in aggs.items()]
        tags = [t for t in tags if t.score >= self.taxonomy.min_score.get(t.kind, 0.0)]
        tags += self._derived(tags)
        tags.sort(key=lambda t: (KIND_ORDER[t.kind], -t.score, t.id))
        return tags

    def _make(self, kind: str, id_: str, agg: _Agg, derived: bool = False) -> Tag:
        entry = self.taxonomy.get(kind, id_)
        _, offset, text, field = agg.evidence
        return Tag(kind, id_, entry.label if entry else id_, agg.mentions, text, offset, field, agg.score, derived)

    def _derived(self, tags: list[Tag]) -> list[Tag]:
        """Länder implied by municipalities, parent topics implied by child topics."""
        have = {(t.kind, t.id) for t in tags}
        out: dict[tuple[str, str], Tag] = {}
        for tag in tags:
            if tag.kind not in ("municipality", "topic"):
                continue
            entry = self.taxonomy.get(tag.kind, tag.id)
            parent_kind = "state" if tag.kind == "municipality" else "topic"
            parent = entry.parent if entry else None
            while parent and (parent_kind, parent) not in have:
                pentry = self.taxonomy.get(parent_kind, parent)
                prev = out.get((parent_kind, parent))
                if prev is None or tag.score > prev.score:
                    mentions = tag.mentions + (prev.mentions if prev else 0)
                    out[(parent_kind, parent)] = Tag(parent_kind, parent, pentry.label if pentry else parent, mentions,
                                                     tag.evidence, tag.offset, tag.field, tag.score, True)
                elif prev is not None:
                    out[(parent_kind, parent)] = Tag(**{**prev.__dict__, "mentions": prev.mentions + tag.mentions})
                parent = pentry.parent if (pentry and parent_kind == "topic") else None
        return list(out.values())


_lock = threading.Lock()
_taggers: dict[tuple[str, str], Tagger] = {}


def get_tagger(taxonomy_dir: Path | None = None) -> Tagger:
    """The shared Tagger for `taxonomy_dir` (default: the packaged taxonomy), rebuilt if the files change."""
    directory = Path(taxonomy_dir or DEFAULT_DIR).resolve()
    version = load_cached(directory).version
    key = (str(directory), version)
    with _lock:
        tagger = _taggers.get(key)
        if tagger is None:
            tagger = _taggers[key] = Tagger(directory)
        return tagger


def tag(title: str = "", teaser: str = "", body: str = "") -> list[Tag]:
    """Tag one article with the packaged taxonomy (`nlp.tagger.tag(title, teaser, body)`)."""
    return get_tagger().tag(title, teaser, body)
