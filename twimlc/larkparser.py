"""The lark-based parser of :mod:`twimlc.parser`: the reference for the language, built
once per process from ``grammar/twl.lark`` (its analysis cached in the per-user cache
directory). Imported only when :mod:`twimlc.fastparse` declines a source (errors above
all), so that reading a valid file does not import lark."""

from __future__ import annotations

import contextvars
import hashlib
import os
import sys
import threading
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.indenter import Indenter

from .ast import Arg, CommentLine, ListValue, Scalar, Span, Statement, SyntaxNode, TextLine
from .escapes import bad_escape_match, unescape


class Scan:
    """What the lexer callbacks collect during one parse: comments, and strings with an
    invalid escape (as ``(line, column, escape)``)."""

    def __init__(self) -> None:
        self.comments: list[CommentLine] = []
        self.bad_escapes: list[tuple[int, int, str]] = []


_scan: contextvars.ContextVar[Scan] = contextvars.ContextVar("twl_scan")


def _collect_comments(token: Token) -> Token:
    """Lexer callback for newline tokens: record each ``# comment`` inside them."""
    scan = _scan.get(None)
    if scan is not None and "#" in token:
        sink = scan.comments
        line = token.line or 1
        col = token.column or 1
        for part in token.split("\n"):
            hash_at = part.find("#")
            if hash_at >= 0:
                text = part[hash_at + 1 :].rstrip()
                start = col + hash_at
                sink.append(CommentLine(text, Span(line, start, line, start + 1 + len(text))))
            line += 1
            col = 1
    return token


def _check_string(token: Token) -> Token:
    """Lexer callback for strings: record the first invalid escape (the transformer, which
    must not raise, keeps the text as written)."""
    scan = _scan.get(None)
    if scan is not None and "\\" in token:
        m = bad_escape_match(str(token)[1:-1])
        if m is not None:
            scan.bad_escapes.append((token.line or 1, (token.column or 1) + 1 + m.start(), m.group(0)))
    return token


def grammar_text() -> str:
    """The grammar shipped as ``twimlc.grammar`` (top-level ``grammar/`` in the repository;
    found through the import system, so wheels and editable installs both work)."""
    from importlib.util import find_spec

    spec = find_spec("twimlc.grammar")
    assert spec is not None and spec.submodule_search_locations
    with open(os.path.join(next(iter(spec.submodule_search_locations)), "twl.lark"), encoding="utf-8") as f:
        return f.read()


class _TwlIndenter(Indenter):
    """Lark's indenter, with the state of the parse in progress kept per thread: the one
    parser is shared by every thread that parses (the language server checks a large
    document on a thread of its own while it checks the others), and lark's Indenter keeps
    that state on the instance. Everything else lark keeps per parse."""

    NL_type = "_NL"
    OPEN_PAREN_types = ["LSQB"]  # noqa: RUF012 - lark reads class attributes
    CLOSE_PAREN_types = ["RSQB"]  # noqa: RUF012
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def __init__(self) -> None:
        self._state = threading.local()
        super().__init__()

    @property
    def paren_level(self) -> int:  # lark declares a plain attribute: the property stands for it
        level: int = self._state.paren_level
        return level

    @paren_level.setter
    def paren_level(self, value: int) -> None:
        self._state.paren_level = value

    @property
    def indent_level(self) -> list[int]:
        levels: list[int] = self._state.indent_level
        return levels

    @indent_level.setter
    def indent_level(self, value: list[int]) -> None:
        self._state.indent_level = value


