"""The sources file: which sites to crawl and how, as validated data (no code per source).

A TOML file with an optional `[crawl]` table (contact URL, User-Agent) and one `[sources.<id>]`
table per source. Every source names its start URLs and is discovered one way (`type`):

- `rules`: list pages read with CSS/XPath rules (`[sources.<id>.rules]`), paged by a "next" link;
- `feed`: RSS 2.0 or Atom feeds at the start URLs;
- `sitemap`: XML sitemaps (or sitemap indexes) at the start URLs.

Article pages go through the built-in `kommune21` extractor, through field rules
(`[sources.<id>.article]`), or — with neither — through the generic extractor (trafilatura).
`{base}` and `{host}` in any string are replaced at run time (the sample site's port is random).

Errors name file, source and field, and unknown keys are errors, as in Datasette's settings: a typo
must not silently switch a rule off. docs/sources.md documents every key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from parsel import Selector

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCES = HERE / "sources.toml"
SAMPLE_SOURCES = HERE / "sample_sources.toml"
TYPES = ("rules", "feed", "sitemap")
EXTRACTORS = ("kommune21", "rules", "generic")
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The base URL `radar sources` validates `{base}` sources against when none is given.
PLACEHOLDER_BASE = "http://127.0.0.1:8000"

#: Per-source crawl limits (positive integers; crawler/limits.py applies them).
LIMIT_KEYS = ("max_list_pages", "max_depth", "max_articles")

# key: (type, required, help) — the documented schema; docs/sources.md is checked against it.
CRAWL_KEYS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    "contact_url": (str, False, "URL where site operators can reach us; goes into the User-Agent"),
    "user_agent": (str, False, "User-Agent template; `{contact_url}` is replaced"),
}
SOURCE_KEYS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    "name": (str, False, "human-readable name (default: the source id)"),
    "description": (str, False, "one line about the source"),
    "type": (str, True, "how articles are discovered: rules | feed | sitemap"),
    "start_urls": (list, True, "list pages (rules), feed URLs (feed) or sitemap URLs (sitemap)"),
    "allowed_domains": (list, False, "hosts the crawl may visit (default: the start URLs' hosts)"),
    "article_urls": (str, False, "regular expression an article URL must match (searched in the URL)"),
    "extractor": (str, False, "kommune21 | rules | generic (default: rules with [article], else generic)"),
    "follow_related": (bool, False, "also fetch unknown articles linked from an article's related block"),
    "concurrency": (int, False, "concurrent requests to this source's hosts (default: CONCURRENT_REQUESTS_PER_DOMAIN)"),
    "delay": ((int, float), False, "seconds between requests to this source's hosts (AutoThrottle may raise it)"),
    "rank": (int, False, "which source is the original of a near-duplicate on the same day (lower wins; default: file order)"),
    "max_list_pages": (int, False, "list pages, feed pages and sitemaps per run (default: RADAR_MAX_LIST_PAGES, 1000)"),
    "max_depth": (int, False, "links from a list page to an article: 1 = only listed articles (default: RADAR_MAX_DEPTH, 3)"),
    "max_articles": (int, False, "article pages per run (default: RADAR_MAX_ARTICLES, 50000)"),
    "rules": (dict, False, "list-page rules (type = rules)"),
    "article": (dict, False, "article field rules (extractor = rules)"),
}
RULE_KEYS: dict[str, tuple[bool, str]] = {
    "item": (True, "one teaser block on a list page"),
    "link": (False, "the article link inside a teaser (default `a::attr(href)`)"),
    "title": (False, "the teaser's title text, recorded with the discovered link"),
    "date": (False, "the teaser's date text (`[29.09.2025]`), used for --since"),
    "next": (False, "the next list page's URL (absent: one list page)"),
}
ARTICLE_KEYS: dict[str, tuple[bool, str]] = {
    "title": (True, "the headline"),
    "kicker": (False, "the kicker (Dachzeile)"),
    "teaser": (False, "the teaser / lead paragraph"),
    "body": (False, "the body's paragraphs (all matches, joined by blank lines; default: generic)"),
    "date": (False, "date text, read with the German date rules when no JSON-LD/meta date exists"),
    "image_caption": (False, "the image caption; a trailing `(Bildquelle: …)` becomes the credit"),
    "image_credit": (False, "the image credit, when the page marks it separately"),
    "related": (False, "links of a 'more on this topic' block (recorded; fetched with follow_related)"),
}


class SourcesError(ValueError):
    """One or more bad entries; each message names file, source and field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class ListingRules:
    item: str
    link: str = "a::attr(href)"
    title: str | None = None
    date: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class Source:
    """One validated source, placeholders substituted."""

    id: str
    type: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    name: str = ""
    description: str = ""
    extractor: str = "generic"
    rules: ListingRules | None = None
    article: dict[str, str] = field(default_factory=dict)
    article_urls: str | None = None
    follow_related: bool = True
    concurrency: int | None = None
    delay: float | None = None
    rank: int = 0
    # Crawl limits per run (None: the run's defaults, crawler/limits.py); a trap stops here.
    max_list_pages: int | None = None
    max_depth: int | None = None
    max_articles: int | None = None

    def to_config(self) -> dict[str, Any]:
        """JSON-able form stored in `sources.config`, so reparse and reports work offline."""
        out: dict[str, Any] = {
            "type": self.type,
            "start_urls": list(self.start_urls),
            "allowed_domains": list(self.allowed_domains),
            "extractor": self.extractor,
            "article": dict(self.article),
            "article_urls": self.article_urls,
            "follow_related": self.follow_related,
            "rank": self.rank,
        }
        out.update({k: getattr(self, k) for k in LIMIT_KEYS if getattr(self, k) is not None})
        if self.rules:
            out["rules"] = {k: v for k, v in vars(self.rules).items() if v is not None}
        return out

    def accepts(self, url: str) -> bool:
        """Whether `url` may be an article of this source (allowed host and URL pattern)."""
        host = (urlparse(url).hostname or "").lower()
        if self.allowed_domains and not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            return False
        return not self.article_urls or re.search(self.article_urls, url) is not None


