"""TwiML XML → the same syntax nodes ``.twl`` produces, through a hardened parser.

Reading XML into :class:`~twimlc.ast.Statement` nodes lets one resolver check both
languages with the same rules and codes. The parser never expands entities, never loads a
DTD or anything over the network, refuses any ``<!DOCTYPE``, and bounds size and depth,
so hostile input (billion laughs, external entities, 10,000-deep nesting, huge files)
gets a coded error quickly and nothing outside the file is read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lxml import etree

from . import params as template_params
from .ast import NOWHERE, Arg, CommentLine, Scalar, Span, Statement, SyntaxNode, TextLine
from .diagnostics import Diagnostic, diag
from .dialect import MAX_NESTING, TWILIO, Dialect, Limits, takes_no_text
from .dialect import MAX_READ_BYTES as MAX_BYTES
from .values import number_problem, url_problem, value_problem
from .vocabulary import KINDS, ValueType, Vocabulary

MAX_DEPTH = MAX_NESTING  # TwiML nests a handful of levels; deeper is hostile or broken
_TOO_DEEP = etree.XPath(f"boolean(//*[count(ancestor::*) >= {MAX_DEPTH}])")
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
SPEECH = "Say"  # inside it white space is spoken, not layout (canonical.py keeps it too)


_LOCAL = threading.local()


def _parser(undeclared_prefixes: bool = False) -> etree.XMLParser:
    """The hardened parser, one per thread (lxml parsers may not be shared between
    threads; reusing one within a thread saves building it per file). The second one
    recovers, and is used only for documents whose only fault is a namespace prefix that
    nothing declares (see :func:`undeclared_prefixes_only`)."""
    name = "lenient" if undeclared_prefixes else "parser"
    parser: etree.XMLParser | None = getattr(_LOCAL, name, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_pis=True,
            recover=undeclared_prefixes,
        )
        setattr(_LOCAL, name, parser)
    return parser


def undeclared_prefixes_only(log: etree._ListErrorLog) -> bool:
    """Whether every error libxml2 logged is a namespace prefix that nothing declares.

    Twilio's docs write Amazon Polly's SSML inside <Say> as ``<amazon:effect>``, with no
    declaration: well-formed XML 1.0, though not namespace-well-formed. libxml2 logs the
    prefix as a (non-fatal) namespace error and keeps parsing, so any real fault in the
    document is in the log too."""
    return len(log) > 0 and all(e.type_name == "NS_ERR_UNDEFINED_NAMESPACE" for e in log)


def fromstring(data: bytes, parser: etree.XMLParser, lenient: etree.XMLParser) -> etree._Element:
    """``data`` parsed by ``parser``, or by ``lenient`` (the same settings, recovering) when
    the only errors are undeclared namespace prefixes; raises XMLSyntaxError otherwise."""
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        if not undeclared_prefixes_only(parser.error_log):
            raise
    return etree.fromstring(data, lenient)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def parse_xml(data: bytes, path: str) -> tuple[etree._Element | None, list[Diagnostic]]:
    """Parse bytes as XML, safely. Returns the root or a coded diagnostic."""

    def refuse(code: str, message: str, span: Span, hint: str) -> tuple[None, list[Diagnostic]]:
        return None, [diag(code, message, span, hint, path)]

    start = Span(1, 1, 1, 2)
    if len(data) > MAX_BYTES:
        return refuse(
            "TWL007",
            f"file is {len(data):,} bytes; twimlc reads XML up to {MAX_BYTES:,}",
            start,
            "Twilio refuses TwiML over 64 kB (11750)",
        )
    bang = data.find(b"<!")  # a comment, CDATA or DOCTYPE: only then is the search needed
    m = _DOCTYPE.search(data, bang) if bang >= 0 else None
    if m:
        line, col = _position(data, m.start())
        return refuse(
            "TWL007",
            "a DOCTYPE is not allowed in TwiML (entities and DTDs are never loaded)",
            Span(line, col, line, col + 9),
            "remove the <!DOCTYPE …> declaration",
        )
    stripped = data.lstrip(b"\xef\xbb\xbf")
    if stripped[:1].isspace() and stripped.lstrip().startswith(b"<?xml"):
        return refuse(
            "TWL006",
            "text before the XML declaration",
            start,
            "Twilio rejects this with 12100: remove the blank lines or spaces before <?xml",
        )
    try:
        root = fromstring(data, _parser(), _parser(undeclared_prefixes=True))
    except etree.XMLSyntaxError as e:
        line, col = e.position if e.position else (1, 1)
        code, message, hint = in_words(str(e.msg or e), int(getattr(e, "code", 0) or 0))
        control = _CONTROL.search(data)
        if control is not None and code == "TWL006" and b"<" not in data[: control.start()]:
            # libxml2 stops at a control byte before any markup and calls the file empty, or
            # without a start: it is neither, it is not text
            line, col = _position(data, control.start())
            return refuse(
                "TWL006",
                f"malformed XML: byte 0x{data[control.start()]:02x}, a control character: the file is binary, "
                "not XML text",
                Span.point(line, col),
                "TwiML is UTF-8 text: is this the right file?",
            )
        return refuse(code, message, Span.point(line or 1, max(col, 1)), hint)
    if _may_nest_too_deep(data) and _TOO_DEEP(root):
        return refuse("TWL007", f"elements nest more than {MAX_DEPTH} deep", start, "TwiML never nests this deep")
    return root, []


def _may_nest_too_deep(data: bytes) -> bool:
    """Whether the document could hold an element ``MAX_DEPTH`` deep: not when it has no
    more '<' than that (each element starts with one), which saves the depth XPath (a call
    into libxml2 per file) for nearly every real document. Only where the markup is ASCII's
    (the first byte after a UTF-8 BOM and blanks is '<'); any other encoding is walked."""
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()
    return not head.startswith(b"<") or data.count(b"<") > MAX_DEPTH


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # bytes no XML text holds
_MALFORMED_HINT = "Twilio rejects documents it cannot parse with 12100"
_LIMIT_HINT = "TwiML is far smaller: Twilio refuses replies over 64 kB (11750)"
_START_HINT = "a TwiML document is <Response>…</Response>"

# libxml2's messages in words for users: (pattern, code, message, hint), where message and
# hint may use the pattern's groups; the first match wins. Limits of the hardened parser are
# TWL007, anything else is malformed XML (TWL006). Never shown: libxml2's function names,
# its option names (XML_PARSE_HUGE), or the text it quotes after a line break.
_IN_WORDS = tuple(
    (re.compile(pattern), code, message, hint)
    for pattern, code, message, hint in (
        (r"Excessive depth", "TWL007", f"elements nest more than {MAX_DEPTH} deep", "TwiML never nests this deep"),
        (r"Text node too long|huge text node", "TWL007", "a text is over 10,000,000 characters", _LIMIT_HINT),
        (r"Buffer size limit|AttValue length too long", "TWL007", "a value is over 10,000,000 characters", _LIMIT_HINT),
        (r"Name too long", "TWL007", "a name is over 50,000 characters", _LIMIT_HINT),
        (r"Comment too big", "TWL007", "a comment is over 10,000,000 characters", _LIMIT_HINT),
        (r"CData section too big", "TWL007", "a CDATA section is over 10,000,000 characters", _LIMIT_HINT),
        (
            r"Resource limit|XML_PARSE_HUGE",
            "TWL007",
            "the document is over a limit of the hardened parser",
            _LIMIT_HINT,
        ),
        (r"^Document is empty", "TWL006", "the file is empty", _START_HINT),
        (r"^Start tag expected", "TWL006", "no element where the document should start", _START_HINT),
        (
            r"^Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
            "TWL006",
            r"</\3> closes <\1> (line \2)",
            _MALFORMED_HINT,
        ),
        (
            r"^Premature end of data in tag (\S+) line (\d+)",
            "TWL006",
            r"<\1> (line \2) is never closed",
            _MALFORMED_HINT,
        ),
        (
            r"^Couldn't find end of Start Tag (\S+)",
            "TWL006",
            r"the start tag <\1> does not end with >",
            _MALFORMED_HINT,
        ),
        (r"EntityRef: (?:no name|expecting ';')", "TWL006", "a bare '&'", "write & as &amp;"),
        (
            r"^Entity '([^']*)' not defined",
            "TWL006",
            r"unknown entity &\1;",
            "XML has &amp; &lt; &gt; &quot; &apos; only",
        ),
        (r"Specification mandates value for attribute (\S+)", "TWL006", r"attribute \1 has no value", r'write \1="…"'),
        (r"^AttValue: ", "TWL006", "an attribute value is not in quotes", 'write name="value"'),
        (r"Unescaped '<' not allowed in attributes", "TWL006", "a '<' in an attribute value", "write < as &lt;"),
        (
            r"^StartTag: invalid element name",
            "TWL006",
            "a '<' that does not start an element",
            "write < in text as &lt;",
        ),
        (r"^Extra content at the end", "TWL006", "content after the end of the root element", _MALFORMED_HINT),
        (r"^CData section not finished", "TWL006", "a CDATA section without its ]]>", _MALFORMED_HINT),
        (r"^Comment not terminated", "TWL006", "a comment without its -->", _MALFORMED_HINT),
        (r"^Double hyphen within comment", "TWL006", "'--' inside a comment", "XML comments may not contain --"),
        (r"PI \S+ space expected|ParsePI", "TWL006", "a malformed processing instruction (<?…?>)", _MALFORMED_HINT),
        (
            r"Char (0x[0-9A-Fa-f]+) out of allowed range",
            "TWL006",
            r"character \1 is not allowed in XML",
            _MALFORMED_HINT,
        ),
        (r"invalid (?:xml)?Char value", "TWL006", "a character that is not allowed in XML", _MALFORMED_HINT),
        (r"^Invalid bytes in character encoding", "TWL006", "bytes that are not valid text", "save the file as UTF-8"),
        (
            r"^attributes construct error|error parsing attribute name",
            "TWL006",
            "a malformed attribute",
            'write name="value"',
        ),
        (r"^Blank needed here", "TWL006", "a space is needed here", _MALFORMED_HINT),
    )
)


def in_words(libxml_message: str, error_code: int = 0) -> tuple[str, str, str]:
    """(code, message, hint) for a libxml2 parse error, worded for users."""
    text = re.sub(r",? line \d+, column \d+$", "", libxml_message).strip()
    if text.startswith("Unregistered error message") and error_code == etree.ErrorTypes.ERR_CDATA_NOT_FINISHED:
        text = "CData section not finished"
    for pattern, code, message, hint in _IN_WORDS:
        m = pattern.search(text)
        if m:
            message = m.expand(message)
            return code, message if code == "TWL007" else f"malformed XML: {message}", m.expand(hint)
    text = text.splitlines()[0] if text else ""
    text = re.sub(r"^(?:xml[A-Z]\w*|[A-Z][a-z]+[A-Z]\w*) ?: ", "", text)  # a libxml2 function's name
    if not text or text.startswith("Unregistered error"):
        text = "the parser stopped here"
    return "TWL006", f"malformed XML: {text}", _MALFORMED_HINT


class Locator:
    """Positions of each element's start tag and attributes (lxml gives lines only)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.cursor = 0

    def _span(self, offset: int, length: int) -> Span:
        line = self._line_of(offset)
        col = offset - self.line_starts[line - 1] + 1
        return Span(line, col, line, col + length)

    def _line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.line_starts)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1

    def element(self, el: etree._Element, tag: str) -> tuple[Span, int]:
        line = el.sourceline if isinstance(el.sourceline, int) else 1
        begin = max(self.cursor, self.line_starts[min(line, len(self.line_starts)) - 1])
        found = _start_tag(tag).search(self.text, begin)
        if found is None:
            return Span(line, 1, line, 2), begin
        self.cursor = found.end()
        return self._span(found.start() + 1, len(tag)), found.start()

    def attribute(self, name: str, tag_offset: int) -> Span | None:
        found = _attribute_name(name).search(self.text, tag_offset)
        return self._span(found.start() + 1, len(name)) if found else None


