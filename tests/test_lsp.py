"""``twimlc lsp`` end to end: a real LSP client (pytest-lsp) starts ``twimlc lsp`` as a
process and talks to it over standard input and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="the language server needs pygls (pip install 'twimlc[lsp]')")
pytest_lsp = pytest.importorskip("pytest_lsp", reason="pytest-lsp is in the test extra")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

import twimlc  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

_SCRIPT = Path(sys.executable).with_name("twimlc")
SERVER = [str(_SCRIPT), "lsp"] if _SCRIPT.exists() else [sys.executable, "-m", "twimlc", "lsp"]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual_studio_code"), process_id=os.getpid())
    )
    yield
    await lsp_client.shutdown_session()


_versions: dict[str, int] = {}


async def _published(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    while True:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri and (params.version == version or version == -1):
            return list(params.diagnostics)


async def open_doc(client: LanguageClient, name: str, text: str, language: str = "twl") -> list[types.Diagnostic]:
    uri = f"file:///work/{name}"
    _versions[uri] = 1
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text))
    )
    return await _published(client, uri, 1)


async def change(
    client: LanguageClient, name: str, edit: types.TextDocumentContentChangeEvent
) -> list[types.Diagnostic]:
    uri = f"file:///work/{name}"
    _versions[uri] += 1
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=_versions[uri]),
            content_changes=[edit],
        )
    )
    return await _published(client, uri, _versions[uri])


def doc_id(name: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=f"file:///work/{name}")


def _offset(text: str, position: types.Position) -> int:
    """The str index of an LSP position (UTF-16 columns)."""
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for i, c in enumerate(line):
        if units >= position.character:
            return before + i
        units += 2 if ord(c) > 0xFFFF else 1
    return before + len(line)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: _offset(text, e.range.start)] + e.new_text + text[_offset(text, e.range.end) :]
    return text


def rng(line: int, start: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(line, end))


# --- diagnostics --------------------------------------------------------------------------------


async def test_diagnostics_exact_ranges_after_japanese_and_emoji(client: LanguageClient) -> None:
    text = 'say "こんにちは😀" lop=2\nsay "ok" loop=many\nplay\n'
    found = await open_doc(client, "jp.twl", text)
    by_code = {d.code: d for d in found}
    # 'say "' 5 + こんにちは 5 + 😀 2 (a surrogate pair) + '" ' 2 = 14 UTF-16 units
    d = by_code["TWL103"]
    assert d.range == rng(0, 14, 17)
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "twimlc"
    assert d.code_description is not None
    assert d.code_description.href.endswith("docs/codes.md#twl103--unknown-attribute")
    assert "(Twilio: 12200)" in d.message
    assert "help: did you mean 'loop'?" in d.message
    assert d.data["twilio"] == "12200"
    assert by_code["TWL202"].range == rng(1, 14, 18)
    assert by_code["TWL303"].range == rng(2, 0, 4)  # every problem of the file, not just the first
    assert {d.code for d in found} == {d.code for d in twimlc.checks(text)}


async def test_the_anchor_of_every_code_exists_in_codes_md(client: LanguageClient) -> None:
    import re

    from twimlc.diagnostics import CODES
    from twimlc.lsp import code_href

    headings = (Path(__file__).parent.parent / "docs" / "codes.md").read_text(encoding="utf-8")
    anchors = set()
    for title in re.findall(r"^## (.+)$", headings, re.M):
        anchors.add(re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-"))
    for code in CODES:
        assert code_href(code).split("#")[1] in anchors, code


async def test_change_close_and_warning_severity(client: LanguageClient) -> None:
    text = 'say "Hi" voice=Polly.Joana\n'
    (d,) = await open_doc(client, "change.twl", text)
    assert d.code == "TWL221" and d.severity == types.DiagnosticSeverity.Warning
    # one character: Joana → Joanna
    after = await change(client, "change.twl", types.TextDocumentContentChangePartial(range=rng(0, 25, 25), text="n"))
    assert after == []
    broken = await change(
        client, "change.twl", types.TextDocumentContentChangePartial(range=rng(0, 0, 0), text="hangup\n")
    )
    assert [d.code for d in broken] == ["TWL401"]
    assert broken[0].range.start.line == 1
    assert list(broken[0].tags or ()) == [types.DiagnosticTag.Unnecessary]
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc_id("change.twl")))
    assert await _published(client, "file:///work/change.twl", -1) == []


async def test_xml_documents_get_diagnostics(client: LanguageClient) -> None:
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say loop="many">Hi</Say>\n</Response>\n'
    (d,) = await open_doc(client, "reply.xml", text, language="xml")
    assert d.code == "TWL202"
    assert d.range.start.line == 2
    assert await open_doc(client, "pom.xml", "<project><x/></project>", language="xml") == []


# --- quick fixes ----------------------------------------------------------------------------------

FIXABLE = """\
Say "Hi" loop=2
say "Hello" voice=Polly.Joana
record maxlength=20 play_beep=false
gather input=[dtmf spech] method=GTE actionOnEmptyResult=True:
    sya "Press 1."
    !Play https://example.com/a.mp3
