"""What every news page says about itself, whatever its CMS: headline vs. kicker, the teaser stamp.

Why: the `<h1>` of a news page often carries the kicker (Dachzeile) in front of the headline — as a
`<span class="kicker">`, a `<small>`, two spans without a space, or plain `Kicker: Headline` — and
reading its text glues both together. The page says elsewhere what the headline alone is: JSON-LD
`headline`, `og:title`, `<title>` with the site name around it. The leading part of the `<h1>` that
is not in that headline is the kicker. A headline with a colon of its own (`Nachgefragt: …`) stays
whole, because the headline elsewhere has the colon too.

Kommune21-style teasers start with the publication day in brackets, `[29.09.2025]`: the date when
the page has no structured one, and never part of the stored teaser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.extract.compiled import find
from crawler.extract.text import clean

# Separators between a headline and the site name in <title>/og:title: `X | Site`, `X – Site`, `Site: X`.
TITLE_SEPARATORS = re.compile(r"\s+[|–—·-]\s+|:\s+|\s+[|–—·]\s*")
# What may stand between a kicker and its headline.
KICKER_GLUE = " \t\n:–—-|·/"
# A kicker is a few words, never a sentence.
MAX_KICKER_WORDS = 8
# `[29.09.2025]` at the start of a teaser or lead.
LEADING_STAMP = re.compile(r"^\s*\[(\d{1,2}\.\d{1,2}\.\d{4})\]\s*")
# Elements whose dates, teasers and headlines belong to other articles or to the site.
ELSEWHERE_WORDS = (
    "related", "sidebar", "widget", "comment", "teaserlist", "teaser-list", "news-list", "recent", "footer",
    "breadcrumb", "weitere", "verwandt", "mehr-zum", "mehrzum", "empfehl", "aehnlich", "ähnlich", "meistgelesen",
)
ELSEWHERE = re.compile("|".join(re.escape(w) for w in ELSEWHERE_WORDS), re.IGNORECASE)
ELSEWHERE_TAGS = {"aside", "nav", "footer"}
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ"
_LOWER = "abcdefghijklmnopqrstuvwxyzäöü"
# The same blocks as XPath, for trafilatura's `prune_xpath`: they never hold the article's own text
# (a block around the headline is never pruned).
PRUNE_XPATH = [
    "//aside[not(.//h1)]",
    "//nav[not(.//h1)]",
    *(
        f"//*[not(.//h1)][contains(translate(@class, '{_UPPER}', '{_LOWER}'), '{w}') "
        f"or contains(translate(@id, '{_UPPER}', '{_LOWER}'), '{w}')]"
        for w in ELSEWHERE_WORDS
    ),
]
KICKER_CLASS = re.compile(r"kicker|dachzeile|overline|topline|roofline|subtitle|supertitle|eyebrow", re.IGNORECASE)


def jsonld_objects(sel: Selector | Any) -> Iterator[dict]:
    """Every JSON-LD object of the page, `@graph` members included; broken JSON is skipped."""
    for raw in find(sel, 'script[type="application/ld+json"]::text'):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            obj = stack.pop(0)
            if isinstance(obj, dict):
                yield obj
                if isinstance(obj.get("@graph"), list):
                    stack.extend(obj["@graph"])


def headline_candidates(sel: Selector) -> list[str]:
    """What the page says its headline is: JSON-LD `headline`, og/twitter title, <title>, each also
    with a site name before or after a separator cut off. Longest first."""
    raw: list[str] = []
    for obj in jsonld_objects(sel):
        if isinstance(obj.get("headline"), str):
            raw.append(obj["headline"])
    raw += sel.css(
        'meta[property="og:title"]::attr(content), meta[name="twitter:title"]::attr(content), title::text'
    ).getall()
    out: dict[str, None] = {}
    for text in raw:
        text = clean(text)
        if not text:
            continue
        out.setdefault(text, None)
        # every run of segments between separators: `Site: Kicker: Headline - Site` gives `Headline` too
        cuts = list(TITLE_SEPARATORS.finditer(text))[:8]
        starts = [0] + [c.end() for c in cuts]
        ends = [c.start() for c in cuts] + [len(text)]
        for i, start in enumerate(starts):
            for end in ends[i:]:
                part = text[start:end].strip()
                if len(part.split()) >= 2:
                    out.setdefault(part, None)
    return sorted(out, key=len, reverse=True)


def _h1_parts(h1: Selector) -> list[str]:
    """The h1's text as its pieces (text nodes and child elements), so `<span>A</span><span>B</span>`
    reads `A B`, not `AB`."""
    return [t for t in (clean(x) for x in h1.xpath(".//text()").getall()) if t]


def elsewhere(node: Selector) -> bool:
    """Inside a sidebar, related block, navigation or footer, or in a list item that links another
    page (a teaser of another article): it describes another page."""
    element = node.root
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in ELSEWHERE_TAGS or ELSEWHERE.search(ancestor.get("class") or "") or ELSEWHERE.search(ancestor.get("id") or ""):
            return True
        if ancestor.tag == "li" and ancestor.xpath(".//a[@href and not(starts-with(@href, '#'))]"):
            return True
    return False


def headline_and_kicker(sel: Selector) -> tuple[str, str]:
    """(headline, kicker) of a news page; the kicker is "" when the page has none."""
    candidates = headline_candidates(sel)
    h1s = [h for h in sel.css("h1") if not elsewhere(h)] or list(sel.css("h1"))
    h1s.sort(key=lambda h: not _in_main(h))  # a logo <h1> in the page header comes last
    best: tuple[str, str] | None = None
    for h1 in h1s:
        text = " ".join(_h1_parts(h1))
        if not text:
            continue
        split = split_kicker(text, candidates)
        if split is not None:
            return split
        if best is None:
            best = _structural_kicker(h1, text)
    return best or ("", "")


def _in_main(node: Selector) -> bool:
    """Inside the page's main content (`main`, `article`, role=main, an id or class with `content`)."""
    for ancestor in node.root.iterancestors():
        if ancestor.tag in ("main", "article") or ancestor.get("role") == "main":
            return True
        if "content" in (ancestor.get("id") or "").lower() or "content" in (ancestor.get("class") or "").lower():
            return True
    return False


