"""Distributed crawling on scrapy-redis with one writer, against a real redis-server and the real
sample site: workers are real `radar crawl --redis` processes, the writer is `radar ingest`.

Each test starts its own redis-server on a free loopback port (data in tmp_path) and stops it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from tests.conftest import ROOT, run_radar

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# Short timings so a dead worker is noticed in seconds (production defaults: 15 s and 10 s).
FAST = {"RADAR_REDIS_WORKER_TTL": "5", "RADAR_REDIS_IDLE_CLOSE": "1.5"}
ARTICLE_PREFIX = "/k21-meldungen/"


# --- fixtures and helpers ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A private redis-server on a free 127.0.0.1 port, stopped at the end of the test."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (make system-deps installs it)")
    import redis

    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    log = open(data / "redis.log", "wb")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            assert proc.poll() is None, (data / "redis.log").read_text()
            return False

    try:
        wait_until(up, 15, "redis-server to answer PING")
        yield url
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    yield client
    client.close()


class Site:
    """The shared sample site as these tests see it: hits counted from `mark()`, optional slowness.

    The session's server is shared with other test files, so its counters are never reset here.
    """

    def __init__(self, server, monkeypatch):
        self.server = server
        self.base_url = server.base_url
        self.monkeypatch = monkeypatch
        self.mark()

    def mark(self) -> None:
        self._base = Counter(self.server.hits)

    def hits(self) -> Counter:
        """Requests per target since the last `mark()`."""
        now = Counter(self.server.hits)
        return Counter({target: n - self._base[target] for target, n in now.items() if n > self._base[target]})

    def article_hits(self) -> Counter:
        return Counter({path: n for path, n in self.hits().items() if path.startswith(ARTICLE_PREFIX)})

    def slow_articles(self, seconds: float) -> None:
        """Answer every article page `seconds` late (the server is threaded: requests overlap)."""
        original = self.server.resolve

        def resolve(target, host_header):
            if target.startswith(ARTICLE_PREFIX):
                time.sleep(seconds)
            return original(target, host_header)

        self.monkeypatch.setattr(self.server, "resolve", resolve, raising=False)


@pytest.fixture
def site(sample_site, monkeypatch) -> Site:
    return Site(sample_site, monkeypatch)


def expected_urls(site) -> set[str]:
    """Every Kommune21 article of the sample site, as canonical URLs (the truth the site was built from)."""
    from sample_site.articles import expected_articles

    return {rec["url"] for rec in expected_articles(site.base_url) if rec["source"] == "kommune21"}


class Worker:
    """One `radar crawl --redis` process, its output in `<name>.out` / `<name>.err` under tmp_path."""

    def __init__(self, tmp_path: Path, name: str, site, redis_url: str, crawl_id: str = "sample",
                 env: dict[str, str] | None = None):
        self.name = name
        self.out_path = tmp_path / f"{name}.out"
        self.err_path = tmp_path / f"{name}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "radar", "crawl", "--redis", redis_url, "--crawl-id", crawl_id,
                 "--start-url", f"{site.base_url}/", "--db", str(tmp_path / f"{name}-must-not-exist.db"),
                 "--log-level", "WARNING"],
                cwd=ROOT, stdout=out, stderr=err, env={**os.environ, **FAST, **(env or {})},
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def finish(self, timeout: float = 180) -> tuple[str, str]:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not finish in {timeout} s:\n"
                                 + self.err_path.read_text()[-3000:]) from None
        return self.out_path.read_text(), self.err_path.read_text()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def queued_articles(stdout: str) -> int:
    match = re.search(r"\((\d+) articles\)", stdout)
    assert match, stdout
    return int(match.group(1))


def ingest(redis_url: str, db: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    return run_radar("ingest", "--redis", redis_url, "--db", str(db), *args, env=env, timeout=timeout)


def stored_urls(db: Path) -> list[str]:
    return [row[0] for row in sqlite_utils.Database(db).execute("select url from articles")]


def kill_all(workers: list[Worker]) -> None:
    for worker in workers:
        worker.kill()


def assert_all_stored_once(db: Path, expected: set[str]) -> None:
    urls = stored_urls(db)
    duplicates = [url for url, n in Counter(urls).items() if n > 1]
    assert not duplicates, duplicates
    missing = expected - set(urls)
    assert not missing, f"{len(missing)} articles lost, e.g. {sorted(missing)[:3]}"
    assert set(urls) == expected, sorted(set(urls) - expected)[:5]


def redis_leftovers(client, crawl_id: str = "sample") -> dict[str, int]:
    """Entries still queued, leased or un-acknowledged for the crawl (all zero once it is done)."""
    prefix = f"radar:{crawl_id}:"
    leases = sum(client.hlen(key) for key in client.scan_iter(prefix + "leases:*"))
    return {"requests": client.zcard(prefix + "requests"), "leases": leases,
            "items": client.llen(prefix + "items"), "processing": client.llen(prefix + "processing")}


# --- the three scenarios --------------------------------------------------------------
def test_two_workers_share_one_crawl(site, redis_url, redis_client, tmp_path):
    """Two workers at once: every article stored exactly once, fetched about as often as by one crawl."""
    expected = expected_urls(site)
    assert len(expected) >= 20

    # Baseline: one single-machine crawl (no Redis) of the same site.
    single = run_radar("crawl", "--start-url", f"{site.base_url}/", "--db", str(tmp_path / "single.db"),
                       timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]
    single_hits = site.hits()
    site.mark()

    # Slow article pages a little so the crawl lasts long enough for both workers to take part.
    site.slow_articles(0.15)
    workers = [Worker(tmp_path, f"w{i}", site, redis_url) for i in (1, 2)]
    try:
        outputs = [worker.finish() for worker in workers]
    finally:
        kill_all(workers)
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-3000:]
    counts = [queued_articles(out) for out, _ in outputs]
    assert sum(counts) == len(expected), counts  # each article fetched and queued by one worker only
    assert min(counts) > 0, f"one worker did all the work: {counts}"
    assert "pass finished" in outputs[0][0] + outputs[1][0]
    assert not list(tmp_path.glob("*must-not-exist.db*")), "a worker opened SQLite"

    hits = site.article_hits()
    assert all(hits[urlsplit(url).path] == 1 for url in expected), {p: n for p, n in hits.items() if n != 1}
    # Total fetches ≈ one crawl: at most one extra robots.txt per additional worker.
    assert sum(site.hits().values()) <= sum(single_hits.values()) + 1, (site.hits(), single_hits)

    db = tmp_path / "archive.db"
    result = ingest(redis_url, db, "--once")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{len(expected)} new" in result.stdout, result.stdout
    assert_all_stored_once(db, expected)
    assert set(stored_urls(db)) == set(stored_urls(tmp_path / "single.db"))
    assert redis_leftovers(redis_client) == {"requests": 0, "leases": 0, "items": 0, "processing": 0}
    assert redis_client.exists("radar:sample:finished"), "the last worker records the finished pass"


def test_sigkilled_worker_loses_nothing(site, redis_url, redis_client, tmp_path):
    """SIGKILL one of two workers while it holds in-flight requests: the other finishes, nothing lost."""
    import json

    expected = expected_urls(site)
    site.slow_articles(0.3)
    workers = [Worker(tmp_path, f"w{i}", site, redis_url) for i in (1, 2)]
    by_pid = {worker.pid: worker for worker in workers}
    try:
        def victim():
            """A worker of ours that holds leases right now, once a quarter of the articles were fetched."""
            if sum(site.article_hits().values()) < len(expected) // 4:
                return None
            for raw in redis_client.smembers("radar:sample:workers"):
                wid = raw.decode()
                info = redis_client.get(f"radar:sample:worker:{wid}")
                held = redis_client.hlen(f"radar:sample:leases:{wid}")
                if info and held:
                    worker = by_pid.get(json.loads(info)["pid"])
                    if worker is not None and worker.proc.poll() is None:
                        return worker, held
            return None

        killed, held = wait_until(victim, 120, "a worker holding leases mid-crawl")
        fetched_before = sum(site.article_hits().values())
        killed.kill()
        assert killed.returncode == -signal.SIGKILL
        assert fetched_before < len(expected), "the crawl was over before the kill"
        survivor = next(worker for worker in workers if worker is not killed)
        out, err = survivor.finish()
    finally:
        kill_all(workers)
    assert survivor.returncode == 0, err[-3000:]
    assert "in-flight requests of dead workers back in the queue" in err, err[-3000:]
    assert redis_leftovers(redis_client) == {"requests": 0, "leases": 0,
                                             "items": redis_client.llen("radar:sample:items"), "processing": 0}

    db = tmp_path / "archive.db"
    result = ingest(redis_url, db, "--once")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_all_stored_once(db, expected)
    hits = site.article_hits()
    assert all(hits[urlsplit(url).path] >= 1 for url in expected)
    # Only what the killed worker had in flight is fetched twice.
    assert sum(hits.values()) - len(expected) <= held + 8, hits


def test_writer_killed_mid_batch_loses_and_doubles_nothing(site, redis_url, redis_client, tmp_path):
    """Kill the writer inside a batch's transaction, then between commit and ack; restart each time."""
    from crawler.redis_queue import decode_entry

    expected = expected_urls(site)
    worker = Worker(tmp_path, "w1", site, redis_url)
    try:
        out, err = worker.finish()
    finally:
        kill_all([worker])
    assert worker.returncode == 0, err[-3000:]
    assert queued_articles(out) == len(expected)
    # A worker started just after the pass finished is a late starter of it, not a new pass.
    late = Worker(tmp_path, "late", site, redis_url)
    try:
        out, err = late.finish()
    finally:
        kill_all([late])
    assert late.returncode == 0 and queued_articles(out) == 0, out + err[-2000:]
    # The writer takes the oldest entries first; count the articles among the first n it takes.
    in_order = [decode_entry(raw)["item"] for raw in reversed(redis_client.lrange("radar:sample:items", 0, -1))]
    total = len(in_order)
    assert total >= 40

    def articles_in_first(n: int) -> int:
        return sum(1 for item in in_order[:n] if (item.get("kind") or "article") == "article")

    db = tmp_path / "archive.db"
    # 1. Dies after writing 25 records: batches 1–2 committed, batch 3 half written, uncommitted.
    died = ingest(redis_url, db, "--batch", "10", env={"RADAR_INGEST_DIE_AFTER": "25"})
    assert died.returncode == 86, died.stderr[-3000:]
    assert len(stored_urls(db)) == articles_in_first(20)
    assert redis_client.llen("radar:sample:processing") == 10
    assert redis_client.llen("radar:sample:items") == total - 30

    # 2. The restarted writer first re-stores the interrupted batch, then dies after its second
    #    commit, before acknowledging it: that batch is stored and still in `processing`.
    died = ingest(redis_url, db, "--batch", "10", env={"RADAR_INGEST_DIE_AFTER_COMMIT": "2"})
    assert died.returncode == 86, died.stderr[-3000:]
    assert len(stored_urls(db)) == articles_in_first(40)
    assert redis_client.llen("radar:sample:processing") == 10

    # 3. A normal run stores the rest, replaying the committed-but-unacknowledged batch harmlessly.
    done = ingest(redis_url, db, "--batch", "10")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "10 recovered from an interrupted batch" in done.stdout, done.stdout
    assert_all_stored_once(db, expected)
    archive = sqlite_utils.Database(db)
    assert archive["article_versions"].count == 0, "a replay must not make new versions"
    assert archive.execute("select count(*) from raw_pages").fetchone()[0] == len(expected)
    assert redis_leftovers(redis_client) == {"requests": 0, "leases": 0, "items": 0, "processing": 0}

    again = ingest(redis_url, db)
    assert again.returncode == 0 and again.stdout.startswith("0 items ingested"), again.stdout


