"""Pick the mentions among overlapping match candidates: context checks, blockers, longest match.

Works on plain tuples (match key, start, end) so the per-document cost stays small.
Policy, in order:
1. `noun`-flagged forms (-er adjectives such as `Dresdner`) count only right before a capitalised word.
2. `context`-flagged forms (bare `Essen`, `Hof`) are weak unless a cue word (`in`, `Stadt`, …) precedes.
3. Anything overlapping a blocker phrase (`FC Bayern`, `Brandenburger Tor`) is dropped; a blocker that
   adds whole words to a place's name (a club: `FC Bayern`, `Holstein Kiel`) also claims that bare
   name, or its genitive, elsewhere in the text unless a cue precedes it (`Bayerns Trainer`, not `in Bayern`).
4. Länder and municipalities compete together, actors among themselves: the longest match wins, and
   matches with the very same extent coexist (`Berlin` is the Land and the city).
5. Topics: a topic word inside an actor's name is dropped (`… für Digitales und Staatsmodernisierung`);
   different topics may overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.tokens import Doc

from nlp.patterns import BLOCK
from nlp.place_context import cued, list_head, not_a_place

GEO = frozenset({"state", "municipality"})
#: A Land adjective (`Bayerische Motoren Werke`, `bayernweit`) is no name a club could claim.
_ADJECTIVE = re.compile(r"(isch|weit)(e[mnrs]?)?$")
#: A Land's abbreviation takes no article (`in MV`, `die NRW-Kommunen`): `auf der MV` is another word
#: (a Mitgliederversammlung).
_DETERMINERS = frozenset("der die das den dem des ein eine einer einem einen eines seiner seine ihrer ihre "
                         "unserer unsere jeder jede dieser diese nächsten nächste letzten letzte kommenden "
                         "ordentlichen außerordentlichen jährlichen".split())
Found = tuple[int, int, int]  # (match key, start, end)
Mention = tuple[int, int, int, bool]  # (match key, start, end, weak)


class Resolver:
    """Resolve the candidates of one Doc; `kinds`/`ids`/`flags` give a match key's (a list index) kind,
    entry (any hashable) and flag."""

    def __init__(self, cues: Iterable[str], kinds: Sequence[str], ids: Sequence[object], flags: Sequence[str],
                 person_cues: Iterable[str] = ()):
        self.cues = frozenset(cues)
        self.person_cues = frozenset(person_cues)
        self.kinds = kinds
        self.ids = ids
        self.flags = flags

    def resolve(self, doc: Doc, found: Iterable[Found]) -> list[Mention]:
        geo: list[Mention] = []
        actors: list[Mention] = []
        topics: list[Mention] = []
        blocks: list[tuple[int, int]] = []
        lists: list[tuple[int, int]] = []  # names inside "die Landkreise A, B und C"
        names: list[Mention] = []  # every place candidate, for the names a club claims
        kinds, flags = self.kinds, self.flags
        for h, start, end in found:
            kind, flag = kinds[h], flags[h]
            if kind == BLOCK:
                blocks.append((start, end))
                continue
            weak = flag == "weak" or flag == "generic"  # `die Landesregierung`: its Land decides (actor_support)
            if kind in GEO:
                names.append((h, start, end, False))
                if flag == "noun" and not _before_noun(doc, end):
                    continue
                if kind == "state" and _abbreviation(doc, start, end) and _after_article(doc, start, end):
                    continue
                if not_a_place(doc, start, end, self.person_cues if kind == "municipality" else frozenset()):
                    continue
                if flag == "list" or flag == "context" or kind == "municipality":
                    head = list_head(doc, start)
                    if flag == "list" and head != "kreis":
                        continue
                    if flag == "context" and not (head or cued(doc, start, self.cues)):
                        weak = True
                    if head == "kreis" and flag != "list":
                        lists.append((start, end))
            mention = (h, start, end, weak)
            (geo if kind in GEO else actors if kind == "actor" else topics).append(mention)
        if blocks:
            claims = self._claimed_names(doc, names, blocks)
            geo, actors, topics = (_unblocked(m, blocks) for m in (geo, actors, topics))
            if claims:
                geo = [m for m in geo if not self._claimed(doc, m, claims)]
        if lists:
            geo = self._kreis_lists(geo, set(lists))
        geo = self._defined_elsewhere(doc, geo)
        actors = _longest(actors)
        return _longest(geo) + actors + _topics(topics, actors, self.ids)


    def _claimed_names(self, doc: Doc, geo: list[Mention], blocks: list[tuple[int, int]]) -> set[tuple[object, str]]:
        """(entry, name) of the places a blocker extends by whole words: `FC Bayern`, `Union Berlin`,
        `Holstein Kiel` (clubs), not a hyphenated compound (`Sachsen-Anhalt-Ticket`) nor an adjective
        (`Berliner Zeitung`, `Bayerische Motoren Werke`)."""
        out: set[tuple[object, str]] = set()
        for h, start, end, _ in geo:
            name = doc[start:end].text
            if self.flags[h] not in ("", "context") or not name[:1].isupper() or _ADJECTIVE.search(name):
                continue
            for b_start, b_end in blocks:
                if b_start <= start and end <= b_end and (b_start, b_end) != (start, end):
                    glued = (start > b_start and doc[start - 1].text == "-") or (end < b_end and doc[end].text == "-")
                    if not glued:
                        out.add((self.ids[h], name))
        return out

    def _claimed(self, doc: Doc, mention: Mention, claims: set[tuple[object, str]]) -> bool:
        """The club's name (`Bayern`, `Bayerns`, `die Bayern`) outside its blocker, without a cue."""
        h, start, end, _ = mention
        text = doc[start:end].text
        id_ = self.ids[h]
        if not any(id_ == c_id and text in (name, name + "s", name + "es") for c_id, name in claims):
            return False
        return not cued(doc, start, self.cues)

    def _defined_elsewhere(self, doc: Doc, geo: list[Mention]) -> list[Mention]:
        """`Mitgliederversammlung (MV)`: the text defines the abbreviation as something else than the
        Land, so none of its uses is the Land (`Mecklenburg-Vorpommern (MV)` defines the Land)."""
        defined = set()
        for h, start, end, _ in geo:
            if (0 < start and end < len(doc) and doc[start - 1].text == "(" and doc[end].text == ")"
                    and self.kinds[h] == "state" and _abbreviation(doc, start, end)
                    and not any(g[2] == start - 1 and self.ids[g[0]] == self.ids[h] for g in geo)):
                defined.add(doc[start].text)
        if not defined:
            return geo
        return [m for m in geo if not (self.kinds[m[0]] == "state" and m[2] - m[1] == 1 and doc[m[1]].text in defined)]

    def _kreis_lists(self, geo: list[Mention], spans: set[tuple[int, int]]) -> list[Mention]:
        """In "die Landkreise Emsland, Leer und Oldenburg" a name with a Kreis reading is that Kreis:
        its other readings (the city of Oldenburg, the town of Leer) go."""
        kreis_read = {(m[1], m[2]) for m in geo if self.flags[m[0]] == "list"}
        return [m for m in geo if (m[1], m[2]) not in spans or (m[1], m[2]) not in kreis_read
                or self.flags[m[0]] == "list" or self.kinds[m[0]] != "municipality"]


