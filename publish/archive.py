"""Which served databases are Policy Radar archives, and the metadata they get.

`publish/metadata.yaml` describes the archive under the name `radar`. Datasette names a database
after its file (`demo.db` → `demo`), so the plugin hands that block to every archive it serves,
whatever the name, and points the dashboards' queries at the first archive.
"""

from __future__ import annotations

import sqlite3
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from db.sqlite import ArchiveError, open_ro

METADATA = Path(__file__).with_name("metadata.yaml")
CANONICAL = "radar"
# An archive has these (db/migrations.py creates them).
ARCHIVE_TABLES = {"articles", "tags", "sources", "articles_search"}
# Tables and views whose rows are articles (an `id` column): tag filters and the search apply.
ARTICLE_LISTS = ("articles", "articles_with_tags", "articles_feed")

_archives: dict[tuple[str, str], bool] = {}


def is_archive(datasette, name: str | None) -> bool:
    """True for a served database that has the archive's tables (checked once per file)."""
    if not name:
        return False
    database = datasette.databases.get(name)
    if database is None or database.is_memory or not database.path:
        return False
    key = (name, str(database.path))
    if key not in _archives:
        try:
            conn = open_ro(database.path)  # mode=ro, or immutable on a read-only folder: never writes
            try:
                names = {row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
            finally:
                conn.close()
        except (sqlite3.Error, ArchiveError):
            names = set()
        _archives[key] = ARCHIVE_TABLES <= names
    return _archives[key]


def archive_names(datasette) -> list[str]:
    return [name for name in datasette.databases if is_archive(datasette, name)]


@lru_cache(maxsize=1)
def _source() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def _copy(value: Any) -> Any:
    # Datasette merges metadata sources into the first one it gets: hand out copies.
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _point_at(config: Any, name: str) -> Any:
    if isinstance(config, dict):
        return {key: (name if key == "db" and item == CANONICAL else _point_at(item, name)) for key, item in config.items()}
    if isinstance(config, list):
        return [_point_at(item, name) for item in config]
    return config


_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def archive_metadata(datasette, key: str | None = None) -> dict[str, Any]:
    """metadata.yaml with its `radar` block under the name of every served archive.

    Built once per Datasette instance and set of archives: Datasette asks for metadata many times
    per request. (It merges local metadata into what a hook returns; for one instance that merge
    is the same every time.) Asked for one `key`, only what a lookup of that key can find: each
    view-table permission check deep-copies what the hook returns for "tables" (0.3 ms of every
    search with the whole file, dashboards and canned queries included)."""
    names = tuple(archive_names(datasette))
    cached = _built.get(datasette)
    if cached is None or cached[0] != names:
        cached = (names, _build(names), {})
        _built[datasette] = cached
    if key is None or key == "databases":
        return cached[1]
    if key not in cached[2]:
        cached[2][key] = _only(cached[1], key)
    return cached[2][key]


def _only(metadata: dict[str, Any], key: str) -> dict[str, Any]:
    """`key` where Datasette's `metadata(key, database, table)` looks for it (top level, each
    database, each table) and the `databases`/`tables` around it, nothing else."""
    only: dict[str, Any] = {key: metadata[key]} if key in metadata else {}
    databases = {}
    for name, block in (metadata.get("databases") or {}).items():
        kept = {key: block[key]} if key in block else {}
        if key != "tables":
            tables = {table: {key: config[key]} for table, config in (block.get("tables") or {}).items()
                      if isinstance(config, dict) and key in config}
            if tables:
                kept["tables"] = tables
        if kept:
            databases[name] = kept
    if databases:
        only["databases"] = databases
    return only


def _build(names: tuple[str, ...]) -> dict[str, Any]:
    source = _source()
    metadata = {key: _copy(value) for key, value in source.items() if key not in ("databases", "plugins") and not key.startswith("x-")}
    block = source["databases"][CANONICAL]
    metadata["databases"] = {name: _copy(block) for name in names}
    if names:
        metadata["plugins"] = _point_at(source.get("plugins") or {}, names[0])
    return metadata


def table_title(name: str) -> str:
    """The German title metadata.yaml gives a table or view (`articles` → `Meldungen`), else the name."""
    tables = _source()["databases"][CANONICAL].get("tables", {})
    return (tables.get(name) or {}).get("title") or name
