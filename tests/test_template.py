"""Templates: declarations, compile-time rules, render-time checks and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import twimlc
from twimlc.api import check_twl, check_xml
from twimlc.canonical import canonical
from twimlc.cli import main
from twimlc.params import LITERAL, escape_braces, literal_text, names
from twimlc.printer import quote, value
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
    t = twimlc.loads(IVR)
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
    t = twimlc.loads(IVR)
    xml = t.render(menu_id=2, agent="+14155550100", vip=True)
    root = etree.fromstring(xml.encode())
    assert root.find("Say").text == "Hello friend, thanks for calling."
    assert root.find("Gather").get("action") == "/menu/2?who=friend"
    assert root.find("Gather").get("actionOnEmptyResult") == "true"
    assert root.find("Dial/Number").text == "+14155550100"
    assert check_xml(xml.encode()) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the statement that uses it is refused: the use is still a use
        ('param caller string\nSay "Hello {{caller}}"\n', [("TWL101", 2)]),
        ('param caller string\ngather:\n    sya "{{caller}}"\n', [("TWL101", 3)]),
        ("param lang string\nsay x lnguage={{lang}}\n", [("TWL103", 2)]),
        ('param who string\nhangup "{{who}}"\n', [("TWL302", 2)]),
        ('param who string\npause:\n    say "{{who}}"\n', [("TWL305", 3)]),
        ('param who string\nsay "x" "{{who}}"\n', [("TWL304", 2)]),
        # a line that could not be read may use it: not called unused
        ('param who string\nsay "{{who}}" loop=2 x = 1\n', [("TWL001", 2)]),
        # still unused: nowhere in the file
        ('param who string\nparam spare string\nSay "{{who}}"\n', [("TWL602", 2), ("TWL101", 3)]),
    ],
)
def test_a_parameter_used_where_reading_failed_is_not_unused(source: str, expected: list[tuple[str, int]]) -> None:
    assert codes(source) == expected


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
    t = twimlc.loads('param v string\nsay "<{{v}}>"\ngather action=/x?v={{v}}\n')
    xml = t.render(v=value)
    root = etree.fromstring(xml.encode())
    assert [c.tag for c in root] == ["Say", "Gather"]
    assert root.find("Say").text == f"<{value}>"
    assert root.find("Gather").get("action").startswith("/x?v=")
    assert " " not in root.find("Gather").get("action")


@pytest.mark.parametrize("value", ["bell\x07", "nul\x00", "\x1b[31m"])
def test_control_characters_are_refused(value: str) -> None:
    t = twimlc.loads('param v string\nsay "{{v}}"\n')
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
        twimlc.loads(IVR).render(**values)
    assert message in str(e.value)


def test_length_limits_hold_after_rendering() -> None:
    t = twimlc.loads('param v string\nsay "{{v}}"\n')
    t.render(v="a" * 4096)
    with pytest.raises(ParamError, match="4,096"):
        t.render(v="a" * 4097)
    # a message body counts as twimlc check counts it: in UTF-16 code units (21617)
    m = twimlc.loads('param v string\nmessage "{{v}}\U0001f600"\n')
    m.render(v="\U0001f600" * 799)
    with pytest.raises(ParamError, match="1,602 characters; Twilio's limit is 1,600"):
        m.render(v="\U0001f600" * 800)


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


@settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_values, text_values)
def test_render_matches_compiling_the_filled_in_source(a: str, b: str) -> None:
    """Rendering equals compiling the document with the values written in as text."""
    t = twimlc.loads('param a string\nparam b string\nsay "{{a}} and {{b}}" voice={{b}}\n')

    filled = f"say {quote(a + ' and ' + b)} voice={quote(b)}\n"
    assert canonical(t.render(a=a, b=b)) == canonical(twimlc.compile(filled))


# --- render errors name the file and the declaration ---------------------------------------


def test_render_errors_name_the_file_and_the_declaration() -> None:
    path = str(ROOT / "examples" / "greeting.twl")
    t = twimlc.load(path)
    with pytest.raises(ParamError) as e:
        t.render(caller="bell\x07", call_sid="CA1")
    assert str(e.value).startswith(f"{path}:2:7: error[TWL606] parameter 'caller': character U+0007")
    (d,) = e.value.diagnostics
    assert (d.path, d.span.line, d.span.column, d.code) == (path, 2, 7, "TWL606")
    assert e.value.param == "caller"
    with pytest.raises(ParamError) as e:
        t.render()
    assert str(e.value).startswith(f"{path}:3:7: error[TWL606] parameter 'call_sid' is required")
    with pytest.raises(ParamError) as e:
        t.render(call_sid="CA1", nope=1)
    assert str(e.value).startswith(f"{path}: error[TWL606] unknown parameter 'nope'")
    with pytest.raises(ParamError) as e:  # a limit: at the element whose text is too long
        twimlc.loads('param v string\n\nsay "{{v}}"\n', filename="long.twl").render(v="a" * 5000)
    assert str(e.value).startswith("long.twl:3:1: error[TWL606] <Say> text would be 5,000 characters")
    with pytest.raises(ParamError, match=r"^inline\.twl:1:7: error\[TWL606\] parameter 'n'"):
        twimlc.compile('param n integer\nsay "{{n}}"\n', "inline.twl", params={"n": "x"})


def test_huge_hostile_values_make_short_messages() -> None:
    t = twimlc.loads('param n integer\nsay "{{n}}"\n')
    with pytest.raises(ParamError) as e:
        t.render(n="9" * 100_000 + "x")
    assert len(str(e.value)) < 200 and "not an integer" in str(e.value)


def test_cli_render_errors_show_the_declaration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "t.twl"
    f.write_text('param n string\nsay "Hello {{n}}"\n', encoding="utf-8")
    assert main(["compile", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:1:7: error[TWL606] parameter 'n' is required" in err
    assert "1 | param n string" in err and "Traceback" not in err
    dial = ["dial", str(f), "--to", "+14155550100", "--from", "+14155550111", "--dry-run"]
    assert main([*dial, "--param", "n=bell\x07"]) == 1
    err = capsys.readouterr().err
    assert f"{f}:1:7: error[TWL606] parameter 'n': character U+0007" in err and "Traceback" not in err


# --- URLs: one judge for written and rendered URLs -----------------------------------------

GOOD_URLS = ["/next", "next.xml", "https://example.com/a?b=c&d=e", "HTTP://EXAMPLE.COM"]
BAD_URLS = [
    "//cdn.example.com/a.mp3",  # scheme-relative: another host, no scheme written
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "file:///etc/passwd",
    "mailto:ops@example.com",
    "data:text/xml,<Response/>",
    "https:///no-host",
    "http:/no-host",
    "/a b",
    "ftp://example.com/a.mp3",
    "wss://example.com/socket",
]
URL_PLACES = [
    "gather action={}",
    "dial:\n    conference room waitUrl={}",
    "play {}",
    "redirect {}",
    "start:\n    stream url={}",
]


@pytest.mark.parametrize("url", GOOD_URLS + BAD_URLS)
@pytest.mark.parametrize("place", URL_PLACES, ids=lambda p: p.split()[0])
def test_url_parameters_render_exactly_what_check_accepts(place: str, url: str) -> None:
    written = [d.code for d in check_twl(place.format(quote(url)) + "\n")]
    t = twimlc.loads("param u url\n" + place.format("{{u}}") + "\n")
    try:
        xml = t.render(u=url)
    except ParamError as e:
        assert "TWL205" in written, f"refused at render, accepted by check: {e}"
        assert "parameter 'u'" in str(e)
    else:
        assert "TWL205" not in written, "rendered, refused by check"
        assert check_xml(xml.encode()) == []
    if "stream" in place:  # a WebSocket server: wss only (or relative)
        assert ("TWL205" in written) == (url not in ("/next", "next.xml", BAD_URLS[-1]))
    else:
        assert ("TWL205" in written) == (url in BAD_URLS)


XML_URL_PLACES = {
    "gather action={}": '<Response><Gather action="{}"/></Response>',
    "play {}": "<Response><Play>{}</Play></Response>",
    "start:\n    stream url={}": '<Response><Start><Stream url="{}"/></Start></Response>',
}


@pytest.mark.parametrize("url", GOOD_URLS + BAD_URLS)
@pytest.mark.parametrize("place", XML_URL_PLACES, ids=lambda p: p.split()[0])
def test_written_urls_are_judged_alike_in_twl_and_xml(place: str, url: str) -> None:
    from xml.sax.saxutils import escape

    twl = [d.code for d in check_twl(place.format(quote(url)) + "\n")]
    xml = [d.code for d in check_xml(XML_URL_PLACES[place].format(escape(url, {'"': "&quot;"})).encode()) or []]
    assert ("TWL205" in twl) == ("TWL205" in xml)


def test_urls_are_judged_after_filling_in() -> None:
    assert twimlc.loads("param waiting url\ndial:\n    conference room waitUrl={{waiting}}\n").render(waiting="")
    t = twimlc.loads("param u url\nplay {{u}}/hold.mp3\n")
    assert "<Play>https://example.com/hold.mp3</Play>" in t.render(u="https://example.com")
    with pytest.raises(ParamError, match="javascript"):
        t.render(u="javascript:alert(1)//")
    with pytest.raises(ParamError, match=r"<Play> would be 'wss://example\.com/hold\.mp3', not a URL: scheme 'wss'"):
        t.render(u="wss://example.com")  # a URL, but not one <Play> can fetch
    t = twimlc.loads("param host string\ngather action=https://{{host}}/next\n")
    with pytest.raises(ParamError, match="needs a host"):
        t.render(host="")
    # a raw (!) attribute is passed through unchecked, written or rendered
    assert codes("param u url\ngather !action={{u}}\n") == [("TWL902", 2)]
    assert 'action="wss://example.com/x"' in twimlc.loads("param u url\ngather !action={{u}}\n").render(
        u="wss://example.com/x"
    )
    with pytest.raises(ParamError, match="not a URL"):  # a url parameter is a URL wherever it goes
        twimlc.loads('param u url\nsay "{{u}}"\n').render(u="javascript:alert(1)")
    # and where a value around a placeholder can never make a URL, check says so at once
    assert codes("param s string\ngather action={{s}}:x\n") == [("TWL603", 2)]
    assert codes("param u url default=javascript:x\nplay {{u}}\n") == [("TWL605", 1)]


# --- booleans and DTMF -----------------------------------------------------------------------


def test_boolean_parameters_fit_wherever_twilio_takes_true_or_false() -> None:
    dial = "param r boolean\ndial record={{r}}:\n    number +14155550100\n"
    assert codes(dial) == []
    assert 'record="true"' in twimlc.loads(dial).render(r=True)
    assert 'record="false"' in twimlc.loads(dial).render(r="false")
    with pytest.raises(ParamError, match="not a boolean"):
        twimlc.loads(dial).render(r="record-from-answer")
    assert codes("param r boolean\nrecord playBeep={{r}}\n") == []
    # <Conference record> takes do-not-record or record-from-start, never true/false
    assert codes("param r boolean\ndial:\n    conference room record={{r}}\n") == [("TWL603", 3)]


DTMF = ["1234", "ww1234#", "W*9#", "0A1B2C3D"]
NOT_DTMF = ["12x", "1 2", "#!", "E", "ww+1"]


@pytest.mark.parametrize("value", DTMF + NOT_DTMF)
@pytest.mark.parametrize("place", ["play digits={}"])
def test_dtmf_parameters_fit_and_render_like_written_digits(place: str, value: str) -> None:
    written = [d.code for d in check_twl(place.format(quote(value)) + "\n")]
    assert ("TWL208" in written) == (value in NOT_DTMF)
    source = "param d dtmf\n" + place.format("{{d}}") + "\n"
    assert codes(source) == []
    if value in NOT_DTMF:
        with pytest.raises(ParamError, match=r"'d': .* is not DTMF digits"):
            twimlc.loads(source).render(d=value)
    else:
        assert check_xml(twimlc.loads(source).render(d=value).encode()) == []


# <Number sendDigits> takes only 0123456789*#w (twiml-spec.md, Twilio's 13222), not A-D or W
SEND_DIGITS = ["1234", "ww1234#", "*9#w"]
NOT_SEND_DIGITS = ["W*9#", "0A1B2C3D", "12x", "ww+1"]


@pytest.mark.parametrize("value", SEND_DIGITS + NOT_SEND_DIGITS)
def test_send_digits_take_fewer_characters_than_play_digits(value: str) -> None:
    place = "dial:\n    number +14155550100 sendDigits={}\n"
    written = [d.code for d in check_twl(place.format(quote(value)))]
    assert ("TWL208" in written) == (value in NOT_SEND_DIGITS)
    # a dtmf parameter may hold A-D or W, which sendDigits refuses; a digits one fits
    assert codes("param d dtmf\n" + place.format("{{d}}")) == [("TWL603", 3)]
    assert codes("param d digits\n" + place.format("{{d}}")) == []


def test_dtmf_and_digits_types() -> None:
    assert codes("param d dtmf\ngather numDigits={{d}}\n") == [("TWL603", 2)]
    assert codes("param d digits\nplay digits={{d}}\n") == []
    assert codes("param d dtmf default=12x\ndial:\n    number +14155550100 sendDigits={{d}}\n") == [("TWL605", 1)]
    assert 'digits="1234"' in twimlc.loads("param d dtmf\nplay digits={{d}}\n").render(d=1234)


# --- a literal {{ ------------------------------------------------------------------------------


def test_a_literal_double_brace_is_written_backslash_brace_brace() -> None:
    assert codes('say "Write \\{{name}} for the name."\n') == []
    xml = twimlc.compile('say "Write \\{{name}} for the name." voice="\\{{v}}"\ngather action="/x?t=\\{{y}}"\n')
    root = etree.fromstring(xml.encode())
    assert root.find("Say").text == "Write {{name}} for the name."
    assert root.find("Say").get("voice") == "{{v}}"
    assert root.find("Gather").get("action") == "/x?t={{y}}"
    t = twimlc.loads('param n string\nsay "\\{{n}} is {{n}}, \\{{{{n}}}}, \\{{{n}}}"\n')
    assert "<Say>{{n}} is Ann, {{Ann}}, {{{n}}}</Say>" in t.render(n="Ann")
    assert "<Say>{{n}} is &lt;b&gt;, {{&lt;b&gt;}}, {{{n}}}</Say>" in t.render(n="<b>")
    assert codes('say "\\{x"\n') == [("TWL003", 1)]  # only \\{{ is an escape
    assert twimlc.compile("say \"{{'{{'}}x}}\"\n") == twimlc.compile('say "\\{{x}}"\n')  # the form in the tree
    assert twimlc.compile('param d string default="\\{{x}}"\nsay "{{d}}"\n').count("<Say>{{x}}</Say>") == 1


def test_fmt_keeps_literal_braces() -> None:
    source = 'param n string\nsay   "\\{{n}} = {{n}}"  voice="\\\\{{n}}"\nsay "{{\'{{\'}}n}}"\n'
    formatted = twimlc.format(source)
    assert formatted == 'param n string\nsay "\\{{n}} = {{n}}" voice="\\\\{{n}}"\nsay "\\{{n}}"\n'
    assert twimlc.format(formatted) == formatted
    assert twimlc.parse(formatted) == twimlc.parse(source)


def test_decompile_writes_literal_braces_unless_they_are_bin_variables() -> None:
    xml = '<Response><Say voice="{{v}}">Hi {{Name}}, {{\'{{\'}}</Say><Gather action="/x?n={{N}}" numDigits="{{D}}"/></Response>'
    as_bin = twimlc.decompile(xml)
    assert as_bin.startswith("param v string\nparam Name string\nparam N string\nparam D string\n")
    literal = twimlc.decompile(xml, bin_variables=False)
    assert "param" not in literal
    assert 'say "Hi \\{{Name}}, \\{{\'{{\'}}" voice="\\{{v}}"' in literal
    assert canonical(twimlc.compile(literal)) == canonical(xml)


def test_cli_decompile_no_bin_variables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bin.xml"
    f.write_text("<Response><Say>Hello {{From}}</Say></Response>", encoding="utf-8")
    assert main(["decompile", str(f)]) == 0
    assert capsys.readouterr().out == 'param From string\nsay "Hello {{From}}"\n'
    assert main(["decompile", "--no-bin-variables", str(f)]) == 0
    assert capsys.readouterr().out == 'say "Hello \\{{From}}"\n'


brace_texts = st.lists(
    st.sampled_from(["{{", "}}", "{", "}", "x", " ", "'", "\\", "{{x}}", "{{ y }}", LITERAL, "{{'", "'}}"]), max_size=8
).map("".join)


@settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brace_texts)
def test_escaping_braces_is_exact(text: str) -> None:
    literal = escape_braces(text, placeholders=False)
    assert literal_text(literal) == text and names(literal) == []
    kept = escape_braces(text, placeholders=True)
    assert literal_text(kept) == text and names(kept) == names(text)


@settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brace_texts, brace_texts)
def test_literal_braces_survive_compile_fmt_and_decompile(text: str, voice: str) -> None:
    text = text if text.strip() else "x"  # a <Say> with nothing to say is an error (TWL303)
    source = f"say {quote(escape_braces(text, False))} voice={value(escape_braces(voice, False), True)}\n"
    # a line over 100 characters puts its attribute on a continuation line
    laid_out = source if len(source) <= 101 else source.replace(" voice=", " \\\n    voice=", 1)
    assert twimlc.format(source) == laid_out
    xml = twimlc.compile(source)
    say = etree.fromstring(xml.encode()).find("Say")
    assert (say.text, say.get("voice")) == (text, voice)
    again = twimlc.decompile(xml, bin_variables=False)
    assert canonical(twimlc.compile(again)) == canonical(xml)
