"""Option decorators and checks shared by several commands."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import click

DEFAULT_DB = "data/radar.db"

db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(),  # db/ checks it: a folder or a stranger's file is refused in one line
    help="SQLite archive file.",
)


subscribers_db_option = click.option(
    "--subscribers-db",
    "subscribers_db",
    envvar="RADAR_SUBSCRIBERS_DB",
    default=None,
    type=click.Path(dir_okay=False),
    help="Private SQLite file of subscribers and the digest log (never published). "
    "Default: subscribers.db beside the archive.",
)


def validate_start_url(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """An http(s) URL with a host, or a one-line usage error."""
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise click.BadParameter(f"{value!r} is not an http(s) URL with a host")
    return value


def check_reachable(url: str, timeout: float = 10.0) -> None:
    """Fail fast with one line when the start URL's host cannot be reached at all."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise click.ClickException(f"cannot reach {parsed.hostname}:{port} ({reason})") from None


class BadInput(click.ClickException):
    """A bad setting or argument found by our own checks: one line (no usage text), exit 2."""

    exit_code = 2
