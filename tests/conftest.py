"""Shared fixtures: the real sample site on 127.0.0.1 and a real crawl of it into a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_radar(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `radar` CLI in a subprocess (Twisted's reactor runs once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "radar", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def sample_site() -> Iterator:
    """The bundled sample site, served for real on a free loopback port."""
    from sample_site.server import SampleSite

    with SampleSite() as site:
        yield site


@pytest.fixture(scope="session")
def crawled_db(sample_site, tmp_path_factory) -> Path:
    """An archive filled by one real crawl of the sample site through Scrapy."""
    db_path = tmp_path_factory.mktemp("archive") / "radar.db"
    result = run_radar("crawl", "--start-url", f"{sample_site.base_url}/", "--db", str(db_path))
    assert result.returncode == 0, result.stderr[-3000:]
    return db_path


SAMPLE_SOURCES = ROOT / "crawler" / "sample_sources.toml"


@pytest.fixture(scope="session")
def all_sources_db(sample_site, tmp_path_factory) -> Path:
    """An archive filled by one crawl of all three sample sources (list pages, RSS feed, sitemap)."""
    db_path = tmp_path_factory.mktemp("archive_all") / "radar.db"
    result = run_radar(
        "crawl", "--sources", str(SAMPLE_SOURCES), "--base", sample_site.base_url, "--all", "--db", str(db_path)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return db_path
