"""Distributed crawling on scrapy-redis: many workers share one crawl, one writer stores it.

The package: `config` (settings overrides, CLI helpers), `scheduler` (leases, heartbeats, the shared
idle condition), `middleware` (one shared pass), `scripts` + `lua/*.lua` (each atomic step on the
shared state as one Lua script). Scrapy settings name the classes through this package.

`radar crawl --redis redis://host:6379/0` runs a worker. Workers share scrapy-redis's request queue
(a sorted set) and duplicate filter (a set), so each URL is fetched once per pass however many
workers run on however many machines. Workers never open SQLite: `RedisQueuePipeline` pushes every
extracted and tagged record (crawler/pageflow.py, the same unit the single-machine store
worker runs) onto `radar:<crawl>:items`, and `radar ingest` (crawler.redis_queue.Ingester) is the
single writer. Without `--redis` nothing here is loaded and the crawl is the single-machine one.

What scrapy-redis alone does not give us, added here as small subclasses:

* **Leases** (nothing lost when a worker dies). scrapy-redis pops a request and forgets it, so a
  worker killed with SIGKILL loses every request it was downloading or parsing. `LeasingScheduler`
  pops a request and records it in the worker's lease hash `radar:<crawl>:leases:<worker>` in one
  Lua script, and releases the lease only when the engine has finished the request *completely*:
  downloaded, parsed, its new requests pushed to the shared queue and its items pushed to Redis
  (Scrapy removes the request from the engine slot's in-progress set only after all of that).
  Each worker refreshes a heartbeat key with a TTL; any worker that finds a heartbeat expired
  moves that worker's leases back into the queue (atomically, so two survivors never both do).
  A request can thus run twice (its first worker died after pushing the item), never zero times;
  the writer's upserts are idempotent by URL, so twice is harmless.

* **A shared idle/close condition.** scrapy-redis's scheduler reports "no pending requests" as soon
  as the shared queue is empty, so a worker would exit while another is still parsing a list page
  that is about to enqueue twenty articles. Here a worker closes only when the shared queue is
  empty *and* no worker, live or dead, holds a lease, and that has stayed so for
  `RADAR_IDLE_CLOSE` seconds. Dead workers' leases block closing until they are reclaimed.

* **No hoarding.** Scrapy's engine takes requests while its downloader is under
  CONCURRENT_REQUESTS, though per-domain limits make most of them wait; from a shared queue that
  lets one worker grab a whole list page of articles while the others idle. A worker takes a new
  request only while fewer than RADAR_WORKER_PREFETCH (default CONCURRENT_REQUESTS_PER_DOMAIN)
  of its requests are waiting.

* **Passes.** The duplicate filter persists while a crawl runs or is interrupted, so a restarted
  worker resumes it. The last worker to finish records when the pass finished. A worker that joins
  a quiet crawl with no live worker starts a new pass (dropping the old duplicate filter), unless
  the last pass finished less than RADAR_PASS_GRACE seconds ago: then it is a late starter of that
  pass, finds nothing to do and exits.
"""

from crawler.distributed.config import (
    DEFAULT_IDLE_CLOSE,
    DEFAULT_PASS_GRACE,
    DEFAULT_WORKER_TTL,
    DistributedError,
    check_redis,
    default_crawl_id,
    redacted,
    redis_settings,
    summarise_worker,
    worker_settings,
)
from crawler.distributed.middleware import SharedPassMiddleware
from crawler.distributed.scheduler import LeasedPriorityQueue, LeasingScheduler

__all__ = [
    "DEFAULT_IDLE_CLOSE", "DEFAULT_PASS_GRACE", "DEFAULT_WORKER_TTL", "DistributedError", "LeasedPriorityQueue",
    "LeasingScheduler", "SharedPassMiddleware", "check_redis", "default_crawl_id", "redacted", "redis_settings",
    "summarise_worker", "worker_settings",
]
