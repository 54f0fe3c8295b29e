"""The taxonomy files: complete, valid, and a broken one fails with a one-line message."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from nlp import build_places
from nlp.taxonomy import DEFAULT_DIR, STATE_IDS, TaxonomyError, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _ids_after(label: str) -> set[str]:
    """The backticked ids of one bullet in docs/architecture.md (`- **Actors**: …`)."""
    section = re.split(r"\n- \*\*|\n\n", ARCHITECTURE.split(f"**{label}**", 1)[1], maxsplit=1)[0]
    return set(re.findall(r"`([a-z0-9-]+)`", section))


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture()
def tax_copy(tmp_path: Path) -> Path:
    target = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_every_architecture_id_is_in_the_taxonomy(taxonomy):
    actors = {e.id for e in taxonomy.of_kind("actor")}
    topics = {e.id for e in taxonomy.of_kind("topic")}
    assert _ids_after("Actors") <= actors
    assert _ids_after("Topics") - {"open-source"} <= topics and "open-source" in topics
    assert {e.id for e in taxonomy.of_kind("state")} == set(STATE_IDS)
    assert taxonomy.get("topic", "open-source").parent == "digital-sovereignty"


def test_all_401_districts_and_the_larger_cities_are_places(taxonomy):
    with open(DEFAULT_DIR / "data" / "kreise.csv", encoding="utf-8") as fh:
        districts = {row["AGS"] for row in csv.DictReader(fh, delimiter=";")}
    assert len(districts) == 401
    places = {e.id for e in taxonomy.of_kind("municipality")}
    assert districts <= places
    for ags in ("03159016", "15088220", "03241001", "05334002", "10041100"):  # Göttingen … Saarbrücken
        assert ags in places
    from nlp.gazetteer import short_name

    largest: dict[str, int] = {}
    for entry in taxonomy.of_kind("municipality"):
        short = short_name(entry.label)
        largest[short] = max(largest.get(short, 0), entry.data.get("population", 0))
    for entry in taxonomy.of_kind("municipality"):  # no form only when a far larger namesake owns the name
        assert entry.forms or largest[short_name(entry.label)] >= 10 * entry.data.get("population", 0), entry.id


def test_places_yaml_is_generated_from_the_current_inputs():
    assert build_places.main(["--check"]) == 0


def test_places_carry_the_destatis_attribution():
    text = (DEFAULT_DIR / "places.yaml").read_text(encoding="utf-8")
    assert "CC BY 4.0, © Statistisches Bundesamt (Destatis)" in text
    assert "Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder" in text
    assert "CC BY 4.0" in (DEFAULT_DIR / "data" / "README.md").read_text(encoding="utf-8")


def test_version_is_a_content_hash(taxonomy, tax_copy):
    assert re.fullmatch(r"[0-9a-f]{12}", taxonomy.version)
    assert load_taxonomy(tax_copy).version == taxonomy.version
    path = tax_copy / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load_taxonomy(tax_copy).version != taxonomy.version


def _edit(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("actors.yaml", "  - id: vitako\n", "  - id: bitkom\n", "actors.yaml: entry 'bitkom': duplicate id"),
        ("actors.yaml", "    abbr: [DStGB]", "    abbr: [DStGB, '']", "actors.yaml: entry 'dstgb': empty pattern in 'abbr'"),
        ("actors.yaml", "    aliases: [Dataport AöR]", "    aliasses: [Dataport AöR]",
         "actors.yaml: entry 'dataport': unknown field 'aliasses'"),
        ("actors.yaml", "    kind: provider\n    website: https://www.dataport.de", "    kind: vendor",
         "actors.yaml: entry 'dataport': unknown kind 'vendor'"),
        ("topics.yaml", "    parent: digital-sovereignty", "    parent: digital-sov",
         "topics.yaml: entry 'open-source': unknown parent 'digital-sov'"),
        ("topics.yaml", 'stems: ["*cloud"]', 'stems: ["*cl"]', "topics.yaml: entry 'cloud': stem '*cl' must be one word"),
        ("places.yaml", "  land: DE-NW\n", "  land: DE-XX\n", "places.yaml: entry '05111': unknown Land 'DE-XX'"),
        ("places.yaml", "  land: DE-NW\n", "  land: DE-HE\n", "places.yaml: entry '05111': AGS does not lie in DE-HE"),
        ("states.yaml", "  - id: DE-HE\n    name: Hessen", "  - id: DE-HE\n    name Hessen",
         "states.yaml: YAML syntax error at line"),
        ("states.yaml", "version: 2026-12-06.1\n", "", "states.yaml: missing 'version'"),
        ("topics.yaml", "    abbr: [OZG, EfA]\n", "    abbr: [OZG, EfA]\n    abbr: [OZG]\n",
         "topics.yaml: YAML syntax error at line"),
    ],
)
def test_a_broken_taxonomy_names_file_entry_and_problem(tax_copy, file, old, new, message):
    _edit(tax_copy, file, old, new)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(tax_copy)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(message), text


def test_a_parent_loop_is_an_error(tax_copy):
    _edit(tax_copy, "topics.yaml", "  - id: digital-sovereignty\n", "  - id: digital-sovereignty\n    parent: open-source\n")
    with pytest.raises(TaxonomyError, match="topics.yaml: entry '.*': parent chain loops back to itself"):
        load_taxonomy(tax_copy)


def test_a_missing_file_is_an_error(tax_copy):
    (tax_copy / "topics.yaml").unlink()
    with pytest.raises(TaxonomyError, match=r"^topics.yaml: file not found$"):
        load_taxonomy(tax_copy)


def test_every_field_is_documented():
    from nlp.taxonomy import FIELDS

    docs = (ROOT / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    for kind, fields in FIELDS.items():
        for name in fields:
            assert f"`{name}`" in docs, f"{kind} field {name!r} is not documented in docs/taxonomy.md"
