"""`python -m bench [NAME ...]` (or `make bench`): run the benchmarks one after another.

Each prints its own table and its baseline from the same run. Sizes are each benchmark's
defaults; pass `--full` for the sizes the issues ask for (10k-article crawl, 1M-article search).
"""

from __future__ import annotations

import argparse
import importlib
import time

BENCHES = {
    "tag": ([], []),
    "crawl": ([], ["--articles", "10000"]),
    "search": ([], ["--articles", "1000000"]),
    "digest": ([], ["--subscribers", "1000", "--articles", "500"]),
    "text": ([], ["--mb", "1"]),
    "searchquality": ([], []),
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--full", action="store_true", help="use the sizes the issues ask for")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark: {', '.join(unknown)}")
    for name in args.names or list(BENCHES):
        quick, full = BENCHES[name]
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main(full if args.full else quick)
        print(f"(bench.{name} took {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
