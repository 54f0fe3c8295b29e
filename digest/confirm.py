"""Double opt-in for an alert from a search: the signed confirmation link and its mail.

Nothing is stored before the address owner confirms: the link itself carries the address and the
search's filters (base64url JSON) with `HMAC-SHA256(RADAR_SECRET, "subscribe" NUL payload)` and the
day it was issued; it is valid for CONFIRM_DAYS days. Only the confirming POST writes a subscriber.
"""

from __future__ import annotations

import base64
import hmac
import json
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from digest.config import DigestConfig
from digest.tokens import subscribe_token

CONFIRM_DAYS = 7
FILTER_FIELDS = ("topics", "actors", "states", "sources", "search")


class ConfirmError(ValueError):
    """A confirmation link that is malformed, forged or expired (the message is German, for the page)."""


def sign(secret: str, email: str, filters: dict[str, Any], issued: date) -> tuple[str, str]:
    """(payload, token) for the confirmation link of `email` subscribing to `filters`."""
    data = {"e": email, "f": {k: filters[k] for k in FILTER_FIELDS if filters.get(k)}, "d": issued.isoformat()}
    payload = base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).decode("ascii")
    payload = payload.rstrip("=")
    return payload, subscribe_token(secret, payload)


def verify(secret: str, payload: str, token: str, today: date) -> tuple[str, dict[str, Any]]:
    """(email, filters) of a genuine, unexpired link; ConfirmError otherwise."""
    expected = subscribe_token(secret, payload or "")
    if not payload or not hmac.compare_digest(expected, (token or "").strip().lower()):
        raise ConfirmError("Dieser Bestätigungslink ist ungültig. Bitte fordern Sie auf der Suchseite einen neuen an.")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))
        issued = date.fromisoformat(data["d"])
        email, filters = str(data["e"]), dict(data["f"])
    except (ValueError, KeyError, TypeError):
        raise ConfirmError("Dieser Bestätigungslink ist beschädigt. Bitte fordern Sie einen neuen an.") from None
    if not issued <= today <= issued + timedelta(days=CONFIRM_DAYS):
        raise ConfirmError(f"Dieser Bestätigungslink ist abgelaufen (gültig {CONFIRM_DAYS} Tage). "
                           "Bitte fordern Sie auf der Suchseite einen neuen an.")
    return email, {k: filters[k] for k in FILTER_FIELDS if filters.get(k)}


def confirmation_mail(config: DigestConfig, email: str, description: str, url: str) -> EmailMessage:
    """The German mail asking the address owner to confirm (plain text; the link is the only action)."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = email
    message["Subject"] = "Policy Radar: Bitte bestätigen Sie Ihr Abonnement"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("radar-confirm", domain=config.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "Guten Tag,\n\n"
        "jemand – hoffentlich Sie – möchte diese Adresse für die wöchentliche Mail des Policy Radar zu\n"
        f"folgender Suche eintragen:\n\n  {description}\n\n"
        f"Bitte bestätigen Sie das Abonnement innerhalb von {CONFIRM_DAYS} Tagen über diesen Link:\n\n  {url}\n\n"
        "Wenn Sie nichts abonnieren wollten, ignorieren Sie diese Mail einfach: ohne Bestätigung wird\n"
        "nichts gespeichert und Sie erhalten keine weitere Nachricht.\n\n"
        "Policy Radar\n",
        charset="utf-8",
    )
    return message
