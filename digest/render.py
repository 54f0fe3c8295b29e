"""Subject, plain text and HTML of one digest, from Jinja2 templates in `digest/templates/`.

The HTML templates are autoescaped (scraped titles and teasers arrive as text, `<script>` included)
and carry their CSS inline, since many mail clients drop `<style>` blocks; the plain-text templates
are their twins. Links to sources pass `safe_url`: only http(s) URLs become links.

An article looks the same in every subscriber's mail, so its HTML and text block (`item.html`,
`item.txt`) is rendered once per run and reused; a mail is then mostly a join of ready blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

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


@dataclass(frozen=True)
class Block:
    """One article, rendered: `html` is escaped markup, `text` plain text."""

    html: Markup
    text: str


@dataclass
class Links:
    """Archive links: the public base URL and the name the archive is served under (`radar serve
    --db data/demo.db` serves `/demo/`), so a link in a mail opens the page it names."""

    base_url: str
    archive_name: str = "radar"

    def article(self, article_id: int) -> str:
        return f"{self.base_url}/{quote(self.archive_name)}/articles/{article_id}"

    def week(self, week: str) -> str:
        return f"{self.base_url}/{quote(self.archive_name)}/articles?{urlencode({'week': week})}"


class Renderer:
    """Compiles the templates once; `render` is then called once per subscriber."""

    def __init__(self, vocab: Vocabulary, base_url: str, archive_name: str = "radar"):
        self.vocab = vocab
        self.links = Links(base_url, archive_name or "radar")
        env = make_environment()
        self.html = env.get_template("digest.html")
        self.text = env.get_template("digest.txt")
        self.item_html = env.get_template("item.html")
        self.item_text = env.get_template("item.txt")
        self.blocks: dict[int, Block] = {}

    def subject(self, week: str, count: int) -> str:
        what = plural(count, "neue Meldung", "neue Meldungen") if count else "keine neuen Meldungen"
        return f"Policy Radar {week_label_de(week)}: {what}"

    def block(self, article: Article) -> Block:
        """The article's HTML and text block, rendered on first use."""
        block = self.blocks.get(article.id)
        if block is None:
            item = self._item(article)
            block = Block(Markup(self.item_html.render(item=item)), self.item_text.render(item=item))
            self.blocks[article.id] = block
        return block

    def _item(self, article: Article) -> dict[str, Any]:
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
            "archive_url": self.links.article(article.id),
            "source_url": safe_url(article.url),
        }

    def context(self, subscriber: Subscriber, week: str, sections: list[Section], summary: WeekSummary,
                unsubscribe_web: str, unsubscribe_mailto: str, settings_url: str = "") -> dict[str, Any]:
        count = sum(len(section.articles) for section in sections)
        return {
            "week": week,
            "week_label": week_label_de(week),
            "week_range": week_range_de(week),
            "last_week_label": week_label_de(summary.last_week),
            "week_short": week_label_de(week).split("/")[0],  # "KW 39", the table column
            "filtered": subscriber.has_filters,
            "marked": any(own for rows in summary.view(subscriber).values() for _, own in rows),
            "greeting": f"Guten Tag {subscriber.name}," if subscriber.name else "Guten Tag,",
            "filters": subscriber.describe(self.vocab),
            "weekday": WEEKDAY_NAMES_DE[subscriber.weekday],
            "count": count,
            "hidden": sum(section.hidden for section in sections),
            "sections": [
                {"title": s.title, "count": len(s.articles), "hidden": s.hidden,
                 "blocks": [self.block(a) for a in s.visible]}
                for s in sections
            ],
            "summary": summary,
            "tables": [
                {"title": KIND_LABELS[kind][1], "rows": rows}
                for kind, rows in summary.view(subscriber).items()
            ],
            "rising": summary.rising,
            "week_url": self.links.week(week),
            "unsubscribe_web": unsubscribe_web,
            "unsubscribe_mailto": unsubscribe_mailto,
            "settings_url": settings_url,
        }

    def render(self, subscriber: Subscriber, week: str, sections: list[Section], summary: WeekSummary,
               unsubscribe_web: str, unsubscribe_mailto: str, settings_url: str = "") -> Rendered:
        context = self.context(subscriber, week, sections, summary, unsubscribe_web, unsubscribe_mailto,
                               settings_url)
        return Rendered(
            subject=self.subject(week, context["count"]),
            text=self.text.render(context),
            html=self.html.render(context),
        )
