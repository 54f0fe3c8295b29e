"""Opening SQLite files: the one place that turns "no file", "not a database", "read-only folder"
and "another writer holds the lock" into one-line `ArchiveError`s instead of tracebacks.

`open_rw` is for writers (creates the file and its folder, busy timeout; `use_wal` once the file
is known to be theirs); `open_ro` is for readers and never writes, creates or changes a file:
`mode=ro`, or `immutable=1` where the folder is read-only and no writer can be at work (no `-wal`).

Nothing here opens an archive except through SQLite: its locks are POSIX locks, which belong to
the process, and closing *any* handle on the file drops them all (sqlite.org/howtocorrupt.html,
2.2). A crawl holds two connections; had opening the second one read the header with `open()`,
the store worker would take itself for the last user at its close, checkpoint and delete the WAL,
and the crawl's later writes would go to the deleted file. So the header is SQLite's to check.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

# Seconds a writer waits for another writer's transaction (a restarted crawl while the old store
# worker finishes its last batch) before giving up and naming the holder.
BUSY_TIMEOUT = 60.0


class ArchiveError(Exception):
    """A problem with an archive or private file, said in one line (the CLI exits 2 with it)."""


class ArchiveBusy(ArchiveError):
    """Another process held the write lock for longer than the busy timeout."""


def check_file(path: str | Path, must_exist: bool = True) -> bool:
    """Raise ArchiveError unless `path` can be an SQLite file (or, with `must_exist=False`, is
    absent). Returns whether the file exists. Looks only at the directory entry, never opens the
    file (see the module docstring); `not_a_database` words SQLite's verdict on its content."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        if must_exist:
            raise ArchiveError(f"{path}: no such file") from None
        return False
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if p.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an SQLite file")
    if not os.access(p, os.R_OK):
        raise ArchiveError(f"{path}: cannot read (Permission denied)")
    if not size and must_exist:
        raise ArchiveError(f"{path}: empty file, not an archive")
    return True


def not_a_database(path: str | Path, exc: sqlite3.DatabaseError) -> ArchiveError:
    """The one line for a file SQLite cannot use: another program's file, or a corrupt one."""
    if exc.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
        return ArchiveError(f"{path}: not an SQLite database (a file of another program, or corrupt)")
    return ArchiveError(f"{path}: not a usable SQLite database ({exc})")


def holders(path: str | Path) -> list[str]:
    """Other processes that have the file (or its -wal) open: "pid 123 (radar crawl …)"."""
    wanted = {str(Path(path).resolve()), str(Path(path).resolve()) + "-wal"}
    found: list[str] = []
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            targets = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            if targets & wanted:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
                found.append(f"pid {entry.name} ({cmd[:80]})")
        except OSError:
            continue
    return found


def busy_error(path: str | Path) -> ArchiveBusy:
    who = holders(path)
    held = "; ".join(who) if who else "another process"
    return ArchiveBusy(f"{path}: another writer holds the lock ({held}); waited {BUSY_TIMEOUT:.0f} s, try again later")


def _writable(p: Path) -> bool:
    folder = p.parent if str(p.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not p.exists() or os.access(p, os.W_OK))


def open_rw(path: str | Path, timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A writer's connection: creates file and folder, `synchronous=NORMAL` (durable at every
    checkpoint in WAL mode; a power cut may lose the last transactions, never corrupt), foreign keys
    on. The caller switches to WAL (`use_wal`) once it knows the file is its own."""
    p = Path(path)
    check_file(p, must_exist=False)  # an empty file is an empty database to SQLite: a new archive
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot create its folder ({exc.strerror or exc})") from None
    if not _writable(p):
        raise ArchiveError(f"{path}: cannot write here (the file or its folder is read-only)")
    conn = sqlite3.connect(str(p), timeout=timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a foreign file is not changed yet
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise busy_error(path) from None
        raise ArchiveError(f"{path}: cannot open for writing ({exc})") from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise not_a_database(path, exc) from None
    return conn


def use_wal(conn: sqlite3.Connection, path: str | Path) -> None:
    """WAL mode (readers never block the writer), once the caller knows the file is its own."""
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise busy_error(path) from None
        raise ArchiveError(f"{path}: cannot open for writing ({exc})") from None


def open_ro(path: str | Path) -> sqlite3.Connection:
    """A reader's connection that never writes: `mode=ro`; on a read-only folder without a `-wal`
    file (a snapshot on a web host) `immutable=1`. Raises ArchiveError for anything unreadable."""
    p = Path(path)
    check_file(p)
    uri = "file:" + quote(str(p.resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if Path(f"{p}-wal").exists() or not ("readonly" in str(exc) or "unable to open" in str(exc)):
            raise ArchiveError(f"{path}: cannot read ({exc})") from None
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise not_a_database(path, exc) from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise not_a_database(path, exc) from None
    return conn


def is_immutable_open(path: str | Path) -> bool:
    """Whether `open_ro` would have to fall back to `immutable=1` (read-only folder, no -wal/-shm)."""
    p = Path(path)
    shm = Path(f"{p}-shm")
    return not Path(f"{p}-wal").exists() and not shm.exists() and not os.access(p.parent, os.W_OK)


@contextmanager
def writers_in_turn(conn: sqlite3.Connection, purpose: str) -> Iterator[None]:
    """Hold an exclusive lock on `<archive>-<purpose>.lock` (a file of its own: the archive itself is
    never opened outside SQLite) for work that spans several transactions and must not interleave
    with the same work of another writer process, e.g. the search index's sync (db/search_index.py),
    whose tokens follow a lexicon another writer may renew between two of its transactions. An
    archive without a file (in memory) needs no lock."""
    path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:
        yield
        return
    with open(f"{path}-{purpose}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield
