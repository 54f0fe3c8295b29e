"""`python -m bench.tag [--n 2000]`: tagging speed vs the bare `spacy.blank("de")` tokenizer.

Both run in the same process on the same synthetic German news texts (~300 tokens each, generated
from templates with a long tail of made-up names and compounds, no network), so the ratio is
meaningful on any machine. Goal: the full tagger keeps at least 40% of the bare tokenizer's token rate.
Caches are warmed on one article set, then each timed round uses articles neither side has seen.
Also reported: the taxonomy load time (all places) and the process's peak RSS (goals: < 3 s, < 400 MB).

`python -m bench.tag --memory [--n 10000]`: the tagger's own resident memory, in a fresh process that
loads nothing else (as the crawl's store worker does): RSS after each load step and after every
2,000 of `n` unseen synthetic articles, so a cost per load step and any growth per article show.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time

GOAL = 0.40
LOAD_GOAL_S = 3.0
RSS_GOAL_MB = 400

ACTORS = ["der Deutsche Städte- und Gemeindebund (DStGB)", "Bitkom", "die Vitako", "das BSI", "der IT-Planungsrat",
          "die FITKO", "das Bundesministerium des Innern", "der Deutsche Städtetag", "die KGSt", "Dataport",
          "die AKDB", "Komm.ONE", "der Nationale Normenkontrollrat", "die Initiative D21", "die EU-Kommission"]
PLACES = ["in Wiesbaden", "im Landkreis Göttingen", "in Nordrhein-Westfalen", "in Sachsen-Anhalt", "in Bayern",
          "in der Stadt Essen", "in Dresden", "im Rhein-Sieg-Kreis", "in Hamburg", "im Saarland", "in Augsburg",
          "in Frankfurt am Main", "im Ortenaukreis", "in Schleswig-Holstein", "in Halle (Saale)"]
TOPICS = ["die OZG-Umsetzung", "die Cybersicherheitsstrategie", "der Deutschland-Stack", "KI-Anwendungen",
          "die BundID", "die Registermodernisierung", "Open-Source-Lösungen", "die Verwaltungscloud", "die E-Akte",
          "i-Kfz", "das Wohngeld", "das Meldewesen", "Smart-City-Projekte", "der Glasfaserausbau",
          "der Fachkräftemangel", "das Förderprogramm", "die DSGVO", "Open Data", "XÖV-Standards", "die Umfrage"]
# Word pools for the filler text. German news has a long tail of compounds, names and numbers, so the
# generator builds them combinatorially: a tokenizer cache that sees only a few sentences would make
# any per-token work look far more expensive than on real articles (PERF.md: ~237k tokens/s bare).
PREFIXES = ["Verwaltungs", "Bürger", "Daten", "Landes", "Kommunal", "Digital", "Netz", "Personal", "Service",
            "Antrags", "Fach", "Projekt", "Bundes", "Kreis", "Stadt", "Informations", "Sicherheits", "Planungs",
            "Beratungs", "Prüf", "Leistungs", "Vergabe", "Steuer", "Bau", "Schul", "Gesundheits", "Verkehrs",
            "Umwelt", "Energie", "Wirtschafts", "Sozial", "Melde", "Gewerbe", "Register", "Portal", "Software",
            "Infrastruktur", "Zukunfts", "Entwicklungs", "Test", "Pilot", "Modell", "Kooperations", "Rechts"]
HEADS = ["portal", "dienst", "strategie", "gesetz", "plattform", "projekt", "verfahren", "amt", "stelle",
         "konzept", "lösung", "anwendung", "system", "prozess", "zentrum", "netzwerk", "programm", "beirat",
         "bericht", "vorhaben", "angebot", "standard", "modul", "verbund", "behörde", "leitfaden", "team",
         "haushalt", "ausschuss", "kongress", "labor", "initiative", "rahmen", "vertrag", "zugang", "pflicht"]
ADJECTIVES = ["neue", "digitale", "gemeinsame", "kommunale", "bundesweite", "zentrale", "moderne", "sichere",
              "einheitliche", "offene", "erste", "zweite", "schnelle", "flexible", "regionale", "dauerhafte"]
VERBS = ["startet", "erweitert", "prüft", "plant", "testet", "fördert", "verbessert", "vereinfacht", "bündelt",
         "übernimmt", "entwickelt", "beschließt", "veröffentlicht", "modernisiert", "ersetzt", "begleitet"]
ADVERBS = ["zunächst", "künftig", "bereits", "inzwischen", "schrittweise", "kurzfristig", "erneut", "vorerst",
           "gemeinsam", "landesweit", "bundesweit", "zusätzlich", "ebenfalls", "weiterhin"]
FIRST = ["Anna", "Jonas", "Maria", "Lukas", "Sabine", "Thomas", "Julia", "Michael", "Katrin", "Stefan", "Eva"]
LAST = ["Schulz", "Becker", "Hoffmann", "Wagner", "Krüger", "Neumann", "Schwarz", "Zimmermann", "Braun", "Vogel"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November"]


SYLLABLES = ["ka", "ber", "lin", "to", "mar", "ste", "hal", "wer", "do", "ri", "sen", "gau", "bur", "ne", "li",
             "fel", "dor", "an", "ket", "mo", "hei", "rup", "sa", "vo", "gel", "tin", "kor", "ma", "len", "bi"]


def _pseudo(rng: random.Random, parts: int) -> str:
    """A made-up word: names of people, firms, products and rare compounds form a long tail."""
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _noun(rng: random.Random) -> str:
    if rng.random() < 0.3:  # rare compounds: about one new word type in ten tokens, as in real news
        return _pseudo(rng, 2).capitalize() + rng.choice(HEADS)
    return rng.choice(PREFIXES) + rng.choice(HEADS)


def _sentence(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.35:
        return (f"Die {rng.choice(ADJECTIVES)} {_noun(rng)} {rng.choice(VERBS)} {rng.choice(ADVERBS)} das "
                f"{_noun(rng)} und den {_noun(rng)}.")
    if shape < 0.55:
        last = rng.choice(LAST) if rng.random() < 0.5 else _pseudo(rng, 3).capitalize()
        return (f"„Wir brauchen {rng.choice(ADJECTIVES)} {_noun(rng)}“, sagte {rng.choice(FIRST)} "
                f"{last}, Leiterin des {_noun(rng)}s bei der {_pseudo(rng, 2).capitalize()} GmbH.")
    if shape < 0.75:
        count = f"{rng.randint(2, 9000):,}".replace(",", ".")  # German thousands separator
        return (f"Am {rng.randint(1, 28)}. {rng.choice(MONTHS)} {rng.randint(2019, 2026)} wurden {count} Anträge "
                f"über das {_noun(rng)} gestellt, rund {rng.randint(5, 95)} Prozent mehr als im Vorjahr.")
    return (f"Nach Angaben der {_noun(rng)} soll das {rng.choice(ADJECTIVES)} {_noun(rng)} "
            f"{rng.choice(ADVERBS)} mit dem {_noun(rng)} verbunden werden.")


def synthetic_articles(n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """`n` (title, teaser, body) triples of plausible German e-government news, about 300 tokens each."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        actor, place, topic = rng.choice(ACTORS), rng.choice(PLACES), rng.choice(TOPICS)
        title = f"{actor.split(' ', 1)[-1].capitalize()}: Neue Schritte für {topic.split(' ', 1)[-1]} {place}"
        teaser = f"{actor[0].upper()}{actor[1:]} stellt Pläne für {topic} vor. {_sentence(rng)}"
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < 235:
            if rng.random() < 0.15:
                sentences.append(f"Auch {rng.choice(ACTORS)} äußerte sich {rng.choice(PLACES)} zu {rng.choice(TOPICS)}.")
            else:
                sentences.append(_sentence(rng))
        out.append((title, teaser, " ".join(sentences)))
    return out


