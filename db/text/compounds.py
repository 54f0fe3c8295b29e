"""German compound splitting for the search index: `cybersicherheit` → `cyber` + `sicherheit`.

A compound is split only into parts of a curated list (or a known head after an unknown modifier
of four letters or more, or a known modifier before an unknown head), so `insgesamt` stays whole.
Cost is bounded whatever the input: words longer than MAX_SPLIT_CHARS are never split, the split
is a dynamic programme over prefixes (no recursion), and runs of adjacent parts are at most
MAX_RUN_PARTS long, so a word yields at most a few dozen extra tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from db.text.words import fold

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


def split_compound(word: str) -> tuple[str, ...]:
    """Known parts of a folded compound (`cybersicherheit` → `cyber`, `sicherheit`), or `()`."""
    return tuple(part for part, _, _ in compound_spans(word))


def compound_spans(word: str) -> tuple[Span, ...]:
    """The parts of a folded compound with where each sits in it (linking `s` included)."""
    if not _MIN_WORD_TO_SPLIT <= len(word) <= MAX_SPLIT_CHARS:
        return ()
    return _cached_spans(word)


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
