"""``twimlc serve --provider signalwire|telnyx`` judges the files it serves against that
provider's dialect (limits, verbs, attributes), as ``check --target`` does: real processes
and a real uvicorn on 127.0.0.1. A file whose header names another target is refused at
load time (TWL802). The provider is ``--provider``, else ``[tool.twimlc] target``, else
Twilio."""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path

import httpx
import pytest
from test_serve import log_text, serving, write
from test_serve_cli import serve_process, twimlc

from twimlc import TwimlcError, signature
from twimlc.serve import App

pytest.importorskip("uvicorn")
ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")

PAY = 'pay\nsay "Thanks"\n'
AI_GATHER = 'ai-gather action=/collected:\n    greeting "Tell me your name and your order number."\n'
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="twimlc.serve")


def test_pay_served_for_telnyx_refuses_to_start(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"voice/pay.twl": PAY, "static/pay.xml": "<Response><Pay/></Response>\n"})
    r = twimlc("serve", str(root), "--provider", "telnyx", "--no-verify")
    assert r.returncode == 1, r.stderr
    assert f"{root / 'voice' / 'pay.twl'}:1:1: error[TWL107] <Pay> is not supported by Telnyx TeXML" in r.stderr
    assert f"{root / 'static' / 'pay.xml'}:1:12: error[TWL107] <Pay> is not supported by Telnyx TeXML" in r.stderr
    assert "refusing to start: 2 errors in 2 files" in r.stderr
    assert "Uvicorn running" not in r.stderr and "Traceback" not in r.stderr
    with serve_process(str(root), TWILIO_AUTH_TOKEN=TOKEN) as (base, _, _):  # Twilio has <Pay>
        assert httpx.get(base + "/healthz").status_code == 200


