"""Reading the taxonomy's YAML strictly: duplicate keys refused, and the line of an entry on demand."""

from __future__ import annotations

from pathlib import Path

import yaml


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping (YAML would keep the last silently:
    a second `keywords:` line would drop the first list)."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def entry_line(path: Path, list_key: str, index: int) -> int:
    """The line where entry `index` of `list_key` starts (composed only on the error path: it is slow)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
    for key, value in root.value:
        if key.value == list_key and index < len(value.value):
            return value.value[index].start_mark.line + 1
    return 0
