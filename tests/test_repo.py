"""``check`` and ``decompile`` over a real repository: XML that is not TwiML is left alone,
TwiML with a wrong root is still checked, and messages speak to users."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from test_precommit import PRE_COMMIT, _env

from twimlc.api import check, check_xml, judge_xml
from twimlc.cli import main
from twimlc.decompiler import decompile_with_diagnostics
from twimlc.diagnostics import Diagnostic, TwimlcError
from twimlc.sniff import sniff
from twimlc.xmlread import parse_xml

REPO = ROOT / "tests" / "repo"
NOT_TWIML = sorted((REPO / "not_twiml").iterdir())
# what check reports for each TwiML file in tests/repo/twiml: (code, line)
TWIML = {
    "doctype.xml": [("TWL007", 2)],  # a DOCTYPE inside TwiML is still refused
    "menu.xml": [],
    "reply.xml": [("TWL312", 1)],  # not <Response>, but its children are TwiML verbs
    "typo.xml": [("TWL312", 2)],  # <Respnse>
    "welcome.twiml": [("TWL312", 2)],  # <Responses>
}


def codes(diagnostics: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in diagnostics]


def leaks(text: str) -> list[str]:
    """libxml2's internals or Clark-notation names ({uri}name) in user-facing text."""
    return re.findall(r"XML_PARSE\w*|\bxml[A-Z]\w+|Unregistered error|\{[^}\s]*[:/][^}\s]*\}\w+", text)


@pytest.mark.parametrize("path", NOT_TWIML, ids=lambda p: p.name)
def test_xml_that_is_not_twiml_is_skipped(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sniff(path.read_bytes())[0] is False
    assert judge_xml(path.read_bytes(), str(path)) == (False, [])
    assert check(path) == []
    assert main(["check", str(path)]) == 0  # named, as pre-commit names it
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "checked 0 files: no problems; skipped 1 file: not TwiML\n"


@pytest.mark.parametrize("form", ["json", "github"])
def test_skipped_files_are_mentioned_in_every_format(form: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", form, str(REPO / "not_twiml" / "pom.xml")]) == 0
    out, err = capsys.readouterr()
    assert out == ("[]\n" if form == "json" else "")
    assert err == "skipped 1 file: not TwiML\n"


def test_directory_walk_skips_xml_that_is_not_twiml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO / "not_twiml")]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"checked 0 files: no problems; skipped {len(NOT_TWIML)} files: not TwiML\n"


@pytest.mark.parametrize("name", sorted(TWIML))
def test_twiml_is_checked_even_with_a_wrong_root(name: str) -> None:
    path = REPO / "twiml" / name
    assert codes(check(path)) == TWIML[name]


def test_repository_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO)]) == 1
    out, err = capsys.readouterr()
    assert "welcome.twiml:2:2: error[TWL312] the root element is <Responses>; it must be <Response>" in out
    assert "help: did you mean <Response>?" in out
    assert err == f"checked 5 files: 4 errors; skipped {len(NOT_TWIML)} files: not TwiML\n"


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b"<Responses><Say>Hi</Say></Responses>", [("TWL312", 1)]),
        (b"<Respnse><Say>Hi</Say></Respnse>", [("TWL312", 1)]),
        (b"<Respond>\n<Hangup/></Respond>", [("TWL312", 1)]),
        (b"<response><Say>Hi</Say></response>", [("TWL312", 1)]),
        (b"<Reply>\n  <!-- greet -->\n  <Message>Hi</Message>\n</Reply>", [("TWL312", 1)]),
        (b"<Responses><Say>unclosed</Responses>", [("TWL006", 1)]),  # TwiML, so its parse error is reported
        (b"<Responses/>", [("TWL312", 1)]),  # empty: nothing says it is anything else
        (b"<Respnse>\n  <!-- x -->\n</Respnse>", [("TWL312", 1)]),
        (b"<RESPONSE><Hangup/></RESPONSE>", [("TWL312", 1)]),
        (b"<Response><status>ok</status></Response>", [("TWL101", 1)]),  # exactly <Response>: TwiML
        (b"<Response>\n<Say>a & b</Say></Response>", [("TWL006", 2)]),
        (b"<!DOCTYPE Response><Response/>", [("TWL007", 1)]),
        (b'<?xml version="1.0"?>\n<!-- x -->\n<!DOCTYPE Responses SYSTEM "t.dtd">\n<Responses/>', [("TWL007", 3)]),
    ],
)
def test_misspelt_roots_and_hostile_twiml(xml: bytes, expected: list[tuple[str, int]]) -> None:
    assert codes(check_xml(xml, "x.xml") or []) == expected


