"""`radar sources test SOURCE [URL]`: one list page and one article fetched for real, each rule's
result next to the generic path's and the stored value; bad input is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from radar.cli import cli
from sample_site.families import family_truth
from tests.conftest import ROOT, SAMPLE_SOURCES

FAMILIES_FILE = ROOT / "crawler" / "sample_families.toml"


def run(*args: str):
    return CliRunner().invoke(cli, ["sources", "test", *args], catch_exceptions=False)


def test_a_list_page_and_its_first_article_field_by_field(sample_site):
    result = run("kreisnews", "--file", str(FAMILIES_FILE), "--base", sample_site.base_url)
    assert result.exit_code == 0, result.output
    first = family_truth(sample_site.base_url, "kreisnews")[0]
    out = result.output
    assert f"list page  {sample_site.base_url}/landkreis/aktuelles/" in out
    assert "rule item   '.news-list-view .article'" in out and "10 teaser blocks" in out
    assert f"next     {sample_site.base_url}/landkreis/aktuelles/seite-2/ (rule)" in out
    assert f"article    {first['url']}" in out
    assert f"stored   {first['title']!r}   (from generic)" in out
    assert f"stored   {first['kicker']!r}" in out
    assert f"stored   {first['published']!r}" in out
    assert "nothing was written" in out


def test_rules_that_match_nothing_are_warned_and_the_fallback_shown(sample_site, tmp_path):
    broken = tmp_path / "broken.toml"
    text = FAMILIES_FILE.read_text(encoding="utf-8").replace('item = "article.post"', 'item = ".news-item"')
    broken.write_text(text.replace('next = "a.next.page-numbers::attr(href)"', "next = 'a[rel=\"next\"]::attr(href)'"), encoding="utf-8")
    result = run("stadtblog", "--file", str(broken), "--base", sample_site.base_url)
    assert result.exit_code == 0, result.output
    assert "warning: list rule item='.news-item' matched nothing" in result.output
    assert "the crawl would use the 10 links matching article_urls instead of the rules" in result.output
    assert f"next     {sample_site.base_url}/blog/page/2/ (found by its markup)" in result.output


def test_article_rules_and_the_given_url(sample_site):
    url = sample_site.url("/verband/presse/cloud-strategie-braucht-die-kommunalen-rechenzentren.html")
    result = run("verband", url, "--file", str(SAMPLE_SOURCES), "--base", sample_site.base_url)
    assert result.exit_code == 0, result.output
    assert "rule     'article h1::text': 'Vitako: Cloud-Strategie braucht die kommunalen Rechenzentren'" in result.output
    assert "(from rule)" in result.output and "list page" not in result.output


def test_empty_fields_are_warned(sample_site):
    result = run("kommune21", sample_site.url("/faults/nodate"), "--file", str(SAMPLE_SOURCES), "--base", sample_site.base_url)
    assert result.exit_code == 0, result.output
    assert "warning: published is empty (date_missing)" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "sample_families.toml: no source 'nope'"),
        (["stadtblog", "http://example.org/blog/x/"], "source 'stadtblog': key 'allowed_domains': http://example.org/blog/x/ is outside"),
        (["stadtblog", "file:///etc/passwd"], "source 'stadtblog': URL 'file:///etc/passwd' is not an http(s) URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sample_site, args, message):
    result = run(*args, "--file", str(FAMILIES_FILE), "--base", sample_site.base_url)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and message in result.output


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("article_urls", "'(['", "field 'article_urls': invalid regular expression"),
        ("rules.item", "'div[['", "field 'rules.item': invalid selector"),
    ],
)
def test_bad_rules_name_file_source_and_key(tmp_path: Path, key, value, message):
    table, _, name = key.rpartition(".")
    text = '[sources.x]\ntype = "rules"\nstart_urls = ["http://127.0.0.1:9/"]\n'
    text += f"{name} = {value}\n" if not table else ""
    text += '[sources.x.rules]\nitem = ".a"\n' if table != "rules" else f"[sources.x.rules]\n{name} = {value}\n"
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = run("x", "--file", str(path))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert f"{path}: source 'x': {message}" in result.output


@pytest.mark.parametrize(("source", "kind"), [("verband", "feed"), ("egov", "sitemap")])
def test_feed_and_sitemap_sources_show_their_first_article(sample_site, source, kind):
    result = run(source, "--file", str(SAMPLE_SOURCES), "--base", sample_site.base_url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{kind:<10} {sample_site.base_url}/")
    assert "article    " in result.output and "stored   " in result.output
