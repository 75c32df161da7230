"""TwiML XML → idiomatic ``.twl``, with black's safety check.

The XML is read with the hardened parser. Everything twimlc's vocabulary knows, where it
is allowed and with a valid value, becomes ordinary ``.twl``; anything else (an element
outside the vocabulary, in the wrong place or empty where Twilio needs something, an
unknown attribute, a value of the wrong type) comes through the escape hatch (``!Tag``, ``!name=value``) with a warning, so that
documents which break the rules still decompile and can be fixed in ``.twl``. XML comments
become ``#`` comments. Before returning, the result is compiled again and compared with the
input as canonical XML; if they differ, decompile refuses (``TWL903``).
"""

from __future__ import annotations

from lxml import etree

from . import params as template_params
from .ast import Attribute, Comment, Document, Element, Node, Param, Span, Text
from .canonical import in_speech
from .diagnostics import Diagnostic, TwimlcError, diag
from .dialect import TWILIO
from .validate import missing_content
from .values import check_value
from .vocabulary import ElementSpec, ValueType, Vocabulary, suggest
from .xmlread import Locator, as_text, attr_name, element_name, kind_of, parse_xml

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


class _Reader:
    def __init__(self, kind: str, path: str, text: str, bin_variables: bool = True) -> None:
        self.vocab: Vocabulary = TWILIO.vocabulary(kind)
        self.path = path
        self.bin_variables = bin_variables  # {{Name}} is a TwiML Bin variable (else literal text)
        self.warnings: list[Diagnostic] = []
        self.line = 0
        self.locate = Locator(text)  # warnings point into the XML: its tags and attributes

    def warn(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.warnings.append(diag(code, message, span, hint, self.path))

    def place(self, before: str | None) -> Span:
        """A position in printing order: one line per node, two where the XML had a blank
        line before it (so the printer keeps blank lines as they were)."""
        self.line += 2 if before and not before.strip() and before.count("\n") >= 2 else 1
        return Span(self.line, 1, self.line, 2)

    def text(self, xml_text: str) -> str:
        """XML text as ``.twl`` template text: literal, but for Bin variables."""
        return template_params.escape_braces(xml_text, self.bin_variables)

    def here(self) -> Span:
        """Text takes the line of what precedes it: it never opens a blank line."""
        return Span(self.line, 1, self.line, 2)

    def children(self, el: etree._Element, parent: ElementSpec | None) -> tuple[Node, ...]:
        out: list[Node] = []
        if el.text:
            out.append(Text(self.text(el.text), self.here()))
        before = el.text
        for c in el:
            if isinstance(c, etree._Comment):
                out.append(_comment(c, self.place(before)))
            elif isinstance(c.tag, str):
                out.append(self.element(c, parent, self.place(before)))
            if c.tail:
                out.append(Text(self.text(c.tail), self.here()))
            before = c.tail
        has_elements = any(isinstance(n, Element | Comment) for n in out)
        layout = has_elements and not in_speech(el)  # in <Say>, white space is spoken
        if layout and not any(isinstance(n, Text) and n.value.strip() for n in out):
            out = [n for n in out if not isinstance(n, Text)]  # indentation, not content
        return _merge_texts(out)

    def element(self, el: etree._Element, parent: ElementSpec | None, where: Span) -> Element:
        tag = element_name(el)
        line = el.sourceline if isinstance(el.sourceline, int) else 1
        tag_span, offset = self.locate.element(el, tag)
        base = self.vocab.elements.get(tag) if tag != "Response" else None
        spec = base.variant(parent.tag if parent else None) if base else None
        ok = spec is not None and (parent is None or tag in parent.children)
        children: tuple[Node, ...] = ()
        if ok and spec is not None:
            children = self.children(el, spec)
            texts = [c for c in children if isinstance(c, Text)]
            if (texts and not spec.text) or (spec.text_required and not any(t.value for t in texts)):
                ok = False
            elif any(isinstance(c, Element) and c.tag not in spec.children and not c.raw for c in children):
                ok = False
            if not spec.children and any(isinstance(c, Element) for c in children):
                ok = False
            as_written = tuple(Attribute(attr_name(as_text(k)), as_text(v), True) for k, v in el.attrib.items())
            if missing_content(Element(tag, as_written, children), parent.tag if parent else "Response"):
                ok = False  # empty where Twilio needs something: twimlc compile would refuse it
        if not ok or spec is None:
            if base is not None:
                self.warn(
                    "TWL901",
                    f"<{tag}> breaks TwiML's rules here; kept as !{tag}",
                    tag_span,
                    "fix it in .twl, then write its keyword",
                )
            else:
                self.warn("TWL901", f"<{tag}> is outside twimlc's vocabulary; kept as !{tag}", tag_span)
            attrs = tuple(
                Attribute(attr_name(as_text(k)), self.text(as_text(v)), True, " ", Span(line, 1, line, 2))
                for k, v in el.attrib.items()
            )
            return Element(tag, attrs, self.children(el, None), True, where)
        attributes = []
        for k, v in el.attrib.items():
            name, text = attr_name(as_text(k)), self.text(as_text(v))
            t = spec.attributes.get(name)
            refused = _refused(t, text) if t is not None else None
            if t is None or refused is not None:
                at = self.locate.attribute(name, offset) or tag_span
                if refused is not None:
                    self.warn("TWL902", f"{name} on <{tag}>: {refused[0]}; kept as !{name}", at, refused[1])
                else:
                    near = None if ":" in name else suggest(name, list(spec.attributes))
                    hint = f"did you mean {near!r}?" if near else None
                    self.warn("TWL902", f"{name!r} is not an attribute of <{tag}>; kept as !{name}", at, hint)
                attributes.append(Attribute(name, text, True, " ", Span(line, 1, line, 2)))
            else:
                attributes.append(Attribute(name, text, False, t.separator or " ", Span(line, 1, line, 2)))
        return Element(tag, tuple(attributes), children, False, where)


def _refused(t: ValueType, text: str) -> tuple[str, str | None] | None:
    """Why the resolver would refuse ``text`` as a value of type ``t`` (message, hint), or
    ``None`` when it would not."""
    if "{{" in text and template_params.names(text):
        # a TwiML Bin variable: it becomes a string parameter; keep the attribute typed
        # only where a string (or the text around it) fits
        if template_params.is_whole(text):
            if template_params.fits("string", (), t):
                return None
            return (f"{text!r} is a TwiML Bin variable (a string) where Twilio needs {t.describe()}", None)
        text = template_params.PLACEHOLDER.sub("x", text)
    if "\n" in text or "\r" in text or "\t" in text:
        # the .twl escapes them faithfully, but the resolver splits lists on them
        return (f"{text!r} contains a line break or a tab", None)
    if t.is_list:
        items = text.split(t.separator.strip() or None) if t.separator else [text]
        odd = text != text.strip() or (t.separator == " " and "  " in text)
        if odd and t.type == "string":
            return None
        problems = [check_value(t, i.strip()) for i in items if odd or i.strip()]
        first = next((p for p in problems if p is not None), None)
        return (first[1], first[2]) if first else None
    problem = check_value(t, text)
    return (problem[1], problem[2]) if problem else None


def _comment(node: etree._Element, where: Span) -> Comment:
    """An XML comment as a ``#`` comment: one space after '#', no trailing white space."""
    text = as_text(node.text or "").strip()
    return Comment("\n".join(" " + line.rstrip() if line.strip() else "" for line in text.split("\n")), False, where)


def _merge_texts(nodes: list[Node]) -> tuple[Node, ...]:
    out: list[Node] = []
    for n in nodes:
        if isinstance(n, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].value + n.value, out[-1].span)
        else:
            out.append(n)
    return tuple(out)


