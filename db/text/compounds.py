"""German compound splitting for the search index: `cybersicherheit` → `cyber` + `sicherheit`.

A compound is split only into parts of a curated list (or a known head after an unknown modifier
of four letters or more, or a known modifier before an unknown head), so `insgesamt` stays whole.
Cost is bounded whatever the input: words longer than MAX_SPLIT_CHARS are never split, the split
is a dynamic programme over prefixes (no recursion), and runs of adjacent parts are at most
MAX_RUN_PARTS long, so a word yields at most a few dozen extra tokens.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from db.text.words import FOLDED_STOPWORDS, fold, remember

# Known parts for splitting compounds (surface forms; folded when loaded). Domain words of German
# administration and IT news plus frequent general nouns. A compound is split only into parts of
# this list (or a known head after a modifier of at least four letters), so words such as
# `insgesamt` are not cut into `insges` + `amt`.
_PARTS = """
    abfall abgabe abkommen ablauf abschluss abteilung agentur akte aktion alarm allianz alltag alter
    amt analyse anbieter angebot angriff anlage anmeldung annahme anschluss ansatz antrag anwendung
    anzeige app arbeit arbeits architektur archiv arzt audit aufbau aufgabe auftrag ausbau ausgabe
    ausschuss ausweis auswertung auto automat bahn bank basis bau bauantrag bedarf befragung behörde
    beirat beitrag bereich bericht beruf beschaffung beschluss betrieb betreiber bewerbung bezirk
    bibliothek bildung bilanz bot breitband brief bund bundes bürger bürgermeister büro chat chef
    cloud code computer cyber daten datenbank dauer debatte demokratie dialog dienst dienste digital
    direktor dokument dorf druck echtheit eingang einheit einsatz einwohner element empfang energie
    entwicklung entwurf ergebnis erklärung ersatz fach fahrzeug fall familie feld fern fernseh
    feuerwehr finanz firma fläche fonds form forschung forum frage frau freiheit frist führung
    funk funktion förder förderung gebiet gebühr gebäude geld gemeinde gemeinschaft gericht gesetz
    gesellschaft gesundheit gewerbe gipfel gremium grenze grund grundlage gruppe gutachten haft
    halt handel haushalt haus heim hilfe hochschule hof idee index industrie information
    infrastruktur initiative innovation institut interesse jahr jahres jugend justiz kabinett
    kammer kampagne kanal kanzler karte kasse katalog kern kette kind kirche klima klinik kommission
    kommune kommunen konferenz konto kontrolle konzept kooperation kopf kosten kraft krankenhaus
    kreis krise kultur kunde kunden labor land landes landkreis landrat lage leben lehrer leistung
    leiter leitung lizenz lösung luft macht management markt maßnahme medien meldung mensch
    messe methode miete minister ministerium mitarbeiter mittel modell modernisierung modul monat
    nachweis name netz netzwerk norm nummer nutzen nutzer nutzung objekt online ordnung organisation
    ort papier park partei partner pass person personal pflege pflicht phase pilot plan planung
    plattform polizei portal post praxis preis presse prinzip produkt programm projekt prozess
    prüfung publikum punkt qualität quote rahmen rat rathaus raum recht rechts rechnung referat
    reform regel region register regierung reise rente richtlinie risiko rolle runde sache satz
    schaden schule schulung schutz schnittstelle schwelle sektor server service sicherheit signatur
    sitz software sozial speicher spitze sprache staat stadt stand standard standort station stelle
    steuer stiftung strategie straße strom struktur studie stufe support system tag tarif team
    technik technologie teil termin test text titel träger transfer umfrage umsetzung umwelt
    unternehmen urkunde verband verbund verein verfahren verfassung verkehr verlag vermessung
    verordnung versicherung versorgung vertrag vertrauen verwaltung verzeichnis volk vorgang
    vorhaben vorlage vorschlag vorsitz wagen wahl wald wandel wasser web wechsel weg welt werk
    wert wesen wettbewerb lücke digitalisierung vernetzung beteiligung bürgerbeteiligung wirtschaft wissen wohn wohnung woche wunsch zahl zahlung zeit zeitung
    zentrale zentrum ziel zone zugang zugriff zulassung zusammenarbeit zuständigkeit zweck
    """

_LINKS = ("s", "es", "n", "en", "e", "er")  # linking elements (Fugen) between compound parts
_LINKS_OR_NONE = ("", *_LINKS)
_MIN_WORD_TO_SPLIT = 7
_MIN_PART = 3
_MIN_UNKNOWN_MODIFIER = 4
_MIN_HEAD_AFTER_UNKNOWN = 5
# A German word rarely passes 40 letters (`Rindfleischetikettierungsüberwachungsaufgaben…` is 63);
# anything longer is a URL, a hash, a run-together repetition or an attack: indexed whole, unsplit.
MAX_SPLIT_CHARS = 64
# Runs of adjacent parts indexed for a compound of many parts: `a b c d e` gives `ab`, `bc`, …,
# `abcd`, `bcde` but not longer runs (a k-part word yields at most 3k runs, not k²/2).
MAX_RUN_PARTS = 4

PARTS = frozenset(fold(part) for part in _PARTS.split())
# Parts by their last four letters (three-letter parts apart) and by their first three, longest
# first: a word is checked only against the few parts that can end or start at a place, so one
# position costs a dictionary lookup or two instead of one lookup per part length.
_BY_LAST4: dict[str, tuple[str, ...]] = {}
_SHORT = {part for part in PARTS if len(part) == 3}
_BY_FIRST3: dict[str, tuple[str, ...]] = {}
for _part in sorted(PARTS, key=len, reverse=True):
    if len(_part) > 3:
        _BY_LAST4[_part[-4:]] = (*_BY_LAST4.get(_part[-4:], ()), _part)
    _BY_FIRST3[_part[:3]] = (*_BY_FIRST3.get(_part[:3], ()), _part)


def _heads_ending_at(word: str, end: int) -> tuple[str, ...]:
    """Known parts that may end at `end` in `word`, longest first (still to be checked in full)."""
    heads = _BY_LAST4.get(word[end - 4 : end], ()) if end >= 4 else ()
    short = word[end - 3 : end]
    return (*heads, short) if short in _SHORT else heads

Span = tuple[str, int, int]  # (the part as a word, start, end of its span incl. a linking element)


def split_compound(word: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """Known parts of a folded compound (`cybersicherheit` → `cyber`, `sicherheit`), or `()`."""
    return tuple(part for part, _, _ in compound_spans(word, lexicon))


def compound_spans(word: str, lexicon: Lexicon | None = None) -> tuple[Span, ...]:
    """The parts of a folded compound with where each sits in it (linking `s` included): by the
    curated PARTS alone, or with an archive's `lexicon` (its own words) too."""
    if not _MIN_WORD_TO_SPLIT <= len(word) <= MAX_SPLIT_CHARS:
        return ()
    if lexicon is None:
        return _cached_spans(word)
    return lexicon.spans(word)


