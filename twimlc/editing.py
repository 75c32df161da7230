"""What an editor needs to know about ``.twl`` text at a cursor, computed from the text alone
(no parse, so it works on half-typed lines and costs little on large files): the tokens of a
statement, the blocks that enclose a line, the document's kind, the parameters and their
uses. :mod:`twimlc.lsp` turns these into completion, hover, rename and definitions.

Positions here are twimlc's: 1-based lines, 0-based code-point offsets into a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import params as placeholders
from .dialect import TWILIO, Dialect, dialect_named
from .vocabulary import HEADER_KEYWORD, KINDS, ElementSpec, Vocabulary

# One token of a physical line. ``kind``: word, string, attr (``name=``), lsqb, rsqb, colon,
# continuation (a lone ``\`` at the end), comment.
_TOKEN = re.compile(
    r"""(?P<ws>[ \t\f]+)
    |(?P<string>"(?:[^"\\\n]|\\.)*(?:"|\\?$))
    |(?P<lsqb>\[)|(?P<rsqb>\])
    |(?P<attr>!?[A-Za-z_][A-Za-z0-9_.:-]*=)
    |(?P<word>[^\s"\[\]]+)""",
    re.X,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    line: int  # 1-based
    start: int  # 0-based code-point offsets in the line
    end: int

    @property
    def closed(self) -> bool:
        """A string with its closing quote."""
        return self.kind != "string" or (len(self.text) > 1 and self.text.endswith('"') and not _escaped_end(self.text))


def _escaped_end(text: str) -> bool:
    body = text[1:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def tokens(text: str, line: int = 1) -> list[Token]:
    """The tokens of one physical line, as the grammar splits it: ``#`` starts a comment at
    the start of a line or after white space; a word ending in ``:`` is a word and a block
    colon; ``finishOnKey=#`` is an attribute and a value."""
    out: list[Token] = []
    pos = 0
    after_space = True
    while pos < len(text):
        if text[pos] == "#" and after_space and not (out and out[-1].kind == "attr" and out[-1].end == pos):
            out.append(Token("comment", text[pos:], line, pos, len(text)))
            break
        m = _TOKEN.match(text, pos)
        if m is None:  # not reachable: every character is matched by some alternative
            break
        kind = m.lastgroup or "word"
        value = m.group()
        if kind == "word":
            body = value.rstrip(":")
            if body and body != value:
                out.append(Token("word", body, line, pos, pos + len(body)))
                for i in range(len(body), len(value)):
                    out.append(Token("colon", ":", line, pos + i, pos + i + 1))
            elif not body:
                out.extend(Token("colon", ":", line, pos + i, pos + i + 1) for i in range(len(value)))
            elif value == "\\":
                out.append(Token("continuation", value, line, pos, m.end()))
            else:
                out.append(Token("word", value, line, pos, m.end()))
        elif kind != "ws":
            out.append(Token(kind, value, line, pos, m.end()))
        after_space = kind == "ws"
        pos = m.end()
    return out


def code_tokens(text: str, line: int = 1) -> list[Token]:
    return [t for t in tokens(text, line) if t.kind != "comment"]


def continues(text: str) -> bool:
    """Whether a physical line goes on on the next one (a lone ``\\`` at its end)."""
    code = code_tokens(text)
    return bool(code) and code[-1].kind == "continuation"


def indentation(text: str) -> int:
    stripped = text.lstrip(" \t")
    return len(text[: len(text) - len(stripped)].expandtabs(8))


def is_code(text: str) -> bool:
    stripped = text.lstrip(" \t")
    return bool(stripped) and not stripped.startswith("#")


# --- statements ------------------------------------------------------------------------------


@dataclass(slots=True)
class Head:
    """One ``keyword args…`` of a statement (a statement with inline blocks has several)."""

    keyword: Token | None = None
    text: Token | None = None  # a quoted string standing as a statement (text of the block)
    attributes: list[tuple[Token, list[Token]]] = field(default_factory=list)  # name= and its value tokens
    positional: list[Token] = field(default_factory=list)
    colon: Token | None = None  # the ':' that ends it


@dataclass(slots=True)
class Statement:
    first_line: int  # 1-based
    indent: int
    tokens: list[Token]
    heads: list[Head]

    @property
    def opens_block(self) -> bool:
        code = [t for t in self.tokens if t.kind != "continuation"]
        return bool(code) and code[-1].kind == "colon"

    @property
    def keywords(self) -> list[str]:
        return [h.keyword.text for h in self.heads if h.keyword is not None]


def heads(toks: list[Token]) -> list[Head]:
    """Split a statement's tokens into heads (``gather numDigits=1: say "x"`` has two)."""
    out = [Head()]
    i = 0
    while i < len(toks):
        t = toks[i]
        head = out[-1]
        if t.kind == "continuation":
            pass
        elif t.kind == "colon":
            head.colon = t
            out.append(Head())
        elif head.keyword is None and head.text is None:
            if t.kind == "word":
                head.keyword = t
            elif t.kind == "string":
                head.text = t
        elif t.kind == "attr":
            value: list[Token] = []
            if i + 1 < len(toks) and toks[i + 1].start == t.end and toks[i + 1].line == t.line:
                if toks[i + 1].kind == "lsqb":
                    j = i + 1
                    while j < len(toks) and toks[j].kind not in ("rsqb", "colon"):
                        value.append(toks[j])
                        j += 1
                    if j < len(toks) and toks[j].kind == "rsqb":
                        value.append(toks[j])
                    i = j
                elif toks[i + 1].kind in ("word", "string"):
                    value.append(toks[i + 1])
                    i += 1
            head.attributes.append((t, value))
        elif t.kind in ("word", "string"):
            head.positional.append(t)
        i += 1
    if len(out) > 1 and out[-1].keyword is None and out[-1].text is None:
        out.pop()
    return out


class Text:
    """A document's lines, with the statement and block structure read from them."""

    def __init__(self, source: str) -> None:
        self.lines = source.split("\n")
        self.lines = [line[:-1] if line.endswith("\r") else line for line in self.lines]

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def statement_start(self, number: int) -> int:
        """The first physical line of the statement that line ``number`` belongs to."""
        while number > 1 and continues(self.line(number - 1)):
            number -= 1
        return number

    def statement(self, number: int, upto: int | None = None) -> Statement:
        """The statement holding line ``number``; with ``upto``, only its text before that
        offset of line ``number`` (what is left of a cursor)."""
        first = self.statement_start(number)
        toks: list[Token] = []
        k = first
        while True:
            text = self.line(k)
            if k == number and upto is not None:
                text = text[:upto]
            toks.extend(tokens(text, k))
            if (k == number and upto is not None) or not continues(self.line(k)) or k >= len(self.lines):
                break
            k += 1
        code = [t for t in toks if t.kind != "comment"]
        return Statement(first, indentation(self.line(first)), toks, heads(code))

    def enclosing(self, number: int) -> list[str]:
        """The keywords of the blocks around line ``number``, outermost first (by
        indentation: the nearest line above that is indented less and ends in ':')."""
        first = self.statement_start(number)
        width = indentation(self.line(first))
        chain: list[list[str]] = []
        k = first - 1
        while width > 0 and k >= 1:
            text = self.line(k)
            if is_code(text) and indentation(text) < width:
                start = self.statement_start(k)
                if indentation(self.line(start)) < width:
                    opener = self.statement(start)
                    if not opener.opens_block:
                        break
                    chain.append(opener.keywords)
                    width = indentation(self.line(start))
                    k = start
            k -= 1
        return [kw for keywords in reversed(chain) for kw in keywords]

    def kind(self) -> str:
        """voice, messaging or fax: what the ``twiml`` header says, else the first top-level
        keyword that belongs to one kind only (as the resolver infers it)."""
        return self.header()[0]

    def header(self) -> tuple[str, str | None]:
        """The document's kind and the ``target=`` its ``twiml`` header names (as written),
        or None when it names none."""
        first_code = True
        for number, text in enumerate(self.lines, 1):
            if not is_code(text) or indentation(text) > 0 or (number > 1 and continues(self.line(number - 1))):
                continue
            toks = code_tokens(text, number)
            if not toks or toks[0].kind != "word":
                first_code = False
                continue
            keyword = toks[0].text
            if first_code and keyword == HEADER_KEYWORD:
                kind = toks[1].text if len(toks) > 1 else ""
                target = None
                for i, t in enumerate(toks[:-1]):
                    if t.kind == "attr" and t.text == "target=" and toks[i + 1].kind in ("word", "string"):
                        target = toks[i + 1].text.strip('"')
                return (kind if kind in KINDS else "voice"), target
            first_code = False
            if not keyword.startswith("!"):
                kinds = TWILIO.kinds_with_keyword(keyword)
                if len(kinds) == 1:
                    return kinds[0], None
        return "voice", None

    def params(self) -> dict[str, Token]:
        """Declared parameters: name → the name's token in ``param NAME TYPE``."""
        out: dict[str, Token] = {}
        for number, text in enumerate(self.lines, 1):
            if indentation(text) == 0 and text.startswith(placeholders.PARAM_KEYWORD):
                toks = code_tokens(text, number)
                if (
                    len(toks) > 1
                    and toks[0].text == placeholders.PARAM_KEYWORD
                    and toks[1].kind == "word"
                    and toks[1].text not in out
                ):
                    out[toks[1].text] = toks[1]
        return out

    def uses(self, name: str) -> list[tuple[int, int, int]]:
        """Every ``{{name}}`` in the document's strings and values: (line, start, end) of the
        name inside the braces."""
        out: list[tuple[int, int, int]] = []
        for number, text in enumerate(self.lines, 1):
            if "{{" not in text:
                continue
            for t in code_tokens(text, number):
                if t.kind not in ("word", "string"):
                    continue
                for m in placeholders.PLACEHOLDER.finditer(t.text):
                    if m.group(1) == name:
                        out.append((number, t.start + m.start(1), t.start + m.end(1)))
        return out


def spec_chain(keywords: list[str], vocab: Vocabulary) -> ElementSpec | None:
    """The spec of the innermost of ``keywords`` (outermost first), each read as a child of
    the one before it; ``None`` when one is unknown or an escape hatch."""
    spec = vocab.root
    for keyword in keywords:
        base = vocab.by_keyword.get(keyword)
        if base is None:
            return None
        spec = base.variant(spec.tag)
    return spec


def dialect_of(text: Text, default: Dialect = TWILIO) -> Dialect:
    """The dialect the text is checked against: its header's ``target=`` if it names one,
    else ``default`` (the project's ``[tool.twimlc] target``, or Twilio)."""
    target = text.header()[1]
    return (dialect_named(target) if target else None) or default


def placeholder_at(value: str, offset: int) -> tuple[str, int, int] | None:
    """The placeholder name around ``offset`` of ``value``, and its start and end."""
    for m in placeholders.PLACEHOLDER.finditer(value):
        if m.start() <= offset <= m.end():
            return m.group(1), m.start(1), m.end(1)
    return None


def open_placeholder(value: str) -> str | None:
    """The partial name after an unclosed ``{{`` at the end of ``value``."""
    at = value.rfind("{{")
    if at < 0 or "}}" in value[at:]:
        return None
    partial = value[at + 2 :].lstrip()
    return partial if re.fullmatch(r"[A-Za-z0-9_]*", partial) else None
