"""The Redis side of distributed crawling: key layout, the item envelope, and the one writer.

Workers (`radar crawl --redis …`) share a scrapy-redis request queue and duplicate filter and push
every finished, tagged article onto `radar:<crawl>:items`. Exactly one writer (`radar ingest`)
moves them into SQLite with the reliable-queue pattern:

    items ──LMOVE──► processing ──upsert batch, COMMIT──► LREM (ack)

An item leaves Redis only after the transaction that stored it has committed, and a writer that is
killed leaves its batch in `processing`, which the next writer re-processes first. Upserts are
idempotent by canonical URL, so a replayed batch changes nothing: nothing lost, nothing doubled.

This module imports neither Scrapy nor Twisted, so the writer starts fast on any machine.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from db.records import pid_alive

logger = logging.getLogger(__name__)

PREFIX = "radar"
#: Set of every crawl id a worker ever opened; the writer drains all of them by default.
CRAWLS_KEY = f"{PREFIX}:crawls"
#: Held by the one running writer (value: JSON host/pid/token, with a TTL refreshed per batch).
WRITER_LOCK_KEY = f"{PREFIX}:writer"
CRAWL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ENVELOPE_VERSION = 1


def check_crawl_id(crawl_id: str) -> str:
    """Crawl ids become parts of Redis keys (and of scrapy-redis `%`-templates): keep them plain."""
    if not CRAWL_ID.match(crawl_id or ""):
        raise ValueError(f"crawl id {crawl_id!r} must be letters, digits, '.', '_' or '-' (max 100)")
    return crawl_id


@dataclass(frozen=True)
class CrawlKeys:
    """Every Redis key of one shared crawl, namespaced `radar:<crawl>:…`."""

    crawl: str

    def _key(self, name: str) -> str:
        return f"{PREFIX}:{self.crawl}:{name}"

    @property
    def requests(self) -> str:  # sorted set: the scrapy-redis priority queue
        return self._key("requests")

    @property
    def dupefilter(self) -> str:  # set: request fingerprints seen in this pass
        return self._key("dupefilter")

    @property
    def items(self) -> str:  # list: finished items, pushed by workers (LPUSH), taken by the writer
        return self._key("items")

    @property
    def processing(self) -> str:  # list: items the writer has taken but not yet committed
        return self._key("processing")

    @property
    def dead(self) -> str:  # list: entries the writer could not decode, kept for a person to look at
        return self._key("dead")

    @property
    def workers(self) -> str:  # set: ids of workers that joined this crawl
        return self._key("workers")

    @property
    def worker_prefix(self) -> str:
        return self._key("worker:")

    @property
    def leases_prefix(self) -> str:
        return self._key("leases:")

    def worker(self, worker_id: str) -> str:  # string with a TTL: the worker's heartbeat
        return self.worker_prefix + worker_id

    def leases(self, worker_id: str) -> str:  # hash: requests this worker took and has not finished
        return self.leases_prefix + worker_id

    @property
    def finished(self) -> str:  # string: Redis server time (unix seconds) the last pass finished
        return self._key("finished")


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# --- the item envelope ------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    """Bytes (raw HTML) travel zlib-compressed and base64-encoded; dates as ISO strings."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$zb64": base64.b64encode(zlib.compress(bytes(value), 6)).decode("ascii")}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _json_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$zb64" in obj:
        return zlib.decompress(base64.b64decode(obj["$zb64"]))
    return obj


def encode_item(item: Mapping[str, Any], *, crawl: str, worker: str) -> bytes:
    """One queue entry: a JSON envelope with a unique id (so an ack removes exactly this entry)."""
    envelope = {
        "v": ENVELOPE_VERSION,
        "id": uuid.uuid4().hex,
        "crawl": crawl,
        "worker": worker,
        "queued_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "item": dict(item),
    }
    return json.dumps(envelope, default=_json_default, ensure_ascii=False).encode("utf-8")


def decode_entry(raw: bytes | str) -> dict[str, Any]:
    """The envelope back, with `item.raw_html` as bytes again; ValueError if it is not one."""
    envelope = json.loads(raw, object_hook=_json_hook)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("item"), dict):
        raise ValueError("not a Policy Radar item envelope")
    if not envelope["item"].get("url"):
        raise ValueError("item has no url")
    return envelope


# --- the single writer ------------------------------------------------------------------------
class WriterLockHeld(RuntimeError):
    """Another live writer holds the lock."""


