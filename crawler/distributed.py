"""Distributed crawling on scrapy-redis: many workers share one crawl, one writer stores it.

`radar crawl --redis redis://host:6379/0` runs a worker. Workers share scrapy-redis's request queue
(a sorted set) and duplicate filter (a set), so each URL is fetched once per pass however many
workers run on however many machines. Workers never open SQLite: `RedisQueuePipeline` pushes every
tagged item onto `radar:<crawl>:items`, and `radar ingest` (crawler.redis_queue.Ingester) is the
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

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.redis_queue import CRAWLS_KEY, CrawlKeys, check_crawl_id, new_worker_id

logger = logging.getLogger(__name__)

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
    # Workers never write SQLite. With StorePipeline absent, ExtractPipeline and TagPipeline work
    # inline here, so what reaches Redis is finished, tagged articles.
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


# --- Lua: each script is one atomic step on the shared state ----------------------------------
# Take the best request and lease it to this worker; (re-)register the worker while at it.
_POP_LEASE = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = ARGV[1] .. ':' .. r[2]
redis.call('HSET', KEYS[2], field, r[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
return {r[1], field}
"""

_REQUEUE_FN = """
local function requeue(leases, queue)
  local kv = redis.call('HGETALL', leases)
  for i = 1, #kv, 2 do
    local score = tonumber(string.match(kv[i], ':([^:]*)$')) or 0
    redis.call('ZADD', queue, score, kv[i + 1])
  end
  redis.call('DEL', leases)
  return #kv / 2
end
"""

# scrapy-redis's enqueue (SADD, then ZADD) as one step; ARGV[1] is '' for dont_filter requests.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Put back every lease of every worker whose heartbeat expired (ARGV[1] is the caller).
_RECLAIM_DEAD = _REQUEUE_FN + """
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if w ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. w) == 0 then
    moved = moved + requeue(ARGV[3] .. w, KEYS[2])
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
"""

# Put back this worker's own unfinished leases (on close, and orphans when idle).
_REQUEUE_OWN = _REQUEUE_FN + "return requeue(KEYS[1], KEYS[2])"

# Put back the given leases of this worker (requests to be done again).
_REQUEUE_FIELDS = """
for _, field in ipairs(ARGV) do
  local data = redis.call('HGET', KEYS[1], field)
  if data then
    local score = tonumber(string.match(field, ':([^:]*)$')) or 0
    redis.call('ZADD', KEYS[2], score, data)
    redis.call('HDEL', KEYS[1], field)
  end
end
return #ARGV
"""

# Is the crawl quiet: shared queue empty and no lease held by anyone (live or dead)?
_QUIET_FN = """
local function quiet(workers, queue, worker_prefix, leases_prefix, me, need_dead)
  if redis.call('ZCARD', queue) > 0 then return false end
  for _, w in ipairs(redis.call('SMEMBERS', workers)) do
    if w ~= me then
      if redis.call('HLEN', leases_prefix .. w) > 0 then return false end
      if need_dead and redis.call('EXISTS', worker_prefix .. w) == 1 then return false end
    end
  end
  return true
end
"""

_BUSY = _QUIET_FN + """
if quiet(KEYS[1], KEYS[2], ARGV[1], ARGV[2], '', false) then return 0 end
return 1
"""

# Join. If the crawl is quiet and nobody else is alive, the last pass is over: a pass that finished
# less than ARGV[7] seconds ago is left alone (a late worker of that pass finds nothing to do and
# exits); otherwise a new pass begins and the duplicate filter of the old one is dropped.
# Returns 0 (pass in progress), 1 (new pass) or 2 (pass just finished).
_JOIN = _QUIET_FN + """
local state = 0
if quiet(KEYS[1], KEYS[3], ARGV[4], ARGV[5], ARGV[1], true) then
  local now = tonumber(redis.call('TIME')[1])
  local finished = tonumber(redis.call('GET', KEYS[6]) or '')
  if finished and now - finished < tonumber(ARGV[7]) then
    state = 2
  else
    redis.call('DEL', KEYS[4], KEYS[6])
    state = 1
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[5], ARGV[6])
return state
"""

