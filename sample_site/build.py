"""Render the content files into the static sample site (`python -m sample_site.build`).

The site is plain files so any HTTP server could serve it; the few dynamic bits (query-string
routes, redirects, Last-Modified dates) are written to `_routes.json` for `sample_site.server`.
Output is deterministic (no build timestamps) so the committed site only changes with the content.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sample_site.articles import BERLIN, Article, Content, load_all
from sample_site.families import render_families

PACKAGE_DIR = Path(__file__).parent
DEFAULT_SITE_DIR = PACKAGE_DIR / "site"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
ROUTES_FILE = "_routes.json"
PER_PAGE = 20

# 8×8 mid-grey baseline JPEG (DC-only, one-symbol Huffman tables): a real image in 125 bytes.
PLACEHOLDER_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000"
    "ffdb004300" + "01" * 64
    + "ffc0000b080008000801011100"
    "ffc400140000" + "01" + "00" * 15 + "00"
    + "ffc400141000" + "01" + "00" * 15 + "00"
    + "ffda0008010100003f00" + "3f" + "ffd9"
)

ROBOTS_TXT = """\
# Sample site robots.txt: everything may be crawled except the private area.
User-agent: *
Disallow: /private/
Allow: /

Sitemap: /egov/sitemap.xml
"""

CSS = """\
body{font-family:sans-serif;margin:0 auto;max-width:60em}
.cookie-note{background:#eee;padding:.5em}.news-item{border-bottom:1px solid #ccc}
.kicker{color:#a00;font-weight:bold}.date{color:#666}
"""

STATIC_PAGES = {
    "impressum.html": ("Impressum", [
        "Kommune21 online (Beispielseite) ist eine frei erfundene Testseite des Projekts Policy Radar.",
        "Alle Meldungen, Zitate und Personen sind erfunden. Ähnlichkeiten mit echten Meldungen sind "
        "beabsichtigt, was Form und Themen angeht, nicht aber den Inhalt.",
    ]),
    "datenschutz.html": ("Datenschutzhinweise", [
        "Diese Beispielseite läuft nur auf 127.0.0.1 und speichert keine Daten über Besucher.",
    ]),
    "newsletter.html": ("Newsletter", [
        "Der Newsletter der Beispielseite erscheint jeden Dienstag. Eine Anmeldung ist nicht möglich, "
        "denn es gibt ihn nicht.",
    ]),
    "suche.html": ("Suche", ["Die Suche ist auf der Beispielseite nicht verfügbar."]),
}

SECRET_HTML = """\
<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Interner Entwurf - Kommune21 online | Kommune21 - E-Government, Internet und Informationstechnik</title>
<link rel="canonical" href="/private/secret.html"></head>
<body><div id="content"><div class="article">
<p class="dateline">Montag, 1. September 2025</p>
<h1><span class="kicker">Intern</span><span class="title">Vertraulicher Entwurf: darf nie im Archiv landen</span></h1>
<p class="teaser"><span class="date">[01.09.2025]</span> Diese Seite ist per robots.txt gesperrt. Findet sie sich im Archiv, hat der Crawler robots.txt missachtet.</p>
<div class="body"><p>GEHEIM-MARKER-7f3a: Wer diesen Satz im Archiv findet, hat einen Fehler gefunden.</p></div>
</div></div></body></html>
"""


def make_env() -> Environment:
    """One Jinja2 environment; autoescape for HTML and XML so content text is always escaped."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        keep_trailing_newline=True,
    )


def list_page_href(page: int) -> str:
    return "/" if page == 1 else f"/?pg={page}"


def list_page_file(page: int) -> str:
    return "index.html" if page == 1 else f"_pages/{page}.html"


def article_href(art: Article, form: str = "canonical") -> str:
    """The URL a link uses; old forms redirect (301) or, for `print`, answer 200 with a canonical link."""
    if form == "meldung":
        return f"/meldung_{art.legacy_id}_{art.slug}"
    if form == "p":
        return f"/?p={art.legacy_id}"
    if form == "print":
        return f"/druck{art.path}"
    return art.path


def first_sentence(text: str) -> str:
    for end in (". ", "! ", "? "):
        idx = text.find(end)
        if 0 < idx < 200:
            return text[: idx + 1]
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + " …"


def http_lastmod(art: Article) -> str:
    """When the page 'changed': publication time, or noon of its list day for undated articles."""
    dt = art.published_dt or datetime.combine(art.day, time(12, 0), tzinfo=BERLIN)
    return dt.isoformat()


def newest(arts: Sequence[Article]) -> str:
    """Last-Modified of a page listing `arts`: the newest of their stamps (compared as datetimes)."""
    stamps = [datetime.fromisoformat(http_lastmod(a)) for a in arts]
    return max(stamps).isoformat() if stamps else "2025-06-01T00:00:00+02:00"


def write(out: Path, rel: str, data: str | bytes) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def render_kommune21(
    env: Environment, arts: Sequence[Article], out: Path, routes: dict[str, Any],
    heading: str = "Meldungen", images: bool = True,
) -> None:
    """List pages (20 per page, newest first) and one page per article, plus redirects/aliases."""
    by_slug = {a.slug: a for a in arts}
    pages = max(1, -(-len(arts) // PER_PAGE))
    list_tpl = env.get_template("k21_list.html")
    art_tpl = env.get_template("k21_article.html")
    for page in range(1, pages + 1):
        chunk = arts[(page - 1) * PER_PAGE : page * PER_PAGE]
        items = [
            {"href": article_href(a, a.list_link), "kicker": a.kicker, "title": a.title,
             "teaser": a.teaser, "date": None if a.nodate else a.bracket_date}
            for a in chunk
        ]
        html = list_tpl.render(
            heading=heading, items=items, page=page, pages=pages,
            prev_href=list_page_href(page - 1) if page > 1 else None,
            next_href=list_page_href(page + 1) if page < pages else None,
        )
        rel = list_page_file(page)
        write(out, rel, html)
        routes["lastmod"][rel] = newest(chunk)
    routes["list_pages"] = pages
    for art in arts:
        related = []
        for form, target in art.related:
            other = by_slug[target]
            related.append({"href": article_href(other, form), "title": other.title,
                            "teaser": first_sentence(other.teaser),
                            "date": None if other.nodate else other.bracket_date})
        jsonld = {"@context": "https://schema.org", "@type": "NewsArticle",
                  "headline": art.title, "datePublished": art.published}
        html = art_tpl.render(a=art, related=related, jsonld=jsonld)
        rel = art.path.strip("/") + "/index.html"
        write(out, rel, html)
        routes["lastmod"][rel] = http_lastmod(art)
        if art.legacy_id:
            target = art.path
            routes["redirects"][article_href(art, "meldung")] = target
            routes["redirects"][article_href(art, "p")] = target
        if "print_alias" in art.flags:
            prel = article_href(art, "print").strip("/") + "/index.html"
            write(out, prel, html)
            routes["lastmod"][prel] = http_lastmod(art)
        if images and art.caption and not art.image_missing:
            write(out, f"img/{art.slug}.jpg", PLACEHOLDER_JPEG)


def rfc822(day: date, hour: int = 10) -> str:
    return format_datetime(datetime.combine(day, time(hour, 0), tzinfo=BERLIN))


def render_verband(env: Environment, arts: Sequence[Article], out: Path, routes: dict[str, Any]) -> None:
    """Press list, one page per release, and the RSS 2.0 feed."""
    write(out, "verband/presse/index.html", env.get_template("verband_list.html").render(items=arts))
    tpl = env.get_template("verband_release.html")
    for art in arts:
        rel = art.path.lstrip("/")
        write(out, rel, tpl.render(a=art))
        routes["lastmod"][rel] = http_lastmod(art)
    items = [{"title": a.title, "path": a.path, "teaser": a.teaser, "pubdate": rfc822(a.day)}
             for a in arts]
    last = rfc822(max(a.day for a in arts)) if arts else rfc822(date(2025, 6, 1))
    write(out, "verband/feed.xml", env.get_template("rss.xml").render(items=items, last_build=last))
    routes["lastmod"]["verband/feed.xml"] = routes["lastmod"]["verband/presse/index.html"] = newest(arts)


def render_egov(env: Environment, arts: Sequence[Article], out: Path, routes: dict[str, Any]) -> None:
    """Articles without any list page: the sitemap is the only way in."""
    tpl = env.get_template("egov_article.html")
    for art in arts:
        rel = art.path.lstrip("/") + ".html"
        write(out, rel, tpl.render(a=art))
        routes["lastmod"][rel] = http_lastmod(art)
    write(out, "egov/sitemap.xml", env.get_template("sitemap.xml").render(items=arts))
    routes["lastmod"]["egov/sitemap.xml"] = newest(arts)


def render_common(env: Environment, out: Path) -> None:
    """robots.txt, the robots-protected page, static pages, the stylesheet."""
    write(out, "robots.txt", ROBOTS_TXT)
    write(out, "private/secret.html", SECRET_HTML)
    write(out, "static/site.css", CSS)
    tpl = env.get_template("k21_page.html")
    for rel, (heading, paragraphs) in STATIC_PAGES.items():
        write(out, rel, tpl.render(heading=heading, paragraphs=paragraphs))


def prepare_out(out: Path) -> None:
    """Empty a previous build; refuse to wipe a folder that is not one (no `_routes.json`)."""
    if out.exists() and any(out.iterdir()):
        if not (out / ROUTES_FILE).exists():
            raise SystemExit(f"{out} is not empty and not a sample site (no {ROUTES_FILE}); refusing")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def new_routes() -> dict[str, Any]:
    return {"redirects": {}, "lastmod": {}, "list_pages": 0}


def write_routes(out: Path, routes: dict[str, Any]) -> None:
    routes["lastmod"] = dict(sorted(routes["lastmod"].items()))
    routes["redirects"] = dict(sorted(routes["redirects"].items()))
    if "query" in routes:
        routes["query"] = dict(sorted(routes["query"].items()))
    write(out, ROUTES_FILE, json.dumps(routes, indent=1, ensure_ascii=False) + "\n")


def build_site(out_dir: str | Path | None = None, content: Content | None = None) -> Path:
    """Render every source into `out_dir` (default `sample_site/site`) and return its path."""
    out = Path(out_dir) if out_dir else DEFAULT_SITE_DIR
    content = content or load_all()
    env = make_env()
    prepare_out(out)
    routes = new_routes()
    render_common(env, out)
    render_kommune21(env, content.kommune21, out, routes)
    render_verband(env, content.verband, out, routes)
    render_egov(env, content.egov, out, routes)
    render_families(env, out, routes, write)  # four more markup families (sample_site/families.py)
    write_routes(out, routes)
    return out


def count_files(out: Path) -> int:
    return sum(1 for p in out.rglob("*") if p.is_file())


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="output folder (default: sample_site/site)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    content = load_all()
    out = build_site(args.out, content)
    print(
        f"built {out}: {len(content.kommune21)} Kommune21, {len(content.verband)} press releases, "
        f"{len(content.egov)} egov articles, {count_files(out)} files"
    )


if __name__ == "__main__":
    main()
