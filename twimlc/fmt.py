"""``fmt``: the canonical layout of ``.twl`` source, with black's guarantees checked at run
time: the formatted source parses to the same tree (spans aside), and formatting it again
changes nothing. If either fails, the source is left as it was (``TWL904``).

Like black and ruff format, fmt formats any file that parses: only a syntax error
(TWL001–TWL004, TWL010) stops it, and it says nothing of what ``check`` would report. A
file ``check`` has nothing against is printed from its typed tree. A file with other errors
(a bad value, an unknown keyword or attribute, a misplaced block…) is printed from its
syntax tree, as written, in the same layout: the resolver drops what it cannot type, so
printing its tree would lose text. The guarantees then hold for the syntax tree.
"""

from __future__ import annotations

from . import printer
from .ast import (
    Attribute,
    CommentLine,
    Document,
    Element,
    ListValue,
    Node,
    Scalar,
    Span,
    Statement,
    SyntaxNode,
    SyntaxValue,
    Text,
    TextLine,
)
from .diagnostics import Diagnostic, TwimlcError, diag
from .dialect import TWILIO, Dialect

# What stops fmt: the parser could not read a statement (it skipped it).
SYNTAX_CODES = frozenset({"TWL001", "TWL002", "TWL003", "TWL004", "TWL010"})


def format_with_diagnostics(source: str, path: str = "<string>") -> tuple[str | None, list[Diagnostic]]:
    """The formatted source and the diagnostics of reading it; ``None`` (leave the file as
    it is) with the syntax errors when it does not parse, or with TWL904 when a guarantee
    would break. Never raises for bad input."""
    from .api import read
    from .printer import print_document

    doc, diagnostics = read(source, path)
    syntax = [d for d in diagnostics if d.code in SYNTAX_CODES]
    if syntax:
        return None, syntax
    if any(d.is_error for d in diagnostics):
        formatted, problem = _format_as_written(source, doc.dialect)
        return (None, [_refused(problem, path)]) if problem else (formatted, diagnostics)
    formatted = print_document(doc)
    again, problems = read(formatted, path)
    if any(d.is_error for d in problems) or again != doc:
        return None, [_refused("formatting would change what this file means; it was left untouched", path)]
    if print_document(again) != formatted:
        return None, [_refused("formatting is not stable on this file; it was left untouched", path)]
    return formatted, diagnostics


def _format_as_written(source: str, dialect: Dialect) -> tuple[str, str | None]:
    """:func:`format_as_written`, with the guarantees checked on the syntax tree: the
    formatted text, and why it must not be used (or ``None``)."""
    from .parser import parse_syntax

    nodes, comments, _ = parse_syntax(source)
    formatted = _print(nodes, comments, dialect)
    again, again_comments, errors = parse_syntax(formatted)
    if errors or _shape(again) != _shape(nodes) or _texts(again_comments) != _texts(comments):
        return formatted, "formatting would change what this file means; it was left untouched"
    if _print(again, again_comments, dialect) != formatted:
        return formatted, "formatting is not stable on this file; it was left untouched"
    return formatted, None


def format_as_written(source: str, dialect: Dialect = TWILIO) -> str:
    """``source`` (which parses) in the canonical layout, printed from its syntax tree:
    every keyword, value and attribute as written, whether or not it is valid TwiML."""
    from .parser import parse_syntax

    nodes, comments, _ = parse_syntax(source)
    return _print(nodes, comments, dialect)


def _print(nodes: list[SyntaxNode], comments: list[CommentLine], dialect: Dialect) -> str:
    from .comments import attach_comments

    extra: dict[Span, tuple[SyntaxValue, ...]] = {}
    tree = attach_comments(_as_elements(nodes, extra), comments)
    out = _AsWritten(dialect, extra)
    out.block(tree, 0)
    return "\n".join(out.lines) + "\n" if out.lines else ""


