"""Fast paths of the XML check that must not change a verdict."""

from __future__ import annotations

from typing import Any

import pytest

from twimlc import xmlread


class _Counting:
    def __init__(self, xpath: Any) -> None:
        self.xpath, self.calls = xpath, 0

    def __call__(self, root: Any) -> Any:
        self.calls += 1
        return self.xpath(root)


@pytest.fixture
def depth_xpath(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    counting = _Counting(xmlread._TOO_DEEP)
    monkeypatch.setattr(xmlread, "_TOO_DEEP", counting)
    return counting


def _nested(depth: int, self_closing: bool) -> bytes:
    inner = b"<Pause/>" if self_closing else b"<Pause></Pause>"
    return b"<Response>" + b"<Gather>" * (depth - 2) + inner + b"</Gather>" * (depth - 2) + b"</Response>"


def test_a_small_document_skips_the_depth_xpath(depth_xpath: _Counting) -> None:
    root, problems = xmlread.parse_xml(b'<?xml version="1.0"?>\n<Response><Say>Hi</Say></Response>', "a.xml")
    assert root is not None and problems == [] and depth_xpath.calls == 0


@pytest.mark.parametrize("self_closing", [True, False])
def test_a_document_deep_enough_is_still_refused(depth_xpath: _Counting, self_closing: bool) -> None:
    deep = xmlread.MAX_DEPTH + 1  # elements in the chain: the innermost has MAX_DEPTH ancestors
    root, problems = xmlread.parse_xml(_nested(deep, self_closing), "deep.xml")
    assert root is None and [d.code for d in problems] == ["TWL007"] and depth_xpath.calls == 1
    root, problems = xmlread.parse_xml(_nested(deep - 1, self_closing), "ok.xml")
    assert root is not None and problems == []


def test_markup_not_in_ascii_is_walked(depth_xpath: _Counting) -> None:
    data = "<Response><Say>Hi</Say></Response>".encode("utf-16")
    root, _ = xmlread.parse_xml(data, "u16.xml")
    assert root is not None and depth_xpath.calls == 1


def test_checking_a_twl_file_imports_no_template_machinery() -> None:
    """Start-up of ``twimlc check one.twl``: rendering (twimlc.template, urllib.parse) is
    imported where a template is rendered, not by every check."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys; from twimlc.cli import main; main(['check', 'examples/hello.twl']); print(' '.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "twimlc.template" not in out.split()


def test_a_clean_document_is_decided_without_xpath() -> None:
    """The rules' selections are one Python walk of the tree (each rule's picks), not an
    XPath call per rule: a fresh process checks a clean file and evaluates no XPath."""
    import subprocess
    import sys

    code = """
import sys
from lxml import etree

calls = []


class Counting(etree.XPath):
    def __call__(self, *args, **kwargs):
        calls.append(self.path)
        return super().__call__(*args, **kwargs)


etree.XPath = Counting
from twimlc.api import check_xml

clean = b'<?xml version="1.0"?><Response><Say voice="alice">Hi</Say><Dial>+14155550100</Dial></Response>'
flagged = b'<Response><Hangup/><Say>Hi</Say></Response>'
assert check_xml(clean, "clean.xml") == []
print(len(calls))
assert [d.code for d in check_xml(flagged, "flagged.xml")] == ["TWL401"]
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0"]
