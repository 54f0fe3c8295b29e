"""HMAC-derived values: the unsubscribe token in every mail and the stable Message-ID.

The token is `HMAC-SHA256(RADAR_SECRET, "unsubscribe" NUL email)`, 32 hex digits: whoever handles
the unsubscribe link (web endpoint or mailbox) checks it with `verify_unsubscribe`, no table needed.
The Message-ID is the same for the same (subscriber, week), so in the rare case a mail is handed to
the server twice (a crash between the server's "250 OK" and our log commit), mail clients that
deduplicate by Message-ID show it once.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlencode


def _mac(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode("utf-8"), "\0".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def unsubscribe_token(secret: str, email: str) -> str:
    return _mac(secret, "unsubscribe", email)[:32]


def verify_unsubscribe(secret: str, email: str, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(secret, email), (token or "").strip().lower())


def settings_token(secret: str, email: str) -> str:
    """Signs the link to the page showing a subscriber's settings (another purpose, another MAC)."""
    return _mac(secret, "settings", email)[:32]


def verify_settings(secret: str, email: str, token: str) -> bool:
    return hmac.compare_digest(settings_token(secret, email), (token or "").strip().lower())


def settings_url(secret: str, email: str, base_url: str) -> str:
    return f"{base_url}/-/abo?{urlencode({'email': email, 'token': settings_token(secret, email)})}"


def message_id(secret: str, email: str, week: str, domain: str) -> str:
    return f"<radar-digest.{week}.{_mac(secret, 'message-id', email, week)[:24]}@{domain}>"


def unsubscribe_urls(secret: str, email: str, base_url: str, mailbox: str) -> tuple[str, str]:
    """(https link with the token, mailto: link whose subject carries address and token)."""
    token = unsubscribe_token(secret, email)
    web = f"{base_url}/-/unsubscribe?{urlencode({'email': email, 'token': token})}"
    mailto = f"mailto:{mailbox}?subject={quote(f'unsubscribe {email} {token}')}"
    return web, mailto


def subscribe_token(secret: str, payload: str) -> str:
    """Signs a confirmation link's payload (address and filters; digest/confirm.py)."""
    return _mac(secret, "subscribe", payload)[:32]
