"""``twimlc serve`` and ``twimlc invoke`` as real processes: refusing to start, the token
requirement, a real server answering ``invoke``, workers, and uvicorn kept optional."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from lxml import etree
from test_serve import MENU, SHARED, TOKEN, serving, write

from twimlc.api import check_xml
from twimlc.serve import App, ConfigError, from_env

pytest.importorskip("uvicorn")


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TWIMLC_"))}
    out.update(extra)
    out["NO_COLOR"] = "1"
    return out


def twimlc(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twimlc", *args],
        capture_output=True,
        text=True,
        env=env(**extra),
        timeout=60,
        check=False,
    )


def _wait_until_it_answers(base: str, deadline: float) -> None:
    """uvicorn says "running" before every worker accepts connections (with --workers, the
    line comes from the supervisor): wait until /healthz answers."""
    import httpx

    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{base} never answered /healthz"
        time.sleep(0.1)


@contextmanager
def serve_process(*args: str, **extra: str) -> Iterator[tuple[str, subprocess.Popen[str], list[str]]]:
    """``twimlc serve ... --port 0`` as a process; yields its base URL once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "twimlc", "serve", *args, "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(**extra),
    )
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        base = None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            if m:
                base = m.group(1)
                break
        assert base, "".join(lines)
        _wait_until_it_answers(base, deadline)
        yield base, proc, lines
    finally:
        proc.terminate()
        try:
            _, rest = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, rest = proc.communicate()
        lines.append(rest or "")


