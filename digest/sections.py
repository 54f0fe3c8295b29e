"""One section per topic, each article in exactly one section (STYLE.md: no duplicates).

A subscriber who chose topics gets one section per chosen topic, in their order; an article tagged
with several of them goes to the one it scores highest on (ties: the subscriber's order). Without
topic filters, each article goes to its own highest-scoring topic, sections ordered by size. Articles
without any topic end in "Weitere Meldungen".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from digest.select import Article
from digest.subscribers import Subscriber
from digest.vocabulary import Vocabulary

OTHER_TITLE = "Weitere Meldungen"


@dataclass
class Section:
    topic: str | None  # None for "Weitere Meldungen"
    title: str
    articles: list[Article] = field(default_factory=list)


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
    return ordered
