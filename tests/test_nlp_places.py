"""Every municipality, and the rules that tell a place from a word, a person, a street or a company.

Sentences are invented for these tests (one or more per rule); the AGS come from data/gemeinden.csv.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp import build_places
from nlp.tagger import Tagger, get_tagger
from nlp.taxonomy import DEFAULT_DIR, TaxonomyError


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return get_tagger()


def places(tagger: Tagger, text: str, title: str = "") -> set[str]:
    return {t.id for t in tagger.tag(title, "", text) if t.kind == "municipality"}


def test_every_gemeinde_verband_and_kreis_is_a_place(tagger):
    ids = {e.id for e in tagger.taxonomy.of_kind("municipality")}
    gemeinden = {i for i in ids if len(i) == 8}
    assert len(gemeinden) == 10794 - 107  # kreisfreie Städte and Stadtkreise keep their 5-digit Kreis id
    assert len({i for i in ids if len(i) == 5}) == 401
    verbande = {e.data["type"] for e in tagger.taxonomy.of_kind("municipality") if "-" in e.id}
    assert verbande == {"Amt", "Samtgemeinde", "Verbandsgemeinde", "Verwaltungsgemeinschaft", "Verwaltungsverband",
                        "Kirchspielslandgemeinde"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a unique name of a town over 10,000 stands alone
        ("Montabaur führt die digitale Bauakte ein.", {"07143048"}),
        ("Gifhorn startet ein Bürgerportal.", {"03151009"}),
        # a small place needs a place noun …
        ("Die Gemeinde Nalbach stellt ihr Bauamt auf die E-Akte um.", {"10044113"}),
        ("Nalbach testet die E-Akte.", set()),
        # … or a Land adjective with the noun, or its Kreis in the article
        ("Die saarländische Gemeinde Nalbach wird gelobt.", {"10044113"}),
        ("Nalbach und Saarwellingen im Landkreis Saarlouis teilen ein Rechenzentrum.", {"10044", "10044113", "10044116"}),
        ("Das saarländische Nalbach setzt auf die E-Akte.", {"10044113"}),
        ("Die Kommunen Wedel, Pinneberg und Elmshorn im Kreis Pinneberg.", {"01056", "01056015", "01056039", "01056050"}),
        # Ämter, Verbandsgemeinden, Samtgemeinden are places of their own kind
        ("Das Amt Kropp-Stapelholm digitalisiert.", {"01059-kropp-stapelholm"}),
        ("Die Verbandsgemeinde Montabaur und die Samtgemeinde Lathen", {"07143-montabaur", "03454-lathen"}),
        ("Die VG Montabaur stellt um.", {"07143-montabaur"}),
    ],
)
def test_gemeinden_and_verbande(tagger, text, expected):
    assert places(tagger, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # shared by several Gemeinden: the Kreis or Land in the article picks one, else none
        ("In Neuenkirchen wird gewählt.", set()),
        ("In Neustadt wird gewählt.", set()),
        ("Neustadt an der Weinstraße digitalisiert; in Neustadt freut man sich.", {"07316"}),
        ("Der Kreis Steinfurt hilft: In Neuenkirchen wird gewählt.", {"05566", "05566060"}),
        ("Bürgermeister von Linden ist ein Informatiker.", set()),
        ("Bürgermeister von Linden im Landkreis Gießen ist ein Informatiker.", {"06531", "06531012"}),
        # ordinary words and surnames: never alone
        ("Weil die Verwaltung wartet, klagen die Bürger.", set()),
        ("Am Berg liegt Schnee, und auf dem Hof steht ein Traktor.", set()),
        ("Der Schaden war groß, die Kasse leer.", set()),
        # … and a Land is not enough for an ordinary word
        ("In Bayern ist der Berg schön.", set()),
        # the large one of a shared name owns it by population (Essen over Essen (Oldenburg))
        ("Die Polizei in Essen warnt vor Phishing.", {"05113"}),
        ("Oldenburg digitalisiert die Kfz-Zulassung.", {"03403"}),
        ("Essen (Oldenburg) und Oldenburg in Holstein", {"03453006", "01055033"}),
    ],
)
def test_ambiguous_names_need_a_cue(tagger, text, expected):
    assert places(tagger, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Landkreise Emsland, Leer und Oldenburg starten ein Portal.", {"03454", "03457", "03458"}),
        ("Die Kreise Gifhorn und Celle teilen sich ein Rechenzentrum.", {"03151", "03351"}),
        ("Die Städte Gifhorn und Celle teilen sich ein Rechenzentrum.", {"03151009", "03351006"}),
        # a bare name of a town that is also a Kreis is the town
        ("Celle und Fulda zahlen mehr.", {"03351006", "06631009"}),
        ("Der Landkreis Fulda zahlt mehr.", {"06631"}),
        ("In den Gemeinden Kropp und Nalbach wird gewählt.", {"01059053", "10044113"}),
    ],
)
def test_coordinated_lists_inherit_their_head(tagger, text, expected):
    assert places(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Die Wohnung liegt an der Kieler Straße 5.",
        "Die Stadtwerke Essen erhöhen die Preise.",
        "Herr Weil und Frau Roth sprachen zuerst.",
        "Die Montabaur GmbH liefert Software.",
        "Die Sparkasse Gifhorn schließt Filialen.",
        "Die Universität Potsdam und die Industrie- und Handelskammer Cottbus forschen.",  # part of a name
        "Die Kommunale Datenverarbeitung Oldenburg baut aus.",  # part of a registered actor's name
    ],
)
def test_streets_companies_and_people_are_no_places(tagger, text):
    assert places(tagger, text) == set()


def test_a_city_state_in_a_name_keeps_land_and_city(tagger):
    tags = {(t.kind, t.id) for t in tagger.tag("", "", "Die Polizei Hamburg ermittelt.")}
    assert {("state", "DE-HH"), ("municipality", "02000"), ("actor", "polizei-hh")} <= tags


def test_a_gemeinde_implies_its_land(tagger):
    tags = {(t.kind, t.id): t for t in tagger.tag("", "", "Die Gemeinde Nalbach digitalisiert.")}
    assert tags[("state", "DE-SL")].derived is True


def test_a_title_mention_counts_once_the_body_names_the_place(tagger):
    tags = {t.id: t for t in tagger.tag("Nalbach digitalisiert", "", "Die Gemeinde Nalbach hat gewählt.")}
    assert tags["10044113"].mentions == 2 and tags["10044113"].field == "title"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "tax"
    shutil.copytree(DEFAULT_DIR, copy)
    return copy


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("01001000,Flensburg", "0100100X,Flensburg", "gemeinden.csv: line 2: field 'ags': '0100100X' is not an 8-digit AGS"),
        (",kreisfreie Stadt,90164,", ",Dorf,90164,", "gemeinden.csv: line 2: field 'kind': unknown kind 'Dorf'"),
        (",90164,24937,", ",9O164,24937,", "gemeinden.csv: line 2: field 'population': '9O164' is not a whole number"),
        ("Schleswig-Holstein\n01002000", "Bayern\n01002000", "gemeinden.csv: line 2: field 'land': 'Bayern' is not the Land"),
    ],
)
def test_a_broken_gemeinden_csv_names_file_line_and_field(data_copy, capsys, old, new, message):
    path = data_copy / "data" / "gemeinden.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        build_places.build(data_copy)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    assert build_places.main(["--taxonomy", str(data_copy)]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_a_broken_places_extra_is_one_line(data_copy, capsys):
    path = data_copy / "data" / "places_extra.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nowners:", "\nowners: {", 1), encoding="utf-8")
    assert build_places.main(["--taxonomy", str(data_copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("places_extra.yaml: YAML syntax error at line") and "\n" not in err


def test_a_broken_place_entry_names_its_line(data_copy):
    from nlp.taxonomy import load_taxonomy

    path = data_copy / "places.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('  kreis: "01059"\n  population: 6679\n', '  kreis: "01059"\n  population: many\n', 1)
    path.write_text(text, encoding="utf-8")
    line = text[:text.index("population: many")].count("\n")  # the entry starts a few lines above
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(data_copy)
    message = str(info.value)
    assert message.startswith("places.yaml: entry '01059") and "'population' must be a whole number" in message
    assert 0 < line - int(message.rsplit("line ", 1)[1].rstrip(")")) < 8
