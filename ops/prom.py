"""Source health as Prometheus text-format metrics, for node_exporter's textfile collector.

Built with the official `prometheus_client` and written with its `write_to_textfile`, which writes a
temporary file and renames it, as the collector requires (it must never read half a file).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from ops.health import STATUS_ORDER, SourceHealth, parse_time

COUNTERS = ("found", "new", "updated", "unchanged", "undated", "errors", "rule_misses", "fallback_links")


def registry_for(health: Iterable[SourceHealth]) -> CollectorRegistry:
    registry = CollectorRegistry()
    status = Gauge("radar_source_status", "1 for the source's current status (ok, stale, failing)",
                   ["source", "status"], registry=registry)
    healthy = Gauge("radar_source_ok", "1 when the source is ok, 0 when stale or failing", ["source"],
                    registry=registry)
    last_success = Gauge("radar_source_last_success_timestamp_seconds",
                         "Unix time of the source's last successful run (0: never)", ["source"], registry=registry)
    failed = Gauge("radar_source_consecutive_failed_runs", "Failed runs in a row", ["source"], registry=registry)
    empty = Gauge("radar_source_consecutive_empty_runs", "Successful runs in a row with nothing new or updated",
                  ["source"], registry=registry)
    seconds = Gauge("radar_source_last_run_seconds", "Seconds the source's latest crawl took", ["source"],
                    registry=registry)
    counters = {name: Gauge(f"radar_source_last_run_{name}", f"Articles {name} in the latest run"
                            if name not in ("errors", "rule_misses", "fallback_links") else f"{name} in the latest run",
                            ["source"], registry=registry) for name in COUNTERS}
    errors = Gauge("radar_source_last_run_errors_by_kind", "Errors of the latest run by kind", ["source", "kind"],
                   registry=registry)
    for h in health:
        for name in STATUS_ORDER:
            status.labels(h.source_id, name).set(1 if h.status == name else 0)
        healthy.labels(h.source_id).set(1 if h.status == "ok" else 0)
        last_success.labels(h.source_id).set(parse_time(h.last_success).timestamp() if h.last_success else 0)
        failed.labels(h.source_id).set(h.consecutive_failed)
        empty.labels(h.source_id).set(h.consecutive_empty)
        if h.last:
            seconds.labels(h.source_id).set(h.last.get("seconds") or 0)
            for name, gauge in counters.items():
                gauge.labels(h.source_id).set(h.last.get(name) or 0)
            for kind, count in (h.last.get("errors_by_kind") or {}).items():
                errors.labels(h.source_id, kind).set(count)
    return registry


def write_prom(health: Iterable[SourceHealth], path: str) -> None:
    write_to_textfile(path, registry_for(health))
