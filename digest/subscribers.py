"""A subscriber and their filters: the model, validation with helpful errors, and file import.

Filter semantics (docs/digest.md): values of one kind are alternatives (topics `ozg` or `cloud`),
kinds combine (those topics *and* Land `DE-HE` *and* the search text). An empty filter set means
every article of the week.

Weekday: the digest for ISO week W is due on the subscriber's weekday (1 = Monday .. 7 = Sunday) of
week W+1; `radar digest` without `--week` sends week W to everyone whose weekday has come.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from digest.vocabulary import KIND_LABELS, Vocabulary

WEEKDAYS = {
    1: ("mo", "mon", "monday", "montag"),
    2: ("di", "tue", "tuesday", "dienstag"),
    3: ("mi", "wed", "wednesday", "mittwoch"),
    4: ("do", "thu", "thursday", "donnerstag"),
    5: ("fr", "fri", "friday", "freitag"),
    6: ("sa", "sat", "saturday", "samstag"),
    7: ("so", "sun", "sunday", "sonntag"),
}
WEEKDAY_NAMES_DE = {1: "Montag", 2: "Dienstag", 3: "Mittwoch", 4: "Donnerstag", 5: "Freitag",
                    6: "Samstag", 7: "Sonntag"}  # fmt: skip

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")  # noqa: E501
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
STATE_RE = re.compile(r"^DE-[A-Z]{2}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200
MAX_SEARCH = 200
MAX_VALUES = 50  # per filter kind: more is a sign of a broken import file

FILTER_KINDS = ("topics", "actors", "states", "sources")


class SubscriberError(ValueError):
    """One or more problems with a subscriber's data, each on its own line."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str = ""
    topics: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    search: str = ""
    weekday: int = 1
    send_empty: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Subscriber:
        """From a `DigestStore` row (already validated when it was stored)."""
        return cls(
            email=row["email"],
            name=row.get("name") or "",
            topics=tuple(row.get("topics") or ()),
            actors=tuple(row.get("actors") or ()),
            states=tuple(row.get("states") or ()),
            sources=tuple(row.get("sources") or ()),
            search=row.get("search") or "",
            weekday=int(row.get("weekday") or 1),
            send_empty=bool(row.get("send_empty")),
        )

    def to_row(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def has_filters(self) -> bool:
        return bool(self.topics or self.actors or self.states or self.sources or self.search)

    def describe(self, vocab: Vocabulary) -> str:
        """The filters in German, e.g. `Themen: OZG, Cloud · Länder: Hessen · Suche: „Glasfaser“`."""
        parts = []
        for kind, values in (("topic", self.topics), ("actor", self.actors), ("state", self.states),
                             ("source", self.sources)):
            if values:
                singular, plural = KIND_LABELS[kind]
                title = singular if len(values) == 1 else plural
                parts.append(f"{title}: " + ", ".join(vocab.label(kind, v) for v in values))
        if self.search:
            parts.append(f"Suche: „{self.search}“")
        return " · ".join(parts) if parts else "alle Meldungen"


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def parse_weekday(value: Any) -> int:
    """1..7, or a German / English day name or abbreviation."""
    if isinstance(value, bool):
        raise SubscriberError(f"weekday {value!r}: use 1 (Monday) .. 7 (Sunday) or a day name")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if 1 <= number <= 7:
            return number
    elif isinstance(value, str):
        word = value.strip().lower().rstrip(".")
        for number, names in WEEKDAYS.items():
            if word in names:
                return number
    raise SubscriberError(f"weekday {value!r}: use 1 (Monday) .. 7 (Sunday) or a day name such as 'mo' or 'montag'")


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "ja", "y", "j", "on"):
        return True
    if text in ("0", "false", "no", "nein", "n", "off"):
        return False
    raise SubscriberError(f"send_empty {value!r}: use yes/no or 1/0")


