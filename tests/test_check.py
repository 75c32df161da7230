"""`twimlc check`: semantic rules, XML input, the hardened parser, output formats, and the
shared corpus of real TwiML."""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import pytest
from conftest import shared_or_skip

import twimlc
from twimlc.api import check_twl, check_xml, judge_xml
from twimlc.cli import main


def codes(diagnostics: list[twimlc.Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in diagnostics]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('hangup\nsay "x"\n', [("TWL401", 2)]),
        ("reject\nplay a.mp3\n", [("TWL401", 2)]),
        ("redirect /next\npause\n", [("TWL401", 2)]),
        ("leave\npause\n", [("TWL401", 2)]),
        ('dial +15558675310 action=/after\nsay "x"\n', [("TWL401", 2)]),
        ('dial +15558675310\nsay "x"\n', []),
        # twiml-spec.md §5: after <Record>, "an empty recording → continue with next verb"
        # (Twilio's voicemail sample api-snippets/voice/record/record-3 relies on it), with or
        # without an action; only <Dial action> makes what follows unreachable.
        ('record action=/r\nsay "x"\n', []),
        ('record\nsay "x"\n', []),
        ('say "x"\nreject\n', [("TWL402", 2)]),
        ("reject\n", []),
        (
            "dial:\n"
            + "    number +1555867531{}\n" * 0
            + "".join(f"    number +155586753{i:02d}\n" for i in range(11)),
            [("TWL310", 12)],
        ),
        ("dial:\n" + "".join(f"    number +155586753{i:02d}\n" for i in range(10)), []),
        ("dial:\n    conference room\n    number +15558675310\n", [("TWL311", 2)]),
        ('say "' + "a" * 4097 + '"\n', [("TWL502", 1)]),
        ('say "' + "a" * 4096 + '"\n', []),
        ('message "' + "m" * 1601 + '"\n', [("TWL503", 1)]),
        ("".join(f'message "{i}"\n' for i in range(11)), [("TWL504", 11)]),
        ("dial:\n    number 415-123-4567\n", [("TWL213", 2)]),
        ("dial:\n    number +999123\n", [("TWL214", 2)]),
        ("dial:\n    number +14155550100\n", []),
        ("dial callerId=client:alice:\n    client bob\n", []),
        ("dial 4155550100\n", [("TWL213", 1)]),
        ("play http:/nohost.mp3\n", [("TWL205", 1)]),
        ("play ftp://example.com/a.mp3\n", [("TWL205", 1)]),
        ("play /relative/a.mp3\n", []),
        ("redirect https://example.com/next\n", []),
        ("gather action=mailto:x@example.com\n", [("TWL205", 1)]),
        ("connect:\n    stream url=wss://example.com/s\n", []),
        ("gather finishOnKey=12\n", [("TWL215", 1)]),
        ('gather finishOnKey=""\n', []),
        ("record finishOnKey=12#\n", []),
        ("record finishOnKey=x\n", [("TWL215", 1)]),
        ("gather speechTimeout=soon\n", [("TWL216", 1)]),
        ("gather speechTimeout=auto speechModel=phone_call\n", [("TWL216", 1)]),
        ("gather speechTimeout=3 speechModel=phone_call\n", []),
        ("record transcribe=true maxLength=300\n", [("TWL217", 1)]),
        ("record transcribe=true maxLength=120\n", []),
        # elements that cannot be empty
        ("play\n", [("TWL303", 1)]),
        ("play loop=2\n", [("TWL303", 1)]),
        ('play " "\n', [("TWL303", 1)]),
        ("play digits=ww1234#\n", []),
        ("gather:\n    play\n", [("TWL303", 2)]),
        ("dial\n", [("TWL303", 1)]),
        ("dial timeout=10 action=/after\n", [("TWL303", 1)]),
        ("dial:\n    client alice\n", []),
        ("dial:\n    !Future x\n", [("TWL901", 2)]),  # unchecked by definition: not empty
        ("redirect\n", []),  # an empty <Redirect/> requests the document again (Twilio's docs use it)
        ("connect:\n    stream\n", [("TWL313", 2)]),
        ("start:\n    stream name=s1\n", [("TWL313", 2)]),
        ('connect:\n    stream url=""\n', [("TWL313", 2)]),
        ("stop:\n    stream name=s1\n", []),  # stops the stream by name: no url
        ("connect:\n    conversation-relay welcomeGreeting=Hi\n", [("TWL313", 2)]),
        ("connect:\n    stream url=https://example.com/s\n", [("TWL205", 2)]),
        ("connect:\n    stream url=ws://example.com/s\n", [("TWL205", 2)]),
        ("start:\n    stream url=/relative/socket\n", []),
        ("connect:\n    conversation-relay url=http://example.com/r\n", [("TWL205", 2)]),
        ("connect:\n    conversation-relay url=wss://example.com/r\n", []),
        # twiml-spec.md, 13520: "The text of the Say verb was empty or un-parsable"; SSML
        # children are something to say
        ('say ""\n', [("TWL303", 1)]),
        ("say\n", [("TWL303", 1)]),
        ('say " " voice=alice\n', [("TWL303", 1)]),
        ("gather:\n    say\n", [("TWL303", 2)]),
        ("say:\n    break time=1s\n", []),
        ('say:\n    emphasis "now"\n', []),
        # 21619: "A text message body or media urls must be specified"
        ("message\n", [("TWL303", 1)]),
        ("message to=+14155550100\n", [("TWL303", 1)]),
        ("message:\n    media https://example.com/a.png\n", []),
        ('message:\n    body "Hi"\n', []),
        # 14204 "The queue name must be at least one character long" (unless TaskRouter's
        # workflowSid names where it goes); 14205/14213: at most 64 characters (twiml-spec.md
        # "queue name 1–64 chars")
        ('enqueue ""\n', [("TWL303", 1)]),
        ("enqueue action=/after\n", [("TWL303", 1)]),
        ("enqueue workflowSid=WW0123456789abcdef0123456789abcdef\n", []),
        ('enqueue "' + "q" * 65 + '"\n', [("TWL314", 1)]),
        ('enqueue "' + "q" * 64 + '"\n', []),
        ('dial:\n    queue "' + "q" * 65 + '"\n', [("TWL314", 2)]),
        ('dial:\n    queue "' + "q" * 64 + '"\n', []),
        # 13222: Number sendDigits "may only contain the following characters
        # "0123456789*#w""; <Play digits> also takes A-D and W (twiml-spec.md, <Play>)
        ("dial:\n    number +15558675310 sendDigits=ABC\n", [("TWL208", 2)]),
        ("dial:\n    number +15558675310 sendDigits=wW1\n", [("TWL208", 2)]),
        ('dial:\n    number +15558675310 sendDigits="ww1234#*"\n', []),
        ("play digits=wW1ABCD#\n", []),
        # 21617: the 1,600-character limit counts emoji as several characters: Twilio
        # counts UTF-16 code units (an emoji outside the BMP is two)
        ('message "' + "\U0001f600" * 801 + '"\n', [("TWL503", 1)]),
        ('message "' + "\U0001f600" * 800 + '"\n', []),
        ('message:\n    body "' + "\U0001f600" * 801 + '"\n', [("TWL503", 1)]),
    ],
)
def test_semantic_rules(source: str, expected: list[tuple[str, int]]) -> None:
    assert codes(check_twl(source)) == expected


