"""Spider for Kommune21-style news sites: paged list of dated teasers → article pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlparse

import scrapy
from scrapy.http import Response

from crawler.extract.article import extract_article
from crawler.items import ArticleItem

DEFAULT_START_URL = "https://www.kommune21.de/"


class Kommune21Spider(scrapy.Spider):
    """`scrapy crawl kommune21 -a start_url=http://127.0.0.1:8000/` or `radar crawl --start-url …`."""

    name = "kommune21"

    def __init__(self, start_url: str | None = None, source: str = "kommune21", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url or DEFAULT_START_URL]
        self.source_id = source
        host = urlparse(self.start_urls[0]).hostname
        self.allowed_domains = [host] if host else []

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        """A list page: follow every teaser's article link, then the next list page."""
        for href in response.css(".news-item h2 a::attr(href), .news-item a.more::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        next_page = response.css('a[rel="next"]::attr(href), a.next::attr(href)').get()
        if next_page:
            yield response.follow(next_page, self.parse)

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """An article page: extract the fields; tagging and storing happen in the pipelines."""
        fetched = datetime.now(timezone.utc)
        fields = extract_article(response.text, response.url, now=fetched)
        yield ArticleItem(
            url=fields.url,
            source=self.source_id,
            title=fields.title,
            kicker=fields.kicker,
            teaser=fields.teaser,
            body=fields.body,
            published=fields.published,
            date_missing=fields.date_missing,
            image_caption=fields.image_caption,
            image_credit=fields.image_credit,
            fetched_at=fetched.isoformat(timespec="seconds"),
            raw_html=response.body,
            encoding=response.encoding,
            discovered_links=fields.related_links,
        )
