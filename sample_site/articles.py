"""Load and validate the hand-written content files; expose the expected values ("truth").

The YAML files in `sample_site/content/` are the single source for the rendered pages *and* for
what the integration tests assert, so both can never drift apart. Errors name file, entry and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
BERLIN = ZoneInfo("Europe/Berlin")

ACTORS = frozenset(
    """dstgb staedtetag landkreistag bitkom vitako bsi it-planungsrat fitko bmi bmds kgst dataport akdb
    komm-one ekom21 regio-it govdigital digitalservice zendis nkr iit fraunhofer-fokus oefit d21
    eu-kommission landkreistag-bw junge-buergermeister mach bundeswehr polizei
    handlungsfaehiger-staat nachrichtendienste
    landesregierung-sh landesregierung-sn landesregierung-st landesregierung-th hmdi mibd-mv mi-sl
    landtag-he mpk""".split()
)
STATES = frozenset(
    "DE-BW DE-BY DE-BE DE-BB DE-HB DE-HH DE-HE DE-MV DE-NI DE-NW DE-RP DE-SL DE-SN DE-ST DE-SH DE-TH".split()
)
TOPICS = frozenset(
    """ozg cybersecurity deutschland-stack ai eid register-modernisation digital-sovereignty open-source
    cloud e-file vehicle-registration housing-benefit registration smart-city broadband
    state-modernisation staffing funding data-protection open-data it-standards surveys""".split()
)
DATELINES = ("weekday", "long", "numeric", "none")
META_KINDS = ("og", "jsonld")
LINK_FORMS = ("canonical", "meldung", "p", "print")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AGS = re.compile(r"^\d{5}(?:\d{3})?$")


class ContentError(ValueError):
    """A content file is malformed; the message names file, entry and field."""


@dataclass
class Expect:
    """Hand-made tag truth: ids from docs/architecture.md found in title, teaser or body."""

    actors: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)  # AGS, rules in tests/gold/README.md


@dataclass
class Article:
    """One article of any source, with derived values the templates and tests need."""

    source: str  # kommune21 | verband | egov
    slug: str
    path: str  # canonical URL path
    title: str
    teaser: str
    body: list[str]
    day: date  # sort/publication day (also for no-date articles, where it is only the list position)
    expect: Expect
    kicker: str = ""
    time: str | None = None
    dateline: str = "weekday"
    meta: list[str] = field(default_factory=list)
    nodate: bool = False
    caption: str = ""
    credit: str = ""
    image_missing: bool = False
    legacy_id: int | None = None
    list_link: str = "canonical"
    related: list[tuple[str, str]] = field(default_factory=list)  # (form, slug)
    flags: list[str] = field(default_factory=list)
    date_display: str | None = None  # egov: the literal date text on the page
    relative_days: int | None = None  # egov: `vor 3 Tagen` → 3, `gestern` → 1
    duplicate_of: str | None = None  # verband: slug of the Kommune21 twin

    @property
    def time_visible(self) -> bool:
        """A time of day is shown only in the numeric date line or the machine-readable meta."""
        return bool(self.time) and (self.dateline == "numeric" or bool(self.meta))

    @property
    def published_dt(self) -> datetime | None:
        if self.nodate:
            return None
        hour, minute = (int(x) for x in (self.time or "00:00").split(":"))
        return datetime(self.day.year, self.day.month, self.day.day, hour, minute, tzinfo=BERLIN)

    @property
    def published(self) -> str | None:
        """Expected `published`: ISO datetime with offset if a time is visible, else ISO day."""
        if self.nodate:
            return None
        if self.time_visible:
            return self.published_dt.isoformat()  # type: ignore[union-attr]
        return self.day.isoformat()

    @property
    def bracket_date(self) -> str:
        return self.day.strftime("[%d.%m.%Y]")

    @property
    def dateline_text(self) -> str:
        d = self.day
        if self.dateline == "weekday":
            return f"{WEEKDAYS[d.weekday()]}, {d.day}. {MONTHS[d.month - 1]} {d.year}"
        if self.dateline == "long":
            return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"
        if self.dateline == "numeric":
            return f"{d:%d.%m.%Y}, {self.time} Uhr"
        return ""

    @property
    def text(self) -> str:
        """Title, teaser and body as one string (what the tagger sees)."""
        return "\n\n".join([self.title, self.teaser, *self.body])

    def truth(self) -> dict[str, Any]:
        """The record integration tests compare crawled items with."""
        return {
            "source": self.source,
            "path": self.path,
            "slug": self.slug,
            "title": self.title,
            "kicker": self.kicker,
            "teaser": self.teaser,
            "body": "\n\n".join(self.body),
            "published": self.published,
            "date_missing": self.nodate,
            "date_display": self.date_display,
            "relative_days": self.relative_days,
            "image_caption": self.caption,
            "image_credit": self.credit,
            "flags": list(self.flags),
            "duplicate_of": self.duplicate_of,
            "expect": {
                "actors": sorted(self.expect.actors),
                "states": sorted(self.expect.states),
                "topics": sorted(self.expect.topics),
                "municipalities": sorted(self.expect.municipalities),
            },
        }


def _fail(fname: str, entry: Any, fld: str, msg: str) -> ContentError:
    return ContentError(f"{fname}: entry {entry!r}: field {fld!r}: {msg}")


def _read(fname: str) -> list[dict[str, Any]]:
    path = CONTENT_DIR / fname
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{fname}: not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise ContentError(f"{fname}: top level must be a list of entries")
    return data


def _expect(fname: str, slug: str, raw: Any) -> Expect:
    if not isinstance(raw, dict):
        raise _fail(fname, slug, "expect", "missing or not a mapping")
    unknown = set(raw) - {"actors", "states", "topics", "municipalities"}
    if unknown:
        raise _fail(fname, slug, "expect", f"unknown keys {sorted(unknown)}")
    exp = Expect(**{k: list(v or []) for k, v in raw.items()})
    for fld, allowed in (("actors", ACTORS), ("states", STATES), ("topics", TOPICS)):
        bad = [x for x in getattr(exp, fld) if x not in allowed]
        if bad:
            raise _fail(fname, slug, f"expect.{fld}", f"unknown ids {bad}")
    bad = [x for x in exp.municipalities if not AGS.match(str(x))]
    if bad:
        raise _fail(fname, slug, "expect.municipalities", f"not an AGS: {bad}")
    if "open-source" in exp.topics and "digital-sovereignty" not in exp.topics:
        raise _fail(fname, slug, "expect.topics", "open-source is a child of digital-sovereignty")
    return exp


def _day(fname: str, slug: str, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise _fail(fname, slug, "date", f"not an ISO date: {raw!r}") from exc


def _common(fname: str, raw: dict[str, Any], required: tuple[str, ...]) -> str:
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise _fail(fname, slug, "slug", "missing or not a lowercase-hyphen slug")
    for fld in required:
        if not raw.get(fld):
            raise _fail(fname, slug, fld, "missing")
    return slug


def load_kommune21() -> list[Article]:
    """Kommune21 articles, newest first (the order of the list pages)."""
    fname = "kommune21.yaml"
    out: list[Article] = []
    known = {"slug", "date", "time", "dateline", "meta", "kicker", "title", "teaser", "image",
             "body", "related", "legacy_id", "list_link", "flags", "expect"}
    for raw in _read(fname):
        slug = _common(fname, raw, ("date", "kicker", "title", "teaser", "body", "expect"))
        unknown = set(raw) - known
        if unknown:
            raise _fail(fname, slug, sorted(unknown)[0], "unknown field")
        flags = list(raw.get("flags") or [])
        nodate = "nodate" in flags
        dateline = raw.get("dateline", "none" if nodate else "weekday")
        if dateline not in DATELINES:
            raise _fail(fname, slug, "dateline", f"must be one of {DATELINES}")
        meta = list(raw.get("meta") or [])
        if any(m not in META_KINDS for m in meta):
            raise _fail(fname, slug, "meta", f"items must be in {META_KINDS}")
        time = raw.get("time")
        if time is not None and not re.match(r"^\d{2}:\d{2}$", str(time)):
            raise _fail(fname, slug, "time", "must be HH:MM (quote it in YAML)")
        if dateline == "numeric" and not time:
            raise _fail(fname, slug, "dateline", "numeric date line needs a time")
        if meta and not time:
            raise _fail(fname, slug, "meta", "machine-readable dates need a time")
        if time and dateline != "numeric" and not meta:
            raise _fail(fname, slug, "time", "a time shows only with dateline numeric or meta")
        if nodate and (dateline != "none" or meta):
            raise _fail(fname, slug, "flags", "a nodate article can have no date line or meta")
        image = raw.get("image") or {}
        body = raw["body"]
        if not isinstance(body, list) or not 3 <= len(body) <= 8:
            raise _fail(fname, slug, "body", "must be a list of 3 to 8 paragraphs")
        related: list[tuple[str, str]] = []
        for item in raw.get("related") or []:
            form, _, target = str(item).rpartition(":")
            form = form or "canonical"
            if form not in LINK_FORMS:
                raise _fail(fname, slug, "related", f"unknown link form {form!r}")
            related.append((form, target))
        list_link = raw.get("list_link", "canonical")
        if list_link not in LINK_FORMS:
            raise _fail(fname, slug, "list_link", f"must be one of {LINK_FORMS}")
        legacy_id = raw.get("legacy_id")
        if list_link in ("meldung", "p") and not legacy_id:
            raise _fail(fname, slug, "list_link", "old URL forms need a legacy_id")
        out.append(
            Article(
                source="kommune21", slug=slug, path=f"/k21-meldungen/{slug}/",
                title=str(raw["title"]), teaser=str(raw["teaser"]),
                body=[str(p) for p in body], day=_day(fname, slug, raw["date"]),
                expect=_expect(fname, slug, raw.get("expect")), kicker=str(raw["kicker"]),
                time=str(time) if time else None, dateline=dateline, meta=meta, nodate=nodate,
                caption=str(image.get("caption", "")), credit=str(image.get("credit", "")),
                image_missing=bool(image.get("missing", False)), legacy_id=legacy_id,
                list_link=list_link, related=related, flags=flags,
            )
        )
    _check_unique(fname, out)
    by_slug = {a.slug: a for a in out}
    legacy = [a.legacy_id for a in out if a.legacy_id]
    if len(legacy) != len(set(legacy)):
        raise ContentError(f"{fname}: legacy_id values must be unique")
    for art in out:
        for form, target in art.related:
            if target not in by_slug or target == art.slug:
                raise _fail(fname, art.slug, "related", f"unknown or self target {target!r}")
            if form in ("meldung", "p") and not by_slug[target].legacy_id:
                raise _fail(fname, art.slug, "related", f"{target!r} has no legacy_id for {form}")
            if form == "print" and "print_alias" not in by_slug[target].flags:
                raise _fail(fname, art.slug, "related", f"{target!r} has no print_alias flag")
    out.sort(key=lambda a: (a.day, a.time or "00:00", a.slug), reverse=True)
    return out


def load_verband(kommune21: list[Article] | None = None) -> list[Article]:
    """Press releases, newest first; `body_from` copies a Kommune21 body for the near-duplicate."""
    fname = "verband.yaml"
    k21 = {a.slug: a for a in (kommune21 if kommune21 is not None else load_kommune21())}
    out: list[Article] = []
    for raw in _read(fname):
        slug = _common(fname, raw, ("date", "title", "lead", "expect"))
        body_from = raw.get("body_from")
        if body_from:
            if body_from not in k21:
                raise _fail(fname, slug, "body_from", f"no Kommune21 article {body_from!r}")
            body = list(k21[body_from].body)
        else:
            body = [str(p) for p in raw.get("text") or []]
        if not 2 <= len(body) <= 8:
            raise _fail(fname, slug, "text", "must be a list of 2 to 8 paragraphs")
        out.append(
            Article(
                source="verband", slug=slug, path=f"/verband/presse/{slug}.html",
                title=str(raw["title"]), teaser=str(raw["lead"]), body=body,
                day=_day(fname, slug, raw["date"]), expect=_expect(fname, slug, raw.get("expect")),
                dateline="none", duplicate_of=body_from, flags=list(raw.get("flags") or []),
            )
        )
    _check_unique(fname, out)
    out.sort(key=lambda a: (a.day, a.slug), reverse=True)
    return out


def load_egov() -> list[Article]:
    """Sitemap-only outlet articles, newest first."""
    fname = "egov.yaml"
    out: list[Article] = []
    for raw in _read(fname):
        slug = _common(fname, raw, ("date", "date_display", "title", "lead", "text", "expect"))
        rel = raw.get("relative_days")
        out.append(
            Article(
                source="egov", slug=slug, path=f"/egov/artikel/{slug}",
                title=str(raw["title"]), teaser=str(raw["lead"]),
                body=[str(p) for p in raw["text"]], day=_day(fname, slug, raw["date"]),
                expect=_expect(fname, slug, raw.get("expect")), dateline="none",
                kicker=str(raw.get("rubrik", "")),
                date_display=str(raw["date_display"]), relative_days=int(rel) if rel else None,
                flags=list(raw.get("flags") or []),
            )
        )
    _check_unique(fname, out)
    out.sort(key=lambda a: (a.day, a.slug), reverse=True)
    return out


def _check_unique(fname: str, arts: list[Article]) -> None:
    seen: set[str] = set()
    for art in arts:
        if art.slug in seen:
            raise _fail(fname, art.slug, "slug", "duplicate")
        seen.add(art.slug)


@dataclass
class Content:
    """All three sources, loaded once."""

    kommune21: list[Article]
    verband: list[Article]
    egov: list[Article]

    def all(self) -> list[Article]:
        return [*self.kommune21, *self.verband, *self.egov]


def load_all() -> Content:
    k21 = load_kommune21()
    return Content(kommune21=k21, verband=load_verband(k21), egov=load_egov())


def expected_articles(base_url: str = "") -> list[dict[str, Any]]:
    """Truth records for every article of every source; `url` is absolute when base_url is given.

    >>> rec = expected_articles("http://127.0.0.1:8000")[0]   # newest Kommune21 article
    """
    records = []
    for art in load_all().all():
        rec = art.truth()
        rec["url"] = base_url.rstrip("/") + art.path
        records.append(rec)
    return records