class WriterLock:
    """At most one writer at a time: redis-py's `Lock` (SET NX PX, released and extended by token
    in Lua), with a TTL refreshed after every batch.

    The token is JSON naming host and pid, so a writer killed on this host is recognised at once
    (its pid is gone) and a restart need not wait for the TTL; a writer elsewhere is waited for
    until its lock expires.
    """

    def __init__(self, redis: Any, ttl: float = 30.0, key: str = WRITER_LOCK_KEY):
        from redis.lock import Lock

        self.redis = redis
        self.key = key
        self.host = socket.gethostname()
        self.value = json.dumps({"host": self.host, "pid": os.getpid(), "token": uuid.uuid4().hex})
        self.lock = Lock(redis, key, timeout=ttl, thread_local=False)

    def acquire(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            if self.lock.acquire(blocking=False, token=self.value):
                return
            holder = self.redis.get(self.key)
            if holder is not None and self._dead_here(holder):
                if self._release_stale(holder):
                    logger.warning("took over the writer lock of dead writer pid %s", self._parse(holder).get("pid"))
                continue
            if time.monotonic() >= deadline:
                raise WriterLockHeld(f"another writer holds {self.key}: {self._parse(holder) if holder else '?'}")
            time.sleep(0.2)

    def refresh(self) -> None:
        from redis.exceptions import LockError

        try:
            self.lock.reacquire()
        except LockError:
            raise WriterLockHeld(f"lost the writer lock {self.key} (another writer took over)") from None

    def release(self) -> None:
        from redis.exceptions import LockError

        try:
            self.lock.release()
        except LockError:  # expired or taken over: not ours to release any more
            pass

    def _dead_here(self, holder: bytes | str) -> bool:
        info = self._parse(holder)
        return info.get("host") == self.host and isinstance(info.get("pid"), int) and not pid_alive(info["pid"])

    def _release_stale(self, holder: bytes | str) -> bool:
        """Release the dead writer's lock by its token (a no-op if it changed meanwhile)."""
        from redis.exceptions import LockError
        from redis.lock import Lock

        stale = Lock(self.redis, self.key, thread_local=False)
        stale.local.token = holder
        try:
            stale.release()
        except LockError:
            return False
        return True

    @staticmethod
    def _parse(raw: bytes | str) -> dict[str, Any]:
        try:
            info = json.loads(raw)
            return info if isinstance(info, dict) else {}
        except ValueError:
            return {}


@dataclass
class IngestReport:
    """What one writer run did; `recovered` counts entries of an interrupted batch re-processed."""

    outcomes: Counter
    items: int = 0
    batches: int = 0
    recovered: int = 0
    dead: int = 0
    failed: int = 0

    def line(self, db_path: str) -> str:
        o = self.outcomes
        extra = f", {self.recovered} recovered from an interrupted batch" if self.recovered else ""
        bad = f", {self.dead} undecodable (kept in radar:<crawl>:dead)" if self.dead else ""
        bad += f", {self.failed} failed (kept in quarantine)" if self.failed else ""
        others = {k: v for k, v in o.items() if k not in ("new", "updated", "unchanged") and v}
        if others:
            bad += " (" + ", ".join(f"{v} {k}" for k, v in sorted(others.items())) + ")"
        return (f"{self.items} items ingested in {self.batches} batches: {o.get('new', 0)} new, "
                f"{o.get('updated', 0)} updated, {o.get('unchanged', 0)} unchanged{extra}{bad} → {db_path}")


class Ingester:
    """Moves queued items into the archive in batches, acknowledging only after commit.

    `writer` is a `db.store.ArchiveWriter`: `write_records(iterable)` stores every record kind
    (articles, links, aliases, 304 checks, quarantine) of a batch in one transaction. `die_after` / `die_after_commit` are test hooks that
    end the process like SIGKILL would: mid-transaction after N items, or after N commits but
    before their acknowledgement.
    """

    def __init__(self, redis: Any, writer: Any, *, batch: int = 100, crawls: Iterable[str] | None = None,
                 lock: WriterLock | None = None, die_after: int | None = None,
                 die_after_commit: int | None = None):
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.redis = redis
        self.writer = writer
        self.batch = batch
        self.fixed_crawls = [check_crawl_id(c) for c in crawls] if crawls else None
        self.lock = lock
        self.die_after = die_after
        self.die_after_commit = die_after_commit
        self._items_written = 0
        self._commits = 0
        self.report = IngestReport(Counter())

    def crawl_ids(self) -> list[str]:
        if self.fixed_crawls is not None:
            return self.fixed_crawls
        members = self.redis.smembers(CRAWLS_KEY)
        ids = sorted(m.decode() if isinstance(m, bytes) else m for m in members)
        return [c for c in ids if CRAWL_ID.match(c)]

    # --- one batch ------------------------------------------------------------------------
    def recover(self) -> int:
        """Re-process what a killed writer left in `processing` (its uncommitted batch)."""
        total = 0
        for crawl in self.crawl_ids():
            keys = CrawlKeys(crawl)
            while True:
                entries = self.redis.lrange(keys.processing, 0, self.batch - 1)
                if not entries:
                    break
                logger.warning("crawl %s: re-processing %d entries of an interrupted batch", crawl, len(entries))
                self._store(keys, entries)
                total += len(entries)
        self.report.recovered += total
        return total

    def take(self, keys: CrawlKeys, block: float = 0) -> list[bytes]:
        """Move up to one batch from `items` to `processing` (each LMOVE is atomic)."""
        pipe = self.redis.pipeline(transaction=False)
        for _ in range(self.batch):
            pipe.lmove(keys.items, keys.processing, "RIGHT", "LEFT")
        entries = [e for e in pipe.execute() if e is not None]
        if not entries and block > 0:
            first = self.redis.blmove(keys.items, keys.processing, block, "RIGHT", "LEFT")
            if first is not None:
                entries = [first] + self.take(keys)
        return entries

    def _store(self, keys: CrawlKeys, entries: list[bytes]) -> None:
        items: list[dict[str, Any]] = []
        bad: list[bytes] = []
        for raw in entries:
            try:
                items.append(decode_entry(raw)["item"])
            except (ValueError, TypeError, zlib.error) as exc:
                logger.error("crawl %s: undecodable queue entry (%s), moved to %s", keys.crawl, exc, keys.dead)
                bad.append(raw)
        if items:
            # One transaction for the batch; it has committed when write_records returns.
            if hasattr(self.writer, "write_records"):
                result = self.writer.write_records(self._guarded(items))
                self.report.outcomes.update(result.outcomes)
                self.report.failed += len(result.failures)  # kept in quarantine by the writer
            else:
                self.report.outcomes.update(self.writer.upsert_articles(self._guarded(items)))
        self._commits += 1
        if self.die_after_commit is not None and self._commits >= self.die_after_commit:
            os._exit(86)  # test hook: committed, not acknowledged
        pipe = self.redis.pipeline(transaction=True)
        for raw in bad:
            pipe.rpush(keys.dead, raw)
        for raw in entries:
            pipe.lrem(keys.processing, 1, raw)  # the ack: envelopes are unique, so this is exact
        pipe.execute()
        self.report.items += len(items)
        self.report.dead += len(bad)
        self.report.batches += 1
        if self.lock is not None:
            self.lock.refresh()

    def _guarded(self, items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            self._items_written += 1
            if self.die_after is not None and self._items_written >= self.die_after:
                os._exit(86)  # test hook: written inside the open transaction, not committed

    # --- runs -----------------------------------------------------------------------------
    def drain(self) -> IngestReport:
        """Recover, then store batches until every crawl's `items` list is empty."""
        self.recover()
        while self._round(block=0):
            pass
        return self.report

    def follow(self, should_stop: Callable[[], bool], poll: float = 1.0) -> IngestReport:
        """Recover, then keep storing as items arrive until `should_stop()` (SIGTERM/SIGINT)."""
        self.recover()
        while not should_stop():
            if not self._round(block=0):
                crawls = self.crawl_ids()
                if len(crawls) == 1:  # the usual case: wait on the list itself
                    entries = self.take(CrawlKeys(crawls[0]), block=poll)
                    if entries:
                        self._store(CrawlKeys(crawls[0]), entries)
                else:
                    time.sleep(poll)
                if self.lock is not None:
                    self.lock.refresh()
        return self.report

    def _round(self, block: float) -> bool:
        moved = False
        for crawl in self.crawl_ids():
            keys = CrawlKeys(crawl)
            entries = self.take(keys, block=block)
            if entries:
                self._store(keys, entries)
                moved = True
        return moved
