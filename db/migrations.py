"""Numbered schema migrations; the archive's version is `PRAGMA user_version`.

Run only by writers (`connect_writer`) and `radar migrate`; readers compare the version and stop
with "run radar migrate" (db/connect.py). Each step is idempotent (it checks before it creates or
drops), and the version is set after each step, so an interrupted migration resumes where it
stopped. To change the schema: append a step here, never edit a released one (docs/schema.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from db.actor_store import ensure_actor_schema
from db.crawl_schema import add_rule_miss_counters, ensure_crawler_schema
from db.health_schema import ensure_source_runs
from db.private import PRIVATE_TABLES, open_private
from db.schema import create_core_tables
from db.search import CONTENT_VIEW, SEARCH_TABLE
from db.search_index import add_part_columns, convert_old_layout, create_search_index, remake_empty
from db.sqlite import ArchiveError
from db.views import ensure_views


@dataclass
class Context:
    """What a step may need beyond the archive: where personal data goes, and a report."""

    private_path: Path | None
    report: list[str] = field(default_factory=list)


def _core(db: Database, ctx: Context) -> None:
    """1: the tables, indexes, German search index and views (archives from before versioning
    pass through here unchanged, missing parts added)."""
    create_core_tables(db)
    ensure_crawler_schema(db)
    create_search_index(db)
    ensure_views(db)


def _personal_data_out(db: Database, ctx: Context) -> None:
    """2: subscribers and digest_log leave the archive for the private file: copy, verify, drop."""
    present = [name for name in PRIVATE_TABLES if name in db.table_names()]
    if present and ctx.private_path is None:
        raise ArchiveError("the archive holds subscribers: run radar migrate --subscribers-db PATH")
    if present:
        counts = move_personal_data(db, ctx.private_path)  # type: ignore[arg-type]
        moved = ", ".join(f"{count} {name} rows" for name, count in counts.items())
        ctx.report.append(f"moved {moved} to {ctx.private_path}")
    if "_radar_meta" in db.table_names():  # the old version marker, replaced by PRAGMA user_version
        db["_radar_meta"].drop()


def _external_content_index(db: Database, ctx: Context) -> None:
    """3: the German index keeps no second copy of the normalised text (external content over
    `articles`), and the stock exact-word index `articles_fts` goes: nothing published or queried
    uses it (Datasette finds `articles_search` as the articles' index). Measured: docs/schema.md."""
    if convert_old_layout(db):
        ctx.report.append("the German search index now keeps no copy of the text (external content)")
    with db.conn:
        for trigger in ("articles_ai", "articles_ad", "articles_au"):
            db.conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        if "articles_fts" in db.table_names():
            db.conn.execute("DROP TABLE articles_fts")
            ctx.report.append("dropped the unused exact-word index articles_fts")


def _part_columns(db: Database, ctx: Context) -> None:
    """4: compound parts in columns of their own and the archive's lexicon (issue 14): the index
    is made anew by the next writer (db.search_index.add_part_columns)."""
    if add_part_columns(db):
        ctx.report.append("the German search index gets part columns and the archive's lexicon (rebuilt on the next write)")


def _discovered_actors(db: Database, ctx: Context) -> None:
    """5: `tags.discovered` and `actor_candidates` for organisations the register does not know
    (db/actor_store.py)."""
    ensure_actor_schema(db)


def _source_runs(db: Database, ctx: Context) -> None:
    """6: per-source run counters for source health (`radar run`, `radar health`, page Quellen)."""
    ensure_source_runs(db)


def _rule_miss_counters(db: Database, ctx: Context) -> None:
    """7: crawl_runs counts list pages whose list rule matched nothing (`rule_misses`) and the
    article links the crawl found instead (`fallback_links`), docs/crawling.md "No silent zero"."""
    if add_rule_miss_counters(db):
        ctx.report.append("crawl_runs counts rule_misses and fallback_links")


def _index_reads_through_view(db: Database, ctx: Context) -> None:
    """8: the index reads its text through a view with the part columns as NULL: over `articles`
    itself, which has no part columns, every read of a column failed (`select title from
    articles_search`, Datasette counting rows). Its tables keep no text; they are made anew and
    the next writer indexes the archive again."""
    row = db.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [SEARCH_TABLE]).fetchone()
    if row is None or CONTENT_VIEW in row[0]:
        return
    with db.conn:
        remake_empty(db.conn)
    ctx.report.append("the German search index reads its text through a view (rebuilt on the next write)")


STEPS: list[tuple[str, Callable[[Database, Context], None]]] = [
    ("core tables, German search index and views", _core),
    ("personal data moved to the private file", _personal_data_out),
    ("German search index without a copy of the text; articles_fts dropped", _external_content_index),
    ("German search index with compound parts apart and the archive's lexicon", _part_columns),
    ("discovered actors: tags.discovered, actor_candidates", _discovered_actors),
    ("source_runs: per-source run counters for source health", _source_runs),
    ("crawl_runs.rule_misses and fallback_links", _rule_miss_counters),
    ("the search index reads its text through articles_search_text", _index_reads_through_view),
]
SCHEMA_VERSION = len(STEPS)


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, private_path: str | Path | None = None) -> list[str]:
    """Bring the archive to SCHEMA_VERSION; returns one line per thing done (for `radar migrate`)."""
    ctx = Context(Path(private_path) if private_path else None)
    have = schema_version(db)
    if have > SCHEMA_VERSION:
        raise ArchiveError(f"the archive is at schema {have}, newer than this radar ({SCHEMA_VERSION}): update radar")
    for number in range(have + 1, SCHEMA_VERSION + 1):
        title, step = STEPS[number - 1]
        step(db, ctx)
        db.execute(f"PRAGMA user_version = {number}")
        ctx.report.append(f"schema {number}: {title}")
    return ctx.report


def move_personal_data(db: Database, private_path: Path) -> dict[str, int]:
    """Copy `subscribers` and `digest_log` into the private file, check every row arrived, then
    drop them from the archive. Returns rows moved per table."""
    target = open_private(private_path)
    target.close()
    counts: dict[str, int] = {}
    conn = db.conn
    conn.execute("ATTACH DATABASE ? AS private", [str(private_path)])
    try:
        with conn:
            for name in PRIVATE_TABLES:
                if name not in db.table_names():
                    continue
                have = {row[1] for row in conn.execute(f"PRAGMA main.table_info({name})")}
                want = [row[1] for row in conn.execute(f"PRAGMA private.table_info({name})") if row[1] in have]
                columns = ", ".join(f'"{c}"' for c in want)
                conn.execute(f"INSERT OR IGNORE INTO private.{name} ({columns}) SELECT {columns} FROM main.{name}")
                keys = [row[1] for row in conn.execute(f"PRAGMA private.table_info({name})") if row[5]]
                on = " AND ".join(f"p.{k} = m.{k}" for k in keys)
                total = conn.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
                arrived = conn.execute(
                    f"SELECT count(*) FROM main.{name} m WHERE EXISTS (SELECT 1 FROM private.{name} p WHERE {on})"
                ).fetchone()[0]
                if arrived != total:
                    raise ArchiveError(f"{name}: only {arrived} of {total} rows reached {private_path}; nothing dropped")
                counts[name] = total
            for name in counts:
                conn.execute(f"DROP TABLE main.{name}")
    finally:
        conn.execute("DETACH DATABASE private")
    return counts
