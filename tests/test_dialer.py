"""The dialer against a real HTTP server on 127.0.0.1: what is sent, how many requests
reach the server in each fault case, and that secrets never show."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from fake_twilio import ACCOUNT, CALL_SID, TOKEN, FakeTwilio, Script

import twimlc
from twimlc import dialer
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


def run(server: FakeTwilio, *extra: str, file: str = HELLO) -> int:
    return main(
        [
            "dial",
            file,
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
    assert dict(form)["Twiml"] == twimlc.compile(Path(HELLO).read_text(encoding="utf-8"))
    assert ("StatusCallbackEvent", "initiated") in form and ("StatusCallbackEvent", "answered") in form
    assert ("StatusCallback", "https://example.com/cb") in form


def test_url_instead_of_inline(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script()) as server:
        assert run(server, "--url", "https://example.com/twiml", file="-") == 0
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
    assert "To=+14155550100" in out and "Twiml=<<EOF" in out and "<redacted>" in out and "hunter2" not in out
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
        assert run(server, "--call-option", "statusCallback=/x") == 1
    assert server.script.seen == []
    assert "did you mean 'StatusCallback'?" in capsys.readouterr().err


def test_missing_credentials_name_the_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(k, raising=False)
    with FakeTwilio(Script()) as server:
        assert run(server) == 1
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
        assert run(server, "--wait", "--interval", "0") == code
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