@dataclass
class SourcesFile:
    path: Path
    sources: dict[str, Source]
    contact_url: str | None = None
    user_agent: str | None = None

    def select(self, names: list[str] | tuple[str, ...]) -> list[Source]:
        """The named sources, in file order of the request; unknown names are one error."""
        unknown = [n for n in names if n not in self.sources]
        if unknown:
            raise SourcesError(
                [f"{self.path}: no source {', '.join(map(repr, unknown))} (known: {', '.join(self.sources) or 'none'})"]
            )
        return [self.sources[n] for n in names]

    def user_agent_string(self) -> str | None:
        if not self.user_agent and not self.contact_url:
            return None
        template = self.user_agent or "PolicyRadar/0.1 (+{contact_url})"
        return template.replace("{contact_url}", self.contact_url or "")


def check_selector(query: str) -> str | None:
    """None if `query` is a valid CSS selector (or `xpath:` expression), else the reason."""
    try:
        select(Selector(text="<html><body></body></html>"), query)
    except Exception as exc:  # cssselect and lxml raise several unrelated types
        return f"invalid selector {query!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    return None


def select(sel: Any, query: str) -> Any:
    """Apply a rule: `xpath:…` is XPath, `css:…` or anything else is CSS (with ::text / ::attr())."""
    if query.startswith("xpath:"):
        return sel.xpath(query[len("xpath:") :].strip())
    if query.startswith("css:"):
        return sel.css(query[len("css:") :].strip())
    return sel.css(query)


def _substitute(value: Any, base: str, host: str) -> Any:
    if isinstance(value, str):
        return value.replace("{base}", base).replace("{host}", host)
    if isinstance(value, list):
        return [_substitute(v, base, host) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, base, host) for k, v in value.items()}
    return value


def _is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.hostname)


