"""The simulator, verb by verb: each case cites the rule of ../shared/reference/twiml-spec.md
it follows (section 5: control flow; section 11: the parameters Twilio sends)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from twimlc import flow
from twimlc.simulate import Call, Input, SimulationError, parse_input, simulate


def app(tmp_path: Path, **files: str) -> Path:
    """A folder of .twl files: ``app(tmp_path, index='say "x"', voice__menu=...)``
    (``__`` is a folder separator)."""
    for name, text in files.items():
        p = tmp_path / (name.replace("__", "/") + ".twl")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def kinds(call: Call) -> list[str]:
    return [e.kind for e in call.events]


# --- Say, Play, Pause: what the caller hears --------------------------------------------


def test_say_play_pause_are_heard_with_voice_and_language(tmp_path: Path) -> None:
    """§3 <Say>/<Play>/<Pause>: the transcript keeps the voice, the language, the loop;
    SSML is kept as text (flattened for `heard`, as markup in `ssml`)."""
    root = app(
        tmp_path,
        index='say "Hello" voice=Polly.Joanna language=en-US loop=2\n'
        "play https://example.com/a.mp3\n"
        "pause length=3\n"
        "say:\n"
        '    "Press "\n'
        '    emphasis "one" level=strong\n'
        "    break time=500ms\n",
    )
    call = Call.start(root)
    assert kinds(call) == ["request", "say", "play", "pause", "say", "end"]
    say = call.events[1]
    assert (say["text"], say["voice"], say["language"], say["loop"]) == ("Hello", "Polly.Joanna", "en-US", "2")
    assert call.events[3]["length"] == 3
    assert call.events[4]["text"] == "Press one"
    assert call.events[4]["ssml"] == 'Press <emphasis level="strong">one</emphasis><break time="500ms"/>'
    assert call.heard == ["Hello", "[play https://example.com/a.mp3]", "Press one"]
    assert call.end_reason == "end of document"


def test_end_of_document_ends_the_call(tmp_path: Path) -> None:
    """§5 end of document: "If there is no further verb, Twilio will end the phone call"."""
    call = Call.start(app(tmp_path, index='say "Bye"'))
    assert call.ended and call.end_reason == "end of document"


# --- Gather --------------------------------------------------------------------------


GATHER = 'gather action=/next numDigits=2:\n    say "Enter two digits"\nsay "No input"\nhangup\n'


def test_gather_posts_digits_to_action(tmp_path: Path) -> None:
    """§5 <Gather>: input received → request action, following verbs skipped; §11 the
    action gets Digits (and FinishedOnKey)."""
    call = Call.start(app(tmp_path, index=GATHER, next='say "Got it"'))
    assert call.waiting == "gather" and call.prompt == "Enter two digits"
    call.press("42")
    req = call.requests[-1]
    assert (req.method, req.url) == ("POST", "/next")
    assert req.params["Digits"] == "42" and req.params["FinishedOnKey"] == ""
    assert call.heard[-1] == "Got it" and "No input" not in call.heard


def test_gather_without_input_falls_through(tmp_path: Path) -> None:
    """§5 <Gather>: no input → fall through to the next verb."""
    call = Call.start(app(tmp_path, index=GATHER, next='say "Got it"')).silence()
    assert call.heard[-1] == "No input" and call.end_reason == "hangup"
    assert len(call.requests) == 1


def test_gather_action_on_empty_result(tmp_path: Path) -> None:
    """§3 <Gather actionOnEmptyResult>: "Force webhook to the action URL even if there is no input"."""
    src = "gather action=/next actionOnEmptyResult=true:\n    say x\nsay never\n".replace(" x", ' "x"').replace(
        "never", '"never"'
    )
    call = Call.start(app(tmp_path, index=src, next='say "empty"')).silence()
    assert call.requests[-1].params["Digits"] == "" and call.heard[-1] == "empty"


def test_gather_num_digits_finish_on_key_and_partial_input(tmp_path: Path) -> None:
    """§3 <Gather numDigits> stops at that many digits; finishOnKey (default #) ends
    input and is not part of Digits; fewer digits than numDigits are submitted at the
    timeout (partial input)."""
    root = app(
        tmp_path,
        index="gather action=/n numDigits=3:\n    pause\n",
        hash="gather action=/n:\n    pause\n",
        star="gather action=/n finishOnKey=*:\n    pause\n",
        n='say "ok"',
    )
    assert Call.start(root).press("12345").requests[-1].params["Digits"] == "123"
    assert Call.start(root).press("12").requests[-1].params["Digits"] == "12"  # partial
    r = Call.start(root, entry="/hash").press("99#7").requests[-1]
    assert (r.params["Digits"], r.params["FinishedOnKey"]) == ("99", "#")
    r = Call.start(root, entry="/star").press("5*").requests[-1]
    assert (r.params["Digits"], r.params["FinishedOnKey"]) == ("5", "*")
    # only the finish key: no digits, so no input
    assert Call.start(root, entry="/hash").press("#").end_reason == "end of document"


def test_gather_default_action_is_the_current_document(tmp_path: Path) -> None:
    """§3 <Gather action>: default "current document URL" (with its query)."""
    call = Call.start(app(tmp_path, menu="gather numDigits=1:\n    pause\n"), entry="/menu")
    call.press("1")
    assert call.requests[-1].url == "/menu" and call.waiting == "gather"


def test_gather_speech(tmp_path: Path) -> None:
    """§11: a speech result is posted as SpeechResult with a Confidence; a <Gather> takes
    only the inputs its `input` allows (default dtmf)."""
    root = app(
        tmp_path,
        index="gather action=/n input=[dtmf speech]:\n    pause\n",
        dtmf="gather action=/n:\n    pause\n",
        n='say "ok"',
    )
    r = Call.start(root).say("billing please").requests[-1]
    assert r.params["SpeechResult"] == "billing please" and "Digits" not in r.params
    with pytest.raises(SimulationError, match="keys only"):
        Call.start(root, entry="/dtmf").say("billing")


def test_gather_get_sends_parameters_in_the_query(tmp_path: Path) -> None:
    """§3 <Gather method>: GET or POST (default POST)."""
    call = Call.start(app(tmp_path, index="gather action=/n?x=1 method=GET:\n    pause\n", n="pause"))
    call.press("7")
    assert call.requests[-1].method == "GET" and call.requests[-1].url == "/n?x=1"


# --- Dial ---------------------------------------------------------------------------


def test_dial_with_action_posts_the_outcome(tmp_path: Path) -> None:
    """§5 <Dial>: with action, verbs after are unreachable; §11: DialCallStatus,
    DialCallSid, DialCallDuration."""
    root = app(
        tmp_path, index="dial +14155550123 action=/after\nsay never\n".replace("never", '"never"'), after="pause"
    )
    call = Call.start(root)
    assert call.waiting == "dial" and call.events[-1]["to"] == ["+14155550123"]
    call.dial_result("completed")
    p = call.requests[-1].params
    assert (p["DialCallStatus"], p["DialCallDuration"]) == ("completed", "42") and p["DialCallSid"].startswith("CA")
    busy = Call.start(root).dial_result("busy").requests[-1].params
    assert busy["DialCallStatus"] == "busy" and "DialCallDuration" not in busy


def test_dial_without_action_continues(tmp_path: Path) -> None:
    """§5 <Dial>: without action, continue with the next verb after the dialed leg ends."""
    call = Call.start(app(tmp_path, index='dial:\n    number +14155550123\nsay "after"\n')).dial_result("no-answer")
    assert call.heard == ["after"] and len(call.requests) == 1


# --- Record --------------------------------------------------------------------------


def test_record_posts_the_recording(tmp_path: Path) -> None:
    """§5 <Record>: always requests action (default: the current document); §11:
    RecordingUrl, RecordingSid, RecordingDuration."""
    call = Call.start(app(tmp_path, index="record action=/saved maxLength=30\n", saved="hangup"))
    assert call.waiting == "record"
    call.record()
    p = call.requests[-1].params
    assert call.requests[-1].url == "/saved" and p["RecordingUrl"].startswith("https://api.twilio.com/")
    assert p["RecordingSid"].startswith("RE") and p["RecordingDuration"] == "7"


def test_empty_recording_continues(tmp_path: Path) -> None:
    """§5 <Record>: "empty recording → continue with next verb"."""
    call = Call.start(app(tmp_path, index='record action=/saved\nsay "nothing recorded"\n', saved="hangup"))
    call.record(empty=True)
    assert call.heard == ["nothing recorded"] and len(call.requests) == 1


def test_record_default_action_is_the_current_document(tmp_path: Path) -> None:
    """§5 <Record>: action defaults to the current document URL → loop risk."""
    call = Call.start(app(tmp_path, index="record\n")).record()
    assert call.requests[-1].url == "/" and call.waiting == "record"


# --- Enqueue, Redirect, Hangup, Reject, Leave ----------------------------------------


def test_enqueue(tmp_path: Path) -> None:
    """§5 <Enqueue>: with action, requested when the call leaves the queue; without, next verb."""
    root = app(tmp_path, index="enqueue support action=/left\n", plain='enqueue support\nsay "out"\n', left="pause")
    call = Call.start(root).queue_result("bridged")
    assert call.requests[-1].params["QueueResult"] == "bridged"
    assert Call.start(root, entry="/plain").queue_result("hangup").heard == ["out"]


def test_redirect_resolves_relative_urls_and_skips_the_rest(tmp_path: Path) -> None:
    """§5 <Redirect>: all verbs after are unreachable; relative URLs resolve as Twilio
    resolves them (RFC 3986)."""
    root = app(tmp_path, voice__start='redirect menu method=GET\nsay "never"\n', voice__menu='say "menu"')
    call = Call.start(root, entry="/voice/start")
    assert [r.url for r in call.requests] == ["/voice/start", "/voice/menu"]
    assert call.requests[1].method == "GET" and call.heard == ["menu"]


def test_hangup_reject_leave_end_the_call(tmp_path: Path) -> None:
    """§5: <Hangup> ends the call; <Reject> (reason busy) too; <Leave> ends this document."""
    root = app(tmp_path, index='hangup\nsay "x"\n', r="reject reason=busy", l="leave")
    assert Call.start(root).end_reason == "hangup"
    rejected = Call.start(root, entry="/r")
    assert rejected.end_reason == "reject" and rejected.events[-2]["reason"] == "busy"
    assert Call.start(root, entry="/l").end_reason == "leave"


def test_verbs_not_simulated_are_stepped_over_per_their_fall_through(tmp_path: Path) -> None:
    """§5 <Connect>: with action, requested when Connect ends, else next verb; <Pay>:
    Twilio posts action; <Start>: non-blocking, next verb executes immediately."""
    root = app(
        tmp_path,
        index='start:\n    stream url=wss://example.com/s\nconnect action=/after:\n    stream url=wss://example.com/s\nsay "never"\n',
        after='pay action=/paid\nsay "never"\n',
        paid='say "done"',
    )
    call = Call.start(root)
    notes = [e["text"] for e in call.events if e.kind == "note"]
    assert len(notes) == 3 and "not simulated" in notes[1]
    assert [r.url for r in call.requests] == ["/", "/after", "/paid"] and call.heard == ["done"]


# --- requests, templates, failures -------------------------------------------------------


def test_request_parameters_and_params_override(tmp_path: Path) -> None:
    """§11 voice webhook parameters: CallSid, AccountSid, From, To, CallStatus, ApiVersion,
    Direction; --param sets From/To (and Caller/Called with them) or adds any other."""
    call = Call.start(app(tmp_path, index="pause"), params={"From": "+442071838750", "CallerName": "Ann"})
    p = call.requests[0].params
    assert p["From"] == p["Caller"] == "+442071838750" and p["CallerName"] == "Ann"
    assert {"CallSid", "AccountSid", "To", "CallStatus", "ApiVersion", "Direction"} <= set(p)
    assert p["CallStatus"] == "ringing"


def test_template_binds_request_parameters_and_query(tmp_path: Path) -> None:
    """A template's params bind by name to what Twilio posts and to the query string."""
    root = app(
        tmp_path,
        index="gather action=/hello?lang=ja-JP numDigits=1:\n    pause\n",
        hello='param Digits digits\nparam lang [en-US ja-JP]\nsay "You pressed {{Digits}}" language={{lang}}\n',
    )
    call = Call.start(root).press("5")
    assert call.events[-2]["text"] == "You pressed 5" and call.events[-2]["language"] == "ja-JP"


def test_template_error_is_reported_where_it_happens(tmp_path: Path) -> None:
    """A template that cannot be rendered with what the request carries: the finding
    names the parameter and points at its declaration."""
    root = app(tmp_path, index="redirect /t", t='param Digits digits\nparam n integer\nsay "{{Digits}}{{n}}"\n')
    call = Call.start(root)
    (d,) = call.errors
    assert d.code == "TWL707" and d.path.endswith("t.twl") and d.span.line == 1 and "'Digits'" in d.message
    assert call.end_reason == "error"


def test_dangling_link_is_a_404(tmp_path: Path) -> None:
    call = Call.start(app(tmp_path, index="\n\nredirect /nowhere"))
    (d,) = call.errors
    assert d.code == "TWL707" and "/nowhere" in d.message and d.span.line == 3
    assert call.events[-3]["status"] == 404


def test_step_bound(tmp_path: Path) -> None:
    call = Call.start(app(tmp_path, index="redirect /"), max_requests=5)
    assert len(call.requests) == 5 and call.end_reason == "step bound"
    assert [d.code for d in call.errors] == ["TWL706"]


def test_external_url_is_not_followed(tmp_path: Path) -> None:
    call = Call.start(app(tmp_path, index="redirect https://example.com/x"))
    assert call.end_reason == "external" and call.errors == []


def test_xml_routes_and_broken_files(tmp_path: Path) -> None:
    """TwiML XML files are routes too (with and without their extension)."""
    root = app(tmp_path, broken="say x=")
    (tmp_path / "index.xml").write_text("<Response><Redirect>broken</Redirect></Response>", encoding="utf-8")
    call = Call.start(root)
    assert call.requests[0].url == "/" and call.end_reason == "error"
    assert call.errors and call.errors[0].path.endswith("broken.twl")


# --- scripts and misfits --------------------------------------------------------------


def test_inputs_parse() -> None:
    assert parse_input("digits:12#") == Input("digits", "12#")
    assert parse_input("speech:sales please") == Input("speech", "sales please")
    assert parse_input("timeout") == Input("timeout")
    for bad in ("digits:12a", "dial:maybe", "record:loud", "speech:", "press:1", "nothing"):
        with pytest.raises(ValueError):
            parse_input(bad)


def test_script_misfit_and_unused_inputs(tmp_path: Path) -> None:
    root = app(tmp_path, index=GATHER, next='say "Got it"')
    misfit = simulate(root, ["dial:busy"])
    assert [d.code for d in misfit.diagnostics] == ["TWL708"] and misfit.events[-1]["reason"] == "waiting"
    unused = simulate(root, ["digits:12", "digits:3"])
    assert [d.code for d in unused.diagnostics] == ["TWL709"] and not unused.errors


def test_api_refuses_input_after_the_end(tmp_path: Path) -> None:
    call = Call.start(app(tmp_path, index="hangup"))
    with pytest.raises(SimulationError, match="ended"):
        call.press("1")


def test_graph_and_simulate_agree_on_the_ivr() -> None:
    """Every request the simulator makes in the IVR follows an edge of its graph."""
    from conftest import ROOT

    root = ROOT / "examples" / "ivr"
    graph = flow.build(str(root), "/incoming")
    edges = {(e.source, e.target) for e in graph.edges}
    for script in (["digits:1", "dial:busy"], ["digits:2", "timeout", "digits:3", "record:audio"]):
        urls = [r.url for r in simulate(root, script, entry="/incoming").requests]
        assert all((a, b) in edges for a, b in itertools.pairwise(urls)), urls
