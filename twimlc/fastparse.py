"""A fast path for valid ``.twl``: the syntax tree :func:`twimlc.parser.parse_syntax` builds,
without lark.

lark stays the reference. This module reads the terminals (patterns and priorities) from
``grammar/twl.lark`` itself and orders them as lark's lexer does; it lexes with one regular
expression per parser context (the sets lark's contextual lexer uses), replays lark's
:class:`~lark.indenter.Indenter` (``_NL`` gives ``_INDENT``/``_DEDENT``; no ``_NL`` inside
brackets) and follows the grammar's rules by recursive descent, building the same nodes with
the same spans and the same comments as the lark path. It handles only what it is sure of:
on anything else (a syntax error, an invalid escape, a look-alike character, nesting deeper
than :data:`twimlc.parser.MAX_NESTING`, a grammar whose rules it was not written for) it
returns ``None`` and the caller runs lark, which finds and words every error.

``tests/test_fastparse.py`` proves identical results against lark on the corpus, generated
documents and mutated sources, and that the terminals read here are lark's.
"""

from __future__ import annotations

import os
import re
import zlib
from functools import lru_cache

from .ast import Arg, CommentLine, ListValue, Scalar, Span, Statement, SyntaxNode, TextLine
from .dialect import MAX_NESTING  # as twimlc.parser's (a test keeps them equal): deeper goes to lark
from .escapes import unescape

# The grammar's rules, as this module implements them (whitespace-normalised, comments
# dropped): when grammar/twl.lark's rules change, the fast path turns itself off (every
# parse goes to lark) until this module is updated to match and this digest with it.
RULES_DIGEST = "af7e7eee"

# Contexts: the terminals lark's contextual lexer accepts after each kind of token
# (tests/test_fastparse.py checks them against the parser's states).
_CONTEXTS = {
    "statement": ("KEYWORD", "STRING", "_NL"),  # a statement may start (or a line end)
    "head": ("ATTRBARE", "ATTRNAME", "BARE", "STRING", "LSQB", "COLON", "_NL"),  # after a keyword or argument
    "value": ("BARE", "STRING", "LSQB", "_NL"),  # after ``name=``
    "item": ("BARE", "STRING", "RSQB", "_NL"),  # inside ``[...]``
    "end": ("_NL",),  # after a text line: only the end of the line
}

_BLANK = " \t\f"  # what the grammar's first %ignore skips (blanks between tokens)
_TERMINAL = re.compile(r"(?P<name>[A-Z_][A-Z0-9_]*)(?:\.(?P<priority>-?\d+))?\s*:\s*(?P<body>.*\S)\s*")
_IGNORE = re.compile(r"%ignore\s+(?P<body>.*\S)\s*")


class _Terminal:
    __slots__ = ("name", "priority", "regex", "value", "width")

    def __init__(self, name: str, priority: int, regex: str, value: str, width: int) -> None:
        self.name, self.priority, self.regex, self.value, self.width = name, priority, regex, value, width


