"""A digest run for one week: who is due, build each mail, then write `.eml` files or send.

Exactly once, in this order for every subscriber of `--send`:
1. skip if `digest_log` has (subscriber, week);
2. build the mail; hand it to the SMTP server (retried with backoff);
3. only after the server accepted it, write the `digest_log` row in its own transaction.
A crash between 2 and 3 is the one window in which a mail can go out twice (SMTP offers no
two-phase commit); the Message-ID is the same for the same (subscriber, week), so clients that
deduplicate show it once. A failed send writes nothing and is tried again by the next run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from sqlite_utils import Database

from db.digest_store import EMPTY, SENT, DigestStore
from digest.compose import build_message
from digest.config import DigestConfig
from digest.render import Renderer
from digest.sections import group_by_topic
from digest.select import WeekArticles
from digest.send import Mailer, SendFailed, SmtpUnavailable
from digest.subscribers import Subscriber
from digest.summary import summarise
from digest.tokens import settings_url, unsubscribe_urls
from digest.vocabulary import Vocabulary
from digest.weeks import due_date, previous_week


@dataclass
class Report:
    week: str
    mode: str = "send"  # send | out
    subscribers: int = 0  # all subscribers in the archive
    not_due: int = 0  # their weekday has not come yet (only without --week)
    already_done: int = 0  # digest_log has them for this week
    sent: int = 0
    written: int = 0
    empty: int = 0  # nothing matched and no "nothing new" mail wanted
    failed: list[tuple[str, str]] = field(default_factory=list)  # (email, reason)
    aborted: str | None = None  # why the run stopped early (SMTP unavailable)
    left: int = 0  # not attempted because the run stopped early

    @property
    def ok(self) -> bool:
        return not self.failed and self.aborted is None

    def line(self) -> str:
        """One line for the terminal, e.g. `2025-W39: 12 sent, 3 empty (no mail), 0 failed, ...`."""
        done = f"{self.written} written" if self.mode == "out" else f"{self.sent} sent"
        line = (f"{self.week}: {done}, {self.empty} empty (no mail), {len(self.failed)} failed, "
                f"{self.already_done} already sent")
        if self.not_due:
            line += f", {self.not_due} not due yet"
        if self.left:
            line += f", {self.left} left for the next run"
        return line


def select_due(subscribers: Iterable[Subscriber], week: str, today: date | None) -> tuple[list[Subscriber], int]:
    """Subscribers whose digest for `week` is due by `today` (None: everyone, as with `--week`)."""
    due, not_due = [], 0
    for subscriber in subscribers:
        if today is None or due_date(week, subscriber.weekday) <= today:
            due.append(subscriber)
        else:
            not_due += 1
    return due, not_due


class DigestBuilder:
    """Everything shared by the mails of one week, loaded once; `build` makes one subscriber's."""

    def __init__(self, db: Database, week: str, config: DigestConfig):
        self.db = db
        self.week = week
        self.config = config
        self.vocab = Vocabulary.from_db(db, weeks=(week, previous_week(week)))
        self.articles = WeekArticles(db, week)
        self.summary = summarise(db, week, self.vocab)
        self.renderer = Renderer(self.vocab, config.base_url, config.archive_name)

    def build(self, subscriber: Subscriber) -> tuple[EmailMessage | None, int]:
        """The mail and its number of articles; (None, 0) when empty and no mail is wanted."""
        articles = self.articles.for_subscriber(subscriber)
        if not articles and not subscriber.send_empty:
            return None, 0
        web, mailto = unsubscribe_urls(self.config.secret, subscriber.email, self.config.base_url,
                                       self.config.unsubscribe_addr)
        sections = group_by_topic(articles, subscriber, self.vocab)
        settings = settings_url(self.config.secret, subscriber.email, self.config.base_url)
        rendered = self.renderer.render(subscriber, self.week, sections, self.summary, web, mailto, settings)
        return build_message(subscriber, self.week, rendered, self.config, web, mailto), len(articles)


def eml_name(week: str, email: str) -> str:
    return f"{week}_{re.sub(r'[^A-Za-z0-9@._+-]', '_', email)}.eml"


def write_all(builder: DigestBuilder, subscribers: list[Subscriber], out_dir: Path, report: Report,
              progress: Callable[[], None] = lambda: None) -> Report:
    """Dry run: one `.eml` file per mail in `out_dir`; records nothing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for subscriber in subscribers:
        message, _ = builder.build(subscriber)
        if message is None:
            report.empty += 1
        else:
            (out_dir / eml_name(builder.week, subscriber.email)).write_bytes(message.as_bytes(policy=SMTP))
            report.written += 1
        progress()
    return report


def send_all(builder: DigestBuilder, subscribers: list[Subscriber], store: DigestStore, mailer: Mailer,
             report: Report, progress: Callable[[], None] = lambda: None,
             on_failure: Callable[[str, str], None] = lambda email, reason: None) -> Report:
    """Send each mail over the open `mailer`; log each (subscriber, week) right after acceptance."""
    week = builder.week
    for index, subscriber in enumerate(subscribers):
        if store.is_done(subscriber.email, week):  # cheap second look, right before sending
            report.already_done += 1
            progress()
            continue
        message, items = builder.build(subscriber)
        if message is None:
            store.mark_done(subscriber.email, week, EMPTY)
            report.empty += 1
            progress()
            continue
        try:
            mailer.send(message, builder.config.sender_addr, [subscriber.email])
        except SendFailed as exc:
            report.failed.append((subscriber.email, str(exc)))
            on_failure(subscriber.email, str(exc))
            progress()
            continue
        except SmtpUnavailable as exc:
            report.aborted = str(exc)
            report.left = len(subscribers) - index
            return report
        store.mark_done(subscriber.email, week, SENT, message_id=message["Message-ID"], items=items)
        report.sent += 1
        progress()
    return report
