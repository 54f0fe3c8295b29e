"""SQL views that answer the common questions without writing SQL (documented in docs/schema.md).

Views hold no data: `ensure_views` (re)creates any view whose definition changed, so an existing
archive picks up new or corrected views on its next open.
"""

from __future__ import annotations

from sqlite_utils import Database


def _tag_array(kind: str) -> str:
    return (
        "(SELECT json_group_array(value) FROM (SELECT value FROM tags "
        f"WHERE tags.article_id = a.id AND tags.kind = '{kind}' ORDER BY score DESC, value))"
    )


# ISO 8601 offset for the feed: a date alone becomes midnight in Berlin (winter offset), a local
# time without offset gets the same offset, anything with an offset is kept.
_ATOM_UPDATED = """CASE
    WHEN a.published IS NULL THEN a.first_seen
    WHEN length(a.published) = 10 THEN a.published || 'T00:00:00+01:00'
    WHEN a.published LIKE '%Z' OR a.published GLOB '*[+-][0-9][0-9]:[0-9][0-9]' THEN a.published
    ELSE a.published || '+01:00' END"""

VIEWS: dict[str, str] = {
    # One row per article with its tags as JSON arrays of ids (facet with `_facet_array=topics`).
    "articles_with_tags": f"""
SELECT a.id, a.published, a.month, a.week, a.source_id, s.name AS source_name, a.title, a.kicker,
  a.teaser, a.url,
  {_tag_array('topic')} AS topics,
  {_tag_array('actor')} AS actors,
  {_tag_array('state')} AS states,
  {_tag_array('municipality')} AS municipalities,
  a.version, a.first_seen, a.updated_at, a.duplicate_of
FROM articles a LEFT JOIN sources s ON s.id = a.source_id""",
    # Articles per topic and ISO week (week_start: the Monday, for time axes).
    "topic_counts_weekly": """
SELECT a.week, min(date(a.published, '-6 days', 'weekday 1')) AS week_start, t.value AS topic,
  max(t.label) AS label, count(*) AS articles
FROM tags t JOIN articles a ON a.id = t.article_id
WHERE t.kind = 'topic' AND a.week IS NOT NULL
GROUP BY a.week, t.value
ORDER BY a.week DESC, articles DESC, topic""",
    # Articles per actor and month.
    "actor_counts_monthly": """
SELECT a.month, t.value AS actor, max(t.label) AS label, count(*) AS articles
FROM tags t JOIN articles a ON a.id = t.article_id
WHERE t.kind = 'actor' AND a.month IS NOT NULL
GROUP BY a.month, t.value
ORDER BY a.month DESC, articles DESC, actor""",
    # Länder × topics: articles tagged with both (derived Länder included).
    "state_topic_counts": """
SELECT s.value AS state, max(s.label) AS state_label, t.value AS topic, max(t.label) AS topic_label,
  count(*) AS articles
FROM tags s JOIN tags t ON t.article_id = s.article_id AND t.kind = 'topic'
WHERE s.kind = 'state'
GROUP BY s.value, t.value
ORDER BY s.value, articles DESC, t.value""",
    # Every actor, Land, municipality and topic with its number of articles: the browse lists.
    "tag_counts": """
SELECT t.kind, t.value, max(t.label) AS label, count(*) AS articles,
  max(a.published) AS latest
FROM tags t JOIN articles a ON a.id = t.article_id
GROUP BY t.kind, t.value
ORDER BY t.kind, articles DESC, t.value""",
    # The articles as Atom entries (datasette-atom): filter or search it, add `.atom`.
    "articles_feed": f"""
SELECT a.id, a.published, a.month, a.week, a.source_id, a.kicker, a.title, a.teaser,
  a.url AS atom_id, a.title AS atom_title, {_ATOM_UPDATED} AS atom_updated,
  a.url AS atom_link, coalesce(nullif(a.kicker, '') || ': ', '') || a.teaser AS atom_content,
  coalesce(s.name, a.source_id) AS atom_author_name
FROM articles a LEFT JOIN sources s ON s.id = a.source_id""",
}


def view_sql(name: str) -> str:
    return f"CREATE VIEW {name} AS{VIEWS[name]}"


def ensure_views(db: Database) -> None:
    """Create missing views and replace changed ones (views are definitions, not data)."""
    existing = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    for name in VIEWS:
        sql = view_sql(name)
        if existing.get(name) == sql:
            continue
        with db.conn:
            if name in existing:
                db.conn.execute(f"DROP VIEW {name}")
            db.conn.execute(sql)