def split_values(value: Any) -> list[str]:
    """A list, or a string with values separated by `;`, `,` or whitespace."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[;,\s]+", str(value))
    return [item.strip() for item in items if item and item.strip()]


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def validate(raw: Mapping[str, Any], vocab: Vocabulary) -> Subscriber:
    """A checked `Subscriber` from loose input, or `SubscriberError` listing every problem."""
    problems: list[str] = []
    unknown_keys = set(raw) - {"email", "name", "weekday", "send_empty", "search", *FILTER_KINDS}
    if unknown_keys:
        problems.append("unknown field(s): " + ", ".join(sorted(unknown_keys)))

    texts = {}
    for key in ("email", "name", "search"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{key} must be text, not {type(value).__name__}")
            value = None
        texts[key] = value or ""
    email = normalise_email(texts["email"])
    if not email:
        if raw.get("email") is None or isinstance(raw.get("email"), str):
            problems.append("email is missing")
    elif len(email) > 254 or not EMAIL_RE.match(email):
        problems.append(f"email {_short(email)} is not a valid address")

    name = texts["name"].strip()
    if CONTROL_RE.search(name):
        problems.append("name contains control characters (line breaks, tabs)")
    elif len(name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")

    search = " ".join(texts["search"].split())
    if len(search) > MAX_SEARCH:
        problems.append(f"search is longer than {MAX_SEARCH} characters")
    elif search:
        from db.text.query import parse_query

        parsed = parse_query(search)
        if not parsed.ok:
            problems.append(f"search {search!r} finds nothing: " + " ".join(parsed.notes))

    values: dict[str, tuple[str, ...]] = {}
    for kind in FILTER_KINDS:
        items = split_values(raw.get(kind))
        if kind == "states":
            items = [item.upper() for item in items]
        else:
            items = [item.lower() for item in items]
        if len(items) > MAX_VALUES:
            problems.append(f"{kind}: more than {MAX_VALUES} values")
        for item in items:
            problem = _check_value(kind, item, vocab)
            if problem:
                problems.append(problem)
        values[kind] = _dedupe(items)

    weekday = 1
    try:
        weekday = parse_weekday(raw.get("weekday") if raw.get("weekday") not in (None, "") else 1)
    except SubscriberError as exc:
        problems.append(str(exc))
    send_empty = False
    try:
        send_empty = parse_bool(raw.get("send_empty"))
    except SubscriberError as exc:
        problems.append(str(exc))

    if problems:
        raise SubscriberError("\n".join(problems))
    return Subscriber(email=email, name=name, search=search, weekday=weekday, send_empty=send_empty,
                      **values)


def _check_value(kind: str, value: str, vocab: Vocabulary) -> str | None:
    if kind == "states":
        if not STATE_RE.match(value) or value not in vocab.states:
            hint = _suggest(value, vocab.states)
            return f"states: {value!r} is not a Land code (ISO 3166-2 such as DE-HE){hint}"
        return None
    if not SLUG_RE.match(value):
        return f"{kind}: {value!r} is not a well-formed id (lowercase letters, digits, '-')"
    if kind in ("topics", "actors") and value not in vocab.known(kind):
        return f"{kind}: unknown id {value!r}{_suggest(value, vocab.known(kind))}"
    return None


def _short(value: str, limit: int = 60) -> str:
    """A value for a one-line message: quoted, and cut if long."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"… ({len(value):,} characters)"


def _suggest(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


# --- import ---------------------------------------------------------------------------------------
def read_file(path: Path) -> list[dict[str, Any]]:
    """Rows from CSV (header row; lists separated by `;`), JSON (an array) or JSON Lines."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl", ".ndjson"):
        raise SubscriberError(f"{path}: use a .csv, .json or .jsonl file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SubscriberError(f"{path}: not UTF-8 text (a binary file?)") from None
    except OSError as exc:
        raise SubscriberError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    if suffix == ".csv":
        try:
            return [dict(row) for row in csv.DictReader(io.StringIO(text))]
        except csv.Error as exc:
            raise SubscriberError(f"{path}: not CSV ({exc})") from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SubscriberError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
        except RecursionError:
            raise SubscriberError(f"{path}: JSON nested too deeply") from None
        if not isinstance(data, list):
            raise SubscriberError(f"{path}: expected a JSON array of subscribers")
        return data
    if suffix in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SubscriberError(f"{path}:{number}: not JSON ({exc.msg})") from None
                except RecursionError:
                    raise SubscriberError(f"{path}:{number}: JSON nested too deeply") from None
        return rows


def validate_all(rows: Iterable[Mapping[str, Any]], vocab: Vocabulary, where: str = "row") -> list[Subscriber]:
    """Validate every row; raise one `SubscriberError` naming each bad row, or return all."""
    good: list[Subscriber] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, 1):
        if not isinstance(raw, Mapping):
            problems.append(f"{where} {number}: expected an object with an 'email' field, not {type(raw).__name__}")
            continue
        try:
            subscriber = validate({k: v for k, v in raw.items() if k is not None}, vocab)
        except SubscriberError as exc:
            problems.extend(f"{where} {number}: {line}" for line in str(exc).splitlines())
            continue
        if subscriber.email in seen:
            problems.append(f"{where} {number}: {subscriber.email} already appears in {where} {seen[subscriber.email]}")
            continue
        seen[subscriber.email] = number
        good.append(subscriber)
    if problems:
        raise SubscriberError("\n".join(problems))
    return good
