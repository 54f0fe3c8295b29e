"""Alert mails to RADAR_ADMIN_EMAIL: one per incident when it starts, one when it ends.

An incident is a condition with a key: `source:<id>` (stale or failing), `digest` (a send failed
after its retries), `disk` (less free space under the archive than the margin). `radar run` reports
the conditions it sees; this module opens and closes incidents in the private file and mails what
has not been mailed yet. The state is written only after the server accepted the mail, so a run
with the SMTP server down sends nothing and a later run sends exactly what is due — an incident that
opened and closed while mail was down becomes one mail saying both.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from db.ops_store import (
    close_incident,
    mark_sent,
    open_incident,
    open_incidents,
    open_private,
    unsent_incidents,
)

ADMIN_ENV = "RADAR_ADMIN_EMAIL"
DISK_MARGIN_ENV = "RADAR_DISK_MARGIN_MB"
DEFAULT_DISK_MARGIN_MB = 1024


class AlertConfigError(ValueError):
    """A bad alert setting; the message is one line."""


def admin_address(value: str | None) -> str | None:
    """The admin's address, None when unset; AlertConfigError when it is not one address."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        address = None
    if address is None or not address.username or "." not in address.domain or " " in value:
        raise AlertConfigError(f"{ADMIN_ENV} {value!r} is not an e-mail address")
    return address.addr_spec


def disk_margin_mb(value: str | None) -> float:
    raw = (value or "").strip()
    if not raw:
        return float(DEFAULT_DISK_MARGIN_MB)
    try:
        margin = float(raw)
    except ValueError:
        margin = math.nan
    if not math.isfinite(margin):
        raise AlertConfigError(f"{DISK_MARGIN_ENV} must be a number of megabytes, got {raw!r}")
    if margin < 0:
        raise AlertConfigError(f"{DISK_MARGIN_ENV} must not be negative")
    return margin


def disk_condition(archive: str, margin_mb: float) -> str | None:
    """Why the disk under the archive is too full, or None."""
    folder = Path(archive).resolve().parent
    free_mb = shutil.disk_usage(folder).free / 2**20
    if free_mb < margin_mb:
        return f"{free_mb:,.0f} MB free under {folder}, below the margin of {margin_mb:,.0f} MB"
    return None


@dataclass
class Condition:
    key: str
    status: str
    detail: str


@dataclass
class AlertReport:
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    mailed: int = 0
    pending: int = 0
    error: str | None = None

    def line(self) -> str:
        text = f"alerts: {len(self.opened)} new, {len(self.closed)} recovered, {self.mailed} mailed"
        if self.pending:
            text += f", {self.pending} waiting for mail ({self.error})" if self.error else f", {self.pending} not mailed"
        return text


def update_incidents(private_db: str, conditions: list[Condition], watched: Callable[[str], bool]) -> AlertReport:
    """Open incidents for new conditions, close those gone. `watched(key)` says whether this run
    looked at a key at all (a source not crawled this run keeps its incident as it is)."""
    report = AlertReport()
    db = open_private(private_db)
    try:
        current = {c.key: c for c in conditions}
        was_open = open_incidents(db)
        for key, condition in current.items():
            if key not in was_open:
                report.opened.append(key)
            open_incident(db, key, condition.status, condition.detail)
        for key in was_open:
            if key not in current and watched(key):
                close_incident(db, key)
                report.closed.append(key)
    finally:
        db.conn.close()
    return report


def _mail(row: dict, sender: str, admin: str, domain: str) -> tuple[EmailMessage, bool, bool]:
    """The mail for an incident row, and whether it covers its start, its end."""
    what = row["key"].replace("source:", "Quelle ")
    problem = row["problem_sent_at"] is None
    recovery = row["state"] == "closed"
    if problem and recovery:
        subject = f"[Policy Radar] {what}: {row['status']} (inzwischen behoben)"
        body = (f"Problem seit {row['opened_at']}: {row['status']} – {row['detail']}\n"
                f"Behoben seit {row['closed_at']}.\n")
    elif recovery:
        subject = f"[Policy Radar] {what}: wieder in Ordnung"
        body = f"Das Problem seit {row['opened_at']} ({row['status']}: {row['detail']}) ist seit {row['closed_at']} behoben.\n"
    else:
        subject = f"[Policy Radar] {what}: {row['status']}"
        body = (f"Seit {row['opened_at']}: {row['status']} – {row['detail']}\n\n"
                "Eine weitere Nachricht folgt, wenn das Problem behoben ist.\n")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = admin
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("radar-alert", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n-- \nPolicy Radar (radar run)\n")
    return message, problem, recovery


def send_pending(private_db: str, admin: str | None, digest_config, report: AlertReport) -> AlertReport:
    """Mail every incident start or end not mailed yet; stop at the first SMTP failure (the rest
    waits for the next run). Without an admin address nothing is mailed and nothing marked."""
    from digest.send import Mailer, SendFailed, SmtpUnavailable

    db = open_private(private_db)
    try:
        todo = unsent_incidents(db)
        report.pending = len(todo)
        if not todo or admin is None:
            if todo and admin is None:
                report.error = f"{ADMIN_ENV} not set"
            return report
        try:
            with Mailer(digest_config.smtp) as mailer:
                for row in todo:
                    message, problem, recovery = _mail(row, digest_config.sender, admin, digest_config.domain)
                    mailer.send(message, digest_config.sender_addr, [admin])
                    mark_sent(db, row["key"], problem, recovery)
                    report.mailed += 1
                    report.pending -= 1
        except (SmtpUnavailable, SendFailed) as exc:
            report.error = str(exc)
    finally:
        db.conn.close()
    return report
