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


def pick_port(host: str, port: int) -> int:
    """`port` if nothing listens on it yet, else one the OS says is free (0 always asks the OS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            sock.bind((host, 0))
        return sock.getsockname()[1]


class BadInput(click.ClickException):
    """A bad setting or argument found by our own checks: one line (no usage text), exit 2."""

    exit_code = 2


class ArchiveProblem(BadInput):
    """The archive cannot serve the command (missing, no articles)."""


def require_articles(db, db_path: str) -> None:
    """Stop with one line when the archive (an open reader) holds no article yet, instead of doing
    nothing in silence (e.g. a digest of `0 written, 1 empty` over a freshly created empty file)."""
    if not db.execute("select exists(select 1 from articles)").fetchone()[0]:
        db.close()
        raise ArchiveProblem(f"{db_path} has no articles yet: run `radar crawl` "
                             "(or pass the --db that `radar demo` printed)")
