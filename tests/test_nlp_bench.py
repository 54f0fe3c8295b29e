"""`python -m bench.tag` runs and reports its baseline in the same run (tiny size here)."""

from __future__ import annotations

from bench.tag import main, run, synthetic_articles


def test_synthetic_articles_look_like_news():
    articles = synthetic_articles(5, seed=3)
    assert articles == synthetic_articles(5, seed=3)
    assert all(title and teaser and len(body.split()) >= 200 for title, teaser, body in articles)


def test_bench_prints_both_rates_and_the_goal(capsys):
    result = run(20, repeats=1)
    assert result["ratio"] > 0 and result["tokens"] > 4000
    assert main(["--n", "10", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "spacy.blank('de') tokenizer" in out and "radar tagger (full)" in out and "goal >= 40%" in out
