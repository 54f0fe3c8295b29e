"""Snapshots of the taxonomy files each stored tag came from, so `radar retag` can tell exactly
which entries changed since an article was tagged (the YAML is small: ~30 KB compressed)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from sqlite_utils import Database

TABLE = "taxonomy_versions"


def record_taxonomy(db: Database, version: str, taxonomy_dir: Path) -> None:
    """Keep a copy of the taxonomy's YAML files under its version hash (once per version)."""
    if TABLE in db.table_names() and db[TABLE].count_where("version = ?", [version]):
        return
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(taxonomy_dir).glob("*.yaml"))}
    with db.conn:
        db[TABLE].insert(
            {"version": version, "files_gz": zlib.compress(json.dumps(files).encode("utf-8"), 9)},
            pk="version",
            replace=True,
        )


def restore_taxonomy(db: Database, version: str, target_dir: Path) -> bool:
    """Write the snapshot of `version` into `target_dir`; False when that version was never recorded."""
    if TABLE not in db.table_names():
        return False
    rows = list(db.query(f"select files_gz from {TABLE} where version = ?", [version]))
    if not rows:
        return False
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, text in json.loads(zlib.decompress(rows[0]["files_gz"])).items():
        (target_dir / name).write_text(text, encoding="utf-8")
    return True
