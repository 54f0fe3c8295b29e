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
