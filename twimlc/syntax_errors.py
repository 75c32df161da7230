"""Syntax errors in words: lark's ``UnexpectedInput`` turned into a coded diagnostic that
says what was expected ("a value", "end of line", "an indented block") with a hint for
the common mistakes, and how the parser should recover from it."""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .ast import Span
from .diagnostics import Diagnostic, diag

_TERMINAL_WORDS = {
    "KEYWORD": "a keyword",
    "ATTRNAME": "an attribute (name=value)",
    "ATTRBARE": "an attribute (name=value)",
    "BARE": "a value",
    "STRING": 'a quoted string ("…")',
    "LSQB": "'['",
    "RSQB": "']'",
    "COLON": "':'",
    "_NL": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "end of block",
    "$END": "end of file",
}


def _expected(names: set[str]) -> str:
    words = sorted({_TERMINAL_WORDS.get(n, n) for n in names if not n.startswith("__")})
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _line_of(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _line(code: str, message: str, span: Span, hint: str | None) -> tuple[Diagnostic, str]:
    return diag(code, message, span, hint), "line"


def _header(code: str, message: str, span: Span, hint: str | None) -> tuple[Diagnostic, str]:
    return diag(code, message, span, hint), "header"


def syntax_diagnostic(e: UnexpectedInput, source: str) -> tuple[Diagnostic, str]:
    """The error in words, and how to recover from it (see :func:`_skip`)."""
    line = getattr(e, "line", 1) or 1
    column = getattr(e, "column", 1) or 1
    text = _line_of(source, line)
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        ch = source[pos] if pos < len(source) else ""
        if ch == '"':
            rest = text[column - 1 :]
            if re.match(r'"[^"\\]*(?:\\.[^"\\]*)*"', rest) is None:
                return _line(
                    "TWL002",
                    "unterminated string",
                    Span(line, column, line, len(text) + 1),
                    'close it with " on the same line; write a line break as \\n',
                )
        if ch == "\t" or (ch == " " and column == 1):
            return _indentation_problem("unexpected indentation", source, line, Span.point(line, column), None)
        expected = _expected(set(e.allowed or ()))
        hint = None
        if ch == "#":
            hint = 'a comment needs a space before "#"; to use "#" as a value, quote it: "#"'
        elif ch == "=":
            hint = "write name=value with no spaces around '='"
        what = f"unexpected character {ch!r}" if ch else "unexpected end of file"
        return _line("TWL001", what + (f"; expected {expected}" if expected else ""), Span.point(line, column), hint)
    if isinstance(e, UnexpectedToken):
        tok = e.token
        expected = _expected(set(e.expected or ()))
        if tok.type == "_INDENT":
            # lark places INDENT at the end of the line before; point at the indented line
            line, width = _next_code_line(source, line)
            return _indentation_problem(
                "unexpected indentation",
                source,
                line,
                Span(line, 1, line, width + 1),
                "only a line ending in ':' opens an indented block",
            )
        if ("_INDENT" in (e.expected or ()) and tok.type != "_NL") or _after_colon(source, line, column):
            end = tok.end_column if tok.end_column and tok.end_line == line and tok.end_column > column else column + 1
            return _header(
                "TWL004",
                "expected an indented block after ':'",
                Span(line, column, line, end),
                "indent the statements that belong to the block, or put one after the ':' on the same line",
            )
        backslash = _continued_at_end(source, tok) if tok.type in ("$END", "_DEDENT") else None
        if backslash is not None:  # lark places the end of file at the last token: point at the '\'
            return _line(
                "TWL001",
                f"unexpected end of file after '\\'; expected {expected}",
                Span(*backslash, backslash[0], backslash[1] + 1),
                "a '\\' at the end of a line continues the statement on the next line; nothing follows it",
            )
        if tok.type == "$END":  # lark places it at the last token: point where that ends
            at = (tok.end_line, tok.end_column) if tok.end_line and tok.end_column else (line, column)
            return _line("TWL001", f"unexpected end of file; expected {expected}", Span.point(*at), None)
        shown = "end of line" if tok.type == "_NL" else repr(str(tok))
        hint = None
        if tok.type == "_NL" and "_INDENT" in (e.expected or ()):
            hint = "a line ending in ':' must be followed by an indented block"
        elif tok.type == "BARE" and "KEYWORD" in (e.expected or ()):
            hint = "each statement starts with a keyword such as say, play, gather, dial"
        end = (tok.end_column or column + 1) if tok.type != "_NL" else column + 1
        return _line("TWL001", f"unexpected {shown}; expected {expected}", Span(line, column, line, end), hint)
    if isinstance(e, UnexpectedEOF):
        return _line("TWL001", "unexpected end of file", Span.point(line, column), None)
    return _line("TWL001", str(e).splitlines()[0], Span.point(line, column), None)


_CONTINUATION_AT_END = re.compile(r"[\t ]*\\[\t ]*\r?\n\s*\Z")  # a line continuation with nothing after it


def _continued_at_end(source: str, tok: Token) -> tuple[int, int] | None:
    """Where the ``\\`` is (line, column), when only a line continuation follows ``tok``
    (the last token) to the end of the file."""
    if not tok.end_line or not tok.end_column:
        return None
    lines = source.split("\n")
    offset = sum(len(text) + 1 for text in lines[: tok.end_line - 1]) + tok.end_column - 1
    if _CONTINUATION_AT_END.match(source, offset) is None:
        return None
    at = source.index("\\", offset)
    return source.count("\n", 0, at) + 1, at - source.rfind("\n", 0, at)


def _after_colon(source: str, line: int, column: int) -> bool:
    """Whether the error is at the start of a line that follows a line ending in ':'."""
    lines = source.splitlines()
    if not (0 < line <= len(lines)) or lines[line - 1][: column - 1].strip():
        return False
    for number in range(line - 1, 0, -1):
        code = re.sub(r"(^|\s)#.*$", "", lines[number - 1]).rstrip()
        if code:
            return code.endswith(":")
    return False


def _next_code_line(source: str, after: int) -> tuple[int, int]:
    """The first line after ``after`` that holds code, and the width of its indentation."""
    lines = source.splitlines()
    for number in range(after + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.lstrip(" \t")
        if stripped and not stripped.startswith("#"):
            return number, len(text) - len(stripped)
    return after, 0


def dedent_diagnostic(source: str, line: int) -> tuple[Diagnostic, str]:
    """A line indented less than its block but not as any block around it."""
    message = "unindent does not match any outer indentation level"
    return _indentation_problem(message, source, line, Span.point(line, 1), None)


TAB_COLUMNS = 8  # as the indenter counts a tab


def _indentation_problem(message: str, source: str, line: int, span: Span, hint: str | None) -> tuple[Diagnostic, str]:
    """TWL004 for a line whose indentation does not fit; when it and the block before it
    mix tabs and spaces, said in words (a tab counts 8 columns, which an editor may show
    as 4: the cause is invisible otherwise)."""
    lines = source.split("\n")
    mine = _leading(lines[line - 1]) if 0 < line <= len(lines) else ""
    block = next(
        (
            _leading(text)
            for text in reversed(lines[: max(line - 1, 0)])
            if text.strip(" \t\r") and not text.lstrip(" \t").startswith("#")
        ),
        "",
    )
    if ("\t" in mine + block) and (" " in mine + block) and mine and block:
        message = "indentation mixes tabs and spaces"
        hint = f"this line is indented with {_described(mine)}, the block with {_described(block)}: indent with spaces only"
    return diag("TWL004", message, span, hint), "indent"


def _leading(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def _described(indent: str) -> str:
    columns = len(indent.expandtabs(TAB_COLUMNS))
    tabs = indent.count("\t")
    if tabs == len(indent):
        return f"a tab ({columns} columns)" if tabs == 1 else f"{tabs} tabs ({columns} columns)"
    if not tabs:
        return f"{columns} space" + ("s" if columns != 1 else "")
    return f"tabs and spaces ({columns} columns)"
