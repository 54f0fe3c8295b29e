"""Benchmark: the weekly digest for 1,000 subscribers over a week of 500 articles.

    python -m bench.digest [--subscribers 1000] [--articles 500] [--seed 7]

Builds a synthetic archive (the week and the week before, tagged with the real ids), then, in the
same run: selecting alone (SQL per subscriber), building alone (select + render + MIME, the
baseline), and building + handing every mail to a local aiosmtpd server in its own process through
the same code as `radar digest --send` (one SMTP connection, a digest_log commit per mail). A
"send only" pass of the already built mails shows what the transport and the server cost alone.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from db.digest_store import DigestStore
from db.private import private_path
from db.search_index import sync_search_index
from db.store import ArchiveWriter
from digest import config as settings
from digest.run import DigestBuilder, Report, send_all
from digest.select import select_ids
from digest.send import Mailer
from digest.subscribers import Subscriber
from digest.testing import article, tag
from digest.vocabulary import ACTORS, STATES, TOPICS
from digest.weeks import previous_week, week_monday

WEEK = "2025-W39"
SOURCES = ("kommune21", "egov", "verband", "behoerden-spiegel")
WORDS = ("Verwaltung", "Digitalisierung", "Kommune", "Glasfaser", "Rathaus", "Bürgerportal", "Antrag",
         "Landkreis", "Plattform", "Förderung", "Strategie", "Sicherheit", "Daten", "Software", "Netz",
         "Projekt", "Pilot", "Gesetz", "Ministerium", "Verband", "Umfrage", "Standard", "Register")
SEARCHES = ("Glasfaser", "Bürgerportal", "Pilot Rathaus", "Register", "Umfrage Kommune")

SERVER = r"""
import sys, threading
from aiosmtpd.controller import Controller
from digest.testing import RecordingHandler, free_port
handler = RecordingHandler(count_only=True)
port = free_port()
controller = Controller(handler, hostname="127.0.0.1", port=port)
controller.start()
print(port, flush=True)
sys.stdin.read()
controller.stop()
print(handler.count, flush=True)
"""


def make_articles(rng: random.Random, count: int, week: str, first: int) -> list[dict]:
    monday = week_monday(week)
    topics, actors, states = list(TOPICS), list(ACTORS), list(STATES)
    items = []
    for number in range(first, first + count):
        tags = [tag("topic", t, TOPICS[t], round(rng.uniform(0.3, 1.0), 2))
                for t in rng.sample(topics, rng.choice((1, 1, 2, 3)))]
        tags += [tag("actor", a, ACTORS[a]) for a in rng.sample(actors, rng.choice((0, 0, 1, 2)))]
        tags += [tag("state", s, STATES[s], derived=rng.random() < 0.3)
                 for s in rng.sample(states, rng.choice((0, 1, 1, 2)))]
        words = rng.sample(WORDS, 8)
        items.append(article(
            number, (monday + timedelta(days=rng.randrange(7))).isoformat(),
            title=f"{words[0]} und {words[1]}: {words[2]} im {words[3]}", source=rng.choice(SOURCES),
            teaser=" ".join(rng.choice(WORDS) for _ in range(30)) + ".",
            body=" ".join(rng.choice(WORDS) for _ in range(300)) + ".", tags=tags,
        ))
    return items


def make_subscriber(rng: random.Random, number: int) -> Subscriber:
    kind = rng.random()
    fields: dict = {}
    if kind < 0.40:
        fields["topics"] = tuple(rng.sample(list(TOPICS), rng.randint(1, 3)))
    elif kind < 0.60:
        fields["topics"] = tuple(rng.sample(list(TOPICS), rng.randint(1, 2)))
        fields["states"] = tuple(rng.sample(list(STATES), rng.randint(1, 2)))
    elif kind < 0.75:
        fields["actors"] = tuple(rng.sample(list(ACTORS), rng.randint(1, 3)))
    elif kind < 0.85:
        fields["sources"] = (rng.choice(SOURCES),)
    elif kind < 0.95:
        fields["search"] = rng.choice(SEARCHES)
    return Subscriber(email=f"staff{number:04d}@example.org", name=f"Mitarbeiterin {number}",
                      weekday=rng.randint(1, 7), send_empty=rng.random() < 0.5, **fields)


CPU: dict[str, float] = {}  # phase → CPU seconds of this process (steadier than wall time on a busy machine)


def timed(action, phase: str = ""):
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU[phase] = time.process_time() - cpu
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        writer = ArchiveWriter(path)
        setup, _ = timed(lambda: (
            writer.upsert_articles(make_articles(rng, args.articles, WEEK, 1)),
            writer.upsert_articles(make_articles(rng, args.articles, previous_week(WEEK), args.articles + 1)),
        ))
        sync_search_index(writer.db)  # as `radar digest` finds it: opening the archive indexes new articles
        store = DigestStore(private_path(path))
        subscribers = [make_subscriber(rng, n) for n in range(args.subscribers)]
        store.upsert_subscribers(s.to_row() for s in subscribers)
        config = settings.build({**{s.env: s.default for s in settings.SETTINGS},
                                 "RADAR_SECRET": "bench-secret", "RADAR_SMTP_HOST": "127.0.0.1"})

        load_time, builder = timed(lambda: DigestBuilder(writer.db, WEEK, config))
        select_time, selected = timed(lambda: [len(select_ids(writer.db, WEEK, s)) for s in subscribers], "select")
        build_time, built = timed(lambda: [builder.build(s)[0] for s in subscribers], "build")
        mails = sum(1 for message in built if message is not None)
        size = sum(len(message.as_bytes()) for message in built if message is not None)

        server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, cwd=Path(__file__).resolve().parent.parent)
        port = int(server.stdout.readline())
        smtp = settings.SmtpConfig(host="127.0.0.1", port=port, retries=0, timeout=30)
        report = Report(week=WEEK)

        def send_prebuilt() -> None:  # transport + server alone: the mails built above, no log
            with Mailer(smtp) as mailer:
                for subscriber, message in zip(subscribers, built, strict=True):
                    if message is not None:
                        mailer.send(message, config.sender_addr, [subscriber.email])

        transport_time, _ = timed(send_prebuilt, "transport")

        def send() -> None:
            fresh = DigestBuilder(writer.db, WEEK, config)  # load included: the whole `--send` path
            with Mailer(smtp) as mailer:
                send_all(fresh, subscribers, store, mailer, report)

        send_time, _ = timed(send, "send")
        server.stdin.close()
        received = int(server.stdout.readline())
        server.wait(timeout=30)

    print(f"digest bench: {args.subscribers} subscribers, {args.articles} articles in {WEEK} "
          f"(+{args.articles} the week before), seed {args.seed}; archive built in {setup:.1f}s")
    print(f"  matches per subscriber: median {sorted(selected)[len(selected) // 2]}, max {max(selected)}; "
          f"{mails} mails, {args.subscribers - mails} empty without mail; avg mail {size / max(mails, 1) / 1024:.1f} KiB")
    print(f"  load week + summary      {load_time * 1000:8.1f} ms")
    print("  phase                        wall     rate            CPU (this process)")
    print(f"  select only (SQL)        {select_time:8.2f} s {args.subscribers / select_time:6.0f} subscribers/s "
          f"{CPU['select']:6.2f} s")
    print(f"  build only (baseline)    {build_time:8.2f} s {mails / build_time:6.0f} mails/s       {CPU['build']:6.2f} s")
    print(f"  send only (pre-built)    {transport_time:8.2f} s {mails / transport_time:6.0f} mails/s       "
          f"{CPU['transport']:6.2f} s")
    print(f"  build + send + log       {send_time:8.2f} s {report.sent / send_time:6.0f} mails/s       "
          f"{CPU['send']:6.2f} s   ({send_time / build_time:.1f}x build only)")
    print(f"  server received {received} = 2 x {mails}; digest_log: {report.sent} sent + {report.empty} empty")
    if received != 2 * mails or report.sent != mails or report.failed or report.aborted:
        sys.exit("bench: not every mail arrived exactly once")


if __name__ == "__main__":
    main()