@lru_cache(maxsize=100_000)
def _cached_spans(word: str) -> tuple[Span, ...]:
    count = len(word)
    prefix_parts = [part for part in _BY_FIRST3.get(word[:3], ()) if word.startswith(part)]  # longest first
    spans = _split_known(word, {len(part) for part in prefix_parts})
    if spans and len(spans) > 1:
        return spans
    # An unknown modifier before a long known head: `ransomwareangriff` → `ransomware`, `angriff`.
    for head in _heads_ending_at(word, count):  # longest head first
        cut = count - len(head)
        if len(head) < _MIN_HEAD_AFTER_UNKNOWN or cut < _MIN_UNKNOWN_MODIFIER or not word.endswith(head):
            continue
        modifier = _strip_link(word[:cut])
        if len(modifier) >= _MIN_UNKNOWN_MODIFIER:
            return ((modifier, 0, cut), (head, cut, count))
    # A known modifier before an unknown head: `sicherheitsluecke` → `sicherheit`, `luecke`.
    known = {len(part) for part in prefix_parts if len(part) >= _MIN_HEAD_AFTER_UNKNOWN}
    for cut in range(count - _MIN_HEAD_AFTER_UNKNOWN, _MIN_HEAD_AFTER_UNKNOWN - 1, -1) if known else ():
        for link in ("", "s", "es", "n", "en"):
            if len(link) == 0 or word.endswith(link, 0, cut):
                if cut - len(link) in known:
                    return ((word[: cut - len(link)], 0, cut), (word[cut:], cut, count))
    return ()


