"""What a user typed into the search box, parsed into a safe FTS5 MATCH expression plus notes.

Never raises and never passes user syntax to FTS5: unbalanced quotes or brackets, dangling
`AND`/`OR`/`NOT` and FTS5 special characters are repaired, and each repair is described in
`notes` for the page to show. Bounded whatever the input: a query is cut to MAX_QUERY_CHARS and
brackets deeper than MAX_DEPTH are dropped before parsing, so the recursive descent below is at
most MAX_DEPTH levels deep (not as deep as the input) and all work is linear in the query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from db.text.compounds import Lexicon, compound_spans
from db.text.normalise import joined_whole, word_stems
from db.text.words import WORD, fold, stem

# Longer queries are cut here (at a space if one is near): no one types more, an attacker does.
MAX_QUERY_CHARS = 500
# Bracket levels kept; deeper ones are ignored (with a note).
MAX_DEPTH = 10
OPERATORS = {"AND": "AND", "UND": "AND", "OR": "OR", "ODER": "OR", "NOT": "NOT", "NICHT": "NOT"}
# A compound typed as one word also finds its parts written apart within this many indexed words of
# each other (`Digitalministerkonferenz`: "die Digitalminister der Länder trafen sich zur Konferenz").
NEAR_PARTS = 8
_QUERY_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s"()]+')


@dataclass
class SearchQuery:
    """A user's search, parsed: `match` is a valid FTS5 expression (None: nothing to search)."""

    text: str
    match: str | None
    terms: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    limited: bool = False  # the input was too long or too deeply nested and was cut (see notes)

    @property
    def ok(self) -> bool:
        return self.match is not None


@dataclass
class _Node:
    kind: str  # term | and | or
    value: str = ""
    children: list[_Node] = field(default_factory=list)
    negated: list[_Node] = field(default_factory=list)


