"""The public library API, and that commands import only what they need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import twimlc


def test_public_names_are_callables_even_after_submodule_imports() -> None:
    import twimlc.api
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
    from twimlc.api import check_twl

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


# --- files and source: load/loads, check/checks (json's load/loads split) -------------------

GREETING = ROOT / "examples" / "greeting.twl"


def test_load_and_check_take_paths_as_str_or_path() -> None:
    for path in (GREETING, str(GREETING)):
        assert [p.name for p in twimlc.load(path).params] == ["caller", "call_sid", "lang"]
        assert twimlc.check(path) == []
    assert twimlc.check(str(ROOT / "tests" / "cases" / "hello.xml")) == []


def test_a_missing_file_is_no_such_file_never_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for path in ("greeting.twl", Path("greeting.twl"), "hangup", "missing.xml"):
        with pytest.raises(twimlc.TwimlcError) as e:
            twimlc.load(path)
        (d,) = e.value.diagnostics
        assert (d.code, d.path) == ("TWL005", str(path))
        assert "no such file" in d.message and "unknown keyword" not in str(e.value)
        assert d.hint is not None and "loads" in d.hint
        (c,) = twimlc.check(path)
        assert (c.code, c.path) == ("TWL005", str(path)) and "no such file" in c.message
        assert c.hint is not None and "checks" in c.hint


def test_loads_and_checks_take_source() -> None:
    t = twimlc.loads('param n string\nsay "Hi {{n}}"\n', filename="inline.twl")
    assert "Hi Ann" in t.render(n="Ann")
    assert [d.code for d in twimlc.checks("hangup\nsay x\n")] == ["TWL401"]
    assert [d.code for d in twimlc.checks("hangup")] == []
    assert [d.code for d in twimlc.checks("<Response><Sya/></Response>")] == ["TWL101"]
    (d,) = twimlc.checks("sya", filename="inline.twl")
    assert (d.code, d.path) == ("TWL101", "inline.twl")
    with pytest.raises(twimlc.TwimlcError) as e:
        twimlc.loads("sya\n", filename="inline.twl")
    assert e.value.diagnostics[0].path == "inline.twl"


def test_source_given_to_load_or_check_still_works_but_is_deprecated() -> None:
    with pytest.deprecated_call(match="loads"):
        t = twimlc.load('param n string\nsay "Hi {{n}}"\n')
    assert "Hi Ann" in t.render(n="Ann")
    with pytest.deprecated_call(match="checks"):
        assert [d.code for d in twimlc.check("hangup\nsay x\n")] == ["TWL401"]
    with pytest.deprecated_call(match="checks"):
        assert [d.code for d in twimlc.check("<Response><Hangup/></Response>")] == []


def test_unreadable_template_files_are_coded_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_bytes(b'say "\xff"\n')
    with pytest.raises(twimlc.TwimlcError) as e:
        twimlc.load(bad)
    assert [d.code for d in e.value.diagnostics] == ["TWL005"]
    with pytest.raises(twimlc.TwimlcError) as e:
        twimlc.load(tmp_path)
    assert [d.code for d in e.value.diagnostics] == ["TWL005"]


def test_compile_writes_a_large_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document near Twilio's size limit is generated to measure it; compile returns
    that XML rather than generating it a second time."""
    from twimlc import generator

    source = "".join(f'say "Option {i}: please stay on the line, an agent will be with you."\n' for i in range(600))
    calls: list[object] = []
    real = generator.generate

    def counted(doc: twimlc.Document) -> str:
        calls.append(doc)
        return real(doc)

    monkeypatch.setattr(generator, "generate", counted)
    xml = twimlc.compile(source)
    assert len(calls) == 1 and xml == real(twimlc.parse(source))
    with pytest.raises(twimlc.TwimlcError) as e:  # over 64 kB: refused, as before
        twimlc.compile(source * 2)
    assert [d.code for d in e.value.diagnostics] == ["TWL501"]
