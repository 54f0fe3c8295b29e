"""Option decorators and checks shared by several commands."""

from __future__ import annotations

import math
import socket
from urllib.parse import urlparse

import click

DEFAULT_DB = "data/radar.db"


class RunFailed(click.ClickException):
    """A run that started and failed (nothing fetched, mail not accepted, a host unreachable, a
    lock held by another writer): exit 1. Every other `ClickException` a command raises names bad
    input and exits 2, like click's own usage errors (radar/cli.py)."""

    exit_code = 1

db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(),  # db/ checks it: a folder or a stranger's file is refused in one line
    help="SQLite archive file.",
)


class FiniteRange(click.ParamType):
    """A finite number from `low` to `high`: click's FloatRange lets `nan`, `inf` and `1e308` in
    (a timeout of `inf` waits forever on a silent server)."""

    name = "number"

    def __init__(self, low: float, high: float, unit: str = "seconds"):
        self.low, self.high, self.unit = low, high, unit

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"{self.low:g}..{self.high:g}"

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and self.low <= number <= self.high):
            self.fail(f"{value!r} is not a number of {self.unit} from {self.low:g} to {self.high:g}", param, ctx)
        return number
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
        raise RunFailed(f"cannot reach {parsed.hostname}:{port} ({reason})") from None


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
