"""Search latency: Datasette's JSON API against the same FTS5 query run bare in sqlite3.

    python -m bench.search                      # 20,000 articles: a quick run
    python -m bench.search --articles 1000000   # the issue's figure (generation takes a while)
    python -m bench.search --baseline d843d45   # and the code of that revision served beside it

Generates a synthetic German archive with the real schema (`db.connect.connect_writer`): sentences
drawn from a Zipf-distributed vocabulary of stop words, administration terms, compounds, actors
and places; tags for topics, actors and Länder. Articles, tags and the normalised search rows are
bulk-loaded with executemany in one transaction, both FTS indexes (external content over `articles`,
db/search_index.py) are optimised, and the archive's size per byte of article text is printed. The archive is kept in bench/results/ and reused.

Then `radar serve --immutable` publishes it (a snapshot as on a web host; `--live`: read-only connections) on a free port and every query
runs, interleaved and repeated, through `/<db>/-/search.json` (ranked, highlighted snippets, JSON
over HTTP) and bare through Python's sqlite3 on the same file running the same FTS queries
(`db.search.ranked_search`: the ranked window, then the page's articles). p50/p95 of both and
their ratio are printed and written to bench/results/search-<N>.json. `--baseline REV` serves the
same archive a second time with the code of git revision REV (bench/servers.py) and sends each
request to both servers in turn: on a shared machine whose load changes from minute to minute,
that compares the code, where runs one after the other compare the load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# Queries policy staff type: frequent, medium and rare words, compound parts, umlaut spellings,
# two words, a filter, a phrase.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("Digitalisierung", {}),
    ("Verwaltung", {}),
    ("Kommunen", {}),
    ("sicherheit", {}),
    ("Cybersicherheit", {}),
    ("OZG", {}),
    ("Onlinezugangsgesetz", {}),
    ("Städte", {}),
    ("Staedte", {}),
    ("Straße", {}),
    ("Strasse", {}),
    ("Breitband", {}),
    ("Wohngeld", {}),
    ("Registermodernisierung", {}),
    ("Bitkom", {}),
    ("DStGB Cybersicherheit", {}),
    ("OZG Hessen", {}),
    ("Cloud Souveränität", {}),
    ("Datenschutz", {}),
    ("E-Akte", {}),
    ("Schnittstelle", {}),
    ("KI Verwaltung", {}),
    ("Digitalisierung", {"topic": "ozg"}),
    ('"digitale Verwaltung"', {}),
]

STOP = """der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an
werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben
nur oder aber vor zur bis mehr durch man sein wurde sei""".split()

TERMS = """Verwaltung Digitalisierung Kommune Kommunen Stadt Städte Städten Gemeinde Gemeinden Land Länder
Bund Bürger Bürgerinnen Behörde Behörden Dienst Dienste Plattform Portal Daten Cloud Software Netz
Sicherheit Cybersicherheit IT-Sicherheit Angriff Cyberangriff Ransomware Schutz Datenschutz Gesetz
Onlinezugangsgesetz OZG EfA Register Registermodernisierung Akte E-Akte Ausweis Online-Ausweis BundID
Wohngeld Zulassung Kfz-Zulassung Meldewesen Breitband Ausbau Glasfaser Förderung Mittel Haushalt
Schuldenbremse Personal Fachkräfte Strategie Umsetzung Modernisierung Staatsmodernisierung Föderalismus
KI Chatbot Sprachmodell Souveränität Open-Source openDesk Standard Standards Schnittstelle Schnittstellen
XÖV Umfrage Studie Benchmark Rathaus Landkreis Landkreise Straße Straßen Strasse Verkehr Smart-City
Infrastruktur Rechenzentrum Dienstleister Anbieter Projekt Projekte Lösung Lösungen Antrag Anträge
Leistungen Verwaltungsleistungen Nutzer Zugang Prozess Prozesse Verfahren Digitalministerium
Ministerium Minister Ministerin Landesregierung Bundesregierung Kabinett Pilotprojekt Modellprojekt
digitale digitalen digital öffentliche öffentlichen kommunale kommunalen neue neuen sichere sicheren
souveräne gemeinsame gemeinsamen bundesweit landesweit schneller einfacher""".split()

ACTORS = ["DStGB", "Städtetag", "Landkreistag", "Bitkom", "Vitako", "BSI", "IT-Planungsrat", "FITKO",
          "BMI", "BMDS", "KGSt", "Dataport", "AKDB", "Komm.ONE", "ekom21", "govdigital", "DigitalService",
          "ZenDiS", "Normenkontrollrat", "Fraunhofer"]
PLACES = ["Hessen", "Bayern", "Berlin", "Hamburg", "Sachsen", "Niedersachsen", "Nordrhein-Westfalen",
          "Baden-Württemberg", "Thüringen", "Brandenburg", "Wiesbaden", "Augsburg", "Dresden", "Köln",
          "München", "Göttingen", "Kassel", "Münster", "Potsdam", "Kiel"]
TOPICS = ["ozg", "cybersecurity", "deutschland-stack", "ai", "eid", "register-modernisation",
          "digital-sovereignty", "open-source", "cloud", "e-file", "vehicle-registration", "housing-benefit",
          "registration", "smart-city", "broadband", "state-modernisation", "staffing", "funding",
          "data-protection", "open-data", "it-standards", "surveys"]
STATES = ["DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW",
          "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"]
ACTOR_IDS = ["dstgb", "staedtetag", "landkreistag", "bitkom", "vitako", "bsi", "it-planungsrat", "fitko",
             "bmi", "bmds", "kgst", "dataport", "akdb", "komm-one", "ekom21", "govdigital", "digitalservice",
             "zendis", "nkr", "fraunhofer-fokus"]
SOURCES = ["kommune21", "egovernment", "behoerden-spiegel", "move", "dstgb-presse"]


SYLLABLES = """an be bei da de ein er fa ge gen hal her ka kon la le lin lo ma men mer na ne nie
no ra re ren ri ro sa schaf se stel ta te ten ter tie to tra un ver wa we zie""".split()
ENDINGS = ["", "en", "er", "ung", "lich", "keit", "heit", "isch", "te", "ten", "ern", "e"]


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """~60,000 words with Zipf weights: stop words take the top ranks, then general words
    (made-up German-like words and compounds of known parts) with the domain terms, actors and
    places scattered between ranks 40 and 4,000, so a term is in 0.3-30 % of the articles."""
    from db.text.compounds import _PARTS

    parts = _PARTS.split()
    filler: set[str] = set()
    while len(filler) < 30_000:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(ENDINGS)
        filler.add(word.capitalize() if rng.random() < 0.4 else word)
    compounds: set[str] = set()
    while len(compounds) < 25_000:
        a, b = rng.choice(parts), rng.choice(parts)
        if a != b:
            link = "s" if a.endswith(("ung", "heit", "keit", "schaft", "ion")) else ""
            compounds.add((a + link + b).capitalize())
    general = sorted(filler) + sorted(compounds) + [p.capitalize() for p in parts]
    rng.shuffle(general)
    for term in TERMS + ACTORS + PLACES:
        general.insert(rng.randint(40, 4_000), term)
    words = STOP + general
    weights = [1.0 / (rank + 8) ** 1.05 for rank in range(len(words))]
    return words, weights


def sentence_pool(rng: random.Random, size: int, words: list[str], weights: list[float], length: tuple[int, int],
                  lexicon=None):
    """(text, normalised main tokens, normalised extra tokens) of `size` random sentences."""
    from db.text.normalise import word_extras, word_stems

    cum = []
    total = 0.0
    for weight in weights:
        total += weight
        cum.append(total)
    pool = []
    for _ in range(size):
        chosen = rng.choices(words, cum_weights=cum, k=rng.randint(*length))
        text = " ".join(chosen)
        text = text[0].upper() + text[1:] + "."
        main: list[str] = []
        extra: list[str] = []
        for word in chosen:
            main.extend(word_stems(word))
            extra.extend(word_extras(word, lexicon))
        pool.append((text, " ".join(main), " ".join(extra)))
    return pool


def generate(path: Path, articles: int, seed: int = 4) -> None:
    """Write a synthetic archive of `articles` articles with the real schema to `path`."""
    from db.connect import connect_writer
    from db.records import month_and_week
    from db.search import COLUMNS, QUEUE_TABLE, RECENT_SIZE, RECENT_TABLE, SEARCH_TABLE
    from db.search_index import create_queue_and_triggers, set_state
    from db.search_lexicon import LEXICON_TABLE, PARTS_TABLE, lexicon_words
    from db.text.compounds import Lexicon

    rng = random.Random(seed)
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    db = connect_writer(tmp)
    conn = db.conn
    # Bulk load without per-row triggers; create_queue_and_triggers puts them back afterwards.
    for (name,) in conn.execute("select name from sqlite_master where type = 'trigger' and tbl_name = 'articles'").fetchall():
        conn.execute(f"drop trigger {name}")
    # No journal for the bulk load of a file we generate (a 1M load would write a 10 GB WAL).
    conn.execute("pragma journal_mode = delete")
    conn.execute("pragma journal_mode = off")
    conn.execute("pragma synchronous = off")
    conn.execute("pragma cache_size = -400000")
    words, weights = vocabulary(rng)
    # The lexicon the index sync would count: every vocabulary word, in about as many articles as
    # its Zipf weight gives (some 300 words an article).
    total = sum(weights)
    docs: dict[str, int] = {}
    for word, weight in zip(words, weights, strict=True):
        for folded in lexicon_words(word):
            docs[folded] = max(docs.get(folded, 0), min(articles, max(2, round(articles * 300 * weight / total))))
    for table in (LEXICON_TABLE, PARTS_TABLE):  # counted and frozen, as a build of the index leaves them
        conn.executemany(f"insert into {table}(word, docs) values (?, ?)", docs.items())
    set_state(conn, "lexicon_articles", articles)
    lexicon = Lexicon(docs)
    titles = sentence_pool(rng, 20_000, words[len(STOP):], weights[: len(words) - len(STOP)], (5, 9), lexicon)
    sentences = sentence_pool(rng, 60_000, words, weights, (12, 20), lexicon)
    print(f"vocabulary {len(words):,} words, pools built in {time.perf_counter() - started:.0f} s", flush=True)
    for source in SOURCES:
        conn.execute("insert or ignore into sources (id, name, url) values (?, ?, ?)", [source, source.title(), f"https://{source}.example/"])
    first_day = date(2015, 1, 1)
    span = (date(2025, 11, 20) - first_day).days
    now = "2025-11-25T12:00:00+00:00"
    article_sql = (
        "insert into articles (id, url, source_id, title, kicker, teaser, body, published, month, week, date_missing, "
        "first_seen, fetched_at, updated_at, content_hash, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 1)"
    )
    tag_sql = "insert or ignore into tags (article_id, kind, value, label, mentions, score, derived) values (?, ?, ?, ?, 1, ?, 0)"
    columns = f"(rowid, {', '.join(COLUMNS)}) values ({', '.join('?' for _ in range(len(COLUMNS) + 1))})"
    search_sql = f"insert into {SEARCH_TABLE} {columns}"
    recent_sql = f"insert into {RECENT_TABLE} {columns}"
    recent_from = articles - RECENT_SIZE if articles > RECENT_SIZE else articles  # no slice below that size
    chunk = 5_000
    with conn:
        for start in range(1, articles + 1, chunk):
            rows, tags, search_rows = [], [], []
            for article_id in range(start, min(start + chunk, articles + 1)):
                title = rng.choice(titles)
                teaser = [rng.choice(sentences) for _ in range(2)]
                body = [rng.choice(sentences) for _ in range(rng.randint(8, 14))]
                published = (first_day + timedelta(days=span * article_id // (articles + 1))).isoformat()
                month, week = month_and_week(published)
                source = SOURCES[article_id % len(SOURCES)]
                body_text = " ".join(s[0] for s in body)
                rows.append((
                    article_id, f"https://{source}.example/meldung/{article_id}", source, title[0][:-1],
                    rng.choice(ACTORS), " ".join(s[0] for s in teaser), body_text, published, month, week,
                    now, now, now, hashlib.sha1(body_text.encode()).hexdigest(),
                ))
                search_rows.append((
                    article_id,
                    title[1],
                    " ".join(filter(None, [s[1] for s in teaser])),
                    " ".join(filter(None, [s[1] for s in body])),
                    title[2],
                    " ".join(filter(None, [s[2] for s in teaser])),
                    " ".join(filter(None, [s[2] for s in body])),
                ))
                for topic in rng.sample(TOPICS, rng.randint(1, 3)):
                    tags.append((article_id, "topic", topic, topic.replace("-", " ").title(), round(rng.random(), 2)))
                for actor in rng.sample(ACTOR_IDS, rng.randint(0, 2)):
                    tags.append((article_id, "actor", actor, actor.upper(), round(rng.random(), 2)))
                for state in rng.sample(STATES, rng.choice((0, 0, 1, 1, 2))):
                    tags.append((article_id, "state", state, state, round(rng.random(), 2)))
            conn.executemany(article_sql, rows)
            conn.executemany(tag_sql, tags)
            conn.executemany(search_sql, search_rows)
            conn.executemany(recent_sql, [row for row in search_rows if row[0] > recent_from])
            if article_id % 100_000 < chunk:
                print(f"  {article_id:,} articles ({time.perf_counter() - started:.0f} s)", flush=True)
        conn.execute(f"delete from {QUEUE_TABLE}")
    print(f"loaded in {time.perf_counter() - started:.0f} s; optimising both indexes …", flush=True)
    with conn:
        conn.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('optimize')")
        conn.execute(f"insert into {RECENT_TABLE}({RECENT_TABLE}) values ('optimize')")
    with conn:
        create_queue_and_triggers(conn)  # every trigger back
    conn.execute("pragma journal_mode = wal")
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    tmp.rename(path)
    for leftover in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    size = path.stat().st_size
    print(f"generated {articles:,} articles in {time.perf_counter() - started:.0f} s ({size / 1e9:.2f} GB)", flush=True)
    print(archive_size_line(path), flush=True)


def archive_size_line(path: Path) -> str:
    """The archive's bytes per byte of article text (issue 15: at most 3x)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        text, count = conn.execute(
            "select sum(length(cast(title as blob)) + length(cast(kicker as blob)) + length(cast(teaser as blob)) "
            "+ length(cast(body as blob))), count(*) from articles").fetchone()
    finally:
        conn.close()
    size = path.stat().st_size
    return (f"archive {size:,} bytes for {text:,} bytes of article text: {size / text:.2f}x "
            f"({size // count:,} bytes per article, {text // count:,} of text)")


