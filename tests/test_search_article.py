"""The search sync finds an article's words once for its index columns and its lexicon count: the
tokens and counts must be exactly those of the plain way (the index deletes an article with the
tokens it was indexed with), so these compare the shared and cached paths with the plain ones."""

from __future__ import annotations

import re
import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from db.search_article import article_words, search_columns
from db.search_index import sync_search_index
from db.search_lexicon import LEXICON_TABLE, lexicon_words, words_lexicon_words
from db.store import ArchiveWriter
from db.text.compounds import Lexicon
from db.text.normalise import normalise_columns
from db.text.words import WORD, find_words

TRICKY = [
    "", " ", "Wort", "Wort,", "Wort.", "Wort-", "-Wort", "Wort.-", "E-Akte.", "Komm.ONE,", "a.b.c.", "a..b", "a--b",
    "OZG 2.0 kommt.", "__x__y_", "x_", "(IT-Sicherheit)", "„Digitalisierung“", "İstanbul İİİ", "ΟΔΟΣ:ΑΒ ΑΣ.Β ΣΟΦΙΑ Σ",
    "Straße\u00a0Strasse\u2009Gemeinde\u3000Amt", "Tab\tNeu\nZeile\r\nEnde\x1c\x1f", "e\u0301cole Ko\u0308ln", "½ ² ٣ Ⅻ",
    "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz" * 3, "emoji🙂Wort 🙂", "Wort…", "Das, die; der:",
    "Die Stadt und die Bürgerbeteiligung an der Cybersicherheitsstrategie, insgesamt 2025.",
]
ALPHABET = "aAäÄßΣσİı0١_-.,;: \u00a0\n\u0301🙂Ⅻ"
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=40) | st.text(max_size=40)


def sample_articles(n: int = 120) -> list[tuple[str | None, ...]]:
    from sample_site.generate import generate_articles

    return [(a.title, a.kicker, a.teaser, "\n\n".join(a.body)) for a in generate_articles(n, seed=7)]


def test_find_words_is_word_findall():
    for text in TRICKY + [t for article in sample_articles() for t in article if t]:
        assert find_words(text) == WORD.findall(text), text


@settings(max_examples=400, deadline=None)
@given(texts)
def test_find_words_is_word_findall_for_any_text(text):
    assert find_words(text) == WORD.findall(text)


def test_the_character_facts_the_shortcuts_rest_on():
    """Over every code point: the regex's letter-or-digit is `str.isalnum`; white space is never one
    nor a word joint (`find_words`); lower-casing makes a letter or digit of no other character and
    depends on the neighbours for `Σ` alone (`words_lexicon_words`)."""
    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000]
    letter = re.compile(r"[^\W_]")
    words = "".join(letter.findall("".join(chars)))
    assert words == "".join(c for c in chars if c.isalnum())
    assert not [c for c in chars if c.isspace() and (c.isalnum() or c in "-.")]
    assert not letter.search("".join(c for c in chars if not c.isalnum()).lower())
    others = [c for c in chars if c != "Σ"]
    for joint in ("a", "A", " ", ".", "'", "\u0301"):
        assert joint.join(others).lower() == joint.lower().join(c.lower() for c in others), joint
    assert "ΑΣ".lower() != "Α".lower() + "Σ".lower()  # why `Σ` is left to the plain `lexicon_words`


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=4, max_size=4))
def test_the_cached_lexicon_words_are_the_plain_ones(parts):
    assert words_lexicon_words(parts, article_words(*parts)) == lexicon_words(*parts)


def test_the_cached_lexicon_words_of_articles_are_the_plain_ones():
    for article in sample_articles() + [(t, None, t, t) for t in TRICKY]:
        assert words_lexicon_words(article, article_words(*article)) == lexicon_words(*article), article


def plain_columns(title, kicker, teaser, body, lexicon=None) -> tuple[str, ...]:
    """The columns the straightforward way: each text scanned by the regex on its own."""
    joined = " ".join(part for part in (kicker, teaser) if part)
    columns = [normalise_columns(text, lexicon=lexicon, words=WORD.findall(text or "")) for text in (title, joined, body)]
    return (columns[0][0], columns[1][0], columns[2][0], columns[0][1], columns[1][1], columns[2][1])


def test_shared_words_give_the_plain_columns():
    articles = sample_articles() + [(t, t, t, t) for t in TRICKY] + [("Titel", "", None, "Text"), (None, "K", "T", None)]
    lexicon = Lexicon(Counter(word for article in articles for word in lexicon_words(*article)))
    for article in articles:
        for lex in (None, lexicon):
            assert search_columns(*article, lexicon=lex, words=article_words(*article)) == plain_columns(*article, lexicon=lex)
            assert search_columns(*article, lexicon=lex) == plain_columns(*article, lexicon=lex)


def test_the_index_form_fits_its_limit_exactly():
    """The full form is kept whenever it fits (a size off by one would clip a text that fits)."""
    for text in ("Cybersicherheitsstrategie", "IT-Sicherheit und Onlinezugangsgesetz", "Amt", "die der das"):
        main, extra = normalise_columns(text, limit=10_000)
        size = len(f"{main} {extra}" if main and extra else main or extra)
        assert normalise_columns(text, limit=size) == (main, extra)
        clipped = normalise_columns(text, limit=size - 1)
        assert clipped != (main, extra) or size == 0
        assert len(" ".join(part for part in clipped if part)) <= max(size - 1, 0)


def test_the_syncs_count_each_article_as_the_plain_lexicon_words_do(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    articles = sample_articles(60)
    expected: Counter[str] = Counter()
    for start in range(0, len(articles), 7):  # several syncs, with growth rebuilds among them
        batch = articles[start : start + 7]
        writer.upsert_articles([{"url": f"https://example.org/{start + n}", "source": "kommune21", "title": title,
                                 "kicker": kicker, "teaser": teaser, "body": body, "published": "2025-09-01", "tags": []}
                                for n, (title, kicker, teaser, body) in enumerate(batch)])
        sync_search_index(writer.db)
        expected.update(word for article in batch for word in lexicon_words(*article))
    # a changed article counts again with its new text (counts only grow)
    writer.db.execute("update articles set body = 'Neue Wärmepumpenförderung im Landkreis' where id = 1")
    writer.db.conn.commit()
    sync_search_index(writer.db)
    expected.update(lexicon_words(*writer.db.execute("select title, kicker, teaser, body from articles where id = 1").fetchone()))
    assert dict(writer.db.execute(f"select word, docs from {LEXICON_TABLE}").fetchall()) == dict(expected)
