"""How the rules are run on a typed document: :func:`twimlc.validate.validate` walks it once
and gives each rule only the elements of the tags its picks name (what its selection could
pick). That must find exactly what each rule finds given every element."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CASES, ERRORS, shared_or_skip
from hypothesis import given
from test_roundtrip_hypothesis import SETTINGS, documents

from twimlc import validate as rules
from twimlc.api import read, read_xml_document
from twimlc.ast import Document, Element
from twimlc.diagnostics import Diagnostic


def every_element(doc: Document, reported: list[Diagnostic]) -> list[Diagnostic]:
    """Each rule given every element, as before validate gave each only its picks' tags."""
    untagged = tuple(rule.replace(picks=lambda dialect, vocab: {"*": lambda el: True}) for rule in rules.RULES)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(rules, "RULES", untagged)
        return rules.validate(doc, reported)


def same(doc: Document, reported: list[Diagnostic]) -> None:
    assert rules.validate(doc, reported) == every_element(doc, reported)


@pytest.mark.parametrize(
    "twl", sorted(CASES.glob("*.twl")) + sorted(ERRORS.glob("*.twl")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_cases_and_errors(twl: Path) -> None:
    same(*read(twl.read_text(encoding="utf-8"), str(twl)))


def test_corpus() -> None:
    found = 0
    for path in sorted(shared_or_skip("corpus", "twiml").rglob("*.xml")):
        doc, reported, _ = read_xml_document(path.read_bytes(), str(path), twiml=True)
        if doc is not None:
            same(doc, reported)
            found += len(rules.validate(doc, reported))
    assert found > 20  # the corpus has documents the rules flag


@SETTINGS
@given(documents())
def test_generated_documents(doc: Document) -> None:
    same(doc, [])


def test_a_rule_sees_only_its_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def spy(doc: Document, elements: list[Element]) -> Iterator[Diagnostic]:
        seen.extend(e.tag for e in elements)
        return iter(())

    spied = tuple(r.replace(check=spy) if r.check is rules.phone_numbers else r for r in rules.RULES)
    monkeypatch.setattr(rules, "RULES", spied)
    doc, reported = read('say "Hi"\ndial:\n    number +14155550100\npause\n')
    rules.validate(doc, reported)
    assert seen == ["Dial", "Number"]
