"""Typed tree → TwiML XML, exactly as lxml writes it.

Attributes are written in source order; ``xml:lang`` goes into the XML namespace. Text
and element children are interleaved exactly as written (mixed content: ``el.text`` and
the ``tail`` of the previous child). Comments are not emitted. :func:`to_tree` builds
the lxml tree and returns, besides it, which node (and so which source span) produced
each XML element, so that problems found on the generated XML can be reported at the
``.twl`` line (templates and the dialer use it).

:func:`generate` writes the same document as a string directly, without lxml (building
and serialising lxml elements was most of its time): names are checked (ASCII XML names
only), text and values escaped as libxml2 escapes them. A document it is not sure of
(a prefixed name such as ``amazon:effect``, which only lxml's parser builds; another
name; a character XML cannot carry, which lxml refuses with ``ValueError``) is built
with lxml as before. ``tests/test_generator.py`` proves both write the same bytes.

Layout: element-only content (``<Response>``, ``<Gather>``…) is indented by two spaces.
An element that can hold text (``<Say>`` and SSML, ``<Message>``, ``<Dial>``…) never
gets white space among its children, nor does anything inside it: there white space is
content (``<emphasis>no</emphasis><emphasis>where</emphasis>`` is one spoken word).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from .ast import Document, Element, Node, Text
from .params import LITERAL, literal_text
from .values import NOT_XML
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from lxml import etree  # imported where a tree is built: generate() needs none

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


@cache
def _undeclared_parser() -> etree.XMLParser:
    """Only for start tags built below from names the resolver checked and escaped values:
    it accepts a namespace prefix that nothing declares, and nothing else is left to recover."""
    from lxml import etree

    return etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)


_ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _undeclared(tag: str, attributes: list[tuple[str, str]]) -> etree._Element:
    """An element whose name or attribute names carry a prefix no namespace declaration
    binds (``<amazon:effect name="whispered">``): written as Twilio's docs write Amazon
    Polly's SSML inside <Say>. lxml builds such names only by parsing them."""
    from lxml import etree

    attrs = "".join(f' {n}="{"".join(_ATTRIBUTE_ESCAPES.get(c, c) for c in v)}"' for n, v in attributes)
    el = etree.fromstring(f"<{tag}{attrs}/>", _undeclared_parser())
    assert el.tag == tag and len(el.attrib) == len(attributes), tag
    return el


def _new(tag: str, attributes: list[tuple[str, str]]) -> etree._Element:
    if _prefixed(tag) or any(_prefixed(name) for name, _ in attributes):
        return _undeclared(tag, attributes)
    from lxml import etree

    el = etree.Element(tag)
    for name, value in attributes:
        el.set(_qname(name), value)
    return el


Out = Callable[[str], str]  # text as held in the tree → the text written
Nodes = dict["etree._Element", Element | Document]  # the node each XML element came from


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
    from lxml import etree

    body: str = etree.tostring(root, encoding="unicode")
    return XML_DECLARATION + body + "\n"


def escape_text(s: str) -> str:
    """Element text as lxml (libxml2) writes it: & < > escaped, and CR kept as a reference."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def escape_attribute(s: str) -> str:
    """An attribute value (always double-quoted) as lxml (libxml2) writes it."""
    s = escape_text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    if "\t" in s or "\n" in s:
        s = s.replace("\t", "&#9;").replace("\n", "&#10;")
    return s


# Names the string writer takes as they are: what lxml accepts and writes unchanged.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
# What escape_text / escape_attribute change: most text and values have none of it.
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')


class _Unsure(Exception):
    """Something only lxml writes (or refuses) as it should: build the tree instead."""


def _plain(name: str, attribute: bool) -> bool:
    return bool(
        _PLAIN_NAME.fullmatch(name) or (attribute and name.startswith("xml:") and _PLAIN_NAME.fullmatch(name, 4))
    )


class _Writer:
    """:func:`to_tree` and :func:`serialize` in one pass, as a string: the same layout
    decisions (``_Builder.fill``'s), written where lxml would put them. Raises
    :class:`_Unsure` at a name it does not take as it is."""

    __slots__ = ("attribute_names", "element_only", "out", "tags", "vocab")

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.out: list[str] = []
        # asked once per name or pair in a document: names are few, elements many
        self.tags: dict[str, bool] = {}
        self.attribute_names: dict[str, bool] = {}
        self.element_only: dict[tuple[str, str], bool] = {}  # (tag, parent tag) → children indented

    def element(self, e: Element, parent: str, depth: int | None) -> None:
        out = self.out
        tag = e.tag
        plain = self.tags.get(tag)
        if plain is None:
            plain = self.tags[tag] = _plain(tag, False)
        if not plain:
            raise _Unsure
        if e.attributes:
            names = self.attribute_names
            values: dict[str, str] = {}  # lxml: a name set again keeps its place, takes the last value
            for a in e.attributes:
                name = a.name
                plain = names.get(name)
                if plain is None:
                    plain = names[name] = _plain(name, True)
                if not plain:
                    raise _Unsure
                value = a.value if isinstance(a.value, str) else a.separator.join(a.value)
                if LITERAL in value:
                    value = value.replace(LITERAL, "{{")
                if name in values and NOT_XML.search(values[name]):
                    raise _Unsure  # overwritten, so not written: lxml refused it when it was set
                values[name] = value
            head = "<" + tag
            for name, value in values.items():
                head += f' {name}="{escape_attribute(value) if _ATTRIBUTE_SPECIAL.search(value) else value}"'
            out.append(head)
        else:
            out.append("<" + tag)
        mark = len(out)
        out.append(">")
        children = e.children
        if depth is not None:
            for child in children:
                if isinstance(child, Text):
                    depth = None  # mixed content: the text and its white space are written as they are
                    break
        last = False
        for child in children:
            if isinstance(child, Text):
                text = child.value
                if text:
                    if LITERAL in text:
                        text = text.replace(LITERAL, "{{")
                    out.append(escape_text(text) if _TEXT_SPECIAL.search(text) else text)
            elif isinstance(child, Element):
                inner = None
                if depth is not None:
                    out.append("\n" + INDENT * (depth + 1))
                    key = (child.tag, tag)
                    indented = self.element_only.get(key)
                    if indented is None:
                        indented = self.element_only[key] = element_only(self.vocab, child.tag, tag)
                    inner = depth + 1 if indented else None
                self.element(child, tag, inner)
                last = True
        if depth is not None and last:
            out.append("\n" + INDENT * depth)
        if len(out) == mark + 1:  # no content: lxml writes an empty element
            out[mark] = "/>"
        else:
            out.append("</" + tag + ">")


def _write(doc: Document) -> str:
    """:func:`generate`'s document as a string, or :class:`_Unsure`."""
    writer = _Writer(doc.dialect.vocabulary(doc.kind))
    writer.element(Element("Response", doc.attributes, doc.body), "", 0)
    xml = "".join(writer.out)
    if NOT_XML.search(xml):  # in a text or a value (names are checked): lxml refuses it
        raise _Unsure
    return XML_DECLARATION + xml + "\n"


def generate(doc: Document) -> str:
    """The document as TwiML XML (declaration, layout): the bytes lxml writes for
    :func:`to_tree`'s tree, written directly when they can be (see the module)."""
    try:
        return _write(doc)
    except _Unsure:
        root, _ = to_tree(doc)
        return serialize(root)