def _current_format(path: Path) -> bool:
    """The kept archive has the index columns of this code (else it is generated again)."""
    from db.search import COLUMNS, SEARCH_TABLE

    with sqlite3.connect(path) as conn:
        return tuple(row[1] for row in conn.execute(f"pragma table_info({SEARCH_TABLE})")) == COLUMNS


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(path: Path, repeat: int, scope: str = "auto", serve_flags: tuple[str, ...] = ("--immutable",),
        baseline: Path | None = None) -> dict:
    """Time every query through the API and bare, interleaved; with `baseline` (a source tree of
    another revision) also through that code's server beside ours, each request to both in turn."""
    import httpx

    from bench.servers import datasette_of, radar_serve, start, stop
    from db.search import query_match, ranked_search

    servers = []
    try:
        if baseline is None:
            # --immutable: a published snapshot on a web host (docs/deploy.md); bench --live: serve's default
            servers.append(("api", *start(radar_serve(path, serve_flags), ROOT)))
        else:  # both started the same way (radar serve refuses a file another server holds)
            immutable = "--immutable" in serve_flags
            servers.append(("api", *start(datasette_of(ROOT, path, immutable), ROOT)))
            servers.append(("before", *start(datasette_of(baseline, path, immutable), baseline)))
        client = httpx.Client(timeout=60)
        bare = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        times: dict[str, dict[str, list[float]]] = {name: {} for name, _, _ in servers}
        times["bare"] = {}
        hits: dict[str, int] = {}
        plan = [(q, f) for q, f in QUERIES for _ in range(repeat)]
        random.Random(1).shuffle(plan)
        # One warm-up pass of each query (page cache, statement cache) before timing.
        for i, (query, filters) in enumerate(QUERIES + plan):
            key = query + "".join(f" [{k}={v}]" for k, v in filters.items())
            params = "&".join(f"{k}={quote(v)}" for k, v in filters.items())
            url = f"/{path.stem}/-/search.json?q={quote(query)}" + (f"&{params}" if params else "")
            url += "&scope=all" if scope == "all" else ""
            match = query_match(bare, query)  # as the page parses it (lexicon lookup), not timed
            payload = None
            for name, _, base in servers if i % 2 else servers[::-1]:
                t0 = time.perf_counter()
                response = client.get(base + url)
                times[name].setdefault(key, []).append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
                payload = response.json() if name == "api" else payload
            t1 = time.perf_counter()
            ranked = ranked_search(bare, match, filters, 20, 0, scope)
            times["bare"].setdefault(key, []).append((time.perf_counter() - t1) * 1000)
            assert [row["id"] for row in payload["rows"]] == [row["id"] for row in ranked.rows], query
            hits[key] = (payload["window_matches"], payload["scope"])
        for by_key in times.values():  # drop the warm-up sample
            for key in by_key:
                by_key[key] = by_key[key][1:]
    finally:
        for _, server, _ in servers:
            stop(server)
    every = {name: [t for samples in by_key.values() for t in samples] for name, by_key in times.items()}
    result = {
        "articles": None,
        "queries": {
            key: {
                "hits_ranked": hits[key][0],
                "scope": hits[key][1],
                "api_p50": statistics.median(times["api"][key]),
                "bare_p50": statistics.median(times["bare"][key]),
                **({"before_p50": statistics.median(times["before"][key])} if baseline else {}),
            }
            for key in times["api"]
        },
        "samples": len(every["api"]),
    }
    for name, samples in every.items():
        result[f"{name}_p50"] = percentile(samples, 0.50)
        result[f"{name}_p95"] = percentile(samples, 0.95)
    return result


