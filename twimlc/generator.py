"""Typed tree → TwiML XML, with lxml doing all escaping.

Attributes are written in source order; ``xml:lang`` goes into the XML namespace. Text
and element children are interleaved exactly as written (mixed content: ``el.text`` and
the ``tail`` of the previous child). Comments are not emitted. Besides the XML, the
generator returns which source span produced each XML element, so that schema errors on
the generated XML can be reported at the ``.twl`` line.

Layout: element-only content (``<Response>``, ``<Gather>``…) is indented by two spaces.
An element that can hold text (``<Say>`` and SSML, ``<Message>``, ``<Dial>``…) never
gets white space among its children, nor does anything inside it: there white space is
content (``<emphasis>no</emphasis><emphasis>where</emphasis>`` is one spoken word).
"""

from __future__ import annotations

from lxml import etree

from .ast import Document, Element, Node, Span, Text
from .vocabulary import Vocabulary, vocabulary

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
INDENT = "  "
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def _qname(name: str) -> str:
    return _XML_NS + name[4:] if name.startswith("xml:") else name


def element_only(vocab: Vocabulary, tag: str, parent: str | None) -> bool:
    """Whether white space between ``tag``'s children is layout, not content: the element
    holds no text in TwiML. A tag outside the vocabulary is indented unless it holds text
    (what libxml2 assumes when it indents)."""
    spec = vocab.elements.get(tag)
    return spec is None or not spec.variant(parent).text


class _Builder:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.spans: dict[etree._Element, Span] = {}

    def fill(self, target: etree._Element, children: tuple[Node, ...], depth: int | None) -> None:
        """Append ``children`` to ``target``; ``depth`` is its level when its children may
        be indented, ``None`` inside content where white space is text."""
        if depth is not None and any(isinstance(c, Text) for c in children):
            depth = None  # mixed content: the text and its white space are written as they are
        last: etree._Element | None = None
        for child in children:
            if isinstance(child, Text):
                if not child.value:
                    continue
                if last is None:
                    target.text = (target.text or "") + child.value
                else:
                    last.tail = (last.tail or "") + child.value
            elif isinstance(child, Element):
                inner = None
                if depth is not None:
                    newline = "\n" + INDENT * (depth + 1)
                    if last is None:
                        target.text = newline
                    else:
                        last.tail = newline
                    inner = depth + 1 if element_only(self.vocab, child.tag, str(target.tag)) else None
                last = self.element(target, child, inner)
        if depth is not None and last is not None:
            last.tail = "\n" + INDENT * depth

    def element(self, parent: etree._Element, e: Element, depth: int | None) -> etree._Element:
        el = etree.SubElement(parent, e.tag)
        for a in e.attributes:
            el.set(_qname(a.name), a.rendered())
        self.spans[el] = e.span
        self.fill(el, e.children, depth)
        return el


def to_tree(doc: Document) -> tuple[etree._Element, dict[etree._Element, Span]]:
    """The document as an lxml tree, layout white space included, and each element's span."""
    builder = _Builder(vocabulary(doc.kind))
    root = etree.Element("Response")
    for a in doc.attributes:
        root.set(_qname(a.name), a.rendered())
    builder.spans[root] = doc.span
    builder.fill(root, doc.body, 0)
    return root, builder.spans


def serialize(root: etree._Element) -> str:
    """The XML declaration and the document as :func:`to_tree` laid it out."""
    body: str = etree.tostring(root, encoding="unicode")
    return XML_DECLARATION + body + "\n"


def generate(doc: Document) -> str:
    root, _ = to_tree(doc)
    return serialize(root)