ELEVEN = "dial:\n" + "".join(f"    number +155586753{i:02d}\n" for i in range(11))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a bad value does not hide the rules' findings in the same file
        (
            'say "x" loop=many\ndial 4155550100 action=/after\nsay "never"\n',
            [("TWL202", 1), ("TWL213", 2), ("TWL401", 3)],
        ),
        (ELEVEN + "sya\n", [("TWL310", 12), ("TWL101", 13)]),
        ("dial:\n    conference room\n    number +15558675310 foo=1\n", [("TWL311", 2), ("TWL103", 3)]),
        # a messaging verb in a voice reply does not hide the limits
        ('say "' + "a" * 4097 + '"\nmessage "x"\n', [("TWL502", 1), ("TWL102", 2)]),
        # what reading refused (and left out) is not reported a second time as missing
        ("play digits=12x\n", [("TWL208", 1)]),
        ("play dgits=123\n", [("TWL103", 1)]),
        ("play [a.mp3 b.mp3]\n", [("TWL209", 1)]),
        ("dial [+15558675310 +15558675311]\n", [("TWL209", 1)]),
        ("dial:\n    nmber +15558675310\n", [("TWL101", 2)]),
        ("dial:\n    message hi\n", [("TWL102", 2)]),
        # an element that lost an attribute its content does not come from is still called
        # empty (README: "a bad value ... does not hide these")
        ("play loop=many\n", [("TWL303", 1), ("TWL202", 1)]),
        ("say loop=many\n", [("TWL303", 1), ("TWL202", 1)]),
        ("dial timeout=abc\n", [("TWL303", 1), ("TWL202", 1)]),
        ("play lop=2\n", [("TWL303", 1), ("TWL103", 1)]),
        ("enqueue method=GTE\n", [("TWL303", 1), ("TWL204", 1)]),
        ("connect:\n    stream track=both\n", [("TWL313", 2), ("TWL204", 2)]),
        # ... but not when the lost attribute is where the content comes from
        ("enqueue workflowSid=[a b]\n", [("TWL209", 1)]),
        ("connect:\n    stream url=ftp://x.example/s\n", [("TWL205", 2)]),
        ("connect:\n    stream ur=wss://x.example/s\n", [("TWL103", 2)]),
        # an element with an error elsewhere waits for it to be fixed before it is called empty
        ("play [a.mp3 b.mp3] loop=many\n", [("TWL209", 1), ("TWL202", 1)]),
        ("play\nnmber +15558675310\n", [("TWL303", 1), ("TWL101", 2)]),  # not the play's
        ("gather:\n    play\n    pause lenght=1\n", [("TWL303", 2), ("TWL103", 3)]),  # nor in a sibling
        # a syntax error does not hide the rules either, nor is what it cut off called missing
        ('dial action=/a\n???\nsay "y"\n', [("TWL303", 1), ("TWL001", 2), ("TWL401", 3)]),
        ("dial:\n    number +15558675310 x = 1\n", [("TWL001", 2)]),
        ("dial:\n    number +15558675310\n    client x = 1\n    conference room\n", [("TWL001", 3), ("TWL311", 4)]),
        # an attribute kept through the escape hatch is passed on unchecked, not checked twice
        ("dial !callerId=4155550100:\n    client alice\n", [("TWL902", 1)]),
        # nothing reported twice, nothing crashes, on elements in the wrong place
        ("number 415-123-4567\n", [("TWL213", 1), ("TWL301", 1)]),
        ("gather:\n    dial\n", [("TWL301", 2), ("TWL303", 2)]),
        ("gather:\n    stream url=https://x.example/s\n", [("TWL205", 2), ("TWL301", 2)]),
    ],
)
def test_every_problem_in_one_run(source: str, expected: list[tuple[str, int]]) -> None:
    assert codes(check_twl(source)) == expected