def load_sources(path: str | Path | None = None, base: str | None = None) -> SourcesFile:
    """Read and validate a sources file; raises SourcesError listing every problem found."""
    path = Path(path) if path else DEFAULT_SOURCES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError([f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})"]) from None
    except UnicodeDecodeError:
        raise SourcesError([f"{path}: not a UTF-8 text file"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError([f"{path}: not valid TOML: {exc}"]) from None
    loaded = parse_sources(data, path, base)
    if not loaded.sources:
        raise SourcesError([f"{path}: no [sources.<id>] table: nothing to crawl"])
    return loaded


def parse_sources(data: dict[str, Any], path: Path, base: str | None = None) -> SourcesFile:
    errors: list[str] = []
    base = (base or PLACEHOLDER_BASE).rstrip("/")
    host = urlparse(base).hostname or "127.0.0.1"
    for key in data:
        if key not in ("crawl", "sources"):
            errors.append(f"{path}: unknown top-level key {key!r} (expected [crawl] and [sources.<id>])")
    crawl = data.get("crawl", {})
    contact_url = user_agent = None
    if not isinstance(crawl, dict):
        errors.append(f"{path}: [crawl]: must be a table")
    else:
        for key, value in crawl.items():
            if key not in CRAWL_KEYS:
                errors.append(f"{path}: [crawl]: field {key!r}: unknown key")
            elif not isinstance(value, str):
                errors.append(f"{path}: [crawl]: field {key!r}: must be a string")
        contact_url = crawl.get("contact_url") if isinstance(crawl.get("contact_url"), str) else None
        user_agent = crawl.get("user_agent") if isinstance(crawl.get("user_agent"), str) else None
        if contact_url and not _is_url(contact_url):
            errors.append(f"{path}: [crawl]: field 'contact_url': {contact_url!r} is not an http(s) URL")
    raw_sources = data.get("sources", {})
    sources: dict[str, Source] = {}
    if not isinstance(raw_sources, dict):
        errors.append(f"{path}: 'sources' must be a table of [sources.<id>] tables")
        raw_sources = {}
    for rank, (source_id, raw) in enumerate(raw_sources.items()):
        where = f"{path}: source {source_id!r}"
        before = len(errors)
        if not SOURCE_ID.match(source_id):
            errors.append(f"{where}: the id must be lowercase letters, digits, '-' or '_'")
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be a table")
            continue
        source = _parse_source(source_id, _substitute(raw, base, host), rank, where, errors)
        if source is not None and len(errors) == before:
            sources[source_id] = source
    if errors:
        raise SourcesError(errors)
    return SourcesFile(path=path, sources=sources, contact_url=contact_url, user_agent=user_agent)


def _parse_source(source_id: str, raw: dict[str, Any], rank: int, where: str, errors: list[str]) -> Source | None:
    def err(fld: str, msg: str) -> None:
        errors.append(f"{where}: field {fld!r}: {msg}")

    for key, value in raw.items():
        if key not in SOURCE_KEYS:
            err(key, f"unknown key (known: {', '.join(SOURCE_KEYS)})")
            continue
        kind = SOURCE_KEYS[key][0]
        if isinstance(value, bool) and kind is not bool:
            err(key, f"must be {_kind_name(kind)}, not a boolean")
        elif not isinstance(value, kind):
            err(key, f"must be {_kind_name(kind)}")
    for key, (_, required, _) in SOURCE_KEYS.items():
        if required and key not in raw:
            err(key, "missing")
    stype = raw.get("type")
    if isinstance(stype, str) and stype not in TYPES:
        err("type", f"{stype!r} is not one of {', '.join(TYPES)}")
    start_urls = raw.get("start_urls") if isinstance(raw.get("start_urls"), list) else []
    if "start_urls" in raw and isinstance(raw["start_urls"], list) and not start_urls:
        err("start_urls", "must name at least one URL")
    for url in start_urls:
        if not isinstance(url, str) or not _is_url(url):
            err("start_urls", f"{url!r} is not an http(s) URL with a host")
    domains = raw.get("allowed_domains") if isinstance(raw.get("allowed_domains"), list) else None
    if domains is not None:
        for domain in domains:
            if not isinstance(domain, str) or not domain or "/" in domain or ":" in domain:
                err("allowed_domains", f"{domain!r} is not a host name (no scheme, port or path)")
    else:
        domains = sorted({urlparse(u).hostname for u in start_urls if isinstance(u, str) and urlparse(u).hostname})
    pattern = raw.get("article_urls")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as exc:
            err("article_urls", f"invalid regular expression: {exc}")
    for key in ("concurrency", *LIMIT_KEYS):
        if isinstance(raw.get(key), int) and not isinstance(raw.get(key), bool) and raw[key] < 1:
            err(key, "must be at least 1")
    if isinstance(raw.get("delay"), (int, float)) and not isinstance(raw.get("delay"), bool) and raw["delay"] < 0:
        err("delay", "must not be negative")

    rules = None
    raw_rules = raw.get("rules")
    if stype == "rules" and raw_rules is None:
        err("rules", "missing: a `rules` source needs [sources.<id>.rules] with at least `item`")
    if stype in ("feed", "sitemap") and raw_rules is not None:
        err("rules", f"only for type = 'rules' (this source is a {stype})")
    if isinstance(raw_rules, dict):
        rules = _parse_rules(raw_rules, where, errors)

    article = raw.get("article") if isinstance(raw.get("article"), dict) else {}
    for key, value in article.items():
        if key not in ARTICLE_KEYS:
            errors.append(f"{where}: field 'article.{key}': unknown key (known: {', '.join(ARTICLE_KEYS)})")
        elif not isinstance(value, str) or not value.strip():
            errors.append(f"{where}: field 'article.{key}': must be a non-empty selector string")
        elif problem := check_selector(value):
            errors.append(f"{where}: field 'article.{key}': {problem}")
    extractor = raw.get("extractor")
    if extractor is None:
        extractor = "rules" if article else "generic"
    elif isinstance(extractor, str) and extractor not in EXTRACTORS:
        err("extractor", f"{extractor!r} is not one of {', '.join(EXTRACTORS)}")
    if extractor == "rules" and not article:
        err("article", "missing: extractor = 'rules' needs [sources.<id>.article] with at least `title`")
    elif article and "title" not in article and extractor == "rules":
        errors.append(f"{where}: field 'article.title': missing")
    if not isinstance(stype, str) or not isinstance(extractor, str):
        return None
    return Source(
        id=source_id,
        type=stype,
        start_urls=tuple(u for u in start_urls if isinstance(u, str)),
        allowed_domains=tuple(d.lower() for d in domains if isinstance(d, str)),
        name=raw.get("name") or source_id,
        description=raw.get("description") or "",
        extractor=extractor,
        rules=rules,
        article={k: v for k, v in article.items() if isinstance(v, str)},
        article_urls=pattern if isinstance(pattern, str) else None,
        follow_related=bool(raw.get("follow_related", True)),
        concurrency=raw.get("concurrency"),
        delay=float(raw["delay"]) if isinstance(raw.get("delay"), (int, float)) else None,
        rank=raw["rank"] if isinstance(raw.get("rank"), int) else rank,
        **{k: raw[k] for k in LIMIT_KEYS if isinstance(raw.get(k), int) and not isinstance(raw[k], bool)},
    )


def _parse_rules(raw: dict[str, Any], where: str, errors: list[str]) -> ListingRules | None:
    ok = True
    for key, value in raw.items():
        if key not in RULE_KEYS:
            errors.append(f"{where}: field 'rules.{key}': unknown key (known: {', '.join(RULE_KEYS)})")
            ok = False
        elif not isinstance(value, str) or not value.strip():
            errors.append(f"{where}: field 'rules.{key}': must be a non-empty selector string")
            ok = False
        elif problem := check_selector(value):
            errors.append(f"{where}: field 'rules.{key}': {problem}")
            ok = False
    for key, (required, _) in RULE_KEYS.items():
        if required and key not in raw:
            errors.append(f"{where}: field 'rules.{key}': missing")
            ok = False
    return ListingRules(**raw) if ok else None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", bool: "true or false", int: "an integer", dict: "a table", float: "a number"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def kommune21_source(start_url: str, source_id: str = "kommune21") -> Source:
    """The built-in Kommune21 source pointed at `start_url` (`radar crawl --start-url` without a file)."""
    shipped = load_sources(DEFAULT_SOURCES).sources["kommune21"]
    host = urlparse(start_url).hostname or ""
    return Source(
        **{
            **vars(shipped),
            "id": source_id,
            "start_urls": (start_url,),
            "allowed_domains": (host,) if host else (),
            # The shipped politeness figures are kommune21.de's; another host gets the defaults.
            "concurrency": shipped.concurrency if host in shipped.allowed_domains else None,
            "delay": shipped.delay if host in shipped.allowed_domains else None,
        }
    )
