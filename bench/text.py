"""`python -m bench.text [--mb 1]`: the German search's text handling on hostile input.

For each kind of adversarial text (repetitions, a run-together compound, thousands of unique
compounds, hyphen and dot chains, one long token, mixed scripts with control characters, query
syntax) of `--mb` megabytes: the time to normalise it for the index (cold caches), to highlight
and cut a snippet from it, and to parse it as a query, against the baseline `text.lower().split()`
over the same text in the same run. Goal (issue 10): 1 MB of any such text normalised in < 1 s
of CPU time (the process's own time, which wall time equals on a quiet machine; both are shown).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from db.text.compounds import _PARTS

GOAL_SECONDS_PER_MB = 1.0


def _unique_compounds(size: int, seed: int = 1) -> str:
    parts = _PARTS.split()
    rng = random.Random(seed)
    words, total = [], 0
    while total < size:
        chosen = [rng.choice(parts) for _ in range(rng.randint(1, 4))]
        chosen.insert(rng.randint(0, len(chosen)), "sicherheit")  # every word a match for `Sicherheit`
        word = "".join(chosen).capitalize()
        words.append(word)
        total += len(word) + 1
    return " ".join(words)[:size]


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "repeated compound, one token": lambda n: ("Sicherheitsstrategie" * n)[:n],
    "repeated compound, words": lambda n: ("Cybersicherheitsstrategie " * n)[:n],
    "unique compounds": _unique_compounds,
    "hyphen chain": lambda n: ("ozg-" * n)[:n],
    "dot chain": lambda n: ("a1." * n)[:n],
    "one long token": lambda n: "x" * n,
    "mixed scripts and controls": lambda n: ("Straße\x00Ж中文\u200bİ٣-ﬃ\tÖl🙂 " * n)[:n],
    "query syntax": lambda n: ('NEAR( "OZG AND (-x) * ' * n)[:n],
}



def _timed(func: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    func(*args)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.text", description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each text in megabytes (default 1)")
    args = parser.parse_args(argv)
    from db.text.highlight import highlight, snippet
    from db.text.normalise import clear_caches, normalise_text
    from db.text.query import parse_query

    size = int(args.mb * 1_000_000)
    query = parse_query("OZG Sicherheit Straße ozg-ozg Cyber*")
    print(f"{'text (' + str(args.mb) + ' MB)':34} {'baseline':>9} {'normalise':>10} {'(CPU)':>7} {'out/in':>7} "
          f"{'snippet':>8} {'highlight':>10} {'query':>7}")
    worst = 0.0
    for kind, make in ADVERSARIAL.items():
        text = make(size)
        baseline = _timed(lambda t: t.lower().split(), text)
        clear_caches()
        started, cpu_started = time.perf_counter(), time.process_time()
        normalised = normalise_text(text)
        normalise, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        cut = _timed(snippet, text, query)
        marked = _timed(highlight, text, query)
        parsed = _timed(parse_query, text)
        worst = max(worst, cpu / args.mb)
        print(f"{kind:34} {baseline:8.3f}s {normalise:9.3f}s {cpu:6.3f}s {len(normalised) / len(text):7.2f} {cut:7.3f}s "
              f"{marked:9.3f}s {parsed:6.3f}s", flush=True)
    verdict = "met" if worst < GOAL_SECONDS_PER_MB else "MISSED"
    print(f"\nslowest normalisation: {worst:.3f} s of CPU per MB (goal < {GOAL_SECONDS_PER_MB:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
