"""German wording of the web pages: numbers, months, and the search parser's notes.

The query parser (db/search.py) describes each repair of a search in a short English note (its
tests and the CLI read them); the pages show the German sentence below. A note without a German
form is shown as a generic German hint rather than in English.
"""

from __future__ import annotations

import re

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")

_OPERATORS = {"OR": "ODER", "AND": "UND", "NOT": "NICHT"}
_NOTES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^A closing bracket had no opening one; it was ignored\.$"),
     "Eine schließende Klammer hatte keine öffnende; sie wurde übergangen."),
    (re.compile(r"^“(.+)” needs a search term on both sides; it was ignored\.$"),
     "„{0}“ braucht auf beiden Seiten einen Suchbegriff; es wurde übergangen."),
    (re.compile(r"^“NOT” needs a search term after it; it was ignored\.$"),
     "„NICHT“ braucht einen Suchbegriff dahinter; es wurde übergangen."),
    (re.compile(r"^A search cannot consist of excluded words only; add a word to look for\.$"),
     "Eine Suche kann nicht nur aus ausgeschlossenen Wörtern bestehen; bitte ein gesuchtes Wort ergänzen."),
    (re.compile(r"^A bracket was not closed; it was closed at the end\.$"),
     "Eine Klammer wurde nicht geschlossen; sie wurde am Ende geschlossen."),
    (re.compile(r"^The quotation mark before “(.*)” was not closed; the phrase runs to the end\.$"),
     "Das Anführungszeichen vor „{0}“ wurde nicht geschlossen; die Wortgruppe reicht bis zum Ende."),
    (re.compile(r"^“(.+)” is too short for a prefix search; it was ignored\.$"),
     "„{0}“ ist für eine Suche nach dem Wortanfang zu kurz; es wurde übergangen."),
    (re.compile(r"^Common words are not searched: (.+)\.$"),
     "Häufige Wörter werden nicht gesucht: {0}."),
    (re.compile(r"^Nothing to search for: type a word\.$"),
     "Nichts zu suchen: bitte ein Wort eingeben."),
]


def note_de(note: str) -> str:
    """The German form of a parser note."""
    for pattern, german in _NOTES:
        match = pattern.match(note)
        if match:
            return german.format(*(_OPERATORS.get(g, g) for g in match.groups()))
    if re.search(r"[äöüß]|\b(der|die|das|nicht|wurde)\b", note):
        return note  # already German
    return "Die Suchanfrage wurde angepasst, damit sie gesucht werden kann."


def number_de(value: int | float) -> str:
    """1234 → `1.234`."""
    return f"{value:,}".replace(",", ".")


def month_de(month: str | None) -> str:
    """`2025-06` → `Juni 2025` (the text as it is when it is no month)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return month or ""
    return f"{MONTHS[int(match.group(2)) - 1]} {match.group(1)}"
