"""Words as the German search sees them: what a word is, stop words, folding and stems.

Pure text, no SQLite: shared by the index text (db.text.normalise), the query parser
(db.text.query) and highlighting (db.text.highlight). Every function here runs in time linear in
its input; the caches hold short words only, so a 1 MB token is never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TypeVar

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


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STEMMER = Stemmer.Stemmer("german")
_STEM_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# Words longer than this are stemmed without the cache (they are rare and would only crowd it).
CACHE_WORD_CHARS = 64
#: How many words a per-word cache holds (then it starts over): bounded memory on any archive.
CACHED_WORDS = 200_000
T = TypeVar("T")


def remember(cache: dict[str, T], word: str, value: T) -> T:
    """Keep `value` under `word` in a plain-dict cache (a hit costs half an lru_cache's), emptied
    when it holds CACHED_WORDS; returns `value`."""
    if len(cache) >= CACHED_WORDS:
        cache.clear()
    cache[word] = value
    return value


def fold(word: str) -> str:
    """Lower case with `ä→ae ö→oe ü→ue ß→ss`: the spelling both `Straße` and `Strasse` share."""
    word = word.lower()
    # translate() with a mapping walks the string in Python-object steps: an ASCII word (most of
    # them) skips it, which halves the cost of a call (~1.3M calls in a 3,000-article crawl)
    return word if word.isascii() else word.translate(_UMLAUTS)


FOLDED_STOPWORDS = frozenset(fold(word) for word in STOPWORDS)

# A word: letters/digits, optionally joined by hyphens or dots inside (`E-Akte`, `Komm.ONE`).
# No nested quantifier can match the same text twice, so matching is linear (no backtracking blow-up).
WORD = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
SUBWORD = re.compile(r"[^\W_]+")


# Nouns made with -heit, -keit, -ung, -schaft are words of their own: Snowball cuts the suffix
# (`Sicherheit` → `sich`, like the adjective `sicher`; `Möglichkeit` → `moglich`), so only their
# plural or genitive ending is removed and they keep the suffix (`Sicherheiten` → `sicherheit`).
_NOUN_SUFFIX = re.compile(r"(?<=[a-z]{3})(?:heit|keit|ung|schaft)(?=(?:en|s)?$)")
_FOLDED_UMLAUT = re.compile(r"ae|oe|(?<!q)ue")


_NOUN_ENDINGS = tuple(f"{suffix}{ending}" for suffix in ("heit", "keit", "ung", "schaft") for ending in ("", "en", "s"))


def _stem(word: str) -> str:
    suffix = _NOUN_SUFFIX.search(word) if word.endswith(_NOUN_ENDINGS) else None
    if suffix:  # the word up to its suffix, umlauts to their base vowel as Snowball gives them
        return _FOLDED_UMLAUT.sub(lambda m: m.group()[0], word[: suffix.end()]).translate(_STEM_FOLD)
    return _STEMMER.stemWord(word).translate(_STEM_FOLD)


_cached_stem = lru_cache(maxsize=CACHED_WORDS)(_stem)


def stem(word: str) -> str:
    """German stem of one folded word, umlauts mapped to their base vowel: Snowball's, except that
    nouns in -heit/-keit/-ung/-schaft keep their suffix (`Sicherheit` ≠ `sicher`)."""
    if len(word) > CACHE_WORD_CHARS:
        return _stem(word)
    return _cached_stem(word)


def find_words(text: str) -> list[str]:
    r"""`WORD.findall(text)`, a third cheaper on prose: a word never spans white space, so each
    white-space token is searched alone, and most tokens are one word already (letters and digits
    only, `str.isalnum` being the regex's `[^\W_]`) or one word and a punctuation mark."""
    found: list[str] = []
    add = found.append
    for token in text.split():
        if token.isalnum():
            add(token)
        elif token[:-1].isalnum() and not token[-1].isalnum():  # `Wort,` `Wort.` `Wort-`
            add(token[:-1])
        else:
            found += WORD.findall(token)
    return found


def iter_words(text: str | None) -> Iterator[str]:
    """The words of a text as the index sees them (for tests and tools)."""
    for match in WORD.finditer(text or ""):
        yield match.group()
