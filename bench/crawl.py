"""`python -m bench.crawl [--articles 10000]`: end-to-end crawl speed vs raw Scrapy fetching.

One generated Kommune21-style site (sample_site.generate) is served on 127.0.0.1, then crawled
twice, each run in its own subprocess, one after the other:

(a) raw: a bare Scrapy spider that follows the same list pages and fetches the same article pages,
    parsing nothing but the links — the fetch rate of this machine, the baseline;
(b) full: `radar crawl` — fetch, extract, tag, store (every article in SQLite, tags, raw HTML, FTS).

Both use the same engine settings (concurrency, no AutoThrottle — a loopback server needs no
politeness), so the ratio is meaningful on any machine. Articles/s is articles over the crawl's own
elapsed time (Scrapy's `elapsed_time_seconds`, spider open to close, which for the full crawl
includes draining the store worker); peak RSS is sampled for the whole process tree (crawl process
plus store worker). Then (c) the full crawl runs again over the unchanged site into the same
archive, counting its requests. Goals (issue 12): full ≥ 75 % of raw, ≥ 200 articles/s, peak RSS
< 300 MB, re-crawl ≤ 2 % of the first crawl's requests.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 0.75
GOAL_RATE = 200.0
GOAL_RSS_MB = 300.0
#: A re-crawl of the unchanged site may cost at most this share of the first crawl's requests.
GOAL_RECRAWL = 0.02
# The engine settings both runs share (a loopback server: no politeness delays).
ENGINE = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "LOG_LEVEL": "WARNING",
}


# --- (a) the raw baseline, run as `python -m bench.crawl --raw-child URL` ---------------------------
def raw_child(url: str, settings: dict[str, Any]) -> None:
    """Fetch every list page and article page with a bare spider; print counts and elapsed time."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.runner import project_settings

    class RawSpider(scrapy.Spider):
        name = "raw"
        custom_settings = {"ITEM_PIPELINES": {}}
        articles = 0

        async def start(self):
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response):
            for href in response.css(".news-item h2 a::attr(href)").getall():
                yield response.follow(href, self.parse_article)
            next_page = response.css('a[rel="next"]::attr(href)').get()
            if next_page:
                yield response.follow(next_page, self.parse, dont_filter=True)

        def parse_article(self, response):
            type(self).articles += 1

    base = project_settings(**settings)
    # The raw run keeps the project's engine settings (reactor, CONCURRENT_ITEMS, robots.txt,
    # retries, User-Agent) and drops only the crawler's own work: middlewares and pipelines.
    base.set("DOWNLOADER_MIDDLEWARES", {}, priority="cmdline")
    base.set("SPIDER_MIDDLEWARES", {}, priority="cmdline")
    base.set("DUPEFILTER_CLASS", "scrapy.dupefilters.RFPDupeFilter", priority="cmdline")
    process = CrawlerProcess(base)
    crawler = process.create_crawler(RawSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"articles": RawSpider.articles, "pages": stats.get("response_received_count", 0),
                      "elapsed": stats.get("elapsed_time_seconds")}), flush=True)


