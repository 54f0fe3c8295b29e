"""Sending for real: `radar digest --send` against an aiosmtpd server on 127.0.0.1.

Checks the right recipients, exactly-once across re-runs and after a crash (the process is killed
with SIGKILL half-way), SMTP down, retries with backoff, refusals, STARTTLS + AUTH, and that no
secret ever reaches the terminal or a mail.
"""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlite_utils import Database

from db.digest_store import DigestStore
from db.private import private_path
from digest.config import SmtpConfig
from digest.lock import send_lock
from digest.send import Mailer, SmtpUnavailable
from digest.subscribers import validate_all
from digest.testing import SAMPLE_DUPLICATE, RecordingHandler, SmtpServer, build_sample_archive
from digest.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
SECRET = "hmac-Secret-for-tests-42"
PASSWORD = "smtp-Pa55word-never-shown"
WEEK = "2025-W39"

SUBSCRIBERS = [
    {"email": "anna@example.org", "name": "Anna Berg", "topics": ["ozg", "ai"], "states": ["DE-HE"]},
    {"email": "bob@example.org", "search": "Glasfaser"},
    {"email": "carl@example.org", "actors": ["bitkom", "bsi"]},
    {"email": "dora@example.org", "actors": ["dstgb"]},  # nothing matches, no "nothing new" mail
    {"email": "emil@example.org", "actors": ["dstgb"], "send_empty": True},
    {"email": "frieda@example.org"},
    {"email": "gerd@example.org", "sources": ["egov"]},
]
MAILED = ["anna@example.org", "bob@example.org", "carl@example.org", "emil@example.org",
          "frieda@example.org", "gerd@example.org"]


@pytest.fixture()
def archive(tmp_path) -> str:
    path = build_sample_archive(str(tmp_path / "radar.db"))
    db = Database(path)
    duplicate, original = SAMPLE_DUPLICATE
    db["articles"].update(duplicate, {"duplicate_of": original})
    db.conn.commit()
    store = DigestStore(private_path(path))
    store.upsert_subscribers(s.to_row() for s in validate_all(SUBSCRIBERS, Vocabulary.from_db(db)))
    db.close()
    return path


