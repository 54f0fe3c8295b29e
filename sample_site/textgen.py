"""Invented German e-government news texts from sentence templates (the benchmark generator's and
the markup families' words), with the tags known by construction.

Kept apart from `sample_site.generate` (which renders whole sites through `sample_site.build`) so the
site builder can use the texts without an import cycle.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sample_site.articles import Article, Expect

NEWEST = date(2025, 11, 21)


@dataclass(frozen=True)
class Actor:
    id: str
    short: str  # kicker form
    nom: str  # nominative with article, sentence start ("Der Deutsche Städtetag")

    @property
    def mid(self) -> str:
        """The nominative inside a sentence: the article in lower case."""
        head, _, rest = self.nom.partition(" ")
        return f"{head.lower()} {rest}" if head in ("Der", "Die", "Das") else self.nom


ACTORS = [
    Actor("dstgb", "DStGB", "Der DStGB"),
    Actor("staedtetag", "Deutscher Städtetag", "Der Deutsche Städtetag"),
    Actor("landkreistag", "Deutscher Landkreistag", "Der Deutsche Landkreistag"),
    Actor("bitkom", "Bitkom", "Der Digitalverband Bitkom"),
    Actor("vitako", "Vitako", "Vitako"),
    Actor("bsi", "BSI", "Das BSI"),
    Actor("it-planungsrat", "IT-Planungsrat", "Der IT-Planungsrat"),
    Actor("fitko", "FITKO", "Die FITKO"),
    Actor("bmi", "BMI", "Das BMI"),
    Actor("bmds", "BMDS", "Das BMDS"),
    Actor("kgst", "KGSt", "Die KGSt"),
    Actor("dataport", "Dataport", "Dataport"),
    Actor("akdb", "AKDB", "Die AKDB"),
    Actor("komm-one", "Komm.ONE", "Komm.ONE"),
    Actor("ekom21", "ekom21", "ekom21"),
    Actor("regio-it", "regio iT", "regio iT"),
    Actor("govdigital", "govdigital", "Die Genossenschaft govdigital"),
    Actor("digitalservice", "DigitalService", "Der DigitalService"),
    Actor("zendis", "ZenDiS", "Das ZenDiS"),
    Actor("nkr", "Normenkontrollrat", "Der Nationale Normenkontrollrat"),
    Actor("iit", "iit", "Das iit"),
    Actor("fraunhofer-fokus", "Fraunhofer FOKUS", "Fraunhofer FOKUS"),
    Actor("oefit", "ÖFIT", "Das Kompetenzzentrum ÖFIT"),
    Actor("d21", "Initiative D21", "Die Initiative D21"),
    Actor("eu-kommission", "EU-Kommission", "Die EU-Kommission"),
]

# (name as written, Land, AGS as in tests/gold/README.md)
PLACES = [
    ("Wiesbaden", "DE-HE", "06414"), ("Kassel", "DE-HE", "06611"), ("Darmstadt", "DE-HE", "06411"),
    ("Augsburg", "DE-BY", "09761"), ("Nürnberg", "DE-BY", "09564"), ("Regensburg", "DE-BY", "09362"),
    ("Dresden", "DE-SN", "14612"), ("Leipzig", "DE-SN", "14713"), ("Chemnitz", "DE-SN", "14511"),
    ("Magdeburg", "DE-ST", "15003"), ("Halle (Saale)", "DE-ST", "15002"),
    ("Osnabrück", "DE-NI", "03404"), ("Wolfsburg", "DE-NI", "03103"),
    ("Köln", "DE-NW", "05315"), ("Düsseldorf", "DE-NW", "05111"), ("Dortmund", "DE-NW", "05913"),
    ("Münster", "DE-NW", "05515"), ("Bielefeld", "DE-NW", "05711"),
    ("Stuttgart", "DE-BW", "08111"), ("Karlsruhe", "DE-BW", "08212"), ("Ulm", "DE-BW", "08421"),
    ("Heidelberg", "DE-BW", "08221"), ("Mainz", "DE-RP", "07315"), ("Trier", "DE-RP", "07211"),
    ("Kiel", "DE-SH", "01002"), ("Lübeck", "DE-SH", "01003"), ("Rostock", "DE-MV", "13003"),
    ("Schwerin", "DE-MV", "13004"), ("Erfurt", "DE-TH", "16051"), ("Jena", "DE-TH", "16053"),
    ("Potsdam", "DE-BB", "12054"), ("Cottbus", "DE-BB", "12052"), ("Hamburg", "DE-HH", "02000"),
    ("Bremen", "DE-HB", "04011"), ("Berlin", "DE-BE", "11000"), ("Saarbrücken", "DE-SL", "10041100"),
    ("Landkreis Harz", "DE-ST", "15085"), ("Rhein-Sieg-Kreis", "DE-NW", "05382"),
    ("Landkreis Ludwigsburg", "DE-BW", "08118"), ("Landkreis Fulda", "DE-HE", "06631"),
    ("Landkreis Görlitz", "DE-SN", "14626"), ("Landkreis Ebersberg", "DE-BY", "09175"),
    ("Landkreis Emsland", "DE-NI", "03454"), ("Landkreis Oder-Spree", "DE-BB", "12067"),
    ("Landkreis Vorpommern-Greifswald", "DE-MV", "13075"),
]

# Noun phrases used after "Thema"; each names only its own topic.
TOPICS: dict[str, list[str]] = {
    "ozg": ["OZG-Umsetzung", "Onlinezugangsgesetz", "EfA-Dienste"],
    "cybersecurity": ["Cybersicherheit", "IT-Sicherheit", "Ransomware-Abwehr"],
    "deutschland-stack": ["Deutschland-Stack"],
    "ai": ["künstliche Intelligenz", "KI-Assistenten", "generative KI"],
    "eid": ["Online-Ausweis", "BundID", "EUDI-Wallet"],
    "register-modernisation": ["Registermodernisierung"],
    "digital-sovereignty": ["digitale Souveränität"],
    "open-source": ["Open Source", "openDesk"],
    "cloud": ["Cloud-Plattformen", "Verwaltungs-Cloud"],
    "e-file": ["E-Akte", "elektronische Akte"],
    "vehicle-registration": ["Kfz-Zulassung", "i-Kfz"],
    "housing-benefit": ["Wohngeld", "Wohngeldanträge"],
    "registration": ["Meldewesen", "Ummeldung"],
    "smart-city": ["Smart City", "Smart-City-Projekte"],
    "broadband": ["Breitbandausbau", "Glasfaser"],
    "state-modernisation": ["Staatsmodernisierung", "Föderalismusreform", "Bürokratieabbau"],
    "staffing": ["Fachkräftegewinnung", "Nachwuchsgewinnung", "Weiterbildung"],
    "funding": ["Finanzierung", "Förderprogramme", "Haushaltsmittel"],
    "data-protection": ["Datenschutz", "DSGVO-Umsetzung"],
    "open-data": ["Open Data", "offene Daten"],
    "it-standards": ["Schnittstellen", "XÖV-Standards", "Interoperabilität"],
    "surveys": ["Umfragen", "Benchmarks"],
}

ACTOR_SENTENCES = [
    "{A} fordert mehr Tempo beim Thema {T}.",
    "{A} sieht beim Thema {T} noch deutlichen Nachholbedarf.",
    "{A} begrüßt die Pläne grundsätzlich, mahnt aber einen realistischen Zeitplan an.",
    "{A} will die Erfahrungen aus dem Projekt bundesweit bekannt machen.",
    "Auch {a} hat sich in die Debatte eingeschaltet und eigene Vorschläge angekündigt.",
    "{A} verweist darauf, dass viele Fragen bereits in der Praxis erprobt wurden.",
]
PLACE_SENTENCES = [
    "In {P} läuft seit einigen Monaten ein Pilotprojekt zum Thema {T}.",
    "Die Verwaltung in {P} hat dazu eine eigene Projektgruppe eingerichtet.",
    "Erste Erfahrungen aus {P} sind nach Angaben der Beteiligten ermutigend.",
    "Auch in {P} wird das Vorhaben aufmerksam verfolgt.",
]
TOPIC_SENTENCES = [
    "Beim Thema {T} kommt es vor allem auf eine enge Abstimmung zwischen Bund, Ländern und Kommunen an.",
    "Wie wichtig das Thema {T} ist, zeigt die große Resonanz auf das Vorhaben.",
    "Fachleute sehen im Thema {T} einen Schlüssel für eine moderne Verwaltung.",
    "Für das Thema {T} wurde eigens eine Arbeitsgruppe gegründet.",
]
FILLER = [
    "Die Beteiligten wollen bis zum Jahresende einen ersten Zwischenbericht vorlegen.",
    "Kritiker bemängeln, dass viele Fragen noch offen sind.",
    "Bürgerinnen und Bürger sollen von den Änderungen möglichst schnell profitieren.",
    "Entscheidend sei, dass die Lösungen im Alltag funktionieren, heißt es aus der Verwaltung.",
    "Ein Sprecher verwies auf die gute Zusammenarbeit aller Beteiligten.",
    "Bis zur flächendeckenden Einführung dürfte noch einige Zeit vergehen.",
    "Die nächsten Schritte sollen in den kommenden Wochen abgestimmt werden.",
    "Mehrere Kommunen haben bereits Interesse an einer Beteiligung signalisiert.",
    "Die Ergebnisse sollen anschließend ausgewertet und allen Interessierten zugänglich gemacht werden.",
    "Vor Ort stößt das Vorhaben überwiegend auf Zustimmung.",
    "Offen ist noch, wie der dauerhafte Betrieb organisiert wird.",
    "Die Erfahrungen zeigen, dass eine frühe Beteiligung der Mitarbeitenden entscheidend ist.",
    "Die Ausschreibung für den nächsten Abschnitt soll im Frühjahr beginnen.",
    "Nicht alle Beteiligten teilen diese Einschätzung.",
    "Gemeinsame Lösungen sollen verhindern, dass jede Verwaltung das Rad neu erfindet.",
    "Für Rückfragen hat die Verwaltung eine eigene Anlaufstelle eingerichtet.",
    "Ein erster Praxistest soll zeigen, ob das Konzept auch unter Zeitdruck trägt.",
    "Die Zahl der Anfragen ist in den vergangenen Monaten spürbar gestiegen.",
    "Nach der Testphase wird entschieden, ob das Angebot dauerhaft bestehen bleibt.",
    "Wichtig sei, die Abläufe von Anfang an einfach zu halten, betonen die Verantwortlichen.",
]
TITLES = [
    "{P} setzt auf {T}",
    "Neuer Anlauf beim Thema {T}",
    "{K} legt Vorschläge zum Thema {T} vor",
    "Mehr Tempo beim Thema {T} gefordert",
]

_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.translate(_UMLAUT).lower()).strip("-")


def synthetic_article(i: int, n: int, rng: random.Random, span_days: int) -> Article:
    """Article number i (0 = newest): 1–2 actors, one place, 1–2 topics, ~300 words."""
    actors = rng.sample(ACTORS, rng.choice((1, 1, 2)))
    place, state, ags = rng.choice(PLACES)
    topic_ids = rng.sample(sorted(TOPICS), rng.choice((1, 2)))
    if "open-source" in topic_ids and "digital-sovereignty" not in topic_ids:
        topic_ids.append("digital-sovereignty")  # open-source is a child: name the parent too
    phrases = {t: rng.choice(TOPICS[t]) for t in topic_ids}
    main = phrases[topic_ids[0]]
    kicker = actors[0].short if rng.random() < 0.6 else place
    title = rng.choice(TITLES).format(P=place, T=main, K=actors[0].short)
    teaser = (f"In {place} geht es beim Thema {main} voran. "
              f"{actors[0].nom} begleitet das Vorhaben und zieht eine erste Bilanz.")
    sentences: list[str] = []
    for actor in actors:
        for tpl in rng.sample(ACTOR_SENTENCES, 2):
            sentences.append(tpl.format(A=actor.nom, a=actor.mid, T=rng.choice(list(phrases.values()))))
    sentences += [tpl.format(P=place, T=main) for tpl in rng.sample(PLACE_SENTENCES, 2)]
    for t in topic_ids:
        sentences += [tpl.format(T=phrases[t]) for tpl in rng.sample(TOPIC_SENTENCES, 2)]
    fillers = rng.sample(FILLER, len(FILLER))
    while sum(len(s.split()) for s in sentences) < 280:
        sentences.append(fillers.pop() if fillers else rng.choice(FILLER))
    rng.shuffle(sentences)
    size = -(-len(sentences) // 5)
    body = [" ".join(sentences[k : k + size]) for k in range(0, len(sentences), size)]
    day = NEWEST - timedelta(days=i * span_days // max(1, n))
    with_time = rng.random() < 0.33
    slug = f"m{i:06d}-{slugify(title)[:60].rstrip('-')}"
    return Article(
        source="kommune21", slug=slug, path=f"/k21-meldungen/{slug}/", title=title, teaser=teaser,
        body=body, day=day, kicker=kicker,
        time=f"{rng.randrange(7, 19):02d}:{rng.choice((0, 15, 30, 45)):02d}" if with_time else None,
        meta=["og"] if with_time else [], dateline="weekday",
        expect=Expect(actors=sorted({a.id for a in actors}), states=[state], topics=sorted(topic_ids),
                      municipalities=[ags] if ags else []),
    )


def generate_articles(n_articles: int, seed: int = 0) -> list[Article]:
    """The synthetic articles, newest first (about four per day, going back from 21.11.2025)."""
    rng = random.Random(seed)
    span_days = max(30, n_articles // 4)
    return [synthetic_article(i, n_articles, rng, span_days) for i in range(n_articles)]
