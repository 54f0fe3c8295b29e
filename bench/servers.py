"""Servers for the benchmarks: `radar serve` on a free port, and the same archive served by the
code of another git revision beside it (`python -m bench.search --baseline REV`).

On a shared machine the load changes from minute to minute, so runs one after the other compare
the load as much as the code; two servers side by side, each request sent to both in turn,
compare the code.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Datasette as `radar serve` starts it (publish/serve.py: datasette_command), run from a source
# tree of any revision that has that function; no `radar serve` check of who else holds the file,
# which two servers of one immutable archive would fail.
_DATASETTE = """import sys
from datasette.cli import cli
from publish.serve import datasette_command
cmd = datasette_command(sys.argv[1], port=int(sys.argv[3]), immutable=sys.argv[2] == "immutable", prepare=False)
cli.main(cmd[cmd.index("datasette") + 1:], prog_name="datasette")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cmd: Sequence[str], cwd: Path, timeout: float = 600) -> tuple[subprocess.Popen, str]:
    """Start a server (`cmd` must end in a free port's number) and wait until it answers."""
    import httpx

    base = f"http://127.0.0.1:{cmd[-1]}"
    server = subprocess.Popen(list(cmd[:-1]) + [str(cmd[-1])], cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=10) as client:
        while True:
            try:
                if client.get(f"{base}/-/versions.json").status_code == 200:
                    return server, base
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                raise SystemExit(f"server in {cwd} did not start: " + (server.stderr.read() or b"").decode()[-2000:])
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=30)


def radar_serve(path: Path, flags: Sequence[str] = ("--immutable",)) -> list[str]:
    """`radar serve` of this tree (its port last, for `start`)."""
    return [sys.executable, "-m", "radar", "serve", "--db", str(path), *flags, "--port", str(free_port())]


def datasette_of(tree: Path, path: Path, immutable: bool = True) -> list[str]:
    """Datasette serving `path` with the plugin and settings of the source tree `tree`."""
    return [sys.executable, "-c", _DATASETTE, str(path.resolve()), "immutable" if immutable else "ro", str(free_port())]


def is_revision(rev: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=ROOT,
                          capture_output=True).returncode == 0


@contextmanager
def source_tree(rev: str) -> Iterator[Path]:
    """The repository at git revision `rev`, unpacked in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True)
        if archive.returncode:
            raise SystemExit(f"--baseline {rev}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)
