"""Source health: how runs become ok / stale / failing, and `radar health` (table, JSON, Prometheus)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from db.ops_store import record_source_runs
from db.store import ArchiveWriter
from ops.health import judge
from tests.conftest import run_radar

NOW = datetime(2025, 11, 24, 6, 0, tzinfo=timezone.utc)


def run(days_ago: float, status: str = "ok", new: int = 0, reason: str = "", source: str = "a",
        now: datetime = NOW, **extra) -> dict:
    when = (now - timedelta(days=days_ago)).isoformat(timespec="seconds")
    row = {"run": when, "source_id": source, "status": status, "reason": reason, "found": 10 if status == "ok" else 0,
           "new": new, "updated": 0, "unchanged": 10 - new if status == "ok" else 0, "undated": 0,
           "errors": 0, "errors_by_kind": {}, "rule_misses": 0, "fallback_links": 0, "seconds": 1.5,
           "finished": when}
    return {**row, **extra}


def test_the_latest_run_failed_means_failing_with_its_reason_and_the_streak():
    runs = [run(0, "failed", reason="cannot reach x:80"), run(1, "failed", reason="cannot reach x:80"), run(2, new=3)]
    health = judge("a", "A", runs, NOW, 14)
    assert (health.status, health.consecutive_failed) == ("failing", 2)
    assert health.reason() == "last 2 runs failed: cannot reach x:80"
    assert health.reason(german=True) == "letzte 2 Läufe fehlgeschlagen: cannot reach x:80"
    assert health.last_success == runs[2]["run"]


def test_nothing_new_for_longer_than_the_limit_is_stale_but_a_quiet_week_is_not():
    quiet = [run(d) for d in range(0, 6)] + [run(6, new=2)]
    assert judge("a", "A", quiet, NOW, 14).status == "ok"
    assert judge("a", "A", quiet, NOW, 14).consecutive_empty == 6
    long_quiet = [run(d) for d in range(0, 20)] + [run(20, new=2)]
    health = judge("a", "A", long_quiet, NOW, 14)
    assert health.status == "stale" and health.reason() == "nothing new for 14 days (20 empty runs)"


def test_no_successful_run_for_longer_than_the_limit_is_stale_and_never_run_is_stale():
    health = judge("a", "A", [run(15, new=5)], NOW, 14)
    assert health.status == "stale" and health.reason() == "no successful run for 14 days"
    assert judge("a", "A", [], NOW, 14).reason() == "no run recorded yet"


@pytest.fixture()
def archive(tmp_path):
    path = tmp_path / "radar.db"
    writer = ArchiveWriter(path)
    writer.ensure_source("a", name="Quelle A")
    writer.ensure_source("b", name="Quelle B")
    writer.db.close()
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    record_source_runs(path, [run(1, new=4, source="a", now=now), run(0, source="a", now=now),
                              run(0, "failed", reason="no article found (http_404 1)", source="b", now=now,
                                  errors=1, errors_by_kind={"http_404": 1})])
    return path


def test_radar_health_prints_the_table_and_exits_1_when_a_source_is_failing(archive):
    result = run_radar("health", "--db", str(archive))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["source", "status", "last", "success", "failed", "empty", "found", "new", "upd",
                                "errors", "misses", "secs", "reason"]
    assert lines[1].split()[:2] == ["b", "failing"] and lines[1].endswith("last run failed: no article found (http_404 1)")
    assert "1 (http_404 1)" in lines[1]
    assert lines[2].split()[:2] == ["a", "ok"]


def test_radar_health_json_and_prometheus_file(archive, tmp_path):
    prom = tmp_path / "radar.prom"
    result = run_radar("health", "--db", str(archive), "--json", "--prom", str(prom))
    assert result.returncode == 1
    data = {h["source_id"]: h for h in json.loads(result.stdout)}
    assert data["b"]["status"] == "failing" and data["a"]["consecutive_empty"] == 1 and data["a"]["name"] == "Quelle A"
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(prom.read_text()) for s in family.samples}
    assert samples[("radar_source_ok", (("source", "a"),))] == 1
    assert samples[("radar_source_status", (("source", "b"), ("status", "failing")))] == 1
    assert samples[("radar_source_last_run_errors_by_kind", (("kind", "http_404"), ("source", "b")))] == 1
    assert samples[("radar_source_consecutive_failed_runs", (("source", "b"),))] == 1
    assert samples[("radar_source_last_success_timestamp_seconds", (("source", "b"),))] == 0


def test_radar_health_all_ok_exits_0_and_bad_input_exits_2(archive, tmp_path):
    record_source_runs(archive, [run(0, source="b", new=1, now=datetime.now(timezone.utc))])  # b recovered
    assert run_radar("health", "--db", str(archive), "--stale-days", "3650").returncode == 0
    missing = run_radar("health", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        f"Error: no archive at {tmp_path / 'nope.db'}: run `radar run` first"]
    bad = run_radar("health", "--db", str(archive), env={"RADAR_STALE_DAYS": "-1"})
    assert bad.returncode == 2 and bad.stderr.strip() == "Error: RADAR_STALE_DAYS must be a positive number of days (at most 3650), got '-1'"
