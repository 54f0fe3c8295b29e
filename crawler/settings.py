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
# A page that takes longer than this is abandoned (and retried, see below); `radar crawl
# --timeout` overrides it. Responses slower than RADAR_SLOW_SECONDS are stored but counted as `slow`.
DOWNLOAD_TIMEOUT = 30
RADAR_SLOW_SECONDS = 10.0
# Pages larger than this are refused by the downloader and counted (`too_large`), not parsed:
# no news article is 10 MB, and a 20 MB page would otherwise sit in memory three times over.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# A body cut off in transit arrives flagged `dataloss` instead of failing the request, so the
# spider can keep it in quarantine with the reason.
DOWNLOAD_FAIL_ON_DATALOSS = False
# Two retries (three attempts) on 5xx, 408, 429, time-outs and lost connections, waiting 1 s, then
# 2 s (RETRY_BACKOFF_BASE × 2^(n-1), at most RETRY_BACKOFF_MAX) so a struggling server recovers.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
# Giving up is a counted, quarantined fault, not an error-level event.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # After the retry middleware in the request direction, so retried requests keep their headers.
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
    # Scrapy's redirects, plus: a redirect back to a URL of the same chain is a counted loop
    # (Scrapy's duplicate filter would drop it silently).
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
}
SPIDER_MIDDLEWARES = {
    # Just after HttpErrorMiddleware (50): a callback that raises becomes a quarantine record.
    "crawler.middlewares.FaultsMiddleware": 60,
    # Per source and run: list pages, link depth and articles are bounded (crawler/limits.py).
    "crawler.limits.CrawlLimitsMiddleware": 70,
}

# --- Limits: no site holds the crawl forever ------------------------------------------------------
# Defaults for sources that set no `max_list_pages` / `max_depth` / `max_articles` of their own
# (docs/sources.md); `radar crawl --max-…` caps them for one run, `--time-limit` the whole run.
RADAR_MAX_LIST_PAGES = 1000
RADAR_MAX_DEPTH = 3
RADAR_MAX_ARTICLES = 50_000

# --- Incremental and resumable -----------------------------------------------------------------
# Duplicates are filtered within a run only; whether an article is already stored is the archive's
# answer (JOBDIR's requests.seen forgets nothing, even requests a SIGKILL lost: see middlewares.py).
DUPEFILTER_CLASS = "crawler.middlewares.MemoryDupeFilter"
# Known articles are fetched with If-None-Match / If-Modified-Since, and paging stops at a list page
# of known articles (RADAR_INCREMENTAL = False, or `radar crawl --full`, walks every page).
RADAR_CONDITIONAL_REQUESTS = True
RADAR_INCREMENTAL = True

# --- Pipeline: extract, tag, store (crawler/pageflow.py; db is the only writer of SQLite) ------------
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 800,
}
# Where StorePipeline writes; `radar crawl --db` overrides it.
RADAR_DB = "data/radar.db"
# Records are written in batches: one transaction per batch keeps SQLite fast. A batch is written
# when full or after RADAR_STORE_FLUSH_SECONDS, whichever comes first.
RADAR_STORE_BATCH = 50
RADAR_STORE_FLUSH_SECONDS = 2.0
# "process": extract, tag and write in a worker process (the reactor keeps fetching on its own core);
# "inline": the same steps in this process (simpler to debug, slower).
RADAR_STORE_WORKER = "process"
# Batches waiting for the worker; when full, the crawl waits (backpressure instead of memory).
# A page travels as its decoded text (parsed once, crawler/extract/parse.py), which takes about
# twice the memory of its bytes: 8 batches hold what 16 held before (peak RSS measured by bench/crawl).
RADAR_STORE_QUEUE = 8

# --- Engine ----------------------------------------------------------------------------------
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for *every* response's output (default 100); an
# article page yields one or two objects, a list page a few dozen. 100 tasks per page cost more
# than fetching it: with 8 the same loopback crawl fetched about twice the pages per second.
CONCURRENT_ITEMS = 8
# Scrapy parses each callback's source (inspect + ast) to warn about `return value` in generators;
# its cache misses for bound methods, and the check cost ~8 % of the crawl process's CPU.
WARN_ON_GENERATOR_RETURN_VALUE = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
