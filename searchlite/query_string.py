"""query_string: the part of Lucene's classic query syntax web apps send (words, "phrases",
field:value, + - ! and AND OR NOT && ||), read in one pass over the text. What Lucene would
refuse gets Lucene's parse error; what Lucene reads but this engine does not (wildcards,
~, ranges, /regular expressions/, ^boosts, parentheses) is refused by name."""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from dataclasses import dataclass

from searchlite.errors import ShardLevel, unsupported
from searchlite.reads import tokens

WHITESPACE = frozenset(" \t\n\r\u3000")
NOT_TERM = WHITESPACE | frozenset('+-!():^[]"{}~*?\\/')  # what cannot start a term
SPACES = re.compile(r"[ \t\n\r\u3000]+")
TERM_RUN = re.compile(r'[^ \t\n\r\u3000+\-!():^\[\]"{}~*?\\/]+')  # what a term may hold, escapes aside
QUOTED_RUN = re.compile(r'[^"\\]+')
REGEX_RUN = re.compile(r"[^/\\]+")
IMAGES = {"AND": "<AND>", "OR": "<OR>", "NOT": "<NOT>", "PLUS": '"+"', "MINUS": '"-"', "BAREOPER": "<BAREOPER>",
          "LPAREN": '"("', "RPAREN": '")"', "COLON": '":"', "STAR": '"*"', "CARAT": '"^"', "QUOTED": "<QUOTED>",
          "TERM": "<TERM>", "FUZZY_SLOP": "<FUZZY_SLOP>", "PREFIXTERM": "<PREFIXTERM>", "WILDTERM": "<WILDTERM>",
          "REGEXPTERM": "<REGEXPTERM>", "RANGEIN_START": '"["', "RANGEEX_START": '"{"'}
TERM_START = ["<BAREOPER>", '"("', '"*"', "<QUOTED>", "<TERM>", "<PREFIXTERM>", "<WILDTERM>", "<REGEXPTERM>",
              '"["', '"{"', "<NUMBER>"]
