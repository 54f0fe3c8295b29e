"""`radar ingest`: the single writer of a distributed crawl (Redis → SQLite)."""

from __future__ import annotations

import os
import signal

import click

from radar.options import FiniteRange, RunFailed, db_option


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


@click.command()
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="Redis the workers push to, e.g. redis://127.0.0.1:6379/0.")
@db_option
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Items stored per SQLite transaction.")
@click.option("--once/--follow", "once", default=True, show_default=True,
              help="--once: store what is queued, then exit. --follow: keep storing until SIGTERM or Ctrl-C.")
@click.option("--crawl-id", "crawl_ids", multiple=True, metavar="ID",
              help="Only this crawl (repeatable; default: every crawl workers have opened).")
@click.option("--lock-wait", default=60.0, show_default=True, type=FiniteRange(0, 86400),
              help="Seconds to wait while another writer holds the lock.")
def ingest_command(redis_url: str, db_path: str, batch: int, once: bool, crawl_ids: tuple[str, ...],
                   lock_wait: float) -> None:
    """Store the items distributed workers queued in Redis, in batches, as the only SQLite writer.

    Each batch is committed before it is removed from Redis; a writer that is killed leaves its
    batch in Redis and the next `radar ingest` stores it first (upserts are idempotent by URL).

    Example: radar ingest --redis redis://127.0.0.1:6379/0 --db data/radar.db --follow
    """
    import redis

    from crawler.distributed import DistributedError, check_redis, redacted
    from crawler.redis_queue import Ingester, WriterLock, WriterLockHeld
    from db.store import ArchiveWriter

    try:
        check_redis(redis_url)
    except DistributedError as exc:
        raise RunFailed(str(exc)) from None
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
    lock = WriterLock(client)
    try:
        lock.acquire(wait=lock_wait)
    except WriterLockHeld as exc:
        raise RunFailed(str(exc)) from None
    stop = {"requested": False}

    def request_stop(signum: int, frame: object) -> None:
        stop["requested"] = True

    try:
        ingester = Ingester(client, ArchiveWriter(db_path), batch=batch, crawls=crawl_ids or None, lock=lock,
                            die_after=_env_int("RADAR_INGEST_DIE_AFTER"),
                            die_after_commit=_env_int("RADAR_INGEST_DIE_AFTER_COMMIT"))
        if once:
            report = ingester.drain()
        else:
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
            click.echo(f"ingesting from {redacted(redis_url)} into {db_path} until SIGTERM/Ctrl-C", err=True)
            report = ingester.follow(lambda: stop["requested"])
    except (ValueError, WriterLockHeld, redis.RedisError) as exc:
        raise RunFailed(str(exc)) from None
    finally:
        try:
            lock.release()
        except redis.RedisError:
            pass
    click.echo(report.line(db_path))