def _eval_escapes(body: str) -> str:
    """A regex body as lark stores it: ``\\t \\n \\r \\f`` become the characters (same meaning)."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(m.group(1), m.group(0)), body)


def _terminal(name: str, priority: int, body: str) -> _Terminal:
    try:
        from re import _parser  # lark measures widths with it too
    except ImportError:  # Python 3.10
        import sre_parse as _parser

    if body.startswith('"') and body.endswith('"') and len(body) >= 2:
        literal = body[1:-1]
        return _Terminal(name, priority, re.escape(literal), literal, len(literal))
    if body.startswith("/") and body.endswith("/") and len(body) >= 2:
        value = _eval_escapes(body[1:-1])
        width = min(int(_parser.parse(value).getwidth()[1]), 2**64)
        return _Terminal(name, priority, value, value, width)
    raise ValueError(f'terminal {name}: {body!r} is neither /regex/ nor a "string"')


def read_grammar(grammar: str) -> tuple[dict[str, _Terminal], str]:
    """The terminals a grammar defines (named, ``%ignore``d as ``__IGNORE_<n>``, and ``":"``
    as ``COLON``, as lark names them), and the digest of its rules."""
    terminals: dict[str, _Terminal] = {}
    rules: list[str] = []
    ignored = 0
    for raw in grammar.splitlines():
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        m = _TERMINAL.fullmatch(line)
        if m and not line.startswith("?"):
            terminals[m["name"]] = _terminal(m["name"], int(m["priority"] or 0), m["body"])
            continue
        m = _IGNORE.fullmatch(line)
        if m:
            terminals[f"__IGNORE_{ignored}"] = _terminal(f"__IGNORE_{ignored}", 0, m["body"])
            ignored += 1
            continue
        rules.append(" ".join(line.split()))
    terminals["COLON"] = _terminal("COLON", 0, '":"')
    digest = format(zlib.crc32("\n".join(rules).encode()), "08x")  # zlib: cheaper to import than hashlib
    return terminals, digest


def lexer_order(terminals: dict[str, _Terminal]) -> list[str]:
    """Terminal names in the order lark's lexer tries them (the first that matches wins)."""
    return [t.name for t in sorted(terminals.values(), key=lambda t: (-t.priority, -t.width, -len(t.value), t.name))]


