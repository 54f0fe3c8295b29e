"""`radar sources test SOURCE [URL]`: what the rules, the generic path and the crawl make of one page.

In the spirit of `scrapy parse`: one list page (the source's first start URL) and its first article,
or the article at URL, fetched for real; nothing is written anywhere. Bad input (unknown source, an
invalid selector or regular expression in the file, a URL outside the source's domains) is one line
naming file, source and key, exit 2.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import click

from radar.options import FiniteRange, RunFailed

# Bad input, as for click's usage errors.
EXIT_BAD_INPUT = 2
SHOWN = 110
MAX_SITEMAP = 50 * 1024 * 1024  # inflated size of a gzipped sitemap, as the crawl's DOWNLOAD_MAXSIZE


def bad_input(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def fetch(url: str, user_agent: str | None, timeout: float) -> tuple[str, str]:
    """(final URL, decoded text) of one page, decoded as the crawl decodes it."""
    from w3lib.encoding import http_content_type_encoding

    from crawler.extract.encoding import decode_html

    final, body, content_type = fetch_bytes(url, user_agent, timeout)
    return final, decode_html(body, http_content_type_encoding(content_type or ""))[0]


def fetch_bytes(url: str, user_agent: str | None, timeout: float) -> tuple[str, bytes, str | None]:
    """(final URL, body, Content-Type) of one fetch."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent or "PolicyRadar/0.1 (sources test)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.geturl(), response.read(), response.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        raise RunFailed(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RunFailed(f"{url}: cannot fetch ({getattr(exc, 'reason', exc)})") from None


def first_feed_article(source, agent: str | None, timeout: float) -> str:
    """The first article a feed or sitemap source lists (through a sitemap index if need be), read
    as the crawl reads it (crawler/discovery.py)."""
    from crawler.discovery import feed_links, sitemap_links

    url = source.start_urls[0]
    for _ in range(3):  # sitemap index → sitemap → article
        final, body, content_type = fetch_bytes(url, agent, timeout)
        found = feed_links(body, final, content_type) if source.type == "feed" else sitemap_links(body, final, MAX_SITEMAP)
        if found.problem:
            raise RunFailed(f"{final}: {found.problem[0]}: {found.problem[1]}")
        click.echo(f"{source.type:<10} {final}: {len(found.entries) or len(found.children)} entries")
        articles = [u for u, _, _ in found.entries if source.accepts(u)]
        if articles:
            return articles[0]
        if not found.children:
            break
        url = found.children[0]
    raise RunFailed(f"{source.id}: no article link in {source.start_urls[0]} that matches article_urls")


def short(value: str | None) -> str:
    if value is None:
        return "(no rule)"
    if not value:
        return "(empty)"
    one = " ".join(value.split())
    return repr(one if len(one) <= SHOWN else one[: SHOWN - 1] + "…")


@click.command()
@click.argument("source_id", metavar="SOURCE")
@click.argument("url", required=False)
@click.option("--file", "sources_file", default=None, type=click.Path(dir_okay=False),
              help="Sources file (default: crawler/sources.toml).")
@click.option("--base", default=None, help="Base URL substituted for {base} (the sample site's address).")
@click.option("--timeout", default=20.0, type=FiniteRange(0.1, 600), show_default=True,
              help="Seconds (0.1 to 600) per fetch.")
def test_command(source_id: str, url: str | None, sources_file: str | None, base: str | None, timeout: float) -> None:
    """Fetch one list page (feed, sitemap) of SOURCE and its first article (or the article at URL) and print, field by
    field, what each rule extracts, what the generic path extracts and which one the crawl stores.

    Example: radar sources test kommune21 --file crawler/sample_sources.toml --base http://127.0.0.1:8000
    """
    from crawler.probe import probe_article, probe_listing
    from crawler.sources import DEFAULT_SOURCES, SourcesError, load_sources

    path = Path(sources_file) if sources_file else DEFAULT_SOURCES
    if not path.is_file():
        bad_input(f"no sources file at {path}")
    try:
        loaded = load_sources(path, base)
    except SourcesError as exc:
        bad_input("\n".join(exc.errors))
    if not base and "{base}" in path.read_text(encoding="utf-8", errors="replace"):
        bad_input(f"{path}: uses {{base}}: give --base URL")
    source = loaded.sources.get(source_id)
    if source is None:
        bad_input(f"{path}: no source {source_id!r} (known: {', '.join(loaded.sources) or 'none'})")
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            bad_input(f"{path}: source {source_id!r}: URL {url!r} is not an http(s) URL")
        host = parsed.hostname.lower()
        if not any(host == d or host.endswith("." + d) for d in source.allowed_domains):
            bad_input(f"{path}: source {source_id!r}: key 'allowed_domains': {url} is outside {', '.join(source.allowed_domains)}")
    agent = loaded.user_agent_string()
    warnings = 0
    listing_day = None
    if url is None and source.type != "rules":
        url = first_feed_article(source, agent, timeout)
        click.echo("")
    if url is None:
        list_url, html = fetch(source.start_urls[0], agent, timeout)
        report = probe_listing(source, list_url, html, guess=False)
        click.echo(f"list page  {list_url}")
        for rule in report.rules:
            if rule.key == "item":
                shown = f"{len(rule.values)} teaser blocks" if rule.values else ""
            else:
                shown = ", ".join(short(v) for v in rule.values[:2]) + (f" … ({len(rule.values)})" if len(rule.values) > 2 else "")
            click.echo(f"  rule {rule.key:<6} {rule.query!r:<40} → {shown or '(nothing)'}")
            if not rule.values and rule.key != "next":
                click.echo(f"  warning: list rule {rule.key}={rule.query!r} matched nothing")
                warnings += 1
        click.echo(f"  rules    {len(report.rule_links)} article links")
        click.echo(f"  generic  {len(report.fallback)} {report.fallback_how or 'article links'}")
        if not report.rule_links and report.fallback:
            click.echo(f"  warning: the crawl would use the {len(report.fallback)} {report.fallback_how} instead of the rules")
            warnings += 1
        click.echo(f"  next     {report.next_url or '(none)'}" + (f" ({report.next_how})" if report.next_how else ""))
        if not report.articles:
            raise RunFailed(f"{source_id}: no article link on {list_url}: neither the rules nor article_urls find one")
        url, listing_day = report.articles[0]
        click.echo("")
    article_url, html = fetch(url, agent, timeout)
    click.echo(f"article    {article_url}   (extractor: {source.extractor})")
    for fld in probe_article(source, article_url, html, listing_day):
        click.echo(f"  {fld.name}")
        if fld.rule is not None:
            click.echo(f"    rule     {fld.rule!r}: {short(fld.rule_value)}")
        click.echo(f"    generic  {short(fld.generic_value)}")
        click.echo(f"    stored   {short(fld.stored)}" + (f"   (from {fld.origin})" if fld.stored else ""))
        if not fld.stored and fld.name in ("title", "published", "body", "teaser"):
            click.echo(f"    warning: {fld.name} is empty" + (" (date_missing)" if fld.name == "published" else ""))
            warnings += 1
    click.echo("")
    click.echo(f"{warnings} warning{'s' if warnings != 1 else ''}; nothing was written")
