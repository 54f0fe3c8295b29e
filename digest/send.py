"""Hand messages to an SMTP server: one connection for the whole run, STARTTLS and AUTH when
configured, retries with exponential backoff.

Two kinds of failure, because they call for different actions:
- `SmtpUnavailable`: the server cannot be reached or refuses us (connection, TLS, AUTH) even after
  the retries. Nothing more can be sent in this run; the caller stops and the next run goes on.
- `SendFailed`: the server is there but did not accept this one message (a 5xx, or a 4xx that
  persisted through the retries). The caller reports it, does not mark it sent, and goes on.

No message built here ever contains the password; smtplib's debug output (which would show AUTH
lines) is never switched on.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage

from digest.config import SmtpConfig


class SmtpUnavailable(Exception):
    """The SMTP server cannot be used at all; the message is one line for the user."""


class SendFailed(Exception):
    """The server did not accept one message; the message is one line for the user."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _reason(exc: OSError) -> str:
    """A short reason for a connection-level failure (smtplib's exceptions are OSErrors too)."""
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc)
    if isinstance(exc, smtplib.SMTPException):
        return str(exc) or "connection closed"
    return exc.strerror or str(exc) or exc.__class__.__name__


class Mailer:
    """`with Mailer(config) as mailer: mailer.send(msg, sender, [recipient])`."""

    def __init__(self, config: SmtpConfig, sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[str], None] | None = None):
        self.config = config
        self.sleep = sleep
        self.on_retry = on_retry or (lambda line: None)
        self.smtp: smtplib.SMTP | None = None
        self.where = f"{config.host}:{config.port}"

    # --- connection ----------------------------------------------------------------------------
    def __enter__(self) -> Mailer:
        if self.config.user and not self.config.starttls and not _is_loopback(self.config.host):
            raise SmtpUnavailable(
                f"refusing to send the SMTP password to {self.where} unencrypted: set RADAR_SMTP_STARTTLS=true"
            )
        self._with_retries(self._connect, what="connect")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def _connect(self) -> None:
        cfg = self.config
        # host in the constructor, not connect(): starttls() checks the certificate against it
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout, local_hostname=cfg.helo)
        try:
            smtp.ehlo()
            if cfg.starttls:
                if not smtp.has_extn("starttls"):
                    raise SmtpUnavailable(f"{self.where} does not offer STARTTLS")
                context = ssl.create_default_context(cafile=cfg.cafile or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.user:
                if not smtp.has_extn("auth"):
                    hint = "" if cfg.starttls else " before STARTTLS (set RADAR_SMTP_STARTTLS=true)"
                    raise SmtpUnavailable(f"{self.where} offers no SMTP AUTH{hint}")
                smtp.login(cfg.user, cfg.password)
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp

    # --- sending -------------------------------------------------------------------------------
    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Send one message, retrying transient failures; raise `SendFailed` or `SmtpUnavailable`."""

        def attempt() -> None:
            if self.smtp is None:
                self._connect()
            assert self.smtp is not None
            refused = self.smtp.send_message(message, from_addr=sender, to_addrs=recipients)
            if refused:  # only some recipients refused: the message went to the others
                first = next(iter(refused.values()))
                raise smtplib.SMTPRecipientsRefused(refused) if len(refused) == len(recipients) else SendFailed(
                    f"refused for {', '.join(refused)}: {first[0]}"
                )

        self._with_retries(attempt, what="send")

    def _with_retries(self, action: Callable[[], None], what: str) -> None:
        cfg = self.config
        for number in range(cfg.retries + 1):
            try:
                action()
                return
            except smtplib.SMTPAuthenticationError as exc:
                self._drop()
                raise SmtpUnavailable(f"{self.where} rejected the SMTP login for user "
                                      f"{cfg.user!r}: {_reply(exc)}") from None
            except smtplib.SMTPNotSupportedError as exc:
                self._drop()
                raise SmtpUnavailable(f"{self.where}: {exc}") from None
            except ssl.SSLError as exc:
                self._drop()
                hint = " (a private CA? set RADAR_SMTP_CAFILE)" if "VERIFY_FAILED" in str(exc.reason) else ""
                raise SmtpUnavailable(f"TLS with {self.where} failed: {exc.reason or exc}{hint}") from None
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                text = "; ".join(f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                                 for rcpt, (code, msg) in exc.recipients.items())
                if all(400 <= code < 500 for code in codes) and number < cfg.retries:
                    self._retry(number, f"recipient deferred ({text})")
                    continue
                raise SendFailed(f"recipient refused: {text}") from None
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPHeloError) as exc:
                if 400 <= exc.smtp_code < 500 and number < cfg.retries:
                    self._retry(number, f"server replied {_reply(exc)}")
                    continue
                if what == "connect" or isinstance(exc, smtplib.SMTPHeloError):
                    self._drop()
                    raise SmtpUnavailable(f"{self.where} replied {_reply(exc)}") from None
                raise SendFailed(f"server replied {_reply(exc)}") from None
            except smtplib.SMTPConnectError as exc:
                self._drop()
                if number < cfg.retries:
                    self._retry(number, f"{self.where} replied {_reply(exc)}")
                    continue
                raise SmtpUnavailable(f"cannot connect to SMTP server {self.where}: {_reply(exc)}") from None
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._drop()
                reason = _reason(exc)
                if number < cfg.retries:
                    self._retry(number, f"{self.where}: {reason}")
                    continue
                raise SmtpUnavailable(f"cannot reach SMTP server {self.where} ({reason}) "
                                      f"after {cfg.retries + 1} attempts") from None

    def _retry(self, number: int, reason: str) -> None:
        delay = self.config.backoff * (2**number)
        self.on_retry(f"{reason}; retry {number + 1}/{self.config.retries} in {delay:g}s")
        self.sleep(delay)
