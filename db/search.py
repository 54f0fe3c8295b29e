"""German full-text search over the archive: one normalisation for the index and for queries.

SQLite's FTS5 tokenizers know no German (porter is English-only, trigram is 10x slower at 1M
articles, see docs/search.md). So the archive keeps a second FTS5 table, `articles_search`, whose
text is *normalised in Python* by `normalise_text` and whose queries are normalised by the same
rules in `normalise_query`:

- words are lower-cased, `ß` becomes `ss`, `ä/ae`, `ö/oe`, `ü/ue` fold to `a`, `o`, `u`
  (`Straße` = `Strasse`, `Städte` = `Staedte`);
- German Snowball stems (pystemmer): `Städte`, `Städten`, `Stadt` → `stadt`;
- compounds are split into known parts (`Cybersicherheit` → `cybersich` + `cyb` + `sich`), so a
  part finds the compound (`sicherheit` finds `Cybersicherheit`, `Zugang` finds
  `Onlinezugangsgesetz`); hyphenated words are indexed as the parts and as the joined whole;
- common words (stop words) are not indexed.

Each normalised document is "the stems in text order" (phrases work) followed by "the extra
tokens" (joined hyphen compounds and compound parts). The same module turns a user's query,
syntax errors included, into a valid FTS5 MATCH expression plus friendly notes, and marks the
matching words of the original text for highlighted snippets (never HTML: segments to escape).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

# --- vocabulary ---------------------------------------------------------------------------------
# Common German words: not indexed, dropped from queries (with a note). Surface forms, lower case.
STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
    anders auch auf aus bei beim bin bis bist da damit dann das dass daß dein deine dem den denn der
    des dessen deshalb die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem
    einen einer eines einig einige einigem einigen einiger einiges er es etwas euch euer eure für
    gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem
    ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes
    jetzt kann kein keine keinem keinen keiner keines können könnte machen man manche manchem
    manchen mancher manches mein meine meinem meinen meiner meines mich mir mit muss musste nach
    nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich
    sie sind so solche solchem solchen solcher solches soll sollte sondern sonst um und uns unser
    unsere unserem unseren unserer unter viel vom von vor war waren warst was weg weil weiter
    welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen
    wollte würde würden zu zum zur zwar zwischen über
    """.split()
)

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
_MIN_WORD_TO_SPLIT = 7
_MIN_PART = 3
_MIN_UNKNOWN_MODIFIER = 4
_MIN_HEAD_AFTER_UNKNOWN = 5

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STEMMER = Stemmer.Stemmer("german")
_STEM_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def fold(word: str) -> str:
    """Lower case with `ä→ae ö→oe ü→ue ß→ss`: the spelling both `Straße` and `Strasse` share."""
    return word.lower().translate(_UMLAUTS)


PARTS = frozenset(fold(part) for part in _PARTS.split())
FOLDED_STOPWORDS = frozenset(fold(word) for word in STOPWORDS)

# A word: letters/digits, optionally joined by hyphens or dots inside (`E-Akte`, `Komm.ONE`).
WORD = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
_SUBWORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """German Snowball stem of one folded word, umlauts mapped to their base vowel."""
    return _STEMMER.stemWord(word).translate(_STEM_FOLD)


Span = tuple[str, int, int]  # (the part as a word, start, end of its span incl. a linking element)


def split_compound(word: str) -> tuple[str, ...]:
    """Known parts of a folded compound (`cybersicherheit` → `cyber`, `sicherheit`), or `()`."""
    return tuple(part for part, _, _ in compound_spans(word))


@lru_cache(maxsize=100_000)
def compound_spans(word: str) -> tuple[Span, ...]:
    """The parts of a folded compound with where each sits in it (linking `s` included)."""
    if len(word) < _MIN_WORD_TO_SPLIT:
        return ()
    spans = _split_known(word, 0, top=True)
    if spans and len(spans) > 1:
        return spans
    # An unknown modifier before a long known head: `ransomwareangriff` → `ransomware`, `angriff`.
    for cut in range(_MIN_UNKNOWN_MODIFIER, len(word) - _MIN_HEAD_AFTER_UNKNOWN + 1):
        head = word[cut:]
        if head in PARTS:
            modifier = _strip_link(word[:cut])
            if len(modifier) >= _MIN_UNKNOWN_MODIFIER:
                return ((modifier, 0, cut), (head, cut, len(word)))
    # A known modifier before an unknown head: `sicherheitsluecke` → `sicherheit`, `luecke`.
    for cut in range(len(word) - _MIN_HEAD_AFTER_UNKNOWN, _MIN_HEAD_AFTER_UNKNOWN - 1, -1):
        modifier = word[:cut]
        for candidate in (modifier, *(modifier[: -len(link)] for link in ("s", "es", "n", "en") if modifier.endswith(link))):
            if candidate in PARTS and len(candidate) >= _MIN_HEAD_AFTER_UNKNOWN:
                return ((candidate, 0, cut), (word[cut:], cut, len(word)))
    return ()


