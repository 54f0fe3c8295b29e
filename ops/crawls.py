"""Crawl each source in a process of its own and turn its stats into one health row.

One process per source (Twisted's reactor runs once per process anyway) gives every source its own
counters, seconds and exit status: a source that fails costs its own row, never the others'.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.processes import Children


@dataclass
class SourceResult:
    """One source in one run: what the crawl found, and whether it worked."""

    source_id: str
    status: str = "ok"  # ok | failed
    reason: str = ""
    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    undated: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    rule_misses: int = 0
    fallback_links: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(self.errors_by_kind.values())

    def row(self, run: str, finished: str) -> dict[str, Any]:
        return {"run": run, "source_id": self.source_id, "status": self.status, "reason": self.reason,
                "found": self.found, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "undated": self.undated, "errors": self.errors, "errors_by_kind": self.errors_by_kind,
                "rule_misses": self.rule_misses, "fallback_links": self.fallback_links,
                "seconds": round(self.seconds, 2), "finished": finished}


def from_stats(source_id: str, returncode: int, stats: dict[str, Any], stderr: str, seconds: float) -> SourceResult:
    """A crawl's exit status and Scrapy stats → the source's row. A crawl that exits non-zero, or
    finds no article at all on its list pages or feed, failed (a silent zero is a failure)."""
    errors: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith("radar/errors/") and isinstance(value, int):
            errors[key[len("radar/errors/"):]] += value
    result = SourceResult(
        source_id=source_id,
        new=stats.get("radar/new", 0),
        updated=stats.get("radar/updated", 0),
        unchanged=stats.get("radar/unchanged", 0) + stats.get("radar/checked", 0),
        undated=stats.get("radar/undated", 0),
        errors_by_kind=dict(sorted(errors.items())),
        rule_misses=stats.get("radar/rule_misses", 0),
        fallback_links=stats.get("radar/fallback_links", 0),
        seconds=seconds,
    )
    result.found = result.new + result.updated + result.unchanged + stats.get("radar/skipped", 0)
    if returncode != 0:
        result.status = "failed"
        result.reason = _last_error(stderr) or f"crawl exited with status {returncode}"
    elif result.found == 0:
        result.status = "failed"
        kinds = ", ".join(f"{k} {v}" for k, v in result.errors_by_kind.items())
        result.reason = "no article found" + (f" ({kinds})" if kinds else "")
    return result


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("Error: "):
            return line[len("Error: "):]
    return lines[-1][:300] if lines else ""


def crawl_sources(children: Children, source_ids: list[str], db_path: str, sources_file: str | None,
                  base: str | None, jobs: int = 1) -> list[SourceResult]:
    """Crawl each source incrementally (`radar crawl --source ID`), at most `jobs` at a time."""
    results: dict[str, SourceResult] = {}
    with tempfile.TemporaryDirectory(prefix="radar-run-") as tmp:
        waiting = list(source_ids)
        running: dict[str, tuple[Any, float, Path, Any]] = {}
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                source_id = waiting.pop(0)
                stats_file = Path(tmp) / f"{source_id}.json"
                cmd = [sys.executable, "-m", "radar", "crawl", "--source", source_id, "--db", db_path,
                       "--stats", str(stats_file), "--log-level", "ERROR"]
                if sources_file:
                    cmd += ["--sources", sources_file]
                if base:
                    cmd += ["--base", base]
                err = open(Path(tmp) / f"{source_id}.err", "w+", encoding="utf-8")
                proc = children.start(cmd, stdout=err, stderr=err, text=True)
                running[source_id] = (proc, time.monotonic(), stats_file, err)
            time.sleep(0.1)
            for source_id, (proc, started, stats_file, err) in list(running.items()):
                if proc.poll() is None:
                    continue
                children.forget(proc)
                del running[source_id]
                err.seek(0)
                stderr = err.read()
                err.close()
                stats = json.loads(stats_file.read_text()) if stats_file.is_file() else {}
                results[source_id] = from_stats(source_id, proc.returncode, stats, stderr,
                                                time.monotonic() - started)
    return [results[s] for s in source_ids]
