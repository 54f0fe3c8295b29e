"""One digest as a MIME message: multipart/alternative (plain text, then HTML) with the headers
mail clients and list tools expect (Date, Message-ID, List-Unsubscribe, List-Unsubscribe-Post)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from digest.config import DigestConfig
from digest.render import Rendered
from digest.subscribers import Subscriber
from digest.tokens import message_id

try:
    from zoneinfo import ZoneInfo

    BERLIN: timezone | ZoneInfo = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - a system without tz data still sends, in UTC
    BERLIN = timezone.utc


def build_message(subscriber: Subscriber, week: str, rendered: Rendered, config: DigestConfig,
                  unsubscribe_web: str, unsubscribe_mailto: str, now: datetime | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    local, domain = subscriber.email.rsplit("@", 1)
    message["To"] = Address(display_name=subscriber.name, username=local, domain=domain)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime((now or datetime.now(timezone.utc)).astimezone(BERLIN))
    message["Message-ID"] = message_id(config.secret, subscriber.email, week, config.domain)
    message["List-Id"] = f"Policy Radar Wochenüberblick <digest.{config.domain}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_mailto}>, <{unsubscribe_web}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Radar-Week"] = week
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message
