"""The dialer against a real HTTP server on 127.0.0.1: what is sent, how many requests
reach the server in each fault case, and that secrets never show."""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from fake_twilio import ACCOUNT, CALL_SID, TOKEN, FakeTwilio, Script

import twimlc
from twimlc import dialer
from twimlc.canonical import canonical
from twimlc.cli import main

HELLO = str(ROOT / "examples" / "hello.twl")
ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for k in ("TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_REGION", "TWILIO_EDGE", "TWIMLC_API_BASE"):
        monkeypatch.delenv(k, raising=False)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    yield


def run(server: FakeTwilio, *extra: str, file: str | None = HELLO) -> int:
    return main(
        [
            "dial",
            *([file] if file is not None else []),
            "--to",
            "+14155550100",
            "--from",
            "+14155550111",
            "--base-url",
            server.base,
            "--timeout",
            "1",
            *extra,
        ]
    )


def assert_no_secret(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return out, err


def test_success_sends_the_compiled_twiml(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["ok"])) as server:
        assert (
            run(
                server,
                "--call-option",
                "StatusCallback=https://example.com/cb",
                "--call-option",
                "StatusCallbackEvent=initiated answered",
            )
            == 0
        )
    out, _ = assert_no_secret(capsys)
    assert out == f"{CALL_SID} queued\n"
    (seen,) = server.script.seen
    assert seen.method == "POST" and seen.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert seen.headers["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = seen.form
    assert form[:2] == [("To", "+14155550100"), ("From", "+14155550111")]
    sent = dict(form)["Twiml"]
    assert canonical(sent) == canonical(twimlc.compile(Path(HELLO).read_text(encoding="utf-8")))
    assert "\n" not in sent and sent.startswith("<Response>")  # compact: no declaration, no indentation
    assert ("StatusCallbackEvent", "initiated") in form and ("StatusCallbackEvent", "answered") in form
    assert ("StatusCallback", "https://example.com/cb") in form


def test_url_instead_of_inline(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, "--url", "https://example.com/twiml", file=None) == 0
    form = dict(server.script.seen[0].form)
    assert form["Url"] == "https://example.com/twiml" and "Twiml" not in form


def test_json_format_prints_the_resource(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    with FakeTwilio(Script()) as server:
        assert run(server, "--format", "json") == 0
    out, _ = assert_no_secret(capsys)
    assert json.loads(out)["sid"] == CALL_SID


@pytest.mark.parametrize(
    ("behaviour", "code", "hint"),
    [("400", "21211", "E.164"), ("401", "20003", "TWILIO_AUTH_TOKEN"), ("500", None, "may or may not")],
)
def test_api_errors_are_explained_and_not_retried(
    env: None, capsys: pytest.CaptureFixture[str], behaviour: str, code: str | None, hint: str
) -> None:
    with FakeTwilio(Script(posts=[behaviour, "ok"])) as server:
        assert run(server) == 1
    _, err = assert_no_secret(capsys)
    assert len(server.script.seen) == 1
    if code:
        assert f"Twilio error {code}" in err and f"https://www.twilio.com/docs/errors/{code}" in err
    assert hint in err and "Traceback" not in err


def test_429_is_retried_then_succeeds(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["429", "429", "ok"])) as server:
        assert run(server) == 0
    assert len(server.script.seen) == 3
    assert_no_secret(capsys)


def test_429_retries_are_bounded(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["429"] * 10)) as server:
        assert run(server) == 1
    assert len(server.script.seen) == dialer.MAX_429_RETRIES + 1
    _, err = assert_no_secret(capsys)
    assert "20429" in err


def test_timeout_after_sending_is_not_retried(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["slow", "ok"], slow_seconds=2.5)) as server:
        assert run(server) == 1
        assert len(server.script.seen) == 1
    _, err = assert_no_secret(capsys)
    assert "may or may not have been placed" in err


def test_dropped_connection_after_request_is_not_retried(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["drop", "ok"])) as server:
        assert run(server) == 1
    assert len(server.script.seen) == 1
    _, err = assert_no_secret(capsys)
    assert "may or may not have been placed" in err


