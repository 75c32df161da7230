"""Canonical XML for comparing TwiML documents.

Two documents are "the same" when their C14N forms are equal after dropping white space
that only separates elements (indentation), or stands alone inside an element that holds
no text (``<Gather>`` over two lines). White space inside mixed content, where it
is spoken or sent, always counts, and so does all white space inside ``<Say>``: between
two SSML elements it separates words. Comments and processing instructions do not count.
"""

from __future__ import annotations

from lxml import etree

from .dialect import takes_no_text

SPEECH = "Say"  # everything inside it is spoken, white space included


def in_speech(el: etree._Element) -> bool:
    """Whether ``el`` is ``<Say>`` or inside one."""
    return el.tag == SPEECH or any(a.tag == SPEECH for a in el.iterancestors())


def _strip_layout(el: etree._Element) -> None:
    if el.tag == SPEECH:
        return
    children = list(el)
    mixed = bool((el.text or "").strip()) or any((c.tail or "").strip() for c in children)
    if not children and not mixed and el.text and isinstance(el.tag, str) and takes_no_text(el.tag):
        el.text = None  # <Gather>\n</Gather>: layout inside an element that holds no text
    if children and not mixed:
        el.text = None
        for c in children:
            c.tail = None
    for c in children:
        if isinstance(c.tag, str):
            _strip_layout(c)


_SETTINGS = dict(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
_PARSER = etree.XMLParser(**_SETTINGS)  # type: ignore[arg-type]
_LENIENT = etree.XMLParser(recover=True, **_SETTINGS)  # type: ignore[arg-type]  # undeclared prefixes only


def _parse(data: bytes) -> etree._Element:
    from .xmlread import fromstring

    return fromstring(data, _PARSER, _LENIENT)


def canonical_tree(root: etree._Element) -> bytes:
    """C14N of a tree without layout white space, comments and processing instructions."""
    copy = _parse(etree.tostring(root))
    _strip_layout(copy)
    out: bytes = etree.tostring(copy, method="c14n")
    return out


def without_layout(xml: str | bytes) -> etree._Element:
    """``xml`` parsed without comments, processing instructions and layout white space:
    the tree :func:`canonical` compares (``dial`` sends it serialised as it is, compact)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = etree.fromstring(data, _PARSER)
    _strip_layout(root)
    return root


def canonical(xml: str | bytes) -> bytes:
    """C14N of ``xml`` without layout white space and comments."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return canonical_tree(_parse(data))
