"""Error cases: tests/errors/NAME.twl gives exactly the diagnostics in NAME.out."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ERRORS

import twimlc
from twimlc.cli import main
from twimlc.diagnostics import render_text


@pytest.mark.parametrize("twl", sorted(ERRORS.glob("*.twl")), ids=lambda p: p.stem)
def test_rendered_diagnostics(twl: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ERRORS)
    expected = twl.with_suffix(".out").read_text(encoding="utf-8")
    assert main(["compile", twl.name]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == expected
    assert "Traceback" not in err


@pytest.mark.parametrize("twl", sorted(ERRORS.glob("*.twl")), ids=lambda p: p.stem)
def test_library_raises_twimlc_error(twl: Path) -> None:
    source = twl.read_text(encoding="utf-8")
    with pytest.raises(twimlc.TwimlcError) as info:
        twimlc.compile(source, filename=twl.name)
    assert info.value.errors
    rendered = "\n".join(render_text(d, source) for d in info.value.diagnostics) + "\n"
    assert rendered == twl.with_suffix(".out").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "code", "hint"),
    [
        ('say "x" statusCallBack=/x', "TWL103", None),
        ("dial statusCallBack=/x", "TWL103", None),
        ("number +1 status_callback=/x", None, None),
        ("gather finishonkey=#", "TWL103", "'finishOnKey'"),
        ("gather num_digits=1", "TWL103", "'numDigits'"),
        ("gather NumDigits=1", "TWL103", "'numDigits'"),
        ("conversation-Relay", "TWL101", "'conversation-relay'"),
        ("ConversationRelay", "TWL101", "'conversation-relay'"),
        ("say-As", "TWL101", "'say-as'"),
    ],
)
def test_did_you_mean(source: str, code: str | None, hint: str | None) -> None:
    _, diagnostics = twimlc.analyze(source)
    if code is None:
        return
    d = next(d for d in diagnostics if d.code == code)
    if hint:
        assert d.hint is not None and hint in d.hint


def test_status_callback_hint_on_number() -> None:
    _, diagnostics = twimlc.analyze("dial:\n    number +15558675310 statusCallBack=/x status_callback=/y\n")
    hints = [d.hint for d in diagnostics if d.code == "TWL103"]
    # the second is not offered a fix (both would become statusCallback): its hint says so
    assert hints == [
        "did you mean 'statusCallback'?",
        "did you mean 'statusCallback'? 'statusCallBack' means it too: keep one of them",
    ]


def test_escapes_are_checked_in_strings_only() -> None:
    """A quoted backslash in a comment is not a string; strings anywhere are checked."""
    assert twimlc.compile('# path "C:\\q"\nsay "x"\n')
    for source in ('say:\n    "a\\q"\n', 'gather hints=[a "b\\q"]\n', 'say: "\\q"\n'):
        with pytest.raises(twimlc.TwimlcError) as info:
            twimlc.compile(source)
        assert [d.code for d in info.value.diagnostics] == ["TWL003"]
