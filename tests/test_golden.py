"""Golden pairs: tests/cases/NAME.twl compiles to tests/cases/NAME.xml (as canonical XML)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES

import twimlc
from twimlc.ast import walk
from twimlc.canonical import canonical
from twimlc.vocabulary import KINDS, vocabulary

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


def _documents() -> list[twimlc.Document]:
    return [twimlc.parse(p.read_text(encoding="utf-8"), str(p)) for p in CASE_FILES]


def test_cases_cover_every_element_and_value_type() -> None:
    """The golden cases use every element of every kind, and every attribute type."""
    docs = _documents()
    seen_tags = {(d.kind, e.tag) for d in docs for e in walk(d.body) if not e.raw}
    missing = [
        (k, tag) for k in KINDS for tag in vocabulary(k).elements if tag != "Response" and (k, tag) not in seen_tags
    ]
    assert not missing, f"no golden case uses {missing}"
    types_seen = set()
    for d in docs:
        v = vocabulary(d.kind)
        for e in walk(d.body):
            if e.raw:
                continue
            for a in e.attributes:
                t = v.elements[e.tag].attributes.get(a.name) if not a.raw else None
                if t is not None:
                    types_seen.add((t.type, t.is_list))
    all_types = {
        (t.type, t.is_list) for k in KINDS for s in vocabulary(k).elements.values() for t in s.attributes.values()
    }
    assert all_types - types_seen == set()
