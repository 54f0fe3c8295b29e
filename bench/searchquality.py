"""Search quality: recall and precision at 10 over a list of German queries with expected hits.

    python -m bench searchquality                    # the current code
    python -m bench searchquality --baseline HEAD~3  # and the same list with db/ at another commit

The archive is built the product's way (`ArchiveWriter`, `sync_search_index`) in a temporary file
from every article of sample_site/content/, the 102 texts of tests/gold/ (g001–g102) and the invented articles of
bench/data/searchquality/articles.yaml. Each query of bench/data/searchquality/queries.yaml runs
through the search page's path (query parser, `ranked_search`, first 10 results). Expected hits are
judged by the rules in the query file (regular expressions over the folded text), so they hold
for any article added later.

Reported per query and on average: recall@10 (share of the relevant articles in the first ten, out
of at most ten), precision@10 (share of relevant articles among the returned first ten; a query
with no result counts 0) and, for queries with `top`, whether the word itself ranks before the same
word inside a compound. `--baseline REV` runs the same list and archive with db/ taken from git
revision REV, in the same run, and prints both side by side.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "searchquality"
CUT = 10
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _items() -> list[dict[str, Any]]:
    """Every article of the evaluation archive as an ArchiveWriter item with a `key`."""
    from sample_site.articles import load_all

    items = []
    for art in load_all().all():
        items.append({"key": art.slug, "source": art.source, "kicker": art.kicker, "title": art.title,
                      "teaser": art.teaser, "body": "\n\n".join(art.body), "published": art.day.isoformat()})
    gold = ROOT / "tests" / "gold"  # the 102 texts g001–g102: part*.jsonl, later */legacy.jsonl
    for path in sorted(gold.glob("part*.jsonl")) + sorted(gold.glob("*/legacy.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                gold = json.loads(line)
                items.append({"key": gold["id"], "source": "gold", "kicker": "", "title": gold["title"],
                              "teaser": gold.get("teaser") or "", "body": gold["text"], "published": "2025-08-01"})
    for extra in yaml.safe_load((DATA / "articles.yaml").read_text(encoding="utf-8")):
        items.append({"key": extra["slug"], "source": "extra", "kicker": extra.get("kicker", ""),
                      "title": extra["title"], "teaser": extra.get("teaser", ""), "body": extra.get("body", ""),
                      "published": "2025-10-01"})
    for n, item in enumerate(items, start=1):
        item["url"] = f"https://searchquality.example/{item['source']}/{n}/{item['key']}"
        item["tags"] = []
    return items


def build_archive(path: Path, items: list[dict[str, Any]]) -> dict[int, str]:
    """Write the archive; return article id → key."""
    from db.store import ArchiveWriter

    try:
        from db.search_index import sync_search_index
    except ImportError:  # the code before db/search_index.py (--baseline)
        from db.search import sync_search_index

    writer = ArchiveWriter(str(path))
    writer.upsert_articles([{k: v for k, v in item.items() if k != "key"} for item in items])
    sync_search_index(writer.db)
    by_url = {item["url"]: item["key"] for item in items}
    return {row[0]: by_url[row[1]] for row in writer.db.execute("select id, url from articles")}


def _matches(rule: str | list[str], text: str) -> bool:
    rules = [rule] if isinstance(rule, str) else rule
    return all(re.search(r, text) for r in rules)


def judge(query: dict[str, Any], texts: dict[str, str]) -> tuple[set[str], set[str]]:
    """(relevant keys, top keys) of one query by its rules."""
    relevant = {key for key, text in texts.items() if any(_matches(rule, text) for rule in query["relevant"])}
    top = {key for key in relevant if any(_matches(rule, texts[key]) for rule in query.get("top", []))}
    return relevant, top


def query_match(conn, text: str) -> str | None:
    """The FTS5 expression for a query as the search page builds it (works on old and new code)."""
    import db.search

    build = getattr(db.search, "query_match", None)  # the archive-aware parser, where it exists
    if build is not None:
        return build(conn, text)
    from db.text.query import parse_query

    return parse_query(text).match


def evaluate() -> dict[str, Any]:
    """Build the archive, run every query, score it."""
    from db.search import ranked_search

    items = _items()
    texts = {item["key"]: " ".join((item["title"], item["kicker"], item["teaser"], item["body"])).lower().translate(_FOLD)
             for item in items}
    queries = yaml.safe_load((DATA / "queries.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        keys = build_archive(Path(tmp) / "quality.db", items)
        import sqlite3

        conn = sqlite3.connect(Path(tmp) / "quality.db")
        rows = []
        for query in queries:
            relevant, top = judge(query, texts)
            match = query_match(conn, query["q"])
            found = [keys[hit[0]] for hit in ranked_search(conn, match, limit=CUT).hits[:CUT]] if match else []
            good = [key for key in found if key in relevant]
            recall = len(good) / min(len(relevant), CUT) if relevant else 1.0
            precision = len(good) / len(found) if found else 0.0
            order = None
            if top and relevant - top:
                ranks = [i for i, key in enumerate(found) if key in relevant]
                top_ranks = [i for i in ranks if found[i] in top]
                rest = [i for i in ranks if found[i] not in top]
                # the word itself first: every top article found ranks above every compound-only one
                order = bool(top_ranks) and (not rest or max(top_ranks) < min(rest))
            rows.append({"q": query["q"], "relevant": len(relevant), "found": len(found), "good": len(good),
                         "recall": recall, "precision": precision, "order": order,
                         "missed": sorted(relevant - set(found))[:3] if len(good) < min(len(relevant), CUT) else [],
                         "wrong": [key for key in found if key not in relevant][:3]})
        conn.close()
    ordered = [row["order"] for row in rows if row["order"] is not None]
    return {
        "queries": rows,
        "recall": sum(row["recall"] for row in rows) / len(rows),
        "precision": sum(row["precision"] for row in rows) / len(rows),
        "empty": sum(1 for row in rows if not row["found"] and row["relevant"]),
        "order_ok": sum(ordered),
        "order_total": len(ordered),
        "articles": len(items),
    }


def baseline(rev: str) -> dict[str, Any]:
    """`evaluate()` with db/ as it was at git revision `rev`, in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for path in ("bench/searchquality.py", "bench/data/searchquality/queries.yaml",
                     "bench/data/searchquality/articles.yaml"):
            (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / path).write_bytes((ROOT / path).read_bytes())
        out = subprocess.run([sys.executable, "-m", "bench.searchquality", "--json"], cwd=tmp,
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"baseline {rev} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout)


def _summary(name: str, result: dict[str, Any]) -> str:
    return (f"{name:<10} recall@10 {result['recall']:.3f}  precision@10 {result['precision']:.3f}  "
            f"no result {result['empty']:>2}  word before compound {result['order_ok']}/{result['order_total']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.searchquality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REV", help="also run with db/ from this git revision")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    result = evaluate()
    if args.json:
        print(json.dumps(result))
        return
    before = baseline(args.baseline) if args.baseline else None
    old = {row["q"]: row for row in before["queries"]} if before else {}
    width = max(len(row["q"]) for row in result["queries"])
    head = f"{'query':<{width}}  rel  " + ("R@10 P@10 (before)  " if before else "") + "R@10 P@10  order  missed / wrong"
    print(head)
    for row in result["queries"]:
        was = old.get(row["q"])
        prior = f"{was['recall']:.2f} {was['precision']:.2f}          " if was else ""
        order = {None: "", True: "ok", False: "WRONG"}[row["order"]]
        print(f"{row['q']:<{width}}  {row['relevant']:>3}  {prior}{row['recall']:.2f} {row['precision']:.2f}  "
              f"{order:<5}  {' '.join(row['missed'])} / {' '.join(row['wrong'])}")
    print(f"\n{len(result['queries'])} queries over {result['articles']} articles:")
    if before:
        print(_summary(f"before ({args.baseline})", before))
    print(_summary("now", result))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "searchquality.json").write_text(json.dumps({"now": result, "before": before, "baseline": args.baseline}, indent=2))


if __name__ == "__main__":
    main()
