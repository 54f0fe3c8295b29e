"""Downloads of a search: `/<db>/-/search.csv` (German Excel) and `/<db>/-/search.xlsx`.

The same search, filters and order as the page shows, up to DOWNLOAD_LIMIT articles, written by
publish/export.py (tag labels, TT.MM.JJJJ, German column names; without the article text).
"""

from __future__ import annotations

import io
import re
from datetime import date

from datasette.utils.asgi import NotFound, Response

from publish.archive import is_archive
from publish.export import articles_by_ids, write
from publish.search_page import find_for_request

DOWNLOAD_LIMIT = 10_000
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_name(q: str, fmt: str) -> str:
    """`policy-radar-ozg-hessen-2025-10-15.csv`: ASCII, from the search words."""
    words = re.sub(r"[^a-z0-9]+", "-", (q or "").lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})))
    stem = "-".join(part for part in ("policy-radar", words.strip("-")[:40], date.today().isoformat()) if part)
    return f"{stem}.{fmt}"


async def search_download(request, datasette):
    database = request.url_vars["database"]
    fmt = request.url_vars["format"]
    if not is_archive(datasette, database) or fmt not in TYPES:
        raise NotFound("Kein Archiv: " + database)
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "articles")), ("view-database", database), "view-instance"],
    )
    search = await find_for_request(request, datasette, database, window=DOWNLOAD_LIMIT)
    ids = search["found"].ids
    db = datasette.get_database(database)

    def build(conn) -> bytes:
        columns, records = articles_by_ids(conn, ids, body=False)
        if fmt == "xlsx":
            out = io.BytesIO()
            write(out, fmt, columns, records)
            return out.getvalue()
        text = io.StringIO(newline="")
        write(text, fmt, columns, records)
        return text.getvalue().encode("utf-8")

    body = await db.execute_fn(build)
    return Response(body, content_type=TYPES[fmt], headers={
        "content-disposition": f'attachment; filename="{file_name(search["q"], fmt)}"',
        "x-radar-rows": str(len(ids)),
    })
