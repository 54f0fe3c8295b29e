"""„Diese Suche abonnieren“: form → confirmation mail over real SMTP (aiosmtpd) → signed link →
confirm (POST) → a subscriber with the search's filters in the private file, never in the archive."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from test_publish_datasette import build_archive, make_ds

from digest.confirm import ConfirmError, sign, verify
from digest.testing import SmtpServer

SECRET = "test-secret-for-confirmation-links"


def stored_subscriber(private, email: str | None = None) -> dict | None:
    """A subscriber row of the private file, read with plain sqlite3 (None: none there)."""
    import json
    import sqlite3

    if not private.exists():
        return None
    conn = sqlite3.connect(private)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("select * from subscribers" + (" where email = ?" if email else ""),
                           [email] if email else []).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return {k: (json.loads(row[k]) if k in ("topics", "actors", "states", "sources") and row[k] else row[k]) for k in row.keys()}


@pytest.fixture
def setup(tmp_path, monkeypatch):
    from publish import alerts

    alerts._last_mail.clear()  # the flood limits are per process: each test starts afresh
    alerts._recent_mails.clear()
    archive = build_archive(tmp_path / "radar.db")
    private = tmp_path / "subscribers.db"
    with SmtpServer() as smtp:
        for name, value in {**smtp.env(), "RADAR_SECRET": SECRET, "RADAR_SUBSCRIBERS_DB": str(private),
                            "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>"}.items():
            monkeypatch.setenv(name, value)
        yield make_ds(archive), smtp, private, archive


def call(ds, method: str, path: str, **kwargs):
    async def run():
        return await getattr(ds.client, method)(path, **kwargs)

    return asyncio.run(run())


def post_form(ds, path: str, data: dict):
    page = call(ds, "get", path)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return call(ds, "post", path, data={**data, "csrftoken": token}, cookies={"ds_csrftoken": page.cookies["ds_csrftoken"]})


def test_subscribe_confirm_and_the_subscriber_has_the_search(setup):
    ds, smtp, private, archive = setup
    path = "/radar/-/abonnieren?q=Glasfaser&topic=ozg&state=DE-HE&since=01.06.2025"
    form = call(ds, "get", path)
    assert form.status_code == 200
    assert "Themen: Onlinezugangsgesetz (OZG)" in form.text or "Thema: Onlinezugangsgesetz (OZG)" in form.text
    assert "Nicht Teil der wöchentlichen Mail: von" in form.text
    sent = post_form(ds, path, {"email": "Anna.Berg@Example.org"})
    assert sent.status_code == 200 and "Wir haben eine E-Mail an <strong>anna.berg@example.org</strong>" in sent.text
    assert stored_subscriber(private) is None  # nothing stored yet
    assert len(smtp.handler.received) == 1
    mail = smtp.handler.received[0].message
    assert mail["To"] == "anna.berg@example.org" and mail["Subject"] == "Policy Radar: Bitte bestätigen Sie Ihr Abonnement"
    link = re.search(r"https?://\S+/-/abonnieren/bestaetigen\?\S+", mail.get_content()).group(0)
    confirm_path = urlparse(link).path + "?" + urlparse(link).query
    asked = call(ds, "get", confirm_path)
    assert asked.status_code == 200 and 'value="Abonnement bestätigen"' in asked.text
    done = post_form(ds, confirm_path, {})
    assert done.status_code == 200 and "erhält ab jetzt jede Woche" in done.text
    row = stored_subscriber(private, "anna.berg@example.org")
    assert row["topics"] == ["ozg"] and row["states"] == ["DE-HE"] and row["search"] == "Glasfaser"
    import sqlite3

    private_tables = {r[0] for r in sqlite3.connect(private).execute("select name from sqlite_master where type = 'table'")}
    assert private_tables == {"subscribers", "digest_log"}  # personal data only, no copy of the archive
    archive_tables = {r[0] for r in sqlite3.connect(archive).execute("select name from sqlite_master")}
    assert "subscribers" not in archive_tables or not sqlite3.connect(archive).execute(
        "select count(*) from subscribers").fetchone()[0]


def test_bad_address_forged_or_expired_links_store_nothing(setup):
    ds, smtp, private, _archive = setup
    bad = post_form(ds, "/radar/-/abonnieren?topic=ozg", {"email": "keine-adresse"})
    assert bad.status_code == 400 and "gültige E-Mail-Adresse" in bad.text and not smtp.handler.received
    payload, token = sign(SECRET, "carl@example.org", {"topics": ["ozg"]}, date.today())
    forged = call(ds, "get", f"/radar/-/abonnieren/bestaetigen?d={payload}&t={'0' * 32}")
    assert forged.status_code == 400 and "ungültig" in forged.text
    old_payload, old_token = sign(SECRET, "carl@example.org", {"topics": ["ozg"]}, date.today() - timedelta(days=30))
    expired = call(ds, "get", f"/radar/-/abonnieren/bestaetigen?d={old_payload}&t={old_token}")
    assert expired.status_code == 400 and "abgelaufen" in expired.text
    assert stored_subscriber(private) is None
    unknown = call(ds, "get", "/radar/-/abonnieren?topic=kein-thema")
    assert unknown.status_code == 400


def test_tokens_sign_address_and_filters():
    payload, token = sign(SECRET, "a@example.org", {"topics": ["ozg"], "search": "Cloud"}, date(2025, 10, 1))
    assert verify(SECRET, payload, token, date(2025, 10, 5)) == ("a@example.org", {"topics": ["ozg"], "search": "Cloud"})
    with pytest.raises(ConfirmError):
        verify("another-secret", payload, token, date(2025, 10, 5))
    with pytest.raises(ConfirmError):
        verify(SECRET, payload[:-2] + "xx", token, date(2025, 10, 5))


def test_without_a_secret_or_private_file_the_page_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("RADAR_SECRET", raising=False)
    monkeypatch.delenv("RADAR_SUBSCRIBERS_DB", raising=False)
    ds = make_ds(build_archive(tmp_path / "radar.db"))
    page = call(ds, "get", "/radar/-/abonnieren?topic=ozg")
    assert page.status_code == 503 and "nicht eingerichtet" in page.text


def test_the_form_cannot_flood_a_mailbox(setup):
    ds, smtp, _private, _archive = setup
    for _ in range(3):
        page = post_form(ds, "/radar/-/abonnieren?topic=ozg", {"email": "dora@example.org"})
        assert page.status_code == 200 and "Wir haben eine E-Mail" in page.text
    assert [m.message["To"] for m in smtp.handler.received] == ["dora@example.org"]


def test_mail_allowed_limits_per_address_and_in_all():
    from publish import alerts

    alerts._last_mail.clear()
    alerts._recent_mails.clear()
    assert alerts.mail_allowed("x@example.org", now=1000.0) == "send"
    assert alerts.mail_allowed("x@example.org", now=1100.0) == "again"
    assert alerts.mail_allowed("x@example.org", now=1000.0 + alerts.RESEND_SECONDS + 1) == "send"
    answers = [alerts.mail_allowed(f"n{i}@example.org", now=5000.0) for i in range(alerts.MAILS_PER_MINUTE + 1)]
    assert answers.count("send") == alerts.MAILS_PER_MINUTE and answers[-1] == "busy"
    assert alerts.mail_allowed("late@example.org", now=5061.0) == "send"