def _join(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


def _token_span(t: Token) -> Span:
    return Span(t.line or 0, t.column or 0, t.end_line or 0, t.end_column or 0)


class _ToSyntax(Transformer[Token, list[SyntaxNode]]):
    """Builds syntax nodes while LALR reduces. Converts and builds, nothing else.

    Lark's in-parser transformer gets no ``meta``, so spans are joined from the tokens."""

    def start(self, children: list[SyntaxNode]) -> list[SyntaxNode]:
        return list(children)

    def _statement(self, head: tuple[Token, tuple[Arg, ...]], body: tuple[SyntaxNode, ...]) -> Statement:
        keyword, args = head
        kspan = _token_span(keyword)
        last = body[-1].span if body else (args[-1].span if args else kspan)
        return Statement(str(keyword), kspan, args, body, _join(kspan, last))

    def simple(self, children: list[Any]) -> Statement:
        return self._statement(children[0], ())

    def block(self, children: list[Any]) -> Statement:
        return self._statement(children[0], tuple(children[1:]))

    def inline_block(self, children: list[Any]) -> Statement:
        return self._statement(children[0], (children[1],))

    def inline_text(self, children: list[Token]) -> TextLine:
        s = self.string(children)
        return TextLine(s.text, s.span)

    def inline_head(self, children: list[Any]) -> Statement:
        return self._statement(children[0], ())

    def inline_nested(self, children: list[Any]) -> Statement:
        return self._statement(children[0], (children[1],))

    text_line = inline_text

    def head(self, children: list[Any]) -> tuple[Token, tuple[Arg, ...]]:
        keyword, *args = children
        return keyword, tuple(a if isinstance(a, Arg) else Arg(None, a, a.span) for a in args)

    def attribute(self, children: list[Any]) -> Arg:
        name, value = children
        return Arg(str(name)[:-1], value, _join(_token_span(name), value.span))

    def attribute_bare(self, children: list[Token]) -> Arg:
        (t,) = children
        name, _, text = str(t).partition("=")
        line, col = t.line or 0, t.column or 0
        start = col + len(name) + 1
        value = Scalar(text, False, Span(line, start, line, start + len(text)))
        return Arg(name, value, _token_span(t))

    def string(self, children: list[Token]) -> Scalar:
        (t,) = children
        text = unescape(str(t)[1:-1])
        return Scalar(text if text is not None else str(t)[1:-1], True, _token_span(t))

    def bare(self, children: list[Token]) -> Scalar:
        (t,) = children
        return Scalar(str(t), False, _token_span(t))

    def list(self, children: list[Token]) -> ListValue:
        open_, *items, close = children
        scalars = tuple(self.string([t]) if t.type == "STRING" else self.bare([t]) for t in items)
        return ListValue(scalars, _join(_token_span(open_), _token_span(close)))


def _cache_path(grammar: str) -> str | None:
    import lark

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{sys.version}".encode()).hexdigest()[:16]
    directory = os.path.join(base, "twimlc")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    return os.path.join(directory, f"twl-{digest}.lark-cache")


_BUILDING = threading.Lock()


def parser() -> Lark:
    """The parser, built by the first thread that asks (the others wait for it)."""
    with _BUILDING:
        return _build()


@lru_cache(maxsize=1)
def _build() -> Lark:
    grammar = grammar_text()
    options: dict[str, Any] = dict(
        parser="lalr",
        lexer="contextual",
        postlex=_TwlIndenter(),
        maybe_placeholders=False,
        transformer=_ToSyntax(),
        lexer_callbacks={"_NL": _collect_comments, "STRING": _check_string},
    )
    cache = _cache_path(grammar)
    if cache:
        try:
            return Lark(grammar, cache=cache, **options)
        except OSError:
            pass  # read-only or full cache directory: analyse without caching
    return Lark(grammar, **options)


def parse(text: str, scan: Scan) -> list[SyntaxNode]:
    """The statements of ``text`` (which ends with a line break), the comments and invalid
    escapes found on the way collected in ``scan``. Raises lark's ``UnexpectedInput`` or
    ``DedentError`` on a syntax error (:mod:`twimlc.parser` words it and recovers)."""
    token = _scan.set(scan)
    try:
        nodes: list[SyntaxNode] = parser().parse(text)  # type: ignore[assignment]  # built by _ToSyntax
        return nodes
    finally:
        _scan.reset(token)
