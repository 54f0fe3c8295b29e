"""The public tagging API: article fields in, `Tag`s out (the contract in docs/architecture.md)."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from nlp.actor_support import support_generic
from nlp.orgs import ORGS
from nlp.place_support import drop_places_in_names, support_places
from nlp.taxonomy import DEFAULT_DIR, Taxonomy, load_cached
from nlp.zones import RotatingZone

FIELDS = ("title", "teaser", "body")
#: Weight of one mention per field; a tag's score is 1 - Π(1 - weight) over its mentions, so a title
#: mention (0.6) outranks two passing body mentions (0.36) and nothing exceeds 1.
WEIGHTS = {"title": 0.6, "teaser": 0.4, "body": 0.2}
KIND_ORDER = {"actor": 0, "state": 1, "municipality": 2, "topic": 3}
#: A discovered organisation's score is this share of what a registered actor would get.
DISCOVERED_FACTOR = 0.5


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
    discovered: bool = False  # an organisation the register does not know (nlp/orgs.py); id is a slug


#: Fields are tagged as one Doc, joined by a blank line: no pattern contains a line break, so no match
#: can cross from title to teaser, and one Doc per article costs a third of three.
SEPARATOR = "\n\n"
SOFT_HYPHEN = "\u00ad"
OTHER_HYPHENS = ("\u2010", "\u2011")
HYPHEN_MAP = str.maketrans(dict.fromkeys(OTHER_HYPHENS, "-"))
#: A town's adjective before the head of a Land's government, parliament or top authority: the town
#: is the body's seat, named as a place (`Stuttgarter Staatsministerium`, `Dresdner Sozialministerium`).
SEAT_AND_LAND_BODY = re.compile(r"[A-ZÄÖÜ][\w-]+er (?:\w*ministerium|Staatskanzlei|Senatskanzlei|Landesregierung|"
                                r"Staatsregierung|Landtag|Landeskabinett|Landesrechnungshof|Rechnungshof)")


@dataclass
class _Agg:
    """The mentions of one (kind, id) in one article: (start char, end char, weak)."""

    mentions: list[tuple[int, int, bool]]


class _Article:
    """One tagged article: its Doc, where each field starts in it, and per field where soft hyphens
    were taken out (see `soft_hyphens`)."""

    def __init__(self, doc, text: str, starts: tuple[int, int, int], cuts: tuple[list[int], ...] | None = None):
        self.doc = doc
        self.text_ = text  # Doc.text rebuilds the string on every access
        self.starts = starts
        self.cuts = cuts

    def rank(self, char: int) -> int:
        return 2 if char >= self.starts[2] else 1 if char >= self.starts[1] else 0

    def text(self, mention: tuple[int, int, bool]) -> str:
        return self.text_[mention[0]:mention[1]]

    def score(self, agg: _Agg) -> float:
        miss = 1.0
        for m in agg.mentions:
            miss *= 1.0 - WEIGHTS[FIELDS[self.rank(m[0])]]
        return round(1.0 - miss, 3)

    def first(self, agg: _Agg) -> tuple[str, int, str]:
        """(evidence text, character offset in its field, field) of the first mention."""
        mention = min(agg.mentions)
        rank = self.rank(mention[0])
        offset = mention[0] - self.starts[rank]
        if self.cuts:  # the offset in the field as given, soft hyphens included
            offset += bisect.bisect_right(self.cuts[rank], offset)
        return self.text(mention), offset, FIELDS[rank]


def soft_hyphens(fields: tuple[str, str, str]) -> tuple[tuple[str, str, str], tuple[list[int], ...] | None]:
    """Take out soft hyphens (U+00AD, `&shy;` in a CMS headline: `Baden-Würt\xadtemberg`), which split
    no word but hide it from every pattern; also say where, so offsets still point into the given text.
    Non-breaking hyphens (U+2011) and U+2010 become `-` (same length): `Sachsen\u2011Anhalt` is no Sachsen."""
    if any(h in f for f in fields if f for h in OTHER_HYPHENS):
        fields = tuple((f or "").translate(HYPHEN_MAP) for f in fields)  # type: ignore[assignment]
    if not any(SOFT_HYPHEN in f for f in fields if f):
        return fields, None
    cuts: list[list[int]] = []
    for field_ in fields:
        parts = (field_ or "").split(SOFT_HYPHEN)
        at, mine = 0, []
        for part in parts[:-1]:
            at += len(part)
            mine.append(at)
        cuts.append(mine)
    return tuple((f or "").replace(SOFT_HYPHEN, "") for f in fields), tuple(cuts)  # type: ignore[return-value]


def join_fields(title: str, teaser: str, body: str) -> tuple[str, tuple[int, int, int]]:
    """The article as one text, and the character offset where each field starts."""
    title, teaser, body = title or "", teaser or "", body or ""
    teaser_at = len(title) + len(SEPARATOR)
    body_at = teaser_at + len(teaser) + len(SEPARATOR)
    return f"{title}{SEPARATOR}{teaser}{SEPARATOR}{body}", (0, teaser_at, body_at)


class Tagger:
    """Tags articles with the actors, Länder, municipalities and topics of one taxonomy."""

    def __init__(self, taxonomy_dir: Path | None = None):
        self.taxonomy: Taxonomy = load_cached(taxonomy_dir)
        self.version: str = self.taxonomy.version
        self.short_actors = _short_actors(self.taxonomy)
        self._build()

    def _build(self) -> None:
        from nlp.pipeline import build_pipeline

        self.nlp = build_pipeline(self.taxonomy.directory, write_spans=False)
        self.zone = RotatingZone(self.nlp)  # bounded memory over a long crawl (nlp/zones.py)

    def tag(self, title: str = "", teaser: str = "", body: str = "") -> list[Tag]:
        """Tag one article."""
        return list(self.tag_many([(title, teaser, body)]))[0]

    def tag_many(self, docs: Iterable[tuple[str, str, str]], batch_size: int = 64) -> Iterator[list[Tag]]:
        """Tag many (title, teaser, body) triples, streaming them through `nlp.pipe`. No Doc leaves
        this generator: its words may be freed by the next call (nlp/zones.py)."""
        def prepared():
            for triple in docs:
                fields, cuts = soft_hyphens(tuple(triple))  # type: ignore[arg-type]
                text, starts = join_fields(*fields)
                yield text, (text, starts, cuts)

        if self.zone.due:
            self.zone.close()
            self._build()
        self.zone.enter()
        try:
            for doc, (text, starts, cuts) in self.nlp.pipe(prepared(), batch_size=batch_size, as_tuples=True):
                self.zone.count()
                yield self._tags(_Article(doc, text, starts, cuts))
        finally:
            self.zone.leave()

    def _tags(self, article: _Article) -> list[Tag]:
        doc = article.doc
        aggs: dict[tuple[str, str], _Agg] = {}
        for kind, id_, start, end, weak in doc.user_data.get("radar", ()):
            mention = (start, end, weak)
            agg = aggs.get((kind, id_))
            if agg is None:
                aggs[(kind, id_)] = _Agg([mention])
            else:
                agg.mentions.append(mention)
        if any(kind == "municipality" for kind, _ in aggs):
            names = [(m[0], m[1]) for (kind, _), agg in aggs.items() if kind == "actor" for m in agg.mentions]
            names += [(start, end) for start, end, _ in doc.user_data.get(ORGS, ())]
            drop_places_in_names(aggs, names, _Agg, self._seats(aggs, doc), self.taxonomy)
        support_places(aggs, self.taxonomy, _Agg)
        support_generic(aggs, self.taxonomy, article.text_, _Agg)
        _merge_back_references(aggs, article, self.short_actors)
        tags = []
        for (kind, id_), agg in aggs.items():
            tag = self._make(kind, id_, agg, article)
            if self._accept(kind, agg, tag.score):
                tags.append(tag)
        tags += self._derived(tags)
        tags += self._discovered(doc, article, {t.id for t in tags if t.kind == "actor"})
        tags.sort(key=lambda t: (KIND_ORDER[t.kind], -t.score, t.id))
        return tags

    def _seats(self, aggs: dict[tuple[str, str], _Agg], doc) -> dict[int, str | None]:
        """Where each mention of a Land body starts → its Land (`Kieler Innenministerium` → DE-SH), or
        None for a recognised one whose Land the name does not say (`Stuttgarter Staatsministerium`)."""
        out: dict[int, str | None] = {}
        for (kind, id_), agg in aggs.items():
            entry = self.taxonomy.get("actor", id_) if kind == "actor" else None
            land = entry.data.get("land") if entry is not None else None
            if land:
                out.update((m[0], land) for m in agg.mentions)
        out.update((start, None) for start, _, name in doc.user_data.get(ORGS, ()) if SEAT_AND_LAND_BODY.match(name))
        return out

    def _accept(self, kind: str, agg: _Agg, score: float) -> bool:
        """One specific mention suffices; generic ("weak") evidence alone needs the kind's min_score
        (topics: a title mention or repetition); a bare ambiguous place name alone never suffices."""
        if any(not m[2] for m in agg.mentions):
            return True
        needed = self.taxonomy.min_score.get(kind)
        return needed is not None and score >= needed

    def _make(self, kind: str, id_: str, agg: _Agg, article: _Article) -> Tag:
        text, offset, field_ = article.first(agg)
        entry = self.taxonomy.get(kind, id_)
        label = entry.label if entry is not None else id_
        return Tag(kind, id_, label, len(agg.mentions), text, offset, field_, article.score(agg))

    def _discovered(self, doc, article: _Article, registered: set[str]) -> list[Tag]:
        """Organisations found by the recogniser, one tag per canonical name, at half the weight of a
        registered actor: staff see who is new in the debate, ranked below the known bodies."""
        found: dict[str, tuple[str, _Agg]] = {}
        for start, end, name in doc.user_data.get(ORGS, ()):
            slug = slugify(name)
            if not slug or slug in registered or slug in self.taxonomy.ignored or self.taxonomy.get("actor", slug) is not None:
                continue
            entry = found.get(slug)
            if entry is None:
                found[slug] = (name, _Agg([(start, end, False)]))
            else:
                entry[1].mentions.append((start, end, False))
        out = []
        for slug, (name, agg) in found.items():
            text, offset, field_ = article.first(agg)
            score = round(article.score(agg) * DISCOVERED_FACTOR, 3)
            out.append(Tag("actor", slug, name, len(agg.mentions), text, offset, field_, score, False, True))
        return out

    def _derived(self, tags: list[Tag]) -> list[Tag]:
        """Länder implied by municipalities, parent topics implied by child topics (derived=True)."""
        have = {(t.kind, t.id) for t in tags}
        out: dict[tuple[str, str], Tag] = {}
        for tag in tags:
            parent_kind = {"municipality": "state", "topic": "topic"}.get(tag.kind)
            entry = self.taxonomy.get(tag.kind, tag.id) if parent_kind else None
            parent = entry.parent if entry else None
            while parent_kind and parent and (parent_kind, parent) not in have:
                key = (parent_kind, parent)
                prev = out.get(key)
                pentry = self.taxonomy.get(parent_kind, parent)
                best = prev
                if prev is None or tag.score > prev.score:
                    best = Tag(parent_kind, parent, pentry.label if pentry else parent, 0, tag.evidence, tag.offset,
                               tag.field, tag.score, True)
                out[key] = replace(best, mentions=tag.mentions + (prev.mentions if prev else 0))
                parent = pentry.parent if pentry and parent_kind == "topic" else None
        return list(out.values())


def slugify(name: str) -> str:
    """`Landesrechnungshof Mecklenburg-Vorpommern` → landesrechnungshof-mecklenburg-vorpommern."""
    text = name.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]


def _short_actors(taxonomy: Taxonomy) -> frozenset[tuple[str, str]]:
    """Actors with a name that is part of another actor's name (`Landkreistag` in `Landkreistag
    Baden-Württemberg`): only their mentions can be back-references."""
    names = {e.id: {f" {f.text.lower()} " for f in e.forms} for e in taxonomy.of_kind("actor")}
    owners: dict[str, set[str]] = {}
    for id_, mine in names.items():
        for form in mine:
            owners.setdefault(form, set()).add(id_)
    # A padded form occurs in another only from one of its spaces to another: look up each such
    # stretch of each form instead of testing every pair of forms (411 actors: 0.4 → 0.02 s a load).
    short = set()
    for other, theirs in names.items():
        for longer in theirs:
            spaces = [i for i, char in enumerate(longer) if char == " "]
            for n, start in enumerate(spaces):
                for end in spaces[n + 1 :]:
                    part = longer[start : end + 1]
                    if part != longer:
                        short.update(("actor", id_) for id_ in owners.get(part, ()) if id_ != other)
    return frozenset(short)


def _merge_back_references(aggs: dict[tuple[str, str], _Agg], article: _Article,
                           short: frozenset[tuple[str, str]]) -> None:
    """A short name inside another actor's longer name in the same article refers to that actor:
    `Der Landkreistag …` after `Landkreistag Baden-Württemberg` is not the Deutscher Landkreistag."""
    candidates = [key for key in aggs if key in short]
    if not candidates:
        return
    actors = [(key, agg) for key, agg in aggs.items() if key[0] == "actor"]
    if len(actors) < 2:
        return
    names = {key: [f" {article.text(m).lower()} " for m in agg.mentions] for key, agg in actors}
    for key in candidates:
        owners = []
        for needle in names[key]:
            found = [k for k, texts in names.items() if k != key and any(needle in t and t != needle for t in texts)]
            if len(found) != 1:
                break
            owners.append(found[0])
        else:  # every mention is a back-reference to one longer name
            for mention, owner in zip(aggs[key].mentions, owners, strict=True):
                aggs[owner].mentions.append(mention)
            del aggs[key]
            del names[key]


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
            for stale in [k for k in _taggers if k[0] == key[0]]:  # an edited taxonomy: drop the old one
                del _taggers[stale]
            tagger = _taggers[key] = Tagger(directory)
        return tagger


def tag(title: str = "", teaser: str = "", body: str = "") -> list[Tag]:
    """Tag one article with the packaged taxonomy (`nlp.tagger.tag(title, teaser, body)`)."""
    return get_tagger().tag(title, teaser, body)
