"""Typed tree → TwiML XML, with lxml doing all escaping.

Attributes are written in source order; ``xml:lang`` goes into the XML namespace. Text
and element children are interleaved exactly as written (mixed content: ``el.text`` and
the ``tail`` of the previous child). Comments are not emitted. Besides the XML, the
generator returns which node (and so which source span) produced each XML element, so
that problems found on the generated XML can be reported at the ``.twl`` line.

Layout: element-only content (``<Response>``, ``<Gather>``…) is indented by two spaces.
An element that can hold text (``<Say>`` and SSML, ``<Message>``, ``<Dial>``…) never
gets white space among its children, nor does anything inside it: there white space is
content (``<emphasis>no</emphasis><emphasis>where</emphasis>`` is one spoken word).
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from .ast import Document, Element, Node, Text
from .params import literal_text
from .vocabulary import Vocabulary

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


def _prefixed(name: str) -> bool:
    return ":" in name and not name.startswith("xml:")


# Only for start tags built below from names the resolver checked and escaped values: it
# accepts a namespace prefix that nothing declares, and nothing else is left to recover.
_UNDECLARED = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
_ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _undeclared(tag: str, attributes: list[tuple[str, str]]) -> etree._Element:
    """An element whose name or attribute names carry a prefix no namespace declaration
    binds (``<amazon:effect name="whispered">``): written as Twilio's docs write Amazon
    Polly's SSML inside <Say>. lxml builds such names only by parsing them."""
    attrs = "".join(f' {n}="{"".join(_ATTRIBUTE_ESCAPES.get(c, c) for c in v)}"' for n, v in attributes)
    el = etree.fromstring(f"<{tag}{attrs}/>", _UNDECLARED)
    assert el.tag == tag and len(el.attrib) == len(attributes), tag
    return el


def _new(tag: str, attributes: list[tuple[str, str]]) -> etree._Element:
    if _prefixed(tag) or any(_prefixed(name) for name, _ in attributes):
        return _undeclared(tag, attributes)
    el = etree.Element(tag)
    for name, value in attributes:
        el.set(_qname(name), value)
    return el


Out = Callable[[str], str]  # text as held in the tree → the text written
Nodes = dict[etree._Element, Element | Document]  # the node each XML element came from


def _as_held(text: str) -> str:
    return text


class _Builder:
    def __init__(self, vocab: Vocabulary, out: Out) -> None:
        self.vocab = vocab
        self.out = out
        self.nodes: Nodes = {}

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
                    target.text = (target.text or "") + self.out(child.value)
                else:
                    last.tail = (last.tail or "") + self.out(child.value)
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
        el = _new(e.tag, [(a.name, self.out(a.rendered())) for a in e.attributes])
        parent.append(el)
        self.nodes[el] = e
        self.fill(el, e.children, depth)
        return el


def to_tree(doc: Document, layout: bool = True, template: bool = False) -> tuple[etree._Element, Nodes]:
    """The document as an lxml tree, layout white space included (unless ``layout`` is
    false: then compact, as the Calls API's inline ``Twiml`` is sent), and the node each
    element came from. Text is written out (a literal ``{{``, held as ``{{'{{'}}``, as
    ``{{``), or with ``template`` kept as template text for
    :class:`~twimlc.template.Template` to mark its placeholders."""
    builder = _Builder(doc.dialect.vocabulary(doc.kind), _as_held if template else literal_text)
    root = _new("Response", [(a.name, builder.out(a.rendered())) for a in doc.attributes])
    builder.nodes[root] = doc
    builder.fill(root, doc.body, 0 if layout else None)
    return root, builder.nodes


def serialize(root: etree._Element) -> str:
    """The XML declaration and the document as :func:`to_tree` laid it out."""
    body: str = etree.tostring(root, encoding="unicode")
    return XML_DECLARATION + body + "\n"


def generate(doc: Document) -> str:
    root, _ = to_tree(doc)
    return serialize(root)