@lru_cache(maxsize=512)
def _start_tag(tag: str) -> re.Pattern[str]:
    return re.compile("<" + re.escape(tag) + r"(?=[\s/>])")


@lru_cache(maxsize=512)
def _attribute_name(name: str) -> re.Pattern[str]:
    return re.compile(r"\s" + re.escape(name) + r"\s*=")


def _tag_keyword(tag: str, dialect: Dialect) -> str:
    for kind in KINDS:
        spec = dialect.vocabulary(kind).elements.get(tag)
        if spec is not None and tag != "Response":
            return spec.keyword
    return "!" + tag


def element_name(el: etree._Element) -> str:
    """The tag as written: ``Say``, or ``amazon:effect`` (with or without a declaration)."""
    tag = as_text(el.tag)
    if tag.startswith("{"):
        local = tag.split("}", 1)[1]
        return f"{el.prefix}:{local}" if el.prefix else local
    return tag


def attr_name(name: str, el: etree._Element | None = None) -> str:
    """An attribute's name as written: ``xml:lang``, ``xsi:type``, never ``{uri}name``."""
    if name.startswith(_XML_NS):
        return "xml:" + name[len(_XML_NS) :]
    if name.startswith("{"):
        uri, _, local = name[1:].partition("}")
        prefixes = [p for p, u in (el.nsmap if el is not None else {}).items() if u == uri and p]
        return f"{prefixes[0]}:{local}" if prefixes else local
    return name


