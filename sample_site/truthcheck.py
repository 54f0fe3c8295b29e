"""Cross-check the hand-written `expect` tags against the article texts.

Not a tagger: a deliberately strict list of unambiguous surface forms, used only so that a content
edit cannot silently make the hand-made truth wrong (a mention added without its tag, or a tag whose
mention was edited away). Pitfalls the real tagger must handle are encoded the way the truth wants
them (`FC Bayern` is no Bayern, `Niedersachsen` no Sachsen, URLs are ignored, `Kita` is no KI).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sample_site.articles import Article, load_all

_I = re.IGNORECASE

ACTOR_FORMS: dict[str, str] = {
    "dstgb": r"\bDStGB\b|Städte- und Gemeindebund",
    "staedtetag": r"Städtetag",
    "landkreistag": r"Deutsche\w* Landkreistag",
    "bitkom": r"\bBitkom",
    "vitako": r"\bVitako\b|Bundes-Arbeitsgemeinschaft der Kommunalen IT-Dienstleister",
    "bsi": r"\bBSI\b|Bundesamts? für Sicherheit in der Informationstechnik",
    "it-planungsrat": r"IT-Planungsrat",
    "fitko": r"\bFITKO\b",
    "bmi": r"\bBMI\b|Bundesinnenministerium|Bundesministeriums? des Innern",
    "bmds": r"\bBMDS\b|Bundesministeriums? für Digitales und Staatsmodernisierung|Bundesdigitalministerium",
    "kgst": r"\bKGSt\b",
    "dataport": r"\bDataport\b",
    "akdb": r"\bAKDB\b",
    "komm-one": r"\bKomm\.ONE\b",
    "ekom21": r"\bekom21\b",
    "regio-it": r"\bregio iT\b",
    "govdigital": r"\bgovdigital\b",
    "digitalservice": r"\bDigitalService\b",
    "zendis": r"\bZenDiS\b|Zentrum für Digitale Souveränität",
    "nkr": r"\bNKR\b|Normenkontrollrat",
    "iit": r"\biit\b|Institut für Innovation und Technik",
    "fraunhofer-fokus": r"Fraunhofer[- ]FOKUS|Fraunhofer-Institut für Offene Kommunikationssysteme",
    "oefit": r"\bÖFIT\b|Kompetenzzentrum Öffentliche IT",
    "d21": r"\bD21\b",
    "eu-kommission": r"EU-Kommission|Europäische\w* Kommission",
    "landkreistag-bw": r"Landkreistag Baden-Württemberg|Landkreistags Baden-Württemberg",
    "junge-buergermeister": r"Junge\w* Bürgermeister",
    "mach": r"\bMACH\b",
    "bundeswehr": r"Bundeswehr",
    "polizei": r"Polizei",
    "handlungsfaehiger-staat": r"handlungsfähigen Staat",
    "nachrichtendienste": r"Nachrichtendienst",
    "mpk": r"Ministerpräsidentenkonferenz",
}

# Land governments and bodies, actors since the revised guideline (issue 11). Named by type
# ("die Landesregierung"), they count for a Land named right beside them (name, capital or
# adjective) or for the article's only Land.
LAND_ACTOR_FORMS: dict[str, tuple[str, str]] = {
    "landesregierung-sh": ("DE-SH", r"Landesregierung"),
    "landesregierung-sn": ("DE-SN", r"Landesregierung|Staatsregierung"),
    "landesregierung-st": ("DE-ST", r"Landesregierung"),
    "landesregierung-th": ("DE-TH", r"Landesregierung"),
    "hmdi": ("DE-HE", r"Digitalminister|Ministerium für Digitalisierung"),
    "mibd-mv": ("DE-MV", r"Innenministerium|Innenminister"),
    "mi-sl": ("DE-SL", r"Innenministerium|Innenminister"),
    "landtag-he": ("DE-HE", r"Landtag"),
}
LAND_NEAR: dict[str, str] = {
    "DE-SH": r"Schleswig-Holstein|Kiel", "DE-SN": r"Sachsen|sächsisch|Dresden",
    "DE-ST": r"Sachsen-Anhalt|Magdeburg", "DE-TH": r"Thüringen|thüringisch|Erfurt",
    "DE-HE": r"Hessen|hessisch|Wiesbaden", "DE-MV": r"Mecklenburg-Vorpommern|Schwerin",
    "DE-SL": r"Saarland|saarländisch|Saarbrücken",
}

STATE_FORMS: dict[str, str] = {
    "DE-BW": r"Baden-Württemberg|\bBW\b|baden-württembergisch",
    "DE-BY": r"(?<!FC )\bBayern\b|\bbayerisch|Freistaat Bayern",
    "DE-BE": r"\bBerlin",
    "DE-BB": r"\bBrandenburg",
    "DE-HB": r"\bBrem(?:en|er)|Bremerhaven",
    "DE-HH": r"\bHamburg",
    "DE-HE": r"\bHessen|\bhessisch",
    "DE-MV": r"Mecklenburg-Vorpommern|\bMV\b",
    "DE-NI": r"Niedersachsen|niedersächsisch",
    "DE-NW": r"Nordrhein-Westfalen|\bNRW\b",
    "DE-RP": r"Rheinland-Pfalz|\bRLP\b|rheinland-pfälzisch",
    "DE-SL": r"\bSaarland|saarländisch",
    "DE-SN": r"(?<!Nieder)\bSachsen\b(?!-Anhalt)|(?<!nieder)\bsächsisch",
    "DE-ST": r"Sachsen-Anhalt",
    "DE-SH": r"Schleswig-Holstein|\bSH\b",
    "DE-TH": r"Thüringen|thüringisch",
}

# Places named in the content → (Land, AGS) following tests/gold/README.md: a city name means the
# kreisfreie Stadt, `Landkreis X` the district, adjectives (`Dresdner`) count, a name inside another
# name does not, city states get Land and AGS. Only places that occur in the texts are listed.
PLACE_FORMS: dict[str, tuple[str, str]] = {
    r"\bWiesbaden": ("DE-HE", "06414"), r"(?<!Landkreis )\bKassel": ("DE-HE", "06611"),
    r"Landkreis Kassel": ("DE-HE", "06633"), r"\bDarmstadt(?!-)": ("DE-HE", "06411"),
    r"Landkreis Fulda": ("DE-HE", "06631"),
    r"\bAugsburg": ("DE-BY", "09761"), r"\bMünchen|\bMünchner": ("DE-BY", "09162"),
    r"Landkreis Ebersberg": ("DE-BY", "09175"),
    r"\bDresden|\bDresdner": ("DE-SN", "14612"), r"\bLeipzig": ("DE-SN", "14713"),
    r"\bChemnitz": ("DE-SN", "14511"),
    r"\bMerseburg": ("DE-ST", "15088220"), r"\bSaalekreis": ("DE-ST", "15088"),
    r"\bMagdeburg": ("DE-ST", "15003"), r"\bHalle \(Saale\)": ("DE-ST", "15002"),
    r"Landkreis(?:es)? Harz": ("DE-ST", "15085"),
    r"(?<!Landkreis )\bGöttingen": ("DE-NI", "03159016"), r"Landkreis Göttingen": ("DE-NI", "03159"),
    r"\bOsnabrück": ("DE-NI", "03404"), r"Landkreis Emsland": ("DE-NI", "03454"),
    r"\bKöln|\bKölner": ("DE-NW", "05315"), r"\bDüsseldorf": ("DE-NW", "05111"),
    r"\bDortmund": ("DE-NW", "05913"), r"\bAachen": ("DE-NW", "05334002"),
    r"\bMünster\b": ("DE-NW", "05515"), r"\bBielefeld": ("DE-NW", "05711"),
    r"\bStuttgart": ("DE-BW", "08111"), r"\bUlm\b|\bUlmer": ("DE-BW", "08421"),
    r"Landkreis Ludwigsburg": ("DE-BW", "08118"), r"Landkreis Konstanz": ("DE-BW", "08335"),
    r"Ostalbkreis": ("DE-BW", "08136"),
    r"\bMainz\b": ("DE-RP", "07315"), r"\bTrier\b": ("DE-RP", "07211"),
    r"\bSaarbrücken": ("DE-SL", "10041100"),
    r"\bKiel\b|\bKieler": ("DE-SH", "01002"), r"\bLübeck": ("DE-SH", "01003"),
    r"\bRostock": ("DE-MV", "13003"), r"\bSchwerin": ("DE-MV", "13004"),
    r"\bErfurt": ("DE-TH", "16051"), r"\bJena\b": ("DE-TH", "16053"),
    r"Landkreis Gotha": ("DE-TH", "16067"),
    r"\bPotsdam(?!-)": ("DE-BB", "12054"), r"\bCottbus": ("DE-BB", "12052"),
    r"\bBerlin": ("DE-BE", "11000"), r"\bHamburg": ("DE-HH", "02000"),
    r"\bBrem(?:en|er)\b": ("DE-HB", "04011"), r"\bBremerhaven": ("DE-HB", "04012"),
    # generator places (sample_site/generate.py)
    r"\bNürnberg": ("DE-BY", "09564"), r"\bRegensburg": ("DE-BY", "09362"),
    r"\bWolfsburg": ("DE-NI", "03103"), r"\bKarlsruhe": ("DE-BW", "08212"),
    r"\bHeidelberg": ("DE-BW", "08221"), r"Rhein-Sieg-Kreis": ("DE-NW", "05382"),
    r"Landkreis Görlitz": ("DE-SN", "14626"), r"Landkreis Oder-Spree": ("DE-BB", "12067"),
    r"Landkreis Vorpommern-Greifswald": ("DE-MV", "13075"),
}

TOPIC_FORMS: dict[str, str] = {
    "ozg": r"\bOZG|Onlinezugangsgesetz|Einer für Alle|\bEfA\b",
    "cybersecurity": r"[Cc]yber|IT-Sicherheit|Informationssicherheit|Ransomware|NIS-?2|Phishing|"
                     r"Schadsoftware|Grundschutz|Hacker",
    "deutschland-stack": r"Deutschland-Stack",
    "ai": r"\bKI\b|[Kk]ünstliche\w* Intelligenz|Chatbot|Sprachmodell|\bLLM",
    "eid": r"\beID\b|Online-Ausweis|Onlineausweis|BundID|DeutschlandID|BayernID|EUDI|Personalausweis|"
           r"Nutzerkonto|digitale\w* Identität|elektronische\w* Identität",
    "register-modernisation": r"Registermodernisierung|\bRegister\b|Once-Only|Registerzensus|NOOTS",
    "digital-sovereignty": r"[Ss]ouverän",
    "open-source": r"Open[- ]Source|openDesk|openCode|quelloffen",
    "cloud": r"Cloud",
    "e-file": r"E-Akte|elektronische\w* Akte",
    "vehicle-registration": r"Kfz|Zulassungsstelle|Fahrzeugzulassung|Zulassung von Fahrzeugen",
    "housing-benefit": r"Wohngeld",
    "registration": r"Meldewesen|Ummeldung|Wohnsitz|Meldebehörde|Melderecht",
    "smart-city": r"Smart[- ]Cit",
    "broadband": r"Breitband|Glasfaser|Gigabit",
    "state-modernisation": r"Staatsmodernisierung|Föderalismusreform|Modernisierungsagenda|"
                           r"Verwaltungsmodernisierung|Verwaltungsreform|Bürokratieabbau|Staatsreform",
    "staffing": r"Fachkräfte|Personal(?!ausweis)|Nachwuchs|Weiterbildung|Qualifizierung",
    "funding": r"Förder|Finanzierung|Haushalt|Schuldenbremse|Sondervermögen|Millionen Euro|"
               r"Milliarden Euro|Budget",
    "data-protection": r"Datenschutz|Datenschütz|DSGVO",
    "open-data": r"Open[- ]Data|[Oo]ffene\w* Daten|Datenportal",
    "it-standards": r"Standards\b|Standardisierung|standardisiert|Schnittstelle|XÖV|Interoperab|"
                    r"FIT-Connect",
    "surveys": r"Umfrage|Studien?\b|Befragung|Benchmark|Monitor|Ranking|Zukunftsradar|\bIndex\b|-Index",
}

URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.-]+\.example\b\S*|\S+@\S+")


def _compile(forms: dict[str, str], flags: int = 0) -> dict[str, re.Pattern[str]]:
    return {key: re.compile(pattern, flags) for key, pattern in forms.items()}


_ACTORS = _compile(ACTOR_FORMS)
_STATES = _compile(STATE_FORMS)
_PLACES = {re.compile(p): place for p, place in PLACE_FORMS.items()}
_TOPICS = _compile(TOPIC_FORMS)


def _land_actors(text: str, states: set[str]) -> set[str]:
    found = set()
    for actor, (land, form) in LAND_ACTOR_FORMS.items():
        for match in re.finditer(form, text):
            near = text[max(0, match.start() - 40) : match.end() + 40]
            if states == {land} or re.search(LAND_NEAR[land], near):
                found.add(actor)
                break
    return found


def found_tags(text: str) -> dict[str, set[str]]:
    """Ids whose strict surface forms occur in `text` (URLs and e-mail addresses removed)."""
    text = URL.sub(" ", text)
    states = {k for k, rx in _STATES.items() if rx.search(text)}
    places = [place for rx, place in _PLACES.items() if rx.search(text)]
    states |= {state for state, _ in places}
    return {
        "actors": {k for k, rx in _ACTORS.items() if rx.search(text)} | _land_actors(text, states),
        "states": states,
        "municipalities": {ags for _, ags in places},
        "topics": {k for k, rx in _TOPICS.items() if rx.search(text)},
    }


def check_article(art: Article) -> list[str]:
    """Differences between the text and `expect`, as readable messages (empty = consistent)."""
    problems = []
    found = found_tags(art.text)
    for kind in ("actors", "states", "topics", "municipalities"):
        expected = set(getattr(art.expect, kind))
        for missing in sorted(found[kind] - expected):
            problems.append(f"{art.source}/{art.slug}: text mentions {kind} {missing!r} not in expect")
        for extra in sorted(expected - found[kind]):
            problems.append(f"{art.source}/{art.slug}: expect has {kind} {extra!r} without a mention")
    extra_text = " ".join(x for x in (art.kicker, art.caption, art.credit) if x)
    side = found_tags(extra_text)
    for kind in ("actors", "states", "topics", "municipalities"):
        for stray in sorted(side[kind] - set(getattr(art.expect, kind))):
            problems.append(f"{art.source}/{art.slug}: kicker/caption names {kind} {stray!r} "
                            "that title/teaser/body do not")
    return problems


def check_all(articles: Iterable[Article] | None = None) -> list[str]:
    arts = list(articles) if articles is not None else load_all().all()
    return [msg for art in arts for msg in check_article(art)]


if __name__ == "__main__":
    msgs = check_all()
    print("\n".join(msgs) or "expect tags consistent with the texts")
    raise SystemExit(1 if msgs else 0)
