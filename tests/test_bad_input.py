"""No tracebacks (issue 10): bad input to every `radar` command — missing, binary, corrupt and huge
files, options of the wrong type, nan/inf and out of range, invalid JSON, binary and huge lines —
answers with one line naming the problem, exit 2 (1 only for a run that failed), and leaves an
archive passed in byte for byte as it was.

Most cases run in-process through click's CliRunner (fast); the crawl cases and a few others run
`python -m radar` for real, proving that no traceback reaches stderr."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from radar.cli import cli

ROOT = Path(__file__).resolve().parent.parent
BINARY = bytes(range(256)) * 64 + b"\x00\xff\xfe"

FILES: dict[str, bytes] = {
    "binary.bin": BINARY,
    "binary.db": BINARY,
    "binary.toml": BINARY,
    "binary.json": BINARY,
    "binary.jsonl": BINARY,
    "binary.csv": BINARY,
    "binary.ini": BINARY,
    "empty.toml": b"",
    "broken.toml": b"[sources\nname = ",
    "wrong-types.toml": b'[[source]]\nid = 5\nstart_urls = "x"\n',
    "broken.json": b'[{"email": ',
    "email-number.json": b'[{"email": 5}]',
    "name-list.json": b'[{"email": "a@example.org", "name": ["x"]}]',
    "strings.json": b'["a@example.org"]',
    "object.json": b'{"email": "a@example.org"}',
    "nested.json": b"[" * 100_000 + b"]" * 100_000,
    "email-number.jsonl": b'{"email": 5}\n',
    "list-line.jsonl": b"[1, 2]\n",
    "bad-header.csv": b"mail;name\nx@example.org;X\n",
    "subscribers.txt": b"a@example.org\n",
    "broken.ini": b"[smtp\nhost = x\n",
    "tag-invalid.jsonl": b'{"title": "OZG"\n',
    "tag-numbers.jsonl": b'{"title": 5, "text": ["a"]}\n',
    "tag-list.jsonl": b"[1]\n",
    "gold/bad.jsonl": b"{not json\n",
}
# Huge files, made when the tests run (not held in memory by every process that collects them).
HUGE_FILES = {
    "huge.toml": lambda: b"# " + b"x" * (20 * 1024 * 1024) + b"\n",
    "huge-line.jsonl": lambda: b'{"email": "' + b"a" * (20 * 1024 * 1024) + b'@example.org"}\n',
    "huge-line.txt": lambda: b"Cybersicherheit " * (50 * 1024 * 1024 // 16),  # 50 MB, one line
}
# Copies of the packaged taxonomy with one file broken.
BROKEN_TAXONOMY = {"taxonomy-broken": b"topics: [\n  {id: ozg\n", "taxonomy-binary": BINARY}


@dataclass
class Case:
    """One bad input: `args` of `radar` ({archive}, {dir}, {new} filled in), what it must say."""

    name: str
    args: list[str]
    says: str  # a piece of the one-line message
    code: int = 2
    stdin: str | bytes | None = None
    subprocess: bool = False  # run `python -m radar` for real instead of in-process


def case(name: str, args: str, says: str, code: int = 2, stdin: str | bytes | None = None, subprocess: bool = False) -> Case:
    return Case(name, args.split(), says, code, stdin, subprocess)


SOURCES = "--sources {dir}/%s --base http://127.0.0.1:9 --all --db {archive}"
CRAWL = "crawl --source kommune21 --sources crawler/sample_sources.toml --base http://127.0.0.1:9 --db {archive} "
CASES = [
    # --- crawl: files and options, each refused before anything is fetched ----------------------
    case("crawl sources missing", "crawl " + SOURCES % "missing.toml", "no sources file", subprocess=True),
    case("crawl sources binary", "crawl " + SOURCES % "binary.toml", "binary.toml", subprocess=True),
    case("crawl sources broken toml", "crawl " + SOURCES % "broken.toml", "broken.toml", subprocess=True),
    case("crawl sources wrong types", "crawl " + SOURCES % "wrong-types.toml", "wrong-types.toml", subprocess=True),
    case("crawl sources empty", "crawl " + SOURCES % "empty.toml", "empty.toml", subprocess=True),
    case("crawl sources huge", "crawl " + SOURCES % "huge.toml", "huge.toml", subprocess=True),
    case("crawl sources is a folder", "crawl --sources {dir} --all --db {archive}", "{dir}", subprocess=True),
    case("crawl timeout nan", CRAWL + "--timeout nan", "--timeout", subprocess=True),
    case("crawl timeout inf", CRAWL + "--timeout inf", "--timeout", subprocess=True),
    case("crawl timeout 1e308", CRAWL + "--timeout 1e308", "--timeout", subprocess=True),
    case("crawl timeout negative", CRAWL + "--timeout -1", "--timeout"),
    case("crawl timeout zero", CRAWL + "--timeout 0", "--timeout"),
    case("crawl timeout text", CRAWL + "--timeout abc", "--timeout"),
    case("crawl timeout 601", CRAWL + "--timeout 601", "--timeout"),
    case("crawl setting not a number", CRAWL + "-s CONCURRENT_REQUESTS=abc", "CONCURRENT_REQUESTS", subprocess=True),
    case("crawl setting float for int", CRAWL + "-s CONCURRENT_REQUESTS=1.5", "CONCURRENT_REQUESTS", subprocess=True),
    case("crawl setting nan", CRAWL + "-s DOWNLOAD_DELAY=nan", "DOWNLOAD_DELAY", subprocess=True),
    case("crawl setting negative", CRAWL + "-s CONCURRENT_REQUESTS=-4", "CONCURRENT_REQUESTS", subprocess=True),
    case("crawl setting bool", CRAWL + "-s ROBOTSTXT_OBEY=perhaps", "ROBOTSTXT_OBEY", subprocess=True),
    case("crawl setting without value", CRAWL + "-s CONCURRENT_REQUESTS", "NAME=VALUE"),
    case("crawl setting without name", CRAWL + "-s =5", "NAME=VALUE"),
    case("crawl since not a date", CRAWL + "--since 01.06.2025x", "--since"),
    case("crawl since out of range", CRAWL + "--since 2025-13-45", "--since"),
    case("crawl start url ftp", "crawl --start-url ftp://example.org/ --db {archive}", "http"),
    case("crawl start url no host", "crawl --start-url http:// --db {archive}", "http"),
    case("crawl base not a url", "crawl --base nonsense --all --db {archive}", "http"),
    case("crawl unknown source", CRAWL.replace("kommune21", "nosuchsource"), "nosuchsource", subprocess=True),
    case("crawl log level", CRAWL + "--log-level loud", "--log-level"),
    case("crawl nothing to crawl", "crawl --db {archive}", "--source"),
    case("crawl stats into a folder", CRAWL + "--stats {dir}", "{dir}"),
    case("crawl jobdir is a file", CRAWL + "--jobdir {dir}/binary.bin", "binary.bin"),
    # --- run, health (the daily job): refused before anything is crawled, sent or written --------------
    case("run sources binary", "run --sources {dir}/binary.toml --base http://127.0.0.1:9 --no-digest --db {new}",
         "binary.toml"),
    case("run unknown source", "run --sources crawler/sample_sources.toml --base http://127.0.0.1:9 --source nosuch "
         "--no-digest --db {new}", "nosuch"),
    case("run jobs zero", "run --jobs 0 --no-digest --db {new}", "--jobs"),
    case("run stale days nan", "run --stale-days nan --no-digest --db {new}", "--stale-days"),
    case("run archive binary", "run --db {dir}/binary.db --sources crawler/sample_sources.toml --base http://127.0.0.1:9 "
         "--no-digest --no-publish --subscribers-db {dir}/run-private.db --report {dir}/run.json", "binary.db",
         subprocess=True),
    case("health archive binary", "health --db {dir}/binary.db", "binary.db"),
    case("health archive missing", "health --db {dir}/missing.db", "missing.db"),
    case("health stale days inf", "health --db {archive} --stale-days inf", "--stale-days"),
    case("crawl start url and all", "crawl --start-url http://127.0.0.1:9/ --all --db {archive}", "--all"),
    # --- sources ------------------------------------------------------------------------------------
    case("sources missing", "sources --file {dir}/missing.toml", "no sources file"),
    case("sources binary", "sources --file {dir}/binary.toml", "binary.toml"),
    case("sources broken toml", "sources --file {dir}/broken.toml", "broken.toml"),
    case("sources wrong types", "sources --file {dir}/wrong-types.toml", "wrong-types.toml"),
    case("sources empty", "sources --file {dir}/empty.toml", "empty.toml"),
    case("sources huge", "sources --file {dir}/huge.toml", "huge.toml"),
    case("sources folder", "sources --file {dir}", "{dir}"),
    case("sources base not a url", "sources --base nonsense", "http"),
    case("sources test unknown source", "sources test nope --file crawler/sample_sources.toml --base http://127.0.0.1:9",
         "no source 'nope'"),
    case("sources test url outside the domains", "sources test kommune21 http://example.org/a/ "
         "--file crawler/sample_sources.toml --base http://127.0.0.1:9", "key 'allowed_domains'"),
    case("sources test url not http", "sources test kommune21 file:///etc/passwd --file crawler/sample_sources.toml "
         "--base http://127.0.0.1:9", "not an http(s) URL"),
    case("sources test broken toml", "sources test x --file {dir}/broken.toml", "broken.toml"),
    case("sources test binary", "sources test x --file {dir}/binary.toml", "binary.toml"),
    case("sources test needs base", "sources test kommune21 --file crawler/sample_sources.toml", "give --base"),
    # --- reparse / retag ------------------------------------------------------------------------------
    case("reparse sources missing", "reparse --db {archive} --sources {dir}/missing.toml", "no sources file"),
    case("reparse sources binary", "reparse --db {archive} --sources {dir}/binary.toml --base http://127.0.0.1:9", "binary.toml"),
    case("reparse sources broken", "reparse --db {archive} --sources {dir}/broken.toml --base http://127.0.0.1:9", "broken.toml"),
    case("reparse base not a url", "reparse --db {archive} --base nonsense", "http"),
    case("retag taxonomy missing", "retag --db {archive} --taxonomy {dir}/no-taxonomy", "no-taxonomy"),
    case("retag taxonomy is a file", "retag --db {archive} --taxonomy {dir}/binary.bin", "binary.bin"),
    case("retag taxonomy broken", "retag --db {archive} --taxonomy {dir}/taxonomy-broken", "topics.yaml"),
    case("retag taxonomy binary", "retag --db {archive} --taxonomy {dir}/taxonomy-binary", "topics.yaml"),
    # --- serve / demo ----------------------------------------------------------------------------------
    case("serve port negative", "serve --db {archive} --port -1", "--port"),
    case("serve port too high", "serve --db {archive} --port 70000", "--port"),
    case("serve port text", "serve --db {archive} --port abc", "--port"),
    case("serve port nan", "serve --db {archive} --port nan", "--port"),
    case("serve no archive", "serve --db {new}", "no such file"),
    case("demo port text", "demo --db {new} --port abc", "--port"),
    # --- export ------------------------------------------------------------------------------------------
    case("export format", "export --db {archive} --format xml", "--format"),
    case("export no format", "export --db {archive}", "--format"),
    case("export table", "export --db {archive} --format csv --table subscribers", "--table"),
    case("export output is a folder", "export --db {archive} --format csv -o {dir}", "{dir}"),
    case("export no archive", "export --db {new} --format csv", "no such file"),
    case("export filters on a table", "export --db {archive} --format csv --table sources --topic x", "filters apply"),
    # --- ingest ------------------------------------------------------------------------------------------
    case("ingest batch zero", "ingest --redis redis://127.0.0.1:9/0 --db {archive} --batch 0", "--batch"),
    case("ingest batch text", "ingest --redis redis://127.0.0.1:9/0 --db {archive} --batch many", "--batch"),
    case("ingest lock wait nan", "ingest --redis redis://127.0.0.1:9/0 --db {archive} --lock-wait nan", "--lock-wait"),
    case("ingest lock wait inf", "ingest --redis redis://127.0.0.1:9/0 --db {archive} --lock-wait inf", "--lock-wait"),
    case("ingest lock wait negative", "ingest --redis redis://127.0.0.1:9/0 --db {archive} --lock-wait -5", "--lock-wait"),
    case("ingest no redis url", "ingest --db {archive}", "--redis"),
    case("ingest redis unreachable", "ingest --redis redis://127.0.0.1:9/0 --db {archive}", "127.0.0.1:9", code=1),
    # --- subscribers (a scratch file: the subscriber store is written) -----------------------------------
    case("subscribers import missing", "subscribers import {dir}/missing.json --db {new}", "missing.json"),
    case("subscribers import binary json", "subscribers import {dir}/binary.json --db {new}", "binary.json"),
    case("subscribers import binary jsonl", "subscribers import {dir}/binary.jsonl --db {new}", "binary.jsonl"),
    case("subscribers import binary csv", "subscribers import {dir}/binary.csv --db {new}", "binary.csv"),
    case("subscribers import broken json", "subscribers import {dir}/broken.json --db {new}", "broken.json"),
    case("subscribers import email number", "subscribers import {dir}/email-number.json --db {new}", "email"),
    case("subscribers import name list", "subscribers import {dir}/name-list.json --db {new}", "name"),
    case("subscribers import strings", "subscribers import {dir}/strings.json --db {new}", "object"),
    case("subscribers import object", "subscribers import {dir}/object.json --db {new}", "array"),
    case("subscribers import nested", "subscribers import {dir}/nested.json --db {new}", "nested.json", subprocess=True),
    case("subscribers import jsonl number", "subscribers import {dir}/email-number.jsonl --db {new}", "email"),
    case("subscribers import jsonl list", "subscribers import {dir}/list-line.jsonl --db {new}", "object"),
    case("subscribers import huge line", "subscribers import {dir}/huge-line.jsonl --db {new}", "email"),
    case("subscribers import csv header", "subscribers import {dir}/bad-header.csv --db {new}", "email"),
    case("subscribers import txt", "subscribers import {dir}/subscribers.txt --db {new}", ".csv"),
    case("subscribers import folder", "subscribers import {dir} --db {new}", "{dir}"),
    case("subscribers add bad email", "subscribers add not-an-address --db {new}", "not a valid address"),
    case("subscribers add weekday", "subscribers add a@example.org --weekday 9 --db {new}", "weekday"),
    Case("subscribers add control chars", ["subscribers", "add", "a@example.org", "--db", "{new}", "--name", "A\tB"], "control"),
    # --- digest ----------------------------------------------------------------------------------------
    case("digest week", "digest --db {archive} --out {dir}/out --week 2025-W99", "2025-W99"),
    case("digest today", "digest --db {archive} --out {dir}/out --today 2025-02-30", "--today"),
    case("digest neither out nor send", "digest --db {archive}", "--out"),
    case("digest config missing", "digest --db {archive} --out {dir}/out --config {dir}/missing.ini", "missing.ini"),
    case("digest config binary", "digest --db {archive} --out {dir}/out --config {dir}/binary.ini", "binary.ini"),
    case("digest config broken", "digest --db {archive} --out {dir}/out --config {dir}/broken.ini", "broken.ini"),
    case("digest out is a file", "digest --db {archive} --out {dir}/binary.bin --week 2025-W39", "binary.bin"),
    # --- tag / eval --------------------------------------------------------------------------------------
    case("tag binary stdin", "tag", "binary", stdin=BINARY),
    case("tag binary file", "tag {dir}/binary.bin", "binary.bin"),
    case("tag missing file", "tag {dir}/missing.jsonl", "missing.jsonl"),
    case("tag invalid json", "tag --jsonl {dir}/tag-invalid.jsonl", "line 1"),
    case("tag wrong types", "tag {dir}/tag-numbers.jsonl", "line 1"),
    case("tag list line", "tag --jsonl {dir}/tag-list.jsonl", "line 1"),
    case("tag 50 MB line", "tag --plain {dir}/huge-line.txt", "characters"),
    case("tag 50 MB line as jsonl", "tag --jsonl {dir}/huge-line.txt", "line 1"),
    case("tag taxonomy missing", "tag --taxonomy {dir}/no-taxonomy", "no-taxonomy", stdin="OZG\n"),
    case("tag taxonomy broken", "tag --taxonomy {dir}/taxonomy-broken", "topics.yaml", stdin="OZG\n"),
    case("tag taxonomy binary", "tag --taxonomy {dir}/taxonomy-binary", "topics.yaml", stdin="OZG\n"),
    case("eval gold missing", "eval --gold {dir}/no-gold", "no-gold"),
    case("eval gold broken", "eval --gold {dir}/gold", "bad.jsonl"),
    case("eval gold is a file", "eval --gold {dir}/binary.bin", "binary.bin"),
    # --- an archive path that is a folder (corrupt and read-only archives: docs/schema.md, issue 15)
    case("export archive is a folder", "export --db {dir} --format csv", "is a directory"),
    case("serve archive is a folder", "serve --db {dir}", "is a directory"),
    case("retag archive is a folder", "retag --db {dir}", "is a directory"),
    case("export corrupt archive", "export --db {dir}/binary.db --format csv", "binary.db"),
    case("serve corrupt archive", "serve --db {dir}/binary.db", "binary.db"),
    case("retag corrupt archive", "retag --db {dir}/binary.db", "binary.db"),
    case("reparse corrupt archive", "reparse --db {dir}/binary.db", "binary.db"),
    case("digest corrupt archive", "digest --db {dir}/binary.db --out {dir}/out --week 2025-W39", "binary.db"),
    # --- the group itself ------------------------------------------------------------------------------
    case("unknown command", "fly", "fly"),
    case("unknown option", "export --db {archive} --format csv --colour", "--colour"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad-input")
    for name, content in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    for name, make in HUGE_FILES.items():
        (folder / name).write_bytes(make())
    for name, content in BROKEN_TAXONOMY.items():
        shutil.copytree(ROOT / "nlp" / "taxonomy", folder / name)
        (folder / name / "topics.yaml").write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def archive(workdir) -> Path:
    from test_publish_datasette import build_archive

    return build_archive(workdir / "archive" / "radar.db")


def test_the_table_is_big_enough():
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert commands >= {"crawl", "sources", "reparse", "retag", "serve", "export", "demo", "ingest", "subscribers",
                        "digest", "tag", "eval"}


@pytest.mark.parametrize("bad", CASES, ids=[c.name for c in CASES])
def test_bad_input_gives_one_line_and_leaves_the_archive_alone(bad, workdir, archive, tmp_path):
    before = sha256(archive)
    fill = {"{archive}": str(archive), "{dir}": str(workdir), "{new}": str(tmp_path / "new" / "radar.db")}
    args = []
    for arg in bad.args:
        for key, value in fill.items():
            arg = arg.replace(key, value)
        args.append(arg)
    says = bad.says
    for key, value in fill.items():
        says = says.replace(key, value)
    if bad.subprocess:
        result = subprocess.run([sys.executable, "-m", "radar", *args], cwd=ROOT, capture_output=True,
                                input=bad.stdin if isinstance(bad.stdin, bytes) else (bad.stdin or "").encode(),
                                timeout=120, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        code, stderr = result.returncode, result.stderr.decode("utf-8", "replace")
    else:
        result = CliRunner().invoke(cli, args, input=bad.stdin, catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)[:300]
        code, stderr = result.exit_code, result.stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr[-3000:]
    assert says in errors[0], (says, errors[0][:500])
    assert len(errors[0]) < 1000, errors[0][:300]
    assert code == bad.code, stderr[-2000:]
    assert sha256(archive) == before
    assert not (tmp_path / "new" / "radar.db").exists() or bad.args[0] == "subscribers"
