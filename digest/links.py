"""Check, before any mail is built, that the links it will carry work on the served archive.

Every archive link is `{RADAR_BASE_URL}/{archive name}/…` and the unsubscribe link
`{RADAR_BASE_URL}/-/unsubscribe?…`. When the archive at RADAR_BASE_URL answers, we ask it which
databases it serves (`/-/databases.json`) and whether it has the unsubscribe route (a request
without a token gets our 400, a server without the route a 404). When it does not answer (not
started yet, another network), nothing can be checked and nothing is claimed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

TIMEOUT = 3.0


def _get(url: str) -> tuple[int, bytes] | None:
    """(status, body), or None when nothing answers at all."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (OSError, ValueError):
        return None


def served_link_problem(base_url: str, archive_name: str) -> str | None:
    """Why the mail links would be dead on the archive served at `base_url`, or None (fine, or not
    reachable so not checkable)."""
    answer = _get(f"{base_url}/-/databases.json")
    if answer is None:
        return None
    status, body = answer
    if status != 200:
        return f"{base_url} does not look like the published archive (/-/databases.json answered {status})"
    try:
        names = [entry["name"] for entry in json.loads(body)]
    except (ValueError, KeyError, TypeError):
        return f"{base_url} does not look like the published archive (/-/databases.json is not Datasette's)"
    if archive_name not in names:
        served = ", ".join(names) or "nothing"
        return (f"{base_url} serves {served}, not {archive_name}: the archive links would be dead "
                f"(set RADAR_ARCHIVE_NAME, or serve the archive under that name)")
    unsubscribe = _get(f"{base_url}/-/unsubscribe")
    if unsubscribe is not None and unsubscribe[0] == 404:
        return f"{base_url} has no unsubscribe page (/-/unsubscribe answers 404): is it served by `radar serve`?"
    return None
