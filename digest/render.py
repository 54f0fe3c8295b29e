"""Subject, plain text and HTML of one digest, from Jinja2 templates in `digest/templates/`.

The HTML template is autoescaped (scraped titles and teasers arrive as text, `<script>` included)
and carries its CSS inline, since many mail clients drop `<style>` blocks. The plain-text template
is its twin. Links to sources pass `safe_url`: only http(s) URLs become links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from digest.sections import Section
from digest.select import Article
from digest.subscribers import WEEKDAY_NAMES_DE, Subscriber
from digest.summary import WeekSummary
from digest.vocabulary import KIND_LABELS, Vocabulary
from digest.weeks import format_date_de, week_label_de, week_range_de

TEMPLATES = Path(__file__).parent / "templates"
TAG_KINDS = ("topic", "actor", "state", "municipality")


def safe_url(value: str | None) -> str | None:
    if not value:
        return None
    parsed = urlparse(str(value).strip())
    return str(value).strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["de_date"] = format_date_de
    env.filters["safe_url"] = safe_url
    env.globals["plural"] = plural
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass
class Links:
    base_url: str
    unsubscribe_web: str
    unsubscribe_mailto: str

    def article(self, article_id: int) -> str:
        return f"{self.base_url}/radar/articles/{article_id}"

    def week(self, week: str) -> str:
        return f"{self.base_url}/radar/articles?week={week}"


class Renderer:
    """Compiles the templates once; `render` is then called once per subscriber."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        env = make_environment()
        self.html = env.get_template("digest.html")
        self.text = env.get_template("digest.txt")

    def subject(self, week: str, count: int) -> str:
        what = plural(count, "neue Meldung", "neue Meldungen") if count else "keine neuen Meldungen"
        return f"Policy Radar {week_label_de(week)}: {what}"

    def context(self, subscriber: Subscriber, week: str, sections: list[Section], summary: WeekSummary,
                links: Links) -> dict[str, Any]:
        count = sum(len(section.articles) for section in sections)
        return {
            "week": week,
            "week_label": week_label_de(week),
            "week_range": week_range_de(week),
            "last_week_label": week_label_de(summary.last_week),
            "greeting": f"Guten Tag {subscriber.name}," if subscriber.name else "Guten Tag,",
            "filters": subscriber.describe(self.vocab),
            "weekday": WEEKDAY_NAMES_DE[subscriber.weekday],
            "count": count,
            "sections": [
                {"title": s.title, "items": [self._item(a, links) for a in s.articles]} for s in sections
            ],
            "summary": summary,
            "tables": [
                {"title": KIND_LABELS[kind][1], "rows": rows}
                for kind, rows in summary.view(subscriber).items()
            ],
            "rising": summary.rising,
            "week_url": links.week(week),
            "base_url": links.base_url,
            "unsubscribe_web": links.unsubscribe_web,
            "unsubscribe_mailto": links.unsubscribe_mailto,
        }

    def _item(self, article: Article, links: Links) -> dict[str, Any]:
        tags = []
        for kind in TAG_KINDS:
            labels = list(dict.fromkeys(t.label if kind == "municipality" else self.vocab.label(kind, t.value)
                                        for t in article.tags if t.kind == kind))
            if labels:
                tags.append({"kind": KIND_LABELS[kind][0 if len(labels) == 1 else 1], "labels": labels})
        return {
            "title": article.title,
            "date": format_date_de(article.published),
            "source": article.source_name,
            "teaser": article.teaser,
            "tags": tags,
            "archive_url": links.article(article.id),
            "source_url": safe_url(article.url),
        }

    def render(self, subscriber: Subscriber, week: str, sections: list[Section], summary: WeekSummary,
               links: Links) -> Rendered:
        context = self.context(subscriber, week, sections, summary, links)
        return Rendered(
            subject=self.subject(week, context["count"]),
            text=self.text.render(context),
            html=self.html.render(context),
        )
