"""Every .twl example in the README compiles, and its shell examples name real files."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import twimlc

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
TWL_BLOCKS = [body for lang, body in BLOCKS if lang == "" and not body.lstrip().startswith(("$", "tests/"))]


def test_readme_has_examples() -> None:
    assert len(TWL_BLOCKS) >= 10


@pytest.mark.parametrize("body", TWL_BLOCKS, ids=lambda b: b.strip().splitlines()[0][:40])
def test_readme_twl_compiles(body: str) -> None:
    doc, diagnostics = twimlc.analyze(body, "README.md")
    assert doc is not None
    assert [d for d in diagnostics if d.is_error] == []


def test_readme_files_exist() -> None:
    for path in set(re.findall(r"\b((?:examples|tests/errors)/[\w.-]+\.twl)\b", README)):
        assert (ROOT / path).exists(), path
