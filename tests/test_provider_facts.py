"""Provider facts and ``--portability`` (trial 15, items 1, 5, 6, 10, 11, 13, 15(d)): a
header's target= does not silence --portability; every provider's figure is its own or
said to be Twilio's, assumed; one problem at one place is one finding naming its providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import twimlc
from twimlc.cli import main


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def codes(source: str, target: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in twimlc.checks(source, target=target)]


# --- 1: --portability judges every listed target, whatever the header says -----------------


def test_portability_sets_the_header_target_aside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pay = write(tmp_path, "p.twl", "twiml voice target=twilio\npay chargeAmount=1\n")
    assert main(["check", "--portability", "twilio,telnyx", pay]) == 1
    captured = capsys.readouterr()
    assert "error[TWL107]" in captured.out and "<Pay> is not supported by Telnyx TeXML" in captured.out
    assert "target=twilio" in captured.err and "set aside" in captured.err
    denoise = write(tmp_path, "d.twl", 'twiml voice target=signalwire\ndenoise "on"\n')
    assert main(["check", "--portability", "twilio,telnyx", "--format", "json", denoise]) == 1
    captured = capsys.readouterr()
    found = json.loads(captured.out)
    assert [d["code"] for d in found] == ["TWL109"]
    assert found[0]["providers"] == ["twilio", "telnyx"]
    assert "target=signalwire" in captured.err
    out = tmp_path / "d.xml"
    assert main(["compile", "--portability", "twilio,signalwire", denoise, "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert not out.exists() and captured.out == ""
    assert "TWL109" in captured.err and "set aside" in captured.err
    # without --portability, the header still decides
    assert main(["check", denoise]) == 0


# --- 5: provider figures ------------------------------------------------------------------


def test_telnyx_pause_and_record_ranges_are_telnyx_s() -> None:
    assert codes("pause length=300\n", "telnyx") == [
        ("TWL203", "length: 300 is out of range; expected an integer (1..180)")
    ]
    assert codes("pause length=180\n", "telnyx") == []
    assert codes("pause length=300\n", "twilio") == []
    assert codes("record maxLength=0\n", "telnyx") == []
    assert [c for c, _ in codes("record maxLength=14401\n", "telnyx")] == ["TWL203"]


def test_twilio_record_max_length_depends_on_the_account() -> None:
    assert codes("record maxLength=14400\n", "twilio") == []
    found = twimlc.checks("record maxLength=20000\n", target="twilio")
    assert [(d.code, d.severity) for d in found] == [("TWL806", "warning")]
    assert "86,400" in found[0].message and "account" in found[0].message
    assert [d.code for d in twimlc.checks("record maxLength=86401\n", target="twilio")] == ["TWL203"]


def test_assumed_limits_say_they_are_twilio_s(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    say = 'say "' + "a" * 5000 + '"\n'
    (d,) = twimlc.checks(say, target="signalwire")
    assert "Twilio's limit, assumed for SignalWire cXML" in d.message
    assert "SignalWire cXML's limit" not in d.message
    (d,) = twimlc.checks(say, target="twilio")
    assert d.message == "<Say> text is 5,000 characters; Twilio's limit is 4,096"
    path = write(tmp_path, "s.twl", say)
    assert main(["check", "--portability", "twilio,signalwire,telnyx", path]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("TWL502") == 1
    assert "SignalWire cXML's limit" not in captured.out
    assert "assumed for SignalWire cXML and Telnyx TeXML" in captured.out
    assert "1 error" in captured.err


def test_messaging_under_telnyx_is_flagged(tmp_path: Path) -> None:
    (d,) = twimlc.checks('twiml messaging\nmessage "hi"\n', target="telnyx")
    assert d.code == "TWL806" and d.severity == "warning" and d.span.line == 1
    assert "voice" in d.message and "developers.telnyx.com" in (d.hint or "")
    (d,) = twimlc.checks('message "hi"\n', target="telnyx")  # the first verb says messaging
    assert d.code == "TWL806" and d.span.line == 1
    assert twimlc.checks('twiml messaging\nmessage "hi"\n', target="twilio") == []
    assert twimlc.checks('say "hi"\n', target="telnyx") == []
    xml = write(tmp_path, "m.xml", "<Response><Message>hi</Message></Response>")
    assert [d.code for d in twimlc.check(xml, target="telnyx")] == ["TWL806"]


# --- 6, 15(d): one finding per problem and place ------------------------------------------


def test_portability_shows_one_finding_with_each_provider_s_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "t.twl", "dial timeout=700:\n    number +14155550124\n")
    assert main(["check", "--portability", "twilio,signalwire,telnyx", path]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("TWL203") == 1
    assert (
        "timeout: 700 is out of range; expected an integer for Twilio (1..600), SignalWire cXML (5..600) "
        "and Telnyx TeXML (1..600)"
    ) in captured.out
    assert "checked 1 file: 1 error" in captured.err
    gather = write(tmp_path, "g.twl", "gather timeout=0\n")
    assert main(["check", "--portability", "twilio,signalwire,telnyx", "--format", "json", gather]) == 1
    (found,) = json.loads(capsys.readouterr().out)
    assert found["providers"] == ["twilio", "signalwire", "telnyx"]
    assert "Telnyx TeXML (1..120)" in found["message"]


def test_portability_json_names_the_providers_of_each_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.twl", 'pay chargeAmount=1\nsay "x" loop=-1\n')
    assert main(["check", "--portability", "twilio,telnyx", "--format", "json", path]) == 1
    found = {d["code"]: d for d in json.loads(capsys.readouterr().out)}
    assert found["TWL107"]["providers"] == ["telnyx"]
    assert found["TWL203"]["providers"] == ["twilio", "telnyx"]
    assert main(["check", "--format", "json", path]) == 1  # one target: its name
    assert {d["code"]: d["providers"] for d in json.loads(capsys.readouterr().out)} == {"TWL203": ["twilio"]}


# --- 10, 11: the header and --portability's names -----------------------------------------


def test_duplicate_header_attribute_is_twl104() -> None:
    found = twimlc.checks('twiml voice target=telnyx target=signalwire\ndenoise "on"\npay\n')
    assert [d.code for d in found if d.code == "TWL104"] == ["TWL104"]
    (dup,) = [d for d in found if d.code == "TWL104"]
    assert "target" in dup.message and dup.span.column == 27
    assert [d.code for d in twimlc.checks("twiml voice !a=1 !a=2\n")].count("TWL104") == 1


def test_portability_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.twl", 'say "x"\n')
    assert main(["check", "--portability", "twilio,twilio", path]) == 2
    err = capsys.readouterr().err
    assert "twilio" in err and "twice" in err
    assert main(["check", "--portability", "twilio,telynx", path]) == 2
    assert "did you mean 'telnyx'?" in capsys.readouterr().err
    assert main(["compile", "--portability", "twilio,telynx", path]) == 2
    assert "did you mean 'telnyx'?" in capsys.readouterr().err


def test_project_target_gets_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "telynx"\n', encoding="utf-8")
    write(tmp_path, "a.twl", 'say "x"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "a.twl"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and "did you mean 'telnyx'?" in err


# --- 13: control bytes are not an empty file ----------------------------------------------


@pytest.mark.parametrize("name", ["b.xml", "b.twiml"])
def test_control_bytes_are_not_an_empty_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"\n\x00\x01<Response>")
    (d,) = twimlc.check(path)
    assert d.code == "TWL006" and "empty" not in d.message
    assert "0x00" in d.message and "binary" in d.message
    assert (d.span.line, d.span.column) == (2, 1)
    empty = write(tmp_path, "e.twiml", b"")
    assert "the file is empty" in twimlc.check(empty)[0].message
