"""Four more invented news sources in markup families unlike our Kommune21 sample's, for the crawler's tests.

Why: extractors and list rules written against one template only prove they read that template. Each
family here differs in how it marks the kicker, where the date is, and how it pages:

| source | family | kicker | date | pages |
|---|---|---|---|---|
| `stadtblog` | WordPress-like theme | `Kicker: Headline` in `h1.entry-title`, og:title = headline | `<time datetime>` (with time) | `/blog/page/2/` |
| `kreisnews` | TYPO3-like `news` extension | `<small>` inside the `h1`, `<title>` site name first | only the `[29.09.2025]` stamp in the teaser | `/landkreis/aktuelles/seite-2/` |
| `landesportal` | Drupal-like node | `<span>`s in `h1.page-title`, JSON-LD headline | JSON-LD `datePublished` + `Mo., 29.09.2025 - 10:30` | `/land/presse?page=1` |
| `k21neu` | Kommune21 after a relaunch: its URL forms, other classes and heading levels | a `<span>` glued to the headline in the `h1`, `<title>` as Kommune21's | only the `[29.09.2025]` stamp | `/relaunch/seite-2/` |

Texts come from the benchmark generator's sentence templates (`sample_site.textgen`), one seed per
family, so they are German, invented and deterministic. `family_truth(base_url)` is what a perfect
crawl stores: title, kicker, teaser, body (paragraphs joined by a blank line) and published.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from sample_site.articles import BERLIN, MONTHS, WEEKDAYS
from sample_site.textgen import slugify, synthetic_article

PER_PAGE = 10
N_ARTICLES = 22
WP_WEEKDAYS_SHORT = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")

# id: (name, list path, seed)
FAMILIES: dict[str, tuple[str, str, int]] = {
    "stadtblog": ("Digitales Rathaus – Stadtblog", "/blog/", 101),
    "kreisnews": ("Landkreis Musterland", "/landkreis/aktuelles/", 202),
    "landesportal": ("Landesportal Digitales", "/land/presse", 303),
    "k21neu": ("Kommune21 (Relaunch)", "/relaunch/", 404),
}


@dataclass
class FamilyArticle:
    """One article of a family source; `time` is None where the page shows only a day."""

    source: str
    slug: str
    path: str
    kicker: str
    title: str
    teaser: str
    body: list[str]
    day: date | None  # None: the page carries no date at all
    time: str | None = None
    post_id: int = 0

    @property
    def published(self) -> str | None:
        if self.day is None:
            return None
        if self.time:
            hour, minute = (int(x) for x in self.time.split(":"))
            from datetime import datetime

            return datetime(self.day.year, self.day.month, self.day.day, hour, minute, tzinfo=BERLIN).isoformat()
        return self.day.isoformat()

    @property
    def stamp(self) -> str:
        return self.day.strftime("[%d.%m.%Y]") if self.day else ""

    @property
    def long_date(self) -> str:
        d = self.day
        return f"{d.day}. {MONTHS[d.month - 1]} {d.year}" if d else ""

    @property
    def weekday_date(self) -> str:
        d = self.day
        return f"{WEEKDAYS[d.weekday()]}, {d.day}. {MONTHS[d.month - 1]} {d.year}" if d else ""

    @property
    def drupal_date(self) -> str:
        d = self.day
        return f"{WP_WEEKDAYS_SHORT[d.weekday()]}, {d:%d.%m.%Y} - {self.time}" if d else ""

    def truth(self, base_url: str = "") -> dict[str, Any]:
        return {
            "source": self.source,
            "slug": self.slug,
            "path": self.path,
            "url": base_url.rstrip("/") + self.path,
            "title": self.title,
            "kicker": self.kicker,
            "teaser": self.teaser,
            "body": "\n\n".join(self.body),
            "published": self.published,
            "date_missing": self.published is None,
        }


def _path(source: str, slug: str, day: date) -> str:
    if source == "stadtblog":
        return f"/blog/{day:%Y/%m/%d}/{slug}/"
    if source == "kreisnews":
        return f"/landkreis/aktuelles/artikel/{slug}/"
    if source == "k21neu":
        return f"/relaunch/k21-meldungen/{slug}/"
    return f"/land/pressemitteilung/{slug}"


def family_articles(source: str) -> list[FamilyArticle]:
    """The family's articles, newest first. Every fifth has no kicker; every seventh headline has a
    colon of its own (`Nachgefragt: …`), which is not a kicker; one TYPO3 item has no date."""
    _, _, seed = FAMILIES[source]
    rng = random.Random(seed)
    out: list[FamilyArticle] = []
    for i in range(N_ARTICLES):
        art = synthetic_article(i, N_ARTICLES, rng, 40)
        title = art.title
        if i % 7 == 3:
            title = f"Nachgefragt: {title}"
        kicker = "" if i % 5 == 2 else art.kicker
        slug = f"{slugify(title)[:50].rstrip('-')}-{i + 1}"
        day: date | None = art.day
        if source in ("kreisnews", "k21neu") and i == 11:
            day = None
        time = None if source in ("kreisnews", "k21neu") else f"{8 + i % 9:02d}:{(i * 7) % 60:02d}"
        out.append(
            FamilyArticle(
                source=source, slug=slug, path=_path(source, slug, art.day), kicker=kicker, title=title,
                teaser=art.teaser, body=list(art.body), day=day, time=time, post_id=4100 + seed * 10 + i,
            )
        )
    return out


def all_families() -> dict[str, list[FamilyArticle]]:
    return {source: family_articles(source) for source in FAMILIES}


def family_truth(base_url: str = "", source: str | None = None) -> list[dict[str, Any]]:
    """Truth records of every family article (or one source's)."""
    return [
        art.truth(base_url)
        for sid, arts in all_families().items()
        if source in (None, sid)
        for art in arts
    ]


def list_href(source: str, page: int) -> str:
    """The URL of list page `page` (1-based), in each family's own paging form."""
    base = FAMILIES[source][1]
    if page == 1:
        return base
    if source == "stadtblog":
        return f"{base}page/{page}/"
    if source in ("kreisnews", "k21neu"):
        return f"{base}seite-{page}/"
    return f"{base}?page={page - 1}"  # Drupal counts pages from 0


def _lastmod(art: FamilyArticle) -> str:
    return art.published if art.published and "T" in art.published else f"{(art.day or date(2025, 6, 1)).isoformat()}T12:00:00+02:00"


def render_families(env: Any, out: Any, routes: dict[str, Any], write: Any) -> None:
    """Write every family's list pages and articles with `write(out, rel, text)` (the builder's);
    `?page=` list pages go into `routes['query']`."""
    from datetime import timedelta

    queries = routes.setdefault("query", {})
    for source, arts in all_families().items():
        site_name = FAMILIES[source][0]
        family = {"stadtblog": "wp", "kreisnews": "typo3", "landesportal": "drupal", "k21neu": "k21neu"}[source]
        pages = -(-len(arts) // PER_PAGE)
        hrefs = {n: list_href(source, n) for n in range(1, pages + 1)}
        list_tpl = env.get_template(f"{family}_list.html")
        art_tpl = env.get_template(f"{family}_article.html")
        for page in range(1, pages + 1):
            html = list_tpl.render(
                site_name=site_name, items=arts[(page - 1) * PER_PAGE : page * PER_PAGE], page=page, pages=pages,
                hrefs=hrefs, recent=arts[:5],
                prev_href=hrefs[page - 1] if page > 1 else None, next_href=hrefs.get(page + 1),
            )
            href = hrefs[page]
            if "?" in href:
                folder, _, name = href.split("?")[0].strip("/").rpartition("/")
                rel = f"{folder}/_{name}_pages/{page}.html"  # `_`: never served under its file name
                queries[href] = rel
            elif href.endswith("/"):
                rel = href.strip("/") + "/index.html"
            else:
                rel = href.strip("/") + ".html"
            write(out, rel, html)
            routes["lastmod"][rel] = _lastmod(arts[(page - 1) * PER_PAGE])
        for i, art in enumerate(arts):
            older = arts[i + 1] if i + 1 < len(arts) else None
            updated_day = (art.day or date(2025, 6, 1)) + timedelta(days=2)
            html = art_tpl.render(
                a=art, site_name=site_name, recent=arts[:5], older=older,
                related=[r for r in (arts[i - 1] if i else None, older) if r is not None],
                updated=f"{updated_day.isoformat()}T12:00:00+01:00" if updated_day.month in (11, 12) else f"{updated_day.isoformat()}T12:00:00+02:00",
                updated_display=f"{updated_day.day}. {MONTHS[updated_day.month - 1]} {updated_day.year}",
                jsonld={"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
                        "datePublished": art.published,
                        "publisher": {"@type": "Organization", "name": site_name}},
            )
            rel = art.path.strip("/") + ("/index.html" if art.path.endswith("/") else ".html")
            write(out, rel, html)
            routes["lastmod"][rel] = _lastmod(art)
