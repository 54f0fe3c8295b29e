"""The one item a spider yields: an article, described in docs/architecture.md."""

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
