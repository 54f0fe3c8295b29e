"""The week's articles for one subscriber: SQL on the indexed `tags` table and the search index.

`WeekArticles` loads the week once (articles, their tags and source names); `select_ids` asks SQLite
which of them match a subscriber's filters, so 1,000 subscribers cost 1,000 small indexed queries
and no re-reading of article text. Articles marked `duplicate_of` another are left out.

The free-text search is the archive's German search (`db/search.py`, docs/search.md): the same
`normalise_query` as the published search page, over the normalised FTS5 table `articles_search`,
so `Glasfaser` finds `Glasfaser-Ausbau` and `Städte` finds `Stadt` in the mail as on the site.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from db.search import SEARCH_TABLE
from db.text.query import normalise_query
from digest.subscribers import Subscriber

TEASER_FALLBACK_CHARS = 300  # an article without a teaser shows the start of its body, cut here


@dataclass(frozen=True)
class ArticleTag:
    kind: str
    value: str
    label: str
    score: float
    derived: bool


@dataclass(frozen=True)
class Article:
    id: int
    url: str
    source_id: str
    source_name: str
    title: str
    teaser: str
    published: str | None
    tags: tuple[ArticleTag, ...]

    def tag_values(self, kind: str) -> list[str]:
        return [tag.value for tag in self.tags if tag.kind == kind]

    def topic_score(self, topic: str) -> float:
        return max((tag.score or 0.0 for tag in self.tags if tag.kind == "topic" and tag.value == topic),
                   default=0.0)


def select_ids(db: Database, week: str, subscriber: Subscriber) -> list[int]:
    """Ids of the week's articles matching every filter kind the subscriber set, newest first."""
    where = ["a.week = ?", "a.duplicate_of is null"]
    params: list[object] = [week]
    if subscriber.sources:
        where.append(f"a.source_id in ({', '.join('?' * len(subscriber.sources))})")
        params.extend(subscriber.sources)
    for kind, values in (("topic", subscriber.topics), ("actor", subscriber.actors),
                         ("state", subscriber.states)):
        if values:
            # EXISTS through the tags primary key (article_id, kind, value): a lookup per article
            # of the week, however many articles of all weeks carry the tag
            where.append(
                "exists (select 1 from tags t where t.article_id = a.id and t.kind = ? "
                f"and t.value in ({', '.join('?' * len(values))}))"
            )
            params.extend([kind, *values])
    if subscriber.search:
        match = normalise_query(subscriber.search)
        if not match:  # only common words: nothing can match (rejected when subscribing)
            return []
        # the rowid range of the week bounds what FTS5 reads of each matching term's doclist
        where.append(f"a.id in (select rowid from {SEARCH_TABLE} where {SEARCH_TABLE} match ? "
                     "and rowid between (select min(id) from articles where week = ?) "
                     "and (select max(id) from articles where week = ?))")
        params.extend([match, week, week])
    sql = f"select a.id from articles a where {' and '.join(where)} order by a.published desc, a.id desc"
    return [row[0] for row in db.execute(sql, params).fetchall()]


class WeekArticles:
    """Every article of one ISO week with its tags, loaded once and shared by all subscribers."""

    def __init__(self, db: Database, week: str):
        self.db = db
        self.week = week
        tags: dict[int, list[ArticleTag]] = {}
        for row in db.query(
            """select t.article_id, t.kind, t.value, t.label, t.score, t.derived
               from tags t join articles a on a.id = t.article_id
               where a.week = ? and a.duplicate_of is null
               order by t.article_id, t.score desc, t.value""",
            [week],
        ):
            tags.setdefault(row["article_id"], []).append(
                ArticleTag(row["kind"], row["value"], row["label"] or row["value"], row["score"] or 0.0,
                           bool(row["derived"]))
            )
        self.articles: dict[int, Article] = {}
        for row in db.query(
            """select a.id, a.url, a.source_id, coalesce(nullif(s.name, ''), a.source_id) as source_name,
                      a.title, a.teaser, substr(a.body, 1, ?) as body_start, a.published
               from articles a left join sources s on s.id = a.source_id
               where a.week = ? and a.duplicate_of is null""",
            [TEASER_FALLBACK_CHARS + 50, week],
        ):
            self.articles[row["id"]] = Article(
                id=row["id"],
                url=row["url"],
                source_id=row["source_id"],
                source_name=row["source_name"],
                title=(row["title"] or "").strip() or "(ohne Titel)",
                teaser=(row["teaser"] or "").strip() or _cut(row["body_start"] or ""),
                published=row["published"],
                tags=tuple(tags.get(row["id"], ())),
            )

    def __len__(self) -> int:
        return len(self.articles)

    def for_subscriber(self, subscriber: Subscriber) -> list[Article]:
        """The subscriber's articles, newest first, each text once.

        The archive marks near-duplicates with `duplicate_of`; as a last guard the same title,
        date and teaser under a second URL (a syndicated copy not yet linked) is shown once too."""
        if not self.articles:
            return []
        position: dict[tuple[str, str, str], int] = {}
        out: list[Article] = []
        for article_id in select_ids(self.db, self.week, subscriber):
            article = self.articles.get(article_id)
            if article is None:
                continue
            key = (article.title.casefold(), (article.published or "")[:10], article.teaser.casefold())
            if key not in position:
                position[key] = len(out)
                out.append(article)
            elif article.id < out[position[key]].id:  # the copy stored first stands for the text
                out[position[key]] = article
        return out


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= TEASER_FALLBACK_CHARS:
        return text
    return text[:TEASER_FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