# Leave: deregister; if the pass finished and we were the last, record when (Redis server time).
_LEAVE = _QUIET_FN + """
redis.call('DEL', KEYS[2])
if redis.call('HLEN', KEYS[3]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
if ARGV[2] ~= '1' then return 0 end
if not quiet(KEYS[1], KEYS[4], ARGV[3], ARGV[4], ARGV[1], true) then return 0 end
redis.call('SET', KEYS[5], redis.call('TIME')[1])
return 1
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue; `lease()` pops and records the request in one step."""

    def lease(self, script: Any, keys: list[str], args: list[Any]) -> tuple[Request, str] | None:
        """Pop the best request into the lease hash `keys[0]`; None when the queue is empty.

        A request that cannot be decoded (e.g. its callback was renamed) is logged and dropped
        together with its lease, so it cannot keep the crawl from ever finishing.
        """
        got = script(keys=[self.key, *keys], args=args)
        if not got:
            return None
        data, field = got
        field = field.decode() if isinstance(field, bytes) else field
        try:
            return self._decode_request(data), field
        except Exception as exc:
            logger.error("dropped an undecodable request from %s: %r", self.key, exc)
            self.server.hdel(keys[0], field)
            return None


def _engine_slot(engine: Any) -> Any:
    """The engine's slot; `inprogress` holds each request until its output is fully handled."""
    return getattr(engine, "_slot", None) or getattr(engine, "slot", None)


