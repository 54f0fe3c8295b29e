"""The menu of every page in German, with one search entry (the search desk)."""

from __future__ import annotations

import inspect

LABELS = {"Dashboards": "Übersichten"}
DROPPED = {"Search all tables"}


def _german(links):
    return [{**link, "label": LABELS.get(link.get("label"), link.get("label"))}
            for link in links or [] if link.get("label") not in DROPPED]


def german_menu_links(results: list) -> list:
    """Each plugin's menu_links result (a list, or an awaitable of one), translated."""
    translated = []
    for result in results:
        if inspect.isawaitable(result):
            async def wrap(awaitable=result):
                return _german(await awaitable)

            translated.append(wrap())
        elif callable(result):
            async def call(fn=result):
                value = fn()
                return _german(await value if inspect.isawaitable(value) else value)

            translated.append(call())
        else:
            translated.append(_german(result))
    return translated