_LINK_S_AFTER = ("ungs", "heits", "keits", "schafts", "ions", "taets", "tums", "lings")


def _strip_link(modifier: str) -> str:
    """Drop a Fugen-s where German grammar puts one: after -ung, -heit, -keit, -schaft, -ion, …"""
    if modifier.endswith("s") and (modifier[:-1] in PARTS or modifier.endswith(_LINK_S_AFTER)):
        return modifier[:-1]
    return modifier


def _split_known(word: str, offset: int, top: bool = False) -> tuple[Span, ...] | None:
    """Split `word` wholly into known parts, longest head first; None if it cannot be done."""
    if not top and word in PARTS:
        return ((word, offset, offset + len(word)),)
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head = word[cut:]
        if head not in PARTS:
            continue
        modifier = word[:cut]
        candidates = [modifier] + [
            modifier[: -len(link)] for link in _LINKS if modifier.endswith(link) and len(modifier) - len(link) >= _MIN_PART
        ]
        for candidate in candidates:
            rest = _split_known(candidate, offset)
            if rest:
                *init, (part, start, _) = rest
                return (*init, (part, start, offset + cut), (head, offset + cut, offset + len(word)))
    return None


def _sub_compounds(word: str, spans: Sequence[tuple[int, int]]) -> Iterator[str]:
    """Runs of two or more adjacent parts short of the whole: `cybersicherheitsstrategie` →
    `cybersicherheits`, `sicherheitsstrategie` (so `Cybersicherheit` finds the strategy)."""
    count = len(spans)
    for i in range(count):
        for j in range(i + 1, count):
            if (i, j) != (0, count - 1):
                yield word[spans[i][0] : spans[j][1]]


@lru_cache(maxsize=200_000)
def word_tokens(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems in text order, extra tokens) of one word as found by `WORD`, e.g. `Cyber-Sicherheit`
    → (`cyb`, `sich`), (`cybersich`,). Stop words give nothing."""
    pieces = _SUBWORD.findall(word.lower())
    main: list[str] = []
    extra: list[str] = []

    def add(token: str) -> None:
        if token not in main and token not in extra:
            extra.append(token)

    for piece in pieces:
        if piece in STOPWORDS or (len(piece) == 1 and not piece.isdigit()):
            continue
        folded = fold(piece)
        main.append(stem(folded))
        spans = compound_spans(folded)
        for part, _, _ in spans:
            add(stem(part))
        for sub in _sub_compounds(folded, [(start, end) for _, start, end in spans]):
            add(stem(sub))
    if len(pieces) > 1:
        folded_pieces = [fold(piece) for piece in pieces]
        joined = "".join(folded_pieces)
        add(stem(joined))
        bounds, pos = [], 0
        for piece in folded_pieces:
            bounds.append((pos, pos + len(piece)))
            pos += len(piece)
        for sub in _sub_compounds(joined, bounds):
            add(stem(sub))
    return tuple(main), tuple(extra)


@lru_cache(maxsize=200_000)
def word_token_set(word: str) -> frozenset[str]:
    main, extra = word_tokens(word)
    return frozenset(main) | frozenset(extra)


def normalise_text(text: str | None) -> str:
    """The indexed form of a text: stems in order, then the extra tokens (compound parts)."""
    if not text:
        return ""
    main: list[str] = []
    extra: list[str] = []
    for word in WORD.findall(text):
        word_main, word_extra = word_tokens(word)
        main.extend(word_main)
        extra.extend(word_extra)
    return " ".join(main + extra) if extra else " ".join(main)


# --- queries ------------------------------------------------------------------------------------
OPERATORS = {"AND": "AND", "UND": "AND", "OR": "OR", "ODER": "OR", "NOT": "NOT", "NICHT": "NOT"}
_QUERY_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s"()]+')


@dataclass
class SearchQuery:
    """A user's search, parsed: `match` is a valid FTS5 expression (None: nothing to search)."""

    text: str
    match: str | None
    terms: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.match is not None