say "x" !loop=2
"""


async def test_every_quick_fix_applied_gives_a_clean_document(client: LanguageClient) -> None:
    found = await open_doc(client, "fix.twl", FIXABLE)
    fixable = [d for d in found if d.data and "fix" in d.data]
    assert {d.code for d in fixable} >= {"TWL101", "TWL103", "TWL201", "TWL204", "TWL221", "TWL901", "TWL902"}
    text = FIXABLE
    for _ in range(5):  # statements unknown before a fix are checked after it: fix until clean
        edits = []
        for d in found:
            actions = await client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=doc_id("fix.twl"),
                    range=d.range,
                    context=types.CodeActionContext(diagnostics=[d], only=[types.CodeActionKind.QuickFix]),
                )
            )
            quick = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == "quickfix"]
            assert len(quick) == (1 if d.data and "fix" in d.data else 0), d
            for a in quick:
                assert a.edit is not None and a.edit.changes is not None
                edits.extend(a.edit.changes["file:///work/fix.twl"])
        if not edits:
            break
        new = apply(text, edits)
        found = await change(client, "fix.twl", types.TextDocumentContentChangeWholeDocument(text=new))
        text = new
    assert found == []
    assert twimlc.checks(text) == []
    assert "record maxLength=20 playBeep=false" in text and "method=GET" in text and "input=[dtmf speech]" in text


async def test_fix_all(client: LanguageClient) -> None:
    text = 'say "Hi" lop=2\nsay "Hello" voice=Polly.Joana\n'
    found = await open_doc(client, "fixall.twl", text)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id("fixall.twl"),
            range=rng(0, 0, 0),
            context=types.CodeActionContext(diagnostics=found),
        )
    )
    (every,) = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == "source.fixAll.twimlc"]
    assert every.edit is not None and every.edit.changes is not None
    assert twimlc.checks(apply(text, every.edit.changes["file:///work/fixall.twl"])) == []


FIX_ALL = """\
Say "Hello" lop=2
say "Hi"
pause length=1
gather input=[dtmf speach] method=GTE:
    say "Press 1."