_LINK_S_AFTER = ("ungs", "heits", "keits", "schafts", "ions", "taets", "tums", "lings")


def _strip_link(modifier: str) -> str:
    """Drop a Fugen-s where German grammar puts one: after -ung, -heit, -keit, -schaft, -ion, …"""
    if modifier.endswith("s") and (modifier[:-1] in PARTS or modifier.endswith(_LINK_S_AFTER)):
        return modifier[:-1]
    return modifier


def _split_known(word: str, prefix_lengths: set[int]) -> tuple[Span, ...] | None:
    """Split `word` wholly into known parts, longest head first; None if it cannot be done.

    `best[k]` is the split of the prefix `word[:k]` (a single known part counts: its length is in
    `prefix_lengths`), built from shorter prefixes left to right: one lookup per position, no
    recursion. The whole word itself must be cut (a known word alone is no compound)."""
    if not prefix_lengths:  # every split starts with a known part
        return None
    count = len(word)
    best: list[tuple[Span, ...] | None] = [None] * (count + 1)
    for end in range(min(prefix_lengths), count + 1):
        if end < count and end in prefix_lengths:
            best[end] = ((word[:end], 0, end),)
            continue
        # The first (longest) known head ending here whose modifier, without or with a linking
        # element, is itself split.
        heads = _BY_LAST4.get(word[end - 4 : end], ())
        if word[end - 3 : end] in _SHORT:
            heads = (*heads, word[end - 3 : end])
        for head in heads:
            cut = end - len(head)
            if cut < _MIN_PART or not word.startswith(head, cut):
                continue
            for link in _LINKS_OR_NONE:
                size = cut - len(link)
                rest = best[size] if size >= _MIN_PART and word.endswith(link, 0, cut) else None
                if rest:
                    *init, (part, start, _) = rest
                    best[end] = (*init, (part, start, cut), (head, cut, end))
                    break
            if best[end]:
                break
    return best[count]


def sub_compounds(word: str, spans: Sequence[tuple[int, int]]) -> Iterator[str]:
    """Runs of two to MAX_RUN_PARTS adjacent parts short of the whole: `cybersicherheitsstrategie`
    → `cybersicherheits`, `sicherheitsstrategie` (so `Cybersicherheit` finds the strategy)."""
    count = len(spans)
    for i in range(count):
        for j in range(i + 1, min(count, i + MAX_RUN_PARTS)):
            if (i, j) != (0, count - 1):
                yield word[spans[i][0] : spans[j][1]]


# --- splitting by an archive's own vocabulary -------------------------------------------------------
# A word of the archive is a part when it occurs in MIN_DOCS articles or more and has LEXICON_MIN_PART
# to LEXICON_MAX_PART letters (a stop word never is). New compounds then split without a list:
# `hitzeaktionsplan` → `hitze`, `aktion`, `plan` once `Hitze` is written somewhere in the archive.
MIN_DOCS = 2
LEXICON_MIN_PART = 4
LEXICON_MAX_PART = 24
_MIN_UNKNOWN_HEAD = 5
# An unknown last part that is only a derivational ending of the word before it is no head:
# `digital` + `isierung`, `kommun` + `ikation`.
_NOT_A_HEAD = ("isier", "ier", "ung", "heit", "keit", "lich", "isch", "ikation", "ation", "ismus", "ität", "itaet")


