"""The search desk's queries: which articles a search or a filter finds, in which order, with tags.

A search with words is ranked by `db.search.ranked_search` (bm25 over the newest RANK_WINDOW
matches); filters alone (a tag link, a date range) list the newest RANK_WINDOW articles that pass
them. `sort="neueste"` orders either window by date. When words find nothing, `word_counts`
says how often each word occurs, so the page can suggest the search without its rarest word.
All functions take a sqlite3 connection and run inside Datasette's `execute_fn`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from db.dates import DateError, format_date_de, parse_since, parse_until
from db.search import FILTERS, PAGE_COLUMNS, PAGE_FROM, RANK_WINDOW, ranked_search
from db.text.query import OPERATORS, normalise_query
from nlp.vocabulary import FILTER_KINDS, KIND_NAMES, label
from publish.filters import unknown_id, where_sql
from publish.wording import month_de, number_de

SORTS = ("relevanz", "neueste")
COUNT_CAP = 10_000  # word counts stop here ("mehr als 10.000")
# The page's articles (db.search.PAGE_SQL's columns, as the bare ranked search fetches them) each with its
# chip tags as one JSON array: one statement a page (two took 0.2 ms more, and Python grouped them).
PAGE_WITH_TAGS_SQL = f"""SELECT {PAGE_COLUMNS},
  (SELECT json_group_array(json_array(t.kind, t.value, t.label, t.score)) FROM tags t
   WHERE t.article_id = a.id AND t.kind IN ('topic', 'actor', 'state', 'municipality')) AS tags
{PAGE_FROM}"""
PUBLISHED_SQL = "SELECT id, published FROM articles WHERE id IN (SELECT value FROM json_each(:ids))"
# The filter names of the page and what each is called on screen.
FILTER_TITLES = {
    "topic": "Thema", "actor": "Akteur", "state": "Land", "place": "Ort", "source": "Quelle",
    "month": "Monat", "since": "von", "until": "bis",
}
CHIP_ORDER = ("topic", "actor", "state", "municipality")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass
class Found:
    """What a search or a filter found: the window of ids in page order, and whether ranked."""

    ids: list[int]
    ranked: bool
    scope: str = "all"
    scores: dict[int, float] = field(default_factory=dict)


def read_filters(args, conn=None) -> tuple[dict[str, str], list[str]]:
    """The page's filters from the query string (dates as ISO days) and German notes for values
    that were ignored: a date that is no date, an id nobody uses."""
    filters: dict[str, str] = {}
    notes: list[str] = []
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if name in ("since", "until"):
            try:
                value = (parse_since if name == "since" else parse_until)(value).isoformat()
            except DateError:
                notes.append(f"„{value}“ ist kein Datum (TT.MM.JJJJ, JJJJ-MM-TT oder KW 39/2025); "
                             f"der Filter „{FILTER_TITLES[name]}“ wurde nicht angewandt.")
                continue
        elif name == "month" and not _MONTH.match(value):
            notes.append(f"„{value}“ ist kein Monat wie 2025-06; der Monatsfilter wurde nicht angewandt.")
            continue
        elif name in FILTER_KINDS and conn is not None:
            problem = unknown_id(conn, name, value)
            if problem:
                hint = re.search(r"did you mean (.+)\?\)", problem)
                tip = f" Meinten Sie „{hint.group(1)}“?" if hint else ""
                notes.append(f"Unbekannte Angabe „{value}“ für {FILTER_TITLES[name]}.{tip} Der Filter wurde nicht angewandt.")
                continue
        filters[name] = value
    if "since" in filters and "until" in filters and filters["since"] > filters["until"]:
        notes.append("„von“ liegt nach „bis“: die beiden Daten wurden getauscht.")
        filters["since"], filters["until"] = filters["until"], filters["since"]
    return filters, notes


def find(conn, match: str | None, filters: dict[str, str], sort: str, scope: str = "auto",
         window: int = RANK_WINDOW, browse: bool = False) -> Found:
    """The window of matching article ids, in the order the page shows them. Without words or
    filters nothing is listed, unless `browse` (the newest articles of the whole archive)."""
    if match:
        ranked = ranked_search(conn, match, filters, limit=0, offset=0, scope=scope, window=window)
        ids = [hit[0] for hit in ranked.hits]
        found = Found(ids, True, ranked.scope if ranked.older_articles else "all", dict(ranked.hits))
    elif filters or browse:
        where, params = where_sql(filters, "a.id")
        sql = f"SELECT a.id FROM articles a{where} ORDER BY a.published DESC, a.id DESC LIMIT {int(window)}"
        return Found([row[0] for row in conn.execute(sql, params)], False)
    else:
        return Found([], False)
    if sort == "neueste" and found.ids:
        published = dict(conn.execute(PUBLISHED_SQL, {"ids": json.dumps(found.ids)}).fetchall())
        found.ids.sort(key=lambda i: (published.get(i) or "", i), reverse=True)
    return found


def page_rows(conn, ids: list[int]) -> list[dict]:
    """The articles of one page, in the given order, each with its tags (taxonomy labels): by
    kind (CHIP_ORDER), then highest score first, then by value."""
    if not ids:
        return []
    cursor = conn.execute(PAGE_WITH_TAGS_SQL, {"ids": json.dumps(ids)})
    names = [d[0] for d in cursor.description]
    found = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
    rows = []
    for article_id in ids:
        if article_id in found:
            row = found[article_id]
            tags = sorted(json.loads(row["tags"] or "[]"), key=_chip_order)
            row["tags"] = [{"kind": kind, "value": value, "label": label(kind, value, stored)}
                           for kind, value, stored, _score in tags]
            rows.append(row)
    return rows


def _chip_order(tag: list) -> tuple:
    """CHIP_ORDER, then `score DESC, value` as SQLite orders them (a score that is no number, NULL
    included, last; NULL value first)."""
    kind, value, _label, score = tag
    number = isinstance(score, (int, float))
    return CHIP_ORDER.index(kind), not number, -score if number else 0, value is not None, str(value or "")


def query_words(q: str) -> list[str]:
    """The words of a typed search that are searched (no operators, quotes, brackets or `-`)."""
    words = []
    for token in re.findall(r"[^\s\"()]+", q or ""):
        word = token.lstrip("-").rstrip("*")
        if word and word.upper() not in OPERATORS and normalise_query(word):
            words.append(word)
    return list(dict.fromkeys(words))


def word_counts(conn, q: str, filters: dict[str, str]) -> list[tuple[str, int]]:
    """How many articles (up to COUNT_CAP + 1) each word of `q` finds with the same filters."""
    counts = []
    for word in query_words(q):
        where, params = where_sql({**filters, "search": word}, "a.id")
        sql = f"SELECT count(*) FROM (SELECT 1 FROM articles a{where} LIMIT {COUNT_CAP + 1})"
        counts.append((word, conn.execute(sql, params).fetchone()[0]))
    return counts


def without_rarest(q: str, counts: list[tuple[str, int]]) -> str | None:
    """The search without its rarest word, when that leaves words that occur."""
    if len(counts) < 2:
        return None
    rarest = min(counts, key=lambda item: item[1])[0]
    rest = [word for word, _ in counts if word != rarest]
    return " ".join(rest) if rest else None


def count_text(n: int) -> str:
    return f"mehr als {number_de(COUNT_CAP)}" if n > COUNT_CAP else number_de(n)


def filter_label(name: str, value: str, facets: dict[str, list[dict]] | None = None) -> str:
    """How a filter value reads on a chip: the tag's label, a source's name, a German date."""
    if name in FILTER_KINDS:
        return label(name, value)
    if name in ("since", "until"):
        return format_date_de(value)
    if name == "month":
        return month_de(value)
    for item in (facets or {}).get(name, []):
        if item["value"] == value:
            return item["label"]
    return value


def kind_title(kind: str) -> str:
    return KIND_NAMES[kind][0]
