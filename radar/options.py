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
    type=click.Path(dir_okay=False),
    help="SQLite archive file.",
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


def require_articles(db_path: str, demo_hint: bool = True) -> None:
    """Stop with one line when the archive is missing or holds no article yet, instead of doing
    nothing in silence (e.g. a digest of `0 written, 1 empty` over a freshly created empty file)."""
    import sqlite3
    from pathlib import Path

    hint = "run `radar crawl`" + (" (or pass the --db that `radar demo` printed)" if demo_hint else "")
    if not Path(db_path).is_file():
        raise ArchiveProblem(f"no archive at {db_path}: {hint}")
    try:
        conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
        try:
            row = conn.execute("select exists(select 1 from articles)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ArchiveProblem(f"{db_path} is not a usable archive ({exc})") from None
    if not row[0]:
        raise ArchiveProblem(f"{db_path} has no articles yet: {hint}")
