"""The Lua scripts of the shared crawl, each one atomic step on the shared state, in `lua/*.lua`.

A script may need shared functions (`requeue_fn.lua`, `quiet_fn.lua`); they are prepended here, so
each file stays plain Lua that an editor and `redis-cli --eval` understand.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "lua"
#: script → the shared functions it calls
NEEDS = {
    "reclaim_dead": ("requeue_fn",),
    "requeue_own": ("requeue_fn",),
    "busy": ("quiet_fn",),
    "join": ("quiet_fn",),
    "leave": ("quiet_fn",),
}
SCRIPTS = ("pop_lease", "enqueue", "reclaim_dead", "requeue_own", "requeue_fields", "busy", "join", "leave")


@cache
def source(name: str) -> str:
    """The full Lua source of script `name`, shared functions first."""
    parts = [(LUA / f"{need}.lua").read_text(encoding="utf-8") for need in NEEDS.get(name, ())]
    parts.append((LUA / f"{name}.lua").read_text(encoding="utf-8"))
    return "\n".join(parts)


def register_all(server: Any) -> dict[str, Any]:
    """Every script registered on a redis-py client (EVALSHA, loaded on first use)."""
    return {name: server.register_script(source(name)) for name in SCRIPTS}
