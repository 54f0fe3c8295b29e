"""Settings of the digest, as data: (section, key, environment variable, default, help).

Values come from the environment, else from an INI config file (`--config FILE` or
`RADAR_DIGEST_CONFIG`), else the default. An unknown key in the file is an error. Secrets (SMTP
password, HMAC secret) are never part of a repr, a log line or an error message.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    env: str
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("smtp", "host", "RADAR_SMTP_HOST", "localhost", "SMTP server host name"),
    Setting("smtp", "port", "RADAR_SMTP_PORT", "25", "SMTP server port (587 for submission with STARTTLS)"),
    Setting("smtp", "user", "RADAR_SMTP_USER", "", "SMTP user name; empty for no AUTH"),
    Setting("smtp", "password", "RADAR_SMTP_PASSWORD", "", "SMTP password", secret=True),
    Setting("smtp", "starttls", "RADAR_SMTP_STARTTLS", "false", "upgrade the connection with STARTTLS (true/false)"),
    Setting("smtp", "cafile", "RADAR_SMTP_CAFILE", "", "CA bundle for a private mail server's certificate"),
    Setting("smtp", "timeout", "RADAR_SMTP_TIMEOUT", "30", "seconds per SMTP command before giving up"),
    Setting("smtp", "retries", "RADAR_SMTP_RETRIES", "3", "retries of a failed send after the first attempt"),
    Setting("smtp", "backoff", "RADAR_SMTP_BACKOFF", "2", "seconds before the first retry; doubles each time"),
    Setting("digest", "from", "RADAR_DIGEST_FROM", "Policy Radar <radar@localhost>", "From address of the mails"),
    Setting("digest", "base_url", "RADAR_BASE_URL", "http://127.0.0.1:8001", "public URL of the archive (Datasette)"),
    Setting("digest", "archive_name", "RADAR_ARCHIVE_NAME", "",
            "database name the archive is served under (default: the --db file name without .db, as radar serve names it)"),
    Setting("digest", "secret", "RADAR_SECRET", "", "HMAC secret for unsubscribe tokens and Message-IDs", secret=True),
    Setting("digest", "unsubscribe", "RADAR_DIGEST_UNSUBSCRIBE", "",
            "address for mailto: unsubscribe requests (default: the From address)"),
)

CONFIG_ENV = "RADAR_DIGEST_CONFIG"
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting, never its secret value."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    cafile: str = ""
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    helo: str = "localhost"


@dataclass(frozen=True)
class DigestConfig:
    smtp: SmtpConfig
    sender: str  # the full From header, e.g. "Policy Radar <radar@example.org>"
    sender_addr: str  # the bare address, also the envelope sender
    domain: str  # the From address's domain: Message-IDs and the List-Id use it
    base_url: str
    secret: str = field(repr=False)
    unsubscribe_addr: str = ""
    archive_name: str = ""  # the served database's name; empty: the archive file's stem

    def with_archive(self, db_path: str) -> DigestConfig:
        """The config with `archive_name` filled in from the archive file when not set."""
        from pathlib import Path

        if self.archive_name:
            return self
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return DigestConfig(**{**values, "archive_name": Path(db_path).stem})

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)

    def with_secret(self, secret: str) -> DigestConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return DigestConfig(**{**values, "secret": secret})


def read_file(path: str | Path) -> tuple[dict[str, str], list[str]]:
    """`{env name: value}` from an INI file, and warnings (e.g. secrets in a world-readable file)."""
    parser = configparser.ConfigParser(interpolation=None)
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not a UTF-8 text file") from None
    except configparser.Error as exc:
        raise ConfigError(f"config file {path}: {exc.message.splitlines()[0]}") from None
    by_key = {(s.section, s.key): s for s in SETTINGS}
    values: dict[str, str] = {}
    problems = []
    for section in parser.sections():
        for key, value in parser.items(section):
            setting = by_key.get((section, key))
            if setting is None:
                known = ", ".join(f"{s.section}.{s.key}" for s in SETTINGS)
                problems.append(f"unknown setting [{section}] {key} (known: {known})")
            else:
                values[setting.env] = value
    if problems:
        raise ConfigError(f"config file {path}: " + "; ".join(problems))
    warnings = []
    has_secret = any(values.get(s.env) for s in SETTINGS if s.secret)
    if has_secret and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.append(f"{path} holds secrets but is readable by others: chmod 600 {path}")
    return values, warnings


def load(config_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> tuple[DigestConfig, list[str]]:
    """Settings from environment, then config file, then defaults; with any warnings."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(CONFIG_ENV) or None
    from_file, warnings = read_file(config_file) if config_file else ({}, [])
    raw = {s.env: environ.get(s.env) if environ.get(s.env) not in (None, "") else from_file.get(s.env, s.default)
           for s in SETTINGS}
    known = {s.env for s in SETTINGS} | {CONFIG_ENV}
    for name in sorted(environ):
        if name.startswith(("RADAR_SMTP_", "RADAR_DIGEST_")) and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"unknown setting {name} is ignored{hint}")
    return build(raw), warnings