def test_connection_refused_is_retried_and_says_no_call(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    code = main(
        ["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111", "--base-url", f"http://127.0.0.1:{port}"]
    )
    assert code == 1
    _, err = assert_no_secret(capsys)
    assert "no call was placed" in err


def test_dry_run_sends_nothing_and_redacts(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, "--dry-run", "--call-option", "SipAuthPassword=hunter2") == 0
    assert server.script.seen == []
    out, err = assert_no_secret(capsys)
    assert out.startswith(f"POST {server.base}/2010-04-01/Accounts/{ACCOUNT}/Calls.json")
    assert "To=+14155550100" in out and "Twiml=<Response><Say" in out and "<redacted>" in out and "hunter2" not in out
    assert "nothing was sent" in err


def test_invalid_twiml_is_never_sent(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_text("gather:\n    dial +14155550100\n", encoding="utf-8")
    with FakeTwilio(Script()) as server:
        assert run(server, file=str(bad)) == 1
    assert server.script.seen == []
    assert "TWL301" in assert_no_secret(capsys)[1]


def test_inline_limit(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.twl"
    big.write_text("".join(f'say "{"x" * 90}"\n' for _ in range(50)), encoding="utf-8")
    with FakeTwilio(Script()) as server:
        assert run(server, file=str(big)) == 1
    assert server.script.seen == []
    _, err = assert_no_secret(capsys)
    assert "--url" in err


@pytest.mark.parametrize(
    ("to", "ok"),
    [
        ("+14155550100", True),
        ("client:alice", True),
        ("sip:bob@example.com", True),
        ("4155550100", False),
        ("+999123", False),
    ],
)
def test_numbers_are_checked_before_sending(env: None, capsys: pytest.CaptureFixture[str], to: str, ok: bool) -> None:
    with FakeTwilio(Script()) as server:
        code = main(["dial", HELLO, "--to", to, "--from", "+14155550111", "--base-url", server.base])
    assert (code == 0) == ok
    assert len(server.script.seen) == (1 if ok else 0)


def test_unknown_call_option_has_did_you_mean(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, "--call-option", "statusCallback=/x") == 2  # a bad option: usage error
    assert server.script.seen == []
    assert "did you mean 'StatusCallback'?" in capsys.readouterr().err


def test_missing_credentials_name_the_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(k, raising=False)
    with FakeTwilio(Script()) as server:
        assert run(server) == 2  # missing variables: a usage error
    assert server.script.seen == []
    err = capsys.readouterr().err
    assert "TWILIO_ACCOUNT_SID" in err and "TWILIO_AUTH_TOKEN" in err


def test_api_key_credentials(monkeypatch: pytest.MonkeyPatch, env: None, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TWILIO_API_KEY", "SK123")
    monkeypatch.setenv("TWILIO_API_SECRET", "key-secret-xyz")
    with FakeTwilio(Script()) as server:
        assert run(server) == 0
    assert (
        server.script.seen[0].headers["Authorization"] == "Basic " + base64.b64encode(b"SK123:key-secret-xyz").decode()
    )
    assert server.script.seen[0].path.startswith(f"/2010-04-01/Accounts/{ACCOUNT}/")
    assert "key-secret-xyz" not in "".join(capsys.readouterr())


@pytest.mark.parametrize(
    ("final", "code"), [("completed", 0), ("busy", 3), ("no-answer", 4), ("failed", 6), ("canceled", 5)]
)
def test_wait_follows_the_call(env: None, capsys: pytest.CaptureFixture[str], final: str, code: int) -> None:
    with FakeTwilio(Script(statuses=["ringing", "in-progress", final])) as server:
        assert run(server, "--wait", "--interval", "0.01") == code
    gets = [s for s in server.script.seen if s.method == "GET"]
    assert len(gets) == 3 and gets[0].path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json"
    out, err = assert_no_secret(capsys)
    assert out.splitlines()[-1] == f"{CALL_SID} {final}"
    assert f"{CALL_SID}: ringing" in err


def test_region_and_edge_hosts() -> None:
    assert dialer.base_url({}) == "https://api.twilio.com"
    assert dialer.base_url({"TWILIO_REGION": "ie1"}) == "https://api.ie1.twilio.com"
    assert dialer.base_url({"TWILIO_EDGE": "dublin"}) == "https://api.dublin.us1.twilio.com"
    assert dialer.base_url({"TWILIO_EDGE": "dublin", "TWILIO_REGION": "ie1"}) == "https://api.dublin.ie1.twilio.com"
    assert dialer.base_url({"TWIMLC_API_BASE": "http://127.0.0.1:9/"}) == "http://127.0.0.1:9"


def test_library_dial_with_own_client_and_typed_errors(env: None) -> None:
    import httpx

    with FakeTwilio(Script(posts=["ok", "400"])) as server, httpx.Client(timeout=2) as client:
        call = twimlc.dial('say "Hi"', to="+14155550100", from_="+14155550111", base=server.base, client=client)
        assert isinstance(call, dialer.Call) and call.sid == CALL_SID and call.status == "queued"
        with pytest.raises(dialer.DialError) as e:
            twimlc.dial('say "Hi"', to="+14155550100", from_="+14155550111", base=server.base, client=client)
    assert (e.value.status, e.value.code) == (400, 21211)
    assert e.value.more_info == "https://www.twilio.com/docs/errors/21211"
    assert TOKEN not in str(e.value) and TOKEN not in repr(e.value)


def test_secrets_never_in_reprs() -> None:
    creds = dialer.Credentials.from_env(ENV)
    assert TOKEN not in repr(creds) and TOKEN not in str(creds)
    request = dialer.build_request(
        "<Response/>",
        to="+14155550100",
        from_="+14155550111",
        url=None,
        options=[],
        credentials=creds,
        base="http://127.0.0.1:1",
    )
    assert TOKEN not in request.describe() and TOKEN not in repr(request)


def test_dial_renders_a_template(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = tmp_path / "greet.twl"
    t.write_text('param name string\nsay "Hello {{name}}"\n', encoding="utf-8")
    with FakeTwilio(Script()) as server:
        assert run(server, "--param", "name=Ann & Bo", file=str(t)) == 0
        assert run(server, file=str(t)) == 1  # missing parameter: nothing sent
    assert len(server.script.seen) == 1
    assert "<Say>Hello Ann &amp; Bo</Say>" in dict(server.script.seen[0].form)["Twiml"]
    assert "'name' is required" in assert_no_secret(capsys)[1]


# --- what dial refuses, before any request ---------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


NOTHING_TO_SAY = [
    ("empty.twl", ""),
    ("blank.twl", "\n\n   \n"),
    ("comments.twl", "# what the callee hears\n# (nothing yet)\n"),
    ("header.twl", "twiml voice\n"),
    ("params.twl", "param name string default=friend\n"),
    ("empty.xml", "<Response/>"),
    ("comment.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <!-- nothing -->\n</Response>\n'),
]
NOT_VOICE = [
    ("sms.twl", 'message "Your code is 1234"\n'),
    ("sms-header.twl", "twiml messaging\n"),
    ("fax.twl", "twiml fax\nreceive action=/fax-received\n"),
    ("sms.xml", "<Response><Message>Your code is 1234</Message></Response>"),
]


@pytest.mark.parametrize(("name", "text"), NOTHING_TO_SAY + NOT_VOICE, ids=[n for n, _ in NOTHING_TO_SAY + NOT_VOICE])
@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry-run"])
def test_documents_that_cannot_place_a_call_are_refused(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, dry_run: bool
) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, *(["--dry-run"] if dry_run else []), file=write(tmp_path, name, text)) == 1
    assert server.script.seen == []
    out, err = assert_no_secret(capsys)
    assert out == ""
    assert "error[TWL507]" in err
    if (name, text) in NOT_VOICE:
        assert "only voice TwiML can place a call" in err
    else:
        assert "no verbs" in err


def test_xml_that_is_not_twiml_is_refused(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "page.xml", "<html><body>hi</body></html>")) == 1
    assert server.script.seen == []
    assert "error[TWL312]" in assert_no_secret(capsys)[1]


def test_file_and_url_together_or_neither_are_usage_errors(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    # standard input holds a valid document: it must not be read unless FILE is '-'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'say "from stdin"\n')))
    with FakeTwilio(Script()) as server:
        assert run(server, "--url", "https://example.com/twiml") == 2
        assert run(server, file=None) == 2
    assert server.script.seen == []
    _, err = assert_no_secret(capsys)
    assert "not both" in err and "FILE" in err and "Traceback" not in err


def test_standard_input_when_file_is_dash(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b'say "from stdin"\n')))
    with FakeTwilio(Script()) as server:
        assert run(server, file="-") == 0
    (seen,) = server.script.seen
    assert canonical(dict(seen.form)["Twiml"]) == canonical("<Response><Say>from stdin</Say></Response>")
    assert_no_secret(capsys)


@pytest.mark.parametrize(
    "args",
    [
        ["--base-url", "api.twilio.com"],
        ["--base-url", "ftp://api.twilio.com"],
        ["--base-url", "http://"],
        ["--base-url", "https://api.twilio.com:port"],
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--timeout", "soon"],
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "1e308"],
        ["--interval", "0"],
        ["--interval", "-2"],
        ["--interval", "often"],
        ["--interval", "nan"],
        ["--interval", "1e308"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_options_are_usage_errors(env: None, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with FakeTwilio(Script()) as server, pytest.raises(SystemExit) as e:
        main(["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111", "--base-url", server.base, *args])
    assert e.value.code == 2
    assert server.script.seen == []
    _, err = assert_no_secret(capsys)
    assert f"error: argument {args[0]}" in err


def test_bad_api_base_from_the_environment_is_a_usage_error(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWIMLC_API_BASE", "me:hunter2@api.twilio.com")
    assert main(["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111"]) == 2
    _, err = assert_no_secret(capsys)
    assert "TWIMLC_API_BASE" in err and "hunter2" not in err and "<redacted>" in err


def test_credentials_in_the_base_url_are_redacted(
    env: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeTwilio(Script(posts=["500"])) as server:
        base = server.base.replace("http://", "http://proxyuser:hunter2@")
        common = ["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111", "--base-url", base]
        assert main([*common, "--dry-run"]) == 0
        out, err = assert_no_secret(capsys)
        assert "hunter2" not in out + err
        assert out.startswith(f"POST http://proxyuser:<redacted>@{server.base[7:]}/2010-04-01/")
        assert main(common) == 1  # the API fails: the error names no secret either
        out, err = assert_no_secret(capsys)
        assert "hunter2" not in out + err and "may or may not" in err
    with pytest.raises(SystemExit):
        main([*common[:-1], "ftp://proxyuser:hunter2@example.com"])
    _, err = assert_no_secret(capsys)
    assert "hunter2" not in err and "ftp://proxyuser:<redacted>@example.com" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main([*common[:-1], f"http://only-a-token@127.0.0.1:{port}"]) == 1
    _, err = assert_no_secret(capsys)
    assert "only-a-token" not in err and "no call was placed" in err


def test_urls_with_credentials_are_redacted_in_dry_run(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert (
            run(
                server,
                "--dry-run",
                "--url",
                "https://twilio:hunter2@example.com/twiml?x=a@b",
                "--call-option",
                "StatusCallback=https://cb:hunter3@example.com/cb",
                file=None,
            )
            == 0
        )
    out, _ = assert_no_secret(capsys)
    assert "hunter2" not in out and "hunter3" not in out
    assert "Url=https://twilio:<redacted>@example.com/twiml?x=a@b" in out


# --- Retry-After ------------------------------------------------------------------------


def test_waiting_on_retry_after_says_so(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["429:1", "ok"])) as server:
        assert run(server) == 0
    assert len(server.script.seen) == 2
    _, err = assert_no_secret(capsys)
    assert "Twilio asked to retry after 1 s; waiting…" in err


def test_a_long_retry_after_is_refused_at_once(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    started = time.monotonic()
    with FakeTwilio(Script(posts=["429:3600", "ok"])) as server:
        assert run(server) == 1
    assert time.monotonic() - started < 5
    assert len(server.script.seen) == 1
    _, err = assert_no_secret(capsys)
    assert "3600 s" in err and "no call was placed" in err and "Traceback" not in err


def test_retry_after_waits_are_bounded_in_all(env: None) -> None:
    """Three answers of 429 with Retry-After: 25 — 25 + 25 are waited, the third would
    pass 60 s in all, so it stops there; no call was placed."""
    import httpx

    slept: list[float] = []
    creds = dialer.Credentials.from_env(ENV)
    with FakeTwilio(Script(posts=["429:25", "429:25", "429:25", "ok"])) as server, httpx.Client(timeout=2) as client:
        request = dialer.build_request(
            "<Response><Say>Hi</Say></Response>",
            to="+14155550100",
            from_="+14155550111",
            url=None,
            options=[],
            credentials=creds,
            base=server.base,
        )
        notes: list[str] = []
        with pytest.raises(dialer.DialError) as e:
            dialer.send(request, creds, client, sleep=slept.append, notify=notes.append)
    assert len(server.script.seen) == 3
    assert slept == [25.0, 25.0]
    assert notes == ["Twilio asked to retry after 25 s; waiting…"] * 2
    assert e.value.status == 429 and "no call was placed" in str(e.value) and "60 s" in str(e.value)


def test_retry_after_as_a_date_and_missing(env: None) -> None:
    import email.utils
    import time

    import httpx

    creds = dialer.Credentials.from_env(ENV)
    date = email.utils.formatdate(time.time() + 3600, usegmt=True)
    with (
        FakeTwilio(Script(posts=[f"429:{date}", "429:", "ok"])) as server,
        httpx.Client(timeout=2) as client,
    ):
        request = dialer.build_request(
            "<Response><Say>Hi</Say></Response>",
            to="+14155550100",
            from_="+14155550111",
            url=None,
            options=[],
            credentials=creds,
            base=server.base,
        )
        slept: list[float] = []
        with pytest.raises(dialer.DialError) as e:
            dialer.send(request, creds, client, sleep=slept.append)
        assert slept == [] and len(server.script.seen) == 1 and "no call was placed" in str(e.value)
        call = dialer.send(request, creds, client, sleep=slept.append)  # 429 without Retry-After: 1 s, then ok
    assert call.sid == CALL_SID and slept == [1.0] and len(server.script.seen) == 3


# --- what is sent inline ----------------------------------------------------------------


def sent_twiml(server: FakeTwilio) -> str:
    """The Twiml parameter exactly as the server received it."""
    from urllib.parse import parse_qs

    (seen,) = server.script.seen
    (twiml,) = parse_qs(seen.body, keep_blank_values=True)["Twiml"]
    return twiml


def test_inline_twiml_is_compact(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = 'say "Hi"\ngather input=dtmf numDigits=1:\n    say "Press 1"\n    pause length=2\n'
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "menu.twl", source)) == 0
    assert sent_twiml(server) == (
        '<Response><Say>Hi</Say><Gather input="dtmf" numDigits="1"><Say>Press 1</Say><Pause length="2"/>'
        "</Gather></Response>"
    )
    assert_no_secret(capsys)


def test_inline_xml_is_sent_compact(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <!-- greet -->\n  <Say>Hi  there</Say>\n</Response>\n'
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "hi.xml", xml)) == 0
    assert sent_twiml(server) == "<Response><Say>Hi  there</Say></Response>"
    assert_no_secret(capsys)


def test_spoken_white_space_in_xml_is_kept(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = "<Response>\n  <Say><emphasis>no</emphasis> <emphasis>where</emphasis></Say>\n  <Hangup/>\n</Response>"
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "say.xml", xml)) == 0
    assert (
        sent_twiml(server)
        == "<Response><Say><emphasis>no</emphasis> <emphasis>where</emphasis></Say><Hangup/></Response>"
    )


def test_ssml_spacing_is_kept(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = 'say:\n    "Hello, "\n    emphasis level=strong: "world"\n    " and "\n    break time=500ms\n'
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "ssml.twl", source)) == 0
    assert sent_twiml(server) == (
        '<Response><Say>Hello, <emphasis level="strong">world</emphasis> and <break time="500ms"/></Say></Response>'
    )


@pytest.mark.parametrize(("n", "sent"), [(3968, True), (3969, False)])
def test_inline_limit_counts_exactly_what_is_sent(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], n: int, sent: bool
) -> None:
    # <Response><Say> + n + </Say></Response> is 32 + n characters; indented, with the
    # XML declaration, it would be over the limit in both cases
    source = f'say "{"x" * n}"\n'
    assert len(twimlc.compile(source)) > dialer.INLINE_LIMIT
    with FakeTwilio(Script()) as server:
        assert run(server, file=write(tmp_path, "long.twl", source)) == (0 if sent else 1)
    assert len(server.script.seen) == (1 if sent else 0)
    _, err = assert_no_secret(capsys)
    if sent:
        assert len(sent_twiml(server)) == dialer.INLINE_LIMIT
    else:
        assert "error[TWL506]" in err and "4,001 characters" in err


def test_rendered_template_is_compact_and_counted(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = write(tmp_path, "t.twl", 'param who string\ngather numDigits=1:\n    say "Hello {{who}}"\n')
    with FakeTwilio(Script()) as server:
        assert run(server, "--param", "who=<Ann> & Bo", file=t) == 0
        assert (
            sent_twiml(server)
            == '<Response><Gather numDigits="1"><Say>Hello &lt;Ann&gt; &amp; Bo</Say></Gather></Response>'
        )
        assert run(server, "--param", "who=" + "y" * 4000, file=t) == 1
    assert len(server.script.seen) == 1
    assert "error[TWL506]" in assert_no_secret(capsys)[1]


# --- the document's diagnostics ----------------------------------------------------------


def test_warnings_are_shown_then_the_call_is_placed(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "w.twl", 'say "Bye"\nhangup\nsay "never heard"\n')
    with FakeTwilio(Script()) as server:
        assert run(server, file=path) == 0
    assert len(server.script.seen) == 1
    out, err = assert_no_secret(capsys)
    assert out == f"{CALL_SID} queued\n"
    assert f"{path}:3:1: warning[TWL401]" in err
    assert '3 | say "never heard"' in err and "  | ^" in err


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("e.twl", 'say "x" loop=many\nhangup\nplay https://example.com/a.mp3 loop=-1\n'),
        ("w.twl", '!Pause\nhangup\nsay "never heard" loop=many\n'),
        ("w.xml", '<Response>\n  Hello\n  <Say loop="many">x</Say>\n  <Dial><Number>12</Number></Dial>\n</Response>\n'),
    ],
)
def test_every_problem_check_finds_is_shown_and_nothing_sent(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    """dial judges the document exactly as check does: every diagnostic check reports is
    shown, at its line, and an error means no request at all."""
    path = write(tmp_path, name, text)
    expected = twimlc.check(Path(path))
    assert any(d.is_error for d in expected)
    assert name.startswith("e") or any(not d.is_error for d in expected)
    with FakeTwilio(Script()) as server:
        assert run(server, file=path) == 1
    assert server.script.seen == []
    _, err = assert_no_secret(capsys)
    shown = re.findall(r"^(.+?):(\d+):\d+: (?:error|warning)\[(TWL\d+)\]", err, re.M)
    assert shown == [(path, str(d.span.line), d.code) for d in expected]


# --- the library refuses the same ---------------------------------------------------------


def test_library_refuses_before_sending(env: None) -> None:
    import httpx

    to = {"to": "+14155550100", "from_": "+14155550111"}
    with FakeTwilio(Script()) as server, httpx.Client(timeout=2) as client:
        for source, code in [("", "TWL507"), ("# hi\n", "TWL507"), ('message "hi"', "TWL507"), ("<x/>", "TWL312")]:
            with pytest.raises(twimlc.TwimlcError) as t:
                twimlc.dial(source, **to, base=server.base, client=client)
            assert code in [d.code for d in t.value.diagnostics]
        for document in (twimlc.parse(""), twimlc.parse("param x string\n"), twimlc.parse('message "hi"')):
            with pytest.raises(twimlc.TwimlcError) as t:
                twimlc.dial(document, **to, base=server.base, client=client)
            assert [d.code for d in t.value.diagnostics] == ["TWL507"]
        with pytest.raises(twimlc.TwimlcError) as t:
            twimlc.dial(f'say "{"x" * 3969}"', **to, base=server.base, client=client)
        assert [d.code for d in t.value.diagnostics] == ["TWL506"]
        with pytest.raises(dialer.DialError, match="not both"):
            twimlc.dial('say "Hi"', **to, url="https://example.com/t", base=server.base, client=client)
        with pytest.raises(dialer.DialError, match="url="):
            twimlc.dial(None, **to, base=server.base, client=client)
        with pytest.raises(dialer.DialError, match="http:// or https://"):
            twimlc.dial('say "Hi"', **to, base="api.twilio.com", client=client)
        for timeout in (0, -1, float("nan"), float("inf")):
            with pytest.raises(dialer.DialError, match="timeout"):
                twimlc.dial('say "Hi"', **to, base=server.base, timeout=timeout)
        assert server.script.seen == []
        server.script.posts = ["429:3600", "ok"]
        with pytest.raises(dialer.DialError, match="no call was placed"):
            twimlc.dial('say "Hi"', **to, base=server.base, client=client)
        assert len(server.script.seen) == 1
        call = twimlc.dial('say "Hi"\n', **to, base=server.base, client=client)
        assert call.sid == CALL_SID and sent_twiml_last(server) == "<Response><Say>Hi</Say></Response>"
        twimlc.dial(twimlc.parse("pause length=1\nhangup"), **to, base=server.base, client=client)
    assert sent_twiml_last(server) == '<Response><Pause length="1"/><Hangup/></Response>'
    assert len(server.script.seen) == 3


def sent_twiml_last(server: FakeTwilio) -> str:
    from urllib.parse import parse_qs

    return parse_qs(server.script.seen[-1].body)["Twiml"][0]


def test_hostile_input_never_shows_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    empty = write(tmp_path, "empty.twl", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TWIMLC_"))}
    env.update(ENV)
    base = ["--to", "+14155550100", "--from", "+14155550111"]
    cases: list[tuple[list[str], dict[str, str], int]] = [
        ([HELLO, *base, "--timeout", "nan"], {}, 2),
        ([HELLO, *base, "--timeout", "1e308"], {}, 2),
        ([HELLO, *base, "--interval", "-1", "--wait"], {}, 2),
        ([HELLO, *base, "--base-url", "api.twilio.com"], {}, 2),
        ([HELLO, *base], {"TWIMLC_API_BASE": "u:hunter2@api"}, 2),
        ([*base], {}, 2),
        ([HELLO, *base, "--url", "https://example.com/t"], {}, 2),
        ([empty, *base, "--base-url", "http://127.0.0.1:9"], {}, 1),
    ]
    for args, extra, code in cases:
        r = subprocess.run(
            [sys.executable, "-m", "twimlc", "dial", *args],
            capture_output=True,
            text=True,
            env={**env, **extra},
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        assert r.returncode == code, (args, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout
        assert TOKEN not in r.stderr + r.stdout and "hunter2" not in r.stderr + r.stdout


def test_corpus_voice_documents_are_sent_as_checked() -> None:
    """Every voice document of the corpus that dial accepts is sent compact, and reads
    back as exactly the document that was checked."""
    from conftest import shared_or_skip
    from lxml import etree

    from twimlc.api import read_xml_document
    from twimlc.canonical import in_speech

    corpus = shared_or_skip("corpus", "twiml")
    accepted = 0
    for path in sorted(corpus.rglob("*.xml")):
        data = path.read_bytes()
        try:
            twiml, _ = dialer.inline_twiml(data.decode("utf-8"), str(path))
        except (twimlc.TwimlcError, UnicodeDecodeError):
            continue
        accepted += 1
        assert not twiml.startswith("<?xml") and len(twiml) <= len(data), path
        assert canonical(twiml) == canonical(data), path
        for el in etree.fromstring(twiml).iter("*"):  # no layout left: white space only where it is text
            texts = [el.text, *(c.tail for c in el)]
            layout = len(el) and not in_speech(el) and not any(t and t.strip() for t in texts)
            assert not layout or texts == [None] * len(texts), path
        original, _, _ = read_xml_document(data, str(path))
        sent, _, _ = read_xml_document(twiml.encode("utf-8"), str(path))
        assert original is not None and sent is not None and original.kind == "voice"
        assert sent.body == original.body and sent.attributes == original.attributes, path
    assert accepted > 250


@pytest.mark.parametrize("url", ["http://[x", "/twiml/hello", "https://user:pw@example.com/a b"])
def test_a_url_twilio_cannot_fetch_is_refused_before_sending(
    env: None, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, "--url", url, file=None) == 2
    assert server.script.seen == []  # nothing was sent
    _, err = assert_no_secret(capsys)
    assert err.startswith("twimlc dial: error: --url ") and "is not a URL Twilio can fetch" in err
    assert "pw@" not in err and "Traceback" not in err
