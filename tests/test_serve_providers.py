"""serve --provider signalwire|telnyx: each provider's webhook signatures, made as the
provider makes them (SignalWire: Twilio's HMAC-SHA1 under X-SignalWire-Signature, computed
by twilio-python's RequestValidator; Telnyx: Ed25519 over timestamp|body with a key pair
made here), against a real uvicorn on 127.0.0.1. Failures are explained, never with the
secret."""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from test_serve import FIELDS, MENU, log_text, serving, write
from twilio.request_validator import RequestValidator

from twimlc import signature
from twimlc.cli import main
from twimlc.serve import App, ConfigError

pytest.importorskip("uvicorn")
ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")

SW_KEY = "PSKsignalwire-signing-key-0123456789"


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="twimlc.serve")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write(tmp_path / "site", {"voice/menu.twl": MENU})


@pytest.fixture
def keys() -> tuple[object, str]:
    private = ed25519.Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(public).decode()


# --- SignalWire -----------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-SignalWire-Signature", "X-Twilio-Signature"])
def test_signalwire_signatures_verify(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, header: str
) -> None:
    monkeypatch.setenv("SIGNALWIRE_SIGNING_KEY", SW_KEY)
    with serving(App(site, provider="signalwire")) as base:
        url = f"{base}/voice/menu"
        good = RequestValidator(SW_KEY).compute_signature(url, FIELDS)
        ok = httpx.post(url, data=FIELDS, headers={header: good})
        other = RequestValidator("another-key").compute_signature(url, FIELDS)
        bad = httpx.post(url, data=FIELDS, headers={header: other})
        none = httpx.post(url, data=FIELDS)
    assert ok.status_code == 200 and b"You pressed 42" in ok.content
    assert bad.status_code == 403 and b"SignalWire signature" in bad.content
    assert none.status_code == 403
    logs = log_text(caplog)
    assert "HMAC_SHA1 signature does not match" in logs
    assert "no X-SignalWire-Signature (or X-Twilio-Signature) header" in logs
    assert SW_KEY not in logs and good not in logs


def test_signalwire_key_falls_back_to_the_project_token(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNALWIRE_SIGNING_KEY", raising=False)
    monkeypatch.setenv("SIGNALWIRE_TOKEN", "PTproject-token")
    with serving(App(site, provider="signalwire")) as base:
        url = f"{base}/voice/menu"
        sig = RequestValidator("PTproject-token").compute_signature(url, FIELDS)
        assert httpx.post(url, data=FIELDS, headers={"X-SignalWire-Signature": sig}).status_code == 200
    monkeypatch.delenv("SIGNALWIRE_TOKEN")
    with pytest.raises(ConfigError, match="SIGNALWIRE_SIGNING_KEY"):
        App(site, provider="signalwire")


# --- Telnyx ---------------------------------------------------------------------------------


def telnyx_post(url: str, body: bytes, private: object, timestamp: str | None = None) -> httpx.Response:
    ts = timestamp or str(int(time.time()))
    sig = signature.telnyx_sign(private, ts, body)
    headers = {
        "telnyx-signature-ed25519": sig,
        "telnyx-timestamp": ts,
        "content-type": "application/x-www-form-urlencoded",
    }
    return httpx.post(url, content=body, headers=headers)


def test_telnyx_ed25519_signatures_verify(
    site: Path, keys: tuple[object, str], caplog: pytest.LogCaptureFixture
) -> None:
    private, public = keys
    body = urlencode(FIELDS).encode()
    with serving(App(site, provider="telnyx", public_key=public)) as base:
        url = f"{base}/voice/menu"
        ok = telnyx_post(url, body, private)
        tampered_sig = signature.telnyx_sign(private, str(int(time.time())), body)
        tampered = httpx.post(
            url,
            content=body.replace(b"42", b"43"),
            headers={"telnyx-signature-ed25519": tampered_sig, "telnyx-timestamp": str(int(time.time()))},
        )
        stranger = telnyx_post(url, body, ed25519.Ed25519PrivateKey.generate())
        old = telnyx_post(url, body, private, str(int(time.time()) - 3600))
        unsigned = httpx.post(url, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert ok.status_code == 200 and b"You pressed 42" in ok.content
    for r in (tampered, stranger, old, unsigned):
        assert r.status_code == 403 and b"Telnyx signature" in r.content
    logs = log_text(caplog)
    assert "the Ed25519 signature does not match the timestamp and body" in logs
    assert "s old; twimlc accepts 300 s either way (replay window)" in logs
    assert "no telnyx-signature-ed25519 header" in logs
    assert public not in logs


def test_telnyx_replay_window_edges(keys: tuple[object, str]) -> None:
    private, public = keys
    key = signature.telnyx_public_key(public)
    now = 1_700_000_000.0

    def check(ts: int) -> bool:
        sig = signature.telnyx_sign(private, str(ts), b"x=1")
        return signature.verify_telnyx("u", b"x=1", sig, str(ts), public_key=key, now=now).ok

    assert check(int(now) - 300) and check(int(now) + 300)
    assert not check(int(now) - 301) and not check(int(now) + 301)
    assert not signature.verify_telnyx("u", b"", "!!", "abc", public_key=key, now=now).ok


def test_telnyx_configuration_errors(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELNYX_PUBLIC_KEY", raising=False)
    with pytest.raises(ConfigError, match="TELNYX_PUBLIC_KEY"):
        App(site, provider="telnyx")
    with pytest.raises(ConfigError, match="32"):
        App(site, provider="telnyx", public_key=base64.b64encode(b"short").decode())
    with pytest.raises(ConfigError, match="base64"):
        App(site, provider="telnyx", public_key="not base64!")
    assert App(site, provider="telnyx", verify=False).provider == "telnyx"


def test_telnyx_without_cryptography_says_what_to_install(
    site: Path, keys: tuple[object, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [m for m in sys.modules if m.startswith("cryptography")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"pip install 'twimlc\[telnyx\]'"):
        App(site, provider="telnyx", public_key=keys[1])


def test_cli_serve_provider_is_a_choice_and_needs_its_key(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELNYX_PUBLIC_KEY", raising=False)
    assert main(["serve", str(site), "--provider", "telnyx", "--port", "0"]) == 2
    assert "TELNYX_PUBLIC_KEY" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["serve", str(site), "--provider", "plivo"])
    assert e.value.code == 2