# --- measuring a subprocess -----------------------------------------------------------------------
def run_measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run `cmd`; returns (result, wall seconds, peak RSS in MB of the process and its children)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            parent = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            total = 0
            try:
                for p in [parent, *parent.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            peak = max(peak, total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak / 1e6


def settings_args(settings: dict[str, Any]) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={json.dumps(value)}")]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the generated site (default 10000)")
    parser.add_argument("--site", default=None, help="an already generated site folder (skip generating)")
    parser.add_argument("--concurrency", type=int, default=ENGINE["CONCURRENT_REQUESTS"])
    parser.add_argument("--keep", default=None, help="keep the archive of the full crawl at this path")
    parser.add_argument("--raw-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_child:
        raw_child(args.raw_child, json.loads(args.settings))
        return {}

    from sample_site.server import SampleSite

    engine = dict(ENGINE, CONCURRENT_REQUESTS=args.concurrency, CONCURRENT_REQUESTS_PER_DOMAIN=args.concurrency)
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        site_dir = Path(args.site) if args.site else Path(tmp) / "site"
        if not args.site:
            from sample_site.generate import generate_site

            started = time.perf_counter()
            generate_site(site_dir, args.articles)
            print(f"generated {args.articles} articles in {time.perf_counter() - started:.0f} s → {site_dir}", flush=True)
        db_path = Path(args.keep) if args.keep else Path(tmp) / "bench.db"
        for leftover in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)
        stats_path = Path(tmp) / "stats.json"
        with SampleSite(root=site_dir) as site:
            url = f"{site.base_url}/"
            print(f"serving {url}; raw fetch, then full crawl", flush=True)
            raw, raw_wall, raw_rss = run_measured(
                [sys.executable, "-m", "bench.crawl", "--raw-child", url, "--settings", json.dumps(engine)]
            )
            if raw.returncode != 0:
                raise SystemExit(f"raw crawl failed:\n{raw.stderr[-3000:]}")
            raw_result = json.loads(raw.stdout.strip().splitlines()[-1])
            full, full_wall, full_rss = run_measured(
                [sys.executable, "-m", "radar", "crawl", "--start-url", url, "--db", str(db_path),
                 "--stats", str(stats_path), *settings_args(engine)]
            )
            if full.returncode != 0:
                raise SystemExit(f"full crawl failed:\n{full.stderr[-3000:]}")
            stats = json.loads(stats_path.read_text())
            # (c) re-crawl of the unchanged site into the same archive: conditional requests and the
            # incremental stop should make it a small fraction of the first crawl's requests.
            again_path = Path(tmp) / "stats-again.json"
            again = subprocess.run(
                [sys.executable, "-m", "radar", "crawl", "--start-url", url, "--db", str(db_path),
                 "--stats", str(again_path), *settings_args(engine)], cwd=ROOT, capture_output=True, text=True)
            if again.returncode != 0:
                raise SystemExit(f"re-crawl failed:\n{again.stderr[-3000:]}")
            again_stats = json.loads(again_path.read_text())
        with sqlite3.connect(db_path) as db:
            stored = db.execute("select count(*) from articles").fetchone()[0]
            tagged = db.execute("select count(distinct article_id) from tags").fetchone()[0]
            raw_kept = db.execute("select count(*) from raw_pages").fetchone()[0]

    raw_rate = raw_result["articles"] / raw_result["elapsed"]
    full_rate = stored / stats["elapsed_time_seconds"]
    ratio = full_rate / raw_rate
    first_requests = stats.get("downloader/request_count", 0)
    again_requests = again_stats.get("downloader/request_count", 0)
    recrawl_share = again_requests / first_requests if first_requests else 0.0
    result = {
        "articles": raw_result["articles"],
        "raw": {"articles_per_s": round(raw_rate, 1), "elapsed_s": round(raw_result["elapsed"], 1),
                "wall_s": round(raw_wall, 1), "peak_rss_mb": round(raw_rss)},
        "full": {"articles_per_s": round(full_rate, 1), "elapsed_s": round(stats["elapsed_time_seconds"], 1),
                 "wall_s": round(full_wall, 1), "peak_rss_mb": round(full_rss), "stored": stored, "tagged": tagged,
                 "raw_pages": raw_kept},
        "ratio": round(ratio, 3),
        "recrawl": {"requests": again_requests, "first_requests": first_requests, "share": round(recrawl_share, 4)},
        "cpus": os.cpu_count(),
        "engine": engine,
    }
    ok = lambda passed: "ok" if passed else "MISSED"  # noqa: E731
    print()
    print(f"{'':22}{'articles/s':>11}{'elapsed s':>11}{'wall s':>9}{'peak RSS MB':>13}")
    print(f"{'raw Scrapy fetch':22}{raw_rate:11.1f}{raw_result['elapsed']:11.1f}{raw_wall:9.1f}{raw_rss:13.0f}")
    print(f"{'full radar crawl':22}{full_rate:11.1f}{stats['elapsed_time_seconds']:11.1f}{full_wall:9.1f}{full_rss:13.0f}")
    print()
    print(f"stored {stored} of {raw_result['articles']} articles ({tagged} with tags, {raw_kept} raw pages) "
          f"on {os.cpu_count()} CPUs")
    print(f"full / raw = {ratio:.0%}  (goal ≥ {GOAL_RATIO:.0%}: {ok(ratio >= GOAL_RATIO)})")
    print(f"full rate  = {full_rate:.0f} articles/s  (goal ≥ {GOAL_RATE:.0f}: {ok(full_rate >= GOAL_RATE)})")
    print(f"peak RSS   = {full_rss:.0f} MB  (goal < {GOAL_RSS_MB:.0f}: {ok(full_rss < GOAL_RSS_MB)})")
    print(f"re-crawl   = {again_requests} of {first_requests} requests = {recrawl_share:.1%}  "
          f"(goal ≤ {GOAL_RECRAWL:.0%}: {ok(recrawl_share <= GOAL_RECRAWL)})")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"crawl-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"→ {out.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
