"""Settings overrides that make a crawl one worker of a shared crawl, and the CLI's helpers."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawler.redis_queue import CrawlKeys, check_crawl_id, new_worker_id

#: Seconds without a heartbeat after which a worker counts as dead and its leases are requeued.
DEFAULT_WORKER_TTL = 15.0
#: Seconds the whole crawl must look finished (queue empty, no leases anywhere) before a worker exits.
DEFAULT_IDLE_CLOSE = 10.0
#: The single-machine SQLite writer that a worker replaces with RedisQueuePipeline.
STORE_PIPELINE = "crawler.pipelines.StorePipeline"
#: Seconds after a pass finished during which a late worker joins that pass (and finds nothing to
#: do) instead of starting a new one: covers workers started together whose start-up times differ.
DEFAULT_PASS_GRACE = 60.0
#: How often a worker refreshes its heartbeat, releases finished leases and looks for dead peers.
TICK = 0.5
#: How long Redis may be unreachable before a worker gives up (its leases survive in Redis).
REDIS_GIVE_UP = 60.0


class DistributedError(RuntimeError):
    """A distributed crawl cannot start (bad crawl id, Redis unreachable)."""


def redacted(url: str) -> str:
    """The Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def redis_settings(url: str, crawl_id: str, *, worker_id: str | None = None, worker_ttl: float | None = None,
                   idle_close: float | None = None, base: Any = None) -> dict[str, Any]:
    """Scrapy setting overrides that turn a crawl into one worker of the shared crawl `crawl_id`.

    Timings default to the env vars `RADAR_REDIS_WORKER_TTL`, `RADAR_REDIS_IDLE_CLOSE` and
    `RADAR_REDIS_PASS_GRACE`, then to the DEFAULT_* constants above. Item pipelines and spider middlewares are those of
    `base` (default: crawler/settings.py), with StorePipeline (the SQLite writer) replaced by
    RedisQueuePipeline.
    """
    from scrapy.settings import Settings

    keys = CrawlKeys(check_crawl_id(crawl_id))
    if worker_ttl is None:
        worker_ttl = float(os.environ.get("RADAR_REDIS_WORKER_TTL") or DEFAULT_WORKER_TTL)
    if idle_close is None:
        idle_close = float(os.environ.get("RADAR_REDIS_IDLE_CLOSE") or DEFAULT_IDLE_CLOSE)
    pass_grace = float(os.environ.get("RADAR_REDIS_PASS_GRACE") or DEFAULT_PASS_GRACE)
    if worker_ttl < 1 or idle_close < 0:
        raise DistributedError("worker TTL must be >= 1 s and idle close >= 0 s")
    project = base
    if project is None:
        project = Settings()
        project.setmodule("crawler.settings", priority="project")
    pipelines = dict(project.getdict("ITEM_PIPELINES"))
    # Workers never write SQLite: RedisQueuePipeline takes StorePipeline's place and runs the same
    # extract → tag unit (crawler/pageflow.py), so what reaches Redis is finished, tagged articles.
    pipelines.pop(STORE_PIPELINE, None)
    pipelines["crawler.redis_pipeline.RedisQueuePipeline"] = 800
    spider_mws = dict(project.getdict("SPIDER_MIDDLEWARES"))
    spider_mws["crawler.distributed.SharedPassMiddleware"] = 1
    return {
        # scrapy-redis: shared scheduler queue and duplicate filter, kept when a worker stops
        "SCHEDULER": "crawler.distributed.LeasingScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeasedPriorityQueue",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "REDIS_URL": url,
        # Policy Radar: who we are in the shared crawl, and its timings
        "RADAR_CRAWL_ID": keys.crawl,
        "RADAR_WORKER_ID": worker_id or new_worker_id(),
        "RADAR_WORKER_TTL": worker_ttl,
        "RADAR_IDLE_CLOSE": idle_close,
        "RADAR_PASS_GRACE": pass_grace,
        "ITEM_PIPELINES": pipelines,
        "SPIDER_MIDDLEWARES": spider_mws,
        # Workers have no archive: no SQLite reader for incremental stops, full pass every time
        # (the shared duplicate filter still fetches each URL once per pass).
        "RADAR_DB": "",
        "RADAR_INCREMENTAL": False,
        "RADAR_STORE_WORKER": "inline",
    }


def check_redis(url: str, timeout: float = 5.0) -> None:
    """Fail fast with one line when Redis cannot be reached."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise DistributedError(f"cannot reach Redis at {redacted(url)} ({exc})") from None


def default_crawl_id(spider: str, spider_args: dict[str, Any]) -> str:
    """Workers must run the same spider with the same sources to share a crawl: name it after both."""
    import hashlib

    what = json.dumps({k: spider_args.get(k) for k in ("start_url", "source", "sources", "sources_file", "base")},
                      sort_keys=True, default=str)
    return f"{spider}-{hashlib.sha1(what.encode()).hexdigest()[:8]}"


def worker_settings(redis_url: str, crawl_id: str, base: Any = None) -> dict[str, Any]:
    """`redis_settings` for `radar crawl --redis`, after checking the crawl id and that Redis answers."""
    try:
        overrides = redis_settings(redis_url, crawl_id, base=base)
    except ValueError as exc:
        raise DistributedError(str(exc)) from None
    check_redis(redis_url)
    return overrides


def summarise_worker(stats: dict[str, Any], redis_url: str, crawl_id: str) -> str:
    """One line a person can read after a worker stops."""
    errors = sum(v for k, v in stats.items() if k.startswith("radar/errors/"))
    reason = stats.get("finish_reason", "?")
    if stats.get("radar/late_start") and not stats.get("radar/queued"):
        ending = "nothing to do: the crawl's last pass had just finished"
    elif stats.get("radar/pass_finished"):
        ending = "pass finished"
    elif reason == "finished":
        ending = "done (the last worker closes the pass)"
    else:
        ending = f"stopped ({reason}); unfinished requests stay in the shared queue"
    return (f"worker {stats.get('radar/worker_id', '?')}: {stats.get('response_received_count', 0)} pages fetched, "
            f"{stats.get('radar/queued', 0)} records queued ({stats.get('radar/queued/article', 0)} articles), "
            f"{errors} errors → {redacted(redis_url)} crawl {crawl_id}, {ending}")
