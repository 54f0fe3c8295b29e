"""Every write refused as such: the archive is published read-only.

Datasette's JSON write API (insert, upsert, update, delete, create, drop, alter) answers 403 here
whatever the method or body — on Datasette 0.65, which has no such API, these paths used to crash
into a 500; on a Datasette with one, `permission_allowed` refuses the actions as well. `?sql=` writes
stay Datasette's own 400. A client error (404, 405, 403) gets a short page, never a traceback.
"""

from __future__ import annotations

from datasette.utils.asgi import Base400, Response

MESSAGE = "Das Archiv ist schreibgeschützt: Einfügen, Ändern und Löschen sind nicht möglich."
WRITE_VERBS = ("insert", "upsert", "update", "delete", "create", "drop", "alter", "set-column-type", "replace")
# /db/-/create, /db/table/-/insert, /db/table/pk/-/update, …
WRITE_ROUTE = rf"^/(?P<database>[^/]+)(?:/[^/]+){{0,2}}/-/(?P<verb>{'|'.join(WRITE_VERBS)})$"

# Datasette 1.x permission names of writes; a future plugin's own names starting so are refused too.
WRITE_ACTIONS = frozenset({
    "insert-row", "delete-row", "update-row", "upsert-row", "create-table", "alter-table", "drop-table",
    "execute-write", "write", "edit-schema", "edit-row", "set-column-type",
})


async def refuse_write(request) -> Response:
    return Response.json({"ok": False, "errors": [MESSAGE]}, status=403)


def is_write(action: str) -> bool:
    return action in WRITE_ACTIONS


def client_error(exception: BaseException) -> Response | None:
    """A 4xx as a short plain page (Datasette's own handler can fail printing a traceback here)."""
    if not isinstance(exception, Base400):
        return None
    return Response.text(f"{exception.status}: {exception.args[0] if exception.args else ''}", status=exception.status)
