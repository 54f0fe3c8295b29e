"""Feeds and sitemaps → article links, through kept libraries instead of hand-written XPath.

Feeds are parsed by feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and their broken variants: wrong
charsets, undeclared entities, missing namespaces); sitemaps by Scrapy's own `Sitemap`, gzipped ones
inflated by Scrapy's `gunzip` under DOWNLOAD_MAXSIZE, as Scrapy's SitemapSpider does. Both answer
plain data the spider turns into requests; neither knows about Scrapy requests or the archive.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from crawler.extract.dates import BERLIN, parse_german_date

#: (article URL, anchor text, ISO day or None)
Entry = tuple[str, str, "str | None"]


@dataclass
class Discovered:
    """What one feed or sitemap page yields; `problem` = (kind, reason) when it is not one."""

    entries: list[Entry] = field(default_factory=list)
    next_url: str | None = None
    children: list[str] = field(default_factory=list)  # sitemaps named by a sitemap index
    problem: tuple[str, str] | None = None


def feed_links(body: bytes, url: str, content_type: str | None = None) -> Discovered:
    """Entries of an RSS or Atom feed (relative links resolved against `url`), and Atom's next page."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = f"neither RSS nor Atom ({parsed.get('bozo_exception') or 'no feed element'})"
        return Discovered(problem=("bad_feed", reason.splitlines()[0][:300]))
    out = Discovered()
    for entry in parsed.entries:
        link = entry.get("link") or (entry.get("id") if entry.get("guidislink") else None) or ""
        if not link.strip():
            continue
        out.entries.append((urljoin(url, link.strip()), " ".join((entry.get("title") or "").split()), _entry_day(entry)))
    for link in parsed.feed.get("links", []):
        if link.get("rel") == "next" and link.get("href"):
            out.next_url = urljoin(url, link["href"])
    return out


def _entry_day(entry: Any) -> str | None:
    """The entry's publication (else update) day in Berlin; German or odd date text as a fallback."""
    for key in ("published", "updated", "created"):
        stamp: time.struct_time | None = entry.get(f"{key}_parsed")
        if stamp is not None:
            moment = datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc)
            return _day(moment)
        if entry.get(key):
            return feed_date(entry[key])
    return None


def sitemap_links(body: bytes, url: str, max_size: int) -> Discovered:
    """<url> entries (with `lastmod` as the day) of a sitemap, or the child sitemaps of an index."""
    from scrapy.utils.gz import gunzip
    from scrapy.utils.sitemap import Sitemap

    if body[:3] == b"\x1f\x8b\x08":  # scrapy.utils.gz.gzip_magic_number, on bytes
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # Scrapy's _DecompressionMaxSizeExceeded
            return Discovered(problem=("compression_bomb", f"the gzipped sitemap inflates beyond {max_size} bytes ({exc})"))
        except (OSError, EOFError) as exc:
            return Discovered(problem=("bad_sitemap", f"cannot gunzip: {exc}"))
    try:
        sitemap = Sitemap(body)
    except Exception as exc:  # lxml's XMLSyntaxError and friends
        return Discovered(problem=("bad_sitemap", f"not a parseable sitemap: {exc}"))
    out = Discovered()
    for entry in sitemap:
        loc = (entry.get("loc") or "").strip()
        if not loc:
            continue
        if sitemap.type == "sitemapindex":
            out.children.append(urljoin(url, loc))
        else:
            out.entries.append((urljoin(url, loc), "", feed_date(entry.get("lastmod"))))
    return out


def feed_date(text: str | None) -> str | None:
    """RFC 822 (RSS), ISO 8601 (Atom, sitemaps) or a German date → ISO day in Berlin, or None."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = parse_german_date(text, datetime.now(timezone.utc))
    if parsed is None:
        return None
    return _day(parsed)


def _day(moment: datetime) -> str | None:
    if moment.tzinfo is not None:
        moment = moment.astimezone(BERLIN)
    if moment.date() > datetime.now(timezone.utc).astimezone(BERLIN).date():
        return None  # a date in the future is a site error, not news
    return moment.date().isoformat()
