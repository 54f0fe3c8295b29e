"""Test and benchmark helpers: a real SMTP server on 127.0.0.1 (aiosmtpd) and hand-made articles.

aiosmtpd is a test dependency, imported only when `SmtpServer` is used.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class RecordingHandler:
    """Accepts every mail and keeps it, unless `on_data(envelope, accepted_so_far)` returns a reply."""

    def __init__(self, on_data: Callable[[Any, int], str | None] | None = None, count_only: bool = False):
        self.received: list[Received] = []
        self.count = 0
        self.attempts = 0
        self.on_data = on_data
        self.count_only = count_only
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.on_data is not None:
                reply = self.on_data(envelope, self.count)
                if reply:
                    return reply
            self.count += 1
            if not self.count_only:
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for mail in self.received for rcpt in mail.rcpt_tos]


class SmtpServer:
    """`with SmtpServer() as smtp:` a real aiosmtpd server on a free loopback port."""

    def __init__(self, handler: RecordingHandler | None = None, **controller_options: Any):
        self.handler = handler or RecordingHandler()
        self.options = controller_options
        self.controller = None
        self.port = 0

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        for _ in range(20):  # another process may grab the port between probe and bind
            port = free_port()
            controller = Controller(self.handler, hostname="127.0.0.1", port=port, **self.options)
            try:
                controller.start()
            except (OSError, RuntimeError):
                continue
            self.controller, self.port = controller, port
            return self
        raise RuntimeError("no free port for the SMTP server")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        return {"RADAR_SMTP_HOST": "127.0.0.1", "RADAR_SMTP_PORT": str(self.port)}


def tag(kind: str, value: str, label: str | None = None, score: float = 0.8, derived: bool = False,
        field: str = "body") -> dict[str, Any]:
    """A tag dict as the tagger's `asdict(Tag)` produces it."""
    return {"kind": kind, "id": value, "label": label or value, "mentions": 1, "evidence": label or value,
            "offset": 0, "field": field, "score": score, "derived": derived}


def article(number: int, published: str, title: str | None = None, source: str = "kommune21",
            tags: list[dict[str, Any]] | None = None, teaser: str = "", body: str = "") -> dict[str, Any]:
    """An article item as the crawler hands it to `ArchiveWriter.upsert_articles`."""
    return {
        "url": f"https://www.{source}.example/artikel/{number}",
        "source": source,
        "title": title or f"Meldung {number}",
        "kicker": "",
        "teaser": teaser or f"Teaser der Meldung {number}.",
        "body": body or f"Text der Meldung {number}.",
        "published": published,
        "fetched_at": "2025-10-01T08:00:00+00:00",
        "tags": tags or [],
    }


# The hand-made archive the digest tests share: week 2025-W39 against 2025-W38, one article in W40.
SAMPLE_WEEK = "2025-W39"
SAMPLE_ARTICLES: list[dict[str, Any]] = [
    article(1, "2025-09-22", "OZG: Hessen schaltet den Bauantrag online",
            tags=[tag("topic", "ozg", "OZG", 0.9), tag("state", "DE-HE", "Hessen")]),
    article(2, "2025-09-23T10:15:00+02:00", "KI-Assistent im Bürgerbüro Wiesbaden",
            tags=[tag("topic", "ai", "KI", 0.9), tag("topic", "cloud", "Cloud", 0.5),
                  tag("municipality", "06414", "Wiesbaden"), tag("state", "DE-HE", "Hessen", derived=True)]),
    article(3, "2025-09-24", "Glasfaser-Ausbau im Saarland kommt voran", source="egov",
            teaser="Der Glasfaser-Ausbau erreicht 40 Gemeinden.",
            tags=[tag("topic", "broadband", "Breitband"), tag("state", "DE-SL", "Saarland")]),
    article(4, "2025-09-25", "Bitkom: <script>alert('x')</script> & Co. fordern Tempo", source="verband",
            teaser="Ein <b>fetter</b> Appell für OZG und KI.",
            tags=[tag("topic", "ozg", "OZG", 0.6), tag("topic", "ai", "KI", 0.8), tag("actor", "bitkom", "Bitkom")]),
    article(5, "2025-09-26", "BSI warnt Kommunen vor Ransomware", source="egov",
            tags=[tag("topic", "cybersecurity", "Cybersecurity"), tag("actor", "bsi", "BSI")]),
    article(6, "2025-09-26", "BSI warnt Kommunen vor Ransomware (Zweitveröffentlichung)", source="verband",
            tags=[tag("topic", "cybersecurity", "Cybersecurity"), tag("actor", "bsi", "BSI")]),
    article(7, "2025-09-27", "Landkreis in Bayern testet KI für Anträge",
            tags=[tag("topic", "ai", "KI", 0.9), tag("state", "DE-BY", "Bayern")]),
    article(8, "2025-09-28", "Neue Amtsleiterin im Rathaus"),
    article(9, "2025-09-17", "OZG-Bilanz der Vorwoche", tags=[tag("topic", "ozg", "OZG")]),
    article(10, "2025-09-18", "Cloud-Strategie des Bundes", tags=[tag("topic", "cloud", "Cloud")]),
    article(11, "2025-09-19", "Cloud in Hessen", tags=[tag("topic", "cloud", "Cloud"), tag("state", "DE-HE", "Hessen")]),
    article(12, "2025-09-29", "OZG in der Folgewoche", tags=[tag("topic", "ozg", "OZG"), tag("state", "DE-HE", "Hessen")]),
]
SAMPLE_DUPLICATE = (6, 5)  # tests mark article 6 as `duplicate_of` article 5 (the crawler's dedup job)


def build_sample_archive(path: str) -> str:
    """Write `SAMPLE_ARTICLES` into a new archive at `path` (ids 1..12 in list order)."""
    from db.store import ArchiveWriter

    writer = ArchiveWriter(path)
    writer.upsert_articles(SAMPLE_ARTICLES)
    writer.ensure_source("egov", name="eGovernment")
    writer.ensure_source("verband", name="Verbandsnachrichten")
    writer.ensure_source("kommune21", name="Kommune21")
    writer.db.close()
    return path
