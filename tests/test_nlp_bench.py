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


def test_bench_memory_mode_reports_each_load_step(capsys):
    assert main(["--memory", "--n", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    steps = [line[:28].strip() for line in lines[1:]]
    assert steps == ["python", "import spacy, blank('de')", "taxonomy loaded", "tagger built", "30 articles tagged"]
    rss = [float(line.split()[-2]) for line in lines[1:]]
    assert rss[3] > rss[1] > rss[0] > 0  # spaCy and the tagger take memory; the figures are real
