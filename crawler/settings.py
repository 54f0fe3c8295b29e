"""Scrapy settings for Policy Radar, grouped and explained as in Scrapy's default_settings.

Anything a user may want to change per run is overridable: `radar crawl` passes its options
through `-s`-style overrides (RADAR_DB, JOBDIR, CLOSESPIDER_*).
"""

BOT_NAME = "policy-radar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Politeness -------------------------------------------------------------------------------
# Identify ourselves with a contact URL so site operators can reach us instead of blocking us.
RADAR_CONTACT_URL = "https://github.com/policy-radar/policy-radar"
USER_AGENT = f"PolicyRadar/0.1 (+{RADAR_CONTACT_URL})"
ROBOTSTXT_OBEY = True
# Per-domain concurrency keeps us polite to one site while several sources crawl in parallel.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
# AutoThrottle adapts the delay to the server's latency; it never drops below DOWNLOAD_DELAY.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0

# --- Faults ----------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
# Pages larger than this are refused by the downloader and counted, not parsed (20 MB pages exist).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- Pipelines: tag, then store (db is the only writer of SQLite) ----------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.TagPipeline": 300,
    "crawler.pipelines.StorePipeline": 800,
}
# Where StorePipeline writes; `radar crawl --db` overrides it.
RADAR_DB = "data/radar.db"
# Items are written in batches: one transaction per batch keeps SQLite fast and the crawl loop free.
RADAR_STORE_BATCH = 50

# --- Engine ----------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