"""


async def _actions(
    client: LanguageClient, name: str, at: types.Range, diagnostics: list[types.Diagnostic], only: list[str] | None
) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(name), range=at, context=types.CodeActionContext(diagnostics=diagnostics, only=only)
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


async def test_fix_all_fixes_the_whole_document_from_any_position(client: LanguageClient) -> None:
    found = await open_doc(client, "fixwhole.twl", FIX_ALL)
    uri = "file:///work/fixwhole.twl"
    whole = types.Range(types.Position(0, 0), types.Position(5, 0))
    for at, diagnostics, only in (
        (whole, [], ["source.fixAll"]),  # Neovim's code_action({context={only={"source.fixAll"}}})
        (rng(0, 0, 0), [d for d in found if d.range.start.line == 0], None),  # the line with one fix
        (rng(2, 3, 3), [], None),  # a line with no problem
        (rng(3, 20, 20), [d for d in found if d.range.start.line == 3], ["source"]),
    ):
        actions = await _actions(client, "fixwhole.twl", at, diagnostics, only)
        (every,) = [a for a in actions if a.kind == "source.fixAll.twimlc"]
        assert every.edit is not None and every.edit.changes is not None
        fixed = apply(FIX_ALL, every.edit.changes[uri])
        # Say → say first, then its lop → loop (checked once say is known): fixed until clean
        assert fixed == FIX_ALL.replace("Say", "say").replace("lop", "loop").replace("speach", "speech").replace(
            "GTE", "GET"
        )
        assert twimlc.checks(fixed) == []
        quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
        assert len(quick) == (len(diagnostics) if only is None else 0)  # per diagnostic given, when asked for
    assert not [
        a
        for a in await _actions(client, "fixwhole.twl", whole, found, [types.CodeActionKind.QuickFix])
        if a.kind != types.CodeActionKind.QuickFix
    ]
    await change(client, "fixwhole.twl", types.TextDocumentContentChangeWholeDocument(text='say "clean"\n'))
    assert await _actions(client, "fixwhole.twl", rng(0, 0, 0), [], None) == []


async def test_no_quick_fix_writes_an_attribute_twice(client: LanguageClient) -> None:
    """A replacement already on the statement is not offered (its hint says what to do);
    one value of a list-typed attribute written without brackets is."""
    text = (
        'say "x" loop=2 Loop=3\n'
        'gather input=speach:\n    say "x"\n'
        'dial:\n    number "+14155550100" status_callback=/x statusCallBack=/y\n'
    )
    found = await open_doc(client, "twice.twl", text)
    offered = {}
    for d in found:
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=doc_id("twice.twl"),
                range=d.range,
                context=types.CodeActionContext(diagnostics=[d], only=[types.CodeActionKind.QuickFix]),
            )
        )
        offered[d.range.start.line, d.range.start.character] = [
            a.title for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == "quickfix"
        ]
    assert offered == {
        (0, 15): [],
        (1, 13): ["Replace with 'speech' (TWL204)"],
        (4, 26): ["Replace with 'statusCallback' (TWL103)"],
        (4, 45): [],
    }
    loop = next(d for d in found if d.range.start.line == 0)
    assert "'loop' is given already: keep one of them" in loop.message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id("twice.twl"), range=rng(0, 0, 0), context=types.CodeActionContext(diagnostics=found)
        )
    )
    (every,) = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == "source.fixAll.twimlc"]
    assert every.edit is not None and every.edit.changes is not None
    fixed = apply(text, every.edit.changes["file:///work/twice.twl"])
    assert "input=speech:" in fixed and fixed.count("statusCallback=") == 1
    assert "TWL104" not in [d.code for d in twimlc.checks(fixed)]


async def test_end_of_file_and_unused_parameter_as_the_editor_shows_them(client: LanguageClient) -> None:
    (d,) = await open_doc(client, "eof.twl", "gather input=[dtmf\n")
    assert d.message.startswith("unexpected end of file") and d.range == rng(0, 18, 19)
    found = await open_doc(client, "unknown.twl", 'param caller string\nSay "Hello {{caller}}"\nplay loop=many\n')
    assert sorted(str(d.code) for d in found) == ["TWL101", "TWL202", "TWL303"]


# --- completion -----------------------------------------------------------------------------------

COMPLETE = """\
param caller string default=friend
param call_sid string
say "Hello {{caller}}" voice=Polly.Joanna
gather input=[dtmf speech] action=/menu?call={{call_sid}}:
    say "Press 1."

