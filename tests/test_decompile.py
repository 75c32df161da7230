"""decompile: TwiML XML → .twl that compiles back to the same TwiML, on the shared corpus
and on odd documents; the CLI's file handling."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest
from conftest import CASES, ROOT, shared_or_skip

import twimlc
from twimlc.api import check_xml
from twimlc.ast import Attribute, Comment, Element
from twimlc.canonical import canonical
from twimlc.cli import main
from twimlc.decompiler import decompile_with_diagnostics
from twimlc.resolve import resolve
from twimlc.xmlread import parse_xml, to_syntax


def test_corpus_round_trips() -> None:
    base = shared_or_skip("corpus")
    with (base / "MANIFEST.tsv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["wellformed"] == "yes"]
    failures = []
    for r in rows:
        data = (base / r["file"]).read_bytes()
        try:
            source = twimlc.decompile(data)
        except twimlc.TwimlcError as e:
            failures.append((r["file"], str(e)))
            continue
        assert canonical(twimlc.compile(source)) == canonical(data), r["file"]
        assert twimlc.format(source) == source, r["file"]  # decompile prints the canonical layout
    assert failures == []
    assert len(rows) == 441


@pytest.mark.parametrize("xml", sorted(CASES.glob("*.xml")), ids=lambda p: p.stem)
def test_golden_cases_round_trip(xml: Path) -> None:
    source = twimlc.decompile(xml.read_bytes())
    assert canonical(twimlc.compile(source)) == canonical(xml.read_bytes())
    original = xml.with_suffix(".twl").read_text(encoding="utf-8")
    # the same elements and attributes as the hand-written source (comments aside)
    assert [e.tag for e in twimlc.parse(source).elements] == [e.tag for e in twimlc.parse(original).elements]


ODD = {
    "comments": b"<!-- before -->\n<Response>\n  <!-- a\n  two-line comment -->\n  <Say>Hi<!-- inside --> there</Say>\n</Response>\n<!-- after -->",
    "unknown element": b'<Response><Ninja rank="1">x<Say>y</Say></Ninja></Response>',
    "wrong case": b"<Response><say>Hi</say></Response>",
    "bad value": b'<Response><Say loop="many">Hi</Say></Response>',
    "unknown attribute": b'<Response><Say lagnauge="en">Hi</Say></Response>',
    "misplaced verb": b"<Response><Gather><Dial>+15558675310</Dial></Gather></Response>",
    "text in response": b"<Response>before<Say>x</Say>after</Response>",
    "root attributes": b'<Response a="1" foo="bar"><Hangup/></Response>',
    "messaging redirect only": b"<Response><Redirect>/sms</Redirect></Response>",
    "odd text": '<Response><Say>  "quotes" \\ &amp; &lt; ]]&gt; \n\tnew line 日本語 🎉 </Say></Response>'.encode(),
    "odd attributes": b'<Response><Say voice="a b" language="en&quot;US">x</Say><Gather input="dtmf  speech" finishOnKey=""/></Response>',
    "empty": b"<Response/>",
    "whitespace only text": b"<Response><Say> </Say><Play>\n</Play></Response>",
    "xml lang": b'<Response><Say><lang xml:lang="fr-FR">bonjour</lang></Say></Response>',
    "empty where twilio needs something": b"<Response><Play/><Dial/><Connect><Stream/></Connect></Response>",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_documents_round_trip(name: str) -> None:
    data = ODD[name]
    source, warnings = decompile_with_diagnostics(data)
    assert canonical(twimlc.compile(source)) == canonical(data)
    assert all(not w.is_error for w in warnings)


def test_empty_elements_come_through_the_escape_hatch() -> None:
    """twimlc compile refuses an empty <Play>, <Dial> or <Stream> (TWL303, TWL313): decompile
    keeps them as written, with a warning, so its result compiles back."""
    source, warnings = decompile_with_diagnostics(ODD["empty where twilio needs something"])
    assert source.split() == ["!Play", "!Dial", "connect:", "!Stream"]
    assert [w.code for w in warnings] == ["TWL901"] * 3
    _, again = decompile_with_diagnostics(b"<Response><Play>a.mp3</Play><Stop><Stream name='s'/></Stop></Response>")
    assert again == []


def test_comments_and_escape_hatch_are_visible() -> None:
    source, warnings = decompile_with_diagnostics(ODD["unknown element"])
    assert source.startswith('!Ninja "x" rank=1:') or "!Ninja" in source
    assert [w.code for w in warnings] == ["TWL901"]
    source = twimlc.decompile(ODD["comments"])
    assert "# before" in source and "# inside" in source and "# after" in source


@pytest.mark.parametrize(
    "data",
    [
        b"<Response><Say>unclosed</Response>",
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response>&x;</Response>',
        b"<project/>",
    ],
)
def test_bad_xml_is_refused_with_a_code(data: bytes) -> None:
    with pytest.raises(twimlc.TwimlcError) as e:
        twimlc.decompile(data)
    assert e.value.diagnostics[0].code in ("TWL006", "TWL007", "TWL312")


def test_white_space_between_ssml_children_is_kept() -> None:
    """Inside <Say> white space between SSML elements is spoken (it separates words), so
    decompile keeps it as text and compiling gives the same bytes back."""
    say = "<Say>\n    <emphasis>no</emphasis>\n    <emphasis>where</emphasis>\n  </Say>"
    source = twimlc.decompile(f"<Response>\n  {say}\n</Response>\n")
    assert source == 'say:\n    "\\n    "\n    emphasis "no"\n    "\\n    "\n    emphasis "where"\n    "\\n  "\n'
    assert f"\n  {say}\n" in twimlc.compile(source)
    # and canonical XML tells them apart: "no where" is not "nowhere"
    assert canonical(f"<Response>{say}</Response>") != canonical(
        "<Response><Say><emphasis>no</emphasis><emphasis>where</emphasis></Say></Response>"
    )


def test_indentation_of_element_children_is_layout() -> None:
    """Outside speech, white space between elements is layout: decompile drops it."""
    dial = "<Response>\n  <Dial>\n    <Number>+15558675310</Number>\n  </Dial>\n</Response>"
    assert twimlc.decompile(dial) == "dial:\n    number +15558675310\n"
    message = "<Response>\n  <Message>\n    <Body>Hi</Body>\n  </Message>\n</Response>"
    assert twimlc.decompile(message) == 'message:\n    body "Hi"\n'


def test_cli_single_file_to_stdout_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = tmp_path / "a.xml"
    xml.write_bytes(b"<Response><Say>Hi</Say></Response>")
    assert main(["decompile", str(xml)]) == 0
    assert capsys.readouterr().out == 'say "Hi"\n'
    out = tmp_path / "out.twl"
    assert main(["decompile", str(xml), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == 'say "Hi"\n'


def test_cli_directory_writes_beside_and_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.xml").write_bytes(b"<Response><Say>A</Say></Response>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_bytes(b"<Response><Play>b.mp3</Play></Response>")
    (tmp_path / "sub" / "b.twl").write_text("# mine\n", encoding="utf-8")
    assert main(["decompile", str(tmp_path)]) == 1
    assert (tmp_path / "a.twl").read_text(encoding="utf-8") == 'say "A"\n'
    assert (tmp_path / "sub" / "b.twl").read_text(encoding="utf-8") == "# mine\n"
    assert "use --force" in capsys.readouterr().err
    assert main(["decompile", "--force", str(tmp_path)]) == 0
    assert (tmp_path / "sub" / "b.twl").read_text(encoding="utf-8") == "play b.mp3\n"


def test_cli_bad_file_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.xml").write_bytes(b"<Response><Say>")
    (tmp_path / "good.xml").write_bytes(b"<Response><Hangup/></Response>")
    assert main(["decompile", str(tmp_path / "bad.xml"), str(tmp_path / "good.xml")]) == 1
    assert (tmp_path / "good.twl").read_text(encoding="utf-8") == "hangup\n"
    assert not (tmp_path / "bad.twl").exists()
    assert "TWL006" in capsys.readouterr().err


def test_twiml_bin_variables_become_parameters() -> None:
    data = b'<Response><Say>Hello {{From}}</Say><Gather numDigits="{{n}}" action="/next?to={{To}}"/><Dial><Number>{{To}}</Number></Dial></Response>'
    source, warnings = decompile_with_diagnostics(data)
    assert source.startswith("param From string\nparam n string\nparam To string\n")
    assert "gather !numDigits={{n}} action=/next?to={{To}}" in source
    assert "TWL905" in [w.code for w in warnings]
    xml = twimlc.compile(source, params={"From": "Ann", "n": "1", "To": "+14155550100"})
    assert "<Say>Hello Ann</Say>" in xml and "<Number>+14155550100</Number>" in xml


# --- decompile asks the resolver (keep mode) ---------------------------------------------


def test_kept_elements_say_what_the_resolver_would_reject() -> None:
    """An element the resolver would reject is kept as !Tag with the resolver's own reason
    and hint, the one `check` reports as an error."""
    data = b"<Response><Gather><Dial>+15558675310</Dial></Gather></Response>"
    source, warnings = decompile_with_diagnostics(data)
    assert source == 'gather:\n    !Dial "+15558675310"\n'
    (w,) = warnings
    assert (w.code, w.message, w.span.column) == ("TWL901", "<Dial> is not allowed inside <Gather>; kept as !Dial", 20)
    assert w.hint is not None and w.hint.startswith("allowed here: <Say>")
    errors = [d for d in check_xml(data) if d.is_error]
    assert [(d.code, d.message) for d in errors] == [("TWL301", "<Dial> is not allowed inside <Gather>")]
    _, warnings = decompile_with_diagnostics(b"<Response><Play/></Response>")
    assert [w.message for w in warnings] == ["<Play> has nothing to play; kept as !Play"]


def test_the_resolver_keeps_what_it_would_reject() -> None:
    data = b'<Response a="1"><!-- c --><Gather>hi<Say lagnauge="en" loop="many">x</Say></Gather></Response>'
    root, _ = parse_xml(data, "x.xml")
    assert root is not None
    nodes, root_attrs = to_syntax(root, data.decode(), exact=True)
    doc, diagnostics = resolve(nodes, [], xml=True, keep=True, root=root_attrs)
    assert [d.code for d in diagnostics if d.is_error] == []
    assert doc.attributes == (Attribute("a", "1", True),)
    comment, gather = doc.body
    assert comment == Comment(" c")
    assert isinstance(gather, Element) and gather.raw and gather.tag == "Gather"
    (say,) = gather.elements
    assert not say.raw  # read again inside the kept <Gather>: allowed there
    assert say.attributes == (Attribute("lagnauge", "en", True), Attribute("loop", "many", True))
    kept = [(d.code, d.message) for d in diagnostics if d.code in ("TWL901", "TWL902")]
    assert kept == [
        ("TWL902", "<Response> has no attribute 'a'; kept as !a"),
        ("TWL901", "text is not allowed inside <Gather>; kept as !Gather"),
        ("TWL902", "attribute 'lagnauge' is outside twimlc's vocabulary; kept as !lagnauge"),
        ("TWL902", "loop on <Say>: 'many' is not an integer; kept as !loop"),
    ]
    # without keep, the same document is rejected as `check` rejects it
    _, plain = resolve(to_syntax(root, data.decode())[0], [], xml=True)
    assert sorted(d.code for d in plain if d.is_error) == ["TWL103", "TWL202", "TWL302"]


def test_only_what_is_kept_is_warned_about() -> None:
    """A kept element's children are read once, in its place: no warning about a child that
    ends up typed, and nested kept elements are read a bounded number of times."""
    source, warnings = decompile_with_diagnostics(b"<Response><Play><Say>x</Say></Play></Response>")
    assert source == '!Play:\n    say "x"\n'
    assert [(w.code, w.message) for w in warnings] == [("TWL901", "<Play> takes no children; kept as !Play")]
    nested = b"<Response>" + b"<Gather>t" * 24 + b"</Gather>" * 24 + b"</Response>"
    source, warnings = decompile_with_diagnostics(nested)
    assert source is not None and source.count("!Gather") == 24
    assert len(warnings) == 24


def test_decompile_restates_no_rule_of_the_resolver() -> None:
    """decompiler.py reads nothing of the vocabulary, the value types or the rules itself:
    it asks the resolver."""
    tree = ast.parse((ROOT / "twimlc" / "decompiler.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}
    assert imported.isdisjoint({"vocabulary", "values", "validate", "params"})
    assert "lxml" not in {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


LAYOUT = b'<Response>\n  <Gather>\n  </Gather>\n  <Gather input="dtmf">\n\n  </Gather>\n  <Say>  </Say>\n</Response>\n'


def test_white_space_alone_in_an_element_that_holds_no_text_is_layout() -> None:
    from twimlc.api import check_xml
    from twimlc.canonical import canonical

    # the XML fast path and the full path (taken once anything else is flagged) agree: not TWL302
    found = check_xml(LAYOUT)
    assert [d.code for d in found] == ["TWL303"]  # only the empty <Say>: its white space is spoken
    flagged = LAYOUT.replace(b"</Response>", b"<Play>bad url</Play></Response>")
    assert [d.code for d in check_xml(flagged)] == ["TWL303", "TWL205"]
    assert canonical(b"<Response><Gather>\n </Gather></Response>") == canonical(b"<Response><Gather/></Response>")
    assert canonical(b"<Response><Say> </Say></Response>") != canonical(b"<Response><Say/></Response>")
    assert canonical(b"<Response><Play> </Play></Response>") != canonical(b"<Response><Play/></Response>")
    twl, diagnostics = decompile_with_diagnostics(LAYOUT.decode())
    assert twl.splitlines()[:2] == ["gather", "gather input=dtmf"] and not [
        d for d in diagnostics if "Gather" in d.message
    ]
