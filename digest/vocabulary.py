"""The ids a subscriber may filter on (docs/architecture.md) and their German labels.

The ids are the contract shared by every stage; the archive may know more (a taxonomy grows), so
`Vocabulary.from_db` adds every topic and actor id already seen in the `tags` table. Labels shown in the German
e-mail come from the taxonomy first (nlp/vocabulary.py: the web, feeds and exports use the same), then
from the tagger's label stored with the tag, then the id itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from nlp.vocabulary import KIND_NAMES, labels

# The taxonomy's labels (nlp/vocabulary.py): the mail names tags exactly as the web and exports do.
TOPICS: Mapping[str, str] = labels("topic")
STATES: Mapping[str, str] = labels("state")
ACTORS: Mapping[str, str] = labels("actor")

# The German word for each tag kind, singular and plural, as the mail shows them.
KIND_LABELS = KIND_NAMES


@dataclass
class Vocabulary:
    """Known ids per kind (for validation) and display labels per (kind, id)."""

    topics: set[str] = field(default_factory=lambda: set(TOPICS))
    actors: set[str] = field(default_factory=lambda: set(ACTORS))
    states: set[str] = field(default_factory=lambda: set(STATES))
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_db(cls, db: Database | None, weeks: Sequence[str] = ()) -> Vocabulary:
        """The contract ids plus every topic and actor id the archive's tags use, with labels.

        Cheap on a large archive: the ids come from the `tags(kind, value)` index alone; labels
        are read for the given `weeks` (what a digest shows) and for ids not named here."""
        vocab = cls()
        if db is None or "tags" not in db.table_names():
            return vocab
        for kind, value in db.execute(
            "select distinct kind, value from tags where kind in ('topic', 'actor')"
        ).fetchall():
            (vocab.topics if kind == "topic" else vocab.actors).add(value)
        if weeks:
            marks = ", ".join("?" for _ in weeks)
            rows = db.execute(
                "select t.kind, t.value, t.label, count(*) as n from tags t join articles a on a.id = t.article_id "
                f"where a.week in ({marks}) and t.label is not null group by t.kind, t.value, t.label order by n",
                list(weeks),
            ).fetchall()
            for kind, value, label, _ in rows:  # the most frequent label last, so it wins
                vocab.labels[(kind, value)] = label
        unnamed = [("topic", v) for v in vocab.topics - set(TOPICS)] + [("actor", v) for v in vocab.actors - set(ACTORS)]
        for kind, value in unnamed:
            if (kind, value) not in vocab.labels:
                row = db.execute(
                    "select label from tags where kind = ? and value = ? and label is not null limit 1", [kind, value]
                ).fetchone()
                if row:
                    vocab.labels[(kind, value)] = row[0]
        return vocab

    def label(self, kind: str, value: str) -> str:
        if kind == "topic" and value in TOPICS:
            return TOPICS[value]
        if kind == "state" and value in STATES:
            return STATES[value]
        if kind == "actor" and value in ACTORS:
            return ACTORS[value]
        return self.labels.get((kind, value)) or value

    def known(self, kind: str) -> set[str]:
        return {"topics": self.topics, "actors": self.actors, "states": self.states}[kind]
