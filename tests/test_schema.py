"""The published XSDs: generated from the vocabulary, loadable by libxml2 and xmlschema,
accepting valid TwiML and rejecting what Twilio's schema validation (12200) rejects, and
agreeing with twimlc's own checker document by document."""

from __future__ import annotations

import csv
import importlib.util
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from conftest import CASES, ROOT, shared_or_skip
from lxml import etree

import twimlc
from twimlc.api import read_xml_document
from twimlc.vocabulary import KINDS

SCHEMA_DIR = ROOT / "schemas"


@cache
def schema(kind: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"twiml-{kind}.xsd")))


def test_committed_schemas_are_generated() -> None:
    spec = importlib.util.spec_from_file_location("gen_xsd", ROOT / "tools" / "gen_xsd.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.generate().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, "run: python tools/gen_xsd.py"


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_load_in_lxml_and_xmlschema(kind: str) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    assert schema(kind) is not None
    xs = xmlschema.XMLSchema10(str(SCHEMA_DIR / f"twiml-{kind}.xsd"))
    assert xs.is_valid("<Response/>")


def test_schemas_ship_in_the_package() -> None:
    files = resources.files("twimlc.schemas")
    for kind in KINDS:
        assert files.joinpath(f"twiml-{kind}.xsd").is_file()
    assert files.joinpath("xml.xsd").is_file()


@pytest.mark.parametrize(
    "twl", [p for p in sorted(CASES.glob("*.twl")) if p.stem != "escape_hatch"], ids=lambda p: p.stem
)
def test_golden_cases_are_schema_valid(twl: Path) -> None:
    doc = twimlc.parse(twl.read_text(encoding="utf-8"))
    tree = etree.fromstring(twimlc.generate(doc).encode("utf-8"))
    assert schema(doc.kind).validate(tree), schema(doc.kind).error_log


BROKEN = {
    "wrong element name": "<Response><Sya>x</Sya></Response>",
    "wrong case": "<Response><say>x</say></Response>",
    "unknown attribute": '<Response><Say lagnauge="en-US">x</Say></Response>',
    "attribute on the wrong element": '<Response><Dial statusCallbackEvent="initiated">+15558675310</Dial></Response>',
    "bad enum value": '<Response><Reject reason="nope"/></Response>',
    "bad boolean": '<Response><Gather bargeIn="yes"/></Response>',
    "bad integer": '<Response><Pause length="two"/></Response>',
    "integer out of range": '<Response><Record maxLength="99999"/></Response>',
    "bad list item": '<Response><Gather input="dtmf voice"/></Response>',
    "bad duration": '<Response><Say><break time="1 minute"/></Say></Response>',
    "dial inside gather": "<Response><Gather><Dial>+15558675310</Dial></Gather></Response>",
    "text where none is allowed": "<Response><Hangup>now</Hangup></Response>",
    "missing required text": "<Response><Dial><Number></Number></Dial></Response>",
    "messaging verb in voice": "<Response><Say>x</Say><Message>y</Message></Response>",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_schema_and_checker_reject_broken_documents(name: str) -> None:
    data = BROKEN[name].encode()
    doc, diagnostics, _ = read_xml_document(data, name)
    assert any(d.is_error for d in diagnostics), name
    kind = doc.kind if doc is not None else "voice"
    assert not schema(kind).validate(etree.fromstring(data)), name


def test_schema_agrees_with_checker_on_the_corpus() -> None:
    base = shared_or_skip("corpus")
    with (base / "MANIFEST.tsv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["wellformed"] == "yes"]
    valid = 0
    disagreements = []
    for r in rows:
        data = (base / r["file"]).read_bytes()
        doc, diagnostics, _ = read_xml_document(data, r["file"])
        ours = doc is not None and not any(d.is_error or d.code == "TWL306" for d in diagnostics)
        xsd = schema(doc.kind if doc else "voice").validate(etree.fromstring(data))
        valid += xsd
        if ours != xsd:
            disagreements.append(r["file"])
    assert disagreements == []
    assert valid > 350


def test_fast_path_reports_exactly_what_the_full_path_does() -> None:
    """check_xml's C fast path (XSD first) must never hide a finding of the full path."""
    from twimlc.api import check_xml, size_limits_bytes
    from twimlc.validate import validate

    base = shared_or_skip("corpus")
    files = sorted((base / "twiml").rglob("*.xml"))
    files += sorted(CASES.glob("*.xml"))
    for f in files:
        data = f.read_bytes()
        doc, diagnostics, _ = read_xml_document(data, "x") if b"<Response" in data else (None, [], False)
        if doc is None:
            continue
        diagnostics = diagnostics + validate(doc, diagnostics)  # the rules run despite errors
        diagnostics += size_limits_bytes(data, doc.dialect, False)
        full = sorted((d.code, d.span.line) for d in diagnostics)
        assert sorted((d.code, d.span.line) for d in check_xml(data, "x") or []) == full, f