def split_kicker(h1: str, candidates: list[str]) -> tuple[str, str] | None:
    """(headline, kicker) when `h1` is a known headline, or a few words followed by one; else None."""
    folded = h1.casefold()
    for candidate in candidates:
        if folded == candidate.casefold():
            return h1, ""
    for candidate in candidates:  # longest first: `Nachgefragt: X` before `X`
        if len(candidate) < 12 or not folded.endswith(candidate.casefold()):
            continue
        kicker = h1[: len(h1) - len(candidate)].strip(KICKER_GLUE)
        boundary = h1[len(h1) - len(candidate) - 1 : len(h1) - len(candidate)]
        if kicker and (not boundary or not boundary.isalnum()) and len(kicker.split()) <= MAX_KICKER_WORDS:
            return h1[len(h1) - len(candidate) :], kicker
    return None


def _structural_kicker(h1: Selector, text: str) -> tuple[str, str]:
    """No headline elsewhere matches: a first child marked as kicker (class, or a `<small>`) splits."""
    # the first child that is not blank text must be an element
    nodes = [n for n in h1.xpath("./node()") if not (isinstance(n.root, str) and not n.root.strip())]
    if nodes and not isinstance(nodes[0].root, str):
        node = nodes[0]
        marked = node.root.tag == "small" or KICKER_CLASS.search(node.attrib.get("class") or "")
        kicker = clean(" ".join(node.xpath(".//text()").getall()))
        rest = text[len(kicker) :].strip(KICKER_GLUE) if text.startswith(kicker) else ""
        if marked and kicker and rest and len(kicker.split()) <= MAX_KICKER_WORDS:
            return rest, kicker
    return text, ""


def split_stamp(text: str) -> tuple[str | None, str]:
    """`[29.09.2025] Teaser …` → ("29.09.2025", "Teaser …"); text without a leading stamp unchanged."""
    match = LEADING_STAMP.match(text or "")
    if not match:
        return None, text
    return match.group(1), text[match.end() :].strip()


def stamped_lead(sel: Selector) -> Selector | None:
    """The first paragraph or block of the article whose text starts with a `[29.09.2025]` stamp:
    the Kommune21 convention marks the lead that way whatever its class is called."""
    for node in sel.xpath("//body//*[self::p or self::div][starts-with(normalize-space(string(.)), '[')]"):
        text = " ".join(" ".join(node.css("::text").getall()).split())
        if LEADING_STAMP.match(text) and len(node.xpath(".//p | .//div")) == 0 and not elsewhere(node):
            return node
    return None


def first_outside(sel: Selector, query: str) -> Selector | None:
    """The first match of `query` that is not in a sidebar, related block, navigation or footer."""
    for node in sel.css(query):
        if not elsewhere(node):
            return node
    return None
