"""Generate the inflected variants of a name, so one taxonomy entry matches German running text.

German inflects names: `des Deutschen Städtetages`, `Bitkoms`, `des Bundesamts für Sicherheit …`,
`der Nationale Normenkontrollrat`. Rather than stemming every token at run time (slow, and it merges
`Essen` with `essen`), we expand each name once into its few real variants and hand them all to a
PhraseMatcher, whose cost does not grow with the number of patterns.
"""

from __future__ import annotations

import itertools
import re

#: Words after which the head noun of a name has ended: `Bundesamt für …`, `Bundesministerium des …`.
FUNCTION_WORDS = frozenset(
    "für der des den dem die in im von vom zur zum am an auf bei mit ohne aus über unter".split()
)
#: A leading adjective of a name: `Deutscher`, `Nationale`, `Europäischen`, `künstliche`, `generative`.
_ADJ = re.compile(r"^(.*?(?:isch|lich|al|ig|deutsch|ös|iv|ell))(er|e|en|em|es)$", re.IGNORECASE)
_ADJ_ENDINGS = ("er", "e", "en", "em", "es")
MAX_VARIANTS = 48


def genitives(word: str) -> list[str]:
    """`Bitkom` → Bitkoms, Bitkomes; `Hessen` → Hessens; `Landkreis` → Landkreises; none after a digit."""
    if not word or not word[-1].isalpha():
        return []
    if word.isupper() or word[-1].isupper():  # abbreviations: DStGBs, BSIs
        return [] if word[-1] in "SXZ" else [word + "s"]
    if word[-1].lower() in "sßxz":  # Landkreis → Landkreises
        return [word + "es"]
    out = [word + "s"]
    if word[-1].lower() not in "aeiouyäöü" and not word.endswith(("el", "er", "en", "em", "le")):
        out.append(word + "es")
    return out


def adjective_forms(word: str) -> list[str]:
    """`Deutscher` → Deutscher, Deutsche, Deutschen, Deutschem, Deutsches (or just the word)."""
    m = _ADJ.match(word)
    if not m:
        return [word]
    return [word] + [m.group(1) + e for e in _ADJ_ENDINGS if m.group(1) + e != word]


def _head_index(words: list[str]) -> int:
    for i, w in enumerate(words[1:], start=1):
        if w in FUNCTION_WORDS:
            return i - 1
    return len(words) - 1


def variants(name: str) -> list[str]:
    """All inflected variants of `name` (the name itself first), at most MAX_VARIANTS."""
    words = name.split()
    if not words:
        return []
    options: list[list[str]] = [[w] for w in words]
    # leading adjectives (`Deutscher Städtetag`, `Nationaler Normenkontrollrat`) inflect
    i = 0
    while i < len(words) - 1 and _ADJ.match(words[i]):
        options[i] = adjective_forms(words[i])
        i += 1
    head = _head_index(words)
    if head >= i:  # the head noun takes the genitive -s/-es
        options[head] = options[head] + genitives(words[head])
    last = len(words) - 1
    if last != head and words[last][:1].isupper():  # `Landkreistag Baden-Württemberg` → …Württembergs too
        options[last] = options[last] + genitives(words[last])
    if head != 0 and i == 0 and len(words) > 1 and words[0][:1].isupper():  # `Kompetenzzentrums Öffentliche IT`
        options[0] = options[0] + genitives(words[0])
    out: list[str] = []
    for combo in itertools.product(*options):
        text = " ".join(combo)
        if text not in out:
            out.append(text)
        if len(out) >= MAX_VARIANTS:
            break
    return out
