"""Typed tree → ``.twl`` source, in the one canonical layout.

Used by ``fmt`` (print what was parsed) and ``decompile`` (print what was read from XML).
The layout:

* four spaces per block level; one statement per line;
* an element whose only content is one text prints it as the positional value
  (``say "Hi"``); otherwise its text and children go in an indented block, text as
  quoted lines, exactly as they are;
* values bare where the lexer reads them back unchanged, else double-quoted with escapes;
  lists as ``[a b]``; attributes in the order written;
* comments where they were (a trailing one two spaces after its statement);
* blank lines between statements kept, but never more than one;
* a statement longer than 100 characters puts each attribute on its own continuation line
  (``\\`` at the end of the line before), indented one level deeper.
"""

from __future__ import annotations

import re

from .ast import Attribute, Comment, Document, Element, Node, Param, Text
from .params import LITERAL
from .vocabulary import HEADER_KEYWORD

INDENT = "    "
# Text that is spoken or sent is always quoted; identifiers, numbers and URLs are bare
# where they can be (``play https://…``, ``number +1555…``, ``client alice``).
SPOKEN = frozenset(
    {
        "Say",
        "Message",
        "Body",
        "Sms",
        "Task",
        "break",
        "emphasis",
        "lang",
        "p",
        "phoneme",
        "prosody",
        "s",
        "say-as",
        "sub",
        "w",
    }
)
MAX_WIDTH = 100

# What the lexer reads back as one bare value (grammar/twl.lark, BARE).
_BARE = re.compile(r'[^\s"\[\]#=:\\]([^\s"\[\]]*[^\s"\[\]:])?\Z')
_BARE_AFTER_EQUALS = re.compile(r'#([^\s"\[\]]*[^\s"\[\]:])?\Z')
_ATTRNAME_PREFIX = re.compile(r"!?[A-Za-z_][A-Za-z0-9_.:-]*=")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(text: str) -> str:
    if LITERAL in text:  # a literal "{{" (not a placeholder) is written \{{
        return '"' + "\\{{".join(quote(part)[1:-1] for part in text.split(LITERAL)) + '"'
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF or ch in "\u2028\u2029\x85":
            out.append(f"\\u{{{ord(ch):X}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def value(text: str, after_equals: bool = False) -> str:
    """``text`` bare when the lexer reads it back as the same bare value, else quoted."""
    if LITERAL in text:
        return quote(text)
    if _BARE.match(text) and not _ATTRNAME_PREFIX.match(text) and not text.startswith("!"):
        return text
    if after_equals and _BARE_AFTER_EQUALS.match(text):
        return text
    return quote(text)


def attribute(a: Attribute) -> str:
    name = ("!" if a.raw else "") + a.name
    if isinstance(a.value, tuple):
        return f"{name}=[" + " ".join(value(v) for v in a.value) + "]"
    return f"{name}={value(a.value, after_equals=True)}"


class Printer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.vocab = doc.dialect.vocabulary(doc.kind)
        self.lines: list[str] = []
        self.last_line = 0  # source line of the last statement printed (for blank lines)

    def keyword(self, e: Element) -> str:
        if e.raw:
            return "!" + e.tag
        return self.vocab.elements[e.tag].keyword

    def run(self) -> str:
        doc = self.doc
        if doc.kind_explicit or doc.attributes or doc.preamble or doc.target or self._inferred_kind() != doc.kind:
            self.block(tuple(c for c in doc.preamble if not c.trailing), 0)
            self.blank_line_at(doc.header_line)  # a header comment keeps its blank line
            target = [f"target={doc.target}"] if doc.target else []
            self.emit(0, " ".join([HEADER_KEYWORD, doc.kind, *target, *(attribute(a) for a in doc.attributes)]), None)
            for c in doc.preamble:
                if c.trailing:
                    self.trail(c)
            self.last_line = doc.header_line
        self.block(doc.body, 0)
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def _inferred_kind(self) -> str:
        for e in self.doc.elements:
            if not e.raw:
                kinds = self.doc.dialect.kinds_with_keyword(self.keyword(e))
                if len(kinds) == 1:
                    return kinds[0]
        return "voice"

    def blank_line_before(self, node: Node) -> None:
        self.blank_line_at(node.span.line)

    def blank_line_at(self, line: int) -> None:
        """One blank line before source line ``line`` when the source had any."""
        if line and self.last_line and line > self.last_line + 1 and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def emit(self, depth: int, text: str, node: Node | None) -> None:
        if node is not None:
            self.blank_line_before(node)
        self.lines.append(INDENT * depth + text)
        if node is not None and node.span.line:
            has_block = isinstance(node, Element) and len(node.children) > 1
            self.last_line = node.span.line if has_block else node.span.end_line

    def trail(self, comment: Comment) -> None:
        self.lines[-1] += "  #" + comment.text
        if comment.span.line:
            self.last_line = max(self.last_line, comment.span.line)

    def block(self, nodes: tuple[Node, ...], depth: int) -> None:
        if nodes and depth:
            self.last_line = max(self.last_line, nodes[0].span.line - 1)  # no blank line after "…:"
        for i, node in enumerate(nodes):
            if isinstance(node, Comment):
                if node.trailing and i > 0 and self.lines:
                    self.trail(node)
                else:
                    for part in node.text.split("\n"):
                        self.emit(depth, "#" + part, node)
            elif isinstance(node, Text):
                self.emit(depth, quote(node.value), node)
            elif isinstance(node, Param):
                kind = "[" + " ".join(value(v) for v in node.values) + "]" if node.type == "enum" else node.type
                default = f" default={value(node.default, after_equals=True)}" if node.default is not None else ""
                self.emit(depth, f"param {node.name} {kind}{default}", node)
            else:
                self.element(node, depth)

    def values(self, e: Element, text: str | None) -> list[str]:
        """What is written between the keyword and the attributes: the element's text, when
        it is all the element holds (``text``)."""
        if text is None:
            return []
        return [quote(text) if e.raw or e.tag in SPOKEN else value(text)]

    def element(self, e: Element, depth: int) -> None:
        lead_comments: list[Comment] = []
        children = list(e.children)
        while children and isinstance(children[0], Comment) and children[0].trailing:
            lead_comments.append(children[0])
            children.pop(0)
        positional = None
        only = children[0] if len(children) == 1 else None
        if isinstance(only, Text):
            positional = only.value
            children = []
        parts = [self.keyword(e), *self.values(e, positional)]
        attrs = [attribute(a) for a in e.attributes]
        colon = ":" if children else ""
        line = " ".join(parts + attrs) + colon
        if len(INDENT * depth + line) > MAX_WIDTH and attrs:
            head = " ".join(parts)
            continued = [head + " \\"] + [INDENT + a + " \\" for a in attrs[:-1]] + [INDENT + attrs[-1] + colon]
            self.emit(depth, continued[0], e)
            for rest in continued[1:]:
                self.lines.append(INDENT * depth + rest)
        else:
            self.emit(depth, line, e)
        for comment in lead_comments:
            self.trail(comment)
        if children:
            self.block(tuple(children), depth + 1)


def print_document(doc: Document) -> str:
    """The canonical ``.twl`` text of ``doc``."""
    return Printer(doc).run()
