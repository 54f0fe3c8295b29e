"""What may be published: an explicit allow-list of the archive's tables and views.

`radar serve` and the snapshot check in docs/deploy.md refuse a file holding anything else, so a
table someone adds by hand (a mailing list, a notes table) is never served by accident. A new
table of the archive joins the list in the same change as its migration step (docs/schema.md).
"""

from __future__ import annotations

from sqlite_utils import Database

from db.views import VIEWS

TABLES = frozenset({
    "sources", "articles", "article_versions", "raw_pages", "tags", "links", "crawl_runs", "quarantine",
    "url_aliases", "article_minhash", "article_bands", "taxonomy_versions", "articles_search_queue",
    "articles_search_state",
    # the words of the published articles, counted for splitting compounds (db/search_lexicon.py)
    "search_lexicon", "search_parts",
    # organisations the tagger discovered, with counts (no personal data; db/actor_store.py)
    "actor_candidates",
    "source_runs",  # per-source run counters: source health, the page Quellen (db/health_schema.py)
})
FTS_TABLES = frozenset({"articles_search", "articles_search_recent"})
FTS_CONTENT = frozenset({"articles_search_text"})  # the view the index reads its text through
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
SQLITE_INTERNAL = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})
ALLOWED = (
    TABLES | FTS_TABLES | FTS_CONTENT | SQLITE_INTERNAL | frozenset(VIEWS)
    | frozenset(f"{name}{suffix}" for name in FTS_TABLES for suffix in FTS_SHADOWS)
)


def not_publishable(db: Database) -> list[str]:
    """Tables and views in the file that are not on the allow-list (empty: fine to publish)."""
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")]
    return [name for name in names if name not in ALLOWED]
