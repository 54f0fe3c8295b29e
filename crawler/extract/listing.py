"""List pages without (working) rules: which links are articles, which one is the next page.

Why: a list rule written for one template matches nothing on another, and a crawl that then stores
nothing looks exactly like a quiet day. These are the fallbacks the spider and `radar sources test`
use when a source's rules find nothing: the links matching the source's `article_urls`, or — for a
site nobody described (`radar crawl --start-url`) — the links that look like articles by their URL
(a slug of several words, or a numeric id), grouped by URL shape so navigation and footers drop out.
Pure functions over a parsel Selector; no Scrapy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urljoin, urlparse

from parsel import Selector

from crawler.extract.dates import find_german_date, parse_german_date
from crawler.sources import ListingRules, Source, select

Teaser = tuple[str, str, "str | None"]  # (article URL, anchor text, listing day)

SKIP_SCHEMES = ("#", "mailto:", "javascript:", "tel:", "data:")
# Links to files and feeds are never articles.
NOT_PAGES = re.compile(r"\.(?:pdf|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|css|js|xml|rss|ics)$", re.IGNORECASE)
# Paging and archive URLs: `/page/2/`, `/seite-2/`, `?page=1`, `?pg=3`, `/category/…`, `/tag/…`, `/author/…`.
LISTING_URL = re.compile(
    r"/(?:page|seite)[-/]?\d+/?$|[?&](?:page|pg|seite|p?aged?)=\d+|/(?:category|kategorie|tag|tags|author|autor|archiv)/",
    re.IGNORECASE,
)
# The last path segment of an article: a slug of three or more words, or a numeric id (`/node/4711`).
SLUG = re.compile(r"^(?:[^\W_]+[-_]){2,}[^\W_]+(?:\.html?|\.php)?$|^\d{3,}(?:\.html?)?$", re.UNICODE)
# The Kommune21 teaser stamp anywhere in a teaser block.
STAMP = re.compile(r"\[\d{1,2}\.\d{1,2}\.\d{4}\]")
# An article addressed by an id in the query: `?id=4711`, `?p=123`, TYPO3's `tx_news_pi1[news]=12`.
QUERY_ID = re.compile(r"[?&](?:id|p|nid|news|artikel|article|meldung|tx_news_pi1(?:\[|%5B)news(?:\]|%5D))=\d+", re.IGNORECASE)
# The next list page, by the markup CMSs use for it (rel, class or text), most reliable first.
NEXT_QUERIES = (
    'link[rel="next"]::attr(href)',
    'a[rel~="next"]::attr(href)',
    "a[class~=next]::attr(href), a[class*=next]::attr(href), a[class*=Next]::attr(href)",
    "li[class*=next] a::attr(href), [class*=pager-next] a::attr(href), [class*=next] > a::attr(href)",
)
NEXT_TEXT = re.compile(r"^(?:weiter|nächste(?: seite)?|vor|next|mehr meldungen|ältere beiträge)?\s*[»›>]*$", re.IGNORECASE)


def page_hrefs(sel: Selector, page_url: str) -> list[str]:
    """Every link of the page as an absolute URL, in document order, without fragments, once each."""
    out: dict[str, None] = {}
    for href in sel.css("a::attr(href)").getall():
        href = href.strip()
        if not href or href.startswith(SKIP_SCHEMES):
            continue
        url = urljoin(page_url, href).split("#", 1)[0]
        if urlparse(url).scheme in ("http", "https"):
            out.setdefault(url, None)
    return list(out)


def pattern_links(urls: Iterable[str], accepts: Callable[[str], bool]) -> list[str]:
    """The links a source's `article_urls` (and allowed hosts) accept."""
    return [u for u in urls if accepts(u)]


def _shape(url: str) -> str:
    """A URL's shape: digits folded and the last segment replaced (or, for an id in the query, the
    path kept and the id folded), so the articles of one site group together."""
    parsed = urlparse(url)
    if QUERY_ID.search(url) and not SLUG.match(([s for s in parsed.path.split("/") if s][-1:] or [""])[0]):
        return f"{parsed.hostname}{parsed.path}?" + re.sub(r"\d+", "0", parsed.query)
    segments = [s for s in parsed.path.split("/") if s]
    head = "/".join(re.sub(r"\d+", "0", s) for s in segments[:-1])
    return f"{parsed.hostname}/{head}/*{'/' if parsed.path.endswith('/') else ''}"


def guess_article_links(urls: Iterable[str], page_url: str, in_domains: Callable[[str], bool]) -> list[str]:
    """Links that look like articles: on the source's hosts, a slug or id as the last path segment,
    no paging or archive URL, and sharing their URL shape with at least two others (a list links many
    articles of one form; navigation and footers link single pages of many forms)."""
    page = page_url.split("#", 1)[0]
    candidates = []
    for url in urls:
        parsed = urlparse(url)
        last = [s for s in parsed.path.split("/") if s][-1:] or [""]
        if url == page or not in_domains(url) or NOT_PAGES.search(parsed.path) or LISTING_URL.search(url):
            continue
        if SLUG.match(last[0]) or QUERY_ID.search(url):
            candidates.append(url)
    groups: dict[str, list[str]] = defaultdict(list)
    for url in candidates:
        groups[_shape(url)].append(url)
    keep = {shape for shape, members in groups.items() if len(members) >= 3}
    return [u for u in candidates if _shape(u) in keep] if keep else candidates


