"""The crawler's read questions to the archive ("which of these URLs do we already have?").

Asked by the crawl, which is a writer process, so a path opens through `connect_writer` (the
archive may not exist before the crawl's first batch); safe beside the store worker thanks to WAL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from db.connect import connect_writer


@dataclass
class Known:
    """What the archive knows about a URL: its canonical URL and HTTP validators."""

    url: str
    etag: str | None
    last_modified: str | None
    published: str | None
    fetched_at: str | None


class ArchiveReader:
    """What the archive knows about URLs and sources (reads only)."""

    def __init__(self, db: Database | str | Path):
        self.db = connect_writer(db) if isinstance(db, (str, Path)) else db

    def resolve(self, url: str) -> str | None:
        row = self.db.execute(
            "select url from articles where url = ? union all select url from url_aliases where alias = ? limit 1",
            [url, url],
        ).fetchone()
        return row[0] if row else None

    def known(self, urls: Iterable[str]) -> dict[str, Known]:
        """For each of `urls` the archive already holds (directly or as an alias): what it knows."""
        wanted = list(dict.fromkeys(u for u in urls if u))
        found: dict[str, Known] = {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.execute(
                f"select a.url, a.url, a.etag, a.last_modified, a.published, a.fetched_at from articles a where a.url in ({marks}) "
                f"union all select x.alias, a.url, a.etag, a.last_modified, a.published, a.fetched_at "
                f"from url_aliases x join articles a on a.url = x.url where x.alias in ({marks})",
                [*chunk, *chunk],
            ).fetchall()
            for asked, url, etag, last_modified, published, fetched_at in rows:
                found.setdefault(asked, Known(url, etag, last_modified, published, fetched_at))
        return found

    def known_urls(self, source_id: str | None = None) -> set[str]:
        """Every canonical article URL (of one source, or all)."""
        if source_id:
            rows = self.db.execute("select url from articles where source_id = ?", [source_id])
        else:
            rows = self.db.execute("select url from articles")
        return {row[0] for row in rows}

    def source_status(self, source_id: str) -> str | None:
        row = self.db.execute("select last_crawl_status from sources where id = ?", [source_id]).fetchone()
        return row[0] if row else None


def known_urls(db: Database | str | Path, source_id: str | None = None) -> set[str]:
    """Canonical URLs already archived: what "already stored" means to the crawler."""
    return ArchiveReader(db).known_urls(source_id)


def tag_keys(db: Database, article_id: int) -> set[tuple[str, str]]:
    """The (kind, value) pairs an article is tagged with."""
    return {(r[0], r[1]) for r in db.execute("select kind, value from tags where article_id = ?", [article_id])}
