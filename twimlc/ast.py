"""The .twl abstract syntax trees.

Two layers, both frozen and slotted:

* the *syntax* tree (``Statement``, ``TextLine``, ``Arg``…), what the grammar saw, built
  by :mod:`twimlc.parser` without any knowledge of TwiML;
* the *typed* tree (``Document``, ``Element``, ``Text``, ``Attribute``, ``Comment``), where
  every keyword is resolved to its TwiML tag and every value has been checked against its
  attribute's type (:mod:`twimlc.resolve`). Generation, validation, fmt and decompile work
  on this one.

Every node carries a :class:`Span`. Equality of typed trees ignores spans (``compare=False``)
so that "formatting did not change the meaning" is a plain ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dialect import TWILIO, Dialect


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """1-based line and column of the first character, and of the character after the last."""

    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(line: int, column: int) -> Span:
        return Span(line, column, line, column + 1)


NOWHERE = Span(0, 0, 0, 0)


# --- syntax tree -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scalar:
    """A value as written: ``"quoted"`` (unescaped) or ``bare``."""

    text: str
    quoted: bool
    span: Span


@dataclass(frozen=True, slots=True)
class ListValue:
    """``[a "b c" d]``: whitespace-separated items."""

    items: tuple[Scalar, ...]
    span: Span


SyntaxValue = Scalar | ListValue


@dataclass(frozen=True, slots=True)
class Arg:
    """``name=value`` (``name`` set) or a positional value (``name`` is ``None``)."""

    name: str | None
    value: SyntaxValue
    span: Span


@dataclass(frozen=True, slots=True)
class TextLine:
    """A quoted string standing alone as a statement: text content of the block."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Statement:
    keyword: str
    keyword_span: Span
    args: tuple[Arg, ...]
    body: tuple[SyntaxNode, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CommentLine:
    text: str  # without the leading '#'
    span: Span


@dataclass(frozen=True, slots=True)
class Invalid:
    """Lines the parser could not read (a syntax error, reported): the statement there and
    its block were skipped so that the rest of the file is still parsed and checked."""

    span: Span


SyntaxNode = Statement | TextLine | CommentLine | Invalid


# --- typed tree ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribute:
    """An XML attribute. ``value`` is a string, or a tuple of items for a list attribute
    written ``[a b]`` (joined with the attribute's separator when generated)."""

    name: str
    value: str | tuple[str, ...]
    raw: bool = False  # written with the escape hatch, ``!name=value``
    separator: str = " "
    span: Span = field(default=NOWHERE, compare=False)

    def rendered(self) -> str:
        if isinstance(self.value, tuple):
            return self.separator.join(self.value)
        return self.value


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``#`` comment; ``trailing`` ones stood at the end of the line before them."""

    text: str
    trailing: bool = False
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Element:
    tag: str
    attributes: tuple[Attribute, ...] = ()
    children: tuple[Node, ...] = ()
    raw: bool = False  # written with the escape hatch, ``!Tag``
    span: Span = field(default=NOWHERE, compare=False)

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


@dataclass(frozen=True, slots=True)
class Param:
    """A template parameter: ``param NAME TYPE [default=VALUE]``; used as ``{{NAME}}``."""

    name: str
    type: str  # string, integer, boolean, phone, url, digits, enum
    values: tuple[str, ...] = ()  # for enum
    default: str | None = None
    span: Span = field(default=NOWHERE, compare=False)
    name_span: Span = field(default=NOWHERE, compare=False)  # the NAME in the declaration


Node = Element | Text | Comment | Param

KINDS = ("voice", "messaging", "fax")


@dataclass(frozen=True, slots=True)
class Document:
    """A whole TwiML document: the ``<Response>`` of a voice, messaging or fax reply."""

    kind: str
    body: tuple[Node, ...] = ()
    kind_explicit: bool = False  # the source said ``twiml <kind>``
    attributes: tuple[Attribute, ...] = ()  # on <Response>; only raw ones exist
    span: Span = field(default=NOWHERE, compare=False)
    # comments above the ``twiml`` header line, and one trailing it (``trailing=True``)
    preamble: tuple[Comment, ...] = ()
    header_line: int = field(default=0, compare=False)
    # the provider's TwiML it was read and checked as (its vocabulary, limits, codes)
    dialect: Dialect = field(default=TWILIO, compare=False, repr=False)
    target: str = ""  # the header's ``target=`` (a dialect's name), kept as written for fmt

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
