"""Typed tree → TwiML XML, with lxml doing all escaping.

Attributes are written in source order; ``xml:lang`` goes into the XML namespace. Text
and element children are interleaved exactly as written (mixed content: ``el.text`` and
the ``tail`` of the previous child). Comments are not emitted. Besides the XML, the
generator returns which source span produced each XML element, so that schema errors on
the generated XML can be reported at the ``.twl`` line.
"""

from __future__ import annotations

from lxml import etree

from .ast import Document, Element, Node, Span, Text

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def _qname(name: str) -> str:
    return _XML_NS + name[4:] if name.startswith("xml:") else name


def _fill(target: etree._Element, children: tuple[Node, ...], spans: dict[etree._Element, Span]) -> None:
    last: etree._Element | None = None
    for child in children:
        if isinstance(child, Text):
            if last is None:
                target.text = (target.text or "") + child.value
            else:
                last.tail = (last.tail or "") + child.value
        elif isinstance(child, Element):
            last = _element(target, child, spans)


def _element(parent: etree._Element, e: Element, spans: dict[etree._Element, Span]) -> etree._Element:
    el = etree.SubElement(parent, e.tag)
    for a in e.attributes:
        el.set(_qname(a.name), a.rendered())
    spans[el] = e.span
    _fill(el, e.children, spans)
    return el


def to_tree(doc: Document) -> tuple[etree._Element, dict[etree._Element, Span]]:
    spans: dict[etree._Element, Span] = {}
    root = etree.Element("Response")
    for a in doc.attributes:
        root.set(_qname(a.name), a.rendered())
    spans[root] = doc.span
    _fill(root, doc.body, spans)
    return root, spans


def serialize(root: etree._Element) -> str:
    """The XML declaration and the document, element-only content indented (lxml never
    indents inside an element that holds text, so spoken text is untouched)."""
    body: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return XML_DECLARATION + body


def generate(doc: Document) -> str:
    root, _ = to_tree(doc)
    return serialize(root)
