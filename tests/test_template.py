"""Templates: declarations, compile-time rules, render-time checks and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import twimlc
from twimlc.checker import check_twl, check_xml
from twimlc.cli import main
from twimlc.template import ParamError

IVR = """\
param name string default="friend"
param menu_id integer
param lang [en-US ja-JP] default=en-US
param agent phone
param vip boolean default=false
param code digits default=1234
param hold url default=https://example.com/hold.mp3
say "Hello {{name}}, thanks for calling." language={{lang}}
gather action=/menu/{{menu_id}}?who={{name}} numDigits={{menu_id}} actionOnEmptyResult={{vip}}:
    say "Press 1 to talk to {{name}}'s agent."
play {{hold}}
play digits={{code}}
dial:
    number {{agent}}
"""


def codes(source: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in check_twl(source)]


def test_params_are_declared_typed_and_defaulted() -> None:
    t = twimlc.load(IVR)
    assert [(p.name, p.type, p.default) for p in t.params] == [
        ("name", "string", "friend"),
        ("menu_id", "integer", None),
        ("lang", "enum", "en-US"),
        ("agent", "phone", None),
        ("vip", "boolean", "false"),
        ("code", "digits", "1234"),
        ("hold", "url", "https://example.com/hold.mp3"),
    ]
    assert t.params[2].values == ("en-US", "ja-JP")


def test_render_fills_in_and_is_valid_twiml() -> None:
    t = twimlc.load(IVR)
    xml = t.render(menu_id=2, agent="+14155550100", vip=True)
    root = etree.fromstring(xml.encode())
    assert root.find("Say").text == "Hello friend, thanks for calling."
    assert root.find("Gather").get("action") == "/menu/2?who=friend"
    assert root.find("Gather").get("actionOnEmptyResult") == "true"
    assert root.find("Dial/Number").text == "+14155550100"
    assert check_xml(xml.encode()) == []


def test_compile_and_check_rules() -> None:
    assert codes('say "{{who}}"\n') == [("TWL601", 1)]
    assert codes('param who string\nparam spare integer\nsay "{{who}}"\n') == [("TWL602", 2)]
    assert codes("param n string\ngather numDigits={{n}}\n") == [("TWL603", 2)]
    assert codes("param u url\nsms x to={{u}}\n") == [("TWL603", 2)]
    assert codes("param m [GET POST]\ngather method={{m}}\n") == []
    assert codes("param m [GET PUT]\ngather method={{m}}\n") == [("TWL603", 2)]
    assert codes("param n integer default=abc\nsay {{n}}\n") == [("TWL605", 1)]
    assert codes("param 9x string\n") == [("TWL604", 1)]
    assert codes("param x strng\n") == [("TWL604", 1)]
    assert codes("gather:\n    param x string\n") == [("TWL604", 2)]
    # every check still runs: the rest of the document is validated
    assert ("TWL401", 3) in codes('param x string\nhangup\nsay "{{x}}"\n')


@pytest.mark.parametrize(
    "value",
    [
        "A & B",
        "<Hangup/>",
        'say "hi"',
        "]]>",
        "</Say><Hangup/><Say>",
        "' \" &amp;",
        "日本語 🎉",
        "tab\there",
        "x" * 3000,
        "{{name}}",
    ],
)
def test_hostile_text_values_cannot_inject(value: str) -> None:
    t = twimlc.load('param v string\nsay "<{{v}}>"\ngather action=/x?v={{v}}\n')
    xml = t.render(v=value)
    root = etree.fromstring(xml.encode())
    assert [c.tag for c in root] == ["Say", "Gather"]
    assert root.find("Say").text == f"<{value}>"
    assert root.find("Gather").get("action").startswith("/x?v=")
    assert " " not in root.find("Gather").get("action")


@pytest.mark.parametrize("value", ["bell\x07", "nul\x00", "\x1b[31m"])
def test_control_characters_are_refused(value: str) -> None:
    t = twimlc.load('param v string\nsay "{{v}}"\n')
    with pytest.raises(ParamError) as e:
        t.render(v=value)
    assert e.value.param == "v" and "cannot appear in XML" in str(e.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "'menu_id' is required"),
        ({"menu_id": "two", "agent": "+14155550100"}, "not an integer"),
        ({"menu_id": 0, "agent": "+14155550100"}, "out of range"),
        ({"menu_id": 1, "agent": "4155550100"}, "E.164"),
        ({"menu_id": 1, "agent": "+14155550100", "lang": "fr-FR"}, "not one of"),
        ({"menu_id": 1, "agent": "+14155550100", "vip": "yes"}, "boolean"),
        ({"menu_id": 1, "agent": "+14155550100", "code": "12a"}, "not digits"),
        ({"menu_id": 1, "agent": "+14155550100", "hold": "not a url"}, "not a URL"),
        ({"menu_id": 1, "agent": "+14155550100", "extra": 1}, "unknown parameter 'extra'"),
    ],
)
def test_render_checks_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(ParamError) as e:
        twimlc.load(IVR).render(**values)
    assert message in str(e.value)


def test_length_limits_hold_after_rendering() -> None:
    t = twimlc.load('param v string\nsay "{{v}}"\n')
    t.render(v="a" * 4096)
    with pytest.raises(ParamError, match="4,096"):
        t.render(v="a" * 4097)


def test_compile_with_params_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "Hello Ann" in twimlc.compile('param n string\nsay "Hello {{n}}"\n', params={"n": "Ann"})
    f = tmp_path / "t.twl"
    f.write_text('param n string\nsay "Hello {{n}}"\n', encoding="utf-8")
    assert main(["compile", str(f), "--param", "n=A&B"]) == 0
    assert "<Say>Hello A&amp;B</Say>" in capsys.readouterr().out
    assert main(["compile", str(f)]) == 1
    assert "'n' is required" in capsys.readouterr().err
    assert main(["compile", str(f), "--param", "m=1"]) == 1
    assert "unknown parameter 'm'" in capsys.readouterr().err


def test_fmt_keeps_templates() -> None:
    formatted = twimlc.format(IVR)
    assert twimlc.parse(formatted) == twimlc.parse(IVR)
    assert twimlc.format(formatted) == formatted
    assert "param lang [en-US ja-JP] default=en-US" in formatted


text_values = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from(["\n", "\t"]),
    max_size=40,
)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(text_values, text_values)
def test_render_matches_compiling_the_filled_in_source(a: str, b: str) -> None:
    """Rendering equals compiling the document with the values written in as text."""
    t = twimlc.load('param a string\nparam b string\nsay "{{a}} and {{b}}" voice={{b}}\n')
    from twimlc.canonical import canonical
    from twimlc.printer import quote

    filled = f"say {quote(a + ' and ' + b)} voice={quote(b)}\n"
    assert canonical(t.render(a=a, b=b)) == canonical(twimlc.compile(filled))
