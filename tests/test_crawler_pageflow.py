"""One way for a page: the store worker process, the inline store and the distributed worker all
run crawler/pageflow.py, so the same site gives the same articles with the same tags whichever
transport carried it."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from crawler.pageflow import PageFlow
from sample_site.server import DEFAULT_SITE_DIR
from tests.conftest import run_radar

NOW = datetime(2025, 10, 7, 12, tzinfo=timezone.utc).isoformat()


def test_pageflow_extracts_tags_quarantines_and_skips():
    article = next((DEFAULT_SITE_DIR / "k21-meldungen").glob("*/index.html"))
    flow = PageFlow({"kommune21": {"extractor": "kommune21", "article": {}}}, since=None)
    page = {"kind": "page", "url": f"http://s/k21-meldungen/{article.parent.name}/", "source": "kommune21",
            "raw_html": article.read_bytes(), "fetched_at": NOW}
    empty = {**page, "url": "http://s/leer", "raw_html": b""}
    links = {"kind": "links", "url": "http://s/", "source": "kommune21", "links": []}
    result = flow.run([page, empty, links])
    stored, quarantined, passed = result.records
    assert stored["title"] and stored["body"] and stored["taxonomy_version"] == flow.tagger.version
    assert isinstance(stored["tags"], list)
    assert quarantined["kind"] == "quarantine" and quarantined["error_kind"] == "empty"
    assert passed is links
    assert result.errors["empty"] == 1
    later = PageFlow({"kommune21": {"extractor": "kommune21", "article": {}}}, since="2999-01-01", tag=False)
    skipped = later.run([page])
    assert skipped.records == [] and skipped.skipped == 1


def articles_and_tags(db_path) -> dict[str, tuple[str, tuple]]:
    db = sqlite_utils.Database(db_path)
    tags: dict[int, list] = {}
    for row in db.query("select article_id, kind, value from tags"):
        tags.setdefault(row["article_id"], []).append((row["kind"], row["value"]))
    return {row["url"].split("/", 3)[3]: (row["title"], tuple(sorted(tags.get(row["id"], []))))
            for row in db.query("select id, url, title from articles")}


def test_inline_and_worker_process_store_the_same_articles_and_tags(crawled_db, sample_site, tmp_path):
    inline_db = tmp_path / "inline.db"
    result = run_radar("crawl", "--start-url", f"{sample_site.base_url}/", "--db", str(inline_db),
                       "-s", 'RADAR_STORE_WORKER="inline"')
    assert result.returncode == 0, result.stderr[-3000:]
    inline, worker = articles_and_tags(inline_db), articles_and_tags(crawled_db)
    assert len(worker) > 50
    assert inline == worker
    assert sum(1 for _, tags in inline.values() if tags) > 40  # tagged, not merely stored


def test_the_store_side_extracts_from_the_spiders_parse_not_from_a_second_decode():
    """The spider's one decode-repair-parse travels with the page: the store side reads its text and
    markup count, and gets the raw bytes back byte for byte when the spider left them out."""
    from crawler.extract.pages import page_records
    from crawler.extract.parse import parse_page
    from sample_site.faults import MALFORMED, Faults

    article = next((DEFAULT_SITE_DIR / "k21-meldungen").glob("*/index.html")).read_bytes()
    parsed = parse_page(article, "utf-8")
    assert parsed.encodes_to(article) and parsed.markup_errors == 0
    page = {"kind": "page", "url": "http://s/a", "source": "k", "raw_html": None, "html": parsed.text,
            "encoding": parsed.encoding, "repaired": False, "markup_errors": 7, "fetched_at": NOW}
    result = page_records(page, "kommune21", None)
    record = result.records[0]
    assert record["raw_html"] == article  # re-encoded, byte for byte
    assert result.errors["malformed"] == 1  # the spider's count is used, not a second parse's (0)
    # latin-1 bytes sent as UTF-8 are read as latin-1 and survive the round trip; a BOM does not
    wrong = Faults().wrong_charset()
    assert parse_page(wrong, "utf-8").encodes_to(wrong)
    bom = b"\xef\xbb\xbf" + article
    assert not parse_page(bom, "utf-8").encodes_to(bom)
    malformed = parse_page(MALFORMED.replace("</title>", "", 1).encode(), "utf-8")
    assert malformed.repaired and malformed.markup_errors >= 3 and not malformed.encodes_to(b"")


def test_a_worker_spawned_before_the_crawl_stores_what_the_pipeline_sends_once_opened(tmp_path):
    """`radar crawl` spawns the store worker before Scrapy starts (its tagger loads meanwhile); the
    pipeline takes it once, opens the run, and it stores like any worker. It opens nothing before."""
    from crawler.storeworker import prestart_worker, take_spawned_worker

    db_path = tmp_path / "radar.db"
    prestart_worker(None, "WARNING", 2)
    handle = take_spawned_worker()
    assert handle is not None and handle.process.is_alive()
    assert take_spawned_worker() is None  # taken once
    assert not db_path.exists()  # a worker that is never opened leaves no archive behind
    article = next((DEFAULT_SITE_DIR / "k21-meldungen").glob("*/index.html"))
    handle.open(str(db_path), None, True, None, {"kommune21": {"extractor": "kommune21", "article": {}}}, None)
    handle.inbox.put([{"kind": "page", "url": "http://s/k21/1/", "source": "kommune21",
                       "raw_html": article.read_bytes(), "fetched_at": NOW}])
    handle.inbox.put(None)
    messages = [handle.outbox.get(timeout=120) for _ in range(3)]
    handle.process.join(timeout=30)
    assert messages[0]["ready"] and messages[2] == {"done": True}
    assert messages[1]["outcomes"]["new"] == 1
    assert sqlite_utils.Database(db_path)["tags"].count > 0


def test_the_store_worker_is_the_crawls_one_child_process_and_ends_when_its_pipe_closes():
    """No third interpreter beside crawl and worker (multiprocessing's spawn started a resource
    tracker: ~13 MB of bench/crawl's peak memory); a worker whose crawl closes the pipe ends."""
    import json
    import subprocess
    import sys

    code = ("import json, psutil\n"
            "from crawler.storeworker import prestart_worker, take_spawned_worker\n"
            "prestart_worker(None, 'WARNING', 2)\n"
            "handle = take_spawned_worker()\n"
            "print(json.dumps([' '.join(p.cmdline()) for p in psutil.Process().children(recursive=True)]), flush=True)\n"
            "handle.inbox.close()\n"
            "handle.process.join(timeout=60)\n"
            "print(handle.process.exitcode, flush=True)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    children, exitcode = result.stdout.splitlines()
    assert len(json.loads(children)) == 1 and "-m crawler.storeworker" in children
    assert exitcode == "0"
    assert "Traceback" not in result.stderr


def test_a_spawned_worker_nobody_opens_ends_with_its_crawl(tmp_path):
    """A crawl that fails before its spider opens (bad sources file, unreachable site) must not
    leave its early-spawned worker behind."""
    import subprocess
    import sys
    import time

    import psutil

    code = ("from crawler.storeworker import prestart_worker, take_spawned_worker\n"
            "prestart_worker(None, 'WARNING', 2)\n"
            "print(take_spawned_worker().process.pid, flush=True)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 15
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_crawl_keeps_what_its_spider_opened_with_out_of_the_garbage_collectors_full_passes(tmp_path):
    """Scrapy, Twisted and the spider's components live as long as the crawl: frozen when the spider
    opens, a full collection no longer walks them (each such pass held the reactor ~45 ms); the
    young generation is collected ten times less often."""
    import subprocess
    import sys

    code = ("import gc, sys\n"
            "from crawler.runner import project_settings, run_crawl\n"
            "from sample_site.server import SampleSite\n"
            "with SampleSite() as site:\n"
            "    settings = project_settings(RADAR_DB=sys.argv[1], LOG_LEVEL='WARNING', CLOSESPIDER_PAGECOUNT=3)\n"
            "    stats = run_crawl('kommune21', settings, start_url=site.base_url + '/')\n"
            "print(gc.get_freeze_count(), stats.get('response_received_count'), gc.get_threshold()[0], flush=True)\n")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "radar.db")], capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    frozen, pages, young = (int(n) for n in result.stdout.split())
    assert pages >= 3
    assert frozen > 50_000  # the crawl's start-up objects, not a handful
    assert young == 7_000


def test_a_dead_worker_leaves_an_empty_outbox_its_exit_code_and_a_close_that_does_not_hang():
    """The pipeline's view of a worker that died at once: `get` says Empty (never a traceback, never
    a busy loop on the closed pipe), the exit code is kept, a batch still put and `close` return."""
    import queue
    import time

    import pytest

    from crawler.worker_transport import start_child

    process, inbox, outbox = start_child("crawler.no_such_worker", [], 2)
    process.join(timeout=30)
    assert not process.is_alive() and process.exitcode == 1
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(queue.Empty):
            outbox.get(timeout=1.0)
    assert time.monotonic() - started >= 0.1  # each answer waited a little: no spinning caller
    assert outbox.closed  # nothing more will come, and the reader can tell
    with pytest.raises(queue.Empty):
        outbox.get_nowait()
    inbox.put([{"kind": "page", "url": "http://s/1/"}], timeout=1.0)  # the feeder finds the pipe broken
    inbox.close()
    assert time.monotonic() - started < 5