def test_provider_codes_of_empty_and_too_long_elements() -> None:
    """Twilio's own code for each (twiml-spec.md, Twilio's error dictionary)."""
    source = (
        'say ""\nenqueue ""\nenqueue "' + "q" * 65 + '"\ndial:\n    queue "' + "q" * 65 + '"\n'
        "dial:\n    number +15558675310 sendDigits=ABC\nplay digits=x\n"
    )
    found = [(d.code, d.span.line, d.provider_code) for d in check_twl(source)]
    assert found == [
        ("TWL303", 1, "13520"),
        ("TWL303", 2, "14204"),
        ("TWL314", 3, "14205"),
        ("TWL314", 5, "14213"),
        ("TWL208", 7, "13222"),
        ("TWL208", 8, "13430"),
    ]
    messaging = [(d.code, d.provider_code) for d in check_twl("message\nmessage " + '"' + "x" * 1601 + '"\n')]
    assert messaging == [("TWL303", "21619"), ("TWL503", "14103")]


def test_inline_limit() -> None:
    source = "".join(f'say "{"x" * 90}"\n' for i in range(50))
    assert "TWL506" not in [d.code for d in check_twl(source)]
    assert "TWL506" in [d.code for d in check_twl(source, inline=True)]


def test_document_size_limit() -> None:
    source = "".join(f'say "{"x" * 1000}"\n' for i in range(70))
    assert "TWL501" in [d.code for d in check_twl(source)]