@dataclass
class _Node:
    kind: str  # term | and | or
    value: str = ""
    children: list[_Node] = field(default_factory=list)
    negated: list[_Node] = field(default_factory=list)


class _Parser:
    """Recursive descent over: or := and (OR and)*; and := unary (AND? unary)*;
    unary := (NOT | -) unary | ( or ) | "phrase" | word[*]. Errors are repaired and noted."""

    def __init__(self, text: str):
        self.tokens = _QUERY_TOKEN.findall(text)
        self.pos = 0
        self.notes: list[str] = []
        self.terms: set[str] = set()
        self.prefixes: list[str] = []
        self.ignored: list[str] = []

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> _Node | None:
        node = self.parse_or()
        while self.peek() is not None:  # only a stray ")" stops parse_or early
            self.pos += 1
            self.note("A closing bracket had no opening one; it was ignored.")
            more = self.parse_or()
            node = _combine("and", [node, more])
        return node

    def parse_or(self) -> _Node | None:
        groups = [self.parse_and()]
        while OPERATORS.get(self.peek() or "") == "OR":
            self.pos += 1
            groups.append(self.parse_and())
        if len(groups) > 1 and None in groups:
            self.note("“OR” needs a search term on both sides; it was ignored.")
        return _combine("or", groups)

    def parse_and(self) -> _Node | None:
        positives: list[_Node] = []
        negatives: list[_Node] = []
        pending_and = False
        while True:
            token = self.peek()
            if token is None or token == ")" or OPERATORS.get(token) == "OR":
                break
            if OPERATORS.get(token) == "AND":
                self.pos += 1
                if pending_and or not (positives or negatives):
                    self.note(f"“{token}” needs a search term on both sides; it was ignored.")
                pending_and = True
                continue
            negate = False
            while (tok := self.peek()) is not None and (OPERATORS.get(tok) == "NOT" or (tok.startswith("-") and len(tok) > 1 and not tok.startswith("--"))):
                self.pos += 1
                negate = not negate
                if OPERATORS.get(tok) != "NOT":
                    self.tokens.insert(self.pos, tok[1:])
            node = self.parse_primary()
            pending_and = False
            if node is None:
                if negate:
                    self.note("“NOT” needs a search term after it; it was ignored.")
                continue
            (negatives if negate else positives).append(node)
        if pending_and:
            self.note("“AND” needs a search term on both sides; it was ignored.")
        if negatives and not positives:
            self.note("A search cannot consist of excluded words only; add a word to look for.")
            return None
        node = _combine("and", positives)
        if node is not None and negatives:
            node = _Node("and", children=[node], negated=negatives)
        return node

    def parse_primary(self) -> _Node | None:
        token = self.peek()
        if token is None:
            return None
        if token == ")":
            return None
        self.pos += 1
        if token == "(":
            node = self.parse_or()
            if self.peek() == ")":
                self.pos += 1
            else:
                self.note("A bracket was not closed; it was closed at the end.")
            return node
        if token.startswith('"'):
            inner = token[1:]
            if inner.endswith('"') and len(token) > 1:
                inner = inner[:-1]
            else:
                self.note(f'The quotation mark before “{inner.strip() or "…"}” was not closed; '
                          "the phrase runs to the end.")
            return self.phrase(inner)
        if OPERATORS.get(token) == "NOT":
            self.note("“NOT” needs a search term after it; it was ignored.")
            return None
        return self.word(token)

    def phrase(self, text: str) -> _Node | None:
        tokens: list[str] = []
        for word in WORD.findall(text):
            main, _ = word_tokens(word)
            if not main:
                self.ignored.append(word)
            tokens.extend(main)
        if not tokens:
            return None
        self.terms.update(tokens)
        return _Node("term", value=_quote(tokens))

    def word(self, token: str) -> _Node | None:
        prefix = token.endswith("*")
        words = WORD.findall(token)
        if not words:
            if token.strip("*^:+{}[],;.!?'`´~&|/\\=<>#%$§@-"):
                self.ignored.append(token)
            return None
        if prefix and len(words) == 1:
            base = stem(fold(words[0]))
            if len(base) < 2:
                self.note(f"“{token}” is too short for a prefix search; it was ignored.")
                return None
            self.prefixes.append(base)
            return _Node("term", value=f'"{base}" *')
        nodes: list[_Node] = []
        for word in words:
            main, _ = word_tokens(word)
            pieces = _SUBWORD.findall(word.lower())
            if not main:
                self.ignored.append(word)
                continue
            if len(pieces) > 1:
                # `Cyber-Sicherheit`, `E-Akte`, `Komm.ONE`: the joined whole, which the index holds
                # for hyphenated and closed compounds alike.
                whole = stem(fold("".join(pieces)))
                self.terms.update((*main, whole))
                nodes.append(_Node("term", value=_quote([whole])))
            else:
                self.terms.add(main[0])
                nodes.append(_Node("term", value=_quote(main)))
        return _combine("and", nodes)


