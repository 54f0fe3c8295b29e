"""Spider for Kommune21-style news sites: the built-in `kommune21` source from crawler/sources.toml.

    scrapy crawl kommune21 -a start_url=http://127.0.0.1:8000/ -s RADAR_DB=data/radar.db

Everything (list pages, URL forms, incremental stop, faults) is the configured spider's; this name
only keeps the `--start-url` interface of the first version.
"""

from __future__ import annotations

from typing import Any

from crawler.spiders.configured import ConfiguredSpider

DEFAULT_START_URL = "https://www.kommune21.de/"


class Kommune21Spider(ConfiguredSpider):
    """`scrapy crawl kommune21 -a start_url=http://127.0.0.1:8000/` or `radar crawl --start-url …`."""

    name = "kommune21"

    def __init__(self, start_url: str | None = None, source: str = "kommune21", **kwargs: Any):
        super().__init__(start_url=start_url or DEFAULT_START_URL, source=source, **kwargs)