def test_refuses_to_start_and_lists_every_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"a.twl": 'say "x" loop=many\n', "b/c.twl": "gathr numDigits=1\n", "ok.twl": 'say "ok"\n'})
    r = twimlc("serve", str(root), TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 1, r.stderr
    assert f"{root / 'a.twl'}:1:14: error[TWL202]" in r.stderr
    assert '1 | say "x" loop=many' in r.stderr  # rendered as twimlc check renders it
    assert f"{root / 'b' / 'c.twl'}:1:1: error[TWL101]" in r.stderr
    assert "refusing to start: 2 errors in 2 files" in r.stderr
    assert "Traceback" not in r.stderr and "Uvicorn running" not in r.stderr


def test_needs_a_token_or_an_explicit_no_verify(tmp_path: Path) -> None:
    root = write(tmp_path, {"voice/menu.twl": MENU})
    r = twimlc("serve", str(root))
    assert r.returncode == 2
    assert "TWILIO_AUTH_TOKEN" in r.stderr and "--no-verify" in r.stderr
    with serve_process(str(root), "--no-verify") as (base, _, lines):
        assert httpx.get(base + "/healthz").text == "ok\n"
        r2 = httpx.post(base + "/voice/menu", data={"Digits": "3", "From": "+14155550100"})
        assert r2.status_code == 200 and b"You pressed 3" in r2.content
    text = "".join(lines)
    assert "signatures are NOT verified" in text
    assert "POST /voice/menu - 200" in text


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    r = twimlc("serve", str(tmp_path / "missing"), "--no-verify")
    assert r.returncode == 2 and "is not a directory" in r.stderr
    r = twimlc("serve", str(tmp_path), "--public-url", "ftp://x", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 2 and "--public-url" in r.stderr
    r = twimlc("serve", str(tmp_path), "--workers", "0", "--no-verify")
    assert r.returncode == 2 and "--workers" in r.stderr
    r = twimlc("invoke", "http://127.0.0.1:9/x")
    assert r.returncode == 2 and "TWILIO_AUTH_TOKEN is not set" in r.stderr
    r = twimlc("invoke", "127.0.0.1/x", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 2
    r = twimlc("invoke", "http://127.0.0.1:9/x", "-d", "novalue", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 2 and "NAME=VALUE" in r.stderr


def test_invoke_against_the_served_app(tmp_path: Path) -> None:
    root = write(tmp_path, {"voice/menu.twl": MENU, "sms.twl": 'param Body string\nmessage "Got: {{Body}}"\n'})
    with serving(App(root, auth_token=TOKEN, shared_key=SHARED)) as base:
        r = twimlc(
            "invoke", f"{base}/voice/menu", "-d", "Digits=12", "-d", "From=+14155550100", TWILIO_AUTH_TOKEN=TOKEN
        )
        assert r.returncode == 0, r.stderr
        assert check_xml(r.stdout.encode()) == []
        assert etree.fromstring(r.stdout.encode()).findtext("Say") == "You pressed 12, calling from +14155550100."
        r = twimlc("invoke", f"{base}/sms", "--webhook", "messaging", "-d", "Body=hi", TWILIO_AUTH_TOKEN=TOKEN)
        assert etree.fromstring(r.stdout.encode()).findtext("Message") == "Got: hi"
        r = twimlc(
            "invoke", f"{base}/voice/menu", "-X", "GET", "-d", "Digits=7", "--sha256", TWILIO_WEBHOOK_SHARED_KEY=SHARED
        )
        assert r.returncode == 0, r.stderr
        assert b"You pressed 7, calling from +15005550006." in r.stdout.encode()
        r = twimlc("invoke", f"{base}/voice/menu", "-d", "Digits=1", TWILIO_AUTH_TOKEN="f" * 32)
        assert r.returncode == 1
        assert "HTTP 403" in r.stderr and f"signed URL: {base}/voice/menu (HMAC_SHA1)" in r.stderr
        assert "f" * 32 not in r.stdout + r.stderr
        r = twimlc("invoke", f"{base}/nowhere", TWILIO_AUTH_TOKEN=TOKEN)
        assert r.returncode == 1 and "HTTP 404" in r.stderr


def test_invoke_signs_for_the_public_url(tmp_path: Path) -> None:
    root = write(tmp_path, {"voice/menu.twl": MENU})
    public = "https://abc.example.ngrok.app"
    with serving(App(root, auth_token=TOKEN, public_url=public)) as base:
        url = f"{base}/voice/menu"
        r = twimlc("invoke", url, "-d", "Digits=1", "--public-url", public, TWILIO_AUTH_TOKEN=TOKEN)
        assert r.returncode == 0, r.stderr
        assert twimlc("invoke", url, "-d", "Digits=1", TWILIO_AUTH_TOKEN=TOKEN).returncode == 1


def test_invoke_cannot_connect() -> None:
    r = twimlc("invoke", "http://127.0.0.1:9/voice", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 1 and "twimlc invoke: error:" in r.stderr and "Traceback" not in r.stderr


def test_urls_with_an_unmatched_bracket_are_usage_errors(tmp_path: Path) -> None:
    # urllib raises ValueError("Invalid IPv6 URL") on these: a usage error, not a traceback
    r = twimlc("invoke", "http://[x/voice", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 2 and "is not an http(s) URL" in r.stderr and "Traceback" not in r.stderr
    root = write(tmp_path, {"voice/menu.twl": MENU})
    r = twimlc("serve", str(root), "--public-url", "https://[x", TWILIO_AUTH_TOKEN=TOKEN)
    assert r.returncode == 2 and "--public-url" in r.stderr and "Traceback" not in r.stderr
    r = twimlc("simulate", "--url", "http://[x")
    assert r.returncode == 2 and "unmatched '[' or ']'" in r.stderr and "Traceback" not in r.stderr


def test_workers_and_the_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, {"voice/menu.twl": MENU})
    monkeypatch.setenv("TWIMLC_SERVE_DIR", str(root))
    monkeypatch.setenv("TWIMLC_PUBLIC_URL", "https://hooks.example.com")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    app = from_env()
    assert app.public_url == "https://hooks.example.com" and app.verify and not app.reload
    monkeypatch.setenv("TWIMLC_MAX_BODY", "lots")
    with pytest.raises(ConfigError, match="TWIMLC_MAX_BODY"):
        from_env()
    monkeypatch.delenv("TWIMLC_MAX_BODY")
    with serve_process(str(root), "--workers", "2", TWILIO_AUTH_TOKEN=TOKEN) as (base, _, _lines):
        r = twimlc("invoke", f"{base}/voice/menu", "-d", "Digits=5", TWILIO_AUTH_TOKEN=TOKEN)
        assert r.returncode == 0, r.stderr
        assert "You pressed 5" in r.stdout


def test_uvicorn_is_optional_and_never_imported_by_other_commands() -> None:
    code = (
        "import sys; import twimlc, twimlc.serve; from twimlc.cli import main;"
        "main(['check', 'examples/hello.twl']); assert 'uvicorn' not in sys.modules, 'uvicorn imported'"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    code = (
        "import sys; sys.modules['uvicorn'] = None; from twimlc.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "serve", "examples", "--no-verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert "pip install 'twimlc[serve]'" in r.stderr and "Traceback" not in r.stderr
