"""Build the `datasette serve` command line for the archive, with our metadata and templates."""

from __future__ import annotations

import sys
from pathlib import Path

PUBLISH_DIR = Path(__file__).parent
METADATA = PUBLISH_DIR / "metadata.yaml"
TEMPLATES = PUBLISH_DIR / "templates"


def datasette_command(db_path: str, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The archive served read-only (immutable), with metadata, facets and canned queries."""
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(db_path), "--host", host, "--port", str(port)]
    if METADATA.exists():
        cmd += ["--metadata", str(METADATA)]
    if TEMPLATES.exists():
        cmd += ["--template-dir", str(TEMPLATES)]
    cmd += ["--setting", "sql_time_limit_ms", "3500", "--setting", "default_page_size", "50"]
    return cmd
