"""Pages that misbehave on purpose, so crawler tests can prove the crawl survives them.

Every fault that still carries an article uses the Kommune21 article markup under `/faults/…`, with
a canonical link to its own path. `/faults/` lists them all in Kommune21 list markup; the normal list
pages never link here, so an ordinary crawl stays clean.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from jinja2 import Environment

from sample_site.build import make_env

FAULTS = {
    "404": "Seite nicht gefunden (Status 404)",
    "500": "Serverfehler (Status 500, immer)",
    "flaky": "Wackelige Seite (zweimal 500, dann 200)",
    "slow": "Langsame Seite (5 Sekunden Verzögerung)",
    "truncated": "Abgeschnittene Seite (endet mitten im Tag)",
    "malformed": "Kaputtes HTML (falsch verschachtelt, offene Tags)",
    "latin1": "Seite in ISO-8859-1 mit korrektem Header",
    "wrong-charset": "Latin-1-Bytes mit falschem UTF-8-Header",
    "huge": "Riesige Seite (20 MB)",
    "nodate": "Meldung ganz ohne Datum",
    "empty": "Leere Antwort (200, kein Inhalt)",
    "bomb": "Gzip-Bombe (64 KB, entpackt 64 MB)",
    "loop": "Weiterleitungsschleife (loop → loop-b → loop)",
}

HUGE_BYTES = 20 * 1024 * 1024

# What a parser should recover from each article-bearing fault (tests assert on these).
FAULT_TITLES = {
    "flaky": "Endlich erreichbar: Die wackelige Meldung",
    "slow": "Geduld zahlt sich aus: Die langsame Meldung",
    "truncated": "Abgeschnitten: Diese Meldung endet zu früh",
    "malformed": "Kaputtes Markup: Die Meldung ist trotzdem lesbar",
    "latin1": "Größere Übersicht für Bürgerämter in Fürth",
    "wrong-charset": "Gemeindeämter in Lüneburg prüfen Zuständigkeiten",
    "huge": "Übergroße Meldung mit endlosem Text",
    "nodate": "Meldung ohne jedes Datum",
}


@dataclass
class Response:
    """A complete response the server writes as is."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _article(env: Environment, name: str, body: list[str], *, nodate: bool = False) -> str:
    """Render a fault article with the real article template (so only the fault differs)."""
    from datetime import date

    from sample_site.articles import Article, Expect

    art = Article(
        source="faults", slug=name, path=f"/faults/{name}", title=FAULT_TITLES[name],
        teaser=f"Testfall {name}: Diese Seite prüft, wie der Crawler mit einem Fehlerfall umgeht.",
        body=body, day=date(2025, 10, 6), expect=Expect(), kicker="Testfall",
        dateline="none" if nodate else "weekday", nodate=nodate,
    )
    return env.get_template("k21_article.html").render(a=art, related=[], jsonld={})


