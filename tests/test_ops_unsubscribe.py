"""Mail links that work: a digest sent through real aiosmtpd, then every link of that mail followed
over real HTTP against a real `radar serve` — archive pages, the unsubscribe link of the body and
the RFC 8058 one-click POST of the List-Unsubscribe header."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

from digest.testing import SAMPLE_WEEK, SmtpServer, build_sample_archive
from tests.conftest import run_radar
from tests.test_ops_pages import Served

READER = "anna@example.org"
SECRET = "unsub-secret"


def env(base_url: str, smtp: SmtpServer | None = None, private: Path | None = None) -> dict[str, str]:
    out = {"RADAR_SECRET": SECRET, "RADAR_BASE_URL": base_url, "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>",
           "RADAR_SMTP_RETRIES": "0", "RADAR_SMTP_BACKOFF": "0"}
    if smtp:
        out.update(smtp.env())
    if private:
        out["RADAR_SUBSCRIBERS_DB"] = str(private)
    return out


def post(url: str, data: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_link_of_a_sent_mail_works_and_unsubscribing_writes_only_the_private_file(tmp_path):
    archive = Path(build_sample_archive(str(tmp_path / "radar.db")))
    private = tmp_path / "subscribers.db"
    added = run_radar("subscribers", "add", READER, "--name", "Anna", "--db", str(archive),
                      env={"RADAR_SUBSCRIBERS_DB": str(private)})
    assert added.returncode == 0, added.stderr
    with SmtpServer() as smtp:
        server = Served(archive, "--subscribers-db", str(private), env=env("", private=private))
        try:
            sent = run_radar("digest", "--db", str(archive), "--week", SAMPLE_WEEK, "--send",
                             env=env(server.base, smtp, private))
            assert sent.returncode == 0, sent.stderr
            assert "Warning" not in sent.stderr  # the start-up check found the archive and its pages
            (mail,) = [m.message for m in smtp.handler.received]
            served_archive = sha(archive)

            html = mail.get_body(("html",)).get_content()
            text = mail.get_body(("plain",)).get_content()
            archive_links = sorted(set(re.findall(re.escape(server.base) + r"/radar/articles[^\s\"<>]*", text + html)))
            assert any(re.search(r"/radar/articles/\d+$", link) for link in archive_links)
            assert any("week=" in link for link in archive_links)
            for link in archive_links:
                status, page = server.get(link[len(server.base):].replace("&amp;", "&"))
                assert status == 200, link
            status, page = server.get("/radar/articles/1")
            assert "OZG: Hessen schaltet den Bauantrag online" in page

            settings = re.search(r'href="([^"]+/-/abo\?[^"]+)"', html).group(1).replace("&amp;", "&")
            assert f"Einstellungen: {settings}" in text
            status, page = server.get(settings[len(server.base):])
            assert status == 200 and READER in page and "alle Meldungen" in page and "jeden Montag" in page
            status, page = server.get(settings[len(server.base):].replace("token=", "token=f"))
            assert status == 400 and "ungültig oder abgelaufen" in page

            header = mail["List-Unsubscribe"]
            one_click = re.search(r"<(https?://[^>]+)>", header).group(1)
            assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            body_link = re.search(r'href="([^"]+/-/unsubscribe\?[^"]+)"', html).group(1).replace("&amp;", "&")
            assert body_link == one_click and one_click.startswith(server.base + "/-/unsubscribe?")

            status, page = server.get(body_link[len(server.base):])  # a click: asks, changes nothing
            assert status == 200 and "Ja, abbestellen" in page and READER in page
            assert not unsubscribed(private) and subscribed(private) == [READER]

            forged = one_click.replace("token=", "token=0")
            status, page = post(forged, b"List-Unsubscribe=One-Click")
            assert status == 400 and "ungültig oder abgelaufen" in page and "nichts geändert" in page
            status, page = post(one_click.replace(READER.replace("@", "%40"), "bob%40example.org"),
                                b"List-Unsubscribe=One-Click")
            assert status == 400
            assert not unsubscribed(private) and subscribed(private) == [READER]

            status, page = post(one_click, b"List-Unsubscribe=One-Click")  # RFC 8058, as a mail client does
            assert status == 200 and "Sie sind abgemeldet" in page
            assert unsubscribed(private) == [(READER, "one-click")] and subscribed(private) == []
            status, page = post(one_click, b"List-Unsubscribe=One-Click")  # again: the same answer
            assert status == 200 and "Sie sind abgemeldet" in page
            assert unsubscribed(private) == [(READER, "one-click")]
            assert sha(archive) == served_archive  # the archive stays read-only
            status, page = server.get(settings[len(server.base):])
            assert status == 200 and "nicht mehr abonniert" in page

            again = run_radar("digest", "--db", str(archive), "--week", "2025-W40", "--send",
                              env=env(server.base, smtp, private))
            assert again.returncode == 0, again.stderr
            assert len(smtp.handler.received) == 1  # no mail after the opt-out
        finally:
            server.stop()


def subscribed(private: Path) -> list[str]:
    with sqlite3.connect(private) as conn:
        return [row[0] for row in conn.execute("select email from subscribers")]


def unsubscribed(private: Path) -> list[tuple[str, str]]:
    if not private.exists():
        return []
    with sqlite3.connect(private) as conn:
        if not conn.execute("select 1 from sqlite_master where name = 'unsubscribes'").fetchone():
            return []
        return conn.execute("select email, via from unsubscribes").fetchall()


def test_links_to_an_archive_served_under_another_name_stop_the_send(tmp_path):
    served_file = Path(build_sample_archive(str(tmp_path / "demo.db")))
    archive = Path(build_sample_archive(str(tmp_path / "radar.db")))
    assert run_radar("subscribers", "add", READER, "--db", str(archive)).returncode == 0
    with SmtpServer() as smtp:
        server = Served(served_file, env=env(""))
        try:
            result = run_radar("digest", "--db", str(archive), "--week", SAMPLE_WEEK, "--send",
                               env=env(server.base, smtp))
            assert result.returncode == 2
            assert result.stderr.strip().splitlines() == [
                f"Error: {server.base} serves demo, not radar: the archive links would be dead "
                "(set RADAR_ARCHIVE_NAME, or serve the archive under that name); nothing sent"]
            assert smtp.handler.attempts == 0
            named = run_radar("digest", "--db", str(archive), "--week", SAMPLE_WEEK, "--send",
                              env={**env(server.base, smtp), "RADAR_ARCHIVE_NAME": "demo"})
            assert named.returncode == 0, named.stderr
            (mail,) = [m.message for m in smtp.handler.received]
            assert f"{server.base}/demo/articles/" in mail.get_body(("plain",)).get_content()
        finally:
            server.stop()


def test_a_person_unsubscribes_through_the_link_and_the_button(tmp_path):
    archive = Path(build_sample_archive(str(tmp_path / "radar.db")))
    private = tmp_path / "subscribers.db"
    assert run_radar("subscribers", "add", READER, "--db", str(archive)).returncode == 0
    with SmtpServer() as smtp:
        server = Served(archive, env=env("", private=private))
        try:
            sent = run_radar("digest", "--db", str(archive), "--week", SAMPLE_WEEK, "--send",
                             env=env(server.base, smtp))
            assert sent.returncode == 0, sent.stderr
            (mail,) = [m.message for m in smtp.handler.received]
            text = mail.get_body(("plain",)).get_content()
            link = re.search(r"^Abmelden: (\S+)", text, re.M).group(1)
            status, page = server.get(link[len(server.base):])
            assert status == 200 and subscribed(private) == [READER]
            action = re.search(r'<form method="post" action="([^"]+)"', page).group(1).replace("&amp;", "&")
            status, page = post(server.base + action, b"confirm=1")
            assert status == 200 and "Sie sind abgemeldet" in page
            assert subscribed(private) == [] and unsubscribed(private) == [(READER, "web")]
        finally:
            server.stop()
