"""Run one crawl in this process with Policy Radar's settings, and tell the caller how it went."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


def project_settings(**overrides: Any) -> Settings:
    """crawler/settings.py plus per-run overrides (`RADAR_DB`, `JOBDIR`, `LOG_LEVEL`, …)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update({k: v for k, v in overrides.items() if v is not None}, priority="cmdline")
    return settings


def run_crawl(spider: str, settings: Settings, **spider_args: Any) -> dict[str, Any]:
    """Crawl until done and return Scrapy's stats (response counts, errors, radar/* outcomes).

    Twisted's reactor cannot be restarted, so call this once per process.
    """
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **spider_args)
    process.start()
    return dict(crawler.stats.get_stats())