class Faults:
    """Builds fault responses; keeps the per-path counters that `flaky` needs (thread-safe)."""

    def __init__(self) -> None:
        self.env = make_env()
        self._lock = threading.Lock()
        self._flaky: Counter[str] = Counter()
        self._huge: dict[int, bytes] = {}

    def reset(self) -> None:
        with self._lock:
            self._flaky.clear()

    def index(self) -> bytes:
        items = [
            {"href": f"/faults/{name}", "kicker": "Testfall", "title": label,
             "teaser": "Ein Fehlerfall für Crawler-Tests. Normale Listen verlinken ihn nicht.",
             "date": "[06.10.2025]"}
            for name, label in FAULTS.items()
        ]
        html = self.env.get_template("k21_list.html").render(
            heading="Fehlerfälle", items=items, page=1, pages=1, prev_href=None, next_href=None)
        return html.encode("utf-8")

    def handle(self, path: str, query: str, target: str) -> Response | None:
        """The response for `/faults/<name>`, or None if there is no such fault."""
        name = path[len("/faults/"):].strip("/")
        html_utf8 = {"Content-Type": "text/html; charset=utf-8"}
        if name == "":
            return Response(200, self.index(), html_utf8)
        if name == "404":
            return Response(404, b"<html><body><h1>404 Nicht gefunden</h1></body></html>", html_utf8)
        if name == "500":
            return Response(500, b"<html><body><h1>500 Interner Fehler</h1></body></html>", html_utf8)
        if name == "flaky":
            with self._lock:
                self._flaky[target] += 1
                count = self._flaky[target]
            if count <= 2:
                return Response(500, f"<html><body><h1>500 Versuch {count}</h1></body></html>".encode(),
                                html_utf8)
            return Response(200, self._simple("flaky").encode("utf-8"), html_utf8)
        if name == "slow":
            seconds = _float(parse_qs(query).get("s", ["5"])[0], 5.0)
            time.sleep(max(0.0, min(seconds, 120.0)))
            return Response(200, self._simple("slow").encode("utf-8"), html_utf8)
        if name == "truncated":
            return Response(200, self.truncated(), html_utf8)
        if name == "malformed":
            return Response(200, MALFORMED.encode("utf-8"), html_utf8)
        if name == "latin1":
            return Response(200, self.latin1(), {"Content-Type": "text/html; charset=iso-8859-1"})
        if name == "wrong-charset":
            return Response(200, self.wrong_charset(), html_utf8)
        if name == "huge":
            mb = _float(parse_qs(query).get("mb", ["20"])[0], 20.0)
            return Response(200, self.huge(int(mb * 1024 * 1024)), html_utf8)
        if name == "nodate":
            html = _article(self.env, "nodate", [
                "Diese Meldung nennt weder im Kopf noch im Anrisstext noch in Metadaten ein Datum.",
                "Der Crawler muss sie trotzdem speichern und als Meldung ohne Datum kennzeichnen.",
                "Ein geratenes Datum, etwa der Tag des Abrufs, wäre hier ein Fehler.",
            ], nodate=True)
            return Response(200, html.encode("utf-8"), html_utf8)
        if name == "empty":
            return Response(200, b"", html_utf8)
        return self._trap(name, query, html_utf8)

    def _trap(self, name: str, query: str, html_utf8: dict[str, str]) -> Response | None:
        """The endless and exploding pages of sample_site/traps.py."""
        from sample_site import traps

        if name == "bomb":
            return Response(200, traps.gzip_bomb(), {**html_utf8, "Content-Encoding": "gzip"})
        if name in ("loop", "loop-b"):
            target = "/faults/loop-b" if name == "loop" else "/faults/loop"
            return Response(302, b"", {**html_utf8, "Location": target})
        if name == "kalender":
            page = traps.month_page(self.env, query)
        elif name.startswith("kalender/tag/"):
            page = traps.day_page(self.env, name[len("kalender/tag/"):])
        else:
            return None
        return Response(200, page.encode("utf-8"), html_utf8) if page is not None else None

    def _simple(self, name: str) -> str:
        return _article(self.env, name, [
            "Diese Meldung ist vollständig und gültig, sobald sie ausgeliefert wird.",
            "Sie enthält Umlaute wie ä, ö, ü und das ß, damit die Kodierung geprüft wird.",
            "Der Crawler sollte sie genau einmal speichern.",
        ])

    def truncated(self) -> bytes:
        """A valid start (title, teaser, first paragraph), cut inside the second `<p` tag."""
        html = _article(self.env, "truncated", [
            "Der erste Absatz kommt noch vollständig an.",
            "Der zweite Absatz wird mitten im Tag abgeschnitten.",
            "Der dritte Absatz kommt nie an.",
        ])
        first = html.index("Der erste Absatz")
        cut = html.index("<p>", first) + 2  # ends with `<p` — mid-tag
        return html[:cut].encode("utf-8")

    def latin1(self) -> bytes:
        html = _article(self.env, "latin1", [
            "Die Stadt Fürth öffnet ihre Bürgerämter länger und führt größere Übersichtstafeln ein.",
            "Die Seite ist in ISO-8859-1 kodiert; der Header sagt das korrekt: äöüß ÄÖÜ.",
            "Ein Crawler, der UTF-8 erzwingt, zerstört hier die Umlaute.",
        ])
        html = html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
        return html.encode("iso-8859-1", "xmlcharrefreplace")

    def wrong_charset(self) -> bytes:
        html = _article(self.env, "wrong-charset", [
            "Die Gemeindeämter in Lüneburg prüfen ihre Zuständigkeiten für Anträge und Gebühren.",
            "Die Bytes sind ISO-8859-1, der HTTP-Header behauptet UTF-8, das Meta-Tag sagt Latin-1.",
            "Ein robuster Crawler erkennt ungültiges UTF-8 und fällt auf das Meta-Tag zurück: äöüß.",
        ])
        html = html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
        return html.encode("iso-8859-1", "xmlcharrefreplace")

    def huge(self, size: int = HUGE_BYTES) -> bytes:
        """A valid article whose body is padded to `size` bytes (built once per size, then cached)."""
        size = max(0, min(size, 200 * 1024 * 1024))
        with self._lock:
            cached = self._huge.get(size)
        if cached is not None:
            return cached
        head = _article(self.env, "huge", ["Dieser Absatz steht am Anfang einer übergroßen Meldung.",
                                           "HUGE-MARKER", "Ende."]).encode("utf-8")
        before, after = head.split(b"HUGE-MARKER", 1)
        para = ("Dieser Absatz wiederholt sich, bis die Seite zwanzig Megabyte groß ist. " * 8).encode()
        para = b"</p>\n    <p>" + para
        need = max(0, size - len(before) - len(after))
        filler = (para * (need // len(para) + 1))[:need]
        body = before + filler + after
        with self._lock:
            self._huge[size] = body
        return body


def _float(raw: str, default: float) -> float:
    try:
        return float(raw)
    except ValueError:
        return default


MALFORMED = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Kaputtes Markup: Die Meldung ist trotzdem lesbar - Kommune21 online | Kommune21 - E-Government, Internet und Informationstechnik</title>
<link rel="canonical" href="/faults/malformed">
</head>
<body><div id="header"><ul><li><a href="/">Meldungen<li><a href="/impressum.html">Impressum</ul>
<div id="content"><div class="article">
<p class="dateline">Montag, 6. Oktober 2025
<h1><span class="kicker">Testfall</span><span class="title">Kaputtes Markup: Die Meldung ist trotzdem lesbar</h1></span>
<p class="teaser"><span class="date">[06.10.2025]</span> Testfall malformed: Tags sind falsch verschachtelt und nicht geschlossen.
<div class="body"><p>Der erste Absatz hat <b>fett <i>und kursiv</b> falsch</i> verschachtelt.
<p>Der zweite Absatz wird nie geschlossen, und ein <span>Span auch nicht.
<p>Der dritte Absatz folgt trotzdem & enthält ein nacktes Ampersand sowie < ein Kleiner-Zeichen.</div>
</td></tr></table>
<div class="related"><h3>Mehr zum Thema</h3><ul><li><a href="/faults/nodate">Meldung ohne jedes Datum</a>
</div>
"""
