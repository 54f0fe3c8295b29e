"""The sources file: shipped files are valid, bad entries are named by file, source and field, and
`radar sources` lists or rejects them without a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.runner import source_settings
from crawler.sources import (
    ARTICLE_KEYS,
    CRAWL_KEYS,
    DEFAULT_SOURCES,
    RULE_KEYS,
    SOURCE_KEYS,
    SourcesError,
    kommune21_source,
    load_sources,
)
from tests.conftest import ROOT, SAMPLE_SOURCES, run_radar


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SourcesError) as info:
        load_sources(write(tmp_path, text))
    return info.value.errors


def test_shipped_sources_are_valid():
    shipped = load_sources(DEFAULT_SOURCES)
    k21 = shipped.sources["kommune21"]
    assert k21.type == "rules" and k21.extractor == "kommune21"
    assert k21.start_urls == ("https://www.kommune21.de/",)
    assert "www.kommune21.de" in k21.allowed_domains
    assert "https://github.com/" in shipped.user_agent_string()


def test_sample_sources_cover_three_discovery_types_with_base_substituted():
    sample = load_sources(SAMPLE_SOURCES, base="http://127.0.0.1:5001")
    assert {s.id: s.type for s in sample.sources.values()} == {"kommune21": "rules", "verband": "feed", "egov": "sitemap"}
    assert sample.sources["verband"].start_urls == ("http://127.0.0.1:5001/verband/feed.xml",)
    assert sample.sources["egov"].extractor == "generic"  # no rules: trafilatura
    assert sample.sources["verband"].extractor == "rules"
    assert all(s.allowed_domains == ("127.0.0.1",) for s in sample.sources.values())


@pytest.mark.parametrize(
    "entry, field, words",
    [
        ('type = "rules"\nstart_urls = ["http://a.example/"]\n[sources.x.rules]\nitem = ".n"\nnxt = "a"', "rules.nxt", "unknown key"),
        ('type = "rss"\nstart_urls = ["http://a.example/"]', "type", "not one of"),
        ('start_urls = ["http://a.example/"]', "type", "missing"),
        ('type = "feed"\nstart_urls = ["ftp://a.example/"]', "start_urls", "not an http(s) URL"),
        ('type = "feed"\nstart_urls = "http://a.example/"', "start_urls", "must be a list"),
        ('type = "rules"\nstart_urls = ["http://a.example/"]', "rules", "missing"),
        ('type = "rules"\nstart_urls = ["http://a.example/"]\n[sources.x.rules]\nitem = "a[["', "rules.item", "invalid selector"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\n[sources.x.article]\ntitle = "xpath://["', "article.title", "invalid selector"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\narticle_urls = "(unclosed"', "article_urls", "invalid regular expression"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\nextractor = "rules"', "article", "missing"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\nallowed_domains = ["http://a.example"]', "allowed_domains", "not a host name"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\nconcurrency = 0', "concurrency", "at least 1"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\nfollow_related = "yes"', "follow_related", "true or false"),
        ('type = "feed"\nstart_urls = ["http://a.example/"]\nstart_url = "x"', "start_url", "unknown key"),
    ],
)
def test_bad_entry_is_named_by_file_source_and_field(tmp_path, entry, field, words):
    errors = errors_of(tmp_path, f"[sources.x]\n{entry}\n")
    path = str(tmp_path / "sources.toml")
    matching = [e for e in errors if f"source 'x': field '{field}'" in e]
    assert matching, errors
    assert matching[0].startswith(path)
    assert words in matching[0]


def test_every_problem_is_reported_at_once(tmp_path):
    errors = errors_of(
        tmp_path,
        '[sources.a]\ntype = "nope"\nstart_urls = ["http://a.example/"]\n'
        '[sources.b]\ntype = "feed"\nstart_urls = ["http://b.example/"]\ncolour = "red"\n',
    )
    assert any("source 'a': field 'type'" in e for e in errors)
    assert any("source 'b': field 'colour'" in e for e in errors)


def test_unknown_top_level_key_and_bad_toml(tmp_path):
    assert any("unknown top-level key 'source'" in e for e in errors_of(tmp_path, "[source.x]\ntype = 'feed'\n"))
    assert any("not valid TOML" in e for e in errors_of(tmp_path, "[sources.x\n"))
    assert any("[crawl]: field 'contact_url'" in e for e in errors_of(tmp_path, "[crawl]\ncontact_url = 'mailto:x'\n"))


def test_selecting_an_unknown_source_names_the_known_ones():
    with pytest.raises(SourcesError, match="no source 'nope'.*known: kommune21"):
        load_sources(DEFAULT_SOURCES).select(["nope"])


def test_start_url_override_keeps_rules_but_drops_the_real_sites_politeness():
    local = kommune21_source("http://127.0.0.1:9999/", "k21")
    assert local.id == "k21" and local.allowed_domains == ("127.0.0.1",)
    assert local.rules is not None and local.rules.next
    assert local.delay is None and local.concurrency is None
    real = kommune21_source("https://www.kommune21.de/")
    assert real.delay == 1.0 and real.concurrency == 4


def test_politeness_becomes_per_host_download_slots_and_user_agent():
    shipped = load_sources(DEFAULT_SOURCES)
    settings = source_settings(shipped.sources.values(), shipped.user_agent_string())
    assert settings["DOWNLOAD_SLOTS"]["www.kommune21.de"] == {"concurrency": 4, "delay": 1.0}
    assert settings["USER_AGENT"] == "PolicyRadar/0.1 (+https://github.com/policy-radar/policy-radar)"


def test_radar_sources_lists_the_sample_sources():
    result = run_radar("sources", "--file", str(SAMPLE_SOURCES), "--base", "http://127.0.0.1:8123")
    assert result.returncode == 0, result.stderr
    assert "3 sources, all valid" in result.stdout
    for expected in ("kommune21", "verband", "egov", "http://127.0.0.1:8123/verband/feed.xml", "generic"):
        assert expected in result.stdout


def test_radar_sources_reports_bad_entries_without_traceback(tmp_path):
    path = write(tmp_path, '[sources.press]\ntype = "feed"\nstart_urls = ["http://a.example/feed"]\nfeed_url = "x"\n')
    result = run_radar("sources", "--file", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}: source 'press': field 'feed_url': unknown key" in result.stderr


def test_radar_crawl_rejects_a_bad_sources_file_in_one_block(tmp_path):
    path = write(tmp_path, '[sources.press]\ntype = "feed"\n')
    result = run_radar("crawl", "--sources", str(path), "--all", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "source 'press': field 'start_urls': missing" in result.stderr


def test_radar_crawl_needs_base_for_a_file_with_placeholders(tmp_path):
    result = run_radar("crawl", "--sources", str(SAMPLE_SOURCES), "--all", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "give --base URL" in result.stderr


def test_docs_describe_every_key():
    docs = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", docs))
    keys = set(SOURCE_KEYS) | set(CRAWL_KEYS) | set(RULE_KEYS) | set(ARTICLE_KEYS)
    assert keys <= documented, sorted(keys - documented)