@pytest.mark.parametrize(
    "xml",
    [
        b"",
        b"\n  \n",
        b'<?xml version="1.0"?>\n<!-- nothing here -->\n',
        b"<project><modelVersion>4.0.0</modelVersion></project>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>',
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x"/>',
        b'<Response xmlns="urn:example:api"><Status>OK</Status></Response>',
        b"<settings><setting name='a'>1</setting>",  # broken, but plainly not TwiML
        b"<configuration><appender & </configuration>",
        b'<!DOCTYPE web-app PUBLIC "-//Sun//DTD Web Application 2.3//EN" "x.dtd">\n<web-app><display-name>x</display-name></web-app>',
        b'<!DOCTYPE note [\n<!ENTITY e "<Response>">\n]>\n<note>&e;</note>',
        b"<messages/>",
        b'{"not": "xml"}',
        # a Java test fixture (src/test/resources/api-response.xml): a root that is Response
        # only in another case, and a first child that is no TwiML verb
        b"<response><status>ok</status></response>",
        b'<?xml version="1.0"?>\n<response>\n  <!-- fixture -->\n  <code>200</code>\n</response>',
        b"<response>OK</response>",
        b"<Responses><![CDATA[ok]]></Responses>",
    ],
)
def test_sniff_not_twiml(xml: bytes) -> None:
    assert sniff(xml)[0] is False
    assert judge_xml(xml, "x.xml") == (False, [])


def test_twiml_files_are_always_twiml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "odd.twiml"
    f.write_text('<project xmlns="http://maven.apache.org/POM/4.0.0"><Say>x</Say></project>', encoding="utf-8")
    assert main(["check", str(f)]) == 1
    out, err = capsys.readouterr()
    assert "error[TWL312] the root element is <project>; it must be <Response>" in out
    assert "checked 1 file: 1 error\n" == err
    assert not leaks(out)
    (tmp_path / "empty.twiml").write_bytes(b"")
    assert codes(check(tmp_path / "empty.twiml")) == [("TWL006", 1)]
    assert main(["check", str(tmp_path / "empty.twiml")]) == 1
    assert "malformed XML: the file is empty" in capsys.readouterr().out


def test_the_start_does_not_tell_then_the_tree_does() -> None:
    comment = b"<!--" + b"x" * 20_000 + b"-->\n"
    assert sniff(comment + b"<project/>")[0] is None
    assert judge_xml(comment + b"<project/>", "x.xml") == (False, [])
    assert codes(check_xml(comment + b"<Responses/>", "x.xml") or []) == [("TWL312", 2)]
    assert codes(check_xml(comment + b"<Response><Sya/></Response>", "x.xml") or []) == [("TWL101", 2)]
    assert judge_xml(comment + b"<response><status>ok</status></response>", "x.xml") == (False, [])
    assert judge_xml(comment + b"<Respnse>ok</Respnse>", "x.xml") == (False, [])
    assert codes(check_xml(comment + b"<Respnse>\n<!-- c -->\n</Respnse>", "x.xml") or []) == [("TWL312", 2)]
    assert codes(check_xml(comment + b"<response><Say>Hi</Say></response>", "x.xml") or []) == [("TWL312", 2)]


def test_utf16_twiml_is_checked() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?>\n<Response><Sya/></Response>'.encode("utf-16")
    assert sniff(xml)[0] is True
    assert codes(check_xml(xml, "x.xml") or []) == [("TWL101", 2)]


