"""Check the archive for publishing and build the `datasette serve` command line for it.

Everything the archive needs comes with the `policy_radar` plugin (publish/plugin/): metadata for
any archive file name, templates, the ranked search page, tag facets and filters. The settings
below are chosen for an archive of up to a million articles (see docs/search.md and PERF.md).
Serving never writes the archive: the schema must be current (`radar migrate` otherwise) and the
search index is as the last writer left it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from db.connect import connect_reader
from db.published import not_publishable
from db.sqlite import ArchiveError, holders, is_immutable_open

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
    """The archive served read-only: immutable (`-i`, a snapshot no one writes), or `mode=ro`
    connections (live: a crawl may write meanwhile). With `prepare`, `check_archive` runs first.
    No --metadata: the plugin supplies metadata.yaml under the served database's own name."""
    if prepare:
        check_archive(str(db_path))
    cmd = [sys.executable, "-m", "datasette", "serve"]
    cmd += ["-i", str(db_path)] if immutable else [str(db_path)]
    cmd += ["--host", host, "--port", str(port), "--template-dir", str(TEMPLATES)]
    for name, value, _why in SETTINGS:
        cmd += ["--setting", name, value]
    return cmd


def check_archive(db_path: str) -> None:
    """Raise ArchiveError (one line) unless the file is an archive at the current schema holding
    only tables and views on the allow-list (db/published.py)."""
    db = connect_reader(db_path)
    try:
        extra = not_publishable(db)
    finally:
        db.close()
    if extra:
        raise ArchiveError(f"{db_path}: table {extra[0]} is not on the list of published tables; "
                           "not served (move it out, or radar migrate)")


def serve_mode(db_path: str, immutable: bool) -> bool:
    """Whether to open the file immutable. Live (`mode=ro`) is the default: a crawl may write while
    it is served. Immutable is chosen where `mode=ro` cannot work (read-only folder, no -wal: no
    writer can be at work) and refused, in one line, while a writer holds the file."""
    if is_immutable_open(db_path):
        return True
    if immutable:
        busy = holders(db_path)
        wal = Path(f"{db_path}-wal")
        if busy or (wal.exists() and wal.stat().st_size > 0):
            who = f" ({'; '.join(busy)})" if busy else ""
            raise ArchiveError(f"{db_path} is being written{who}: an immutable open would serve a torn file; "
                               "serve without --immutable")
    return immutable
