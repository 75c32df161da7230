"""Golden pairs: tests/cases/NAME.twl compiles to tests/cases/NAME.xml (as canonical XML)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES

import twimlc
from twimlc.ast import Element, Node, Text, walk
from twimlc.canonical import canonical
from twimlc.dialect import TWILIO
from twimlc.vocabulary import KINDS

CASE_FILES = sorted(CASES.glob("*.twl"))


@pytest.mark.parametrize("twl", CASE_FILES, ids=lambda p: p.stem)
def test_golden(twl: Path) -> None:
    expected = twl.with_suffix(".xml").read_text(encoding="utf-8")
    got = twimlc.compile(twl.read_text(encoding="utf-8"), filename=str(twl))
    assert canonical(got) == canonical(expected)


def test_output_is_utf8_with_declaration() -> None:
    xml = twimlc.compile('say "日本語"')
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Response>')
    assert "日本語" in xml  # written as UTF-8, not as character references


def test_text_inside_say_is_not_reindented() -> None:
    xml = twimlc.compile('say:\n    "  a  "\n    break time=1s\n    "\\n  b"\n')
    assert '<Say>  a  <break time="1s"/>\n  b</Say>' in xml


def test_text_elements_get_no_white_space_among_their_children() -> None:
    """Byte for byte: an element that can hold text gets nothing inserted between its
    children (it would be spoken or sent); element-only content is still indented."""
    xml = twimlc.compile('say:\n    emphasis "no"\n    emphasis "where"\n')
    assert "<Say><emphasis>no</emphasis><emphasis>where</emphasis></Say>" in xml
    xml = twimlc.compile('say:\n    p:\n        s "One."\n        s "Two."\n')
    assert "<Say><p><s>One.</s><s>Two.</s></p></Say>" in xml
    xml = twimlc.compile('message:\n    body "Hi"\n    media https://example.com/a.png\n')
    assert "<Message><Body>Hi</Body><Media>https://example.com/a.png</Media></Message>" in xml
    xml = twimlc.compile('gather:\n    say:\n        emphasis "a"\n        break\n    pause\n')
    expected = "<Response>\n  <Gather>\n    <Say><emphasis>a</emphasis><break/></Say>\n    <Pause/>\n  </Gather>\n</Response>\n"
    assert xml.endswith(expected)


def _segments(children: tuple[Node, ...]) -> list[str]:
    """The text before the first element and after each element, as the AST has it."""
    out = [""]
    for c in children:
        if isinstance(c, Text):
            out[-1] += c.value
        elif isinstance(c, Element):
            out.append("")
    return out


def assert_text_is_exact(doc: twimlc.Document, xml: str) -> None:
    """Every element that can hold text has exactly the source's text between its children."""
    from lxml import etree

    from twimlc.xmlread import parse_xml

    root, problems = parse_xml(xml.encode("utf-8"), "generated")  # reads <amazon:effect> as Twilio's docs write it
    assert root is not None, problems
    vocab = TWILIO.vocabulary(doc.kind)
    for e, el in zip(walk(doc.body), root.iterdescendants(), strict=True):
        assert el.tag == e.tag
        spec = vocab.elements.get(e.tag)
        if e.raw or spec is None or spec.text:
            got = [el.text or ""] + [c.tail or "" for c in el]
            assert got == _segments(e.children), etree.tostring(el)


@pytest.mark.parametrize("twl", CASE_FILES, ids=lambda p: p.stem)
def test_text_is_written_exactly(twl: Path) -> None:
    doc = twimlc.parse(twl.read_text(encoding="utf-8"), str(twl))
    assert_text_is_exact(doc, twimlc.generate(doc))


def _documents() -> list[twimlc.Document]:
    return [twimlc.parse(p.read_text(encoding="utf-8"), str(p)) for p in CASE_FILES]


def test_cases_cover_every_element_and_value_type() -> None:
    """The golden cases use every element of every kind, and every attribute type."""
    docs = _documents()
    seen_tags = {(d.kind, e.tag) for d in docs for e in walk(d.body) if not e.raw}
    missing = [
        (k, tag)
        for k in KINDS
        for tag in TWILIO.vocabulary(k).elements
        if tag != "Response" and (k, tag) not in seen_tags
    ]
    assert not missing, f"no golden case uses {missing}"
    types_seen = set()
    for d in docs:
        v = TWILIO.vocabulary(d.kind)
        for e in walk(d.body):
            if e.raw:
                continue
            for a in e.attributes:
                t = v.elements[e.tag].attributes.get(a.name) if not a.raw else None
                if t is not None:
                    types_seen.add((t.type, t.is_list))
    all_types = {
        (t.type, t.is_list)
        for k in KINDS
        for s in TWILIO.vocabulary(k).elements.values()
        for t in s.attributes.values()
    }
    assert all_types - types_seen == set()