def _abbreviation(doc: Doc, start: int, end: int) -> bool:
    return end - start == 1 and doc[start].text.isupper() and len(doc[start].text) <= 4


def _after_article(doc: Doc, start: int, end: int) -> bool:
    """`auf der MV wurde`, `die MV beschloss`; not `die NRW-Kommunen` nor `die NRW Landesregierung`."""
    if start == 0 or doc[start - 1].lower_ not in _DETERMINERS:
        return False
    return end >= len(doc) or not (doc[end].text == "-" or (doc[end].text[:1].isupper() and doc[end].is_alpha))


def _before_noun(doc: Doc, end: int) -> bool:
    """An -er place adjective counts right before a noun (`Dresdner Forderungen`), not as a noun
    itself (`Berliner backen`, `die Münchner drehten`)."""
    if end >= len(doc):
        return False
    first = doc[end].text[:1]
    return first.isupper() and first.isalpha()


def _unblocked(mentions: list[Mention], blocks: list[tuple[int, int]]) -> list[Mention]:
    return [m for m in mentions if not any(m[1] < b_end and b_start < m[2] for b_start, b_end in blocks)]


def _longest(mentions: list[Mention]) -> list[Mention]:
    """Longest match wins; mentions with the very same extent coexist; a strong one beats a weak twin."""
    if len(mentions) < 2:
        return mentions
    accepted: list[Mention] = []
    seen: set[tuple[int, int, int]] = set()
    for m in sorted(mentions, key=lambda m: (m[1] - m[2], m[1], m[3])):
        _, start, end, _ = m
        if (m[0], start, end) in seen:
            continue
        if any(start < a[2] and a[1] < end and (a[1], a[2]) != (start, end) for a in accepted):
            continue
        seen.add((m[0], start, end))
        accepted.append(m)
    return accepted


def _topics(topics: list[Mention], actors: list[Mention], ids: Sequence[object]) -> list[Mention]:
    """Drop topic words inside an actor's name; a topic phrase containing an actor still counts
    (`D21-Digital-Index`). Overlapping matches of one topic count once (the longest, strong first)."""
    if not topics:
        return topics
    out: list[Mention] = []
    for m in sorted(topics, key=lambda m: (m[1] - m[2], m[1], m[3])):
        if any(a[1] <= m[1] and m[2] <= a[2] for a in actors):
            continue
        if any(ids[o[0]] == ids[m[0]] and m[1] < o[2] and o[1] < m[2] for o in out):
            continue
        out.append(m)
    return out
