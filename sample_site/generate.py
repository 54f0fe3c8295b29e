"""Synthetic Kommune21-style sites of any size, for benchmarks (`python -m sample_site.generate`).

Same markup and routes as the hand-written site (the same templates render it), 20 teasers per list
page, bodies of about 300 words assembled from sentence templates that mix actors, places and topics.
Because every mention comes from a slot we filled, the expected tags are known by construction and
written to `_truth.jsonl` (one JSON object per article) next to the pages.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sample_site.build import (
    make_env,
    new_routes,
    prepare_out,
    render_common,
    render_kommune21,
    write_routes,
)
from sample_site.textgen import generate_articles

__all__ = ["TRUTH_FILE", "generate_articles", "generate_site", "load_truth"]

TRUTH_FILE = "_truth.jsonl"


def generate_site(out_dir: str | Path, n_articles: int, seed: int = 0) -> Path:
    """Write a servable site of `n_articles` synthetic articles to `out_dir` and return its path."""
    out = Path(out_dir)
    prepare_out(out)
    arts = generate_articles(n_articles, seed)
    env = make_env()
    routes = new_routes()
    render_common(env, out)
    render_kommune21(env, arts, out, routes, heading="Meldungen (generiert)", images=False)
    write_routes(out, routes)
    with (out / TRUTH_FILE).open("w", encoding="utf-8") as fh:
        for art in arts:
            fh.write(json.dumps(art.truth(), ensure_ascii=False) + "\n")
    return out


def load_truth(out_dir: str | Path) -> list[dict[str, Any]]:
    """The expected records of a generated site (same shape as `articles.Article.truth()`)."""
    with (Path(out_dir) / TRUTH_FILE).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic Kommune21-style site.")
    parser.add_argument("out", help="output folder (created; a previous generated site is replaced)")
    parser.add_argument("--articles", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(argv) if argv is not None else None)
    started = time.perf_counter()
    out = generate_site(args.out, args.articles, args.seed)
    pages = -(-args.articles // 20)
    print(f"generated {args.articles} articles on {pages} list pages in {out} "
          f"({time.perf_counter() - started:.1f} s); serve: python -m sample_site.server --root {out}")


if __name__ == "__main__":
    main()
