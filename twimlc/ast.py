"""The .twl abstract syntax trees.

Two layers:

* the *syntax* tree (``Statement``, ``TextLine``, ``Arg``…), what the grammar saw, built
  by :mod:`twimlc.parser` without any knowledge of TwiML;
* the *typed* tree (``Document``, ``Element``, ``Text``, ``Attribute``, ``Comment``), where
  every keyword is resolved to its TwiML tag and every value has been checked against its
  attribute's type (:mod:`twimlc.resolve`). Generation, validation, fmt and decompile work
  on this one.

Every node carries a :class:`Span`. Equality of typed trees ignores spans (they are not in
``_compared``) so that "formatting did not change the meaning" is a plain ``==``.

The nodes are plain slotted classes with the behaviour of frozen dataclasses (``==`` and
``hash`` over their compared fields, a dataclass-style ``repr``, ``Span`` ordered), but
immutable by convention: nothing assigns to a node after building it, and nothing may
(build a new one). Enforced as ``@dataclass(frozen=True)`` they cost start-up (the methods
of 14 classes compiled at import, about 10 ms) and every node built (each field set through
``object.__setattr__``, about three times slower); see the speed notes in the README.
"""

from __future__ import annotations

from .dialect import TWILIO, Dialect
from .record import Record as _Node  # value semantics over _fields, _compared and _shown


