"""Re-extract every archived article from its stored raw HTML, offline, after an extractor fix.

The same decoding, repair and extractors as the crawl (crawler/extract/), the same tagger, the same
upsert: an article whose extracted text changed becomes a new version (the old text stays in
`article_versions`), an unchanged one stays as it is. Relative dates (`vor 3 Tagen`) are read
against the time the page was fetched, not against today.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.extract.encoding import decode_html
from crawler.extract.pages import content_problem, extract_page, page_problem, repair_html
from db.store import ArchiveWriter, decompress

logger = logging.getLogger(__name__)


class ReparseError(RuntimeError):
    """Reparse cannot start (the message says why, in one line)."""


@dataclass
class SourceExtractor:
    extractor: str
    article: dict[str, str]


def source_extractors(writer: ArchiveWriter, sources_file: str | None = None, base: str | None = None) -> dict[str, SourceExtractor]:
    """Each source's extractor: from the sources file when given, else as stored at crawl time."""
    out: dict[str, SourceExtractor] = {}
    for row in writer.db.query("select id, extractor, config from sources"):
        config: dict[str, Any] = {}
        try:
            config = json.loads(row["config"]) if row["config"] else {}
        except ValueError:
            pass
        extractor = row["extractor"] or config.get("extractor") or ("kommune21" if row["id"] == "kommune21" else "generic")
        out[row["id"]] = SourceExtractor(extractor, dict(config.get("article") or {}))
    if sources_file:
        from crawler.sources import load_sources

        for source in load_sources(sources_file, base).sources.values():
            out[source.id] = SourceExtractor(source.extractor, dict(source.article))
    return out


def reparse_archive(
    db_path: str,
    source: str | None = None,
    tag: bool = True,
    sources_file: str | None = None,
    base: str | None = None,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Re-extract (and re-tag) the archive; returns counts: pages, updated, unchanged, failed, …"""
    writer = ArchiveWriter(db_path)
    extractors = source_extractors(writer, sources_file, base)
    tagger = None
    if tag:
        try:
            from nlp.tagger import get_tagger

            tagger = get_tagger()
        except Exception as exc:  # a broken taxonomy: say so in one line
            writer.db.close()
            raise ReparseError(f"the tagger cannot start ({exc.__class__.__name__}: {exc}); use --no-tag") from None
    counts: Counter[str] = Counter()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        if tagger is not None:
            docs = [(b["title"], b["teaser"], b["body"]) for b in batch]
            for item, tags in zip(batch, tagger.tag_many(docs), strict=True):
                item["tags"] = [asdict(t) for t in tags]
                item["taxonomy_version"] = tagger.version
        result = writer.write_records(batch)
        writer.sync_search()
        counts.update({k: v for k, v in result.outcomes.items() if k in ("new", "updated", "unchanged", "failed", "duplicates")})
        batch.clear()

    for row in _raw_pages(db_path, source):
        counts["pages"] += 1
        if progress:
            progress(1)
        item = _reextract(row, extractors)
        if isinstance(item, str):
            counts["failed"] += 1
            counts[f"failed/{item}"] += 1
            logger.warning("reparse: %s: %s", row["url"], item)
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    flush()
    writer.db.close()
    return counts


def _raw_pages(db_path: str, source: str | None) -> Iterator[dict[str, Any]]:
    sql = (
        "select a.id, a.url, a.source_id, a.published, a.date_missing, a.fetched_at as article_fetched, a.etag, "
        "a.last_modified, r.fetched_at, r.encoding, r.html_gz from raw_pages r join articles a on a.id = r.article_id"
    )
    params: list[Any] = []
    if source:
        sql += " where a.source_id = ?"
        params.append(source)
    sql += " order by a.id"
    # A connection of its own: the writer commits between batches while this one reads.
    from sqlite_utils import Database

    reader = Database(Path(db_path))
    try:
        yield from reader.query(sql, params)
    finally:
        reader.close()


def _reextract(row: dict[str, Any], extractors: dict[str, SourceExtractor]) -> dict[str, Any] | str:
    """The article record for one raw page, or the reason it could not be re-extracted."""
    spec = extractors.get(row["source_id"]) or SourceExtractor("generic", {})
    try:
        body = decompress(row["html_gz"])
    except Exception as exc:  # zlib.error: a damaged blob
        return f"raw page unreadable ({exc.__class__.__name__})"
    text, encoding = decode_html(body, row["encoding"])
    problem = page_problem(text)
    if problem:
        return problem[0]
    text, _ = repair_html(text)
    fetched = datetime.fromisoformat(row["fetched_at"]) if row["fetched_at"] else None
    try:
        fields = extract_page(spec.extractor, spec.article, text, row["url"], now=fetched)
    except Exception as exc:  # an extractor bug must not stop the other pages
        return f"parse_error ({exc.__class__.__name__}: {exc})"
    problem = content_problem(fields)
    if problem:
        return problem[0]
    published = fields.published
    if published is None and row["published"] and not row["date_missing"]:
        published = row["published"]  # a date the crawl took from the list page or feed
    return {
        "url": row["url"],  # identity stays; a changed canonical link does not move the article
        "source": row["source_id"],
        "title": fields.title,
        "kicker": fields.kicker,
        "teaser": fields.teaser,
        "body": fields.body,
        "published": published,
        "image_caption": fields.image_caption,
        "image_credit": fields.image_credit,
        "fetched_at": row["article_fetched"],
        "discovered_links": fields.related_links,
        "reparse": True,
    }