def run(n: int, repeats: int = 5) -> dict[str, float]:
    """Time the bare tokenizer and the full tagger, interleaved, best of `repeats`.

    Both first see one set of articles (warm caches, as after the start of a long crawl); every timed
    round then uses `n` articles neither has seen, so the long tail of new words costs both sides what
    it costs in production. Times are process CPU time (`time.process_time`), best round of each:
    the machine is shared, and wall-clock time would measure the neighbours too.
    """
    import spacy

    from nlp.tagger import get_tagger
    from nlp.taxonomy import load_taxonomy

    bare = spacy.blank("de")
    t0 = time.perf_counter()
    load_taxonomy()  # all places; from the on-disk cache after the first run (nlp/cache.py)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger = get_tagger()
    build_s = time.perf_counter() - t0
    warm = synthetic_articles(n, seed=0)
    for _doc in bare.tokenizer.pipe([t for triple in warm for t in triple]):
        pass
    for _tags in tagger.tag_many(warm):
        pass
    bare_s, tag_s = float("inf"), float("inf")
    tokens = types = tags = 0
    for round_ in range(1, repeats + 1):
        articles = synthetic_articles(n, seed=round_)
        texts = [t for triple in articles for t in triple]
        t0 = time.process_time()
        lengths = [len(doc) for doc in bare.tokenizer.pipe(texts)]  # Docs are not kept: RSS is the tagger's
        bare_s = min(bare_s, time.process_time() - t0)
        t0 = time.process_time()
        counts = [len(t) for t in tagger.tag_many(articles)]
        tag_s = min(tag_s, time.process_time() - t0)
        if round_ == 1:
            tokens = sum(lengths)
            types = len({t.orth for doc in bare.tokenizer.pipe(texts) for t in doc})
            tags = sum(counts)
    peak = peak_mb()
    return {"articles": n, "tokens": tokens, "types": types, "tags": tags, "bare_s": bare_s, "tagger_s": tag_s,
            "ratio": bare_s / tag_s, "load_s": load_s, "build_s": build_s, "rss_mb": peak,
            "zones": tagger.zone.zones}


