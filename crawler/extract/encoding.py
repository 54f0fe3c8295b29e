"""Bytes → text when servers lie about the charset.

Scrapy (through w3lib) trusts the HTTP header first. That is right for latin-1 pages with a correct
header, and wrong for two common faults: latin-1 bytes sent as `charset=utf-8` (invalid UTF-8 →
replacement characters) and UTF-8 bytes sent as `charset=iso-8859-1` (mojibake: `BÃ¼rger`).
`decode_html` checks the declared encoding against the bytes and falls back in a fixed order.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

_LATIN = {"latin-1", "iso8859-1", "cp1252", "windows-1252", "iso-8859-1", "latin1", "iso8859-15"}


def _norm(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, encoding actually used).

    Order: a BOM; the declared encoding (HTTP header, as Scrapy resolved it) if the bytes are valid in
    it — except that a latin-1 declaration of bytes that are valid, non-ASCII UTF-8 means UTF-8; the
    `<meta charset>` of the page; UTF-8; finally windows-1252, which decodes any byte.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, errors="replace"), _norm(bom_encoding) or bom_encoding
    candidates: list[str] = []
    declared_norm = _norm(declared)
    meta = _norm(html_body_declared_encoding(body[:4096]))
    if declared_norm in _LATIN and _valid_non_ascii_utf8(body):
        candidates.append("utf-8")
    for name in (declared_norm, meta, "utf-8"):
        if name and name not in candidates:
            candidates.append(name)
    for name in candidates:
        try:
            text = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name in _LATIN and _valid_non_ascii_utf8(body):
            continue  # valid UTF-8 read as latin-1 would be mojibake; UTF-8 comes later in the list
        return text, name
    return body.decode("cp1252", errors="replace"), "cp1252"


def _valid_non_ascii_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