class Span:
    """1-based line and column of the first character, and of the character after the last."""

    __slots__ = ("column", "end_column", "end_line", "line")

    line: int
    column: int
    end_line: int
    end_column: int

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column

    def _key(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        assert isinstance(other, Span)
        return (
            self.line == other.line
            and self.column == other.column
            and self.end_line == other.end_line
            and self.end_column == other.end_column
        )

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._key() >= other._key()

    def __repr__(self) -> str:
        return (
            f"Span(line={self.line!r}, column={self.column!r}, "
            f"end_line={self.end_line!r}, end_column={self.end_column!r})"
        )

    @staticmethod
    def point(line: int, column: int) -> Span:
        return Span(line, column, line, column + 1)


NOWHERE = Span(0, 0, 0, 0)


# --- syntax tree -----------------------------------------------------------------------


class Scalar(_Node):
    """A value as written: ``"quoted"`` (unescaped) or ``bare``."""

    __slots__ = ("quoted", "span", "text")
    _fields = ("text", "quoted", "span")

    text: str
    quoted: bool
    span: Span

    def __init__(self, text: str, quoted: bool, span: Span) -> None:
        self.text = text
        self.quoted = quoted
        self.span = span


class ListValue(_Node):
    """``[a "b c" d]``: whitespace-separated items."""

    __slots__ = ("items", "span")
    _fields = ("items", "span")

    items: tuple[Scalar, ...]
    span: Span

    def __init__(self, items: tuple[Scalar, ...], span: Span) -> None:
        self.items = items
        self.span = span


SyntaxValue = Scalar | ListValue


class Arg(_Node):
    """``name=value`` (``name`` set) or a positional value (``name`` is ``None``)."""

    __slots__ = ("name", "span", "value")
    _fields = ("name", "value", "span")

    name: str | None
    value: SyntaxValue
    span: Span

    def __init__(self, name: str | None, value: SyntaxValue, span: Span) -> None:
        self.name = name
        self.value = value
        self.span = span


class TextLine(_Node):
    """A quoted string standing alone as a statement: text content of the block."""

    __slots__ = ("span", "text")
    _fields = ("text", "span")

    text: str
    span: Span

    def __init__(self, text: str, span: Span) -> None:
        self.text = text
        self.span = span


class Statement(_Node):
    __slots__ = ("args", "body", "keyword", "keyword_span", "span")
    _fields = ("keyword", "keyword_span", "args", "body", "span")

    keyword: str
    keyword_span: Span
    args: tuple[Arg, ...]
    body: tuple[SyntaxNode, ...]
    span: Span

    def __init__(
        self, keyword: str, keyword_span: Span, args: tuple[Arg, ...], body: tuple[SyntaxNode, ...], span: Span
    ) -> None:
        self.keyword = keyword
        self.keyword_span = keyword_span
        self.args = args
        self.body = body
        self.span = span


class CommentLine(_Node):
    __slots__ = ("span", "text")
    _fields = ("text", "span")

    text: str  # without the leading '#'
    span: Span

    def __init__(self, text: str, span: Span) -> None:
        self.text = text
        self.span = span


class Invalid(_Node):
    """Lines the parser could not read (a syntax error, reported): the statement there and
    its block were skipped so that the rest of the file is still parsed and checked."""

    __slots__ = ("span",)
    _fields = ("span",)

    span: Span

    def __init__(self, span: Span) -> None:
        self.span = span


SyntaxNode = Statement | TextLine | CommentLine | Invalid


# --- typed tree ------------------------------------------------------------------------


class Attribute(_Node):
    """An XML attribute. ``value`` is a string, or a tuple of items for a list attribute
    written ``[a b]`` (joined with the attribute's separator when generated)."""

    __slots__ = ("name", "raw", "separator", "span", "value")
    _fields = ("name", "value", "raw", "separator", "span")
    _compared = ("name", "value", "raw", "separator")

    name: str
    value: str | tuple[str, ...]
    raw: bool  # written with the escape hatch, ``!name=value``
    separator: str
    span: Span

    def __init__(
        self, name: str, value: str | tuple[str, ...], raw: bool = False, separator: str = " ", span: Span = NOWHERE
    ) -> None:
        self.name = name
        self.value = value
        self.raw = raw
        self.separator = separator
        self.span = span

    def rendered(self) -> str:
        if isinstance(self.value, tuple):
            return self.separator.join(self.value)
        return self.value


class Text(_Node):
    __slots__ = ("span", "value")
    _fields = ("value", "span")
    _compared = ("value",)

    value: str
    span: Span

    def __init__(self, value: str, span: Span = NOWHERE) -> None:
        self.value = value
        self.span = span


class Comment(_Node):
    """A ``#`` comment; ``trailing`` ones stood at the end of the line before them."""

    __slots__ = ("span", "text", "trailing")
    _fields = ("text", "trailing", "span")
    _compared = ("text", "trailing")

    text: str
    trailing: bool
    span: Span

    def __init__(self, text: str, trailing: bool = False, span: Span = NOWHERE) -> None:
        self.text = text
        self.trailing = trailing
        self.span = span


class Element(_Node):
    __slots__ = ("attributes", "children", "raw", "span", "tag")
    _fields = ("tag", "attributes", "children", "raw", "span")
    _compared = ("tag", "attributes", "children", "raw")

    tag: str
    attributes: tuple[Attribute, ...]
    children: tuple[Node, ...]
    raw: bool  # written with the escape hatch, ``!Tag``
    span: Span

    def __init__(
        self,
        tag: str,
        attributes: tuple[Attribute, ...] = (),
        children: tuple[Node, ...] = (),
        raw: bool = False,
        span: Span = NOWHERE,
    ) -> None:
        self.tag = tag
        self.attributes = attributes
        self.children = children
        self.raw = raw
        self.span = span

    def attribute(self, name: str) -> Attribute | None:
        for a in self.attributes:
            if a.name == name:
                return a
        return None

    @property
    def elements(self) -> tuple[Element, ...]:
        return tuple(c for c in self.children if isinstance(c, Element))

    @property
    def text(self) -> str:
        """All direct text content, concatenated."""
        return "".join(c.value for c in self.children if isinstance(c, Text))


class Param(_Node):
    """A template parameter: ``param NAME TYPE [default=VALUE]``; used as ``{{NAME}}``."""

    __slots__ = ("default", "name", "name_span", "span", "type", "values")
    _fields = ("name", "type", "values", "default", "span", "name_span")
    _compared = ("name", "type", "values", "default")

    name: str
    type: str  # string, integer, boolean, phone, url, digits, enum
    values: tuple[str, ...]  # for enum
    default: str | None
    span: Span
    name_span: Span  # the NAME in the declaration

    def __init__(
        self,
        name: str,
        type: str,
        values: tuple[str, ...] = (),
        default: str | None = None,
        span: Span = NOWHERE,
        name_span: Span = NOWHERE,
    ) -> None:
        self.name = name
        self.type = type
        self.values = values
        self.default = default
        self.span = span
        self.name_span = name_span


Node = Element | Text | Comment | Param

KINDS = ("voice", "messaging", "fax")


class Document(_Node):
    """A whole TwiML document: the ``<Response>`` of a voice, messaging or fax reply."""

    __slots__ = ("attributes", "body", "dialect", "header_line", "kind", "kind_explicit", "preamble", "span", "target")
    _fields = ("kind", "body", "kind_explicit", "attributes", "span", "preamble", "header_line", "dialect", "target")
    _compared = ("kind", "body", "kind_explicit", "attributes", "preamble", "target")
    _shown = ("kind", "body", "kind_explicit", "attributes", "span", "preamble", "header_line", "target")

    kind: str
    body: tuple[Node, ...]
    kind_explicit: bool  # the source said ``twiml <kind>``
    attributes: tuple[Attribute, ...]  # on <Response>; only raw ones exist
    span: Span
    # comments above the ``twiml`` header line, and one trailing it (``trailing=True``)
    preamble: tuple[Comment, ...]
    header_line: int
    # the provider's TwiML it was read and checked as (its vocabulary, limits, codes)
    dialect: Dialect
    target: str  # the header's ``target=`` (a dialect's name), kept as written for fmt

    def __init__(
        self,
        kind: str,
        body: tuple[Node, ...] = (),
        kind_explicit: bool = False,
        attributes: tuple[Attribute, ...] = (),
        span: Span = NOWHERE,
        preamble: tuple[Comment, ...] = (),
        header_line: int = 0,
        dialect: Dialect = TWILIO,
        target: str = "",
    ) -> None:
        self.kind = kind
        self.body = body
        self.kind_explicit = kind_explicit
        self.attributes = attributes
        self.span = span
        self.preamble = preamble
        self.header_line = header_line
        self.dialect = dialect
        self.target = target

    @property
    def elements(self) -> tuple[Element, ...]:
        return tuple(c for c in self.body if isinstance(c, Element))

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(c for c in self.body if isinstance(c, Param))


def walk(nodes: tuple[Node, ...]) -> list[Element]:
    """Every element below ``nodes``, depth first, in document order."""
    out: list[Element] = []
    stack = [n for n in reversed(nodes) if isinstance(n, Element)]
    while stack:
        e = stack.pop()
        out.append(e)
        stack.extend(c for c in reversed(e.children) if isinstance(c, Element))
    return out