def base_env(smtp: SmtpServer | None = None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RADAR_")}
    env.update({"RADAR_SECRET": SECRET, "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>",
                "RADAR_BASE_URL": "https://radar.example.org", "RADAR_SMTP_RETRIES": "2",
                "RADAR_SMTP_BACKOFF": "0.01", "RADAR_SMTP_TIMEOUT": "10"})
    if smtp is not None:
        env.update(smtp.env())
    env.update(extra)
    return env


def digest_args(archive: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "radar", "digest", "--db", archive, *args]


def run_digest(archive: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(digest_args(archive, *args), cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env)


def log(archive: str) -> dict[str, str]:
    return {row["email"]: row["status"] for row in DigestStore(private_path(archive)).log_for_week(WEEK)}


def sent(archive: str) -> list[str]:
    return sorted(email for email, status in log(archive).items() if status == "sent")


def test_send_reaches_the_right_recipients_once_and_reruns_send_nothing(archive):
    with SmtpServer() as smtp:
        first = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "2025-W39: 6 sent, 1 empty (no mail), 0 failed, 0 already sent"
        assert sorted(smtp.handler.recipients()) == MAILED
        assert {mail.mail_from for mail in smtp.handler.received} == {"radar@example.org"}
        assert log(archive) == {**dict.fromkeys(MAILED, "sent"), "dora@example.org": "empty"}

        by_rcpt = {mail.rcpt_tos[0]: mail.message for mail in smtp.handler.received}
        assert "Glasfaser-Ausbau im Saarland" in by_rcpt["bob@example.org"].get_body(("plain",)).get_content()
        gerd = by_rcpt["gerd@example.org"].get_body(("html",)).get_content()
        assert "BSI warnt Kommunen" in gerd and "Bauantrag" not in gerd
        emil = by_rcpt["emil@example.org"]
        assert emil["Subject"] == "Policy Radar KW 39/2025: keine neuen Meldungen"
        assert by_rcpt["anna@example.org"]["To"] == "Anna Berg <anna@example.org>"
        ids = {row["email"]: row["message_id"] for row in DigestStore(private_path(archive)).log_for_week(WEEK)}
        assert all(by_rcpt[email]["Message-ID"] == ids[email] for email in MAILED)

        second = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "2025-W39: 0 sent, 0 empty (no mail), 0 failed, 7 already sent"
        assert smtp.handler.count == 6


def test_dry_run_writes_eml_files_and_records_nothing(archive, tmp_path):
    out = tmp_path / "out"
    result = run_digest(archive, "--week", WEEK, "--out", str(out), env=base_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"2025-W39: 6 written, 1 empty (no mail), 0 failed, 0 already sent → {out}"
    names = sorted(path.name for path in out.iterdir())
    assert names == [f"2025-W39_{email}.eml" for email in MAILED]
    mail = message_from_bytes((out / "2025-W39_carl@example.org.eml").read_bytes(), policy=policy.default)
    assert mail["To"] == "carl@example.org" and mail.get_body(("html",)) and mail.get_body(("plain",))
    assert log(archive) == {}


def test_crash_half_way_then_the_next_run_sends_the_rest_and_nothing_twice(archive):
    process: dict[str, subprocess.Popen] = {}

    def kill_on_fourth(envelope, accepted: int) -> str | None:
        if accepted == 3:  # three mails accepted and logged; the fourth arrives: crash hard, mid-send
            os.kill(process["p"].pid, signal.SIGKILL)
            return "451 4.3.0 please retry"
        return None

    handler = RecordingHandler(on_data=kill_on_fourth)
    with SmtpServer(handler) as smtp:
        process["p"] = subprocess.Popen(digest_args(archive, "--week", WEEK, "--send"), cwd=ROOT,
                                        env=base_env(smtp), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process["p"].communicate(timeout=120)
        assert process["p"].returncode == -signal.SIGKILL
        assert smtp.handler.recipients() == MAILED[:3]
        assert sent(archive) == MAILED[:3]  # exactly what the server accepted

        handler.on_data = None
        rerun = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert rerun.returncode == 0, rerun.stderr
        assert rerun.stdout.strip() == "2025-W39: 3 sent, 0 empty (no mail), 0 failed, 4 already sent"
        assert sorted(smtp.handler.recipients()) == MAILED  # each once
        assert sent(archive) == MAILED


def test_smtp_down_is_a_one_line_error_and_nothing_is_recorded(archive):
    from digest.testing import free_port

    port = free_port()  # nothing listens here
    result = run_digest(archive, "--week", WEEK, "--send",
                        env=base_env(RADAR_SMTP_HOST="127.0.0.1", RADAR_SMTP_PORT=str(port)))
    assert result.returncode == 1
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == [f"Error: cannot reach SMTP server 127.0.0.1:{port} (Connection refused) after 3 attempts; "
                     "nothing sent"]
    assert result.stderr.count("Retrying:") == 2
    assert log(archive) == {}


def test_a_transient_failure_is_retried_with_backoff(archive):
    def defer_twice(envelope, accepted: int) -> str | None:
        return "451 4.3.0 greylisted, try again" if handler.attempts <= 2 else None

    handler = RecordingHandler(on_data=defer_twice)
    with SmtpServer(handler) as smtp:
        result = run_digest(archive, "--week", WEEK, "--send", "--subscriber", "bob@example.org",
                            env=base_env(smtp))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Retrying: server replied 451 4.3.0 greylisted, try again; retry 1/2 in 0.01s",
        "Retrying: server replied 451 4.3.0 greylisted, try again; retry 2/2 in 0.02s",
    ]
    assert handler.recipients() == ["bob@example.org"] and handler.attempts == 3
    assert sent(archive) == ["bob@example.org"]


def test_failed_sends_are_reported_never_marked_sent_and_go_out_next_run(archive):
    def accept_two(envelope, accepted: int) -> str | None:
        return "451 4.3.0 mailbox busy" if accepted >= 2 else None

    handler = RecordingHandler(on_data=accept_two)
    with SmtpServer(handler) as smtp:
        result = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert result.returncode == 1
        failed = [line for line in result.stderr.splitlines() if line.startswith("Failed:")]
        assert failed == [f"Failed: {email}: server replied 451 4.3.0 mailbox busy" for email in MAILED[2:]]
        assert result.stderr.count("Retrying:") == 2 * 4
        assert result.stdout.strip() == "2025-W39: 2 sent, 1 empty (no mail), 4 failed, 0 already sent"
        assert "Error: 4 mail(s) not accepted by the SMTP server" in result.stderr
        assert sent(archive) == MAILED[:2]

        handler.on_data = None
        rerun = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert rerun.returncode == 0, rerun.stderr
        assert sorted(handler.recipients()) == MAILED
        assert sent(archive) == MAILED


def test_a_refused_recipient_is_not_retried_and_does_not_stop_the_others(archive):
    def refuse_carl(envelope, accepted: int) -> str | None:
        return "550 5.1.1 carl@example.org: mailbox unknown" if "carl@example.org" in envelope.rcpt_tos else None

    handler = RecordingHandler(on_data=refuse_carl)
    with SmtpServer(handler) as smtp:
        result = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
    assert result.returncode == 1
    assert "Failed: carl@example.org: server replied 550 5.1.1 carl@example.org: mailbox unknown" in result.stderr
    assert "Retrying" not in result.stderr
    assert sorted(handler.recipients()) == [email for email in MAILED if email != "carl@example.org"]
    assert "carl@example.org" not in log(archive)


def test_server_gone_mid_run_stops_the_run_and_the_next_run_finishes(archive):
    def vanish_after_two(envelope, accepted: int) -> str | None:
        if accepted == 2:
            threading.Thread(target=first.stop).start()
            return "421 4.3.2 shutting down"
        return None

    first = SmtpServer(RecordingHandler(on_data=vanish_after_two)).start()
    try:
        result = run_digest(archive, "--week", WEEK, "--send", env=base_env(first))
    finally:
        first.stop()
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Error: cannot reach SMTP server 127.0.0.1:{first.port}")
    assert error.endswith("stopped: 2025-W39: 2 sent, 0 empty (no mail), 0 failed, 0 already sent, "
                          "5 left for the next run")
    assert first.handler.recipients() == MAILED[:2] and sent(archive) == MAILED[:2]

    with SmtpServer() as second:
        rerun = run_digest(archive, "--week", WEEK, "--send", env=base_env(second))
        assert rerun.returncode == 0, rerun.stderr
        assert second.handler.recipients() == MAILED[2:]
    assert sent(archive) == MAILED


@pytest.fixture()
def tls_files(tmp_path) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    return cert, key


def tls_server(cert: Path, key: Path) -> SmtpServer:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server, session, envelope, mechanism, auth_data):
        good = isinstance(auth_data, LoginPassword) and auth_data.login == b"radar" \
            and auth_data.password == PASSWORD.encode()
        return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd replies 535

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return SmtpServer(tls_context=context, require_starttls=True, auth_required=True,
                      authenticator=authenticator)


def test_starttls_and_auth_with_secrets_never_shown(archive, tls_files):
    cert, key = tls_files
    with tls_server(cert, key) as smtp:
        env = base_env(smtp, RADAR_SMTP_STARTTLS="true", RADAR_SMTP_CAFILE=str(cert), RADAR_SMTP_USER="radar",
                       RADAR_SMTP_PASSWORD=PASSWORD)
        result = run_digest(archive, "--week", WEEK, "--send", env=env)
        assert result.returncode == 0, result.stderr
        assert sorted(smtp.handler.recipients()) == MAILED
        for mail in smtp.handler.received:
            assert PASSWORD.encode() not in mail.data and SECRET.encode() not in mail.data

        wrong = run_digest(archive, "--week", "2025-W38", "--send",
                           env={**env, "RADAR_SMTP_PASSWORD": "wrong-" + PASSWORD})
        assert wrong.returncode == 1
        assert wrong.stderr.strip().splitlines()[-1].startswith(
            f"Error: 127.0.0.1:{smtp.port} rejected the SMTP login for user 'radar': 535")
        assert DigestStore(private_path(archive)).log_for_week("2025-W38") == []

        untrusted = run_digest(archive, "--week", "2025-W38", "--send", env={**env, "RADAR_SMTP_CAFILE": ""})
        assert untrusted.returncode == 1
        assert "TLS with 127.0.0.1:" in untrusted.stderr and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr

        no_tls = run_digest(archive, "--week", "2025-W38", "--send", env={**env, "RADAR_SMTP_STARTTLS": "false"})
        assert no_tls.returncode == 1
        assert no_tls.stderr.strip() == (f"Error: 127.0.0.1:{smtp.port} offers no SMTP AUTH before STARTTLS "
                                         "(set RADAR_SMTP_STARTTLS=true); nothing sent")
        assert DigestStore(private_path(archive)).log_for_week("2025-W38") == []
    for output in (result, wrong, untrusted, no_tls):
        for secret in (PASSWORD, SECRET):
            assert secret not in output.stdout and secret not in output.stderr


def test_the_password_is_never_sent_unencrypted_to_a_remote_host():
    config = SmtpConfig(host="mail.example.org", port=587, user="radar", password=PASSWORD)
    with pytest.raises(SmtpUnavailable, match="refusing to send the SMTP password") as caught:
        Mailer(config).__enter__()
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(config)


def test_weekday_decides_when_a_digest_is_due(archive):
    DigestStore(private_path(archive)).upsert_subscribers([
        {**row, "weekday": 3} if row["email"] == "bob@example.org" else row
        for row in DigestStore(private_path(archive)).list_subscribers()
    ])
    with SmtpServer() as smtp:
        tuesday = run_digest(archive, "--send", "--today", "2025-09-30", env=base_env(smtp))  # in week 40
        assert tuesday.returncode == 0, tuesday.stderr
        assert tuesday.stdout.strip() == "2025-W39: 5 sent, 1 empty (no mail), 0 failed, 0 already sent, 1 not due yet"
        assert "bob@example.org" not in smtp.handler.recipients()
        wednesday = run_digest(archive, "--send", "--today", "2025-10-01", env=base_env(smtp))
        assert wednesday.stdout.strip() == "2025-W39: 1 sent, 0 empty (no mail), 0 failed, 6 already sent"
        assert sorted(smtp.handler.recipients()) == MAILED


def test_one_send_run_at_a_time(archive):
    private = str(private_path(archive))
    with SmtpServer() as smtp, send_lock(private):
        result = run_digest(archive, "--week", WEEK, "--send", env=base_env(smtp))
        assert result.returncode == 1
        assert result.stderr.strip() == f"Error: another `radar digest --send` is running on {private}"
        assert smtp.handler.count == 0


def test_usage_errors(archive, tmp_path):
    both = run_digest(archive, "--week", WEEK, "--send", "--out", str(tmp_path), env=base_env())
    assert both.returncode == 2 and "choose one: --out DIR (dry run, writes .eml files) or --send" in both.stderr
    no_secret = run_digest(archive, "--week", WEEK, "--send", env={**base_env(), "RADAR_SECRET": ""})
    assert no_secret.returncode == 2 and "RADAR_SECRET is not set" in no_secret.stderr
    bad_week = run_digest(archive, "--week", "2025-39", "--out", str(tmp_path), env=base_env())
    assert bad_week.returncode == 2 and "'2025-39' is not a calendar week (2025-W39, KW 39, KW39/2025)" in bad_week.stderr
    no_db = run_digest(str(tmp_path / "missing.db"), "--week", WEEK, "--out", str(tmp_path), env=base_env())
    assert no_db.returncode == 2 and "missing.db: no such file" in no_db.stderr
    assert not (tmp_path / "missing.db").exists()
    stranger = run_digest(archive, "--week", WEEK, "--out", str(tmp_path), "--subscriber", "x@example.org",
                          env=base_env())
    assert stranger.returncode == 2 and "not subscribed: x@example.org" in stranger.stderr
