"""`radar_orgs`: a rule-based recogniser for organisations the register does not know.

German organisation names are built from a small set of heads and legal forms:
- a head with a complement: `Ministerium für Inneres, Digitalisierung und Kommunen`, `Landesamt für
  Statistik`, `Institut für …`, `Senatsverwaltung für …`, `Stiftung für …` (+ a place: `… Niedersachsen`);
- a head with a place or a proper name: `Universität Potsdam`, `Handwerkskammer Hamburg`,
  `Stadtwerke Gifhorn`, `Zweckverband Breitband Altmark`, `Landesrechnungshof Mecklenburg-Vorpommern`;
- hyphenated names on a head: `Hasso-Plattner-Institut`, `Max-Planck-Institut für …`;
- a legal form after capitalised words: `Xyz Software GmbH`, `Bürgernetz e.V.`, `Kommunalservice AöR`.
Each span gets a canonical form with inflection removed (`des Landesrechnungshofs Mecklenburg-
Vorpommern` → `Landesrechnungshof Mecklenburg-Vorpommern`, `der Technischen Universität Dresden` →
`Technische Universität Dresden`). Spans that overlap a registered actor are left to the register.

Token classes are decided once per word, as a lexeme flag (like the stem rules), so the cost per
document is one column of `Doc.to_array` plus work at the few head tokens.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX, LENGTH
from spacy.lang.de.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

ORGS = "radar_orgs"
#: Compound endings of organisation heads, with their grammatical gender (n/f/m): the gender gives the
#: nominative ending of a leading adjective (`Statistisches Landesamt`, `Technische Universität`).
HEADS = {
    "ministerium": "n", "staatsministerium": "n", "amt": "n", "institut": "n", "zentrum": "n", "rechenzentrum": "n",
    "kompetenzzentrum": "n", "forschungszentrum": "n", "präsidium": "n", "polizeipräsidium": "n", "klinikum": "n",
    "netzwerk": "n", "bündnis": "n", "forum": "n", "kollegium": "n", "gericht": "n",
    "agentur": "f", "stiftung": "f", "gesellschaft": "f", "akademie": "f", "hochschule": "f", "universität": "f",
    "behörde": "f", "kommission": "f", "senatsverwaltung": "f", "kammer": "f", "kanzlei": "f", "anstalt": "f",
    "initiative": "f", "vereinigung": "f", "genossenschaft": "f", "sparkasse": "f", "bank": "f", "landesstelle": "f",
    "verwaltungsgemeinschaft": "f", "allianz": "f", "arbeitsgemeinschaft": "f", "stadtwerke": "p",
    "regierung": "f", "gewerkschaft": "f", "fraktion": "f", "zentralstelle": "f", "verkehrsbetriebe": "p",
    "verband": "m", "zweckverband": "m", "rechnungshof": "m", "landesbetrieb": "m", "eigenbetrieb": "m",
    "betrieb": "m", "verein": "m", "beirat": "m", "verbund": "m", "bund": "m",
}
#: Compounds that end in a head but are no organisation's head (`Datenbank für …`, `Regelbetrieb`).
NOT_HEADS = frozenset({"datenbank", "werkbank", "sitzbank", "hauptamt", "nebenamt", "ehrenamt", "geschäftsbetrieb",
                       "regelbetrieb", "probebetrieb", "testbetrieb", "pilotbetrieb", "echtbetrieb", "dauerbetrieb",
                       "schichtbetrieb", "betrieb", "verständnis", "stadtzentrum", "ortszentrum", "innenstadtzentrum",
                       "wahlamt", "bürgerforum", "onlineforum"})
#: Chamber abbreviations that head a name like a compound does (`IHK Berlin`).
ABBR_HEADS = {"IHK": ("kammer", "ihk"), "HWK": ("kammer", "hwk")}
#: Heads that may take one bare proper name that is no known place (`Universität Hohenheim`,
#: `Polizeipräsidium Mittelhessen`, `Zweckverband Breitband Altmark`).
PROPER_OK = frozenset({"universität", "hochschule", "präsidium", "polizeipräsidium", "zweckverband", "stadtwerke",
                       "sparkasse", "klinikum", "landesbetrieb", "eigenbetrieb", "kammer", "ihk", "hwk",
                       "zentralstelle", "verkehrsbetriebe"})
HEAD_RE = re.compile(r"^(?:[a-zäöüß]*?)(" + "|".join(sorted(HEADS, key=len, reverse=True)) + r")(?:e?s|en|n)?$")
#: The last three letters of every word HEAD_RE accepts: most words fail this set look-up and never
#: reach the regex (the check runs for each new word of a crawl, as a lexeme flag).
HEAD_ENDS = frozenset((head + ending)[-3:] for head in HEADS for ending in ("", "s", "es", "en", "n"))
LEGAL = frozenset({"GmbH", "gGmbH", "AG", "SE", "eG", "e.V.", "e. V.", "AöR", "KG", "KGaA", "mbH", "UG", "Ltd.",
                   "Inc.", "GbR", "OHG"})
LINKS = frozenset({"für", "des", "der", "zur", "zum"})
#: Links that start a complement even before a lower-case word (`für angewandte Informatik`).
OPEN_LINKS = frozenset({"für", "zur", "zum"})
#: More links for some heads: `Regierung von Niederbayern`, `CDU-Fraktion im Landtag`.
EXTRA_LINKS = {"regierung": frozenset({"von"}), "fraktion": frozenset({"im", "in"})}
#: Heads a single hyphenated name makes specific (`CDU-Fraktion`, `SPD-Landtagsfraktion`).
PARTY_HEADS = frozenset({"fraktion"})
#: Words before `<Name> <head>` that show the name belongs to the head (`an der Leuphana Universität`).
NAME_BEFORE = frozenset({"der", "die", "das", "des", "dem", "den", "an", "von", "vom", "bei", "beim", "zur",
                         "zum", "mit", "für", "am", "im"})
GLUE = frozenset({"und", ",", "-", "&"})
#: Words that end a complement (`… für Digitales in Berlin`, `… für Bildung sagte`).
STOP = frozenset(w for w in STOP_WORDS if w not in {"und", "der", "des"}) | {"in", "im", "am", "mit", "bei"}
ARTICLES = frozenset({"der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem"})
_ADJ = re.compile(r"^([A-ZÄÖÜ][a-zäöüß-]*(?:isch|lich|ig|al|ell|iv|eutsch|ntral|eie?|ier|mmunal))(e|en|er|es|em)$")
ADJ_ENDING = {"n": "es", "f": "e", "m": "er", "p": "e"}
MAX_COMPLEMENT = 10
#: Token strings whose class stays cached (heads, cue nouns, legal forms seen).
CLASS_CACHE = 50_000
#: Singular articles before a cue noun (`der Anbieter`, `die Firma`, `dem IT-Dienstleister`).
CUE_BEFORE = frozenset({"der", "die", "das", "dem", "den", "des", "vom", "beim", "zum", "zur", "ein", "eine",
                        "einem", "einen", "einer"})
#: Nouns that introduce a company's bare name (`die Firma Kommunalsoft`, `der Anbieter More! Software`).
CUE_NOUNS = frozenset({"firma", "anbieter", "softwareanbieter", "softwarehersteller", "hersteller", "softwarehaus",
                       "dienstleister", "it-dienstleister", "start-up", "startup", "konzern", "beratungsunternehmen",
                       "meinungsforschungsinstitut", "marktforschungsinstitut", "spezialist", "softwarefirma"})


def _head(text: str) -> tuple[str, str] | None:
    """(head suffix, full lower-case stem) of a token that can head an organisation name."""
    if text in ABBR_HEADS:
        return ABBR_HEADS[text]
    if not text[:1].isupper():
        return None
    low = text.lower()
    if low[-3:] not in HEAD_ENDS:
        return None
    m = HEAD_RE.match(low)
    if m is None:
        return None
    stem = low[: m.end(1)]
    return m.group(1), stem


def _class(text: str) -> tuple[str, tuple[str, str] | None] | None:
    """What a token string can start an organisation from: ("head", (suffix, stem)), ("cue", None)
    or ("legal", None); None for every other word."""
    head = _head(text)
    if head is not None:
        return "head", head
    if text.lower() in CUE_NOUNS:
        return "cue", None
    if text in LEGAL:
        return "legal", None
    return None


def _uninflect(text: str, suffix: str) -> str:
    """`Landesrechnungshofs` → Landesrechnungshof, `Ministeriums` → Ministerium, `Verbandes` → Verband."""
    low = text.lower()
    cut = low.rfind(suffix) + len(suffix)
    return text[:cut]


class OrgRecognizer:
    """Find organisation spans (see module docstring) that the register does not cover."""

    def __init__(self, nlp: Language, name: str, write_spans: bool = True):
        self.name = name
        self.write_spans = write_spans
        # heads, legal forms and cue nouns are judged once per word: a lexeme flag, so a Doc's
        # candidates are one column of `Doc.to_array`; their classes stay cached (by text, bounded)
        self.classes: dict[str, tuple[str, tuple[str, str] | None]] = {}
        self.flag = nlp.vocab.add_flag(lambda text: _class(text) is not None)

    def _class(self, text: str) -> tuple[str, tuple[str, str] | None]:
        found = self.classes.get(text)
        if found is None:
            if len(self.classes) >= CLASS_CACHE:
                self.classes.clear()
            found = self.classes[text] = _class(text) or ("", None)
        return found

    def __call__(self, doc: Doc) -> Doc:
        shared = doc.user_data.get("radar_tokens")  # (char starts, lengths) from radar_matcher
        if shared is None:
            arr = doc.to_array([IDX, LENGTH, self.flag])
            idx, length, flagged = arr[:, 0].tolist(), arr[:, 1].tolist(), arr[:, 2]
        else:
            (idx, length), flagged = shared, doc.to_array(self.flag)
        spans: list[tuple[int, int, str]] = []
        candidates = np.flatnonzero(flagged).tolist()
        if candidates:
            taken = _registered(doc)
            for i in candidates:
                kind, head = self._class(doc[i].text)
                if kind == "head":
                    found = self._from_head(doc, i, head)
                elif kind == "cue":
                    found = _from_cue(doc, i)
                else:
                    found = _from_legal(doc, i)
                if found is None:
                    continue
                start, end, canonical = found
                core = i + 1 if kind == "head" else end  # a registered body inside the complement may stay
                if any(start < e and s < core for s, e in taken) or any(start < e and s < end for s, e, _ in spans):
                    continue
                spans.append(found)
        doc.user_data[ORGS] = [(idx[s], idx[e - 1] + length[e - 1], name) for s, e, name in spans]
        if self.write_spans:
            doc.spans[ORGS] = [Span(doc, s, e, label="org", kb_id=name) for s, e, name in spans]
        return doc

    def _from_head(self, doc: Doc, i: int, head: tuple[str, str]) -> tuple[int, int, str] | None:
        """A head with a complement, a place, a hyphenated name, a Land adjective or (for some heads)
        a proper name."""
        suffix, stem = head
        geo = doc.user_data.get("radar_geo", {})
        n = len(doc)
        nxt = doc[i + 1] if i + 1 < n else None
        links = LINKS | EXTRA_LINKS.get(suffix, frozenset())
        # cheap exit for the many heads that name nothing (`das neue Verwaltungszentrum und …`)
        if stem in NOT_HEADS or not (
            (nxt is not None and (nxt.lower_ in links or nxt.lower_ == "zu" or i + 1 in geo
                                  or (nxt.text[:1].isupper() and (stem in PROPER_OK or suffix in PROPER_OK))))
            or (i >= 2 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_)
            or (i >= 1 and (i - 1) in geo)):
            return None
        if any(s <= i < e for s, e in geo.items()):
            return None  # `Amt Kropp-Stapelholm`, `Landkreis …`: a place
        start = i
        words = [_uninflect(doc[i].text, suffix)]
        while start >= 2 and doc[start - 1].text == "-" and not doc[start - 1].whitespace_ \
                and doc[start - 2].text[:1].isupper() and not doc[start - 2].whitespace_:
            words[0:0] = [doc[start - 2].text, "-"]  # `Hasso-Plattner-Institut`, `Max-Planck-Institut`
            start -= 2
        # `Hasso-Plattner-Institut`, `CDU-Fraktion`; a lone `Fraunhofer-Institut` is a generic mention
        named = start < i - 2 or (start < i and suffix in PARTY_HEADS)
        if start >= 2 and doc[start - 1].lower_ in ("und", "oder") and doc[start - 2].text.endswith("-"):
            words[0:0] = [doc[start - 2].text, doc[start - 1].text]  # `Industrie- und Handelskammer`
            start -= 2
        while start > 0:
            prev = doc[start - 1]
            m = _ADJ.match(prev.text[:1].upper() + prev.text[1:]) if (start - 1) in geo else _ADJ.match(prev.text)
            if m is None or prev.lower_ in STOP:
                break
            # `das saarländische Bildungsministerium` names one body; `die sächsischen Behörden` none
            named = named or ((start - 1) in geo and stem != suffix and not doc[i].text.endswith("en"))
            words.insert(0, m.group(1) + ADJ_ENDING[HEADS[suffix]])  # `der Technischen Universität`
            start -= 1
        if start == i and (i - 1) in geo and geo[i - 1] == i and doc[i - 1].text.endswith("er"):
            words.insert(0, doc[i - 1].text)  # `Dresdner Verkehrsbetriebe`: a city adjective
            start, named = i - 1, True
        if start == i and start >= 2 and _is_name(doc[start - 1]) and doc[start - 2].lower_ in NAME_BEFORE:
            words.insert(0, doc[start - 1].text)  # `an der Leuphana Universität Lüneburg`
            start -= 1
        end = i + 1
        if end < n and doc[end].lower_ in links and (doc[end].lower_ in OPEN_LINKS
                                                     or doc[end + 1:end + 2].text[:1].isupper()):
            comp_end = _complement(doc, end + 1)
            owned = any(s <= end + 1 and comp_end <= e for s, e in _registered(doc))
            if comp_end > end + 1:
                # `das Rechenzentrum der Kommunalen Datenverarbeitung Oldenburg` is a facility of a
                # registered body, not a body of its own: such a complement names nothing new
                words += [t.text for t in doc[end:comp_end]]
                end, named = comp_end, named or not owned
        name_end = _place_after(doc, end, geo)
        if name_end == end and not named and (stem in PROPER_OK or suffix in PROPER_OK):
            name_end = _bare_proper(doc, end)
        while name_end > end and name_end + 1 < n and doc[name_end].text == "-" \
                and not doc[name_end - 1].whitespace_ and not doc[name_end].whitespace_ \
                and doc[name_end + 1].text[:1].isupper():
            name_end += 2  # `Hochschule Magdeburg-Stendal`
        if name_end > end:
            words += [t.text for t in doc[end:name_end]]
            end, named = name_end, True
        return (start, end, _join(words)) if named else None


def _is_name(tok) -> bool:
    return tok.text[:1].isupper() and tok.is_alpha and tok.lower_ not in STOP and not _ADJ.match(tok.text)


def _complement(doc: Doc, j: int) -> int:
    """End of `Inneres, Digitalisierung und Kommunen` / `angewandte Informatik` / `Finanzen`."""
    end = j
    k = j
    while k < len(doc) and k - j < MAX_COMPLEMENT:
        tok = doc[k]
        if tok.text[:1].isupper() and tok.is_alpha and tok.lower_ not in STOP:
            k += 1
            end = k
        elif tok.text in GLUE and k + 1 < len(doc) and (doc[k + 1].text[:1].isupper() or _adj_lower(doc[k + 1].text)):
            k += 1
        elif _adj_lower(tok.text) and k + 1 < len(doc) and doc[k + 1].text[:1].isupper():
            k += 1
        elif tok.lower_ in ("der", "des", "und") and k + 1 < len(doc) and doc[k + 1].text[:1].isupper() and k > j:
            k += 1
        else:
            break
    return end


def _adj_lower(text: str) -> bool:
    return text.islower() and text.isalpha() and text.endswith(("e", "en", "er", "es", "em")) and text not in STOP


def _place_after(doc: Doc, j: int, geo: dict[int, int]) -> int:
    """A place right after the head: `Universität Potsdam`, `Humboldt-Universität zu Berlin`."""
    k = j + 1 if j < len(doc) and doc[j].lower_ == "zu" else j
    return geo.get(k, j)


def _bare_proper(doc: Doc, j: int) -> int:
    """One or two capitalised words that end the noun phrase: `Universität Hohenheim hat …`."""
    k = j
    while k < len(doc) and k - j < 2 and doc[k].text[:1].isupper() and doc[k].is_alpha and doc[k].lower_ not in STOP:
        k += 1
    if k == j or (k < len(doc) and doc[k].text[:1].isupper()):
        return j
    return k


def _from_cue(doc: Doc, i: int) -> tuple[int, int, str] | None:
    """The name after `Firma`, `Anbieter`, …: up to three capitalised words (`More! Software`), when a
    singular article or adjective introduces the cue (`der Anbieter X`, `die regionale Firma X`; not
    `beider Anbieter Zugriff`)."""
    if i == 0 or doc[i - 1].lower_ not in CUE_BEFORE and not (doc[i - 1].is_lower and i > 1
                                                               and doc[i - 2].lower_ in CUE_BEFORE):
        return None
    geo = doc.user_data.get("radar_geo", {})
    j = i + 1
    while j < len(doc) and j - i <= 3:
        tok = doc[j]
        if tok.text == "!" and j > i + 1 and not doc[j - 1].whitespace_ and j + 1 < len(doc) \
                and doc[j + 1].text[:1].isupper():
            j += 1
            continue
        if not (tok.text[:1].isupper() or any(c.isupper() for c in tok.text[1:])) or j in geo \
                or tok.is_punct or (tok.lower_ in STOP and not tok.text.isupper()) or tok.lower_ in ARTICLES:
            break
        j += 1
    if j == i + 1:
        return None
    legal = j < len(doc) and doc[j].text in LEGAL
    end = j + 1 if legal else j
    return i + 1, end, doc[i + 1:end].text


def _from_legal(doc: Doc, i: int) -> tuple[int, int, str] | None:
    """`Xyz Software GmbH`: capitalised words (or `&`, `-`) before a legal form, at most five."""
    start = i
    while start > 0 and i - start < 5:
        tok = doc[start - 1]
        if tok.text in ("&", "-", "+") or (tok.text[:1].isupper() or any(c.isupper() for c in tok.text[1:])) \
                and (tok.text.isupper() or tok.lower_ not in STOP) and tok.lower_ not in ARTICLES and not tok.is_punct:
            start -= 1
        else:
            break
    while start < i and doc[start].text in ("&", "-", "+"):
        start += 1
    if start == i:
        return None
    end = i + 1
    return start, end, _join([t.text for t in doc[start:end]], doc[start:end])


def _join(words: list[str], span=None) -> str:
    if span is not None:
        return span.text
    text = " ".join(words)
    return re.sub(r"\s+-\s+", "-", text).replace(" ,", ",")


def _registered(doc: Doc) -> list[tuple[int, int]]:
    """Token extents of registered actors (written by radar_matcher)."""
    return doc.user_data.get("radar_actor_tokens", [])


@Language.factory(ORGS, default_config={"write_spans": True})
def make_org_recognizer(nlp: Language, name: str, write_spans: bool) -> OrgRecognizer:
    return OrgRecognizer(nlp, name, write_spans)