AFTER_MODIFIER = [*TERM_START, "<TERM>", '"*"']
CLAUSE_START = ["<NOT>", '"+"', '"-"', *AFTER_MODIFIER]
UNSUPPORTED = {"STAR": "wildcards", "PREFIXTERM": "wildcards", "WILDTERM": "wildcards",
               "FUZZY_SLOP": "fuzzy and proximity (~)", "CARAT": "boosts (^)", "LPAREN": "grouping with parentheses",
               "RANGEIN_START": "ranges", "RANGEEX_START": "ranges", "REGEXPTERM": "regular expressions"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str   # the term's characters, escapes resolved
    image: str  # as written
    start: int


@dataclass(frozen=True)
class Clause:
    field: str | None  # None: the default fields
    text: str
    phrase: bool
    occur: str         # must, should, must_not


class LexicalError(Exception):
    def __init__(self, column: int, found: str | None, after: str):
        encountered = "<EOF> " if found is None else f'"{_escape(found)}" ({ord(found)}), '
        super().__init__(f"Lexical error at line 1, column {column}.  Encountered: {encountered}"
                         f'after : "{_escape(after)}"')


class SyntaxError_(Exception):
    def __init__(self, token: Token, expected: list[str]):
        found = "<EOF>" if token.kind == "EOF" else f' {IMAGES[token.kind]} "{_escape(token.image)} "'
        lines = "".join(f"{image} ...\n    " for image in expected)
        super().__init__(f'Encountered "{found}" at line 1, column {token.start}.\n'
                         f"Was expecting one of:\n    {lines}")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def tokenize(text: str) -> Iterator[Token]:
    """Lucene's tokens; each character is looked at once (runs of plain characters by one
    regular expression without alternatives, so no backtracking)."""
    position, end = 0, len(text)
    while position < end:
        space = SPACES.match(text, position)
        if space:
            position = space.end()
            continue
        token = _operator(text, position) or _delimited(text, position) or _term(text, position)
        position = token.start + len(token.image)
        yield token
    yield Token("EOF", "", "", end)


def _operator(text: str, at: int) -> Token | None:
    pair = text[at:at + 2]
    if pair in ("&&", "||"):
        return Token("AND" if pair == "&&" else "OR", pair, pair, at)
    char = text[at]
    if char in "+-!":
        if at + 1 < len(text) and text[at + 1] in WHITESPACE:
            return Token("BAREOPER", char, text[at:at + 2], at)
        return Token({"+": "PLUS", "-": "MINUS", "!": "NOT"}[char], char, char, at)
    simple = {"(": "LPAREN", ")": "RPAREN", ":": "COLON", "^": "CARAT", "[": "RANGEIN_START", "{": "RANGEEX_START"}
    if char in simple:
        return Token(simple[char], char, char, at)
    if char == "~":
        stop = at + 1
        while stop < len(text) and (text[stop].isdigit() or text[stop] == "."):
            stop += 1
        return Token("FUZZY_SLOP", text[at:stop], text[at:stop], at)
    if char in "]}":
        raise LexicalError(at + 1, char, "")
    return None


def _delimited(text: str, at: int) -> Token | None:
    """A "quoted phrase" or a /regular expression/, backslash escapes inside."""
    quote = text[at]
    if quote not in '"/':
        return None
    out, position = [], at + 1
    plain = QUOTED_RUN if quote == '"' else REGEX_RUN
    while position < len(text):
        run = plain.match(text, position)
        if run:
            out.append(run.group())
            position = run.end()
            continue
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            out.append(text[position + 1])
            position += 2
            continue
        if char == quote:
            kind = "QUOTED" if quote == '"' else "REGEXPTERM"
            return Token(kind, "".join(out), text[at:position + 1], at)
        out.append(char)
        position += 1
    raise LexicalError(len(text), None, text[at:])


def _term(text: str, at: int) -> Token:
    """A term: escapes resolved; `*` or `?` in it make it a wildcard term."""
    out, position, wild = [], at, False
    while position < len(text):
        run = TERM_RUN.match(text, position)
        if run:
            out.append(run.group())
            position = run.end()
            continue
        char = text[position]
        if char == "\\":
            if position + 1 >= len(text):
                raise LexicalError(len(text), None, text[at:])
            out.append(text[position + 1])
            position += 2
            continue
        if char in "*?":
            wild = True
        elif char in NOT_TERM and not (position > at and char in "+-"):
            break
        out.append(char)
        position += 1
    image = text[at:position]
    if not image:
        raise LexicalError(at + 1, text[at], "")
    word = "".join(out)
    if wild:
        kind = "STAR" if image == "*" else "PREFIXTERM" if image.endswith("*") and "?" not in image[:-1] and \
            "*" not in image[:-1] else "WILDTERM"
    else:
        kind = {"AND": "AND", "OR": "OR", "NOT": "NOT"}.get(image, "TERM")
    return Token(kind, word, image, at)


class Stream:
    """Tokens with look-ahead (a term followed by `:` names a field)."""

    def __init__(self, text: str):
        self._tokens = tokenize(text)
        self._buffer: collections.deque[Token] = collections.deque()
        self._end = Token("EOF", "", "", len(text))

    def peek(self, ahead: int = 0) -> Token:
        buffer = self._buffer
        while len(buffer) <= ahead:
            buffer.append(next(self._tokens, self._end))
        return buffer[ahead]

    def take(self) -> Token:
        buffer = self._buffer
        return buffer.popleft() if buffer else next(self._tokens, self._end)


class TooManyClauses(Exception):
    pass


def parse(text: str, default_operator: str = "or", max_clauses: int = 1024) -> list[Clause]:
    """The clauses of a query string, with Lucene's occur rules (QueryParserBase.addClause)."""
    try:
        return _parse(Stream(text), default_operator, max_clauses)
    except LexicalError as error:
        raise failed_to_parse(text, f"Cannot parse '{text}': {error}", {"type": "token_mgr_error",
                                                                        "reason": str(error)}) from None
    except SyntaxError_ as error:
        raise failed_to_parse(text, f"Cannot parse '{text}': {error}", {"type": "parse_exception",
                                                                        "reason": str(error)}) from None
    except TooManyClauses:
        raise failed_to_parse(text, f"Cannot parse '{text}': too many boolean clauses", {
            "type": "too_many_clauses", "reason": f"maxClauseCount is set to {max_clauses}"}) from None


def _parse(stream: Stream, default_operator: str, max_clauses: int) -> list[Clause]:
    clauses: list[list] = []  # [clause, occur]
    first = True
    while first or stream.peek().kind != "EOF":
        conj = stream.take().kind if not first and stream.peek().kind in ("AND", "OR") else None
        modifier = stream.take().kind if stream.peek().kind in ("PLUS", "MINUS", "NOT") else None
        field = None
        if stream.peek().kind in ("TERM", "STAR") and stream.peek(1).kind == "COLON":
            name = stream.take()
            stream.take()
            field = "*" if name.kind == "STAR" else name.text
        expected = TERM_START if field else AFTER_MODIFIER if modifier else CLAUSE_START
        token = stream.take()
        if token.kind in UNSUPPORTED:
            raise unsupported(f"query_string {UNSUPPORTED[token.kind]}")
        if token.kind not in ("TERM", "QUOTED", "BAREOPER"):
            raise SyntaxError_(token, expected)
        if stream.peek().kind in ("FUZZY_SLOP", "CARAT"):
            raise unsupported(f"query_string {UNSUPPORTED[stream.peek().kind]}")
        _add(clauses, conj, modifier, default_operator, Clause(field, token.text, token.kind == "QUOTED", ""))
        if len(clauses) > max_clauses:
            raise TooManyClauses()
        first = False
    return [Clause(c.field, c.text, c.phrase, occur) for c, occur in clauses]


def _add(clauses: list[list], conj: str | None, modifier: str | None, operator: str, clause: Clause) -> None:
    if clauses and conj == "AND" and clauses[-1][1] != "must_not":
        clauses[-1][1] = "must"
    if clauses and operator == "and" and conj == "OR" and clauses[-1][1] != "must_not":
        clauses[-1][1] = "should"
    if not tokens(clause.text):  # analysed away (a bare operator, punctuation): no clause
        return
    prohibited = modifier in ("NOT", "MINUS")
    if operator == "or":
        required = modifier == "PLUS" or (conj == "AND" and not prohibited)
    else:
        required = not prohibited and conj != "OR"
    clauses.append([clause, "must_not" if prohibited else "must" if required else "should"])


def failed_to_parse(query: str, reason: str, cause: dict) -> ShardLevel:
    """QueryStringQueryBuilder's answer to Lucene's ParseException (which keeps its cause)."""
    return ShardLevel(400, "query_shard_exception", f"Failed to parse query [{query}]",
                      caused_by={"type": "parse_exception", "reason": reason, "caused_by": cause})