def as_text(v: str | bytes) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else v


class _Reader:
    """The elements below one root as syntax nodes. Plain (what ``check`` reads): every
    node at its start tag, white space between elements dropped, comments left out.
    ``exact`` (what ``decompile`` reads, to print it back): text exactly as written (white
    space inside ``<Say>`` is spoken, so it stays), XML comments as :class:`CommentLine`
    nodes where they stand, and each node's ``span`` its line in printing order (one line
    per node, two where the XML had a blank line before it, so that the printer keeps
    blank lines), while ``keyword_span`` and attribute spans point into the XML. ``{{``
    becomes template text: a TwiML Bin variable with ``bin_variables``, else literal."""

    def __init__(self, text: str, dialect: Dialect, exact: bool, bin_variables: bool) -> None:
        self.loc = Locator(text)
        self.dialect = dialect
        self.exact = exact
        self.bin_variables = bin_variables
        self.line = 0
        self.keywords: dict[str, str] = {}

    @staticmethod
    def layout_only(el: etree._Element, tag: str, speech: bool) -> bool:
        """White space alone inside an element with no children that takes no text (a
        ``<Gather>`` written over two lines) is layout, as XML Schema reads element-only
        content: dropped, not text the element cannot take (canonical.py agrees)."""
        return not (speech or len(el) or (el.text or "").strip()) and takes_no_text(tag)

    def text(self, xml_text: str) -> str:
        return template_params.escape_braces(xml_text, self.bin_variables) if self.exact else xml_text

    def place(self, before: str | None) -> Span:
        """The next line in printing order (see the class)."""
        self.line += 2 if before and not before.strip() and before.count("\n") >= 2 else 1
        return Span(self.line, 1, self.line, 2)

    def here(self) -> Span:
        """Text takes the line of what precedes it: it never opens a blank line."""
        return Span(self.line, 1, self.line, 2)

    def statement(self, el: etree._Element, where: Span | None = None, speech: bool = False) -> Statement:
        """``el`` as a statement (``where``: its place in printing order; ``speech``: it
        is inside a ``<Say>``)."""
        tag = element_name(el)
        span, offset = self.loc.element(el, tag)
        args = []
        for k, v in el.attrib.items():
            name = attr_name(as_text(k), el)
            aspan = self.loc.attribute(name, offset) or span
            args.append(Arg(name, Scalar(self.text(as_text(v)), True, aspan), aspan))
        body = self.body(el, span, speech or tag == SPEECH)
        keyword = self.keywords.get(tag)
        if keyword is None:
            keyword = self.keywords[tag] = _tag_keyword(tag, self.dialect)
        return Statement(keyword, span, tuple(args), tuple(body), where or span)

    def body(self, el: etree._Element, span: Span, speech: bool) -> list[SyntaxNode]:
        if el.text and self.layout_only(el, element_name(el), speech):
            return []
        if not self.exact:  # indentation dropped here (see _layout), so nodes are built once
            body: list[SyntaxNode] = []
            if el.text:
                body.append(TextLine(el.text, span))
            for child in el:
                if isinstance(child.tag, str):
                    body.append(self.statement(child))
                if child.tail:
                    body.append(TextLine(child.tail, span))
            return _layout(body) if len(body) > 1 else body
        out: list[SyntaxNode] = []
        if el.text:
            out.append(TextLine(self.text(el.text), self.here()))
        before = el.text
        nodes = 0  # elements and comments
        for child in el:
            if isinstance(child, etree._Comment):
                out.append(comment_line(child, self.place(before)))
                nodes += 1
            elif isinstance(child.tag, str):
                out.append(self.statement(child, self.place(before), speech))
                nodes += 1
            if child.tail:
                out.append(TextLine(self.text(child.tail), self.here()))
            before = child.tail
        if nodes and not speech:  # in <Say>, white space is spoken
            out = _layout(out, CommentLine)
        return _merge_texts(out) if len(out) - nodes > 1 else out

    def siblings(self, root: etree._Element, direction: str) -> list[SyntaxNode]:
        """Comments before or after the root, outside any line of the body."""
        out: list[SyntaxNode] = []
        node = root.getprevious() if direction == "previous" else root.getnext()
        while node is not None:
            if isinstance(node, etree._Comment):
                out.append(comment_line(node, NOWHERE))
            node = node.getprevious() if direction == "previous" else node.getnext()
        return out[::-1] if direction == "previous" else out