def _quote(tokens: Sequence[str]) -> str:
    # Tokens are letters and digits only (see WORD), so quoting cannot be broken out of.
    return '"' + " ".join(tokens) + '"'


def _combine(kind: str, nodes: Sequence[_Node | None]) -> _Node | None:
    present = [node for node in nodes if node is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return _Node(kind, children=present)


def _render(node: _Node) -> str:
    if node.kind == "term":
        return node.value
    joiner = " OR " if node.kind == "or" else " AND "
    body = joiner.join(_render(child) if child.kind == "term" else f"({_render(child)})" for child in node.children)
    for negated in node.negated:
        inner = _render(negated) if negated.kind == "term" else f"({_render(negated)})"
        body = f"({body}) NOT {inner}"
    return body


def parse_query(text: str | None) -> SearchQuery:
    """Parse what a user typed into a safe FTS5 expression over `articles_search`.

    Never raises: unbalanced quotes or brackets, dangling `AND`/`OR`/`NOT` and FTS5 special
    characters are repaired, and each repair is described in `notes` for the page to show."""
    text = (text or "").strip()
    if not text:
        return SearchQuery(text="", match=None)
    parser = _Parser(text)
    node = parser.parse()
    notes = parser.notes
    if parser.ignored:
        words = ", ".join(dict.fromkeys(parser.ignored))
        notes.append(f"Common words are not searched: {words}.")
    if node is None:
        if not notes:
            notes.append("Nothing to search for: type a word.")
        return SearchQuery(text=text, match=None, notes=notes)
    return SearchQuery(
        text=text,
        match=_render(node),
        terms=frozenset(parser.terms),
        prefixes=tuple(dict.fromkeys(parser.prefixes)),
        notes=notes,
    )


def normalise_query(text: str | None) -> str:
    """The FTS5 MATCH expression for a user's search over `articles_search` ('' when nothing is
    left to search). Shared by the published search, the canned queries and the digest."""
    return parse_query(text).match or ""


# --- highlighting -------------------------------------------------------------------------------
Segment = tuple[str, bool]  # (text, is a match): templates escape the text and wrap matches

# Each letter of a stem as it may be spelled in the text: umlauts, their ae/oe/ue forms, ß for ss,
# and a hyphen or dot inside (`Cyber-Sicherheit` holds `cybersich`).
_SPELLINGS = {"a": "(?:ä|ae|a)", "o": "(?:ö|oe|o)", "u": "(?:ü|ue|u)"}
_WORD_CHAR = re.compile(r"[^\W_]|[-.](?=[^\W_])")


@lru_cache(maxsize=512)
def _candidates_pattern(terms: frozenset[str], prefixes: tuple[str, ...]) -> re.Pattern | None:
    """A regex finding every place a query token may hide in a text (verified word by word)."""
    alternatives = []
    for token in sorted(set(terms) | set(prefixes), key=len, reverse=True):
        parts = []
        i = 0
        while i < len(token):
            if token.startswith("ss", i):
                parts.append("(?:ss|ß)")
                i += 2
                continue
            parts.append(_SPELLINGS.get(token[i], re.escape(token[i])))
            i += 1
        alternatives.append("[-.]?".join(parts))
    return re.compile("|".join(alternatives)) if alternatives else None


def _matches(word: str, query: SearchQuery) -> bool:
    tokens = word_token_set(word)
    if tokens & query.terms:
        return True
    return any(token.startswith(prefix) for token in tokens for prefix in query.prefixes)


def hit_spans(text: str | None, query: SearchQuery) -> list[tuple[int, int]]:
    """(start, end) of every word of `text` that matches the query, in order.

    A regex over the lower-cased text finds the few places a query stem could be; only the words
    there are normalised and checked, so long bodies cost little."""
    if not text:
        return []
    pattern = _candidates_pattern(query.terms, query.prefixes)
    if pattern is None:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character changes length when lower-cased
        return [m.span() for m in WORD.finditer(text) if _matches(m.group(), query)]
    spans: list[tuple[int, int]] = []
    last_end = -1
    for hit in pattern.finditer(lowered):
        if hit.start() < last_end:
            continue
        start = hit.start()
        while start > 0 and _WORD_CHAR.match(text, start - 1):
            start -= 1
        while start < len(text) and not text[start].isalnum():
            start += 1
        found = WORD.match(text, start)
        if not found:
            continue
        last_end = found.end()
        if _matches(found.group(), query):
            spans.append(found.span())
    return spans


def _segments(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> list[Segment]:
    segments: list[Segment] = []
    pos = start
    for hit_start, hit_end in spans:
        if hit_end <= start or hit_start >= end:
            continue
        if hit_start > pos:
            segments.append((text[pos:hit_start], False))
        segments.append((text[hit_start:hit_end], True))
        pos = hit_end
    if end > pos:
        segments.append((text[pos:end], False))
    return segments


def highlight(text: str | None, query: SearchQuery) -> list[Segment]:
    """The whole text as segments, matching words marked."""
    if not text:
        return []
    return _segments(text, hit_spans(text, query), 0, len(text))


def snippet(text: str | None, query: SearchQuery, chars: int = 240, scan_chars: int = 50_000) -> list[Segment]:
    """About `chars` characters around the densest cluster of matches, cut at word boundaries,
    with `…` where the text goes on."""
    if not text:
        return []
    text = text[:scan_chars]
    spans = hit_spans(text, query)
    if spans:
        best, best_count = spans[0][0], 0
        for i, (start, _) in enumerate(spans):
            count = sum(1 for other, _ in spans[i:] if other < start + chars * 0.8)
            if count > best_count:
                best, best_count = start, count
        start = max(0, best - chars // 5)
    else:
        start = 0
    if start > 0:  # to the start of a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + chars)
    if end < len(text):  # to the end of a word
        space = text.rfind(" ", start, end)
        end = space if space > start + chars // 2 else end
    segments = _segments(text, spans, start, end)
    if start > 0:
        segments.insert(0, ("… ", False))
    if end < len(text):
        segments.append((" …", False))
    return segments


def segments_to_text(segments: Iterable[Segment], mark: tuple[str, str] = ("[", "]")) -> str:
    """Plain text with matches wrapped in `mark` (for JSON, CSV and the canned queries)."""
    return "".join(f"{mark[0]}{text}{mark[1]}" if hit else text for text, hit in segments)


# --- the index ----------------------------------------------------------------------------------
SEARCH_TABLE = "articles_search"
QUEUE_TABLE = "articles_search_queue"
# The newest articles again, in a small index of their own: bm25 reads the whole doclist of every
# query word to weigh it (IDF), so ranking in 100,000 articles costs a tenth of ranking in a million.
RECENT_TABLE = "articles_search_recent"
RECENT_SIZE = 100_000
# bm25 weights of the columns title, teaser (kicker + teaser), body: a match in the title counts
# ten times a match in the body.
WEIGHTS = (10.0, 3.0, 1.0)
BM25 = f"bm25({SEARCH_TABLE}, {', '.join(str(w) for w in WEIGHTS)})"
# Index maintenance (tables, triggers, the queue, sync): db/search_index.py.


# --- ranked search SQL --------------------------------------------------------------------------
# Ranking every hit of a frequent word costs (PERF.md: p95 61 ms at 1M articles). bm25 is computed
# for the newest RANK_WINDOW matches (by rowid, i.e. archive order) and those are ranked: exact for
# any search with fewer matches, and "best of the most recent" for very broad ones.
RANK_WINDOW = 1000
FILTERS = ("topic", "actor", "state", "place", "source", "month", "since", "until")
# EXISTS per hit through the tags primary key (article_id, kind, value): a `rowid IN (…)` list
# would be pushed into FTS5 as rowid lookups and lose the rowid order (30x slower).
_TAG_FILTER = "EXISTS (SELECT 1 FROM tags WHERE tags.article_id = {{t}}.rowid AND tags.kind = '{kind}' AND tags.value = :{param})"
_FILTER_SQL = {
    "topic": _TAG_FILTER.format(kind="topic", param="topic"),
    "actor": _TAG_FILTER.format(kind="actor", param="actor"),
    "state": _TAG_FILTER.format(kind="state", param="state"),
    "place": _TAG_FILTER.format(kind="municipality", param="place"),
    "source": "a.source_id = :source",
    "month": "a.month = :month",
    "since": "a.published >= :since",
    "until": "a.published < date(:until, '+1 day')",
}
_ARTICLE_FILTERS = {"source", "month", "since", "until"}


def window_sql(filters: Iterable[str] = (), window: int = RANK_WINDOW, table: str = SEARCH_TABLE) -> str:
    """Ids and bm25 scores of the newest `window` matches of `:match` that pass the filters."""
    names = [name for name in FILTERS if name in set(filters)]
    wheres = [f"{table} MATCH :match"] + [_FILTER_SQL[name].format(t=table) for name in names]
    join = f" JOIN articles a ON a.id = {table}.rowid" if _ARTICLE_FILTERS & set(names) else ""
    score = f"bm25({table}, {', '.join(str(w) for w in WEIGHTS)})"
    return (
        f"SELECT {table}.rowid AS id, {score} AS score FROM {table}{join} "
        f"WHERE {' AND '.join(wheres)} ORDER BY {table}.rowid DESC LIMIT {int(window)}"
    )


def ranked_sql(filters: Iterable[str] = (), window: int = RANK_WINDOW, table: str = SEARCH_TABLE) -> str:
    """One page of the ranked window in one statement: parameters `:match`, `:limit`, `:offset`
    and one per filter (`:topic`, `:actor`, `:state`, `:place`, `:source`, `:month`, `:since`,
    `:until`). For researchers' SQL; the search page runs `ranked_search`."""
    return (
        f"WITH hits AS ({window_sql(filters, window, table)}), "
        "page AS (SELECT id, score FROM hits ORDER BY score, id DESC LIMIT :limit OFFSET :offset) "
        "SELECT a.id, a.title, a.kicker, a.teaser, a.published, a.source_id, a.url, page.score "
        "FROM page JOIN articles a ON a.id = page.id ORDER BY page.score, a.id DESC"
    )


PAGE_SQL = """SELECT a.id, a.title, a.kicker, a.teaser, substr(a.body, 1, 20000) AS body, a.published,
  a.source_id, coalesce(nullif(s.name, ''), a.source_id) AS source_name, a.url
FROM articles a LEFT JOIN sources s ON s.id = a.source_id
WHERE a.id IN (SELECT value FROM json_each(:ids))"""
# The recent slice answers when it has at least this many matches (a page); otherwise the search
# runs over the whole archive.
MIN_RECENT_MATCHES = 20


@dataclass
class Ranked:
    """The result of `ranked_search`: the ranked window and the articles of the requested page."""

    hits: list[tuple[int, float]]  # (article id, bm25 score), best first
    rows: list[dict]  # the page, best first: id, title, kicker, teaser, body, published, source…
    scope: str  # "recent": the newest RECENT_SIZE articles; "all": the whole archive
    older_articles: bool  # the archive has articles older than the recent slice

    @property
    def window_full(self) -> bool:
        return len(self.hits) >= RANK_WINDOW


def ranked_search(conn, match: str, filters: dict | None = None, limit: int = 20, offset: int = 0,
                  scope: str = "auto", window: int = RANK_WINDOW) -> Ranked:
    """Rank the newest `window` matches of `match` by title-weighted bm25 and fetch one page.

    `scope="auto"` ranks in the recent slice when it has a page of matches, else in the whole
    archive; `scope="all"` always ranks in the whole archive. The published search page and the
    benchmark's bare baseline both run this function (over Datasette's connection / sqlite3)."""
    filters = {name: value for name, value in (filters or {}).items() if name in FILTERS and value}
    params = {"match": match, **filters}
    newest = conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    older = newest > RECENT_SIZE
    hits: list[tuple[int, float]] = []
    used = "all"
    if scope != "all":
        hits = [tuple(row) for row in conn.execute(window_sql(filters, window, RECENT_TABLE), params)]
        used = "recent"
    if scope == "all" or (older and len(hits) < MIN_RECENT_MATCHES):
        hits = [tuple(row) for row in conn.execute(window_sql(filters, window, SEARCH_TABLE), params)]
        used = "all"
    hits.sort(key=lambda hit: (hit[1], -hit[0]))
    page = hits[offset : offset + limit]
    rows: list[dict] = []
    if page:
        cursor = conn.execute(PAGE_SQL, {"ids": json.dumps([hit[0] for hit in page])})
        names = [d[0] for d in cursor.description]
        found = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        rows = [{**found[article_id], "score": score} for article_id, score in page if article_id in found]
    return Ranked(hits=hits, rows=rows, scope=used if older else "all", older_articles=older)


def iter_words(text: str) -> Iterator[str]:
    """The words of a text as the index sees them (for tests and tools)."""
    yield from WORD.findall(text or "")
