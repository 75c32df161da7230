"""SignalWire cXML and Telnyx TeXML as dialects: tables and schemas generated from Twilio's
table and a cited overlay; --target, the header's target=, [tool.twimlc] target and
--portability; the provider named in what it lacks (TWL107-TWL109)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import ROOT
from lxml import etree

from twimlc.api import check_twl, check_xml, read
from twimlc.cli import main
from twimlc.dialect import DIALECTS, SIGNALWIRE, TELNYX, TWILIO
from twimlc.fmt import format_with_diagnostics


def _tool() -> object:
    spec = importlib.util.spec_from_file_location("gen_dialects", ROOT / "tools" / "gen_dialects.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def codes(found: list) -> list[str]:  # type: ignore[type-arg]
    return [d.code for d in found]


# --- data -----------------------------------------------------------------------------


def test_committed_tables_and_schemas_are_generated() -> None:
    files = _tool().generate()  # type: ignore[attr-defined]
    assert len(files) == 10  # two tables (as JSON and as a module, tools/vocabulary_module.py), three schemas each
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, "run: python tools/gen_dialects.py"


def test_every_fact_names_its_source() -> None:
    tool = _tool()
    overlay = json.loads((ROOT / "tools" / "dialects" / "telnyx.json").read_text(encoding="utf-8"))
    overlay["kinds"]["voice"]["Pay"].pop("source")
    base = json.loads((ROOT / "twimlc" / "vocabulary.json").read_text(encoding="utf-8"))
    with pytest.raises(tool.OverlayError, match="source"):  # type: ignore[attr-defined]
        tool.apply(base, overlay)  # type: ignore[attr-defined]
    for name in ("telnyx", "signalwire"):
        data = json.loads((ROOT / "tools" / "dialects" / f"{name}.json").read_text(encoding="utf-8"))
        assert data["unverified"], "say what could not be verified"
        assert all(v.startswith("https://") for v in data["sources"].values())


def test_dialects_are_registered_with_their_schemas() -> None:
    assert set(DIALECTS) == {"twilio", "signalwire", "telnyx"}
    for dialect in (SIGNALWIRE, TELNYX):
        for kind in ("voice", "messaging", "fax"):
            etree.XMLSchema(etree.parse(dialect.schema_path(kind)))
    assert "AIGather" in TELNYX.vocabulary("voice").elements
    assert "AIGather" not in TWILIO.vocabulary("voice").elements
    assert TELNYX.vocabulary("voice").elements["Pay"].unsupported


def test_a_voice_message_in_telnyx_does_not_make_the_reply_messaging() -> None:
    assert TELNYX.infer_kind(["Message"]) == ("messaging", 0)
    assert TELNYX.infer_kind(["AIGather"]) == ("voice", 0)


# --- errors naming the provider ---------------------------------------------------------


def test_a_verb_the_target_lacks_names_the_provider() -> None:
    found = check_twl("pay chargeAmount=10\n", dialect=TELNYX)
    assert codes(found) == ["TWL107"]
    assert found[0].message == "<Pay> is not supported by Telnyx TeXML"
    assert "texml-twiml-compatibility" in (found[0].hint or "")
    assert check_twl("pay chargeAmount=10\n") == []
    xml = b"<Response><Dial><Client>alice</Client></Dial></Response>"
    assert codes(check_xml(xml, dialect=TELNYX)) == ["TWL107"]
    assert codes(check_xml(xml, dialect=SIGNALWIRE)) == ["TWL107"]
    assert check_xml(xml) == []


def test_an_attribute_the_target_lacks_names_the_provider() -> None:
    found = check_twl("gather method=GET\n", dialect=TELNYX)
    assert codes(found) == ["TWL108"]
    assert "not supported by Telnyx TeXML" in found[0].message


def test_extra_verbs_only_for_their_target() -> None:
    assert check_twl('denoise "on"\n', dialect=SIGNALWIRE) == []
    found = check_twl('denoise "on"\n')
    assert codes(found) == ["TWL109"] and "SignalWire cXML" in found[0].message
    assert codes(check_twl('denoise "on"\n', dialect=TELNYX)) == ["TWL109"]
    ai = b"<Response><AIGather action='/n'><Greeting>Hi</Greeting><Parameters>{}</Parameters></AIGather></Response>"
    assert check_xml(ai, dialect=TELNYX) == []
    assert set(codes(check_xml(ai))) == {"TWL109"}  # <AIGather> and each of its children
    assert codes(check_twl("gather minDigits=2\n")) == ["TWL109"]
    assert check_twl("gather minDigits=2\n", dialect=TELNYX) == []


def test_limits_are_the_targets() -> None:
    assert check_twl("gather timeout=150\n") == []
    assert codes(check_twl("gather timeout=150\n", dialect=TELNYX)) == ["TWL203"]
    assert codes(check_twl("dial timeout=3: number +15551234567\n", dialect=SIGNALWIRE)) == ["TWL203"]


def test_clean_dialect_xml_takes_the_fast_path_and_passes() -> None:
    xml = b"<Response><Denoise>on</Denoise><Dial><Verto>a@b.verto.signalwire.com</Verto></Dial></Response>"
    assert check_xml(xml, dialect=SIGNALWIRE) == []
    http = (
        b'<Response><HttpRequest async="false" action="https://e.com/a"><Request url="https://e.com" method="POST">'
        b"<Headers><Header><Key>A</Key><Value>b</Value></Header></Headers><Body>{}</Body></Request>"
        b"<Response><Body/></Response></HttpRequest></Response>"
    )
    assert check_xml(http, dialect=TELNYX) == []


# --- the header's target= ---------------------------------------------------------------


def test_the_header_sets_the_target() -> None:
    source = "twiml voice target=telnyx\npay chargeAmount=1\n"
    assert codes(check_twl(source)) == ["TWL107"]
    doc, _ = read(source)
    assert doc.dialect is TELNYX
    kept = 'twiml voice target=telnyx\nsay "x"\n'
    assert format_with_diagnostics(kept)[0] == kept  # fmt keeps it


def test_an_unknown_target_is_a_header_error() -> None:
    found = check_twl('twiml voice target=telnix\nsay "x"\n')
    assert codes(found) == ["TWL105"]
    assert "telnyx" in (found[0].hint or "")


# --- the command line -------------------------------------------------------------------


def test_check_and_compile_take_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.twl"
    f.write_text('denoise "on"\n', encoding="utf-8")
    assert main(["check", str(f)]) == 1
    assert main(["check", "--target", "signalwire", str(f)]) == 0
    assert main(["compile", str(f)]) == 1
    capsys.readouterr()
    assert main(["compile", "--target", "signalwire", str(f)]) == 0
    assert "<Denoise>on</Denoise>" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["check", "--target", "plivo", str(f)])
    assert e.value.code == 2


def test_pyproject_target_is_found_upwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "signalwire"\n', encoding="utf-8")
    sub = tmp_path / "app" / "twiml"
    sub.mkdir(parents=True)
    (sub / "a.xml").write_text("<Response><Denoise>on</Denoise></Response>", encoding="utf-8")
    monkeypatch.chdir(sub)
    assert main(["check", "a.xml"]) == 0
    assert main(["check", "--target", "twilio", "a.xml"]) == 1  # the command line wins
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "plivo"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "a.xml"]) == 2
    assert "pyproject.toml" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text("[tool.twimlc\n", encoding="utf-8")
    assert main(["check", "a.xml"]) == 2


def test_portability_reports_what_breaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.twl"
    f.write_text('pay chargeAmount=1\ngather timeout=150\nsay "x" loop=-1\n', encoding="utf-8")
    assert main(["check", "--portability", "twilio,telnyx", "--format", "json", str(f)]) == 1
    found = json.loads(capsys.readouterr().out)
    messages = sorted(d["message"] for d in found)
    assert messages == [
        "<Pay> is not supported by Telnyx TeXML",
        "loop: -1 is out of range; expected an integer (at least 0)",  # on both: reported once
        "on Telnyx TeXML: timeout: 150 is out of range; expected an integer (1..120)",
    ]
    portable = tmp_path / "b.twl"
    portable.write_text('say "x"\n', encoding="utf-8")
    assert main(["check", "--portability", "twilio,telnyx,signalwire", str(portable)]) == 0
    assert main(["check", "--portability", "twilio", str(portable)]) == 2
    assert main(["check", "--portability", "twilio,plivo", str(portable)]) == 2
    assert main(["check", "--portability", "twilio,telnyx", "--target", "telnyx", str(portable)]) == 2