class LeasingScheduler(Scheduler):
    """scrapy-redis's Scheduler with per-request leases, heartbeats and a shared idle condition."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        instance = super().from_crawler(crawler)
        instance._setup(crawler)
        return instance

    def _setup(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.keys = CrawlKeys(check_crawl_id(settings.get("RADAR_CRAWL_ID") or ""))
        self.worker_id = settings.get("RADAR_WORKER_ID") or new_worker_id()
        self.ttl_ms = int(settings.getfloat("RADAR_WORKER_TTL", DEFAULT_WORKER_TTL) * 1000)
        self.idle_close = settings.getfloat("RADAR_IDLE_CLOSE", DEFAULT_IDLE_CLOSE)
        self.pass_grace = settings.getfloat("RADAR_PASS_GRACE", DEFAULT_PASS_GRACE)
        self.prefetch = max(1, settings.getint("RADAR_WORKER_PREFETCH")
                            or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8))
        self.info = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                "joined": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        self._held: dict[Request, tuple[str, int]] = {}  # request → (lease field, Redis errors then)
        self._seq = 0
        self._quiet_since: float | None = None
        self._redis_down_since: float | None = None
        self._last_reclaim = 0.0
        self._loop: Any = None
        self.new_pass = False
        self.pass_finished = False
        register = self.server.register_script
        self._pop = register(_POP_LEASE)
        self._enqueue = register(_ENQUEUE)
        self._reclaim_script = register(_RECLAIM_DEAD)
        self._requeue_own = register(_REQUEUE_OWN)
        self._requeue_fields = register(_REQUEUE_FIELDS)
        self._busy = register(_BUSY)
        self._join = register(_JOIN)
        self._leave = register(_LEAVE)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    # --- lifecycle ------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        k = self.keys
        if self.stats is not None:
            self.stats.set_value("radar/worker_id", self.worker_id)
        state = int(self._join(
            keys=[k.workers, k.worker(self.worker_id), k.requests, k.dupefilter, CRAWLS_KEY, k.finished],
            args=[self.worker_id, self.info, self.ttl_ms, k.worker_prefix, k.leases_prefix, k.crawl,
                  self.pass_grace],
        ))
        self.new_pass = state == 1
        if state == 2 and self.stats is not None:
            self.stats.set_value("radar/late_start", 1)
        super().open(spider)
        logger.log(logging.WARNING if state == 2 else logging.INFO, "worker %s joined crawl %s (%s)",
                   self.worker_id, k.crawl,
                   ["pass in progress", "new pass", "its last pass has just finished: nothing to do"][state])
        from twisted.internet.task import LoopingCall

        self._loop = LoopingCall(self._tick)
        self._loop.start(TICK, now=False)

    def close(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        k = self.keys
        try:
            self._sweep()
            requeued = int(self._requeue_own(keys=[k.leases(self.worker_id), k.requests]) or 0)
            if requeued:
                logger.warning("worker %s: %d unfinished requests put back in the shared queue",
                               self.worker_id, requeued)
                self._stat("radar/requeued_on_close", requeued)
            self.pass_finished = bool(self._leave(
                keys=[k.workers, k.worker(self.worker_id), k.leases(self.worker_id), k.requests, k.finished],
                args=[self.worker_id, "1" if reason == "finished" else "0", k.worker_prefix, k.leases_prefix],
            ))
        except Exception as exc:  # Redis gone: the heartbeat expires and peers reclaim our leases
            logger.error("worker %s could not leave crawl %s cleanly: %s", self.worker_id, k.crawl, exc)
        self._stat("radar/pass_finished", int(self.pass_finished))
        super().close(reason)

    # --- leases ---------------------------------------------------------------------------
    def next_request(self) -> Request | None:
        if self._backlog() >= self.prefetch:
            return None  # enough waiting here already: leave the rest to other workers
        self._seq += 1
        k = self.keys
        try:
            got = self.queue.lease(self._pop, [k.leases(self.worker_id), k.worker(self.worker_id), k.workers],
                                   [str(self._seq), self.worker_id, self.info, self.ttl_ms])
        except Exception as exc:
            logger.warning("worker %s: cannot take a request from Redis: %s", self.worker_id, exc)
            return None
        if got is None:
            return None
        request, field = got
        self._held[request] = (field, self._redis_errors())
        self._stat("scheduler/dequeued/redis", 1)
        return request

    def enqueue_request(self, request: Request) -> bool:
        """Duplicate check and enqueue in one script: a request is never "seen" but not queued."""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            added = self._enqueue(keys=[self.df.key, self.queue.key],
                                  args=[fingerprint, -request.priority, self.queue._encode_request(request)])
        except Exception as exc:  # Redis unreachable: the parent request will be redone, see _sweep
            self._stat("radar/errors/redis", 1)
            logger.warning("worker %s: cannot enqueue %s: %s", self.worker_id, request.url, exc)
            return False
        if not added:
            self.df.log(request, self.spider)
            return False
        self._stat("scheduler/enqueued/redis", 1)
        return True

    def has_pending_requests(self) -> bool:
        try:
            return super().has_pending_requests()
        except Exception:  # Redis unreachable: let the engine go idle; _on_idle decides what next
            return False

    def _redis_errors(self) -> int:
        stats = getattr(self, "stats", None)
        return int(stats.get_value("radar/errors/redis", 0)) if stats is not None else 0

    def _backlog(self) -> int:
        """Requests this worker has taken that are not transferring yet (see "No hoarding")."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return 0
        transferring = sum(len(getattr(slot, "transferring", ())) for slot in downloader.slots.values())
        return len(downloader.active) - transferring  # in middlewares, robots.txt waits or slot queues

    def _sweep(self) -> None:
        """Release the leases of requests the engine has completely finished.

        If pushing to Redis failed while a request was held (a link or an item may be missing),
        its lease goes back into the queue instead, so the request is done again.
        """
        if not self._held:
            return
        slot = _engine_slot(self.crawler.engine)
        inprogress = slot.inprogress if slot is not None else ()
        done = [request for request in self._held if request not in inprogress]
        if not done:
            return
        errors = self._redis_errors()
        release = [self._held[r][0] for r in done if self._held[r][1] == errors]
        redo = [self._held[r][0] for r in done if self._held[r][1] != errors]
        k = self.keys
        if release:
            self.server.hdel(k.leases(self.worker_id), *release)
        if redo:
            self._requeue_fields(keys=[k.leases(self.worker_id), k.requests], args=redo)
            logger.warning("worker %s: %d requests are done again (Redis failed while they ran)",
                           self.worker_id, len(redo))
        for request in done:  # only once Redis has the outcome
            del self._held[request]

    def _reclaim(self) -> int:
        k = self.keys
        self._last_reclaim = time.monotonic()
        moved = int(self._reclaim_script(keys=[k.workers, k.requests],
                                         args=[self.worker_id, k.worker_prefix, k.leases_prefix]) or 0)
        if moved:
            logger.warning("worker %s: put %d in-flight requests of dead workers back in the queue",
                           self.worker_id, moved)
            self._stat("radar/reclaimed", moved)
        return moved

    def _beat(self) -> None:
        k = self.keys
        pipe = self.server.pipeline(transaction=True)
        pipe.set(k.worker(self.worker_id), self.info, px=self.ttl_ms)
        pipe.sadd(k.workers, self.worker_id)
        pipe.execute()

    def _tick(self) -> None:
        try:
            self._beat()
            self._sweep()
            if time.monotonic() - self._last_reclaim >= 1.0:
                self._reclaim()
        except Exception as exc:
            logger.warning("worker %s: Redis housekeeping failed: %s", self.worker_id, exc)
        # Wake the engine so an idle worker picks up requests other workers enqueue (and re-checks
        # the idle condition) within one tick instead of Scrapy's 5-second heartbeat.
        engine = self.crawler.engine
        slot = _engine_slot(engine)
        try:
            if slot is not None and slot.closing is None and not engine.needs_backout():
                slot.nextcall.schedule()
        except Exception:  # engine closing
            pass

    # --- the idle/close condition ---------------------------------------------------------
    def _on_idle(self, spider: Any) -> None:
        """Keep the worker open until the whole crawl has been quiet for RADAR_IDLE_CLOSE seconds."""
        now = time.monotonic()
        k = self.keys
        try:
            self._sweep()
            if not self._held:  # idle: a lease of ours Redis has but we do not know (its reply was lost)
                self._requeue_own(keys=[k.leases(self.worker_id), k.requests])
            self._reclaim()
            busy = bool(self._busy(keys=[k.workers, k.requests], args=[k.worker_prefix, k.leases_prefix]))
            self._redis_down_since = None
        except Exception as exc:
            self._redis_down_since = self._redis_down_since or now
            logger.warning("worker %s: cannot check the shared crawl: %s", self.worker_id, exc)
            if now - self._redis_down_since > max(REDIS_GIVE_UP, self.idle_close):
                raise CloseSpider("redis_unavailable") from exc
            raise DontCloseSpider from exc
        if busy:
            self._quiet_since = None
            raise DontCloseSpider
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.idle_close:
            raise DontCloseSpider
        # Quiet long enough: return, and the engine closes the spider with reason "finished".

    def _stat(self, key: str, value: int) -> None:
        stats = getattr(self, "stats", None)
        if stats is not None:
            stats.inc_value(key, value)


