"""Whitespace as stored: one helper every extractor shares (kept apart so none imports another for it)."""

from __future__ import annotations

import re

WHITESPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


def clean(text: str | None) -> str:
    """Collapse runs of spaces (incl. no-break spaces) but keep paragraph breaks."""
    if not text:
        return ""
    lines = (WHITESPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