def build(raw: Mapping[str, str]) -> DigestConfig:
    def number(env: str, kind: type, low: float) -> float:
        try:
            value = kind(str(raw[env]).strip())
        except ValueError:
            raise ConfigError(f"{env} must be a number, got {raw[env]!r}") from None
        if value < low:
            raise ConfigError(f"{env} must be at least {low}")
        return value

    starttls = str(raw["RADAR_SMTP_STARTTLS"]).strip().lower()
    if starttls not in TRUE + FALSE:
        raise ConfigError(f"RADAR_SMTP_STARTTLS must be true or false, got {raw['RADAR_SMTP_STARTTLS']!r}")
    port = int(number("RADAR_SMTP_PORT", int, 1))
    if port > 65535:
        raise ConfigError("RADAR_SMTP_PORT must be at most 65535")
    name, addr = parseaddr(raw["RADAR_DIGEST_FROM"])
    if "@" not in addr:
        raise ConfigError(f"RADAR_DIGEST_FROM {raw['RADAR_DIGEST_FROM']!r} has no e-mail address")
    domain = addr.rsplit("@", 1)[1]
    sender = str(Address(display_name=name, addr_spec=addr)) if name else addr
    base_url = str(raw["RADAR_BASE_URL"]).strip().rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"RADAR_BASE_URL must start with http:// or https://, got {base_url!r}")
    unsubscribe = parseaddr(raw["RADAR_DIGEST_UNSUBSCRIBE"])[1] if raw["RADAR_DIGEST_UNSUBSCRIBE"] else addr
    archive_name = str(raw["RADAR_ARCHIVE_NAME"] or "").strip()
    if archive_name and (not re.fullmatch(r"[^/?#\s]+", archive_name)):
        raise ConfigError(f"RADAR_ARCHIVE_NAME must be a database name such as radar, got {archive_name!r}")
    smtp = SmtpConfig(
        host=str(raw["RADAR_SMTP_HOST"]).strip(),
        port=port,
        user=str(raw["RADAR_SMTP_USER"] or ""),
        password=str(raw["RADAR_SMTP_PASSWORD"] or ""),
        starttls=starttls in TRUE,
        cafile=str(raw["RADAR_SMTP_CAFILE"] or ""),
        timeout=number("RADAR_SMTP_TIMEOUT", float, 0.1),
        retries=int(number("RADAR_SMTP_RETRIES", int, 0)),
        backoff=number("RADAR_SMTP_BACKOFF", float, 0),
        helo=domain,
    )
    return DigestConfig(smtp=smtp, sender=sender, sender_addr=addr, domain=domain, base_url=base_url,
                        secret=str(raw["RADAR_SECRET"] or ""), unsubscribe_addr=unsubscribe,
                        archive_name=archive_name)