class _Forgetful(set):
    """A set that remembers nothing: `x in s` is always False."""

    def __contains__(self, item: object) -> bool:
        return False

    def add(self, item: Any) -> None:
        pass


class SharedPassMiddleware:
    """Within a pass, start and list pages go through the shared duplicate filter.

    Scrapy marks start requests `dont_filter`, and our spiders mark list pages `dont_filter` (they
    change every day, so no run may remember them). Our duplicate filter lives for one pass only, so
    filtering them is right here, and it is what lets N workers fetch a start URL once. The spider's
    own per-process memory of list pages (`listing_seen`) is switched off in favour of the shared
    filter: a list page whose lease comes back (its worker died, or Redis failed while it ran) must
    be able to request its next page again, which the shared filter allows only if that request
    never reached Redis.
    """

    def __init__(self, crawler: Crawler):
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPassMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        if isinstance(getattr(spider, "listing_seen", None), set):
            spider.listing_seen = _Forgetful()

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield self._filterable(item_or_request, start=True)

    def process_start_requests(self, start_requests: Iterable[Any], spider: Any) -> Iterable[Any]:
        for item_or_request in start_requests:  # Scrapy < 2.13
            yield self._filterable(item_or_request, start=True)

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any = None) -> Iterable[Any]:
        for item_or_request in result:
            yield self._filterable(item_or_request)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        async for item_or_request in result:
            yield self._filterable(item_or_request)

    @staticmethod
    def _filterable(item_or_request: Any, start: bool = False) -> Any:
        if (isinstance(item_or_request, Request) and item_or_request.dont_filter
                and (start or item_or_request.meta.get("role") == "listing")):
            return item_or_request.replace(dont_filter=False)
        return item_or_request


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
