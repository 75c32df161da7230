"""The generator writes XML as a string (``generate``) and as an lxml tree (``to_tree``,
for templates and the dialer). Both must give the same bytes: the string writer is only a
faster way of writing what lxml writes, and hands to lxml whatever it is not sure of."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, shared_or_skip
from hypothesis import given, settings
from hypothesis import strategies as st
from test_roundtrip_hypothesis import SETTINGS, documents, texts

from twimlc import generator
from twimlc.api import read
from twimlc.ast import Attribute, Document, Element, Node, Text
from twimlc.decompiler import read_document
from twimlc.generator import generate, serialize, to_tree
from twimlc.params import LITERAL
from twimlc.values import NOT_XML


def with_lxml(doc: Document) -> str | type[Exception]:
    """What generate wrote before it wrote strings: lxml's serialisation (or the error)."""
    try:
        return serialize(to_tree(doc)[0])
    except Exception as e:  # the same failure, whatever it is
        return type(e)


def written(doc: Document) -> str | type[Exception]:
    try:
        return generate(doc)
    except Exception as e:
        return type(e)


@pytest.mark.parametrize("twl", sorted(CASES.glob("*.twl")), ids=lambda p: p.stem)
def test_golden_cases_as_lxml_writes_them(twl: Path) -> None:
    doc, _ = read(twl.read_text(encoding="utf-8"), str(twl))
    assert written(doc) == with_lxml(doc)


def test_corpus_read_exactly_as_lxml_writes_it() -> None:
    """Every corpus document read as decompile reads it (kept raw elements and attributes,
    vendor prefixes such as amazon:effect, comments, odd white space)."""
    corpus = shared_or_skip("corpus", "twiml")
    compared = 0
    for path in sorted(corpus.rglob("*.xml")):
        doc, _ = read_document(path.read_bytes(), str(path), twiml=True)
        if doc is not None:
            assert written(doc) == with_lxml(doc), path
            compared += 1
    assert compared > 400


@SETTINGS
@given(documents())
def test_generated_documents_as_lxml_writes_them(doc: Document) -> None:
    assert written(doc) == with_lxml(doc)


# Names and text the string writer must take as lxml does, refuse as lxml does, or hand to lxml.
odd_names = st.sampled_from(
    ["Say", "x", "_a", "a.b-c", "xml:lang", "xml:", "xmlns", "amazon:effect", "a:b:c", "1a", "-a", "é", "a b", ""]
)
odd_texts = st.one_of(
    texts,
    st.sampled_from(["\x00", "\x1f", "\ufffe", "\ud800", "\x7f", "\x85", "\u2028", "\ufdd0", LITERAL, "{{'", "{'}}"]),
)


@st.composite
def raw_elements(draw: st.DrawFn, depth: int = 0) -> Element:
    attrs = tuple(
        Attribute(draw(odd_names), draw(st.one_of(odd_texts, st.lists(odd_texts, max_size=3).map(tuple))), True)
        for _ in range(draw(st.integers(0, 3)))
    )
    children: list[Node] = []
    for _ in range(draw(st.integers(0, 3))):
        if depth < 2 and draw(st.booleans()):
            children.append(draw(raw_elements(depth + 1)))
        else:
            children.append(Text(draw(odd_texts)))
    return Element(draw(odd_names), attrs, tuple(children), draw(st.booleans()))


@settings(SETTINGS, max_examples=600)
@given(st.lists(raw_elements(), max_size=3), st.sampled_from(["voice", "messaging"]))
def test_odd_names_and_characters_as_lxml_writes_or_refuses_them(body: list[Element], kind: str) -> None:
    doc = Document(kind, tuple(body))
    assert written(doc) == with_lxml(doc)


def test_every_character_as_lxml_writes_it() -> None:
    """Each code point XML can carry, in text and in an attribute value, is written as lxml
    writes it; each one it cannot carry is refused (ValueError) as lxml refuses it."""
    chunk = 4096
    for start in range(0, 0x110000, chunk):
        chars = "".join(chr(c) for c in range(start, min(start + chunk, 0x110000)))
        good = NOT_XML.sub("", chars)
        doc = Document("voice", (Element("Say", (Attribute("voice", good),), (Text(good),)),))
        assert written(doc) == with_lxml(doc), hex(start)
    for bad in "\x00\x08\x0b\x1f\ufffe\uffff\ud800\udfff":
        doc = Document("voice", (Element("Say", (), (Text("a" + bad),)),))
        refused = UnicodeEncodeError if "\ud800" <= bad <= "\udfff" else ValueError
        assert written(doc) is with_lxml(doc) is refused


def test_a_document_in_the_vocabulary_is_written_without_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed of compile: no lxml tree is built for an ordinary document."""
    source = (CASES / "hello.twl").read_text(encoding="utf-8")
    doc, _ = read(source)
    expected = generate(doc)

    def no_tree(*args: object, **kwargs: object) -> None:
        raise AssertionError("an lxml tree was built")

    monkeypatch.setattr(generator, "to_tree", no_tree)
    assert generate(doc) == expected


def test_a_vendor_prefix_is_handed_to_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """``amazon:effect`` is a name lxml builds only by parsing it: the string writer hands
    the document over rather than write it itself."""
    doc, _ = read('say:\n    !amazon:effect !name=whispered "psst"\n')
    built: list[bool] = []
    real = generator.to_tree

    def counted(*args: object, **kwargs: object) -> object:
        built.append(True)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(generator, "to_tree", counted)
    assert '<Say><amazon:effect name="whispered">psst</amazon:effect></Say>' in generate(doc) and built