"""


async def _labels(client: LanguageClient, name: str, line: int, character: int) -> dict[str, types.CompletionItem]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(name), position=types.Position(line, character))
    )
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    for item in items:
        assert item.documentation is not None or item.detail, item.label
    return {i.label: i for i in items}


async def test_completion_at_the_top_level(client: LanguageClient) -> None:
    await open_doc(client, "complete.twl", COMPLETE)
    items = await _labels(client, "complete.twl", 5, 0)
    assert {"say", "play", "gather", "dial", "hangup", "param"} <= set(items)
    assert "number" not in items and "message" not in items  # not at the top of a voice document
    say = items["say"]
    assert say.detail == "<Say>"
    assert isinstance(say.documentation, types.MarkupContent)
    assert "text-to-speech" in say.documentation.value and "twilio.com/docs/voice/twiml/say" in say.documentation.value


async def test_completion_inside_gather_and_of_a_partial_keyword(client: LanguageClient) -> None:
    text = COMPLETE + "gather:\n    pl\n"
    await change(client, "complete.twl", types.TextDocumentContentChangeWholeDocument(text=text))
    items = await _labels(client, "complete.twl", 7, 6)
    assert set(items) == {"say", "play", "pause"}
    edit = items["play"].text_edit
    assert isinstance(edit, types.TextEdit) and edit.range == rng(7, 4, 6)
    inline = await _labels(client, "complete.twl", 3, 0)
    assert "dial" in inline  # line 4 is top level


async def test_completion_of_attributes_and_values(client: LanguageClient) -> None:
    text = COMPLETE + 'say "x" voice=Polly.Joanna \nsay "x" voice=\ngather input=[dtmf \n'
    await change(client, "complete.twl", types.TextDocumentContentChangeWholeDocument(text=text))
    attributes = await _labels(client, "complete.twl", 6, 27)
    assert set(attributes) == {"language", "loop"}  # voice is written already
    loop = attributes["loop"]
    assert isinstance(loop.text_edit, types.TextEdit) and loop.text_edit.new_text == "loop="
    values = await _labels(client, "complete.twl", 7, 14)
    assert {"Polly.Joanna", "alice", "man", "woman"} <= set(values)
    listed = await _labels(client, "complete.twl", 8, 19)
    assert set(listed) == {"speech"}
    booleans = await _labels(client, "complete.twl", 2, 0)
    assert "say" in booleans


async def test_completion_of_booleans_and_inside_placeholders(client: LanguageClient) -> None:
    text = 'param caller string\nparam lang [en-US ja-JP]\nrecord playBeep=\nsay "Hi {{\nsay "Hi" language={{la\n'
    await open_doc(client, "params.twl", text)
    assert set(await _labels(client, "params.twl", 2, 16)) == {"true", "false"}
    inside = await _labels(client, "params.twl", 3, 10)
    assert set(inside) == {"caller", "lang"}
    edit = inside["caller"].text_edit
    assert isinstance(edit, types.TextEdit) and edit.new_text == "caller}}"
    partial = await _labels(client, "params.twl", 4, 22)
    assert "lang" in partial
    edit = partial["lang"].text_edit
    assert isinstance(edit, types.TextEdit) and edit.range == rng(4, 20, 22)
    assert await _labels(client, "params.twl", 0, 20) == {}  # after the declaration: nothing to offer


async def test_nothing_is_offered_after_an_escape_hatch(client: LanguageClient) -> None:
    # `!` is for names twimlc does not know: a known one written after it is a diagnostic
    text = '!\nsay "x" !\n!pl\nsay "x" !lo\ngather:\n    !\n'
    await open_doc(client, "bang.twl", text)
    for line, character in ((0, 1), (1, 9), (2, 3), (3, 11), (5, 5)):
        assert await _labels(client, "bang.twl", line, character) == {}, (line, character)
    assert "loop" in await _labels(client, "bang.twl", 1, 8)  # before the `!`: the attributes


async def _open_path(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="twl", version=1, text=path.read_text(encoding="utf-8"))
        )
    )
    return await _published(client, uri, 1)


async def _labels_at(client: LanguageClient, path: Path, line: int, character: int) -> set[str]:
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=types.Position(line, character)
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return {i.label for i in items}


async def test_the_project_target_drives_diagnostics_completion_and_hover(
    client: LanguageClient, tmp_path: Path
) -> None:
    # [tool.twimlc] target = "telnyx" is found from the file's folder upwards, as check finds it
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "telnyx"\n', encoding="utf-8")
    (tmp_path / "ivr").mkdir()
    telnyx = tmp_path / "ivr" / "pay.twl"
    telnyx.write_text('pay\nsay "hi"\n', encoding="utf-8")
    found = await _open_path(client, telnyx)
    assert [d.code for d in found] == ["TWL107"] and "Telnyx" in found[0].message
    assert found[0].range == rng(0, 0, 3)
    top = await _labels_at(client, telnyx, 1, 0)
    assert "ai-gather" in top and "pay" not in top  # what the target has, not what it lacks
    gather = tmp_path / "ivr" / "gather.twl"
    gather.write_text("gather \n", encoding="utf-8")
    await _open_path(client, gather)
    attributes = await _labels_at(client, telnyx.with_name("gather.twl"), 0, 7)
    assert "timeout" in attributes and "method" not in attributes  # TeXML's <Gather> has no method
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=telnyx.as_uri()), position=types.Position(0, 1)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Not supported by Telnyx TeXML" in hover.contents.value
    # a file outside the project: Twilio's TwiML
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other.twl"
    elsewhere.write_text('pay\nsay "hi"\n', encoding="utf-8")
    try:
        assert await _open_path(client, elsewhere) == []
        top = await _labels_at(client, elsewhere, 1, 0)
        assert "pay" in top and "ai-gather" not in top
    finally:
        elsewhere.unlink()


async def test_the_header_target_wins_over_the_project(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "telnyx"\n', encoding="utf-8")
    doc = tmp_path / "twilio.twl"
    doc.write_text("twiml voice target=twilio\npay\n\n", encoding="utf-8")
    assert await _open_path(client, doc) == []
    top = await _labels_at(client, doc, 2, 0)
    assert "pay" in top and "ai-gather" not in top
    header = tmp_path / "sw.twl"
    header.write_text("twiml voice target=signalwire\n\n", encoding="utf-8")
    await _open_path(client, header)
    assert "denoise" in await _labels_at(client, header, 1, 0)


async def test_a_broken_project_setting_is_shown_once_and_twilio_is_used(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "plivo"\n', encoding="utf-8")
    doc = tmp_path / "x.twl"
    doc.write_text("pay\n", encoding="utf-8")
    client.messages.clear()
    assert await _open_path(client, doc) == []
    second = tmp_path / "y.twl"
    second.write_text("pay\n", encoding="utf-8")
    assert await _open_path(client, second) == []
    shown = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert len(shown) == 1 and "plivo" in shown[0] and "checking as Twilio" in shown[0]


# --- hover ------------------------------------------------------------------------------------------


async def _hover(client: LanguageClient, name: str, line: int, character: int) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(name), position=types.Position(line, character))
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    return result.contents.value


async def test_hover(client: LanguageClient) -> None:
    await open_doc(client, "hover.twl", COMPLETE)
    keyword = await _hover(client, "hover.twl", 3, 2)
    assert "<Gather>" in keyword and "https://www.twilio.com/docs/voice/twiml/gather" in keyword
    attribute = await _hover(client, "hover.twl", 3, 9)
    assert "**input**" in attribute and "Type:" in attribute and "speech" in attribute
    value = await _hover(client, "hover.twl", 2, 30)
    assert "Polly.Joanna" in value and "voice" in value and "https://www.twilio.com/docs/voice/twiml/say" in value
    placeholder = await _hover(client, "hover.twl", 2, 14)
    assert "param caller string default=friend" in placeholder and "line 1" in placeholder


# --- formatting, outline, parameters -----------------------------------------------------------------


async def test_formatting(client: LanguageClient) -> None:
    text = 'say   "Hi"    voice=alice\ngather  numDigits=1 :\n  say "x"\n'
    await open_doc(client, "fmt.twl", text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id("fmt.twl"), options=types.FormattingOptions(4, True))
    )
    assert edits
    assert apply(text, edits) == twimlc.format(text)
    broken = 'say "Hi\ngather:\n'
    await change(client, "fmt.twl", types.TextDocumentContentChangeWholeDocument(text=broken))
    refused = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id("fmt.twl"), options=types.FormattingOptions(4, True))
    )
    assert not refused  # fmt refuses a syntax error: no edits, never a broken file


async def test_formatting_keeps_the_line_endings(client: LanguageClient) -> None:
    text = 'say   "x"\r\nhangup\r\n'
    await open_doc(client, "crlf.twl", text)
    options = types.FormattingOptions(4, True)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id("crlf.twl"), options=options)
    )
    assert edits and apply(text, edits) == 'say "x"\r\nhangup\r\n'  # as `twimlc fmt` writes it
    formatted = 'say "x"\r\nhangup\r\n'
    await change(client, "crlf.twl", types.TextDocumentContentChangeWholeDocument(text=formatted))
    assert not await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id("crlf.twl"), options=options)
    )


async def test_document_symbols(client: LanguageClient) -> None:
    await open_doc(client, "outline.twl", COMPLETE)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc_id("outline.twl"))
    )
    assert symbols is not None
    names = [s.name for s in symbols if isinstance(s, types.DocumentSymbol)]
    assert names == ["param caller", "param call_sid", "say", "gather"]
    gather = symbols[3]
    assert isinstance(gather, types.DocumentSymbol) and gather.children is not None
    assert [c.name for c in gather.children] == ["say"]
    assert gather.range == types.Range(types.Position(3, 0), types.Position(4, 18))


async def test_definition_references_and_rename(client: LanguageClient) -> None:
    await open_doc(client, "rename.twl", COMPLETE)
    where = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc_id("rename.twl"), position=types.Position(3, 50))
    )
    assert isinstance(where, types.Location) and where.range == rng(1, 6, 14)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc_id("rename.twl"),
            position=types.Position(0, 8),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None and [r.range for r in refs] == [rng(0, 6, 12), rng(2, 13, 19)]
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc_id("rename.twl"), position=types.Position(2, 15))
    )
    assert prepared == rng(2, 13, 19)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc_id("rename.twl"), position=types.Position(2, 15), new_name="who")
    )
    assert edit is not None and edit.changes is not None
    renamed = apply(COMPLETE, edit.changes["file:///work/rename.twl"])
    assert "param who string default=friend" in renamed and "{{who}}" in renamed and "caller" not in renamed
    assert twimlc.checks(renamed) == []
    with pytest.raises(Exception, match="not a parameter name"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc_id("rename.twl"), position=types.Position(2, 15), new_name="1 x")
        )


# --- robustness --------------------------------------------------------------------------------------


async def test_any_content_never_kills_the_server(client: LanguageClient) -> None:
    half = 'say "unterminated\ngather input=[dtmf\n    !\n\t  x=\n"\\u{110000}"\n\\\n'
    assert {d.code for d in await open_doc(client, "half.twl", half)} >= {"TWL002"}
    binary = bytes(range(256)).decode("latin-1") * 20
    assert await open_doc(client, "binary.twl", binary)
    assert await open_doc(client, "binary.xml", "<Response>\x00\x01" + binary, language="xml")
    huge = "say x\n" * (11 * 1024 * 1024 // 6)
    (d,) = await open_doc(client, "huge.twl", huge)
    assert d.code == "TWL007"
    for name in ("half.twl", "binary.twl"):
        for line, character in ((0, 3), (1, 18), (2, 5), (5, 1), (0, 10_000), (99, 0)):
            await client.text_document_completion_async(
                types.CompletionParams(text_document=doc_id(name), position=types.Position(line, character))
            )
            await client.text_document_hover_async(
                types.HoverParams(text_document=doc_id(name), position=types.Position(line, character))
            )
    assert await _hover(client, "hover.twl", 3, 2)  # still serving


async def test_a_large_document_does_not_hold_up_the_others(client: LanguageClient) -> None:
    line = 'say "Hello there, this is a reasonably long line of text" voice=alice loop=2\n'
    big = line * (3_000_000 // len(line)) + "say loop=many\n"  # seconds to check
    big_uri, small_uri = "file:///work/big.twl", "file:///work/small.twl"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(big_uri, "twl", 1, big)))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(small_uri, "twl", 1, 'say "x" lop=1\n'))
    )
    order = []
    while len(order) < 2:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri in (big_uri, small_uri) and params.uri not in order:
            order.append(params.uri)
            if params.uri == big_uri:
                assert "TWL202" in {d.code for d in params.diagnostics}
    assert order == [small_uri, big_uri]
    for uri in (big_uri, small_uri):
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


async def test_a_burst_of_changes_costs_few_checks(client: LanguageClient) -> None:
    base = 'gather input=[dtmf speech] action=/menu numDigits=1:\n    say "Press 1"\n' * 400  # 28 kB
    uri = "file:///work/burst.twl"
    await open_doc(client, "burst.twl", base)
    for version in range(2, 32):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=base + f'say "x" loop={version}\n')],
            )
        )
    published = []
    while not published or published[-1].version != 31:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri:
            published.append(params)
    assert len(published) <= 10  # changes that arrive during a check are checked together after it
    assert list(published[-1].diagnostics) == []
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


async def test_the_parser_is_safe_to_share_between_threads() -> None:
    # the server checks a large document on a thread of its own while others are checked:
    # lark's parser (and its indentation state) is shared by both
    from concurrent.futures import ThreadPoolExecutor

    from twimlc.parser import parse_syntax

    error = 'say "x" loop=\n'  # the fast parser declines it: lark reads the file and recovers
    deep = error + 'gather:\n    say "a"\n    gather:\n        say "b"\n' * 300
    flat = error + 'say "a"\ngather input=[dtmf\n  speech]:\n    say "c"\n' * 300
    texts = [deep, flat] * 4
    expected = [parse_syntax(t) for t in texts]
    assert [len(e[0]) for e in expected[:2]] == [301, 601] and [len(e[2]) for e in expected[:2]] == [1, 1]
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        for _ in range(3):
            assert list(pool.map(parse_syntax, texts)) == expected


async def test_without_pygls_a_clear_error() -> None:
    code = "import sys; sys.modules['pygls'] = None; from twimlc.cli import main; raise SystemExit(main(['lsp']))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert r.returncode == 2
    assert "pip install 'twimlc[lsp]'" in r.stderr
    assert "Traceback" not in r.stderr


async def test_other_commands_never_import_pygls() -> None:
    code = (
        "import sys, twimlc, twimlc.cli\n"
        "twimlc.compile('say \"x\"'); twimlc.checks('say \"x\"'); twimlc.format('say \"x\"')\n"
        "twimlc.cli.main(['--version'])\n"
    )
    check = "import sys; assert not [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')]"
    r = subprocess.run(
        [sys.executable, "-c", f"try:\n    exec({code!r})\nexcept SystemExit: pass\n{check}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr


# A real server with a fault injected into two of its functions: each error is logged to the
# client, and the server goes on serving.
FAULTY = [
    sys.executable,
    "-c",
    "import twimlc.lsp as lsp\n"
    "def boom(*args, **kwargs):\n"
    "    raise RuntimeError('injected fault')\n"
    "lsp.Editor.hover = boom\n"
    "real = lsp.diagnose\n"
    "lsp.diagnose = lambda source, *rest: boom() if 'boom' in source else real(source, *rest)\n"
    "raise SystemExit(lsp.main())\n",
]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=FAULTY))
async def faulty(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim")))
    yield
    await lsp_client.shutdown_session()


async def test_an_internal_error_is_logged_and_the_server_keeps_serving(faulty: LanguageClient) -> None:
    faulty.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem("file:///work/boom.twl", "twl", 1, 'say "boom"\n'))
    )
    logged = await faulty.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    assert logged.type == types.MessageType.Error
    assert "checking file:///work/boom.twl" in logged.message and "injected fault" in logged.message
    found = await open_doc(faulty, "fine.twl", 'say "x" lop=1\n')
    assert [d.code for d in found] == ["TWL103"]
    hovered = await faulty.text_document_hover_async(
        types.HoverParams(text_document=doc_id("fine.twl"), position=types.Position(0, 1))
    )
    assert hovered is None
    assert any("hover" in m.message and "injected fault" in m.message for m in faulty.log_messages)
    result = await faulty.text_document_completion_async(
        types.CompletionParams(text_document=doc_id("fine.twl"), position=types.Position(0, 8))
    )
    assert isinstance(result, types.CompletionList) and {"voice", "loop"} <= {i.label for i in result.items}


# --- the protocol, byte for byte ------------------------------------------------------------------


class Raw:
    """A bare JSON-RPC client of a real ``twimlc lsp`` process, for what pytest-lsp's client
    never sends (invalid params, requests after shutdown) or does not show (standard error,
    the exit code)."""

    def __init__(self, *args: str) -> None:
        import queue
        import threading

        self.process = subprocess.Popen(
            [*SERVER, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self.last_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._errors, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            length = 0
            while True:
                line = self.process.stdout.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(self.process.stdout.read(length)))

    def _errors(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.decode("utf-8", errors="replace"))

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any = None, timeout: float = 30) -> dict[str, Any]:
        """The response (with ``result`` or ``error``); notifications meanwhile are kept."""
        import queue
        import time

        self.last_id += 1
        self.send({"id": self.last_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.inbox.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no answer to {method} in {timeout} s") from None
            assert message is not None, f"the server closed its output; stderr: {''.join(self.stderr)}"
            if "method" not in message and message.get("id") == self.last_id:
                return message
            if "method" in message and "id" in message:  # a request of the server's: answer it
                self.send({"id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.append(message)

    def initialize(self) -> dict[str, Any]:
        answer = self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.notify("initialized", {})
        return answer

    def wait(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout)
        assert self.process.stdin is not None
        self.process.stdin.close()
        return code

    def popups_and_errors(self) -> list[dict[str, Any]]:
        """window/showMessage, and window/logMessage of type Error."""
        return [
            n
            for n in self.notifications
            if n["method"] == "window/showMessage"
            or (n["method"] == "window/logMessage" and n["params"]["type"] == types.MessageType.Error)
        ]


@pytest.fixture
def raw() -> Iterator[Raw]:
    client = Raw()
    client.initialize()
    yield client
    if client.process.poll() is None:
        client.process.kill()
        client.process.wait()


RAW_URI = "file:///work/raw.twl"


async def test_invalid_params_are_answered_with_invalid_params_quietly(raw: Raw) -> None:
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": RAW_URI}})  # no languageId, version, text
    for params, says in (
        ({}, "textDocument"),
        ({"textDocument": {"uri": RAW_URI}, "position": {"line": -1, "character": -5}}, "Position.line"),
        ("not an object", "position"),
    ):
        answer = raw.request("textDocument/hover", params, timeout=15)
        assert answer["error"]["code"] == types.ErrorCodes.InvalidParams, answer
        assert "textDocument/hover" in answer["error"]["message"] and says in answer["error"]["message"]
        assert "Traceback" not in json.dumps(answer)
    raw.notify(
        "textDocument/didOpen", {"textDocument": {"uri": RAW_URI, "languageId": "twl", "version": 1, "text": ""}}
    )
    assert (
        raw.request("textDocument/hover", {"textDocument": {"uri": RAW_URI}, "position": {"line": 0, "character": 0}})[
            "result"
        ]
        is None
    )  # still serving
    assert raw.popups_and_errors() == []
    assert raw.request("shutdown")["result"] is None
    raw.notify("exit")
    assert raw.wait() == 0
    logged = "".join(raw.stderr)
    assert "Traceback" not in logged
    assert len(logged.splitlines()) <= 1, logged  # one line for the notification that cannot be answered
    assert "textDocument/didOpen" in logged


async def test_documents_not_open_get_empty_answers_quietly(raw: Raw, tmp_path: Path) -> None:
    on_disk = tmp_path / "closed.twl"
    on_disk.write_text('param who string\nsay "Hi {{who}}" lop=2\n', encoding="utf-8")
    position = {"line": 1, "character": 12}
    for uri in ("file:///work/never.twl", on_disk.as_uri()):
        doc = {"uri": uri}
        for method, params in (
            ("textDocument/formatting", {"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": True}}),
            ("textDocument/documentSymbol", {"textDocument": doc}),
            ("textDocument/rename", {"textDocument": doc, "position": position, "newName": "x"}),
            ("textDocument/prepareRename", {"textDocument": doc, "position": position}),
            ("textDocument/hover", {"textDocument": doc, "position": position}),
            ("textDocument/completion", {"textDocument": doc, "position": position}),
            ("textDocument/definition", {"textDocument": doc, "position": position}),
            (
                "textDocument/references",
                {"textDocument": doc, "position": position, "context": {"includeDeclaration": True}},
            ),
            (
                "textDocument/codeAction",
                {"textDocument": doc, "range": {"start": position, "end": position}, "context": {"diagnostics": []}},
            ),
        ):
            answer = raw.request(method, params)
            assert "error" not in answer and answer["result"] in (None, []), (method, answer)
        raw.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x"}]}
        )
        raw.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    raw.notify(
        "textDocument/didOpen", {"textDocument": {"uri": RAW_URI, "languageId": "twl", "version": 1, "text": "p"}}
    )
    completion = raw.request(
        "textDocument/completion", {"textDocument": {"uri": RAW_URI}, "position": {"line": 0, "character": 1}}
    )
    assert "play" in {i["label"] for i in completion["result"]["items"]}  # still serving
    assert raw.popups_and_errors() == []
    assert "".join(raw.stderr) == ""


async def test_rename_is_refused_with_a_plain_error_when_it_would_break_the_file(raw: Raw) -> None:
    text = 'param caller string\nparam lang [en-US ja-JP]\nsay "{{caller}}" language={{lang}}\n'
    raw.notify(
        "textDocument/didOpen", {"textDocument": {"uri": RAW_URI, "languageId": "twl", "version": 1, "text": text}}
    )
    on_caller = {"textDocument": {"uri": RAW_URI}, "position": {"line": 2, "character": 8}}
    taken = raw.request("textDocument/rename", {**on_caller, "newName": "lang"})
    assert taken["error"]["code"] == types.LSPErrorCodes.RequestFailed
    assert (
        taken["error"]["message"]
        == "'lang' is already a parameter (line 2): renaming 'caller' to it would declare it twice"
    )
    assert taken["error"].get("data") is None
    invalid = raw.request("textDocument/rename", {**on_caller, "newName": "bad name"})
    assert invalid["error"]["code"] == types.LSPErrorCodes.RequestFailed
    assert invalid["error"]["message"].startswith("'bad name' is not a parameter name")
    assert invalid["error"].get("data") is None
    fine = raw.request("textDocument/rename", {**on_caller, "newName": "who"})
    assert len(fine["result"]["changes"][RAW_URI]) == 2
    assert raw.popups_and_errors() == []
    assert "".join(raw.stderr) == ""


async def test_exit_without_shutdown_is_exit_code_1() -> None:
    client = Raw()
    client.initialize()
    client.notify("exit")
    assert client.wait() == 1


async def test_requests_after_shutdown_are_invalid_requests(raw: Raw) -> None:
    assert raw.request("shutdown")["result"] is None
    raw.notify(
        "textDocument/didOpen", {"textDocument": {"uri": RAW_URI, "languageId": "twl", "version": 1, "text": "x"}}
    )
    late = raw.request(
        "textDocument/hover", {"textDocument": {"uri": RAW_URI}, "position": {"line": 0, "character": 0}}
    )
    assert late["error"]["code"] == types.ErrorCodes.InvalidRequest
    assert "shut down" in late["error"]["message"]
    assert raw.request("shutdown")["error"]["code"] == types.ErrorCodes.InvalidRequest
    raw.notify("exit")
    assert raw.wait() == 0
    assert not [n for n in raw.notifications if n["method"] == "textDocument/publishDiagnostics"]
    assert "".join(raw.stderr) == ""


async def test_the_stdio_flag_clients_append_is_accepted() -> None:
    client = Raw("--stdio")
    assert client.initialize()["result"]["serverInfo"]["name"] == "twimlc"
    assert client.request("shutdown")["result"] is None
    client.notify("exit")
    assert client.wait() == 0
    shown = subprocess.run([*SERVER, "--help"], capture_output=True, text=True, check=False, timeout=60)
    assert shown.returncode == 0 and "--stdio" in shown.stdout