XML_CASES = [
    (b'<?xml version="1.0"?>\n<Response>\n  <say>Hi</say>\n</Response>', [("TWL101", 3)]),
    (b"<Response><Gather>\n<Dial>+15558675310</Dial></Gather></Response>", [("TWL301", 2)]),
    (b'<Response>\n<Say loop="x">a</Say></Response>', [("TWL202", 2)]),
    (b'<Response>\n<Say lagnauge="en">a</Say></Response>', [("TWL103", 2)]),
    (b"<Response><Say>unclosed</Response>", [("TWL006", 1)]),
    (b"<Response>\n<Say>a & b</Say></Response>", [("TWL006", 2)]),
    (b'\n<?xml version="1.0"?><Response/>', [("TWL006", 1)]),
    (b"<response><Say>x</Say></response>", [("TWL312", 1)]),
    (b'<Response foo="1"/>', [("TWL103", 1)]),
    (b"<Response><Hangup/>\n<Say>x</Say></Response>", [("TWL401", 2)]),
    # twiml-spec.md §5, <Record>: "empty recording → continue with next verb" (record-3 sample)
    (b'<Response><Record action="/r"/>\n<Say>x</Say></Response>', []),
    (b"<Response>\n<Play/></Response>", [("TWL303", 2)]),
    (b"<Response>\n<Play>\n</Play></Response>", [("TWL303", 2)]),
    (b'<Response>\n<Play digits="1234"/></Response>', []),
    (b"<Response>\n<Dial/></Response>", [("TWL303", 2)]),
    (b'<Response>\n<Dial timeout="10">\n</Dial></Response>', [("TWL303", 2)]),
    (b"<Response><Dial><Client>alice</Client></Dial><Redirect/></Response>", []),
    (b"<Response><Connect>\n<Stream/></Connect></Response>", [("TWL313", 2)]),
    (b'<Response><Stop>\n<Stream name="s"/></Stop></Response>', []),
    (b"<Response><Connect>\n<ConversationRelay/></Connect></Response>", [("TWL313", 2)]),
    (b'<Response><Connect>\n<Stream url="https://example.com/s"/></Connect></Response>', [("TWL205", 2)]),
    (b'<Response><Start>\n<Stream url="wss://example.com/s"/></Start></Response>', []),
    # every problem in one run, nothing twice
    (
        b'<Response>\n<Say loop="many">x</Say>\n<Dial action="/a">4155550100</Dial>\n<Say>never</Say></Response>',
        [("TWL202", 2), ("TWL213", 3), ("TWL401", 4)],
    ),
    (b'<Response>\n<Play digits="12x"/></Response>', [("TWL208", 2)]),
    (b'<Response>\n<Play loop="many"/></Response>', [("TWL303", 2), ("TWL202", 2)]),
    (b'<Response>\n<Say\n  loop="many"/></Response>', [("TWL303", 3), ("TWL202", 3)]),
    (b'<Response><Play/><Play\n  loop="1"\n  digits="12x"/></Response>', [("TWL303", 1), ("TWL208", 3)]),
    (b"<Response>\n<Dial><Nmber>+15558675310</Nmber></Dial></Response>", [("TWL101", 2)]),
    # nothing to say, nothing to send, no queue (twiml-spec.md: 13520, 21619, 14204)
    (b"<Response>\n<Say/></Response>", [("TWL303", 2)]),
    (b"<Response>\n<Say>  </Say></Response>", [("TWL303", 2)]),
    (b'<Response><Say>Hi<break time="1s"/></Say><Say><break time="1s"/></Say></Response>', []),
    (b"<Response>\n<Message></Message></Response>", [("TWL303", 2)]),
    (b"<Response><Message><Media>https://example.com/a.png</Media></Message></Response>", []),
    (b"<Response>\n<Enqueue/></Response>", [("TWL303", 2)]),
    (b'<Response><Enqueue workflowSid="WW0123456789abcdef0123456789abcdef"/></Response>', []),
    # queue names over 64 characters (14205, 14213)
    (b"<Response>\n<Enqueue>" + b"q" * 65 + b"</Enqueue></Response>", [("TWL314", 2)]),
    (b"<Response><Enqueue>" + b"q" * 64 + b"</Enqueue></Response>", []),
    (b"<Response><Dial>\n<Queue>" + b"q" * 65 + b"</Queue></Dial></Response>", [("TWL314", 2)]),
    # a long <Task> is not the queue's name
    (b'<Response><Enqueue workflowSid="WW1"><Task>' + b"t" * 65 + b"</Task></Enqueue></Response>", []),
    # Number sendDigits: only 0123456789*#w (13222)
    (b'<Response><Dial>\n<Number sendDigits="ABC">+15558675310</Number></Dial></Response>', [("TWL208", 2)]),
    (b'<Response><Dial><Number sendDigits="ww12#*">+15558675310</Number></Dial></Response>', []),
    # the message body in UTF-16 code units (21617)
    (("<Response>\n<Message>" + "\U0001f600" * 801 + "</Message></Response>").encode(), [("TWL503", 2)]),
    (("<Response><Message>" + "\U0001f600" * 800 + "</Message></Response>").encode(), []),
]


