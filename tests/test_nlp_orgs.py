"""The organisation recogniser and discovered actors (sentences invented for these tests)."""

from __future__ import annotations

import pytest

from nlp.pipeline import build_pipeline
from nlp.tagger import Tagger, get_tagger, slugify


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return get_tagger()


def orgs(nlp, text: str) -> list[str]:
    doc = nlp(text)
    return [span.kb_id_ for span in doc.spans["radar_orgs"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # head + complement, inflection removed
        ("Das Ministerium für Wirtschaft, Arbeit und Tourismus lädt ein.", ["Ministerium für Wirtschaft, Arbeit und Tourismus"]),
        ("Ein Sprecher des Landesamts für Geoinformation bestätigte das.", ["Landesamt für Geoinformation"]),
        ("Laut Institut für angewandte Informatik steigt die Zahl.", ["Institut für angewandte Informatik"]),
        # head + place, leading adjective to the nominative
        ("Forscher der Technischen Universität Dresden sagen das.", ["Technische Universität Dresden"]),
        ("Das Statistische Landesamt Baden-Württemberg meldet Zahlen.", ["Statistisches Landesamt Baden-Württemberg"]),
        ("Die Handwerkskammer Hamburg und die IHK Berlin mahnen.", ["Handwerkskammer Hamburg", "IHK Berlin"]),
        ("Die Universität Hohenheim forscht.", ["Universität Hohenheim"]),
        ("Der Zweckverband Breitband Altmark baut.", ["Zweckverband Breitband Altmark"]),
        # hyphenated names on a head
        ("Das Hasso-Plattner-Institut in Potsdam bildet aus.", ["Hasso-Plattner-Institut"]),
        ("Das Max-Planck-Institut für Innovation und Wettbewerb rechnet.", ["Max-Planck-Institut für Innovation und Wettbewerb"]),
        # legal forms, and names after `Firma` / `Anbieter`
        ("Die Kommunalsoft Nord GmbH liefert an die Stadtwerke Gifhorn.", ["Kommunalsoft Nord GmbH", "Stadtwerke Gifhorn"]),
        ("Der Bürgerverein Musterdorf e.V. klagt.", ["Bürgerverein Musterdorf e.V."]),
        ("Den Auftrag erhielt die NORD TEL GmbH aus Emden.", ["NORD TEL GmbH"]),
        ("Die Software stammt von der Firma Gemeindesoft.", ["Gemeindesoft"]),
        # more heads and shapes
        ("Die Regierung von Oberfranken prüft.", ["Regierung von Oberfranken"]),
        ("Die SPD-Fraktion im Landtag stimmte dagegen.", ["SPD-Fraktion im Landtag"]),
        ("Die Industrie- und Handelskammer Cottbus warnt.", ["Industrie- und Handelskammer Cottbus"]),
        ("Die Hochschule Harz-Wernigerode forscht.", ["Hochschule Harz-Wernigerode"]),
        ("Studierende an der Musterstein Universität Kassel testen.", ["Musterstein Universität Kassel"]),
        ("Das brandenburgische Bildungsministerium teilte mit.", ["Brandenburgisches Bildungsministerium"]),
    ],
)
def test_recognised_organisations_and_their_canonical_names(nlp, text, expected):
    assert orgs(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Im Bürgeramt gibt es Wartezeiten.",  # an office, no name
        "Die Datenbank für Fördermittel ist online.",  # not an organisation head
        "Der Regelbetrieb beginnt im Mai.",
        "Die Universität plant, das Institut prüft.",  # bare heads
        "Die Verbandsgemeinde Montabaur und das Amt Kropp-Stapelholm.",  # places, not organisations
        "Das Bundesamt für Sicherheit in der Informationstechnik warnt.",  # registered: the register wins
        "Der Landesrechnungshof Mecklenburg-Vorpommern prüft.",
        "Im vergangenen Jahr registrierten die sächsischen Behörden mehr Fälle.",  # Land adjective + plain head
        "Kunden beider Anbieter erhalten Zugriff auf mehr Dienste.",  # a cue noun without its article
    ],
)
def test_no_organisation_or_a_registered_one(nlp, text):
    assert orgs(nlp, text) == []


def test_unknown_organisations_become_discovered_actor_tags(tagger):
    tags = {t.id: t for t in tagger.tag("Kommunalsoft Nord GmbH gewinnt Ausschreibung", "",
                                        "Die Kommunalsoft Nord GmbH liefert die E-Akte. Das BSI prüft.")}
    found = tags["kommunalsoft-nord-gmbh"]
    assert found.kind == "actor" and found.discovered and found.mentions == 2
    assert found.label == "Kommunalsoft Nord GmbH"
    assert tags["bsi"].discovered is False
    assert found.score == pytest.approx(0.5 * (1 - 0.4 * 0.8), abs=0.001)  # half a registered actor's score


def test_a_genitive_and_a_nominative_mention_are_one_discovered_actor(tagger):
    tags = [t for t in tagger.tag("", "", "Die Technische Universität Dresden forscht. Forscher der Technischen "
                                          "Universität Dresden sagen das.") if t.discovered]
    assert [(t.id, t.mentions) for t in tags] == [("technische-universitaet-dresden", 2)]


def test_slugs():
    assert slugify("Landesrechnungshof Mecklenburg-Vorpommern") == "landesrechnungshof-mecklenburg-vorpommern"
    assert slugify("Bürgerverein Musterdorf e.V.") == "buergerverein-musterdorf-e-v"


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Hessens Digitalministerin zieht Bilanz.", "hmdi"),
        ("In Mecklenburg-Vorpommern läuft ein Pilot. Das Innenministerium will ihn ausweiten.", "mibd-mv"),
        ("Die niedersächsische Landesregierung plant ein Gesetz.", "landesregierung-ni"),
        ("In Berlin zählen Sensoren Besucher. Nach Angaben des Senats bleiben die Daten anonym.", "landesregierung-be"),
    ],
)
def test_generic_land_bodies_take_the_articles_land(tagger, text, actor):
    assert actor in {t.id for t in tagger.tag("", "", text) if t.kind == "actor"}


def test_a_generic_land_body_without_one_land_is_nobody(tagger):
    tags = tagger.tag("", "", "Die Landesregierung in Hessen und Bayern streiten über das Innenministerium.")
    assert [t.id for t in tags if t.kind == "actor"] == []