def _as_elements(
    nodes: list[SyntaxNode] | tuple[SyntaxNode, ...], extra: dict[Span, tuple[SyntaxValue, ...]]
) -> tuple[Node, ...]:
    """Statements as elements the printer lays out, unchecked: the tag is the keyword as
    written, attribute names keep their ``!``, the first positional value is the text (as
    the resolver reads it); further positional values (an error, kept) go in ``extra``,
    by the statement's span."""
    out: list[Node] = []
    for n in nodes:
        if isinstance(n, TextLine):
            out.append(Text(n.text, n.span))
        elif isinstance(n, Statement):
            positional = [a.value for a in n.args if a.name is None]
            children: list[Node] = []
            if positional and isinstance(positional[0], Scalar):
                children.append(Text(positional[0].text, positional[0].span))
                positional = positional[1:]
            if positional:
                extra[n.span] = tuple(positional)
            attributes = tuple(
                Attribute(_name(n, a.name), _plain(a.value), False, " ", a.span) for a in n.args if a.name is not None
            )
            children.extend(_as_elements(n.body, extra))
            out.append(Element(n.keyword, attributes, tuple(children), False, n.span))
        # an Invalid node (a syntax error) is not reached: such a file is not formatted
    return tuple(out)


def _name(s: Statement, name: str) -> str:
    """An attribute's name as fmt writes it: as written, but with ``!`` on every attribute
    of a ``!Tag`` (all are passed through unchecked there)."""
    return "!" + name if s.keyword.startswith("!") and not name.startswith("!") else name


def _plain(v: SyntaxValue) -> str | tuple[str, ...]:
    return tuple(i.text for i in v.items) if isinstance(v, ListValue) else v.text


class _AsWritten(printer.Printer):
    """The printer's layout for :func:`_as_elements`' elements: the keyword as written;
    text quoted where the tag the keyword names is spoken (or the keyword is ``!Tag``), as
    for a typed tree; then any further positional values."""

    def __init__(self, dialect: Dialect, extra: dict[Span, tuple[SyntaxValue, ...]]) -> None:
        super().__init__(Document("voice", dialect=dialect))
        self.dialect = dialect
        self.extra = extra

    def keyword(self, e: Element) -> str:
        return e.tag

    def values(self, e: Element, text: str | None) -> list[str]:
        spoken = e.tag.startswith("!") or self.dialect.tag_of_keyword(e.tag) in printer.SPOKEN
        out = [] if text is None else [printer.quote(text) if spoken else printer.value(text)]
        for v in self.extra.get(e.span, ()):
            if isinstance(v, ListValue):
                out.append("[" + " ".join(printer.value(i.text) for i in v.items) + "]")
            else:
                out.append(printer.quote(v.text) if spoken else printer.value(v.text))
        return out


Shape = tuple[object, ...]


def _shape(nodes: list[SyntaxNode] | tuple[SyntaxNode, ...]) -> Shape:
    """What a syntax tree says, spans and layout aside: a statement's first positional value
    is text, as a text line in its block is (``say "Hi"`` is ``say:`` + ``"Hi"``); the
    attributes of a ``!Tag`` are unchecked, written with ``!`` or not."""
    out: list[object] = []
    for n in nodes:
        if isinstance(n, TextLine):
            out.append(("text", n.text))
        elif isinstance(n, Statement):
            positional = [_plain(a.value) for a in n.args if a.name is None]
            texts: list[object] = []
            if positional and isinstance(positional[0], str):
                texts.append(("text", positional.pop(0)))
            named = tuple((_name(n, a.name), _plain(a.value)) for a in n.args if a.name is not None)
            out.append((n.keyword, tuple(positional), named, tuple(texts) + _shape(n.body)))
        else:
            out.append(("invalid",))
    return tuple(out)


def _texts(comments: list[CommentLine]) -> list[str]:
    return [c.text for c in comments]


def _refused(message: str, path: str) -> Diagnostic:
    return diag("TWL904", message, Span(1, 1, 1, 2), "please report it with the file", path)


def format(source: str, filename: str = "<string>") -> str:
    """``.twl`` source in the canonical layout (library API); raises :class:`TwimlcError`
    when the source has a syntax error or fmt would not keep its meaning."""
    from .api import SOURCE, require

    require("format", "source", source, str, SOURCE)
    require("format", "filename", filename, str, "a name (str)")
    formatted, diagnostics = format_with_diagnostics(source, filename)
    if formatted is None:
        raise TwimlcError(diagnostics)
    return formatted