def guess_next(sel: Selector, page_url: str) -> str | None:
    """The next list page's URL by rel/class/text, or None; never the page itself."""
    page = page_url.split("#", 1)[0]
    for query in NEXT_QUERIES:
        for href in sel.css(query).getall():
            url = urljoin(page_url, href.strip()).split("#", 1)[0]
            if href.strip() and not href.strip().startswith(SKIP_SCHEMES) and url != page:
                return url
    for anchor in sel.css("a[href]"):
        text = " ".join(" ".join(anchor.css("::text").getall()).split())
        href = (anchor.attrib.get("href") or "").strip()
        if text and NEXT_TEXT.match(text) and any(c.isalpha() or c in "»›" for c in text) and href:
            url = urljoin(page_url, href).split("#", 1)[0]
            if url != page and not href.startswith(SKIP_SCHEMES):
                return url
    return None


def in_domains(url: str, domains: Iterable[str]) -> bool:
    """Whether `url` is on one of `domains` (subdomains included); no domains: any host."""
    host = (urlparse(url).hostname or "").lower()
    domains = tuple(domains)
    return not domains or any(host == d or host.endswith("." + d) for d in domains)


def listing_day(text: str, now: datetime) -> str | None:
    """A teaser's date (`[29.09.2025]`, `2025-09-29T08:15:00+02:00`, `Mo., 29.09.2025 - 10:30`) as an ISO day."""
    text = " ".join(text.split())
    parsed = (parse_german_date(text, now) if len(text) <= 40 else None) or find_german_date(text, now)
    return parsed.date().isoformat() if parsed else None


def rule_teasers(sel: Selector, page_url: str, rules: ListingRules, now: datetime) -> tuple[list[Teaser], str]:
    """(url, anchor, listing day) of every teaser the list rules find, and the rule to blame when
    they find none (`item=…` matched no block, else `link=…` gave no URL)."""
    teasers: list[Teaser] = []
    nodes = select(sel, rules.item)
    for node in nodes:
        href = select(node, rules.link).get()
        if not href or href.strip().startswith(SKIP_SCHEMES):
            continue
        anchor = " ".join(" ".join(select(node, rules.title).getall()).split()) if rules.title else ""
        day = listing_day(" ".join(select(node, rules.date).getall()), now) if rules.date else None
        teasers.append((urljoin(page_url, href.strip()), anchor, day))
    return teasers, f"item={rules.item!r}" if not nodes else f"link={rules.link!r}"


def fallback_links(
    sel: Selector, page_url: str, source: Source, guess: bool, now: datetime
) -> tuple[list[Teaser], str]:
    """When the list rules find no article: the page's links matching the source's `article_urls`;
    failing that, with `guess` (a site nobody described) or without a pattern, the links that look
    like articles; each with its teaser's title and day. Returns (teasers, how they were found)."""
    urls = page_hrefs(sel, page_url)
    found = pattern_links(urls, source.accepts) if source.article_urls else []
    how = "links matching article_urls"
    if not found and (guess or not source.article_urls):
        found = guess_article_links(urls, page_url, lambda u: in_domains(u, source.allowed_domains))
        how = "links that look like articles"
    return (link_teasers(sel, page_url, found, now), how) if found else ([], "")


def link_teasers(sel: Selector, page_url: str, urls: list[str], now: datetime) -> list[Teaser]:
    """(url, anchor, listing day) for article links found without rules: each link's teaser block is
    its largest ancestor linking no other of these articles; its title is the longest link text to
    the article there, its day a `<time datetime>` or the `[29.09.2025]` stamp in it."""
    wanted = set(urls)
    blocks: dict[str, list] = {}
    for anchor in sel.xpath("//a[@href]"):
        url = urljoin(page_url, anchor.attrib["href"].strip()).split("#", 1)[0]
        if url in wanted and url not in blocks:
            blocks[url] = [anchor.root]
    out: list[Teaser] = []
    for url in urls:
        element = blocks[url][0] if url in blocks else None
        block = element
        for ancestor in element.iterancestors() if element is not None else ():
            others = {urljoin(page_url, h.strip()).split("#", 1)[0] for h in ancestor.xpath(".//a/@href")} & wanted
            if len(others) > 1 or ancestor.tag in ("body", "html"):
                break
            block = ancestor
        if block is None:
            out.append((url, "", None))
            continue
        texts = [
            " ".join(a.text_content().split())
            for a in block.xpath(".//a[@href]")
            if urljoin(page_url, a.get("href", "").strip()).split("#", 1)[0] == url
        ]
        stamp = block.xpath("string(.//time/@datetime)") or (STAMP.search(block.text_content()) or [None])[0]
        out.append((url, max(texts, key=len, default=""), listing_day(stamp, now) if stamp else None))
    return out