def rss_mb() -> float:
    """Current resident set size (Linux `/proc`; elsewhere the peak is the best we have)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mb()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_steps(n: int, every: int = 2000) -> list[tuple[str, float, float]]:
    """(step, RSS MB, peak RSS MB) after each load step and every `every` articles tagged; run it in
    a fresh process (`memory`), or the steps measure whatever the caller loaded before."""
    import gc

    steps: list[tuple[str, float, float]] = []

    def step(name: str) -> None:
        gc.collect()
        steps.append((name, rss_mb(), peak_mb()))

    step("python")
    import spacy

    spacy.blank("de")
    step("import spacy, blank('de')")
    from nlp.taxonomy import load_cached

    load_cached()
    step("taxonomy loaded")
    from nlp.tagger import get_tagger

    tagger = get_tagger()
    step("tagger built")
    done = 0
    while done < n:
        size = min(every, n - done)
        for _tags in tagger.tag_many(synthetic_articles(size, seed=1000 + done)):
            pass
        done += size
        step(f"{done} articles tagged")
    return steps


def memory(n: int) -> list[tuple[str, float, float]]:
    """`memory_steps` in a fresh Python process."""
    code = f"import json, bench.tag as b; print(json.dumps(b.memory_steps({int(n)})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return [tuple(s) for s in json.loads(out.splitlines()[-1])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="number of synthetic articles (default 2000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (best one counts)")
    parser.add_argument("--memory", action="store_true",
                        help="instead: the tagger's RSS per load step and after every 2,000 of --n articles "
                             "(fresh process; default --n 10000)")
    args = parser.parse_args(argv)
    if args.memory:
        n = args.n or 10000
        print(f"{'step (fresh process)':<28} {'RSS MB':>8} {'peak MB':>8}")
        for name, rss, peak in memory(n):
            print(f"{name:<28} {rss:>8.0f} {peak:>8.0f}")
        return 0
    r = run(args.n or 2000, args.repeats)
    print(f"{r['articles']} unseen synthetic articles per round, {r['tokens']} tokens ({r['types']} types) by the "
          f"bare tokenizer, {r['tags']} tags; best of {args.repeats} interleaved rounds\n")
    print(f"{'':<28} {'articles/s':>11} {'tokens/s':>11}")
    for name, secs in (("spacy.blank('de') tokenizer", r["bare_s"]), ("radar tagger (full)", r["tagger_s"])):
        print(f"{name:<28} {r['articles'] / secs:>11.0f} {r['tokens'] / secs:>11.0f}")
    verdict = "ok" if r["ratio"] >= GOAL else "MISSED"
    print(f"\ntagger / bare tokenizer = {r['ratio']:.0%} (goal >= {GOAL:.0%}: {verdict})")
    print(f"taxonomy load (all places) {r['load_s']:.2f} s (goal < {LOAD_GOAL_S:.0f} s: "
          f"{'ok' if r['load_s'] < LOAD_GOAL_S else 'MISSED'}); tagger build {r['build_s']:.2f} s")
    print(f"peak RSS {r['rss_mb']:.0f} MB (goal < {RSS_GOAL_MB} MB: {'ok' if r['rss_mb'] < RSS_GOAL_MB else 'MISSED'}; "
          f"both pipelines; the tagger alone: --memory); tagger memory zones opened: {r['zones']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