def read_document(
    data: bytes, path: str = "<string>", twiml: bool = False, bin_variables: bool = True
) -> tuple[Document | None, list[Diagnostic]]:
    """Any well-formed TwiML → a typed document that compiles back to it. XML that is not
    TwiML (see :func:`twimlc.api.sniff`; ``twiml``: it is, as a ``.twiml`` file is) is
    refused with TWL312 before the hardened parser sees it. With ``bin_variables``,
    ``{{Name}}`` becomes a template parameter (as in a TwiML Bin); without, it is literal
    text (written ``\\{{Name}}`` in ``.twl``). ``None`` (with the reason) when the XML
    cannot be read or is not TwiML; never raises for bad input."""
    from .sniff import sniff, wrong_root

    start = Span(1, 1, 1, 2)
    verdict, why = (True, "") if twiml else sniff(data)
    if verdict is False:
        return None, [diag("TWL312", f"not TwiML: {why}; nothing to decompile", start, None, path)]
    root, problems = parse_xml(data, path)
    if root is None:
        return None, problems
    if root.tag != "Response":
        return None, [wrong_root(root, data.decode("utf-8", errors="replace"), path)]
    if any(isinstance(el.tag, str) and el.nsmap for el in root.iter()):
        return None, [_namespaced(root, path)]
    kind = kind_of(root)
    reader = _Reader(kind, path, data.decode("utf-8", errors="replace"), bin_variables)
    root_span, offset = reader.locate.element(root, "Response")
    attrs = tuple(
        Attribute(attr_name(as_text(k)), reader.text(as_text(v)), True, " ", Span(1, 1, 1, 2))
        for k, v in root.attrib.items()
    )
    for a in attrs:
        reader.warn(
            "TWL902",
            f"<Response> attribute {a.name!r} is outside twimlc's vocabulary; kept as !{a.name}",
            reader.locate.attribute(a.name, offset) or root_span,
        )
    body = list(reader.children(root, reader.vocab.root))
    before = _siblings(root, "previous")
    after = _siblings(root, "next")
    params = _bin_variables(before + body + after, attrs)
    if params:
        reader.warnings.append(
            diag(
                "TWL905",
                "TwiML Bin variables became string parameters: " + ", ".join(p.name for p in params),
                Span(1, 1, 1, 2),
                "give them values with --param NAME=VALUE, or Template.render()",
                path,
            )
        )
    doc = Document(kind, tuple(params + before + body + after), False, attrs, Span(1, 1, 1, 2))
    return doc, reader.warnings