def comment_line(node: etree._Element, where: Span) -> CommentLine:
    """An XML comment as a ``#`` comment: one space after '#', no trailing white space."""
    text = as_text(node.text or "").strip()
    return CommentLine("\n".join(" " + line.rstrip() if line.strip() else "" for line in text.split("\n")), where)


def _merge_texts(nodes: list[SyntaxNode]) -> list[SyntaxNode]:
    out: list[SyntaxNode] = []
    for n in nodes:
        last = out[-1] if out else None
        if isinstance(n, TextLine) and isinstance(last, TextLine):
            out[-1] = TextLine(last.text + n.text, last.span)
        else:
            out.append(n)
    return out


def _layout(nodes: list[SyntaxNode], *also: type) -> list[SyntaxNode]:
    """Drop indentation: white-space text where a block holds elements (or ``also``, such
    as comments) and no other text."""
    if any(isinstance(n, TextLine) and n.text.strip() for n in nodes):
        return nodes
    if not any(isinstance(n, (Statement, *also)) for n in nodes):
        return nodes
    return [n for n in nodes if not isinstance(n, TextLine)]


def to_syntax(
    root: etree._Element, text: str, dialect: Dialect = TWILIO, exact: bool = False, bin_variables: bool = True
) -> tuple[list[SyntaxNode], list[Arg]]:
    """The root's children as statements, and the root's attributes. ``exact`` (for
    ``decompile``; see :class:`_Reader`) also keeps the comments beside the root, and
    with ``bin_variables`` declares each ``{{Name}}`` found as ``param Name string``,
    in the order they first appear."""
    reader = _Reader(text, dialect, exact, bin_variables)
    if not exact:
        top = reader.statement(root)
        return list(top.body), list(top.args)
    top = reader.statement(root)
    nodes = reader.siblings(root, "previous") + list(top.body) + reader.siblings(root, "next")
    params = _bin_variables(top) if bin_variables and "{{" in text else []
    return params + nodes, list(top.args)


