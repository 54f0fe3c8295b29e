"""Pages `radar serve` adds for running the radar, over real HTTP against a real `radar serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from db.ops_store import record_source_runs
from db.store import ArchiveWriter
from digest.testing import free_port
from tests.conftest import ROOT


class Served:
    """`radar serve` in a process of its own on a free port; stopped by the fixture."""

    def __init__(self, db: Path, *args: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "radar", "serve", "--db", str(db), "--port",
                                      str(self.port), *args], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read()[-2000:])
            try:
                urllib.request.urlopen(self.base + "/-/versions.json", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("radar serve did not answer")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def serve(db: Path, *args: str) -> Iterator[Served]:
    served = Served(db, *args)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def health_archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("quellen") / "radar.db"
    writer = ArchiveWriter(path)
    writer.ensure_source("kommune21", name="Kommune21 <Beispiel>")
    writer.ensure_source("egov", name="eGov Beispielportal")
    writer.upsert_articles([{"url": "https://k21.example/a", "source": "kommune21", "title": "OZG",
                             "published": "2025-11-20", "body": "Text"}])
    writer.db.close()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    base = {"run": now, "finished": now, "updated": 0, "unchanged": 0, "undated": 0, "rule_misses": 0,
            "fallback_links": 0, "seconds": 2.25}
    record_source_runs(path, [
        {**base, "source_id": "kommune21", "status": "ok", "reason": "", "found": 12, "new": 3, "errors": 0,
         "errors_by_kind": {}},
        {**base, "source_id": "egov", "status": "failed", "reason": "no article found (http_404 1)", "found": 0,
         "new": 0, "errors": 1, "errors_by_kind": {"http_404": 1}},
    ])
    return path


@pytest.fixture(scope="module")
def server(health_archive):
    yield from serve(health_archive)


def test_the_quellen_page_shows_the_health_table_in_german(server):
    status, html = server.get("/radar/-/quellen")
    assert status == 200
    assert "<h1>Quellen</h1>" in html
    assert "Kommune21 &lt;Beispiel&gt;" in html  # escaped
    egov = html.split('class="radar-status-failing"', 1)[1].split("</tr>", 1)[0]
    assert "gestört" in egov and "letzter Lauf fehlgeschlagen: no article found (http_404 1)" in egov
    assert "http_404 1" in egov
    ok_row = html.split('class="radar-status-ok"', 1)[1].split("</tr>", 1)[0]
    assert "in Ordnung" in ok_row and "<td>12</td>" in ok_row and "<td>2.2</td>" in ok_row
    status, home = server.get("/")
    assert "/radar/-/quellen" in home  # reachable from the menu of every page


def test_the_quellen_json_matches_radar_health(server, health_archive):
    status, body = server.get("/radar/-/quellen.json")
    assert status == 200
    page = {h["source_id"]: h["status"] for h in json.loads(body)}
    cli = subprocess.run([sys.executable, "-m", "radar", "health", "--db", str(health_archive), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert page == {h["source_id"]: h["status"] for h in json.loads(cli.stdout)} == {"egov": "failing",
                                                                                     "kommune21": "ok"}
    assert server.get("/nope/-/quellen")[0] == 404
