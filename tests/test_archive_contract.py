"""The archive's contract (docs/schema.md): personal data never in the published file, readers never
write, every write through Datasette refused as such.

Everything runs for real: the `radar` CLI in subprocesses, `radar serve` on a free port, an SMTP
server (aiosmtpd) for the digests, and — for the read-only case — the readers run as the
unprivileged user `nobody` on a file and folder they cannot write (root ignores file modes).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from datasette.app import Datasette

from digest.testing import SmtpServer, build_sample_archive, free_port

ROOT = Path(__file__).resolve().parent.parent
WEEK = "2025-W39"
ADDRESSES = ["anna.privat@example.org", "bob.geheim@example.net"]
NOBODY = 65534


def env(**extra: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("RADAR_")}
    base.update({"RADAR_SECRET": "s" * 32, "RADAR_DIGEST_FROM": "Policy Radar <radar@example.org>",
                 "RADAR_BASE_URL": "https://radar.example.org", "RADAR_SMTP_RETRIES": "1",
                 "RADAR_SMTP_BACKOFF": "0.01"})
    base.update(extra)
    return base


def radar(*args: str, environ: dict[str, str] | None = None, user: int | None = None,
          timeout: float = 180) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "radar", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=environ or env())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def serving(db: Path, environ: dict[str, str], user: int | None = None, *extra: str) -> Iterator[str]:
    """`radar serve` for real on a free loopback port; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "radar", "serve", "--db", str(db), "--port", str(port), *extra]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    log = open(os.devnull, "w")  # noqa: SIM115 - a pipe nobody reads would fill and stall the server
    server = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if server.poll() is not None:
                raise AssertionError(f"radar serve stopped with status {server.returncode}")
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("radar serve did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# --- personal data apart ---------------------------------------------------------------------------
@pytest.fixture()
def archive_with_subscribers(tmp_path) -> tuple[Path, Path]:
    """A sample archive, two subscribers added through the CLI and their digests really sent."""
    db = Path(build_sample_archive(str(tmp_path / "radar.db")))
    private = tmp_path / "private" / "subscribers.db"
    environ = env(RADAR_SUBSCRIBERS_DB=str(private))
    for address in ADDRESSES:
        added = radar("subscribers", "add", address, "--name", "Geheime Person", "--db", str(db), environ=environ)
        assert added.returncode == 0, added.stderr
    with SmtpServer() as smtp:
        sent = radar("digest", "--week", WEEK, "--send", "--db", str(db), environ={**environ, **smtp.env()})
        assert sent.returncode == 0, sent.stderr
        assert sorted(smtp.handler.recipients()) == sorted(ADDRESSES)
    return db, private


def test_no_served_page_json_csv_feed_or_sql_shows_a_subscriber(archive_with_subscribers):
    db, private = archive_with_subscribers
    environ = env(RADAR_SUBSCRIBERS_DB=str(private))
    with serving(db, environ) as base:
        status, listing = fetch(base + "/radar.json")
        assert status == 200, listing
        tables = [table["name"] for table in json.loads(listing)["tables"]]
        views = [view["name"] for view in json.loads(listing).get("views") or []]
        assert "articles" in tables
        pages = ["/", "/radar", "/-/databases.json", "/-/metadata.json", "/radar/-/search?q=OZG",
                 "/radar/-/search.json?q=Verwaltung", "/radar/articles.csv?_stream=on", "/radar/articles_feed.atom",
                 "/radar/subscribers.json", "/radar/digest_log.json", "/radar/subscribers.csv",
                 "/radar.json?sql=select+*+from+sqlite_master", "/radar.csv?sql=select+sql+from+sqlite_master",
                 "/radar.json?sql=select+email,name+from+subscribers",
                 "/radar.json?sql=select+*+from+digest_log",
                 "/radar.json?sql=select+*+from+pragma_database_list"]
        pages += [f"/radar/{name}.json?_shape=array&_size=max" for name in tables + views]
        pages += [f"/radar/{name}.csv?_size=max" for name in tables]
        for page in pages:
            status, body = fetch(base + page)
            assert status < 500, (page, status, body[:500])
            for address in ADDRESSES:
                assert address not in body, f"{address} published at {page}"
            assert "Geheime Person" not in body, page
        assert not {"subscribers", "digest_log"} & set(tables)
    assert private.is_file(), "subscribers were not written to the private file"


def test_serve_refuses_an_archive_holding_a_table_off_the_allow_list(tmp_path):
    db = Path(build_sample_archive(str(tmp_path / "radar.db")))
    conn = __import__("sqlite3").connect(db)
    conn.execute("create table mailing_list (email text)")
    conn.execute("insert into mailing_list values ('x@example.org')")
    conn.commit()
    conn.close()
    result = radar("serve", "--db", str(db), "--port", str(free_port()), timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "mailing_list" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


# --- readers never write -----------------------------------------------------------------------------
def _read_everything(db: Path, out: Path, environ: dict[str, str], user: int | None) -> None:
    exported = radar("export", "--db", str(db), "--format", "csv", "-o", str(out / "articles.csv"),
                     environ=environ, user=user)
    assert exported.returncode == 0, exported.stderr
    assert "Glasfaser" in (out / "articles.csv").read_text(encoding="utf-8")
    dry = radar("digest", "--db", str(db), "--week", WEEK, "--out", str(out / "eml"), environ=environ, user=user)
    assert dry.returncode == 0, dry.stderr
    assert list((out / "eml").glob("*.eml")), dry.stdout
    with serving(db, environ, user) as base:
        status, body = fetch(base + "/radar/-/search.json?q=Glasfaser")
        assert status == 200, body
        assert json.loads(body)["rows"], body
        status, body = fetch(base + "/radar/articles.json")
        assert status == 200, body


@pytest.fixture()
def open_tmp() -> Iterator[Path]:
    """A folder `nobody` may enter (pytest's own tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="radar-contract-", dir="/tmp"))
    base.chmod(0o755)
    yield base
    for folder in [base, *base.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o755)
    shutil.rmtree(base)


@pytest.fixture()
def finished_archive(open_tmp) -> tuple[Path, Path]:
    """An archive as the writers leave it, with one subscriber in the private file."""
    tmp_path = open_tmp
    folder = tmp_path / "archive"
    folder.mkdir()
    db = Path(build_sample_archive(str(folder / "radar.db")))
    private = tmp_path / "subscribers.db"
    added = radar("subscribers", "add", ADDRESSES[0], "--db", str(db), environ=env(RADAR_SUBSCRIBERS_DB=str(private)))
    assert added.returncode == 0, added.stderr
    return db, private


def test_serve_export_and_digest_out_leave_the_archive_byte_identical(finished_archive, tmp_path):
    db, private = finished_archive
    before = sha256(db)
    out = tmp_path / "out"
    out.mkdir()
    _read_everything(db, out, env(RADAR_SUBSCRIBERS_DB=str(private)), user=None)
    assert sha256(db) == before


def test_readers_work_on_a_file_and_folder_they_cannot_write(finished_archive, open_tmp):
    db, private = finished_archive
    tmp_path = open_tmp
    for side in db.parent.glob("radar.db-*"):  # as a snapshot arrives on a web host: one file
        side.unlink()
    before = sha256(db)
    # Readable by everyone, writable by nobody but root; `nobody` runs the readers.
    for path in (tmp_path, db.parent, private.parent):
        path.chmod(0o755)
    os.chmod(db, 0o444)
    os.chmod(private, 0o444)
    db.parent.chmod(0o555)
    out = tmp_path / "out"
    out.mkdir()
    shutil.chown(out, NOBODY, NOBODY)
    environ = env(RADAR_SUBSCRIBERS_DB=str(private), HOME=str(out))
    try:
        _read_everything(db, out, environ, user=NOBODY)
    finally:
        db.parent.chmod(0o755)
    assert sha256(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["radar.db"]
    assert not stat.S_IMODE(db.stat().st_mode) & 0o222


# --- every write refused as such ----------------------------------------------------------------------
WRITE_ENDPOINTS = [
    "/radar/articles/-/insert",
    "/radar/articles/-/upsert",
    "/radar/articles/1/-/update",
    "/radar/articles/1/-/delete",
    "/radar/-/create",
    "/radar/articles/-/drop",
    "/radar/articles/-/alter",
    "/radar/articles/-/set-column-type",
]
BODIES = [{"json": {"row": {"title": "x"}}}, {"json": {"rows": [{"id": 1}], "replace": True}},
          {"content": b"\x00\xffkaputt"}, {"data": {"title": "x"}}, {}]


@pytest.fixture(scope="module")
def datasette(tmp_path_factory) -> Datasette:
    from publish.serve import TEMPLATES

    db = build_sample_archive(str(tmp_path_factory.mktemp("writes") / "radar.db"))
    return Datasette([], immutables=[db], template_dir=str(TEMPLATES))


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS)
def test_write_endpoints_answer_403_whatever_the_body(datasette, endpoint):
    async def post_all() -> list[tuple[int, str]]:
        answers = []
        for body in BODIES:
            response = await datasette.client.post(endpoint, **body)
            answers.append((response.status_code, response.text))
        return answers

    for status, text in asyncio.run(post_all()):
        assert status == 403, (endpoint, status, text[:300])
        assert "Traceback" not in text


def test_sql_writes_keep_answering_400(datasette):
    response = asyncio.run(datasette.client.get("/radar.json?sql=delete+from+articles"))
    assert response.status_code == 400, response.text
    count = asyncio.run(datasette.client.get("/radar.json?sql=select+count(*)+as+n+from+articles"))
    assert count.json()["rows"][0][0] == 12


def test_serve_beside_a_writer_answers_every_request(tmp_path):
    """`radar serve` on a file a writer is changing: read-only connections, never a 500, and the
    articles stored meanwhile show up; `--immutable` is refused in one line while the writer holds it."""
    from db.store import ArchiveWriter

    db = Path(build_sample_archive(str(tmp_path / "radar.db")))
    writer = ArchiveWriter(str(db))
    refused = radar("serve", "--db", str(db), "--immutable", "--port", str(free_port()), timeout=60)
    assert refused.returncode == 2 and "is being written" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    with serving(db, env()) as base:
        statuses = []
        for batch in range(8):
            writer.upsert_articles([{"url": f"https://neu.example/{batch}-{n}", "source": "neu",
                                     "title": f"Glasfasernetz Meldung {batch} {n}", "body": "Text " * 50,
                                     "published": "2025-09-24"} for n in range(25)])
            for page in ("/radar/-/search.json?q=Glasfasernetz", "/radar/articles.json", "/radar/articles_feed.atom"):
                statuses.append(fetch(base + page)[0])
        assert set(statuses) == {200}, statuses
        status, body = fetch(base + "/radar.json?sql=select+count(*)+from+articles+where+source_id+%3D+%27neu%27")
        assert status == 200 and json.loads(body)["rows"][0][0] == 200, body
    writer.db.close()


def test_every_published_table_can_be_counted(datasette):
    """Datasette counts an immutable archive's tables at start (and logs an ERROR for any it
    cannot): the search index, which reads its text from `articles`, counts like the others."""
    counts = asyncio.run(datasette.get_database("radar").table_counts(limit=5))
    assert counts and None not in counts.values(), counts
    titles = asyncio.run(datasette.client.get(
        "/radar.json?sql=select+title+from+articles_search+limit+1&_shape=array"))
    assert titles.status_code == 200 and titles.json()[0]["title"], titles.text[:300]
    page = asyncio.run(datasette.client.get("/radar/articles.json?_size=1"))
    assert "title_parts" not in page.json()["columns"]
    listed = asyncio.run(datasette.client.get("/radar.json")).json()
    assert "articles_search_text" not in [view["name"] for view in listed["views"]]  # plumbing, not a list