def _bin_variables(top: Statement) -> list[SyntaxNode]:
    """``param Name string`` for each ``{{Name}}`` (TwiML Bins' Mustache variables) in
    the document, in the order they first appear."""
    found: dict[str, None] = {}
    stack: list[SyntaxNode] = [top]
    while stack:
        n = stack.pop()
        if isinstance(n, TextLine):
            found.update(dict.fromkeys(template_params.names(n.text)))
        elif isinstance(n, Statement):
            for a in n.args:
                if isinstance(a.value, Scalar):
                    found.update(dict.fromkeys(template_params.names(a.value.text)))
            stack.extend(reversed(n.body))
    return [
        Statement(
            template_params.PARAM_KEYWORD,
            NOWHERE,
            (Arg(None, Scalar(name, False, NOWHERE), NOWHERE), Arg(None, Scalar("string", False, NOWHERE), NOWHERE)),
            (),
            NOWHERE,
        )
        for name in found
    ]


def namespaced(root: etree._Element) -> str | None:
    """Why ``.twl`` cannot write this document when it uses XML namespaces (the first
    element or attribute in one, else the first element that declares one), or ``None``."""
    declares = None
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline if isinstance(el.sourceline, int) else 1
        if el.tag.startswith("{"):
            return f"<{element_name(el)}> (line {line}) is in a declared XML namespace"
        for k in el.attrib:
            name = as_text(k)
            if name.startswith("{") and not name.startswith(_XML_NS):
                return f"{attr_name(name, el)} on <{element_name(el)}> (line {line}) is in a declared XML namespace"
        if el.nsmap and declares is None:
            declares = f"<{element_name(el)}> (line {line}) declares an XML namespace"
    return declares