def test_a_telnyx_verb_is_served_for_telnyx_only(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"voice/ai.twl": AI_GATHER})
    with serve_process(str(root), "--provider", "telnyx", "--no-verify") as (base, _, _):
        answer = httpx.post(base + "/voice/ai", data={"CallSid": "v3:abc"})
    assert answer.status_code == 200 and b'<AIGather action="/collected">' in answer.content
    r = twimlc("serve", str(root), TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 1
    assert "error[TWL109] <AIGather> is Telnyx TeXML, not supported by Twilio" in r.stderr
    assert "Uvicorn running" not in r.stderr and TOKEN not in r.stderr + r.stdout


def test_telnyx_signed_requests_reach_a_telnyx_verb(tmp_path: Path) -> None:
    """In process, with Telnyx's Ed25519 signature verified: the verb answers."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = ed25519.Ed25519PrivateKey.generate()
    public = base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    root = write(tmp_path / "site", {"voice/ai.twl": AI_GATHER})
    with serving(App(root, provider="telnyx", public_key=public)) as base:
        body = b"CallSid=v3%3Aabc"
        stamp = str(int(time.time()))
        sig = base64.b64encode(private.sign(stamp.encode() + b"|" + body)).decode()
        headers = {
            signature.TELNYX_SIGNATURE_HEADER: sig,
            signature.TELNYX_TIMESTAMP_HEADER: stamp,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        answer = httpx.post(base + "/voice/ai", content=body, headers=headers)
    assert answer.status_code == 200 and b"<AIGather" in answer.content


def test_limits_are_the_providers(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"menu.twl": 'gather timeout=150 action=/menu:\n    say "Press a key"\n'})
    App(root, verify=False)  # Twilio takes any timeout
    with pytest.raises(TwimlcError) as info:
        App(root, provider="telnyx", verify=False)
    (d,) = info.value.diagnostics
    assert d.code == "TWL203" and "1..120" in d.message


@pytest.mark.parametrize("provider", ["twilio", "signalwire"])
def test_a_header_naming_another_target_is_refused(tmp_path: Path, provider: str) -> None:
    root = write(tmp_path / "site", {"sw.twl": 'twiml voice target=telnyx\nsay "Hi"\n'})
    with pytest.raises(TwimlcError) as info:
        App(root, provider=provider, verify=False)
    (d,) = info.value.diagnostics
    title = {"twilio": "Twilio", "signalwire": "SignalWire cXML"}[provider]
    assert d.code == "TWL802" and d.is_error and d.span.line == 1
    assert d.message == f"this document targets Telnyx TeXML, but it is served for {title}"
    assert "serve with --provider telnyx" in (d.hint or "") and f"target={provider}" in (d.hint or "")
    App(root, provider="telnyx", verify=False)  # the provider it names serves it


def test_mismatch_shown_by_the_command(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"sw.twl": 'twiml voice target=signalwire\nsay "Hi"\n'})
    r = twimlc("serve", str(root), "--provider", "telnyx", "--no-verify")
    assert r.returncode == 1
    assert f"{root / 'sw.twl'}:1:1: error[TWL802] this document targets SignalWire cXML" in r.stderr


def test_reload_judges_an_edit_for_the_provider(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = write(tmp_path / "site", {"voice/hi.twl": 'say "Hi"\n'})
    with serving(App(root, provider="telnyx", verify=False, reload=True, reload_interval=0)) as base:
        time.sleep(0.01)
        (root / "voice" / "hi.twl").write_text(PAY, encoding="utf-8")
        answer = httpx.post(base + "/voice/hi")
    assert answer.status_code == 200 and b"<Say>Hi</Say>" in answer.content  # the last good version
    assert "<Pay> is not supported by Telnyx TeXML" in log_text(caplog)


def test_the_fallback_is_judged_for_the_provider(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"hi.twl": 'say "Hi"\n'})
    with pytest.raises(TwimlcError) as info:
        App(root, provider="telnyx", verify=False, fallback=PAY)
    assert [d.code for d in info.value.diagnostics] == ["TWL107"]
    with pytest.raises(TwimlcError) as info:
        App(root, provider="telnyx", verify=False, fallback='twiml voice target=twilio\nsay "Sorry"\n')
    assert [d.code for d in info.value.diagnostics] == ["TWL802"]


def test_the_project_target_is_the_default_provider(tmp_path: Path) -> None:
    """As ruff reads its settings: ``--provider`` wins over ``[tool.twimlc] target`` in the
    nearest pyproject.toml from the served folder upwards, which wins over Twilio."""
    project = tmp_path / "project"
    write(project, {"pyproject.toml": '[tool.twimlc]\ntarget = "telnyx"\n', "site/voice/ai.twl": AI_GATHER})
    import subprocess
    import sys

    from test_serve_cli import env

    def serve(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "twimlc", "serve", "site", *args],
            cwd=project,
            capture_output=True,
            text=True,
            env=env(TWILIO_AUTH_TOKEN=TOKEN),
            timeout=60,
            check=False,
        )

    r = serve("--provider", "twilio")
    assert r.returncode == 1 and "TWL109" in r.stderr and TOKEN not in r.stderr
    r = serve()  # Telnyx, from the project: its public key is needed
    assert r.returncode == 2 and "TELNYX_PUBLIC_KEY" in r.stderr
    proc = subprocess.Popen(  # started from elsewhere: the served folder's project counts
        [sys.executable, "-m", "twimlc", "serve", str(project / "site"), "--no-verify", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert proc.stderr is not None
        seen = []
        while not any("Uvicorn running" in line for line in seen):
            line = proc.stderr.readline()
            assert line, "".join(seen)
            seen.append(line)
        assert any("provider telnyx (from [tool.twimlc] target in" in line for line in seen), "".join(seen)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    (project / "pyproject.toml").write_text('[tool.twimlc]\ntarget = "telnix"\n', encoding="utf-8")
    r = serve()
    assert r.returncode == 2 and "is not a target" in r.stderr