class _Parser:
    """Recursive descent over: or := and (OR and)*; and := unary (AND? unary)*;
    unary := (NOT | -) unary | ( or ) | "phrase" | word[*]. Errors are repaired and noted."""

    def __init__(self, text: str, lexicon: Lexicon | None = None, word_columns: Sequence[str] = ()):
        self.lexicon = lexicon
        self.word_columns = word_columns
        self.notes: list[str] = []
        self.limited = False
        self.tokens = self.limit_depth(_QUERY_TOKEN.findall(text))
        self.pos = 0
        self.terms: set[str] = set()
        self.prefixes: list[str] = []
        self.ignored: list[str] = []

    def limit_depth(self, tokens: list[str]) -> list[str]:
        """Drop each bracket pair opened deeper than MAX_DEPTH (one pass, no recursion)."""
        kept: list[str] = []
        opened: list[bool] = []  # per open bracket: kept?
        depth = 0  # kept brackets open
        for token in tokens:
            if token == "(":
                keep = depth < MAX_DEPTH
                opened.append(keep)
                if not keep:
                    self.limited = True
                    self.note(f"Klammern werden höchstens {MAX_DEPTH} Ebenen tief ausgewertet; "
                              "die tieferen wurden ignoriert.")
                    continue
                depth += 1
            elif token == ")" and opened:
                if not opened.pop():
                    continue
                depth -= 1
            kept.append(token)
        return kept

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> _Node | None:
        node = self.parse_or()
        while self.peek() is not None:  # only a stray ")" stops parse_or early
            self.pos += 1
            self.note("A closing bracket had no opening one; it was ignored.")
            more = self.parse_or()
            node = _combine("and", [*(node.children if node and node.kind == "and" and not node.negated else [node]), more])
        return node

    def parse_or(self) -> _Node | None:
        groups = [self.parse_and()]
        while OPERATORS.get(self.peek() or "") == "OR":
            self.pos += 1
            groups.append(self.parse_and())
        if len(groups) > 1 and None in groups:
            self.note("“OR” needs a search term on both sides; it was ignored.")
        return _combine("or", groups)

    def parse_and(self) -> _Node | None:
        positives: list[_Node] = []
        negatives: list[_Node] = []
        pending_and = False
        while True:
            token = self.peek()
            if token is None or token == ")" or OPERATORS.get(token) == "OR":
                break
            if OPERATORS.get(token) == "AND":
                self.pos += 1
                if pending_and or not (positives or negatives):
                    self.note(f"“{token}” needs a search term on both sides; it was ignored.")
                pending_and = True
                continue
            negate = False
            while (tok := self.peek()) is not None and (OPERATORS.get(tok) == "NOT" or (tok.startswith("-") and len(tok) > 1 and not tok.startswith("--"))):
                negate = not negate
                if OPERATORS.get(tok) == "NOT":
                    self.pos += 1
                else:  # `-EfA`: the same token, now without its minus, is read next
                    self.tokens[self.pos] = tok[1:]
            node = self.parse_primary()
            pending_and = False
            if node is None:
                if negate:
                    self.note("“NOT” needs a search term after it; it was ignored.")
                continue
            (negatives if negate else positives).append(node)
        if pending_and:
            self.note("“AND” needs a search term on both sides; it was ignored.")
        if negatives and not positives:
            self.note("A search cannot consist of excluded words only; add a word to look for.")
            return None
        node = _combine("and", positives)
        if node is not None and negatives:
            node = _Node("and", children=[node], negated=negatives)
        return node

    def parse_primary(self) -> _Node | None:
        token = self.peek()
        if token is None:
            return None
        if token == ")":
            return None
        self.pos += 1
        if token == "(":
            node = self.parse_or()
            if self.peek() == ")":
                self.pos += 1
            else:
                self.note("A bracket was not closed; it was closed at the end.")
            return node
        if token.startswith('"'):
            inner = token[1:]
            if inner.endswith('"') and len(token) > 1:
                inner = inner[:-1]
            else:
                self.note(f'The quotation mark before “{inner.strip() or "…"}” was not closed; '
                          "the phrase runs to the end.")
            return self.phrase(inner)
        if OPERATORS.get(token) == "NOT":
            self.note("“NOT” needs a search term after it; it was ignored.")
            return None
        return self.word(token)

    def phrase(self, text: str) -> _Node | None:
        tokens: list[str] = []
        for word in WORD.findall(text):
            main = word_stems(word)
            if not main:
                self.ignored.append(word)
            tokens.extend(main)
        if not tokens:
            return None
        self.terms.update(tokens)
        return _Node("term", value=_quote(tokens))

    def word(self, token: str) -> _Node | None:
        prefix = token.endswith("*")
        words = WORD.findall(token)
        if not words:
            if token.strip("*^:+{}[],;.!?'`´~&|/\\=<>#%$§@-"):
                self.ignored.append(token)
            return None
        if prefix and len(words) == 1:
            base = stem(fold(words[0]))
            if len(base) < 2:
                self.note(f"“{token}” is too short for a prefix search; it was ignored.")
                return None
            self.prefixes.append(base)
            return _Node("term", value=f'"{base}" *')
        nodes: list[_Node] = []
        for word in words:
            main = word_stems(word)
            if not main:
                self.ignored.append(word)
                continue
            whole = joined_whole(word)
            if whole:
                # `Cyber-Sicherheit`, `E-Akte`, `Komm.ONE`: the joined whole, which the index holds
                # for hyphenated and closed compounds alike.
                self.terms.update((*main, whole))
                nodes.append(_Node("term", value=_quote([whole])))
            else:  # one word, or a hyphen chain too long to be joined: its stems as a phrase
                self.terms.update(main)
                node = _Node("term", value=_quote(main))
                halves = self.halves(word) if len(main) == 1 else ()
                if halves:  # a compound: itself, or written apart with its halves close together
                    self.terms.update(stem for pair in halves for stem in pair)
                    scope = f"{{{' '.join(self.word_columns)}}} : " if self.word_columns else ""
                    nears = [_Node("term", value=f"{scope}NEAR({_quote([a])} {_quote([b])}, {NEAR_PARTS})") for a, b in halves]
                    node = _Node("or", children=[node, *nears])
                nodes.append(node)
        return _combine("and", nodes)


    def halves(self, word: str) -> list[tuple[str, str]]:
        """Each way to cut a compound in two at a part boundary, as the stems of both halves
        (`digitalministerkonferenz` → (`digital`, `ministerkonferenz`), (`digitalminist`,
        `konferenz`)), by the archive's lexicon; none without one."""
        if self.lexicon is None:
            return []
        folded = fold(word)
        spans = compound_spans(folded, self.lexicon)
        halves = []
        for (part, start, _), (_, cut, _) in zip(spans, spans[1:], strict=False):
            left, right = stem(folded[:start] + part), stem(folded[cut:])
            if left and right and left != right:
                halves.append((left, right))
        return halves


