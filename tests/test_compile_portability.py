"""``compile --portability``: the same report as ``check --portability`` (one code path),
and the XML written only when every target listed accepts the document."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT

import twimlc
from twimlc.cli import main

PAY = 'pay\nsay "Thanks"\n'  # <Pay> is Twilio's: Telnyx TeXML has none
AI_GATHER = 'ai-gather action=/collected:\n    greeting "Tell me your name."\n'  # Telnyx's own verb
SLOW = 'gather timeout=150 action=/menu:\n    say "Press a key"\n'  # Telnyx takes timeout 1-120 only


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_compile_portability_writes_only_what_every_target_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.xml"
    pay = write(tmp_path, "pay.twl", PAY)
    assert main(["compile", pay, "--portability", "twilio,telnyx", "-o", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "error[TWL107]" in err and "<Pay> is not supported by Telnyx TeXML" in err
    assert main(["compile", pay, "--portability", "twilio,telnyx"]) == 1
    assert capsys.readouterr().out == ""  # nothing on standard output either
    assert main(["compile", pay, "-o", str(out)]) == 0  # Twilio alone takes it
    hello = str(ROOT / "examples" / "hello.twl")
    out.unlink()
    assert main(["compile", hello, "--portability", "twilio,signalwire,telnyx", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == twimlc.compile(Path(hello).read_text(encoding="utf-8"))
    assert main(["compile", hello, "--portability", "twilio,telnyx"]) == 0
    assert capsys.readouterr().out == out.read_text(encoding="utf-8")


def test_compile_portability_reports_as_check_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same report, diagnostic for diagnostic: what all targets say once, what only some
    say marked with the target it breaks on."""
    path = write(tmp_path, "both.twl", PAY + SLOW + 'say "x" loop=many\n')
    assert main(["check", path, "--portability", "twilio,telnyx"]) == 1
    checked = capsys.readouterr().out
    assert main(["compile", path, "--portability", "twilio,telnyx"]) == 1
    compiled = capsys.readouterr()
    assert compiled.out == "" and compiled.err == checked
    assert "on Telnyx TeXML: " in checked and "TWL202" in checked and checked.count("TWL202") == 1


def test_compile_portability_renders_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "t.twl", 'param Name string\nsay "Hello {{Name}}"\n')
    assert main(["compile", path, "--portability", "twilio,telnyx", "--param", "Name=Ada"]) == 0
    assert "<Say>Hello Ada</Say>" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--portability", "twilio,telnyx", "--target", "telnyx"], "--portability checks several targets"),
        (["--portability", "twilio"], "--portability takes two or more of twilio, signalwire, telnyx"),
        (["--portability", "twilio,twillio"], "--portability takes two or more"),
    ],
)
def test_compile_portability_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    out = tmp_path / "out.xml"
    path = write(tmp_path, "hello.twl", 'say "Hi"\n')
    assert main(["compile", path, *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twimlc compile: error: ") and says in err
    assert not out.exists()


def test_compile_portability_ignores_the_project_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As check does: --portability names the targets; [tool.twimlc] target is not one more."""
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "signalwire"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "ai.twl", AI_GATHER)
    assert main(["compile", path, "--portability", "twilio,telnyx"]) == 1
    err = capsys.readouterr().err
    assert "TWL109" in err and "SignalWire" not in err
    assert os.path.exists(path)