# --- the fast path: clean, schema-valid XML decided without syntax nodes -----------------

_SCHEMAS: dict[tuple[str, str], etree.XMLSchema] = {}


def schema(kind: str, dialect: Dialect = TWILIO) -> etree.XMLSchema:
    """The dialect's published XSD for ``kind``, built once per process."""
    key = (dialect.name, kind)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = etree.XMLSchema(etree.parse(dialect.schema_path(kind), _parser()))
    return _SCHEMAS[key]


# Per dialect (held, so that its id is never reused): what each top-level tag says of the kind.
_DECIDES: dict[int, tuple[Dialect, dict[str, str | None]]] = {}


def kind_of(root: etree._Element, dialect: Dialect = TWILIO) -> str:
    """The dialect's kind inference (as the resolver's) on the root's child tags: the kind
    the first tag that decides one says (each tag's answer asked of the dialect once)."""
    held = _DECIDES.get(id(dialect))
    if held is None or held[0] is not dialect:
        held = _DECIDES[id(dialect)] = (dialect, {})
    decides = held[1]
    for child in root:
        tag = child.tag
        if isinstance(tag, str):
            if tag not in decides:
                inferred, index = dialect.infer_kind((tag,))
                decides[tag] = inferred if index is not None else None
            decided = decides[tag]
            if decided is not None:
                return decided
    return dialect.infer_kind(())[0]


# What the walk asks of one element: whether anything could be flagged there.
_Check = Callable[[Any], bool]
_Table = dict[Any, tuple[_Check, ...]]
_TABLES: dict[tuple[int, str], tuple[Dialect, _Table, tuple[_Check, ...]]] = {}


