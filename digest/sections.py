"""One section per topic, each article in exactly one section (STYLE.md: no duplicates).

A subscriber who chose topics gets one section per chosen topic, in their order; an article tagged
with several of them goes to the one it scores highest on (ties: the subscriber's order). Without
topic filters, each article goes to its own highest-scoring topic, sections ordered by size. Articles
without any topic end in "Weitere Meldungen".

A mail shows at most `MAX_PER_SECTION` articles per section and `MAX_ITEMS` in all (newest first);
the rest are counted and linked to the archive. Long mails go unread, and Gmail cuts HTML after
about 100 KB.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from digest.select import Article
from digest.subscribers import Subscriber
from digest.vocabulary import Vocabulary

OTHER_TITLE = "Weitere Meldungen"
MAX_PER_SECTION = 10  # articles shown per topic section
MAX_ITEMS = 40  # articles shown per mail; later sections then show only their count and a link


@dataclass
class Section:
    topic: str | None  # None for "Weitere Meldungen"
    title: str
    articles: list[Article] = field(default_factory=list)
    shown: int = 0  # how many of `articles` the mail lists; set by `limit`

    @property
    def visible(self) -> list[Article]:
        return self.articles[: self.shown]

    @property
    def hidden(self) -> int:
        return len(self.articles) - self.shown


def group_by_topic(articles: Iterable[Article], subscriber: Subscriber, vocab: Vocabulary) -> list[Section]:
    preferred = list(subscriber.topics)
    rank = {topic: i for i, topic in enumerate(preferred)}
    sections: dict[str | None, Section] = {}
    for article in articles:
        topics = article.tag_values("topic")
        if preferred:
            topics = [t for t in topics if t in rank]
            topic = min(topics, key=lambda t: (-article.topic_score(t), rank[t]), default=None)
        else:
            topic = min(topics, key=lambda t: (-article.topic_score(t), vocab.label("topic", t)), default=None)
        if topic not in sections:
            title = vocab.label("topic", topic) if topic else OTHER_TITLE
            sections[topic] = Section(topic, title)
        sections[topic].articles.append(article)
    if preferred:
        ordered = [sections[t] for t in preferred if t in sections]
    else:
        ordered = sorted((s for k, s in sections.items() if k is not None),
                         key=lambda s: (-len(s.articles), s.title.lower()))
    if None in sections:
        ordered.append(sections[None])
    return limit(ordered)


def limit(sections: list[Section], per_section: int = MAX_PER_SECTION, total: int = MAX_ITEMS) -> list[Section]:
    """Decide how many articles each section lists, in section order, within both caps."""
    budget = total
    for section in sections:
        section.shown = min(len(section.articles), per_section, budget)
        budget -= section.shown
    return sections
