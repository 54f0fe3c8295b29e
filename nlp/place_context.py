"""Token context of a place name: is it cued, inside a list with a head, a person, a street, a company?

Used by the resolver (nlp/resolve.py) on place candidates only, so its cost is per candidate, not per
token. Grammar lives here; the word lists editors may extend (cues, person cues) live in places.yaml.
"""

from __future__ import annotations

from spacy.tokens import Doc

#: Plural heads of a coordinated list and what they make of its items.
LIST_HEADS = {
    **dict.fromkeys(("landkreise", "landkreisen", "kreise", "kreisen", "landkreisen"), "kreis"),
    **dict.fromkeys(("städte", "städten", "gemeinden", "kommunen", "orte", "orten", "ortsgemeinden",
                     "mitgliedsgemeinden", "nachbarstädte", "nachbargemeinden", "kreisstädte", "großstädte",
                     "ämter", "samtgemeinden", "verbandsgemeinden", "städten"), "town"),
}
LIST_GLUE = frozenset({",", "und", "sowie", "oder", "-", "/", "(", ")", "bzw.", "als", "auch"})
#: A place name right before one of these is a street, a square, a station … not a mention of the place.
STREET_WORDS = frozenset({"straße", "str.", "strasse", "weg", "allee", "platz", "ring", "damm", "chaussee",
                          "landstraße", "tor", "brücke", "bahnhof", "hauptbahnhof", "ufer", "gasse", "steig"})
#: … or before one of these, a newspaper or broadcaster named after the place or Land (`Stuttgarter Zeitung`,
#: `Kölner Stadt-Anzeiger`, `Saarländischer Rundfunk`).
PRESS_WORDS = frozenset({"zeitung", "nachrichten", "neueste", "neuesten", "allgemeine", "allgemeinen", "morgenpost",
                         "rundfunk", "rundfunks", "staatszeitung",
                         "volkszeitung", "volksstimme", "rundschau", "anzeiger", "stadtanzeiger", "generalanzeiger",
                         "tagblatt", "tageblatt", "kurier", "merkur", "abendblatt", "abendzeitung", "landeszeitung",
                         "wochenblatt", "stadtspiegel"})
#: … right after one of these, a company or club named after the place (`Stadtwerke Essen`).
COMPANY_HEADS = frozenset({"stadtwerke", "sparkasse", "kreissparkasse", "stadtsparkasse", "volksbank",
                           "raiffeisenbank", "verkehrsbetriebe", "fc", "sv", "tsv", "vfl", "vfb", "spvgg",
                           "bistum", "erzbistum"})
#: … or before a legal form (`Essen GmbH`, `Linden eG`).
LEGAL_FORMS = frozenset({"gmbh", "ag", "eg", "kg", "se", "mbh", "e.v.", "aör", "ggmbh", "kgaa", "ohg", "ug"})
MAX_LIST = 24


def list_head(doc: Doc, start: int) -> str | None:
    """The kind of list a name at `start` sits in: "die Landkreise Emsland, Leer und Oldenburg" → "kreis"
    for every item. Walks left over names and list glue up to a plural head."""
    i = start - 1
    stop = max(-1, start - MAX_LIST)
    while i > stop:
        tok = doc[i]
        low = tok.lower_
        head = LIST_HEADS.get(low)
        if head is not None:
            return head
        if low in LIST_GLUE or (tok.text[:1].isupper() and tok.is_alpha) or tok.text[:1].isdigit():
            i -= 1
            continue
        return None
    return None


def cued(doc: Doc, start: int, cues: frozenset[str]) -> bool:
    """A cue word right before the name (`in Linden`, `Gemeinde Nalbach`), or a cue and `von`
    (`Bürgermeister von Linden`), or an adjective between (`die saarländische Gemeinde Nalbach` is
    already `Gemeinde`; `der Stadt Bad Linden` likewise)."""
    if start == 0:
        return False
    prev = doc[start - 1].lower_
    if prev in cues:
        return True
    return prev in ("von", "vom") and start > 1 and doc[start - 2].lower_ in cues


def not_a_place(doc: Doc, start: int, end: int, person_cues: frozenset[str]) -> bool:
    """Street, newspaper, company or person named after a place: `Kieler Straße`, `Stuttgarter Zeitung`,
    `Stadtwerke Essen`, `Herr Weil` (pass empty `person_cues` for Länder: `Ministerpräsidentin Sachsens`
    is the Land)."""
    if end < len(doc):
        nxt = doc[end].lower_
        if nxt in STREET_WORDS or nxt in PRESS_WORDS or (nxt in LEGAL_FORMS and person_cues):  # `Schleswig-Holstein e.V.` keeps its Land
            return True
        if nxt in ("-", "stadt", "general") and end + 2 < len(doc) and doc[end + 1].text == "-" \
                and doc[end + 2].lower_ in PRESS_WORDS:
            return True  # `Kölner Stadt-Anzeiger`, `Bonner General-Anzeiger`
        if nxt == "-" and end + 1 < len(doc) and doc[end + 1].lower_ in STREET_WORDS:
            return True
    if start > 0:
        prev = doc[start - 1]
        low = prev.lower_
        if low in COMPANY_HEADS or low in person_cues:
            return True
    return False
