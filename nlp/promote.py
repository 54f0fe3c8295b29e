"""Edit `actors.yaml` for `radar actors promote|ignore`: append a validated entry, or a slug to
`ignore_discovered`. The edit is tried on a copy of the taxonomy first; only a copy that loads is
written back (atomically), so a bad promote changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml

from nlp.taxonomy import ACTOR_KINDS, DEFAULT_DIR, FILES, Taxonomy, TaxonomyError, load_taxonomy

#: The kind a promoted organisation gets from its name when `--kind` is not given.
KIND_BY_WORD = (
    (r"ministerium|senatsverwaltung|staatskanzlei|senatskanzlei", "ministry"),
    (r"landtag|bürgerschaft|parlament", "parliament"),
    (r"universität|hochschule|institut|forschung|akademie", "research"),
    (r"stiftung|initiative|netzwerk|bündnis|e\.\s?V\.", "civil-society"),
    (r"verband|kammer|IHK|HWK|gewerkschaft|bund\b", "association"),
    (r"polizei|kriminalamt|verfassungsschutz", "security"),
    (r"zweckverband|rechenzentrum|datenverarbeitung|IT-Dienstleist|AöR", "provider"),
    (r"GmbH|\bAG\b|\bSE\b|\beG\b|\bKG\b|stadtwerke|sparkasse|bank", "company"),
    (r"amt|agentur|behörde|anstalt|zentrum|beauftragte", "agency"),
)


class PromoteError(ValueError):
    """One line: why the edit was refused (nothing was changed)."""


def guess_kind(name: str) -> str:
    for pattern, kind in KIND_BY_WORD:
        if re.search(pattern, name, re.IGNORECASE if pattern.islower() else 0):
            return kind
    return "body"


def _names(taxonomy: Taxonomy) -> dict[str, str]:
    """Every name and alias (lower case) → the actor that has it."""
    out: dict[str, str] = {}
    for entry in taxonomy.of_kind("actor"):
        for form in entry.forms:
            out.setdefault(form.text.lower(), entry.id)
    return out


def _write_checked(directory: Path, text: str) -> Taxonomy:
    """Validate `text` as actors.yaml next to the other files, then replace the file atomically."""
    with tempfile.TemporaryDirectory() as tmp:
        for file in FILES.values():
            shutil.copy2(directory / file, Path(tmp) / file)
        (Path(tmp) / FILES["actor"]).write_text(text, encoding="utf-8")
        try:
            load_taxonomy(Path(tmp))
        except TaxonomyError as exc:
            raise PromoteError(f"the edited actors.yaml would not load: {exc}") from None
    target = directory / FILES["actor"]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False, suffix=".tmp") as fh:
        fh.write(text)
    os.replace(fh.name, target)
    return load_taxonomy(directory)


def promote(slug: str, name: str, aliases: list[str], kind: str | None, note: str,
            directory: Path | None = None) -> dict:
    """Append an actor `slug` to actors.yaml; refuse a taken id, name or alias."""
    directory = Path(directory or DEFAULT_DIR)
    taxonomy = load_taxonomy(directory)
    if taxonomy.get("actor", slug) is not None:
        raise PromoteError(f"{slug!r} is already an actor id in actors.yaml")
    kind = kind or guess_kind(name)
    if kind not in ACTOR_KINDS:
        raise PromoteError(f"unknown kind {kind!r} (allowed: {', '.join(sorted(ACTOR_KINDS))})")
    taken = _names(taxonomy)
    for text in [name, *aliases]:
        if text.lower() in taken:
            raise PromoteError(f"{text!r} is already a name of actor {taken[text.lower()]!r}")
    entry: dict = {"id": slug, "name": name}
    if aliases:
        entry["aliases"] = list(dict.fromkeys(aliases))
    entry["kind"] = kind
    entry["note"] = note
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)
    text = (directory / FILES["actor"]).read_text(encoding="utf-8")
    text = _without_ignored(text, slug).rstrip("\n") + "\n" + "".join("  " + line + "\n" for line in block.splitlines())
    _write_checked(directory, text)
    return entry


def ignore(slug: str, directory: Path | None = None) -> None:
    """Add `slug` to `ignore_discovered:` in actors.yaml (the tagger never reports it again)."""
    directory = Path(directory or DEFAULT_DIR)
    taxonomy = load_taxonomy(directory)
    if taxonomy.get("actor", slug) is not None:
        raise PromoteError(f"{slug!r} is a registered actor; remove its entry instead")
    if slug in taxonomy.ignored:
        return
    text = (directory / FILES["actor"]).read_text(encoding="utf-8")
    match = re.search(r"^ignore_discovered: \[(.*)\]$", text, re.MULTILINE)
    if match:
        items = [s for s in (p.strip() for p in match.group(1).split(",")) if s] + [slug]
        text = text[:match.start()] + f"ignore_discovered: [{', '.join(items)}]" + text[match.end():]
    else:
        version = re.search(r"^version: .*$", text, re.MULTILINE)
        if version is None:
            raise PromoteError("actors.yaml has no 'version:' line to put 'ignore_discovered' after")
        text = text[:version.end()] + f"\n# discovered organisations kept out for good (radar actors ignore)\n" \
            f"ignore_discovered: [{slug}]" + text[version.end():]
    _write_checked(directory, text)


def _without_ignored(text: str, slug: str) -> str:
    match = re.search(r"^ignore_discovered: \[(.*)\]$", text, re.MULTILINE)
    if not match:
        return text
    items = [s for s in (p.strip() for p in match.group(1).split(",")) if s and s != slug]
    return text[:match.start()] + f"ignore_discovered: [{', '.join(items)}]" + text[match.end():]
