"""The leasing scheduler: scrapy-redis's scheduler with per-request leases, heartbeats and a
shared idle condition (see the package docstring for why each exists)."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from datetime import datetime, timezone
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed.config import (
    DEFAULT_IDLE_CLOSE,
    DEFAULT_PASS_GRACE,
    DEFAULT_WORKER_TTL,
    REDIS_GIVE_UP,
    TICK,
)
from crawler.distributed.scripts import register_all
from crawler.redis_queue import CRAWLS_KEY, CrawlKeys, check_crawl_id, new_worker_id

logger = logging.getLogger(__name__)


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
        scripts = register_all(self.server)
        self._pop = scripts["pop_lease"]
        self._enqueue = scripts["enqueue"]
        self._reclaim_script = scripts["reclaim_dead"]
        self._requeue_own = scripts["requeue_own"]
        self._requeue_fields = scripts["requeue_fields"]
        self._busy = scripts["busy"]
        self._join = scripts["join"]
        self._leave = scripts["leave"]
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
