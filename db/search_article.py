"""What one article is indexed as: its six search columns (db.search.COLUMNS) and the words it
adds to the archive's lexicon (db.search_lexicon.words_lexicon_words), both from one scan of its
text for words.

Scanning the text (`WORD.findall`) was half the cost of normalising it, and the lexicon count
scanned it a second time with a slower regex: a sync now finds an article's words once
(`article_words`, with the cheaper `find_words`) and hands them to both. The tokens are the very
ones of scanning apart (tests compare them), which matters: the index is told exactly which
tokens to delete.
"""

from __future__ import annotations

import hashlib

import db.text.normalise as rules
from db.text.compounds import Lexicon
from db.text.normalise import normalise_columns
from db.text.words import find_words

# The WORD matches of an article's title, kicker, teaser and body, in this order.
ArticleWords = tuple[list[str], list[str], list[str], list[str]]

# Words that exercise every rule (umlauts, ß, stems, compounds with and without Fugen, hyphens,
# stop words, digits): a change of the rules changes their normalised form.
PROBE = (
    "Die Städte und Gemeinden, Straße/Strasse, Cybersicherheitsstrategie, Onlinezugangsgesetz, "
    "Ransomwareangriff, Sicherheitslücke, IT-Sicherheit, E-Akte, Komm.ONE, Bürgerbeteiligung, "
    "Digitalisierungsstrategie der Landesregierung 2025, Zusammenarbeit über Ländergrenzen, "
    "Breitbandausbau, Registermodernisierung, insgesamt, KI-Verordnung, Datenschutzgrundverordnung"
)


def article_words(title: str | None, kicker: str | None, teaser: str | None, body: str | None) -> ArticleWords:
    """The words of each of an article's texts, found once for its columns and its lexicon count."""
    return find_words(title or ""), find_words(kicker or ""), find_words(teaser or ""), find_words(body or "")


def search_columns(title: str | None, kicker: str | None, teaser: str | None, body: str | None,
                   lexicon: Lexicon | None = None, words: ArticleWords | None = None) -> tuple[str, str, str, str, str, str]:
    """The six indexed columns of one article, normalised (db.search.COLUMNS): the stems of title,
    kicker + teaser and body, then the extra tokens (compound parts) of each. `words`: the
    article's `article_words`, if found already. Kicker and teaser are joined by a space, which no
    word spans: the words of the joined text are the kicker's, then the teaser's."""
    if words is None:
        words = article_words(title, kicker, teaser, body)
    texts = (title, " ".join(part for part in (kicker, teaser) if part), body)
    columns = [normalise_columns(text, lexicon=lexicon, words=found)
               for text, found in zip(texts, (words[0], words[1] + words[2], words[3]), strict=True)]
    return (columns[0][0], columns[1][0], columns[2][0], columns[0][1], columns[1][1], columns[2][1])


def normaliser_fingerprint() -> str:
    """Changes whenever the normalisation rules produce other tokens for the probe text."""
    version = str(getattr(rules, "NORMALISER_VERSION", ""))
    return hashlib.sha1((version + "\n" + " | ".join(search_columns(PROBE, PROBE, PROBE, PROBE))).encode()).hexdigest()[:16]