def _grammar_text() -> str:
    from . import grammar  # the package's grammar/ (in a wheel, twimlc/grammar/)

    with open(os.path.join(next(iter(grammar.__path__)), "twl.lark"), encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def _lexers() -> dict[str, re.Pattern[str]] | None:
    """One regex per context, alternatives in lark's order; ``None`` (fast path off) when the
    grammar's rules are not the ones this module implements."""
    try:
        terminals, digest = read_grammar(_grammar_text())
    except (OSError, ValueError, re.error):
        return None
    if digest != RULES_DIGEST:
        return None
    order = lexer_order(terminals)
    ignored = [n for n in order if n.startswith("__IGNORE_")]
    # Blanks between tokens are skipped by a prefix of every context's regex instead of one
    # match each: the same, as no other terminal can start with a blank (a test checks it).
    blanks = next((n for n in ignored if re.fullmatch(terminals[n].regex, _BLANK)), None)
    prefix = f"(?:{terminals[blanks].regex})?" if blanks else ""
    out = {}
    for context, names in _CONTEXTS.items():
        if any(n not in terminals for n in names):
            return None
        accepted = (set(names) | set(ignored)) - {blanks}
        alternatives = "|".join(f"(?P<{n}>{terminals[n].regex})" for n in order if n in accepted)
        out[context] = re.compile(f"{prefix}(?:{alternatives})")
    return out


class _Fail(Exception):
    """Not for the fast path: let lark parse (and word any error)."""


_INDENT, _DEDENT, _END = "_INDENT", "_DEDENT", "$END"
_TAB_LEN = 8  # as twimlc.parser's Indenter


class _Parser:
    __slots__ = (
        "comments",
        "last",
        "levels",
        "line",
        "line_start",
        "lx",
        "nodes",
        "pending",
        "pos",
        "text",
        "unescape",
    )

    def __init__(self, text: str, lexers: dict[str, re.Pattern[str]]) -> None:
        self.text = text
        self.lx = lexers
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.levels = [0]
        self.pending: list[str] = []  # _INDENT/_DEDENT tokens the last line end produced
        self.comments: list[CommentLine] = []
        self.unescape = unescape
        self.nodes: list[SyntaxNode] = []  # the top-level statements read
        self.last: tuple[int, int, int] | None = None  # where the last of them began (see Attempt)

    # --- lexing ---------------------------------------------------------------------

    def lex(self, context: str) -> tuple[str, int, int]:
        """The next token in ``context``: (type, start, end); ignored text is skipped, the
        comments inside line ends are collected."""
        text = self.text
        rx = self.lx[context]
        while True:
            m = rx.match(text, self.pos)
            if m is None:
                if text[self.pos :].strip(_BLANK):
                    raise _Fail  # nothing matches: lark's error
                self.pos = len(text)
                return _END, self.pos, self.pos
            kind = m.lastgroup
            assert kind is not None
            start, end = m.span(kind)
            self.pos = end
            if kind == "_NL":
                self.newline(start, end)
            elif kind.startswith("__IGNORE_"):
                last = text.rfind("\n", start, end)
                if last >= 0:
                    self.line += text.count("\n", start, end)
                    self.line_start = last + 1
                continue
            return kind, start, end

    def newline(self, start: int, end: int) -> None:
        """An ``_NL`` token just read: the comments in it, and the line its end is on."""
        text = self.text
        if text.find("#", start, end) >= 0:
            self._comments(start, end)
        last = text.rfind("\n", start, end)
        if last >= 0:
            self.line += text.count("\n", start, end)
            self.line_start = last + 1

    def _comments(self, start: int, end: int) -> None:
        line, col = self.line, start - self.line_start + 1
        for part in self.text[start:end].split("\n"):
            hash_at = part.find("#")
            if hash_at >= 0:
                text = part[hash_at + 1 :].rstrip()
                first = col + hash_at
                self.comments.append(CommentLine(text, Span(line, first, line, first + 1 + len(text))))
            line += 1
            col = 1

    def span(self, start: int, end: int) -> Span:
        """The span of a token on the current line."""
        col = start - self.line_start + 1
        return Span(self.line, col, self.line, col + end - start)

    def line_end(self, start: int, end: int) -> None:
        """An ``_NL`` outside brackets (just lexed): the indentation after it opens or closes
        blocks."""
        indent_str = self.text[self.line_start : end]  # an _NL ends with its last line's indentation
        indent = (
            len(indent_str) if "\t" not in indent_str else indent_str.count(" ") + indent_str.count("\t") * _TAB_LEN
        )
        levels = self.levels
        if indent == levels[-1]:
            return
        if indent > levels[-1]:
            levels.append(indent)
            self.pending.append(_INDENT)
            return
        while indent < levels[-1]:
            levels.pop()
            self.pending.append(_DEDENT)
        if indent != levels[-1]:
            raise _Fail  # lark: DedentError

    def after_line(self) -> tuple[str, int, int]:
        """The next token after a line end: an _INDENT/_DEDENT it produced, or the next
        statement's first token (at the end of the text: _DEDENTs down to level 0, then $END)."""
        if self.pending:
            return self.pending.pop(0), self.pos, self.pos
        tok = self.lex("statement")
        if tok[0] == _END and len(self.levels) > 1:
            self.levels.pop()
            return _DEDENT, self.pos, self.pos
        return tok

    # --- values ---------------------------------------------------------------------

    def string(self, start: int, end: int) -> Scalar:
        body = self.text[start + 1 : end - 1]
        text = self.unescape(body) if "\\" in body else body
        if text is None:
            raise _Fail  # an invalid escape: lark's path reports it
        return Scalar(text, True, self.span(start, end))

    def value(self, tok: tuple[str, int, int]) -> Scalar | ListValue:
        kind, start, end = tok
        if kind == "STRING":
            return self.string(start, end)
        if kind == "BARE":
            return Scalar(self.text[start:end], False, self.span(start, end))
        if kind == "LSQB":
            return self.items(start, end)
        raise _Fail

    def items(self, open_start: int, open_end: int) -> ListValue:
        open_span = self.span(open_start, open_end)
        items: list[Scalar] = []
        while True:
            kind, start, end = self.lex("item")
            if kind == "RSQB":
                close = self.span(start, end)
                return ListValue(tuple(items), Span(open_span.line, open_span.column, close.end_line, close.end_column))
            if kind == "_NL":
                continue  # the Indenter drops line ends inside brackets
            if kind == "STRING":
                items.append(self.string(start, end))
            elif kind == "BARE":
                items.append(Scalar(self.text[start:end], False, self.span(start, end)))
            else:
                raise _Fail

    # --- statements -----------------------------------------------------------------

    def head(self, start: int, end: int) -> tuple[str, Span, list[Arg], str, int, int]:
        """A keyword and its arguments, up to the ':' or line end that follows them. The
        common tokens (a value, name=value, a string) are read here directly; the rest
        from the same match as :meth:`lex` reads them (a line continuation through it)."""
        text = self.text
        line, base = self.line, self.line_start - 1  # column = position - base
        keyword, kspan = text[start:end], Span(line, start - base, line, end - base)
        args: list[Arg] = []
        rx = self.lx["head"]
        pos = end
        while True:
            m = rx.match(text, pos)
            kind = m.lastgroup if m is not None else None
            if kind == "ATTRBARE" or kind == "BARE" or kind == "STRING":
                assert m is not None
                start, pos = m.span(kind)
                if kind == "ATTRBARE":
                    name, _, bare = text[start:pos].partition("=")
                    first = start - base + len(name) + 1
                    value = Scalar(bare, False, Span(line, first, line, first + len(bare)))
                    args.append(Arg(name, value, Span(line, start - base, line, pos - base)))
                else:
                    span = Span(line, start - base, line, pos - base)
                    if kind == "BARE":
                        value = Scalar(text[start:pos], False, span)
                    else:
                        body = text[start + 1 : pos - 1]
                        if "\\" in body:
                            unescaped = self.unescape(body)
                            if unescaped is None:
                                raise _Fail  # an invalid escape: lark's path reports it
                            body = unescaped
                        value = Scalar(body, True, span)
                    args.append(Arg(None, value, span))
                continue
            if kind is not None and not kind.startswith("__IGNORE_"):  # the token matched: as lex reads it
                assert m is not None
                start, end = m.span(kind)
                self.pos = end
                if kind == "_NL":
                    self.newline(start, end)
            else:  # a line continuation, or no token: lex skips it, or fails
                self.pos = pos
                kind, start, end = self.lex("head")
            if kind == "ATTRNAME":
                nspan = self.span(start, end)
                item = self.value(self.lex("value"))
                vspan = item.span
                args.append(
                    Arg(text[start : end - 1], item, Span(nspan.line, nspan.column, vspan.end_line, vspan.end_column))
                )
            elif kind == "LSQB":
                item = self.items(start, end)
                args.append(Arg(None, item, item.span))
            elif kind == "COLON" or kind == "_NL":
                return keyword, kspan, args, kind, start, end
            elif kind == "ATTRBARE" or kind == "BARE" or kind == "STRING":
                self.pos = start  # after a line continuation: read it again above
            else:
                raise _Fail
            pos = self.pos
            line, base = self.line, self.line_start - 1

    @staticmethod
    def statement_node(keyword: str, kspan: Span, args: list[Arg], body: tuple[SyntaxNode, ...]) -> Statement:
        last = body[-1].span if body else (args[-1].span if args else kspan)
        return Statement(
            keyword, kspan, tuple(args), body, Span(kspan.line, kspan.column, last.end_line, last.end_column)
        )

    def inline(self, tok: tuple[str, int, int], depth: int) -> tuple[SyntaxNode, tuple[str, int, int]]:
        """What follows ``head:`` on the same line, from its first token ``tok``, and the
        token after it (a line end)."""
        kind, start, end = tok
        if kind == "STRING":
            s = self.string(start, end)
            return TextLine(s.text, s.span), self.lex("end")
        if kind != "KEYWORD" or depth > MAX_NESTING:
            raise _Fail
        keyword, kspan, args, kind, start, end = self.head(start, end)
        if kind == "_NL":
            return self.statement_node(keyword, kspan, args, ()), (kind, start, end)
        inner, after = self.inline(self.lex("statement"), depth + 1)
        return self.statement_node(keyword, kspan, args, (inner,)), after

    def statement(self, tok: tuple[str, int, int], depth: int) -> tuple[SyntaxNode, tuple[str, int, int]]:
        """One statement starting at ``tok`` (``depth`` blocks deep), and the token after it
        (after its line end)."""
        kind, start, end = tok
        if kind == "STRING":
            s = self.string(start, end)
            node: SyntaxNode = TextLine(s.text, s.span)
            after = self.lex("end")
        elif kind == "KEYWORD":
            if depth > MAX_NESTING:
                raise _Fail  # lark's path reports it
            keyword, kspan, args, kind, start, end = self.head(start, end)
            if kind == "_NL":
                node, after = self.statement_node(keyword, kspan, args, ()), (kind, start, end)
            else:
                nxt = self.lex("statement")
                if nxt[0] == "_NL":  # an indented block
                    self.line_end(nxt[1], nxt[2])
                    if self.after_line()[0] != _INDENT:
                        raise _Fail
                    body: list[SyntaxNode] = []
                    tok = self.after_line()
                    while tok[0] != _DEDENT:
                        child, tok = self.statement(tok, depth + 1)
                        body.append(child)
                    return self.statement_node(keyword, kspan, args, tuple(body)), self.after_line()
                inner, after = self.inline(nxt, depth + 1)
                node = self.statement_node(keyword, kspan, args, (inner,))
        else:
            raise _Fail
        if after[0] != "_NL":
            raise _Fail
        self.line_end(after[1], after[2])
        return node, self.after_line()

    def document(self) -> list[SyntaxNode]:
        tok = self.lex("statement")
        if tok[0] == "_NL":  # start: _NL? statement*
            self.line_end(tok[1], tok[2])
            tok = self.after_line()
        nodes = self.nodes
        while tok[0] != _END:
            start = (tok[1], self.line, len(self.comments))
            node, tok = self.statement(tok, 1)
            nodes.append(node)
            self.last = start
        return nodes


class Attempt:
    """What the fast path read of a source. ``result``: its statements and comments, exactly
    as the lark path reads them, or ``None`` where the lark path must read it (errors above
    all). Then ``nodes`` are the top-level statements it read before the one it declined
    in, ``last`` where the last of them began (its offset in the source, its line, and how
    many of ``comments`` came before it), and ``comments`` those it read, in order; all
    empty when it declined before reading (a look-alike character, a grammar it was not
    written for)."""

    __slots__ = ("comments", "last", "nodes", "result")

    def __init__(
        self,
        result: tuple[list[SyntaxNode], list[CommentLine]] | None,
        nodes: list[SyntaxNode] | None = None,
        last: tuple[int, int, int] | None = None,
        comments: list[CommentLine] | None = None,
    ) -> None:
        self.result = result
        self.nodes: list[SyntaxNode] = nodes or []
        self.last = last
        self.comments: list[CommentLine] = comments or []


def attempt(source: str) -> Attempt:
    """Read ``source`` on the fast path (see :class:`Attempt`)."""
    lexers = _lexers()
    if lexers is None:
        return Attempt(None)
    text = source if source.endswith("\n") else source + "\n"
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep columns; a BOM is not content
    if not text.isascii():
        from .confusables import scan

        if scan(text):
            return Attempt(None)
    parser = _Parser(text, lexers)
    try:
        nodes = parser.document()
    except _Fail:
        return Attempt(None, parser.nodes, parser.last, parser.comments)
    return Attempt((nodes, sorted(parser.comments, key=lambda c: (c.span.line, c.span.column))))


def parse(source: str) -> tuple[list[SyntaxNode], list[CommentLine]] | None:
    """The statements and comments of valid ``.twl`` source, exactly as the lark path reads
    them; ``None`` for anything the lark path must handle (errors above all)."""
    return attempt(source).result
