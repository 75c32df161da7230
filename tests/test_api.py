"""The public library API, and that commands import only what they need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import twimlc


def test_public_names_are_callables_even_after_submodule_imports() -> None:
    import twimlc.checker
    import twimlc.generator

    assert callable(twimlc.check) and callable(twimlc.generate) and callable(twimlc.compile)
    assert set(twimlc.__all__) >= {"parse", "compile", "check", "TwimlcError", "Diagnostic"}


def test_library_round_trip() -> None:
    doc = twimlc.parse('say "Hi"\n', filename="x.twl")
    assert isinstance(doc, twimlc.Document)
    assert [e.tag for e in doc.elements] == ["Say"]
    assert doc.elements[0].span == twimlc.Span(1, 1, 1, 9)
    assert "<Say>Hi</Say>" in twimlc.generate(doc)
    assert twimlc.check(Path(ROOT / "examples" / "hello.twl")) == []


def _modules_after(code: str) -> set[str]:
    r = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(r.stdout.split())


def test_check_twl_imports_no_heavy_modules() -> None:
    mods = _modules_after("from twimlc.cli import main; main(['check', 'examples/hello.twl'])")
    for heavy in ("lxml", "xmlschema", "httpx", "phonenumbers", "twilio"):
        assert not any(m == heavy or m.startswith(heavy + ".") for m in mods), heavy


def test_import_twimlc_is_cheap() -> None:
    mods = _modules_after("import twimlc")
    assert "lark" not in mods and "lxml" not in mods and "twimlc.parser" not in mods


# --- compile, parse and analyze judge a document exactly as check does ---------------------

JUDGED = {
    "a number beside a conference": "dial:\n    number +15558675310\n    conference room\n",
    "eleven numbers": "dial:\n" + "".join(f"    number +155586753{i:02d}\n" for i in range(11)),
    "a 200,000-character say": 'say "' + "a" * 200_000 + '"\n',
    "an empty play": "play\n",
    "a bad value and a rule": 'say "x" loop=many\ndial 4155550100\n',
}


@pytest.mark.parametrize("source", JUDGED.values(), ids=list(JUDGED))
def test_compile_parse_and_analyze_judge_like_check(source: str) -> None:
    from twimlc.checker import check_twl

    expected = check_twl(source, "x.twl")
    assert any(d.is_error for d in expected)
    with pytest.raises(twimlc.TwimlcError) as info:
        twimlc.compile(source, "x.twl")
    assert info.value.diagnostics == expected
    with pytest.raises(twimlc.TwimlcError) as info:
        twimlc.parse(source, "x.twl")
    assert info.value.diagnostics == expected
    doc, diagnostics = twimlc.analyze(source, "x.twl")  # the lenient entry: never raises
    assert doc is not None and diagnostics == expected


def test_warnings_do_not_stop_compile_or_parse() -> None:
    source = 'hangup\nsay "x"\n'
    assert "<Hangup/>" in twimlc.compile(source)
    assert [e.tag for e in twimlc.parse(source).elements] == ["Hangup", "Say"]
    _, diagnostics = twimlc.analyze(source)
    assert [(d.code, d.severity) for d in diagnostics] == [("TWL401", "warning")]
