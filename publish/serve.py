"""Prepare the archive for publishing and build the `datasette serve` command line for it.

Everything the archive needs comes with the `policy_radar` plugin (publish/plugin/): metadata for
any archive file name, templates, the ranked search page, tag facets and filters. The settings
below are chosen for an archive of up to a million articles (see docs/search.md and PERF.md).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

PUBLISH_DIR = Path(__file__).parent
METADATA = PUBLISH_DIR / "metadata.yaml"
TEMPLATES = PUBLISH_DIR / "plugin" / "templates"

# (name, value, why) — passed as --setting; each one deliberate.
SETTINGS: list[tuple[str, str, str]] = [
    ("sql_time_limit_ms", "3500", "canned queries and the count views over 1M articles take seconds; nothing runs away"),
    ("facet_time_limit_ms", "500", "tag facets count through the tags link table; a long list gets half a second"),
    ("suggest_facets", "off", "no guessing queries on every table page (PERF.md: the main cost of ?_search= at 1M)"),
    ("default_page_size", "50", "one screen of article cards"),
    ("max_returned_rows", "1000", "JSON/HTML pages; CSV streams everything"),
    ("truncate_cells_html", "300", "article bodies in the raw table view stay readable"),
    ("default_cache_ttl", "300", "an immutable snapshot may be cached by browsers and proxies"),
    ("allow_csv_stream", "on", "researchers download whole filtered lists as CSV"),
]


def datasette_command(
    db_path: str, host: str = "127.0.0.1", port: int = 8001, immutable: bool = True, prepare: bool = True
) -> list[str]:
    """The archive served read-only: immutable by default (`-i`), or `mode=ro` while a crawl writes.

    With `prepare` (the default, so every caller gets a current search index) the archive is first
    brought up to date by `prepare_archive`. No --metadata: the plugin supplies metadata.yaml under
    the served database's own name (a local file would pin the dashboards to a database `radar`)."""
    if prepare and Path(db_path).is_file():
        prepare_archive(str(db_path), immutable=immutable)
    cmd = [sys.executable, "-m", "datasette", "serve"]
    cmd += ["-i", str(db_path)] if immutable else [str(db_path)]
    cmd += ["--host", host, "--port", str(port), "--template-dir", str(TEMPLATES)]
    for name, value, _why in SETTINGS:
        cmd += ["--setting", name, value]
    return cmd


class ArchiveBusy(RuntimeError):
    """Another process is writing the archive, so an immutable snapshot would be inconsistent."""


def prepare_archive(db_path: str, immutable: bool = True) -> None:
    """Bring the archive's schema and search index up to date, then fold the WAL into the file
    (an immutable open ignores the -wal file). Raises ArchiveBusy if a writer holds it."""
    from db.schema import open_db

    try:
        db = open_db(db_path)
    except sqlite3.OperationalError as exc:  # a read-only file: serve it as it is
        if "readonly" in str(exc) or "read-only" in str(exc):
            return
        raise
    try:
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and immutable:
            raise ArchiveBusy(db_path)
    finally:
        db.conn.close()