@pytest.mark.parametrize("name", ["README.md", "icon.svg", "notes"])
def test_a_named_file_of_another_kind_is_a_usage_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / name).write_text("# Hello\n", encoding="utf-8")
    (tmp_path / "bad.twl").write_text("sya\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "bad.twl"), str(tmp_path / name)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"twimlc check: error: {tmp_path / name}: not a .twl, .twiml or .xml file (nor a directory)\n"


@pytest.mark.parametrize("name", ["menu.xml", "welcome.twiml"])
def test_compile_of_xml_suggests_decompile(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(REPO / "twiml" / name)
    assert main(["compile", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"twimlc decompile {path}" in err
    assert "TWL001" not in err


def test_decompile_directory_skips_xml_that_is_not_twiml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    assert main(["decompile", str(repo)]) == 1  # the TwiML with a wrong root or a DOCTYPE fails
    out, err = capsys.readouterr()
    assert out == ""
    for path in NOT_TWIML:
        assert f"{repo / 'not_twiml' / path.name}: skipped: not TwiML (" in err
        assert not (repo / "not_twiml" / path.name).with_suffix(".twl").exists()
    assert "(the root element <project> has an XML namespace)" in err
    assert "(the root element is <beans>)" in err
    assert "(an empty file)" in err
    assert f"wrote {repo / 'twiml' / 'menu.twl'}" in err
    assert "welcome.twiml:2:2: error[TWL312]" in err
    assert err.endswith(f"skipped {len(NOT_TWIML)} files: not TwiML\n")
    assert not leaks(err)
    shutil.rmtree(repo / "twiml")
    assert main(["decompile", str(repo)]) == 0


def test_decompile_of_a_named_file_that_is_not_twiml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompile", str(REPO / "not_twiml" / "index.xml")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "error[TWL312] not TwiML: the root element <html> has an XML namespace; nothing to decompile" in err
    source, diagnostics = decompile_with_diagnostics((REPO / "not_twiml" / "applicationContext.xml").read_bytes())
    assert source is None
    assert codes(diagnostics) == [("TWL312", 1)]  # not TWL007: it is not TwiML with a DOCTYPE


def test_namespaces_never_leak_into_messages() -> None:
    found: list[Diagnostic] = []
    found += check_xml(b'<Response xmlns="urn:example"><Say>x</Say></Response>', "x.twiml", twiml=True) or []
    found += check_xml(b'<a:Response xmlns:a="urn:example"/>', "x.twiml", twiml=True) or []
    xsi = b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="twiml.xsd"'
    found += check_xml(b"<Response " + xsi + b"><Say>x</Say></Response>", "x.xml") or []
    found += check_xml(b'<Response xmlns:t="urn:t"><Say t:voice="x">hi</Say></Response>', "x.xml") or []
    assert [d.code for d in found] == ["TWL312", "TWL312", "TWL103", "TWL902"]  # t:voice: a vendor extension
    assert "<Response> has no attribute 'xsi:noNamespaceSchemaLocation'" in found[2].message
    assert "'t:voice'" in found[3].message
    for xml in (
        b'<Response xmlns:t="urn:t"><t:Say>x</t:Say></Response>',
        b"<Response " + xsi + b"><Say>x</Say></Response>",
        b'<Response xmlns="urn:example"><Say>x</Say></Response>',
    ):
        source, diagnostics = decompile_with_diagnostics(xml, "x.twiml", twiml=True)
        assert source is None
        found += diagnostics
    assert [d.code for d in found[4:]] == ["TWL903", "TWL903", "TWL312"]
    assert "<t:Say> (line 1) is in a declared XML namespace, which .twl cannot keep" in found[4].message
    assert "xsi:noNamespaceSchemaLocation on <Response> (line 1) is in a declared XML namespace" in found[5].message
    assert not leaks(" ".join(f"{d.message} {d.hint}" for d in found))


# --- libxml2's messages in words for users ----------------------------------------------------

LIMITS = {
    b"<Response>" + b"<Say>" * 600 + b"</Say>" * 600 + b"</Response>": "elements nest more than 64 deep",
    b"<Response><Say>" + b"a" * 10_200_000 + b"</Say></Response>": "a text is over 10,000,000 characters",
    b'<Response><Say voice="' + b"a" * 10_200_000 + b'"/></Response>': "a value is over 10,000,000 characters",
    b"<Response><" + b"S" * 60_000 + b"/></Response>": "a name is over 50,000 characters",
}


@pytest.mark.parametrize("xml", list(LIMITS), ids=["deep", "text", "attribute", "name"])
def test_limits_are_worded_for_users(xml: bytes) -> None:
    found = check_xml(xml, "x.xml") or []
    assert [(d.code, d.message) for d in found] == [("TWL007", LIMITS[xml])]
    assert not leaks(f"{found[0].message} {found[0].hint}")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<Response><Say>unclosed</Response>", "malformed XML: </Response> closes <Say> (line 1)"),
        (b"<Response>\n<Say>Fish & chips</Say></Response>", "malformed XML: a bare '&'"),
        (b"<Response><Say>&nbsp;</Say></Response>", "malformed XML: unknown entity &nbsp;"),
        (b"<Response><Gather numDigits=1/></Response>", "malformed XML: an attribute value is not in quotes"),
        (b"<Response><Say>x", "malformed XML: <Say> (line 1) is never closed"),
        (b"<Response><Play><![CDATA[x</Play></Response>", "malformed XML: a CDATA section without its ]]>"),
        (b"<Response>\x01</Response>", "malformed XML: a character that is not allowed in XML"),
    ],
)
def test_parse_errors_are_worded_for_users(xml: bytes, message: str) -> None:
    found = check_xml(xml, "x.xml") or []
    assert [(d.code, d.message) for d in found] == [("TWL006", message)]


def test_no_parse_error_shows_libxml2_internals() -> None:
    """Every one-byte edit of a TwiML document that libxml2 refuses gets a message without
    libxml2's function or option names and on one line."""
    base = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <!-- menu -->\n'
        b'  <Gather numDigits="1" action="/x?a=1&amp;b=2">\n    <Say voice="alice">1 &lt; 2</Say>\n'
        b"  </Gather>\n  <Play><![CDATA[http://x]]></Play>\n</Response>\n"
    )
    seen = 0
    for i in range(len(base)):
        for edit in (b"", b"<", b"&", b'"', b"\x00", b"]]>", b"\xff", b"\x01"):
            xml = base[:i] + edit + base[i + (0 if edit else 1) :]
            for d in parse_xml(xml, "x.xml")[1]:
                seen += 1
                text = f"{d.message} {d.hint}"
                assert not leaks(text) and "\n" not in text, (xml, text)
    assert seen > 1000


# --- the pre-commit hook over a repository ----------------------------------------------------


def test_hook_leaves_xml_that_is_not_twiml_alone(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = _env(tmp_path)
    hooks = tmp_path / "twimlc-repo"  # this checkout as it is now, committed (pre-commit installs from git)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(hooks)], check=True, env=env)
    for rel in subprocess.run(
        ["git", "ls-files", "-m", "-o", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split():
        (hooks / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, hooks / rel)
    subprocess.run(["git", "add", "-A"], cwd=hooks, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "snapshot"], cwd=hooks, check=True, env=env)

    project = tmp_path / "project"
    shutil.copytree(REPO / "not_twiml", project / "config")
    (project / "ivr").mkdir()
    shutil.copy2(REPO / "twiml" / "menu.xml", project / "ivr" / "menu.xml")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, env=env)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PRE_COMMIT, "try-repo", str(hooks), "twimlc-check", "--all-files", "--verbose"],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=600,
        )

    ok = run()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # pre-commit may split the files among processes: one summary each
    summaries = re.findall(r"checked (\d+) files?: no problems(?:; skipped (\d+) files?: not TwiML)?", ok.stdout)
    assert sum(int(c) for c, _ in summaries) == 1
    assert sum(int(s or 0) for _, s in summaries) == len(NOT_TWIML)

    shutil.copy2(REPO / "twiml" / "welcome.twiml", project / "ivr" / "welcome.twiml")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, env=env)
    bad = run()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "ivr/welcome.twiml:2:2: error[TWL312] the root element is <Responses>" in bad.stdout
    for path in NOT_TWIML:
        assert f"config/{path.name}:" not in bad.stdout


@pytest.mark.parametrize("name", ["index.xml", "pom.xml"])
def test_dial_sends_only_twiml(name: str) -> None:
    """What check skips as not TwiML is refused as inline TwiML for a call, not sent."""
    from twimlc.dialer import twiml_for

    with pytest.raises(TwimlcError) as e:
        twiml_for((REPO / "not_twiml" / name).read_text(encoding="utf-8"), name, {})
    assert [d.code for d in e.value.diagnostics] == ["TWL312"]
    assert not leaks(e.value.diagnostics[0].message)


def test_flow_routes_are_the_twiml_check_finds() -> None:
    """serve, graph and simulate take the same files for TwiML as check does."""
    from twimlc.flow import scan

    assert sorted(Path(r.file).name for r in scan(str(REPO)).routes) == sorted(TWIML)
