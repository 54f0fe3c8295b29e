"""Files staff and researchers can open: the archive, or a filtered part of it, as CSV, XLSX or JSON.

CSV is written for German Excel: UTF-8 with BOM, `;` between fields, German column names, tags as
their labels joined by `; ` (the one vocabulary, nlp/vocabulary.py), dates as TT.MM.JJJJ. XLSX
(openpyxl) has the same columns with real date cells. JSON keeps ids and ISO dates for programs.
`articles` is one row per article with its tags (the `articles_with_tags` view) and the body; the
other exports are the tables and views of the same name (docs/schema.md).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from db.dates import format_date_de
from nlp.vocabulary import KIND_NAMES, label
from publish.filters import FilterError, where_sql

EXPORTS = (
    "articles", "tags", "sources", "article_versions", "crawl_runs",
    "topic_counts_weekly", "actor_counts_monthly", "state_topic_counts", "tag_counts",
)
FORMATS = ("csv", "xlsx", "json")
FILTERABLE = {"articles", "tags"}
ARRAY_KINDS = {"topics": "topic", "actors": "actor", "states": "state", "municipalities": "municipality"}
ARRAY_COLUMNS = tuple(ARRAY_KINDS)
DATE_COLUMNS = {"published", "week_start", "first_seen", "updated_at", "fetched_at", "replaced_at", "checked_at",
                "started", "finished", "last_crawl_started", "last_crawl_finished", "latest"}
# German column names of the staff formats (CSV, XLSX); others keep their name.
HEADERS = {
    "id": "ID", "published": "Datum", "month": "Monat", "week": "Kalenderwoche", "source_id": "Quelle (ID)",
    "source_name": "Quelle", "title": "Titel", "kicker": "Dachzeile", "teaser": "Anreißer", "url": "URL",
    "topics": "Themen", "actors": "Akteure", "states": "Länder", "municipalities": "Orte", "version": "Version",
    "first_seen": "Archiviert am", "updated_at": "Geändert am", "duplicate_of": "Duplikat von", "body": "Text",
    "article_id": "Artikel-ID", "kind": "Art", "value": "ID des Tags", "label": "Bezeichnung",
    "articles": "Meldungen", "topic": "Thema", "actor": "Akteur", "state": "Land", "week_start": "Wochenbeginn",
    "name": "Name", "latest": "Neueste Meldung",
}


class ExportError(ValueError):
    """A request that cannot be exported (unknown export, filters where none apply, bad search)."""


def export_sql(what: str, filters: dict[str, Any], body: bool = True) -> tuple[str, list[Any]]:
    if what not in EXPORTS:
        raise ExportError(f"unknown export {what!r}; choose one of {', '.join(EXPORTS)}")
    if what not in FILTERABLE and any(filters.values()):
        raise ExportError(f"filters apply to articles and tags only, not to {what}")
    try:
        if what == "articles":
            where, params = where_sql(filters, "v.id")
            columns = "v.*, a.body" if body else "v.*"
            return f"SELECT {columns} FROM articles_with_tags v JOIN articles a ON a.id = v.id{where} ORDER BY v.published, v.id", params
        if what == "tags":
            where, params = where_sql(filters, "t.article_id")
            return f"SELECT t.* FROM tags t{where} ORDER BY t.article_id, t.kind, t.value", params
    except FilterError as exc:
        raise ExportError(str(exc)) from None
    order = {"sources": " ORDER BY id", "article_versions": " ORDER BY article_id, version", "crawl_runs": " ORDER BY id"}
    return f"SELECT * FROM {what}{order.get(what, '')}", []


def articles_by_ids(conn: sqlite3.Connection, ids: Sequence[int], body: bool = False) -> tuple[list[str], Iterator[tuple]]:
    """The `articles` export of the given articles, in the given order (a search's order)."""
    columns = "v.*, a.body" if body else "v.*"
    cursor = conn.execute(
        f"SELECT {columns} FROM articles_with_tags v JOIN articles a ON a.id = v.id "
        "WHERE v.id IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))])
    names = [d[0] for d in cursor.description]
    found = {row[0]: row for row in cursor}
    return names, (found[i] for i in ids if i in found)


def rows(conn: sqlite3.Connection, sql: str, params: list[Any]) -> tuple[list[str], Iterator[tuple]]:
    cursor = conn.execute(sql, params)
    return [d[0] for d in cursor.description], iter(cursor)


def _tag_labels(kind: str, value: Any) -> str:
    ids = json.loads(value) if value else []
    return "; ".join(label(kind, item) for item in ids)


def staff_value(column: str, value: Any) -> Any:
    """A cell as staff read it: tag labels, German dates ('' for nothing)."""
    if value is None:
        return ""
    if column in ARRAY_KINDS:
        return _tag_labels(ARRAY_KINDS[column], value)
    if column == "kind" and value in KIND_NAMES:  # tags, tag_counts: Thema, Akteur, Land, Ort
        return KIND_NAMES[value][0]
    if column in DATE_COLUMNS and isinstance(value, str):
        day = format_date_de(value)
        if day and len(value) > 10 and value[10] in "T ":
            return f"{day} {value[11:16]}"
        return day or value
    return value


def write_csv(out: IO[str], columns: list[str], records: Iterator[tuple]) -> int:
    """CSV for German Excel: BOM, semicolons, German headers, labels, TT.MM.JJJJ."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([HEADERS.get(c, c) for c in columns])
    count = 0
    for record in records:
        writer.writerow([staff_value(c, v) for c, v in zip(columns, record, strict=True)])
        count += 1
    return count


def _xlsx_value(column: str, value: Any) -> Any:
    if column in DATE_COLUMNS and isinstance(value, str) and value:
        try:
            return (datetime.fromisoformat(value[:19]) if len(value) > 10 else date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return staff_value(column, value)


def write_xlsx(out: IO[bytes], columns: list[str], records: Iterator[tuple]) -> int:
    """The same sheet as the CSV, with real dates (TT.MM.JJJJ) and a frozen header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Meldungen")
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=HEADERS.get(column, column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for record in records:
        cells = []
        for column, value in zip(columns, record, strict=True):
            value = _xlsx_value(column, value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    book.save(out)
    return count


def write_json(out: IO[str], columns: list[str], records: Iterator[tuple]) -> int:
    """A JSON array of objects, streamed; tag columns as real arrays of ids, dates ISO."""
    arrays = [i for i, name in enumerate(columns) if name in ARRAY_COLUMNS]
    out.write("[")
    count = 0
    for record in records:
        item = dict(zip(columns, record, strict=True))
        for i in arrays:
            name = columns[i]
            item[name] = json.loads(item[name]) if item[name] else []
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write(out: IO, fmt: str, columns: list[str], records: Iterator[tuple]) -> int:
    """`out` is text for csv/json, binary for xlsx."""
    writers = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json}
    if fmt not in writers:
        raise ExportError(f"unknown format {fmt!r}: {', '.join(FORMATS)}")
    return writers[fmt](out, columns, records)


def export(conn: sqlite3.Connection, out: IO, fmt: str, what: str = "articles",
           filters: dict[str, Any] | None = None, body: bool = True) -> int:
    """Write `what` (filtered) to `out` as `fmt` (csv | xlsx | json); returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: {', '.join(FORMATS)}")
    sql, params = export_sql(what, filters or {}, body)
    columns, records = rows(conn, sql, params)
    return write(out, fmt, columns, records)
