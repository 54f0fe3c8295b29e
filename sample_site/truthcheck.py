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

# Places named in the content → their Land (derived state tags). Adjectives (`Dresdner`) included.
PLACE_FORMS: dict[str, str] = {
    r"\bWiesbaden": "DE-HE", r"\bKassel": "DE-HE", r"\bDarmstadt": "DE-HE", r"\bFulda": "DE-HE",
    r"\bGießen": "DE-HE", r"\bFrankfurt am Main|\bFrankfurter": "DE-HE", r"\bOffenbach": "DE-HE",
    r"\bAugsburg": "DE-BY", r"\bMünchen|\bMünchner": "DE-BY", r"\bNürnberg": "DE-BY",
    r"\bRegensburg": "DE-BY", r"\bEbersberg": "DE-BY", r"\bBamberg": "DE-BY", r"\bWürzburg": "DE-BY",
    r"\bDresden|\bDresdner": "DE-SN", r"\bLeipzig": "DE-SN", r"\bChemnitz": "DE-SN",
    r"\bGörlitz": "DE-SN",
    r"\bMerseburg": "DE-ST", r"\bMagdeburg": "DE-ST", r"\bHalle \(Saale\)": "DE-ST",
    r"Landkreis(?:es)? Harz": "DE-ST", r"\bSaalekreis": "DE-ST",
    r"\bGöttingen": "DE-NI", r"\bOsnabrück": "DE-NI", r"\bEmsland": "DE-NI", r"\bWolfsburg": "DE-NI",
    r"\bKöln|\bKölner": "DE-NW", r"\bDüsseldorf": "DE-NW", r"\bDortmund": "DE-NW",
    r"\bAachen": "DE-NW", r"\bMünster\b": "DE-NW", r"\bBielefeld": "DE-NW", r"Rhein-Sieg-Kreis": "DE-NW",
    r"\bSteinfurt": "DE-NW", r"\bPaderborn": "DE-NW",
    r"\bStuttgart": "DE-BW", r"\bKarlsruhe": "DE-BW", r"\bFreiburg": "DE-BW", r"\bUlm\b|\bUlmer": "DE-BW",
    r"\bLudwigsburg": "DE-BW", r"\bHeidelberg": "DE-BW", r"\bKonstanz": "DE-BW", r"Ostalbkreis": "DE-BW",
    r"\bMainz": "DE-RP", r"\bTrier": "DE-RP",
    r"\bSaarbrücken": "DE-SL",
    r"\bKiel\b|\bKieler": "DE-SH", r"\bLübeck": "DE-SH", r"\bFlensburg": "DE-SH",
    r"\bRostock": "DE-MV", r"\bSchwerin": "DE-MV", r"Vorpommern-Greifswald": "DE-MV",
    r"\bErfurt": "DE-TH", r"\bGotha": "DE-TH", r"\bJena\b|\bJenaer": "DE-TH",
    r"\bPotsdam": "DE-BB", r"\bCottbus": "DE-BB", r"Oder-Spree": "DE-BB",
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
_PLACES = {re.compile(p): state for p, state in PLACE_FORMS.items()}
_TOPICS = _compile(TOPIC_FORMS)


def found_tags(text: str) -> dict[str, set[str]]:
    """Ids whose strict surface forms occur in `text` (URLs and e-mail addresses removed)."""
    text = URL.sub(" ", text)
    states = {k for k, rx in _STATES.items() if rx.search(text)}
    states |= {state for rx, state in _PLACES.items() if rx.search(text)}
    return {
        "actors": {k for k, rx in _ACTORS.items() if rx.search(text)},
        "states": states,
        "topics": {k for k, rx in _TOPICS.items() if rx.search(text)},
    }


def check_article(art: Article) -> list[str]:
    """Differences between the text and `expect`, as readable messages (empty = consistent)."""
    problems = []
    found = found_tags(art.text)
    for kind in ("actors", "states", "topics"):
        expected = set(getattr(art.expect, kind))
        for missing in sorted(found[kind] - expected):
            problems.append(f"{art.source}/{art.slug}: text mentions {kind[:-1]} {missing!r} not in expect")
        for extra in sorted(expected - found[kind]):
            problems.append(f"{art.source}/{art.slug}: expect has {kind[:-1]} {extra!r} without a mention")
    extra_text = " ".join(x for x in (art.kicker, art.caption, art.credit) if x)
    side = found_tags(extra_text)
    for kind in ("actors", "states", "topics"):
        for stray in sorted(side[kind] - set(getattr(art.expect, kind))):
            problems.append(f"{art.source}/{art.slug}: kicker/caption names {kind[:-1]} {stray!r} "
                            "that title/teaser/body do not")
    return problems


def check_all(articles: Iterable[Article] | None = None) -> list[str]:
    arts = list(articles) if articles is not None else load_all().all()
    return [msg for art in arts for msg in check_article(art)]


if __name__ == "__main__":
    msgs = check_all()
    print("\n".join(msgs) or "expect tags consistent with the texts")
    raise SystemExit(1 if msgs else 0)
