"""docs/codes.md documents every code, and each of its examples produces its code."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from twimlc.api import check_twl, check_xml
from twimlc.diagnostics import CODES

DOC = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
SECTIONS = dict(re.findall(r"^## (TWL\d{3}) — .*?\n(.*?)(?=^## |\Z)", DOC, re.S | re.M))
EXAMPLES = [
    (code, lang, body)
    for code, text in SECTIONS.items()
    for lang, body in re.findall(r"```(twl|xml)\n(.*?)```", text, re.S)
]


def test_every_code_is_documented() -> None:
    assert sorted(SECTIONS) == sorted(CODES)


def test_severities_match() -> None:
    for code in SECTIONS:
        heading = re.search(rf"^## {code} — (.*)$", DOC, re.M)
        assert heading is not None
        assert ("(warning)" in heading.group(1)) == (CODES[code].severity == "warning"), code


@pytest.mark.parametrize(("code", "lang", "body"), EXAMPLES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(EXAMPLES)])
def test_example_produces_its_code(code: str, lang: str, body: str) -> None:
    diagnostics = check_xml(body.encode("utf-8")) if lang == "xml" else check_twl(body)
    assert code in [d.code for d in diagnostics or []]
