"""„Diese Suche abonnieren“: a weekly mail for a search, with double opt-in.

`/<db>/-/abonnieren?q=…&topic=…` shows the search's filters and asks for an address (GET); the
POST sends a confirmation mail whose signed link (digest/confirm.py) carries address and filters.
`/<db>/-/abonnieren/bestaetigen?d=…&t=…` shows a button (GET: mail scanners follow links, they
must not subscribe anyone); its POST stores the subscriber — the search's words as `search`, its
topic, actor, Land and source as filters — in the private subscriber file (RADAR_SUBSCRIBERS_DB),
never in the archive, through db/digest_store.py. Ort, Monat and von–bis have no place in a weekly
mail and are left out (the page says so).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from datetime import date
from urllib.parse import parse_qs, urlencode

from datasette.utils.asgi import NotFound, Response

from publish.archive import is_archive

FIELDS = {"q": "search", "topic": "topics", "actor": "actors", "state": "states", "source": "sources"}
NOT_IN_MAIL = {"place": "Ort", "month": "Monat", "since": "von", "until": "bis"}
PREVIEW_ADDRESS = "vorschau@example.org"
# The form must not become a way to flood someone's mailbox: one confirmation mail per address
# per RESEND_SECONDS, and at most MAILS_PER_MINUTE in all (per server process).
RESEND_SECONDS = 600
MAILS_PER_MINUTE = 20
_last_mail: dict[str, float] = {}
_recent_mails: deque[float] = deque()


def mail_allowed(email: str, now: float | None = None) -> str:
    """'send', 'again' (this address had its mail a moment ago) or 'busy' (too many mails now)."""
    now = time.monotonic() if now is None else now
    while _recent_mails and now - _recent_mails[0] > 60:
        _recent_mails.popleft()
    if now - _last_mail.get(email, -RESEND_SECONDS) < RESEND_SECONDS:
        return "again"
    if len(_recent_mails) >= MAILS_PER_MINUTE:
        return "busy"
    _last_mail[email] = now
    _recent_mails.append(now)
    return "send"


def filters_from_args(args) -> tuple[dict, list[str]]:
    """Subscriber filters from a search's query string, and the German names of those left out."""
    filters: dict = {}
    for arg, field in FIELDS.items():
        value = (args.get(arg) or "").strip()
        if value:
            filters[field] = value if field == "search" else [value]
    left_out = [title for arg, title in NOT_IN_MAIL.items() if (args.get(arg) or "").strip()]
    return filters, left_out


def _checked(email: str, filters: dict):
    """A validated Subscriber (digest/subscribers.py), or SubscriberError."""
    from digest.subscribers import validate
    from digest.vocabulary import Vocabulary

    return validate({"email": email, **filters}, Vocabulary())


def _describe(subscriber) -> str:
    from digest.vocabulary import Vocabulary

    return subscriber.describe(Vocabulary()) or "alle Meldungen"


def _config():
    from digest import config as digest_config

    try:
        config, _warnings = digest_config.load()
    except digest_config.ConfigError:
        return None
    from db.private import ENV

    return config if config.has_secret and os.environ.get(ENV) else None


def _send(config, message, email: str) -> None:
    from digest.send import Mailer

    with Mailer(config.smtp) as mailer:
        mailer.send(message, config.sender_addr, [email])


def _store(subscriber) -> bool:
    """Write the subscriber into the private file; True when the address was already there."""
    from db.digest_store import DigestStore
    from db.private import ENV

    store = DigestStore(os.environ[ENV])  # the private file (db/private.py), never the archive
    try:
        existed = store.subscriber_exists(subscriber.email)
        store.upsert_subscribers([subscriber.to_row()])
    finally:
        store.db.close()
    return existed


async def _form(request) -> dict[str, str]:
    body = (await request.post_body()).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


async def _page(datasette, request, database: str, status: int = 200, **context) -> Response:
    html = await datasette.render_template("radar_alert.html", {"database": database, **context}, request=request)
    return Response.html(html, status=status)


async def subscribe_page(request, datasette):
    from digest.confirm import confirmation_mail, sign
    from digest.send import SendFailed, SmtpUnavailable
    from digest.subscribers import SubscriberError

    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Kein Archiv: " + database)
    filters, left_out = filters_from_args(request.args)
    search_url = datasette.urls.path(f"/{database}/-/search") + "?" + request.query_string
    common = {"search_url": search_url, "left_out": left_out, "action": request.full_path}
    try:
        preview = _describe(_checked(PREVIEW_ADDRESS, filters))
    except SubscriberError:
        return await _page(datasette, request, database, 400, state="bad-search", **common)
    config = _config()
    if config is None:
        return await _page(datasette, request, database, 503, state="unavailable", description=preview, **common)
    if request.method != "POST":
        return await _page(datasette, request, database, state="form", description=preview, **common)
    email = (await _form(request)).get("email", "").strip()
    try:
        subscriber = _checked(email, filters)
    except SubscriberError:
        return await _page(datasette, request, database, 400, state="form", description=preview, email=email,
                           error="Bitte geben Sie eine gültige E-Mail-Adresse an.", **common)
    payload, token = sign(config.secret, subscriber.email, filters, date.today())
    confirm = datasette.absolute_url(request, datasette.urls.path(f"/{database}/-/abonnieren/bestaetigen")
                                     + "?" + urlencode({"d": payload, "t": token}))
    allowed = mail_allowed(subscriber.email)
    if allowed == "busy":
        return await _page(datasette, request, database, 429, state="mail-failed", description=preview, **common)
    if allowed == "again":  # the same answer as for a sent mail: nothing to learn about the address
        return await _page(datasette, request, database, state="sent", description=preview, email=subscriber.email,
                           **common)
    message = confirmation_mail(config, subscriber.email, preview, confirm)
    try:
        await asyncio.to_thread(_send, config, message, subscriber.email)
    except (SmtpUnavailable, SendFailed):
        return await _page(datasette, request, database, 503, state="mail-failed", description=preview, **common)
    return await _page(datasette, request, database, state="sent", description=preview, email=subscriber.email, **common)


async def confirm_page(request, datasette):
    from digest.confirm import ConfirmError, verify
    from digest.subscribers import SubscriberError

    database = request.url_vars["database"]
    if not is_archive(datasette, database):
        raise NotFound("Kein Archiv: " + database)
    config = _config()
    if config is None:
        return await _page(datasette, request, database, 503, state="unavailable")
    try:
        email, filters = verify(config.secret, request.args.get("d") or "", request.args.get("t") or "", date.today())
        subscriber = _checked(email, filters)
    except (ConfirmError, SubscriberError) as exc:
        message = str(exc) if isinstance(exc, ConfirmError) else "Dieser Bestätigungslink ist ungültig."
        return await _page(datasette, request, database, 400, state="invalid", error=message)
    context = {"email": subscriber.email, "description": _describe(subscriber), "action": request.full_path,
               "search_url": datasette.urls.path(f"/{database}/-/search")}
    if request.method != "POST":
        return await _page(datasette, request, database, state="confirm", **context)
    existed = await asyncio.to_thread(_store, subscriber)
    return await _page(datasette, request, database, state="done", replaced=existed, **context)