class Lexicon:
    """An archive's words (folded) with the number of articles each occurs in: the parts compounds
    are split into besides the curated PARTS, so a compound of new words needs no list.

    `spans(word)` is a dynamic programme over the word's positions (no recursion): every cut into
    parts that are all known words, at most one unknown part allowed as the first (four letters or
    more) or the last (five or more) one. The best cut has the fewest unknown parts, then the most
    parts (runs of adjacent parts are indexed too, so the coarser units stay findable), then the
    most frequent parts. At most LEXICON_MAX_PART × 7 steps per letter, 64 letters."""

    def __init__(self, docs: Mapping[str, int], min_docs: int = MIN_DOCS):
        self.docs = {word: count for word, count in docs.items()
                     if count >= min_docs and LEXICON_MIN_PART <= len(word) <= LEXICON_MAX_PART
                     and word not in FOLDED_STOPWORDS}
        self._spans: dict[str, tuple[Span, ...]] = {}
        self.cache: dict[str, object] = {}  # for the callers' per-lexicon results (db.text.normalise)

    def __len__(self) -> int:
        return len(self.docs)

    def weight(self, part: str) -> int:
        """How often `part` occurs as a word (a curated part counts once at least); 0: unknown."""
        count = self.docs.get(part, 0)
        return max(count, 1) if part in PARTS else count

    def spans(self, word: str) -> tuple[Span, ...]:
        found = self._spans.get(word)
        if found is None:
            found = remember(self._spans, word, self._split(word) or _cached_spans(word))
        return found

    def _split(self, word: str) -> tuple[Span, ...]:
        count = len(word)
        # best[u][i]: the best cut of word[:i] at a part boundary (after its linking element) with u
        # unknown parts, as (score, spans); score = (-parts, -log frequency), lower is better.
        best: list[list[tuple[tuple[int, float], tuple[Span, ...]] | None]] = [[None] * (count + 1) for _ in range(2)]
        best[0][0] = ((0, 0.0), ())
        for cut in range(_MIN_UNKNOWN_MODIFIER, count - _MIN_PART + 1):  # an unknown first part
            best[1][cut] = ((-1, 0.0), ((_strip_link(word[:cut]), 0, cut),))
        final: list[tuple[tuple[int, float], tuple[Span, ...]] | None] = [None, None]

        def offer(unknown: int, stop: int, score: tuple[int, float], spans: tuple[Span, ...]) -> None:
            if stop == count:
                if final[unknown] is None or score < final[unknown][0]:
                    final[unknown] = (score, spans)
            elif best[unknown][stop] is None or score < best[unknown][stop][0]:
                best[unknown][stop] = (score, spans)

        for start in range(count - _MIN_PART + 1):
            for unknown in (0, 1):
                here = best[unknown][start]
                if here is None:
                    continue
                (parts, logs), spans = here
                for end in range(start + _MIN_PART, min(count, start + LEXICON_MAX_PART) + 1):
                    part = word[start:end]
                    weight = self.weight(part) if len(part) >= LEXICON_MIN_PART or part in PARTS else 0
                    if not weight or (start == 0 and end == count):
                        continue
                    if unknown and len(spans) == 1 and start == spans[0][2] and len(part) < _MIN_HEAD_AFTER_UNKNOWN:
                        continue  # after an unknown first part only a long one: not `insges` + `amt`
                    for link in _LINKS_OR_NONE:
                        stop = end + len(link)
                        if stop <= count and word.startswith(link, end):
                            offer(unknown, stop, (parts - 1, logs - math.log(weight + 1)), (*spans, (part, start, stop)))
                # an unknown last part after known ones
                head = word[start:]
                if unknown == 0 and spans and len(head) >= _MIN_UNKNOWN_HEAD and not head.startswith(_NOT_A_HEAD):
                    offer(1, count, (parts - 1, logs), (*spans, (head, start, count)))
        for choice in final:
            if choice is not None and len(choice[1]) > 1:
                return choice[1]
        return ()
