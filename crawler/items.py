"""What spiders yield: fetched article pages (extracted into articles, docs/architecture.md, by the
extract step), plus the small records the store keeps about the crawl itself — links found on list
pages, URL aliases, 304 checks and quarantined pages.

Every record reaches the archive through the same store pipeline, so SQLite has one writer.
"""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    """One news item, after extraction; `tags` is filled by the tag pipeline."""

    url = scrapy.Field()
    source = scrapy.Field()
    title = scrapy.Field()
    kicker = scrapy.Field()
    teaser = scrapy.Field()
    body = scrapy.Field()
    published = scrapy.Field()
    date_missing = scrapy.Field()
    image_caption = scrapy.Field()
    image_credit = scrapy.Field()
    fetched_at = scrapy.Field()
    raw_html = scrapy.Field()
    encoding = scrapy.Field()
    discovered_links = scrapy.Field()
    tags = scrapy.Field()
    taxonomy_version = scrapy.Field()
    # Crawl bookkeeping (not part of the article's text): HTTP validators for the next conditional
    # request, and the other URLs that led here (old URL forms, redirects, print pages).
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    aliases = scrapy.Field()


class PageItem(scrapy.Item):
    """A fetched article page, not yet extracted: crawler/pageflow.py (in the store worker, inline,
    or in a distributed worker) turns it into an ArticleItem's fields or a quarantine record.

    The spider has already decided the article's address (`url`: redirects and canonical link
    followed) and what to fetch next; extraction is the expensive part, kept off the reactor.
    """

    kind = scrapy.Field()  # always "page"
    url = scrapy.Field()
    source = scrapy.Field()
    # The bytes as fetched (kept in the archive for `radar reparse`); None when `html` encoded with
    # `encoding` gives exactly these bytes (crawler/extract/parse.py: page_body).
    raw_html = scrapy.Field()
    # The spider's one decode-repair-parse (crawler/extract/parse.py): the decoded, repaired text,
    # the charset actually used, and what the parse found, so the store worker does not redo it.
    html = scrapy.Field()
    encoding = scrapy.Field()
    repaired = scrapy.Field()  # an unclosed <title> was closed
    markup_errors = scrapy.Field()  # structural errors libxml2 repaired
    fetched_at = scrapy.Field()
    listing_date = scrapy.Field()  # the list page's or feed's date, used when the page has none
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    aliases = scrapy.Field()


class LinksItem(scrapy.Item):
    """Links a list page, feed or sitemap pointed to: `links` is a list of {url, context, anchor}."""

    kind = scrapy.Field()  # always "links"
    url = scrapy.Field()
    source = scrapy.Field()
    links = scrapy.Field()


class AliasItem(scrapy.Item):
    """`url` (a non-canonical page) is the article stored at `canonical`."""

    kind = scrapy.Field()  # always "alias"
    url = scrapy.Field()
    canonical = scrapy.Field()
    source = scrapy.Field()


class CheckedItem(scrapy.Item):
    """A 304 Not Modified: the stored copy of `url` is current."""

    kind = scrapy.Field()  # always "checked"
    url = scrapy.Field()
    source = scrapy.Field()
    checked_at = scrapy.Field()


class QuarantineItem(scrapy.Item):
    """A page that could not be fetched or parsed, kept with the reason (and the body, if any)."""

    kind = scrapy.Field()  # always "quarantine"
    url = scrapy.Field()
    source = scrapy.Field()
    error_kind = scrapy.Field()
    reason = scrapy.Field()
    body = scrapy.Field()
    fetched_at = scrapy.Field()