def _quote(tokens: Sequence[str]) -> str:
    # Tokens are letters and digits only (see WORD), so quoting cannot be broken out of.
    return '"' + " ".join(tokens) + '"'


def _combine(kind: str, nodes: Sequence[_Node | None]) -> _Node | None:
    present, terms = [], set()
    for node in nodes:
        if node is None or (node.kind == "term" and node.value in terms):
            continue  # `a AND a` is `a`, `a OR a` too
        if node.kind == "term":
            terms.add(node.value)
        present.append(node)
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return _Node(kind, children=present)


def _render(node: _Node) -> str:
    if node.kind == "term":
        return node.value
    joiner = " OR " if node.kind == "or" else " AND "
    body = joiner.join(_render(child) if child.kind == "term" else f"({_render(child)})" for child in node.children)
    for negated in node.negated:
        inner = _render(negated) if negated.kind == "term" else f"({_render(negated)})"
        body = f"({body}) NOT {inner}"
    return body


def parse_query(text: str | None, lexicon: Lexicon | None = None, word_columns: Sequence[str] = ()) -> SearchQuery:
    """Parse what a user typed into a safe FTS5 expression over `articles_search`.

    Never raises: unbalanced quotes or brackets, dangling `AND`/`OR`/`NOT` and FTS5 special
    characters are repaired, and each repair is described in `notes` for the page to show. With an
    archive's `lexicon` (db.search.parse_archive_query), a compound is also searched as its halves
    written apart, close together, in the index's `word_columns` (not among compound parts)."""
    text = (text or "").strip()
    if not text:
        return SearchQuery(text="", match=None)
    cut_note = None
    if len(text) > MAX_QUERY_CHARS:
        text, cut_note = _shorten(text)
    parser = _Parser(text, lexicon, word_columns)
    node = parser.parse()
    notes = parser.notes
    limited = parser.limited or cut_note is not None
    if cut_note:
        notes.insert(0, cut_note)
    if parser.ignored:
        words = ", ".join(dict.fromkeys(parser.ignored))
        notes.append(f"Common words are not searched: {words}.")
    if node is None:
        if not notes:
            notes.append("Nothing to search for: type a word.")
        return SearchQuery(text=text, match=None, notes=notes, limited=limited)
    return SearchQuery(
        text=text,
        match=_render(node),
        terms=frozenset(parser.terms),
        prefixes=tuple(dict.fromkeys(parser.prefixes)),
        notes=notes,
        limited=limited,
    )


def _shorten(text: str) -> tuple[str, str]:
    """The first MAX_QUERY_CHARS characters, ending at a space if one is near, and the note."""
    cut = text[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    if space > MAX_QUERY_CHARS - 60:
        cut = cut[:space]
    cut = cut.strip()
    note = (f"Die Suche ist {len(text):,} Zeichen lang; gesucht wird nur nach den ersten "
            f"{len(cut)} Zeichen (höchstens {MAX_QUERY_CHARS}).").replace(",", ".")
    return cut, note


def normalise_query(text: str | None) -> str:
    """The FTS5 MATCH expression for a user's search over `articles_search` ('' when nothing is
    left to search). Shared by the published search, the canned queries and the digest."""
    return parse_query(text).match or ""