def _namespaced(root: etree._Element, path: str) -> Diagnostic:
    """TWL903 for a document with XML namespaces, which ``.twl`` cannot write: naming the
    first element or attribute in one, else the first element that declares one."""
    declares = ""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline if isinstance(el.sourceline, int) else 1
        if el.tag.startswith("{"):
            return _cannot_write(f"<{element_name(el)}> (line {line}) is in a declared XML namespace", path)
        for k in el.attrib:
            name = as_text(k)
            if name.startswith("{") and not name.startswith(_XML_NS):
                what = f"{attr_name(name, el)} on <{element_name(el)}> (line {line}) is in a declared XML namespace"
                return _cannot_write(what, path)
        if el.nsmap and not declares:
            declares = f"<{element_name(el)}> (line {line}) declares an XML namespace"
    return _cannot_write(declares, path)


def _cannot_write(what: str, path: str) -> Diagnostic:
    message = f"decompile could not reproduce this document: {what}, which .twl cannot keep; nothing was written"
    return diag(
        "TWL903",
        message,
        Span(1, 1, 1, 2),
        "remove the xmlns declarations (a prefix nothing declares, as in <amazon:effect>, is kept)",
        path,
    )


def _bin_variables(nodes: list[Node], attrs: tuple[Attribute, ...]) -> list[Param]:
    """``{{Name}}`` (TwiML Bins' Mustache variables) found anywhere, as string parameters."""
    found: dict[str, None] = {}

    def scan(text: str) -> None:
        for name in template_params.names(text):
            found.setdefault(name)

    for a in attrs:
        scan(a.rendered())
    stack = list(nodes)
    while stack:
        n = stack.pop(0)
        if isinstance(n, Text):
            scan(n.value)
        elif isinstance(n, Element):
            for a in n.attributes:
                scan(a.rendered())
            stack[:0] = list(n.children)
    return [Param(name, "string") for name in found]


def _siblings(root: etree._Element, direction: str) -> list[Node]:
    out: list[Node] = []
    node = root.getprevious() if direction == "previous" else root.getnext()
    while node is not None:
        if isinstance(node, etree._Comment):
            out.append(_comment(node, Span(0, 0, 0, 0)))
        node = node.getprevious() if direction == "previous" else node.getnext()
    return out[::-1] if direction == "previous" else out


def decompile_with_diagnostics(
    xml: str | bytes, path: str = "<string>", twiml: bool = False, bin_variables: bool = True
) -> tuple[str | None, list[Diagnostic]]:
    """``.twl`` source for ``xml`` and the diagnostics; ``None`` (nothing to write) for XML
    that cannot be read or is not TwiML (``twiml``: it is, as a ``.twiml`` file is), or
    when the result would not compile back to the same TwiML. Never raises for bad input.
    ``bin_variables``: see :func:`read_document`."""
    from .api import read
    from .canonical import canonical
    from .generator import generate
    from .printer import print_document

    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    doc, warnings = read_document(data, path, twiml, bin_variables)
    if doc is None:
        return None, warnings
    source = print_document(doc)
    again, diagnostics = read(source, path)
    errors = [d for d in diagnostics if d.is_error]
    same = again is not None and not errors and canonical(generate(again)) == canonical(data)
    if not same:
        detail = f": {errors[0].code} {errors[0].message}" if errors else ""
        failed = diag(
            "TWL903",
            f"decompile could not reproduce this document{detail}; nothing was written",
            Span(1, 1, 1, 2),
            "please report it with the file",
            path,
        )
        return None, [failed]
    return source, sorted(warnings, key=Diagnostic.sort_key)


def decompile(xml: str | bytes, filename: str = "<string>", *, bin_variables: bool = True) -> str:
    """TwiML XML → ``.twl`` source (library API). TwiML Bin variables (``{{Name}}``)
    become template parameters; with ``bin_variables=False`` they are literal text."""
    source, diagnostics = decompile_with_diagnostics(xml, filename, bin_variables=bin_variables)
    if source is None:
        raise TwimlcError(diagnostics)
    return source
