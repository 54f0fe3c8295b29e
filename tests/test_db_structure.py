"""db/ as a package a newcomer can read, and the archive's life: no import cycles, migrations,
bad files as one line, poisoned records quarantined, near-duplicates that mean it."""

from __future__ import annotations

import ast
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.connect import connect_reader, connect_writer
from db.digest_store import DigestStore
from db.migrations import SCHEMA_VERSION
from db.reader import ArchiveReader
from db.sqlite import ArchiveError
from db.store import ArchiveWriter

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("db", "publish", "digest", "radar", "crawler", "nlp")


def _imports(path: Path, package_modules: set[str]) -> set[str]:
    """Every project module `path` imports, at top level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in package_modules}
    return found


def module_graph() -> dict[str, set[str]]:
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_in_the_project():
    assert find_cycle(module_graph()) is None


def test_db_modules_stay_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "db").glob("*.py")}
    assert max(size for name, size in sizes.items() if name != "search.py") <= 400, sizes


def test_no_sql_writes_outside_db():
    """INSERT/UPDATE/DELETE/CREATE/DROP in SQL strings live in db/ only (tests and bench aside)."""
    offenders = []
    for package in ("publish", "digest", "radar", "crawler", "nlp"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value.strip().lower()
                    if text.startswith(("insert into", "update ", "delete from", "create table", "drop table")):
                        offenders.append(f"{path.relative_to(ROOT)}: {node.value[:40]!r}")
    assert offenders == []


# --- migrations and bad files ------------------------------------------------------------------------
def radar(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RADAR_SECRET": "s" * 32}
    return subprocess.run([sys.executable, "-m", "radar", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def item(n: int, body: str, source: str = "a", title: str | None = None) -> dict:
    return {"url": f"https://{source}.example/{n}", "source": source, "title": title or f"Meldung {n}",
            "body": body, "published": "2025-09-29"}


def test_an_old_archive_is_migrated_and_its_subscribers_moved_out(tmp_path):
    db_path = tmp_path / "radar.db"
    ArchiveWriter(str(db_path)).upsert_articles([item(1, "OZG in Hessen")])
    conn = sqlite3.connect(db_path)  # as archives were before: personal data inside, no version
    conn.execute("create table subscribers (email text primary key, name text, topics text, actors text, "
                  "states text, sources text, search text, weekday integer, send_empty integer, "
                  "created_at text, updated_at text)")
    conn.execute("insert into subscribers (email, name, weekday, send_empty) values ('a@example.org', 'A', 1, 0)")
    conn.execute("create table digest_log (email text, week text, status text, message_id text, items integer, "
                  "done_at text, primary key (email, week))")
    conn.execute("insert into digest_log values ('a@example.org', '2025-W39', 'sent', '<m@x>', 3, 'now')")
    conn.execute("pragma user_version = 0")
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError, match=rf"is at schema 0; this radar needs {SCHEMA_VERSION}: run radar migrate --db"):
        connect_reader(db_path)
    private = tmp_path / "private.db"
    result = radar("migrate", "--db", str(db_path), "--subscribers-db", str(private))
    assert result.returncode == 0, result.stderr
    assert "moved 1 subscribers rows, 1 digest_log rows" in result.stdout
    reader = connect_reader(db_path)
    assert not {"subscribers", "digest_log"} & set(reader.table_names())
    assert DigestStore(private).get_subscriber("a@example.org")["name"] == "A"
    assert DigestStore(private).is_done("a@example.org", "2025-W39")
    again = radar("migrate", "--db", str(db_path), "--subscribers-db", str(private))
    assert again.returncode == 0 and "already at schema" in again.stdout


@pytest.mark.parametrize("kind", ["missing", "directory", "random", "other_sqlite", "empty"])
def test_bad_archive_files_give_one_line_and_exit_2(tmp_path, kind):
    path = tmp_path / "radar.db"
    if kind == "directory":
        path.mkdir()
    elif kind == "random":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "other_sqlite":
        conn = sqlite3.connect(path)
        conn.execute("create table moz_places (url text)")
        conn.commit()
        conn.close()
    elif kind == "empty":
        path.write_bytes(b"")
    before = sorted(p.name for p in tmp_path.iterdir())
    if kind not in ("missing", "empty"):  # a writer may start a missing or empty archive, not a broken one
        crawl = radar("crawl", "--start-url", "http://127.0.0.1:9/", "--db", str(path))
        assert crawl.returncode == 2 and len(crawl.stderr.strip().splitlines()) == 1, crawl.stderr
    for args in (["export", "--format", "csv"], ["serve"], ["digest", "--week", "2025-W39", "--out", str(tmp_path / "o")],
                 ["migrate"], ["retag"], ["reparse"]):
        result = radar(*args, "--db", str(path))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == before, args


def test_a_writer_on_a_read_only_folder_says_so_in_one_line():
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="radar-ro-", dir="/tmp"))
    base.chmod(0o755)
    folder = base / "ro"
    folder.mkdir()
    ArchiveWriter(str(folder / "radar.db")).db.close()
    folder.chmod(0o555)
    try:
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                                 "-c", "from db.store import ArchiveWriter; import sys; "
                                 "from db.sqlite import ArchiveError\ntry:\n ArchiveWriter(sys.argv[1])\n"
                                 "except ArchiveError as e: print(e)", str(folder / "radar.db")],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)
    assert "cannot write here" in result.stdout, result.stdout + result.stderr


def test_a_second_writer_waits_then_names_the_holder(tmp_path):
    path = tmp_path / "radar.db"
    first = ArchiveWriter(str(path))
    second = ArchiveWriter(str(path))
    second.db.conn.execute(f"PRAGMA busy_timeout = {200}")
    with first.transaction():
        with pytest.raises(ArchiveError, match="another writer holds the lock"):
            with second.transaction():
                pass



def test_a_second_connection_in_the_crawl_process_keeps_its_writes(tmp_path):
    """SQLite's file locks belong to the process, and closing any handle on the file drops them all.
    The crawl holds two connections (spider's reader, pipeline's writer); if opening the second one
    dropped the first's lock, the store worker closing its connection takes itself for the last user,
    checkpoints and deletes the WAL, and the crawl's next write (its run's end) goes to a deleted file."""
    path = tmp_path / "radar.db"
    writer = ArchiveWriter(str(path))
    ArchiveReader(str(path))  # the spider's connection, kept open as in a crawl
    connect_reader(path)  # and a reader's: neither may release the writer's lock
    run_id = writer.start_run("test")
    worker = "from db.store import ArchiveWriter; import sys; ArchiveWriter(sys.argv[1]).db.close()"
    subprocess.run([sys.executable, "-c", worker, str(path)], cwd=ROOT, check=True, timeout=60)
    assert Path(f"{path}-wal").exists()  # the other process saw our lock: no checkpoint-and-delete
    writer.finish_run(run_id, {"pages": 3}, {}, status="shutdown")
    look = ("from db.connect import connect_reader; import sys; "
            "print(connect_reader(sys.argv[1]).execute('select status, pages from crawl_runs').fetchone())")
    seen = subprocess.run([sys.executable, "-c", look, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert seen.stdout.strip() == "('shutdown', 3)", seen.stdout + seen.stderr

# --- poison records, near-duplicates -----------------------------------------------------------------
class Poison(str):
    """A body whose text blows up when the writer looks at it (as a recursion did in the normaliser)."""

    def lower(self):  # noqa: D401 - the writer's fingerprint step calls it
        raise RecursionError("maximum recursion depth exceeded")


def test_one_poisoned_record_is_quarantined_and_the_rest_of_its_batch_stored(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    words = " ".join(f"wort{n}" for n in range(60))
    records = [item(1, words), item(2, Poison(words + " gift")), item(3, "Noch eine Meldung")]
    result = writer.write_records(records, run_id=None)
    assert result.outcomes["new"] == 2 and result.outcomes["failed"] == 1
    db = writer.db
    assert [r[0] for r in db.execute("select url from articles order by id")] == ["https://a.example/1", "https://a.example/3"]
    kind, reason = db.execute("select kind, reason from quarantine").fetchone()
    assert kind == "store_error" and "RecursionError" in reason


def test_an_article_the_index_cannot_take_leaves_the_queue(tmp_path, monkeypatch):
    import db.search_index as search_index

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    writer.write_records([item(1, "gut"), item(2, "giftig")])
    real = search_index.search_columns

    def fragile(title, kicker, teaser, body, **options):
        if body == "giftig":
            raise RecursionError("maximum recursion depth exceeded")
        return real(title, kicker, teaser, body, **options)

    monkeypatch.setattr(search_index, "search_columns", fragile)
    assert search_index.sync_search_index(writer.db) == 2
    assert writer.db.execute("select count(*) from articles_search_queue").fetchone()[0] == 0
    assert writer.db.execute("select kind from quarantine").fetchone()[0] == "index_error"
    assert search_index.sync_search_index(writer.db) == 0  # never retried


SHARED = ("Die Verwaltung des Landkreises hat am Montag ein neues Verfahren für digitale Anträge "
          "vorgestellt das Bürgerinnen und Bürgern viele Wege ins Amt erspart und die Bearbeitung beschleunigt ")
BOILERPLATE = ("Weitere Informationen zu diesem Thema finden Sie auf der Website des Landkreises und im "
               "Bürgerportal unter der Rubrik Digitales Rathaus sowie in unserem Newsletter jeden Freitag")


def _own(seed: str, n: int = 40) -> str:
    return " ".join(f"{seed}{i}" for i in range(n))


def test_near_duplicates_of_other_sources_are_linked(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    text = SHARED * 2 + _own("gemeinsam", 150)
    writer.upsert_articles([item(1, text + "\n" + BOILERPLATE, source="a"),
                            item(2, "Vorspann der Redaktion.\n" + text, source="b")])
    assert writer.db.execute("select duplicate_of from articles where id = 2").fetchone()[0] == 1


def test_half_shared_wording_and_boilerplate_is_not_a_duplicate(tmp_path):
    """Two different articles of one source sharing boilerplate and half their wording: not linked;
    nor across sources."""
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    half = _own("gleich", 60)
    others = [item(10 + n, _own(f"anders{n}x") + "\n" + BOILERPLATE, source="a") for n in range(3)]
    writer.upsert_articles(others)
    writer.upsert_articles([
        item(1, half + " " + _own("eins", 60) + "\n" + BOILERPLATE, source="a"),
        item(2, half + " " + _own("zwei", 60) + "\n" + BOILERPLATE, source="a"),
        item(3, half + " " + _own("drei", 60) + "\n" + BOILERPLATE, source="b"),
    ])
    assert writer.db.execute("select count(*) from articles where duplicate_of is not null").fetchone()[0] == 0


def test_a_republication_in_the_same_source_is_linked(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    text = SHARED * 2 + _own("text", 80)
    writer.upsert_articles([item(1, text, source="a"), item(2, text + " Aktualisiert.", source="a")])
    assert writer.db.execute("select duplicate_of from articles where id = 2").fetchone()[0] == 1


def test_a_band_key_most_articles_of_a_source_share_is_not_kept_as_evidence(tmp_path):
    """A template paragraph every article of a source carries gives all of them the same band
    keys: once MAX_BAND_CANDIDATES of the source hold a key, it is neither looked up nor stored for
    that source again (a key shared by everyone tells nothing) — and a real re-publication among
    them is still linked through the keys of its own text."""
    from db.duplicates import MAX_BAND_CANDIDATES

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    template = _own("vorlage", 300)
    writer.upsert_articles([item(n, template + "\n" + _own(f"eigen{n}x", 60), source="a") for n in range(1, 61)])
    per_key = writer.db.execute(
        "select max(n) from (select count(*) n from article_bands where source_id = 'a' group by key)"
    ).fetchone()[0]
    assert per_key <= MAX_BAND_CANDIDATES + 1, f"a shared key stored {per_key} times for one source"
    linked = writer.db.execute("select count(*) from articles where duplicate_of is not null").fetchone()[0]
    assert linked == 0
    copy = writer.db.execute("select body from articles where id = 45").fetchone()[0]
    writer.upsert_articles([item(99, copy, source="a")])
    assert writer.db.execute("select duplicate_of from articles where url = 'https://a.example/99'").fetchone()[0] == 45


def test_connect_writer_is_idempotent_and_versioned(tmp_path):
    db = connect_writer(tmp_path / "radar.db")
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    connect_writer(tmp_path / "radar.db").close()
    assert connect_reader(tmp_path / "radar.db").execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION


def test_generated_site_articles_are_not_linked_as_duplicates(tmp_path):
    """The generated site's articles are built from shared template sentences (half their wording
    or more in common), over two sources: different articles, so (next to) none is linked."""
    from sample_site.generate import generate_articles

    writer = ArchiveWriter(str(tmp_path / "radar.db"))
    articles = generate_articles(400, seed=3)
    writer.upsert_articles([
        {"url": f"https://{'ab'[n % 2]}.example/{art.slug}", "source": "ab"[n % 2], "title": art.title,
         "teaser": art.teaser, "body": "\n\n".join(art.body), "published": art.day.isoformat()}
        for n, art in enumerate(articles)
    ])
    linked = writer.db.execute("select count(*) from articles where duplicate_of is not null").fetchone()[0]
    assert linked <= 2, f"{linked} of 400 different articles linked as near-duplicates"


def test_a_long_body_hashes_in_slices_to_the_signature_of_its_shingle_set():
    """MinHash keeps per hash function the minimum over the shingles, hashed in slices so a huge
    body needs bounded memory: two bodies of 10,000 words (three slices) with the same shingle set
    in another order (so other slices) have the same signature."""
    from db.duplicates import minhash

    words = [f"wort{n}" for n in range(5000)]
    once_more = words + words  # every triple of `words`, and the two across the seam
    rotated = words[2500:] + words + words[:2]  # the same triples, the seam first
    assert (minhash(" ".join(once_more)) == minhash(" ".join(rotated))).all()
    assert not (minhash(" ".join(once_more)) == minhash(" ".join(words[:2500] * 4))).all()
