"""Provider defects found by a fresh-eyes trial (serve, dial, signatures, options): each
against the real thing (uvicorn on 127.0.0.1, a loopback fake of the provider's API), and
secrets asserted absent."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import httpx
import pytest
from test_serve import FIELDS, MENU, log_text, serving, write
from twilio.request_validator import RequestValidator

from twimlc.cli import main
from twimlc.serve import App

pytest.importorskip("uvicorn")
ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")

TOKEN = "twilio-auth-token-0123456789abcdef"
SW_KEY = "PSKsignalwire-signing-key-0123456789"


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="twimlc.serve")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write(tmp_path / "site", {"voice/menu.twl": MENU})


@pytest.fixture
def keys() -> tuple[object, str]:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(public).decode()


# --- 2: a huge telnyx-timestamp is refused, not a crash ----------------------------------------


@pytest.mark.parametrize("stamp", ["9" * 400, "1" * 30])
def test_telnyx_timestamp_that_is_not_unix_seconds_is_403(
    site: Path, keys: tuple[object, str], caplog: pytest.LogCaptureFixture, stamp: str
) -> None:
    with serving(App(site, provider="telnyx", public_key=keys[1])) as base:
        r = httpx.post(
            f"{base}/voice/menu",
            content=b"Digits=1",
            headers={
                "telnyx-signature-ed25519": "AAAA",
                "telnyx-timestamp": stamp,
                "content-type": "application/x-www-form-urlencoded",
            },
        )
    assert r.status_code == 403
    logs = log_text(caplog)
    assert "telnyx-timestamp header is not Unix seconds" in logs
    assert "Traceback" not in logs and " 403 " in logs


def test_telnyx_timestamp_of_other_digits_is_refused(keys: tuple[object, str]) -> None:
    from twimlc import signature

    key = signature.telnyx_public_key(keys[1])
    verdict = signature.verify_telnyx("u", b"", "AAAA", "\u00b2\u00b3", public_key=key)  # str.isdigit() says yes
    assert not verdict.ok and "not Unix seconds" in verdict.reason


# --- 3 and 15(c): every pyproject.toml problem is an exit-2 error naming the file ---------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b'[tool.twimlc]\ntarget = "\xff"\n', "not valid TOML: not UTF-8"),
        (b"tool = {twimlc = 5}\n", "[tool.twimlc] is not a table"),
        (b'[tool]\ntwimlc.target = "x"\n[tool]\n', "not valid TOML"),
        (b"[tool]\ntwimlc = 5\n", "[tool.twimlc] is not a table"),
        (b"[tool.twimlc]\ntarget = 5\n", "target = 5 is not a target"),
        (b'[tool.twimlc]\ntarget = "telynx"\n', "did you mean 'telnyx'?"),
        (b'[tool.twimlc]\ntarget = "twilio"\ntraget = "telnyx"\n', "unknown key 'traget'; did you mean 'target'?"),
    ],
)
def test_pyproject_problems_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: bytes, said: str
) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "a.twl").write_text('say "hi"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "a.twl"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and said in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b"\xff\xfe\n", b"tool = 5\n", b"[project\nname = 'x'\n"])
def test_a_pyproject_that_cannot_configure_twimlc_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    # no key under tool.twimlc: another tool's file, not parsed (its problems are that tool's to report)
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "a.twl").write_text("pay chargeAmount=1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "a.twl"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_pyproject_target_is_case_insensitive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "Telnyx"\n', encoding="utf-8")
    (tmp_path / "a.twl").write_text("pay chargeAmount=1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "a.twl"]) == 1
    assert "Telnyx" in capsys.readouterr().out


# --- 4: a password in --public-url never reaches the log ----------------------------------------


def test_public_url_password_is_redacted_in_logs(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    public = "https://admin:hunter2pass@hooks.example.com/x"
    with serving(App(site, public_url=public)) as base:
        r = httpx.post(f"{base}/voice/menu", data=FIELDS, headers={"X-Twilio-Signature": "bad"})
        url = public + "/voice/menu"
        good = RequestValidator(TOKEN).compute_signature(url, FIELDS)
        ok = httpx.post(f"{base}/voice/menu", data=FIELDS, headers={"X-Twilio-Signature": good})
    assert r.status_code == 403 and ok.status_code == 200
    logs = log_text(caplog)
    assert "hunter2pass" not in logs and TOKEN not in logs
    assert "admin:<redacted>@hooks.example.com" in logs
    assert repr(App(site, public_url=public)).count("hunter2pass") == 0


def test_a_likely_cause_never_shows_the_public_url_password(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # signed for http:// where --public-url says https://: the likely cause names the http:// URL
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    public = "https://admin:hunter2pass@hooks.example.com"
    with serving(App(site, public_url=public)) as base:
        wrong = RequestValidator(TOKEN).compute_signature(
            "http://admin:hunter2pass@hooks.example.com/voice/menu", FIELDS
        )
        r = httpx.post(f"{base}/voice/menu", data=FIELDS, headers={"X-Twilio-Signature": wrong})
    assert r.status_code == 403
    logs = log_text(caplog)
    assert "the signature matches http://admin:<redacted>@hooks.example.com/voice/menu" in logs
    assert "hunter2pass" not in logs


def test_invoke_and_serve_never_echo_a_url_password(
    capsys: pytest.CaptureFixture[str], site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    secret = "pwSECRET"
    for argv in (
        ["serve", str(site), "--public-url", f"https://alice:{secret}@example.com/?q=1"],
        ["invoke", "http://127.0.0.1:9/hello", "--public-url", f"https://alice:{secret}@example.com/#f"],
        ["invoke", f"ftp://alice:{secret}@example.com/hello"],
        ["invoke", f"http://alice:{secret}@127.0.0.1:9/hello", "--no-sign"],  # cannot connect
    ):
        assert main(argv) in (1, 2)
        out, err = capsys.readouterr()
        assert secret not in out + err and "alice:<redacted>@" in err, argv


# --- dial: 7, 8, 9, 12, 14, 15(b) ---------------------------------------------------------------

HELLO_TWL = 'say "Hello"\n'
SW_TOKEN = "PTsignalwire-secret-token-0123456789"
TELNYX_KEY = "KEYtelnyx-secret-api-key-0123456789"
PROJECT = "a1b2c3d4-0000-4000-8000-000000000001"


@pytest.fixture
def dial_env(monkeypatch: pytest.MonkeyPatch) -> None:
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


def dial(*extra: str, file: str | None = None) -> list[str]:
    return ["dial", *([file] if file else []), "--to", "+14155550100", "--from", "+14155550111", *extra]


def secretless(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    out, err = capsys.readouterr()
    for secret in (SW_TOKEN, TELNYX_KEY, TOKEN):
        assert secret not in out + err
    return out, err


@pytest.mark.parametrize(
    ("provider", "base", "expected"),
    [
        ("telnyx", "https://api.telnyx.com", "POST https://api.telnyx.com/v2/texml/calls/55\n"),
        ("telnyx", "https://api.telnyx.com/v2/", "POST https://api.telnyx.com/v2/texml/calls/55\n"),
        (
            "signalwire",
            "https://ex.signalwire.com",
            f"POST https://ex.signalwire.com/api/laml/2010-04-01/Accounts/{PROJECT}/",
        ),
        ("twilio", "https://api.twilio.com", "POST https://api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/"),
        ("telnyx", "https://proxy.example.com/tx", "POST https://proxy.example.com/tx/texml/calls/55\n"),
    ],
)
def test_base_url_is_the_host_and_the_provider_path_is_kept(
    tmp_path: Path, dial_env: None, capsys: pytest.CaptureFixture[str], provider: str, base: str, expected: str
) -> None:
    doc = tmp_path / "hi.twl"
    doc.write_text(HELLO_TWL, encoding="utf-8")
    extra = ["--connection-id", "55"] if provider == "telnyx" else []
    assert main(dial("--provider", provider, "--base-url", base, "--dry-run", *extra, file=str(doc))) == 0
    out, _ = secretless(capsys)
    assert out.startswith(expected)


def test_base_url_reaches_the_provider_path_on_a_real_server(tmp_path: Path, dial_env: None) -> None:
    from fake_twilio import FakeTwilio, Script

    doc = tmp_path / "hi.twl"
    doc.write_text(HELLO_TWL, encoding="utf-8")
    with FakeTwilio(Script(style="telnyx")) as server:
        assert (
            main(dial("--provider", "telnyx", "--connection-id", "55", "--base-url", server.base, file=str(doc))) == 0
        )
    assert server.script.seen[0].path == "/v2/texml/calls/55"


@pytest.mark.parametrize(
    ("extra", "variable", "said"),
    [
        (["--provider", "telnyx", "--connection-id", "../../v2/calls?x="], {}, "is not an ID"),
        (["--provider", "signalwire", "--space", "ex"], {"SIGNALWIRE_PROJECT_ID": "p/../../x"}, "is not an ID"),
        (["--provider", "twilio"], {"TWILIO_ACCOUNT_SID": "AC1/../x", "TWILIO_AUTH_TOKEN": TOKEN}, "is not an ID"),
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_ids_are_checked_before_anything_is_shown_or_sent(
    tmp_path: Path,
    dial_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    variable: dict[str, str],
    said: str,
    dry_run: bool,
) -> None:
    from fake_twilio import FakeTwilio, Script

    for k, v in variable.items():
        monkeypatch.setenv(k, v)
    doc = tmp_path / "hi.twl"
    doc.write_text(HELLO_TWL, encoding="utf-8")
    with FakeTwilio(Script(style="telnyx" if "telnyx" in extra else "twilio")) as server:
        args = [*extra, "--base-url", server.base, *(["--dry-run"] if dry_run else [])]
        assert main(dial(*args, file=str(doc))) == 2
    assert server.script.seen == []
    out, err = secretless(capsys)
    assert said in err and out == ""


def test_provider_names_are_case_insensitive_with_did_you_mean(
    tmp_path: Path, dial_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import twimlc
    from twimlc import dialer

    doc = tmp_path / "hi.twl"
    doc.write_text(HELLO_TWL, encoding="utf-8")
    assert main(dial("--provider", "Telnyx", "--connection-id", "5", "--dry-run", file=str(doc))) == 0
    assert "api.telnyx.com" in capsys.readouterr().out
    assert main(["check", "--target", "SignalWire", str(doc)]) == 0
    for argv in (
        ["check", "--target", "telynx", str(doc)],
        dial("--provider", "telynx", file=str(doc)),
        ["serve", str(tmp_path), "--provider", "telynx"],
        ["invoke", "http://127.0.0.1:9/x", "--provider", "telynx"],
    ):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        assert "did you mean 'telnyx'?" in capsys.readouterr().err, argv
    with pytest.raises(dialer.DialError, match="did you mean 'telnyx'"):
        twimlc.dial(HELLO_TWL, to="+14155550100", from_="+14155550111", provider="telynx")
    from fake_twilio import FakeTwilio, Script

    with FakeTwilio(Script(style="telnyx")) as server:
        call = twimlc.dial(
            HELLO_TWL, to="+14155550100", from_="+14155550111", provider="TELNYX", connection_id="9", base=server.base
        )
    assert call.sid and server.script.seen[0].path == "/v2/texml/calls/9"
    assert "--provider {twilio,signalwire,telnyx}" in build_help("dial")
    assert "--target {twilio,signalwire,telnyx}" in build_help("check")


def build_help(command: str) -> str:
    from twimlc.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return str(sub.choices[command].format_help())  # type: ignore[attr-defined]


def test_twimlc_provider_variable_is_case_insensitive(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twimlc.serve import ConfigError, from_env

    monkeypatch.setenv("TWIMLC_SERVE_DIR", str(site))
    monkeypatch.setenv("TWIMLC_PROVIDER", "SignalWire")
    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    assert from_env().provider == "signalwire"
    assert App(site, provider="SIGNALWIRE").provider == "signalwire"
    monkeypatch.setenv("TWIMLC_PROVIDER", "signalwyre")
    with pytest.raises(ConfigError, match="did you mean 'signalwire'"):
        from_env()


def test_dial_takes_the_project_target(
    tmp_path: Path, dial_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "telnyx"\n', encoding="utf-8")
    (tmp_path / "pay.twl").write_text("pay chargeAmount=1\n", encoding="utf-8")
    (tmp_path / "hi.twl").write_text(HELLO_TWL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(dial("--dry-run", "--connection-id", "5", file="pay.twl")) == 1  # judged as Telnyx TeXML
    assert "Telnyx" in capsys.readouterr().err
    assert main(dial("--dry-run", "--connection-id", "5", file="hi.twl")) == 0
    out, err = secretless(capsys)
    assert out.startswith("POST https://api.telnyx.com/v2/texml/calls/5")
    assert "provider telnyx, from [tool.twimlc] target in" in err
    assert main(dial("--dry-run", "--provider", "twilio", file="hi.twl")) == 0  # the option wins
    out, err = secretless(capsys)
    assert "api.twilio.com" in out and "provider twilio, from --provider" in err


def test_telnyx_maybe_placed_advice_is_telnyx(
    tmp_path: Path, dial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from fake_twilio import FakeTwilio, Script

    doc = tmp_path / "hi.twl"
    doc.write_text(HELLO_TWL, encoding="utf-8")
    with FakeTwilio(Script(posts=["500"], style="telnyx")) as server:
        assert main(dial("--provider", "telnyx", "--connection-id", "5", "--base-url", server.base, file=str(doc))) == 1
    _, err = secretless(capsys)
    assert "Mission Control" in err and "Console > Monitor" not in err and "Calls.json" not in err
    assert "your number with the provider" in build_help("dial")


# --- 7: serve speaks of the provider in use ----------------------------------------------------


def test_signalwire_mismatch_gives_signalwire_advice(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    with serving(App(site, provider="signalwire")) as base:
        url = f"{base}/voice/menu"
        other = RequestValidator("another-key").compute_signature(url, FIELDS)
        assert httpx.post(url, data=FIELDS, headers={"X-SignalWire-Signature": other}).status_code == 403
        https = RequestValidator(SW_KEY).compute_signature(url.replace("http://", "https://"), FIELDS)
        assert httpx.post(url, data=FIELDS, headers={"X-SignalWire-Signature": https}).status_code == 403
    logs = log_text(caplog)
    assert "not the one SignalWire requested" in logs and "Signing Key" in logs
    assert "SignalWire requested https://" in logs
    assert "Twilio" not in logs.replace("X-Twilio-Signature", "") and SW_KEY not in logs


def start_serve(tmp_path: Path, *args: str, **variables: str) -> str:
    """``twimlc serve`` as a process on 127.0.0.1: its log up to uvicorn's start."""
    import subprocess
    import sys

    from test_serve_cli import env

    proc = subprocess.Popen(
        [sys.executable, "-m", "twimlc", "serve", *args, "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(**variables),
    )
    seen: list[str] = []
    try:
        assert proc.stderr is not None
        while not any("Uvicorn running" in line for line in seen):
            line = proc.stderr.readline()
            assert line, "".join(seen)
            seen.append(line)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    return "".join(seen)


def test_serve_start_up_says_whose_signatures_are_verified(
    site: Path, tmp_path: Path, keys: tuple[object, str]
) -> None:
    telnyx = start_serve(tmp_path, str(site), "--provider", "Telnyx", TELNYX_PUBLIC_KEY=keys[1])
    assert "provider telnyx" in telnyx and "Telnyx's signatures are verified with TELNYX_PUBLIC_KEY" in telnyx
    assert "give --public-url" not in telnyx and keys[1] not in telnyx
    sw = start_serve(tmp_path, str(site), "--provider", "signalwire", SIGNALWIRE_SIGNING_KEY=SW_KEY)
    assert "SignalWire's signatures are verified with the Signing Key" in sw and "give --public-url" in sw
    assert SW_KEY not in sw
    help_text = build_help("serve")
    assert "SIGNALWIRE_SIGNING_KEY" in " ".join(help_text.split()) and "TELNYX_PUBLIC_KEY" in help_text


# --- 15(a): invoke signs as each provider does -------------------------------------------------


def test_invoke_signs_as_signalwire(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    monkeypatch.delenv("SIGNALWIRE_TOKEN", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    with serving(App(site, provider="signalwire")) as base:
        url = f"{base}/voice/menu"
        assert main(["invoke", url, "-d", "Digits=7", "--provider", "signalwire"]) == 0
        out, err = capsys.readouterr()
        assert "You pressed 7" in out and SW_KEY not in out + err
        monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", "another-key")
        assert main(["invoke", url, "-d", "Digits=7", "--provider", "SignalWire"]) == 1
        assert "another-key" not in capsys.readouterr().err
    monkeypatch.delenv("SIGNALWIRE_SIGNING_KEY")
    assert main(["invoke", url, "--provider", "signalwire"]) == 2
    assert "SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN is not set" in capsys.readouterr().err


def test_invoke_signs_as_telnyx_with_a_test_key(
    site: Path, keys: tuple[object, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    private, public = keys
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())  # type: ignore[attr-defined]
    secret = base64.b64encode(raw).decode()
    monkeypatch.setenv("TELNYX_PRIVATE_KEY", secret)
    with serving(App(site, provider="telnyx", public_key=public)) as base:
        url = f"{base}/voice/menu"
        assert main(["invoke", url, "-d", "Digits=5", "--provider", "telnyx"]) == 0
        out, err = capsys.readouterr()
        assert "You pressed 5" in out and secret not in out + err
        other = ed25519.Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        monkeypatch.setenv("TELNYX_PRIVATE_KEY", base64.b64encode(other).decode())
        assert main(["invoke", url, "--provider", "telnyx"]) == 1
        assert "TELNYX_PUBLIC_KEY must be its public half" in capsys.readouterr().err
        monkeypatch.delenv("TELNYX_PRIVATE_KEY")
        assert main(["invoke", url, "--provider", "telnyx"]) == 2
        assert "TELNYX_PRIVATE_KEY is not set" in capsys.readouterr().err
        assert main(["invoke", url, "--provider", "telnyx", "--no-sign"]) == 1  # unsigned: refused
        monkeypatch.setenv("TELNYX_PRIVATE_KEY", "bm90IGEga2V5")
        assert main(["invoke", url, "--provider", "telnyx"]) == 2
        assert "is 9 bytes" in capsys.readouterr().err


def test_invoke_takes_the_project_target(
    site: Path,
    tmp_path: Path,
    keys: tuple[object, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    (tmp_path / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "signalwire"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with serving(App(site, provider="signalwire")) as base:
        assert main(["invoke", f"{base}/voice/menu", "-d", "Digits=3"]) == 0
    assert "You pressed 3" in capsys.readouterr().out


def test_simulate_url_signs_as_the_provider(
    site: Path, keys: tuple[object, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    with serving(App(site, provider="signalwire")) as base:
        code = main(
            ["simulate", "--url", base, "--entry", "/voice/menu", "--provider", "signalwire", "--param", "Digits=4"]
        )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "You pressed 4" in out and SW_KEY not in out + err
    private, public = keys
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())  # type: ignore[attr-defined]
    monkeypatch.setenv("TELNYX_PRIVATE_KEY", base64.b64encode(raw).decode())
    with serving(App(site, provider="telnyx", public_key=public)) as base:
        code = main(
            ["simulate", "--url", base, "--entry", "/voice/menu", "--provider", "telnyx", "--param", "Digits=6"]
        )
        out, err = capsys.readouterr()
        assert code == 0, out + err
        assert "You pressed 6" in out
        monkeypatch.delenv("TELNYX_PRIVATE_KEY")
        assert main(["simulate", "--url", base, "--entry", "/voice/menu", "--provider", "telnyx"]) == 1
        out, err = capsys.readouterr()
        assert "TELNYX_PRIVATE_KEY (a test key" in err and "requests are sent unsigned" in err
        assert "TELNYX_PRIVATE_KEY is not set" in out