def report(result: dict, articles: int, baseline: str | None = None) -> str:
    """The per-query table and the summary (with `baseline`: its API column and line too)."""
    width = max(len(key) for key in result["queries"])
    before = f"  {'before':>8}" if baseline else ""
    lines = [f"\n{'query':<{width}}  {'ranked':>7}  {'scope':>6}  {'API p50':>8}{before}  {'bare p50':>8}"]
    for key, row in result["queries"].items():
        was = f"  {row['before_p50']:>6.1f}ms" if baseline else ""
        lines.append(f"{key:<{width}}  {row['hits_ranked']:>7}  {row['scope']:>6}  {row['api_p50']:>6.1f}ms{was}  "
                     f"{row['bare_p50']:>6.1f}ms")

    def ratio(name: str, share: str) -> float:
        return result[f"{name}_{share}"] / result[f"bare_{share}"] if result[f"bare_{share}"] else float("nan")

    lines.append(f"\n{articles:,} articles, {result['samples']} searches each way:")
    lines.append(f"  Datasette JSON API  p50 {result['api_p50']:.1f} ms  p95 {result['api_p95']:.1f} ms")
    if baseline:
        lines.append(f"  API at {baseline:<12} p50 {result['before_p50']:.1f} ms  p95 {result['before_p95']:.1f} ms")
    lines.append(f"  bare sqlite3        p50 {result['bare_p50']:.1f} ms  p95 {result['bare_p95']:.1f} ms")
    lines.append(f"  API / bare          p50 {ratio('api', 'p50'):.2f}x  p95 {ratio('api', 'p95'):.2f}x   "
                 "(goal: p95 < 30 ms, <= 2x)")
    if baseline:
        lines.append(f"  at {baseline:<12} / bare p50 {ratio('before', 'p50'):.2f}x  p95 {ratio('before', 'p95'):.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000, help="archive size (default 20,000)")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each query")
    parser.add_argument("--rebuild", action="store_true", help="generate the archive again")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--live", action="store_true",
                        help="serve with read-only connections (radar serve's default) instead of --immutable")
    parser.add_argument("--scope", choices=["auto", "all"], default="auto",
                        help="all: always rank over the whole archive (no recent slice), for comparison")
    parser.add_argument("--baseline", metavar="REV",
                        help="also serve the archive with the code of git revision REV, side by side, each request to both")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.servers import is_revision

    if args.baseline and not is_revision(args.baseline):
        parser.error(f"--baseline {args.baseline}: no such git revision")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"search-{args.articles}.db"
    if args.rebuild or not path.exists() or not _current_format(path):
        path.unlink(missing_ok=True)
        generate(path, args.articles)
    else:
        print(archive_size_line(path), flush=True)
    if args.generate_only:
        return
    flags = () if args.live else ("--immutable",)
    if args.baseline:
        from bench.servers import source_tree

        with source_tree(args.baseline) as tree:
            result = run(path, args.repeat, args.scope, flags, baseline=tree)
        result["baseline"] = args.baseline
    else:
        result = run(path, args.repeat, args.scope, flags)
    result["articles"] = args.articles
    result["scope"] = args.scope
    print(report(result, args.articles, args.baseline))
    suffix = ("" if args.scope == "auto" else f"-{args.scope}") + ("-baseline" if args.baseline else "")
    (RESULTS / f"search-{args.articles}{suffix}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
