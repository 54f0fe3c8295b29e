"""The tagger's memory: phrase tables, lexeme flags and memory zones change nothing but memory.

Each compact structure is checked against the plain thing it replaces (spaCy's PhraseMatcher, the
organisation-head regex, a tagger without zones) on texts that exercise it.
"""

from __future__ import annotations

import random

import pytest
import spacy
from spacy.attrs import LOWER, ORTH
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id

from bench.tag import synthetic_articles
from nlp.orgs import HEAD_RE, HEADS, _head
from nlp.phrase_table import PREFIX, PhraseTable
from nlp.tagger import Tagger, get_tagger

PHRASES = ["Bad Homburg", "Bad Homburg vor der Höhe", "Homburg", "Halle ( Saale )", "Halle",
           "Frankfurt am Main", "Neuenkirchen", "der Kosten", "Stadt Bad Homburg", "am Main"]


def _words(nlp, n: int, seed: int) -> list[str]:
    """A text that is mostly the pieces of PHRASES in random order, so phrases overlap and break off."""
    rng = random.Random(seed)
    pieces = [w for p in PHRASES for w in p.split()] + ["und", "in", "Höhe", "Bad", "main"]
    return [rng.choice(pieces) for _ in range(n)]


@pytest.mark.parametrize("attr", [ORTH, LOWER])
def test_phrase_table_finds_what_the_phrase_matcher_finds(attr):
    nlp = spacy.blank("de")
    matcher = PhraseMatcher(nlp.vocab, attr=attr)
    entries = [(p, k % 7) for k, p in enumerate(PHRASES)] + [("Neuenkirchen", 3), ("Neuenkirchen", 5)]
    for text, key in entries:
        matcher.add(str(key), [nlp.make_doc(" ".join(text.split()))])
    norm = (lambda w: w) if attr == ORTH else str.lower
    table = PhraseTable.build(([get_string_id(norm(w)) for w in text.split()], key) for text, key in entries)
    assert len(table) == len(set(PHRASES))
    assert table.table[table_key([get_string_id(norm("Bad"))])] == PREFIX  # only begins longer phrases
    for seed in range(30):
        doc = spacy.tokens.Doc(nlp.vocab, words=_words(nlp, 60, seed))
        expected = sorted((int(nlp.vocab.strings[m]), s, e) for m, s, e in matcher(doc))
        found: list[tuple[int, int, int]] = []
        table.match(doc.to_array(attr), found)
        assert sorted(found) == expected
        assert expected  # the texts do contain phrases


def test_phrase_table_keeps_a_shared_phrase_once_per_key_and_matches_at_the_edges():
    nlp = spacy.blank("de")
    h = [get_string_id(w) for w in ("Bad", "Homburg")]
    table = PhraseTable.build([(h, 1), (h, 2), (h, 1), (h[:1], 4)])
    assert table.table[table_key(h)] == (1, 2)
    assert table.table[table_key(h[:1])] == 4
    doc = spacy.tokens.Doc(nlp.vocab, words=["Bad", "Homburg"])
    found: list[tuple[int, int, int]] = []
    table.match(doc.to_array(ORTH), found)
    assert found == [(4, 0, 1), (1, 0, 2), (2, 0, 2)]  # by start, then length; the Doc's last token too
    empty: list[tuple[int, int, int]] = []
    table.match(spacy.tokens.Doc(nlp.vocab, words=[]).to_array(ORTH), empty)
    assert empty == []


def table_key(hashes: list[int]) -> bytes:
    from nlp.phrase_table import _bytes

    return _bytes(hashes)


def test_head_prefilter_rejects_no_word_the_head_regex_accepts():
    rng = random.Random(5)
    words = [prefix + head + ending for head in HEADS for prefix in ("", "landes", "x", "ä")
             for ending in ("", "s", "es", "en", "n", "e", "er")]
    words += ["".join(rng.choice("abcdeilmnorstuäöüß") for _ in range(rng.randint(3, 14))) for _ in range(5000)]
    for word in words:
        m = HEAD_RE.match(word)
        expected = None if m is None else (m.group(1), word[: m.end(1)])
        assert _head(word.capitalize()) == expected, word
    assert _head("Landesrechnungshofs") == ("rechnungshof", "landesrechnungshof")


def _tags(tagger: Tagger, articles, per_call: int) -> list:
    out = []
    for i in range(0, len(articles), per_call):
        out += list(tagger.tag_many(articles[i:i + per_call]))
    return out


def test_memory_zones_change_no_tag_and_keep_the_vocabulary_bounded():
    articles = synthetic_articles(240, seed=21)
    plain = Tagger()
    plain.zone.permanent = 10**12  # never zoned
    zoned = Tagger()
    zoned.zone.permanent, zoned.zone.every = 3_000, 40
    assert _tags(zoned, articles, 20) == _tags(plain, articles, 20)
    assert zoned.zone.zones >= 4 and plain.zone.zones == 0
    grown = len(plain.nlp.vocab.strings)
    zoned.zone.close()
    kept = len(zoned.nlp.vocab.strings)
    assert kept < grown / 2, (kept, grown)  # the words of closed zones are gone
    # and tagging again after a rotation still gives the same tags (hits cached by text stay valid)
    assert _tags(zoned, articles[:40], 7) == _tags(plain, articles[:40], 7)


def test_nested_tagging_inside_a_running_call_shares_the_zone():
    tagger = Tagger()
    tagger.zone.permanent, tagger.zone.every = 0, 1
    articles = synthetic_articles(6, seed=2)
    expected = list(get_tagger().tag_many(articles))
    out = []
    for tags in tagger.tag_many(articles):  # a zone is open and due to rotate after each Doc …
        out.append(tags)
        assert tagger.tag(*articles[0]) == expected[0]  # … but not while the outer call runs
    assert out == expected
    assert tagger.zone.zones == 1
    assert tagger.tag(*articles[1]) == expected[1]
    assert tagger.zone.zones == 2  # the next outermost call rotates


def test_a_fresh_pipeline_after_many_zones_tags_the_same(monkeypatch):
    import nlp.zones

    monkeypatch.setattr(nlp.zones, "RENEW_ZONES", 3)
    tagger = Tagger()
    tagger.zone.permanent, tagger.zone.every = 0, 1
    first = tagger.nlp
    articles = synthetic_articles(12, seed=8)
    expected = list(get_tagger().tag_many(articles))
    assert _tags(tagger, articles, 2) == expected
    assert tagger.nlp is not first  # rebuilt once three zones were used …
    assert tagger.zone.zones < 3  # … with a zone counter of its own