@pytest.mark.parametrize(("data", "expected"), XML_CASES)
def test_xml(data: bytes, expected: list[tuple[str, int]]) -> None:
    assert codes(check_xml(data) or []) == expected


def test_non_twiml_xml_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert judge_xml(b"<project><build/></project>") == (False, [])  # (a <Say> child would make it TwiML: TWL312)
    (tmp_path / "pom.xml").write_text("<project/>", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


HOSTILE = {
    "billion_laughs": b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "' % i + (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10 + b'">\n' for i in range(1, 10)
    )
    + b"]>\n<Response><Say>&lol9;</Say></Response>",
    "external_entity": b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Response><Say>&x;</Say></Response>',
    "deep": b"<Response>" + b"<Say>" * 10000 + b"</Say>" * 10000 + b"</Response>",
    "huge": b"<Response><Say>" + b"a" * (100 * 1024 * 1024) + b"</Say></Response>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_gets_a_coded_error_quickly(name: str) -> None:
    start = time.perf_counter()
    diagnostics = check_xml(HOSTILE[name], name) or []
    elapsed = time.perf_counter() - start
    assert diagnostics and all(d.code in ("TWL006", "TWL007") for d in diagnostics)
    assert "root:" not in " ".join(d.message for d in diagnostics)  # /etc/passwd never read
    assert elapsed < 1.0


def test_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_text('hangup\nsay "x" loop=many\n', encoding="utf-8")
    assert main(["check", "--format", "json", str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    # the bad value does not hide the unreachable verb: every problem in one run
    assert [(d["code"], d["line"], d["severity"]) for d in data] == [("TWL401", 2, "warning"), ("TWL202", 2, "error")]
    assert set(data[0]) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "message",
        "hint",
        "provider",
        "provider_code",
        "providers",
    }
    assert {d["providers"][0] for d in data} == {"twilio"}
    assert main(["check", "--format", "github", str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"::warning file={bad},line=2,col=1,")
    assert f"\n::error file={bad},line=2,col=14," in out


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    f = tmp_path / "w.twl"
    f.write_text('hangup\nsay "x"\n', encoding="utf-8")
    assert main(["check", str(f)]) == 0
    assert main(["check", "--strict", str(f)]) == 1


def test_all_files_reported_sorted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b.twl").write_text("sya\n", encoding="utf-8")
    (tmp_path / "a.xml").write_text("<Response><Sya/></Response>", encoding="utf-8")
    assert main(["check", "--format", "json", str(tmp_path / "b.twl"), str(tmp_path / "a.xml")]) == 1
    paths = [d["path"] for d in json.loads(capsys.readouterr().out)]
    assert paths == sorted(paths) and len(paths) == 2


def test_library_check(tmp_path: Path) -> None:
    from twimlc.api import check, checks

    assert codes(checks('hangup\nsay "x"')) == [("TWL401", 2)]
    assert codes(checks("<Response><Hangup/><Say>x</Say></Response>")) == [("TWL401", 1)]
    f = tmp_path / "x.twl"
    f.write_text("sya\n", encoding="utf-8")
    assert codes(check(f)) == [("TWL101", 1)]


# --- the shared corpus: real TwiML from Twilio's docs and helper-library tests ------------------

# Well-formed documents the corpus README does not flag, which are nevertheless not valid TwiML.
NOT_VALID = {
    "twiml/api-snippets/quickstart/csharp/sms/example-7/send-sms-during-call.xml": "<Message> inside a voice document",
    "twiml/twilio-node/VoiceResponse/should-allow-adding-arbitrary-text-to-leaf-nodes.xml": "text inside <Hangup>",
    "twiml/twilio-python/messaging_response/TestMessage.test_nested_body.xml": "<Body> directly in <Response> (builder test)",
    "twiml/twilio-python/messaging_response/TestMessage.test_nested_body_media.xml": "<Body>/<Media> directly in <Response>",
    "twiml/twilio-java/MessagingResponseTest/testElementWithChildren.xml": 'placeholder <Message to="to">',
    "twiml/twilio-java/MessagingResponseTest/testXmlChildrenDeserialization.xml": 'placeholder <Message to="to">',
    # builder tests of empty elements: nothing to play, nothing to dial
    "twiml/twilio-python/voice_response/TestPlay.test_empty_play.xml": "<Play/>: nothing to play",
    "twiml/twilio-ruby/voice_response_spec/should-allow-empty-play.xml": "<Play/>: nothing to play",
    "twiml/twilio-java/VoiceResponseTest/testXmlEmptyChildrenDeserialization.xml": "<Dial/>: nothing to dial",
    # builder tests of empty elements Twilio refuses (twiml-spec.md's error table): <Say>
    # with no text (13520), <Message> with no body or media (21619), <Enqueue> with no
    # queue name and no workflowSid (14204; its <Task> goes to TaskRouter only with one)
    "twiml/twilio-python/voice_response/TestSay.test_empty_say.xml": "<Say />: nothing to say",
    "twiml/twilio-ruby/voice_response_spec/should-allow-empty-say.xml": "<Say></Say>: nothing to say",
    "twiml/twilio-java/MessagingResponseTest/testXmlEmptyChildrenDeserialization.xml": "<Message/>: nothing to send",
    "twiml/twilio-node/MessagingResponse/should-serialize-multiple-messages.xml": "second <Message/> is empty",
    "twiml/twilio-node/VoiceResponse/should-serialize-enqueue-task.xml": "<Enqueue> with no name, no workflowSid",
}


def _corpus() -> tuple[Path, list[dict[str, str]], set[str]]:
    base = shared_or_skip("corpus")
    readme = (base / "README.md").read_text(encoding="utf-8")
    flagged = set(re.findall(r"^- `(twiml/[^`]+)`", readme, re.M))
    with (base / "MANIFEST.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return base, rows, flagged


def test_corpus_valid_documents_pass() -> None:
    base, rows, flagged = _corpus()
    checked, failures = 0, []
    for r in rows:
        f = r["file"]
        if r["wellformed"] != "yes" or f in flagged or f in NOT_VALID or "/api-snippets-history/" in f:
            continue
        errors = [d for d in check_xml((base / f).read_bytes(), f) or [] if d.is_error]
        checked += 1
        if errors:
            failures.append((f, [(d.code, d.message) for d in errors]))
    assert failures == []
    assert checked > 290


def test_corpus_malformed_documents_are_reported() -> None:
    base, rows, _ = _corpus()
    malformed = [r["file"] for r in rows if r["wellformed"] == "no"]
    assert len(malformed) == 8
    for f in malformed:
        assert [d.code for d in check_xml((base / f).read_bytes(), f) or []] == ["TWL006"], f


def test_corpus_not_valid_documents_are_flagged() -> None:
    base, _, _ = _corpus()
    for f in NOT_VALID:
        assert any(d.is_error for d in check_xml((base / f).read_bytes(), f) or []), f


def test_huge_file_is_refused_without_reading_it_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import resource

    big = tmp_path / "huge.xml"
    with big.open("wb") as f:
        f.write(b"<Response><Say>")
        f.seek(200 * 1024 * 1024)
        f.write(b"</Say></Response>")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    assert main(["check", "--format", "json", str(big)]) == 1
    assert time.perf_counter() - start < 1.0
    assert json.loads(capsys.readouterr().out)[0]["code"] == "TWL007"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024  # far less than the 200 MB file


@pytest.mark.parametrize("depth", [65, 600])
def test_deep_nesting_is_a_coded_error_not_a_crash(
    depth: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twl = "".join("    " * i + "!x:\n" for i in range(depth)) + "    " * depth + 'say "deep"\n'
    assert [d.code for d in check_twl(twl)] == ["TWL004"]
    xml = b"<Response>" + b"<Say>" * depth + b"</Say>" * depth + b"</Response>"
    assert [d.code for d in check_xml(xml) or []] in (["TWL006"], ["TWL007"])  # libxml2 stops at 256 itself
    f = tmp_path / "deep.twl"
    f.write_text(twl, encoding="utf-8")
    for command in (["check"], ["compile"], ["fmt", "--check"]):
        assert main([*command, str(f)]) == 1
    assert "Traceback" not in "".join(capsys.readouterr())


def test_xml_has_no_template_parameters() -> None:
    """TwiML Bins write {{To}} in XML: that is text to twimlc check, not an undeclared parameter."""
    assert check_xml(b"<Response><Say>Hello {{From}}</Say></Response>") == []
    assert [d.code for d in check_xml(b'<Response><Gather numDigits="{{n}}"/></Response>') or []] == ["TWL202"]


def test_text_output_ends_with_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.twl").write_text('say "x"\n', encoding="utf-8")
    (tmp_path / "warn.twl").write_text('hangup\nsay "x"\n', encoding="utf-8")
    assert main(["check", str(tmp_path / "ok.twl")]) == 0
    assert capsys.readouterr().err == "checked 1 file: no problems\n"
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "checked 2 files: 1 warning\n"


# --- quick fixes (Diagnostic.fix, the editor's "Replace with …" and "Fix all") ---------------------


def _apply_fixes(source: str, diagnostics: list[twimlc.Diagnostic]) -> str:
    """``source`` with every diagnostic's fix applied, as an editor's "Fix all" does."""
    lines = source.split("\n")

    def offset(line: int, column: int) -> int:
        return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1

    fixes = sorted((d for d in diagnostics if d.fix is not None), key=lambda d: (d.span.line, d.span.column))
    for d in reversed(fixes):
        assert d.fix is not None
        start, end = offset(d.span.line, d.span.column), offset(d.span.end_line, d.span.end_column)
        source = source[:start] + d.fix + source[end:]
    return source


@pytest.mark.parametrize(
    ("source", "code", "hint"),
    [
        # the name a fix would write is on the statement already
        ('say "x" loop=2 Loop=3\n', "TWL103", "did you mean 'loop'? 'loop' is given already: keep one of them"),
        (
            'play "x" loop=2 digits=1 !Loop=3\n',
            "TWL902",
            "did you mean 'loop'? 'loop' is given already. If not, it is passed through unchecked",
        ),
        ('say "x" loop=2 !loop=3\n', "TWL902", "'loop' is given already: keep one of them"),
        # two names that would both become the same one: the first gets the fix
        (
            'dial:\n    number "+14155550100" status_callback=/x statusCallBack=/y\n',
            "TWL103",
            "did you mean 'statusCallback'? 'status_callback' means it too: keep one of them",
        ),
        (
            '<Response><Say loop="2" Loop="3">x</Say></Response>',
            "TWL103",
            "did you mean 'loop'? 'loop' is given already: keep one of them",
        ),
    ],
)
def test_no_fix_writes_an_attribute_twice(source: str, code: str, hint: str) -> None:
    """A fix is offered only when applying it gives no attribute twice; the diagnostic stays,
    and its hint says what to do instead."""
    found = judge_xml(source.encode())[1] if source.startswith("<") else check_twl(source)
    last = [d for d in found if d.code == code][-1]
    assert (last.fix, last.hint) == (None, hint)
    if not source.startswith("<"):
        twice = [x.code for x in found].count("TWL104")
        for d in found:  # each fix alone, and all of them at once, writes no attribute twice
            for fixes in ([d], found):
                assert [x.code for x in check_twl(_apply_fixes(source, fixes))].count("TWL104") == twice, fixes


@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        ('say "x" Loop=3\n', 'say "x" loop=3\n'),
        ('say "x" !loop=3\n', 'say "x" loop=3\n'),
        (
            'dial:\n    number "+14155550100" status_callback=/x\n',
            'dial:\n    number "+14155550100" statusCallback=/x\n',
        ),
        # one value of a list-typed attribute, written without brackets
        ('gather input=speach:\n    say "x"\n', 'gather input=speech:\n    say "x"\n'),
        ('gather input=DTMF:\n    say "x"\n', 'gather input=dtmf:\n    say "x"\n'),
        ('gather input="speach":\n    say "x"\n', 'gather input="speech":\n    say "x"\n'),
        ('gather input=[speach]:\n    say "x"\n', 'gather input=[speech]:\n    say "x"\n'),
    ],
)
def test_a_hint_that_names_one_replacement_comes_with_the_fix(source: str, fixed: str) -> None:
    (d,) = check_twl(source)
    assert d.fix is not None and d.fix.strip('"') in (d.hint or "")  # the one replacement the hint names
    assert _apply_fixes(source, [d]) == fixed
    assert check_twl(fixed) == []


def test_no_fix_for_one_of_several_values_in_one_string() -> None:
    """``input="dtmf speach"``: the diagnostic's span is the whole string, so a fix would
    have to rewrite all of it."""
    (d,) = check_twl('gather input="dtmf speach":\n    say "x"\n')
    assert (d.code, d.hint, d.fix) == ("TWL204", "did you mean 'speech'?", None)