# --- smaller contracts ------------------------------------------------------------------------
def test_single_machine_mode_needs_no_redis():
    from crawler.runner import project_settings

    settings = project_settings()
    assert "scrapy_redis" not in str(settings.get("SCHEDULER"))
    assert settings.getdict("ITEM_PIPELINES").get("crawler.pipelines.StorePipeline")


def test_redis_settings_swap_the_writer_for_the_queue():
    from crawler.distributed import redis_settings

    overrides = redis_settings("redis://127.0.0.1:1/0", "k21-daily", worker_ttl=5, idle_close=2)
    assert overrides["SCHEDULER"] == "crawler.distributed.LeasingScheduler"
    assert overrides["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert overrides["SCHEDULER_PERSIST"] is True
    assert overrides["SCHEDULER_QUEUE_KEY"] == "radar:k21-daily:requests"
    pipelines = overrides["ITEM_PIPELINES"]
    assert "crawler.pipelines.StorePipeline" not in pipelines
    assert pipelines == {"crawler.redis_pipeline.RedisQueuePipeline": 800}  # it extracts and tags (PageFlow)
    with pytest.raises(ValueError):
        redis_settings("redis://127.0.0.1:1/0", "bad id%s")


def test_item_envelope_round_trip():
    from crawler.redis_queue import decode_entry, encode_item

    item = {"url": "http://x/k21-meldungen/a/", "raw_html": "<p>Größe</p>".encode() * 100,
            "tags": [{"kind": "topic", "id": "ozg"}], "published": None}
    entry = encode_item(item, crawl="c", worker="w")
    assert len(entry) < len(item["raw_html"])  # raw HTML travels compressed
    assert decode_entry(entry)["item"] == item
    assert encode_item(item, crawl="c", worker="w") != entry  # unique ids: an ack removes one entry
    with pytest.raises(ValueError):
        decode_entry(b'{"item": {}}')


def test_only_one_writer_at_a_time(redis_client, tmp_path):
    from crawler.redis_queue import WriterLock, WriterLockHeld

    first = WriterLock(redis_client, ttl=30)
    first.acquire(wait=0)
    with pytest.raises(WriterLockHeld):
        WriterLock(redis_client, ttl=30).acquire(wait=0.3)
    # A writer on this host whose process is gone is taken over at once, without waiting for the TTL.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    redis_client.set("radar:writer", f'{{"host": "{socket.gethostname()}", "pid": {gone.pid}, "token": "x"}}')
    WriterLock(redis_client, ttl=30).acquire(wait=0)
    first.release()  # not ours any more: a no-op
    assert redis_client.exists("radar:writer")


def test_unreachable_redis_is_one_line(site):
    result = run_radar("crawl", "--redis", f"redis://127.0.0.1:{free_port()}/0", "--start-url",
                       f"{site.base_url}/", timeout=60)
    assert result.returncode == 1
    assert "cannot reach Redis" in result.stderr and "Traceback" not in result.stderr


def test_follow_stores_as_items_arrive_and_keeps_one_writer(redis_url, redis_client, tmp_path):
    """`radar ingest --follow` stores items pushed while it runs, refuses a second writer, stops on SIGTERM."""
    from crawler.redis_queue import CRAWLS_KEY, CrawlKeys, encode_item

    keys = CrawlKeys("followed")
    redis_client.sadd(CRAWLS_KEY, keys.crawl)
    db = tmp_path / "archive.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "radar", "ingest", "--redis", redis_url, "--db", str(db), "--follow", "--batch", "3"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_until(lambda: redis_client.exists("radar:writer"), 30, "the writer to take its lock")
        second = ingest(redis_url, tmp_path / "other.db", "--lock-wait", "0.5")
        assert second.returncode == 1 and "another writer holds" in second.stderr, second.stderr
        urls = [f"http://example.test/k21-meldungen/meldung-{i}/" for i in range(7)]
        for url in urls:
            item = {"url": url, "source": "kommune21", "title": f"Meldung {url[-3:]}", "body": "Text.",
                    "raw_html": b"<html>...</html>", "published": "2025-10-06"}
            redis_client.lpush(keys.items, encode_item(item, crawl=keys.crawl, worker="test"))

        def stored() -> bool:
            return db.exists() and set(stored_urls(db)) == set(urls)

        wait_until(stored, 30, "the following writer to store all pushed items", interval=0.2)
        writer.send_signal(signal.SIGTERM)
        out, err = writer.communicate(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate(timeout=10)
    assert writer.returncode == 0, err[-3000:]
    assert "7 items ingested" in out and "7 new" in out, out
    assert redis_client.llen(keys.items) == 0 and redis_client.llen(keys.processing) == 0
    assert not redis_client.exists("radar:writer"), "a stopped writer releases its lock"
