"""dial --provider signalwire|telnyx against a real HTTP server on 127.0.0.1: the request
each provider's API takes, exact request counts in the fault cases, the provider's
dialect, and that the token never shows (output, errors, reprs)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from fake_twilio import TELNYX_CALL, FakeTwilio, Script

import twimlc
from twimlc import dialer
from twimlc.canonical import canonical
from twimlc.cli import main

HELLO = str(ROOT / "examples" / "hello.twl")
PROJECT = "a1b2c3d4-0000-4000-8000-000000000001"
SW_TOKEN = "PTsignalwire-secret-token-0123456789"
CONNECTION = "1234567890"
TELNYX_KEY = "KEYtelnyx-secret-api-key-0123456789"
SECRETS = (SW_TOKEN, TELNYX_KEY)
TELNYX_ARGS = ["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111", "--provider", "telnyx"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for k in (
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWIMLC_API_BASE",
        "TELNYX_CONNECTION_ID",
        "TELNYX_ACCOUNT_SID",
    ):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("SIGNALWIRE_PROJECT_ID", PROJECT)
    monkeypatch.setenv("SIGNALWIRE_TOKEN", SW_TOKEN)
    monkeypatch.setenv("TELNYX_API_KEY", TELNYX_KEY)
    yield


def run(server: FakeTwilio | None, provider: str, *extra: str, file: str | None = HELLO) -> int:
    where = ["--space", "example"] if provider == "signalwire" else ["--connection-id", CONNECTION]
    return main(
        [
            "dial",
            *([file] if file is not None else []),
            "--to",
            "+14155550100",
            "--from",
            "+14155550111",
            "--provider",
            provider,
            *where,
            *(["--base-url", server.base] if server is not None else []),
            "--timeout",
            "1",
            *extra,
        ]
    )


def no_secret(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    out, err = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in out + err
    return out, err


# --- SignalWire ---------------------------------------------------------------------------


def test_signalwire_sends_the_compatibility_request(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["ok"])) as server:
        assert run(server, "signalwire", "--call-option", "StatusCallback=https://example.com/cb") == 0
    no_secret(capsys)
    (seen,) = server.script.seen
    # --base-url is the host: the provider path is kept
    assert seen.path == f"/api/laml/2010-04-01/Accounts/{PROJECT}/Calls.json"
    assert seen.headers["Authorization"] == "Basic " + base64.b64encode(f"{PROJECT}:{SW_TOKEN}".encode()).decode()
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(seen.form)
    assert form["To"] == "+14155550100" and form["StatusCallback"] == "https://example.com/cb"
    assert canonical(form["Twiml"]) == canonical(twimlc.compile(Path(HELLO).read_text(encoding="utf-8")))


def test_signalwire_dry_run_shows_the_space_url(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(None, "signalwire", "--dry-run") == 0
    out, err = no_secret(capsys)
    assert out.startswith(f"POST https://example.signalwire.com/api/laml/2010-04-01/Accounts/{PROJECT}/Calls.json\n")
    assert f"Authorization: Basic {PROJECT}:<redacted>" in out and "nothing was sent" in err


@pytest.mark.parametrize(("posts", "code", "count"), [(["429", "429", "ok"], 0, 3), (["500", "ok"], 1, 1)])
def test_signalwire_retries_only_where_no_call_was_made(
    env: None, capsys: pytest.CaptureFixture[str], posts: list[str], code: int, count: int
) -> None:
    with FakeTwilio(Script(posts=posts)) as server:
        assert run(server, "signalwire") == code
    assert len(server.script.seen) == count
    _, err = no_secret(capsys)
    if code:
        assert "may or may not have been placed" in err


def test_signalwire_401_names_its_variables(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["401", "ok"])) as server:
        assert run(server, "signalwire") == 1
    assert len(server.script.seen) == 1
    _, err = no_secret(capsys)
    assert "SignalWire error 20003" in err and "SIGNALWIRE_TOKEN" in err and "TWILIO_AUTH_TOKEN" not in err


def test_signalwire_needs_a_space(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dial", HELLO, "--to", "+14155550100", "--from", "+14155550111", "--provider", "signalwire"])
    assert code == 2
    assert "--space" in capsys.readouterr().err
    assert main(["dial", HELLO, "--to", "+1", "--from", "+1", "--provider", "signalwire", "--space", "a b"]) == 2
    assert main(["dial", HELLO, "--to", "+1", "--from", "+1", "--space", "example"]) == 2  # not for Twilio


def test_signalwire_missing_credentials(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SIGNALWIRE_TOKEN")
    with FakeTwilio(Script()) as server:
        assert run(server, "signalwire") == 2  # a variable that configures the command: usage error
    assert server.script.seen == []
    assert "SIGNALWIRE_TOKEN" in capsys.readouterr().err


def test_signalwire_judges_against_its_dialect(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "denoise.twl"
    doc.write_text('denoise "on"\nsay "Hi"\n', encoding="utf-8")  # SignalWire's own verb
    with FakeTwilio(Script(posts=["ok", "ok"])) as server:
        assert run(server, "signalwire", file=str(doc)) == 0
        assert (
            main(["dial", str(doc), "--to", "+14155550100", "--from", "+14155550111", "--base-url", server.base]) == 1
        )
    assert len(server.script.seen) == 1  # Twilio: TWL109, nothing sent
    assert "TWL109" in capsys.readouterr().err


# --- Telnyx -------------------------------------------------------------------------------


def test_telnyx_sends_json_with_a_bearer_token(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(posts=["ok"], style="telnyx")) as server:
        assert run(server, "telnyx") == 0
    out, _ = no_secret(capsys)
    assert out == f"{TELNYX_CALL} queued\n"
    (seen,) = server.script.seen
    assert seen.path == f"/v2/texml/calls/{CONNECTION}"
    assert seen.headers["Authorization"] == f"Bearer {TELNYX_KEY}"
    assert seen.headers["Content-Type"] == "application/json"
    body = json.loads(seen.body)
    assert list(body) == ["To", "From", "Texml"] and body["From"] == "+14155550111"
    assert canonical(body["Texml"]) == canonical(twimlc.compile(Path(HELLO).read_text(encoding="utf-8")))


def test_telnyx_url_and_method(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(style="telnyx")) as server:
        assert (
            run(server, "telnyx", "--url", "https://example.com/t.xml", "--call-option", "Method=GET", file=None) == 0
        )
    assert json.loads(server.script.seen[0].body) == {
        "To": "+14155550100",
        "From": "+14155550111",
        "Url": "https://example.com/t.xml",
        "Method": "GET",
    }


def test_telnyx_connection_from_the_environment(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELNYX_CONNECTION_ID", "555")
    with FakeTwilio(Script(style="telnyx")) as server:
        code = main([*TELNYX_ARGS, "--base-url", server.base])
    assert code == 0 and server.script.seen[0].path == "/v2/texml/calls/555"


def test_telnyx_dry_run(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(None, "telnyx", "--dry-run") == 0
    out, _ = no_secret(capsys)
    head, _, body = out.partition("\n\n")
    assert head.splitlines() == [
        f"POST https://api.telnyx.com/v2/texml/calls/{CONNECTION}",
        "Authorization: Bearer <redacted>",
        "Content-Type: application/json",
    ]
    assert json.loads(body)["Texml"].startswith("<Response><Say")


@pytest.mark.parametrize(
    ("posts", "code", "count", "says"),
    [
        (["429", "429", "ok"], 0, 3, ""),
        (["429"] * 10, 1, dialer.MAX_429_RETRIES + 1, "Telnyx error 10011"),
        (["500", "ok"], 1, 1, "may or may not have been placed"),
        (["slow", "ok"], 1, 1, "may or may not have been placed"),
        (["drop", "ok"], 1, 1, "may or may not have been placed"),
        (["401", "ok"], 1, 1, "TELNYX_API_KEY"),
        (["400", "ok"], 1, 1, "Telnyx error 10015: The 'To' number is not valid."),
    ],
)
def test_telnyx_faults_and_exact_request_counts(
    env: None, capsys: pytest.CaptureFixture[str], posts: list[str], code: int, count: int, says: str
) -> None:
    with FakeTwilio(Script(posts=posts, style="telnyx", slow_seconds=2.5)) as server:
        assert run(server, "telnyx") == code
        assert len(server.script.seen) == count
    _, err = no_secret(capsys)
    assert says in err and "Traceback" not in err


def test_telnyx_missing_key_and_connection(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELNYX_API_KEY")
    with FakeTwilio(Script(style="telnyx")) as server:
        code = main([*TELNYX_ARGS, "--base-url", server.base])
    assert code == 2 and server.script.seen == []  # missing variables: a usage error
    err = capsys.readouterr().err
    assert "TELNYX_API_KEY" in err and "TELNYX_CONNECTION_ID" in err


def test_telnyx_refuses_twilio_only_options_and_wait(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTwilio(Script(style="telnyx")) as server:
        assert run(server, "telnyx", "--call-option", "Record=true") == 2
        assert run(server, "telnyx", "--wait") == 2
    assert server.script.seen == []
    assert "Method" in no_secret(capsys)[1]


# --- Telnyx --wait: GET /v2/texml/Accounts/{account_sid}/Calls/{call_sid} ----------------------

TELNYX_ACCOUNT = "61bf923e-5e4d-4595-a110-56190ea18a1b"


@pytest.mark.parametrize(
    ("final", "code"), [("completed", 0), ("busy", 3), ("no-answer", 4), ("failed", 6), ("canceled", 5)]
)
def test_telnyx_wait_follows_the_call(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], final: str, code: int
) -> None:
    monkeypatch.setenv("TELNYX_ACCOUNT_SID", TELNYX_ACCOUNT)
    with FakeTwilio(Script(style="telnyx", statuses=["ringing", "in-progress", final])) as server:
        assert run(server, "telnyx", "--wait", "--interval", "0.01") == code
    posts = [s for s in server.script.seen if s.method == "POST"]
    gets = [s for s in server.script.seen if s.method == "GET"]
    assert len(posts) == 1 and len(gets) == 3
    for get in gets:
        assert get.path == f"/v2/texml/Accounts/{TELNYX_ACCOUNT}/Calls/{TELNYX_CALL}"
        assert get.headers["Authorization"] == f"Bearer {TELNYX_KEY}"
    out, err = no_secret(capsys)
    assert out.splitlines() == [f"{TELNYX_CALL} queued", f"{TELNYX_CALL} {final}"]
    assert f"{TELNYX_CALL}: ringing" in err and f"{TELNYX_CALL}: in-progress" in err


@pytest.mark.parametrize(
    ("statuses", "code", "gets", "says"),
    [
        (["404", "404", "completed"], 0, 3, ""),  # not visible yet: "eventually consistent"
        (["404"] * 9, 1, dialer.TELNYX_NOT_FOUND_POLLS, "Telnyx has no call v3:call-control-id-0001 in account"),
        (["ringing", "404", "completed"], 1, 2, "Telnyx has no call"),  # once seen, a 404 is an error
    ],
)
def test_telnyx_wait_while_the_call_is_not_visible_yet(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    statuses: list[str],
    code: int,
    gets: int,
    says: str,
) -> None:
    monkeypatch.setenv("TELNYX_ACCOUNT_SID", TELNYX_ACCOUNT)
    with FakeTwilio(Script(style="telnyx", statuses=statuses)) as server:
        assert run(server, "telnyx", "--wait", "--interval", "0.01") == code
    assert [s.method for s in server.script.seen] == ["POST"] + ["GET"] * gets
    _, err = no_secret(capsys)
    assert says in err and "Traceback" not in err
    if code:
        assert "TELNYX_ACCOUNT_SID" in err and TELNYX_ACCOUNT in err


@pytest.mark.parametrize("account", ["", "../../calls", "61bf923e 5e4d", "61bf923e\n5e4d"])
def test_telnyx_wait_needs_the_account_before_anything_is_sent(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], account: str
) -> None:
    monkeypatch.setenv("TELNYX_ACCOUNT_SID", account)
    with FakeTwilio(Script(style="telnyx")) as server:
        assert run(server, "telnyx", "--wait") == 2
    assert server.script.seen == []  # never a call that cannot be followed
    _, err = no_secret(capsys)
    assert err.startswith("twimlc dial: error: --wait with --provider telnyx") and "TELNYX_ACCOUNT_SID" in err
    assert "Traceback" not in err


def test_telnyx_wait_json(env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELNYX_ACCOUNT_SID", TELNYX_ACCOUNT)
    with FakeTwilio(Script(style="telnyx", statuses=["completed"])) as server:
        assert run(server, "telnyx", "--wait", "--interval", "0.01", "--format", "json") == 0
    out, err = no_secret(capsys)
    # stdout is one JSON document (the final resource), for jq; the created call is said on stderr
    assert json.loads(out) == {"sid": TELNYX_CALL, "status": "completed"}
    assert err.splitlines()[0] == f"{TELNYX_CALL}: queued"


def test_library_wait_for_a_telnyx_call(env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    creds = dialer.Credentials.from_env(None, "telnyx", CONNECTION)
    assert creds.texml_account == ""
    call = dialer.Call(TELNYX_CALL, "queued", None, None, {})
    with FakeTwilio(Script(style="telnyx", statuses=["completed"])) as server, httpx.Client() as client:
        with pytest.raises(dialer.DialError, match="TELNYX_ACCOUNT_SID") as info:
            dialer.wait(call, creds, client, server.base, sleep=lambda _: None)
        assert server.script.seen == [] and TELNYX_KEY not in str(info.value)
        monkeypatch.setenv("TELNYX_ACCOUNT_SID", TELNYX_ACCOUNT)
        creds = dialer.Credentials.from_env(None, "telnyx", CONNECTION)
        assert TELNYX_ACCOUNT in repr(creds) and TELNYX_KEY not in repr(creds) + str(creds)
        final = dialer.wait(call, creds, client, server.base, sleep=lambda _: None)
    assert final.status == "completed" and len(server.script.seen) == 1


def test_telnyx_judges_against_its_dialect(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "pay.twl"
    doc.write_text('pay\nsay "Hi"\n', encoding="utf-8")  # <Pay> is Twilio's, not in TeXML
    with FakeTwilio(Script(style="telnyx")) as server:
        assert run(server, "telnyx", file=str(doc)) == 1
    assert server.script.seen == []
    assert "Telnyx" in capsys.readouterr().err


def test_header_naming_another_provider_is_refused(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "sw.twl"
    doc.write_text('twiml voice target=signalwire\nsay "Hi"\n', encoding="utf-8")
    with FakeTwilio(Script(style="telnyx")) as server:
        assert run(server, "telnyx", file=str(doc)) == 1
    assert server.script.seen == []
    err = capsys.readouterr().err
    assert "TWL802" in err and "SignalWire" in err and "Telnyx" in err


def test_library_dial_and_reprs_hide_the_token(env: None) -> None:
    with FakeTwilio(Script(style="telnyx")) as server:
        call = twimlc.dial(
            'say "Hi"', to="+14155550100", from_="+14155550111", provider="telnyx", connection_id="9", base=server.base
        )
    assert call.sid == TELNYX_CALL and server.script.seen[0].path == "/v2/texml/calls/9"
    creds = dialer.Credentials.from_env(None, "telnyx", "9")
    request = dialer.build_request(
        "<Response/>",
        to="+14155550100",
        from_="+14155550111",
        url=None,
        options=[],
        credentials=creds,
        base="https://x",
    )
    sw = dialer.Credentials.from_env(None, "signalwire")
    for shown in (repr(creds), str(creds), repr(request), request.describe(), repr(sw), str(sw)):
        for secret in SECRETS:
            assert secret not in shown
    with FakeTwilio(Script(posts=["401"], style="telnyx")) as server:
        with pytest.raises(dialer.DialError) as info:
            twimlc.dial('say "Hi"', to="+14155550100", from_="+14155550111", provider="telnyx", base=server.base,
                        connection_id="9")  # fmt: skip
    assert TELNYX_KEY not in str(info.value) + repr(info.value)