def _checks(dialect: Dialect, kind: str) -> tuple[_Table, tuple[_Check, ...]]:
    """What the fast path asks of each element of one dialect's and kind's documents, by
    tag, built once: every rule's picks (validate.RULES, each narrowed by its suspect), and
    the resolver's value warnings; and what it asks of an element whose tag has no entry
    (the ``"*"`` picks). Comments and processing instructions are asked nothing."""
    key = (id(dialect), kind)
    held = _TABLES.get(key)
    if held is None or held[0] is not dialect:  # held, so that its id is never reused
        held = _TABLES[key] = (dialect, *_build_checks(dialect, kind))
    return held[1], held[2]


def _build_checks(dialect: Dialect, kind: str) -> tuple[_Table, tuple[_Check, ...]]:
    from .validate import RULES

    vocab, limits = dialect.vocabulary(kind), dialect.limits
    by_tag: dict[str, list[_Check]] = {}
    anywhere: list[_Check] = []
    for rule in RULES:
        for tag, pick in rule.picks(dialect, vocab).items():
            check = pick if rule.suspect is None else _narrowed(pick, rule.suspect, vocab, limits)
            (anywhere if tag == "*" else by_tag.setdefault(tag, [])).append(check)
    for tag, typed in _advised(dialect, kind).items():
        by_tag.setdefault(tag, []).append(_value_warning(typed))
    table: _Table = {tag: (*checks, *anywhere) for tag, checks in by_tag.items()}
    for factory in (etree.Comment, etree.ProcessingInstruction, etree.Entity):
        table[factory] = ()
    return table, tuple(anywhere)


def _narrowed(
    pick: _Check, suspect: Callable[[Any, Vocabulary, Limits], bool], vocab: Vocabulary, limits: Limits
) -> _Check:
    return lambda el: pick(el) and suspect(el, vocab, limits)


def _value_warning(typed: dict[str, ValueType]) -> _Check:
    """Whether the resolver warns about a value of one of ``typed``'s attributes. A value
    an open enum knows (a voice, a language: hundreds of them) is accepted by a set."""
    names = tuple((name, t, frozenset(t.values) if t.type == "enum" else frozenset()) for name, t in typed.items())

    def check(el: Any) -> bool:
        for name, t, known in names:
            value = el.get(name)
            if value is not None and value not in known and value_problem(t, value):
                return True
        return False

    return check


# Value types the schema accepts but the resolver may still warn about (besides open enums).
_ADVISED = ("phone", "recipient", "sender")


def _advised(dialect: Dialect, kind: str) -> dict[str, dict[str, ValueType]]:
    """The attributes whose value the resolver may warn about although the schema accepts
    it (a voice or language outside the known list, a number not in E.164), by tag and
    name."""
    typed: dict[str, dict[str, ValueType]] = {}
    for tag, spec in dialect.vocabulary(kind).elements.items():
        names = {n: t for n, t in spec.attributes.items() if (t.type == "enum" and t.open) or t.type in _ADVISED}
        if names:
            typed[tag] = names
    return typed


def _nothing_to_flag(root: etree._Element, kind: str, dialect: Dialect) -> bool:
    """No rule of validate.py (by the picks each declares), and no value warning of the
    resolver, can report anything for this schema-valid document: one walk of the tree."""
    table, anywhere = _checks(dialect, kind)
    for el in root.iter():
        for check in table.get(el.tag, anywhere):
            if check(el):
                return False
    return True


def prepare(dialect: Dialect = TWILIO) -> None:
    """Load what checking XML for ``dialect`` needs (every kind's XSD and what the walk
    asks, the number and URL parsers), before forking processes that share it."""
    for kind in KINDS:
        schema(kind, dialect)
        _checks(dialect, kind)
    number_problem("+14155550100")
    url_problem("https://example.com/")


def fast_clean(root: etree._Element, dialect: Dialect = TWILIO) -> bool:
    """True when the document is valid against the dialect's published XSD and no
    semantic rule can report anything: the per-file path for clean files (libxml2 and the
    XSD in C, then one walk of the tree)."""
    if root.tag != "Response" or root.attrib:
        return False
    kind = kind_of(root, dialect)
    return bool(schema(kind, dialect).validate(root)) and _nothing_to_flag(root, kind, dialect)
