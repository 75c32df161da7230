"""The library's ``target=``: ``check``, ``checks``, ``load`` and ``loads`` judge a document
for a provider as ``check --target`` does (the file's header still wins); a bad target is
a clear ValueError or TypeError; the README's example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

import twimlc
from twimlc.dialect import TELNYX

PAY = 'pay\nsay "Thanks"\n'  # <Pay> is Twilio's: Telnyx TeXML has none
AI_GATHER = 'ai-gather action=/collected:\n    greeting "Tell me your name."\n'  # Telnyx's own verb
SLOW = 'gather timeout=150 action=/menu:\n    say "Press a key"\n'  # Telnyx takes timeout 1-120 only


def codes(found: list[twimlc.Diagnostic]) -> list[str]:
    return [d.code for d in found]


# --- the library: target= ------------------------------------------------------------------


def test_checks_judges_for_the_target() -> None:
    assert twimlc.checks(PAY) == []
    found = twimlc.checks(PAY, target="telnyx")
    assert codes(found) == ["TWL107"] and "<Pay> is not supported by Telnyx TeXML" in found[0].message
    assert twimlc.checks(AI_GATHER, target="telnyx") == []
    assert codes(twimlc.checks(AI_GATHER)) == ["TWL109"]
    assert codes(twimlc.checks("<Response><Pay/></Response>", target="telnyx")) == ["TWL107"]
    assert twimlc.checks(SLOW, target=TELNYX) != [] and twimlc.checks(SLOW) == []  # a Dialect is taken too


def test_check_reads_the_file_for_the_target(tmp_path: Path) -> None:
    twl, xml = tmp_path / "pay.twl", tmp_path / "pay.xml"
    twl.write_text(PAY, encoding="utf-8")
    xml.write_text("<Response><Pay/><Say>Thanks</Say></Response>\n", encoding="utf-8")
    for path in (twl, xml, str(twl)):
        assert twimlc.check(path) == []
        assert codes(twimlc.check(path, target="telnyx")) == ["TWL107"]
        assert codes(twimlc.check(path, target="Telnyx")) == ["TWL107"]  # names are case-insensitive, as --target


def test_the_file_header_wins_over_target() -> None:
    """As in ``check --target``: the file knows best."""
    assert twimlc.checks("twiml voice target=twilio\n" + PAY, target="telnyx") == []
    assert codes(twimlc.checks("twiml voice target=telnyx\n" + PAY)) == ["TWL107"]


def test_load_and_loads_take_a_target(tmp_path: Path) -> None:
    path = tmp_path / "ai.twl"
    path.write_text(AI_GATHER, encoding="utf-8")
    template = twimlc.load(path, target="telnyx")
    assert template.document.dialect is TELNYX and "<AIGather" in template.render()
    with pytest.raises(twimlc.TwimlcError) as info:
        twimlc.load(path)
    assert codes(info.value.diagnostics) == ["TWL109"]
    assert "<AIGather" in twimlc.loads(AI_GATHER, target=TELNYX).render()
    with pytest.raises(twimlc.TwimlcError) as info:
        twimlc.loads(PAY, "pay.twl", target="telnyx")
    assert codes(info.value.diagnostics) == ["TWL107"] and info.value.diagnostics[0].path == "pay.twl"


@pytest.mark.parametrize("function", ["check", "checks", "load", "loads"])
def test_a_bad_target_is_a_clear_error(function: str, tmp_path: Path) -> None:
    path = tmp_path / "x.twl"
    path.write_text('say "x"\n', encoding="utf-8")
    first = 'say "x"\n' if function.endswith("s") else path
    call = getattr(twimlc, function)
    with pytest.raises(ValueError, match=re.escape(f"twimlc.{function}(target='twillio'): not a target")) as info:
        call(first, target="twillio")
    assert "twilio, signalwire, telnyx" in str(info.value) and "did you mean 'twilio'" in str(info.value)
    with pytest.raises(
        TypeError, match=re.escape(f"twimlc.{function}(target=…) takes a target name (str) or a Dialect, not int")
    ):
        call(first, target=5)


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's library example of ``target=`` runs as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "target=" in b]
    assert blocks, "the README shows target= in a Python example"
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
