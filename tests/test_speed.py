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


# --- the per-file work of checking many files: each shortcut gives the same answer ---------


def test_the_usual_start_of_a_file_is_told_by_one_match(monkeypatch: pytest.MonkeyPatch) -> None:
    from twimlc import sniff

    def no_look(data: bytes) -> tuple[bool | None, str]:
        raise AssertionError("looked at every part of the start")

    monkeypatch.setattr(sniff, "look", no_look)
    assert sniff.sniff(b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Say>Hi</Say></Response>') == (True, "")


@pytest.mark.parametrize(
    "start",
    [
        b"<Response>",
        b'<?xml version="1.0"?><Response>',
        b'<?xml version="1.0" encoding="UTF-8"?>\r\n\t <Response>',
        b"<?xml-stylesheet href='a'?>\n<Response>",
        b"<?xml version='1.0'?><!-- a comment --><Response>",
        b"\xef\xbb\xbf<Response>",
        b"<Response xmlns='urn:x'>",
        b"<Response >",
        b"<Response/>",
        b"<Responses><Say/>",
        b'<?xml version="1.0"?>x<Response>',
        b"<?xml a>b?><Response>",
    ],
)
def test_the_one_match_agrees_with_the_full_look(start: bytes) -> None:
    from twimlc import sniff

    data = start + b"<Say>Hi</Say></Response>"
    assert sniff.sniff(data) == sniff.look(data)
    if sniff._plain_start().match(data):
        assert sniff.look(data) == (True, "")


def test_the_one_match_agrees_with_the_full_look_on_every_xml_file() -> None:
    from conftest import ROOT, SHARED

    from twimlc import sniff

    files = sorted((SHARED / "corpus").rglob("*.xml")) + sorted((ROOT / "tests").rglob("*.xml"))
    assert files
    for f in files:
        data = f.read_bytes()
        assert sniff.sniff(data) == sniff.look(data), f


def test_a_file_without_markup_declarations_is_not_searched_for_a_doctype(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refuse:
        def search(self, *args: object) -> None:
            raise AssertionError("searched for a DOCTYPE")

    clean = b'<?xml version="1.0"?>\n<Response><Say>Hi</Say></Response>'
    real = xmlread._DOCTYPE
    monkeypatch.setattr(xmlread, "_DOCTYPE", Refuse())
    assert xmlread.parse_xml(clean, "a.xml")[1] == []
    monkeypatch.setattr(xmlread, "_DOCTYPE", real)
    for data in (b"<!DOCTYPE x><Response/>", b"<!-- c --><!doctype x><Response/>", b"<!-- c -->\n<!DocType x>"):
        assert [d.code for d in xmlread.parse_xml(data, "a.xml")[1]] == ["TWL007"]
    assert xmlread.parse_xml(b"<!-- DOCTYPE --><Response/>", "a.xml")[1] == []


def test_the_kind_is_asked_of_the_dialect_once_per_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    from lxml import etree

    from twimlc.dialect import Dialect

    asked: list[tuple[str, ...]] = []
    real = Dialect.infer_kind

    def counting(self: Dialect, tags: Any) -> tuple[str, int | None]:
        tags = tuple(tags)
        asked.append(tags)
        return real(self, tags)

    monkeypatch.setattr(Dialect, "infer_kind", counting)
    monkeypatch.setattr(xmlread, "_DECIDES", {})
    documents = [b"<Response><Redirect/><Message>x</Message></Response>"] * 3 + [b"<Response><Redirect/></Response>"]
    kinds = [xmlread.kind_of(etree.fromstring(d)) for d in documents]
    assert kinds == ["messaging", "messaging", "messaging", "voice"]
    assert sorted(t for t in asked if t) == [("Message",), ("Redirect",)]


def test_a_known_voice_is_accepted_without_asking_for_its_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    from lxml import etree

    from twimlc.dialect import TWILIO

    calls: list[str] = []
    real = xmlread.value_problem

    def counting(t: Any, text: str) -> Any:
        calls.append(text)
        return real(t, text)

    monkeypatch.setattr(xmlread, "value_problem", counting)
    monkeypatch.setattr(xmlread, "_TABLES", {})
    known = etree.fromstring(b'<Response><Say voice="Polly.Joanna" language="en-US">Hi</Say></Response>')
    assert xmlread.fast_clean(known, TWILIO) and calls == []
    unknown = etree.fromstring(b'<Response><Say voice="Polly.Joana">Hi</Say></Response>')
    assert not xmlread.fast_clean(unknown, TWILIO) and calls == ["Polly.Joana"]


def test_a_number_and_a_url_are_judged_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.parse

    import phonenumbers

    from twimlc.values import number_problem, url_problem

    parsed: list[str] = []
    real_parse, real_split = phonenumbers.parse, urllib.parse.urlsplit
    monkeypatch.setattr(phonenumbers, "parse", lambda n, r: parsed.append(n) or real_parse(n, r))
    monkeypatch.setattr(urllib.parse, "urlsplit", lambda u, *a: parsed.append(u) or real_split(u, *a))
    for _ in range(3):
        number_problem("+493012345678901")
        assert url_problem("https://once.example/a-url-judged-once") is None
    assert parsed.count("+493012345678901") <= 1
    assert parsed.count("https://once.example/a-url-judged-once") <= 1


def test_a_misspelt_choice_is_looked_up_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from twimlc.dialect import TWILIO
    from twimlc.vocabulary import suggest

    voices = TWILIO.vocabulary("voice").elements["Say"].attributes["voice"].values
    calls: list[str] = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda w, *a, **k: calls.append(w) or real(w, *a, **k))
    first = suggest("Polly.Joanna-Neural-Misspelt", voices)
    asked = len(calls)
    assert suggest("Polly.Joanna-Neural-Misspelt", voices) == first
    assert len(calls) == asked
    assert suggest("Polly.Joanna-Neural-Misspelt", list(voices)) == first  # a list: not remembered


def test_a_regular_file_is_read_in_one_call(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from twimlc.files import read_bytes

    path = tmp_path / "a.xml"
    path.write_bytes(b"<Response><Say>Hi</Say></Response>" * 100)
    reads: list[int] = []
    real = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real(fd, n))
    assert read_bytes(str(path)) == (path.read_bytes(), [])
    assert reads == [path.stat().st_size + 1]
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    assert read_bytes(str(empty)) == (b"", [])


def test_source_lines_in_printable_ascii_are_drawn_without_a_look_at_each_character(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from twimlc import diagnostics
    from twimlc.api import checks

    found = checks('say "Hi" statusCallBack=/x\n', filename="a.twl")
    real = diagnostics._cell

    def refuse(ch: str, column: int) -> str:
        raise AssertionError("looked at each character")

    monkeypatch.setattr(diagnostics, "_cell", refuse)
    shown = diagnostics.render_text(found[0], 'say "Hi" statusCallBack=/x\n')
    monkeypatch.setattr(diagnostics, "_cell", real)
    assert shown.splitlines()[1:3] == ['1 | say "Hi" statusCallBack=/x', "  |          ^^^^^^^^^^^^^^"]
    tabbed = diagnostics.render_text(found[0], 'say\t"Hi" statusCallBack=/x\n')
    assert "\t" not in tabbed


def test_a_walk_finds_what_os_walk_finds_without_a_stat_per_file(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from twimlc.cli import _files
    from twimlc.files import files_below
    from twimlc.sniff import TWL_SUFFIXES, XML_SUFFIXES

    for name in ("b.xml", "a.twl", "c.twiml", "d.txt", "sub/z.xml", "sub/deeper/y.twl", "Sub2/x.xml", ".hidden/h.xml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<Response/>")
    os.mkfifo(tmp_path / "fifo.xml")
    os.symlink(tmp_path / "b.xml", tmp_path / "link.xml")
    os.symlink(tmp_path / "missing.xml", tmp_path / "broken.xml")
    os.symlink(tmp_path / "sub", tmp_path / "linked-folder")
    os.mkdir(tmp_path / "folder.xml")

    def walked(top: str) -> list[str]:  # what os.walk and os.path.isfile find
        out = []
        for root, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found = (os.path.join(root, n) for n in sorted(names) if n.endswith(TWL_SUFFIXES + XML_SUFFIXES))
            out.extend(f for f in found if os.path.isfile(f))
        return out

    expected = walked(str(tmp_path))
    assert [os.path.relpath(f, tmp_path) for f in expected] == [
        "a.twl",
        "b.xml",
        "c.twiml",
        "link.xml",
        "Sub2/x.xml",
        "sub/z.xml",
        "sub/deeper/y.twl",
    ]

    def no_stat(*args: object, **kwargs: object) -> None:
        raise AssertionError("a stat per file")

    monkeypatch.setattr(os.path, "isfile", no_stat)
    assert files_below(str(tmp_path), TWL_SUFFIXES + XML_SUFFIXES) == expected
    assert _files([str(tmp_path)]) == expected


def test_one_target_passes_its_findings_through() -> None:
    from twimlc.api import check_xml
    from twimlc.cli import _portable
    from twimlc.dialect import TWILIO

    found = check_xml(b"<Response><Hangup/><Say>Hi</Say></Response>", "a.xml")
    passed = _portable({TWILIO.name: found}, [TWILIO])  # no grouping: each finding named with its target
    assert [d.message for d in passed] == [d.message for d in found] and {d.providers for d in passed} == {("twilio",)}


def test_reading_xml_for_check_builds_each_statement_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from lxml import etree

    from twimlc.ast import Statement

    built: list[str] = []

    class Counting(Statement):
        __slots__ = ()

        def __init__(self, keyword: str, *args: Any) -> None:
            built.append(keyword)
            super().__init__(keyword, *args)

    text = "<Response>\n  <Gather>\n    <Say>Hi</Say>\n  </Gather>\n  <Hangup/>\n</Response>"
    monkeypatch.setattr(xmlread, "Statement", Counting)
    nodes, _ = xmlread.to_syntax(etree.fromstring(text), text)
    assert len(built) == 4  # <Response>, <Gather>, <Say>, <Hangup>
    assert [type(n).__name__ for n in nodes] == ["Counting", "Counting"]  # the indentation dropped


def test_checking_a_file_imports_nothing_more(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import statement costs about a microsecond: the per-file path of check leaves
    them to the set-up (the driver's own lazy import of the XML modules aside)."""
    import builtins
    import sys

    from twimlc.api import size_limits_bytes
    from twimlc.cli import _checker
    from twimlc.dialect import TWILIO

    path = tmp_path / "a.xml"
    path.write_bytes(b"<Response><Say>Hi</Say></Response>")
    check = _checker([TWILIO], False)
    check(str(path))
    imported: list[str] = []
    real = builtins.__import__

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        if str(sys._getframe(1).f_globals.get("__name__")).startswith("twimlc"):
            imported.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting)
    assert size_limits_bytes(path.read_bytes(), TWILIO, False) == []
    assert check(str(path)) == ("<Response><Say>Hi</Say></Response>", [], False)
    monkeypatch.setattr(builtins, "__import__", real)
    assert imported == ["xmlread"]  # judge_xml's


def test_a_value_repeated_in_a_document_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver remembers the values it found good for a type (a voice on every <Say>);
    a bad value is still reported wherever it is written."""
    from twimlc import resolve
    from twimlc.parser import parse_syntax

    judged: list[str] = []
    real = resolve.value_problem

    def counted(t: Any, text: str) -> Any:
        judged.append(text)
        return real(t, text)

    monkeypatch.setattr(resolve, "value_problem", counted)
    nodes, comments, _ = parse_syntax(
        'say "a" voice=Polly.Joanna\nsay "b" voice=Polly.Joanna\nsay "c" voice=Polly.Joanna loop=x\nsay loop=x\n'
    )
    _, diagnostics = resolve.resolve(nodes, comments)
    assert judged.count("Polly.Joanna") == 1
    assert [(d.code, d.span.line) for d in diagnostics] == [("TWL202", 3), ("TWL202", 4)]
