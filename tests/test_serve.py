"""``twimlc serve``: the ASGI app under a real uvicorn on 127.0.0.1 (a random port), a real
HTTP client (httpx), and signatures made by twilio-python's RequestValidator (both
algorithms) as the oracle."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from twilio.request_validator import RequestValidator

import twimlc
from twimlc.api import check_xml
from twimlc.serve import App, ConfigError

uvicorn = pytest.importorskip("uvicorn")

TOKEN = "0123456789abcdef0123456789abcdef"
SHARED = "whsk_shared_key_secret_0123456789"
MENU = """\
param Digits digits
param From phone
say "You pressed {{Digits}}, calling from {{From}}."
hangup
"""
FIELDS = {"CallSid": "CA1234", "From": "+14155550100", "Digits": "42", "Unknown": "ignored", "To": "+15005550006"}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write(
        tmp_path / "site",
        {
            "voice/menu.twl": MENU,
            "index.twl": 'say "Welcome"\n',
            "static/hello.xml": "<Response><Say>Static hello</Say></Response>\n",
            "notes.xml": "<notes>not TwiML</notes>\n",
            "sms.twl": 'param Body string\nmessage "You said: {{Body}}"\n',
        },
    )


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread, on a socket bound to 127.0.0.1 with a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_config=None, access_log=False, proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def signed_post(
    url: str,
    fields: dict[str, str],
    *,
    secret: str = TOKEN,
    signed_url: str | None = None,
    sha256: bool = False,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    algorithm = "HMAC_SHA256" if sha256 else "HMAC_SHA1"
    sig = RequestValidator(secret).compute_signature(signed_url or url, fields, algorithm)
    h = {"X-Twilio-Signature": sig, **(headers or {})}
    if sha256:
        h["X-Twilio-Webhooks-Signature-Settings"] = "key=KS0123,algorithm=HMAC_SHA256"
    return httpx.post(url, data=fields, headers=h)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="twimlc.serve")


# --- routes and parameters -----------------------------------------------------------------


def test_template_bound_to_digits_and_from(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        r = signed_post(f"{base}/voice/menu", FIELDS)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/xml")
    assert check_xml(r.content) == []
    assert etree.fromstring(r.content).findtext("Say") == "You pressed 42, calling from +14155550100."


def test_get_binds_the_query_string_and_signs_the_url(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        url = f"{base}/voice/menu?" + urlencode({"Digits": "7", "From": "+14155550111"})
        sig = RequestValidator(TOKEN).compute_signature(url, {})
        r = httpx.get(url, headers={"X-Twilio-Signature": sig})
    assert r.status_code == 200, r.text
    assert etree.fromstring(r.content).findtext("Say") == "You pressed 7, calling from +14155550111."


def test_static_twiml_index_and_aliases(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        for path in ("/static/hello", "/static/hello.xml"):
            r = signed_post(base + path, {"CallSid": "CA1"})
            assert r.status_code == 200 and b"Static hello" in r.content
        r = signed_post(base + "/", {"CallSid": "CA1"})
        assert etree.fromstring(r.content).findtext("Say") == "Welcome"
        assert httpx.post(base + "/notes", data={}).status_code == 404  # XML, but not TwiML: no route


def test_not_found_method_and_health(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        r = httpx.post(base + "/nowhere", data={"CallSid": "CA1"})
        assert r.status_code == 404 and b"<" not in r.content
        r = httpx.put(base + "/voice/menu", content=b"")
        assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
        r = httpx.get(base + "/healthz")
        assert r.status_code == 200 and r.text == "ok\n"


def test_access_log_one_line_per_request(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        signed_post(f"{base}/voice/menu", FIELDS)
        signed_post(f"{base}/sms", {"MessageSid": "SM999", "Body": "hi"})
    assert "serving 4 routes from" in log_text(caplog)  # the lifespan start-up
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("POST ")]
    assert len(lines) == 2
    assert lines[0].startswith("POST /voice/menu CA1234 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("POST /sms SM999 200 ")


def test_request_text_cannot_forge_log_lines(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        httpx.post(f"{base}/voice/menu", data={"CallSid": "CA1\nINFO: forged", "X\nforged": "1"})
        httpx.post(f"{base}/no%0Awhere", data={})
    messages = [r.getMessage() for r in caplog.records]
    assert not any("\n" in m for m in messages if m.startswith(("POST", "403")))
    assert any(m.startswith("POST /voice/menu CA1\\nINFO: forged 403") for m in messages)
    assert any("X\\nforged" in m for m in messages if m.startswith("403"))
    assert any(m.startswith("POST /no\\nwhere - 404") for m in messages)


# --- signatures ----------------------------------------------------------------------------


def test_sha256_with_the_shared_key(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN, shared_key=SHARED)) as base:
        r = signed_post(f"{base}/voice/menu", FIELDS, secret=SHARED, sha256=True)
        assert r.status_code == 200, r.text
        # the token does not sign SHA-256 requests
        r = signed_post(f"{base}/voice/menu", FIELDS, secret=TOKEN, sha256=True)
        assert r.status_code == 403


def test_sha256_without_a_shared_key_is_refused_and_says_so(
    site: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_WEBHOOK_SHARED_KEY", raising=False)
    with serving(App(site, auth_token=TOKEN)) as base:
        r = signed_post(f"{base}/voice/menu", FIELDS, secret=SHARED, sha256=True)
    assert r.status_code == 403
    assert "no shared key is configured" in log_text(caplog)
    assert "TWILIO_WEBHOOK_SHARED_KEY" in log_text(caplog)


def test_shared_key_from_the_environment(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_WEBHOOK_SHARED_KEY", SHARED)
    with serving(App(site)) as base:
        assert signed_post(f"{base}/voice/menu", FIELDS, secret=SHARED, sha256=True).status_code == 200
        assert signed_post(f"{base}/voice/menu", FIELDS).status_code == 200


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("wrong token", ["signature does not match", "or the token is not this account's"]),
        ("tampered parameter", ["signature does not match", "Digits, From, To, Unknown"]),
        ("wrong port", ["signature does not match", "may differ from what Twilio requested"]),
        ("wrong scheme", ["the signature matches https://"]),
        ("missing header", ["no X-Twilio-Signature header"]),
        ("proxy not trusted", ["X-Forwarded headers: run with --trust-proxy"]),
    ],
)
def test_failed_checks_answer_403_and_log_why(
    site: Path, caplog: pytest.LogCaptureFixture, case: str, expect: list[str]
) -> None:
    public = "https://abc.example.ngrok.app"
    with serving(App(site, auth_token=TOKEN)) as base:
        url = f"{base}/voice/menu"
        if case == "wrong token":
            r = signed_post(url, FIELDS, secret="f" * 32)
        elif case == "tampered parameter":
            sig = RequestValidator(TOKEN).compute_signature(url, FIELDS)
            r = httpx.post(url, data={**FIELDS, "Digits": "99"}, headers={"X-Twilio-Signature": sig})
        elif case == "wrong port":
            r = signed_post(url, FIELDS, signed_url=url.replace(base.rsplit(":", 1)[1], "8443"))
        elif case == "wrong scheme":
            r = signed_post(url, FIELDS, signed_url=url.replace("http://", "https://"))
        elif case == "missing header":
            r = httpx.post(url, data=FIELDS)
        else:
            headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "abc.example.ngrok.app"}
            r = signed_post(url, FIELDS, signed_url=public + "/voice/menu", headers=headers)
    assert r.status_code == 403
    assert b"<" not in r.content
    text = log_text(caplog)
    line = next(m for m in text.splitlines() if m.startswith("403 POST /voice/menu"))
    assert f"Signed URL: {url};" in line
    assert "algorithm: HMAC_SHA1" in line
    for e in expect:
        assert e in line
    assert TOKEN not in text
    expected = RequestValidator(TOKEN).compute_signature(url, FIELDS)
    assert expected not in text


def test_public_url_is_what_is_verified(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    public = "https://abc.example.ngrok.app"
    with serving(App(site, auth_token=TOKEN, public_url=public + "/")) as base:
        r = signed_post(f"{base}/voice/menu?x=1", FIELDS, signed_url=f"{public}/voice/menu?x=1")
        assert r.status_code == 200, r.text
        # Twilio may sign with the default port written out: accepted too
        r = signed_post(f"{base}/voice/menu", FIELDS, signed_url="https://abc.example.ngrok.app:443/voice/menu")
        assert r.status_code == 200
        r = signed_post(f"{base}/voice/menu", FIELDS)  # signed for the local URL
        assert r.status_code == 403
    assert f"Signed URL: {public}/voice/menu;" in log_text(caplog)


def test_trust_proxy_reads_forwarded_proto_and_host(site: Path) -> None:
    public = "https://hooks.example.com/voice/menu"
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    with serving(App(site, auth_token=TOKEN, trust_proxy=True)) as base:
        r = signed_post(f"{base}/voice/menu", FIELDS, signed_url=public, headers=headers)
        assert r.status_code == 200, r.text
    with serving(App(site, auth_token=TOKEN)) as base:  # not without --trust-proxy
        r = signed_post(f"{base}/voice/menu", FIELDS, signed_url=public, headers=headers)
        assert r.status_code == 403


def test_json_body_covered_by_body_sha256(site: Path) -> None:
    import hashlib
    import json

    body = json.dumps({"Digits": "5", "From": "+14155550100"}).encode()
    with serving(App(site, auth_token=TOKEN)) as base:
        url = f"{base}/voice/menu?bodySHA256={hashlib.sha256(body).hexdigest()}"
        sig = RequestValidator(TOKEN).compute_signature(url, {})
        headers = {"X-Twilio-Signature": sig, "Content-Type": "application/json"}
        r = httpx.post(url, content=body, headers=headers)
        assert r.status_code == 200, r.text
        assert etree.fromstring(r.content).findtext("Say") == "You pressed 5, calling from +14155550100."
        r = httpx.post(url, content=body + b" ", headers=headers)  # the body changed
        assert r.status_code == 403
        sig = RequestValidator(TOKEN).compute_signature(f"{base}/voice/menu", {})
        r = httpx.post(f"{base}/voice/menu", content=body, headers={**headers, "X-Twilio-Signature": sig})
        assert r.status_code == 403  # a JSON body the signature does not cover


def test_no_verify_serves_unsigned_requests(site: Path) -> None:
    with serving(App(site, verify=False)) as base:
        r = httpx.post(f"{base}/voice/menu", data=FIELDS)
    assert r.status_code == 200


def test_no_token_refuses_unless_verification_is_off(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("TWILIO_WEBHOOK_SHARED_KEY", raising=False)
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        App(site)
    assert App(site, verify=False).verify is False


def test_secrets_stay_out_of_the_repr(site: Path) -> None:
    app = App(site, auth_token=TOKEN, shared_key=SHARED)
    assert TOKEN not in repr(app) and SHARED not in repr(app)


# --- graceful failures ---------------------------------------------------------------------


def test_bad_value_answers_the_fallback_and_logs_the_code(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        r = signed_post(f"{base}/voice/menu", {**FIELDS, "Digits": "1#"})
        assert r.status_code == 200
        root = etree.fromstring(r.content)
        assert [e.tag for e in root] == ["Say", "Hangup"]
        assert check_xml(r.content) == []
        # a messaging template's fallback replies nothing
        r = signed_post(f"{base}/sms", {"MessageSid": "SM1", "Body": "bad \x01"})
        assert r.status_code == 200 and len(etree.fromstring(r.content)) == 0
    text = log_text(caplog)
    assert "error[TWL606]" in text and "'1#' is not digits" in text and "CA1234" in text
    assert "voice/menu.twl" in text


def test_missing_required_field_answers_the_fallback(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    with serving(App(site, auth_token=TOKEN)) as base:
        r = signed_post(f"{base}/voice/menu", {"CallSid": "CA77", "Digits": "1"})
    assert r.status_code == 200 and etree.fromstring(r.content).find("Hangup") is not None
    assert "parameter 'From' is required" in log_text(caplog)


def test_configurable_fallback(site: Path) -> None:
    app = App(site, auth_token=TOKEN, fallback='say "Sorry, try again later."\nredirect /\n')
    with serving(app) as base:
        r = signed_post(f"{base}/voice/menu", {**FIELDS, "From": "not a number"})
    root = etree.fromstring(r.content)
    assert root.findtext("Say") == "Sorry, try again later." and root.findtext("Redirect") == "/"
    with pytest.raises(twimlc.TwimlcError):
        App(site, auth_token=TOKEN, fallback="sya 'x'\n")


def test_empty_field_takes_the_default(tmp_path: Path) -> None:
    root = write(tmp_path, {"hi.twl": 'param CallerName string default=friend\nsay "Hello {{CallerName}}"\n'})
    with serving(App(root, verify=False)) as base:
        r = httpx.post(f"{base}/hi", data={"CallerName": ""})
        assert etree.fromstring(r.content).findtext("Say") == "Hello friend"
        r = httpx.post(f"{base}/hi", data={"CallerName": "Ann & <Bo>"})
        assert etree.fromstring(r.content).findtext("Say") == "Hello Ann & <Bo>"


def test_bodies_over_the_bound_get_413(site: Path) -> None:
    with serving(App(site, auth_token=TOKEN, max_body=1024)) as base:
        r = httpx.post(f"{base}/voice/menu", data={"Body": "x" * 2000})
        assert r.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(40):
                yield b"Body=" + b"x" * 100 + b"&"

        r = httpx.post(
            f"{base}/voice/menu", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert r.status_code == 413


def test_other_content_types_are_refused(site: Path) -> None:
    with serving(App(site, verify=False)) as base:
        r = httpx.post(f"{base}/voice/menu", content=b"x", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415


# --- checked at start, reloaded ------------------------------------------------------------


def test_refuses_to_start_listing_every_error(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "a.twl": 'say "x" loop=many\n',
            "b/c.twl": "gathr numDigits=1\n",
            "d.xml": "<Response><Sya>x</Sya></Response>\n",
            "e.twl": 'say "ok"\n',
            "healthz.twl": 'say "x"\n',
        },
    )
    with pytest.raises(twimlc.TwimlcError) as info:
        App(root, verify=False)
    codes = sorted((Path(d.path).name, d.code) for d in info.value.errors)
    assert codes == [("a.twl", "TWL202"), ("c.twl", "TWL101"), ("d.xml", "TWL101"), ("healthz.twl", "TWL801")]


def test_two_files_for_one_route_serve_the_first_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = write(tmp_path, {"menu.twiml": "<Response><Say>from XML</Say></Response>\n", "menu.twl": 'say "x"\n'})
    with serving(App(root, verify=False)) as base:
        r = httpx.post(base + "/menu")
    assert etree.fromstring(r.content).findtext("Say") == "from XML"  # the first in name order, as graph says
    text = log_text(caplog)
    assert "warning[TWL705]" in text and "menu.twl and " in text and "both answer /menu" in text


def _touch(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_reload_keeps_the_last_good_version(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = write(tmp_path, {"hello.twl": 'say "one"\n'})
    app = App(root, verify=False, reload=True, reload_interval=0)
    with serving(app) as base:

        def say(path: str = "/hello") -> str | None:
            r = httpx.post(base + path, data={})
            return etree.fromstring(r.content).findtext("Say") if r.status_code == 200 else str(r.status_code)

        assert say() == "one"
        _touch(root / "hello.twl", 'say "two"\n')
        assert say() == "two"
        _touch(root / "hello.twl", 'say "three" loop=many\n')
        assert say() == "two"  # broken: the last good version keeps serving
        assert say() == "two"
        _touch(root / "hello.twl", 'say "four"\n')
        assert say() == "four"
        _touch(root / "new.twl", 'say "new"\n')
        assert say("/new") == "new"
        (root / "new.twl").unlink()
        assert say("/new") == "404"
        _touch(root / "broken.twl", "gathr\n")
        assert say("/broken") == "404"
    text = log_text(caplog)
    assert text.count("hello.twl has errors; the last good version keeps serving") == 1  # logged once
    assert "error[TWL202]" in text and '1 | say "three" loop=many' in text
    assert "broken.twl has errors; it is not served" in text and "error[TWL101]" in text
    assert "removed /new" in text


def test_without_reload_changes_are_not_seen(tmp_path: Path) -> None:
    root = write(tmp_path, {"hello.twl": 'say "one"\n'})
    with serving(App(root, verify=False, reload_interval=0)) as base:
        _touch(root / "hello.twl", 'say "two"\n')
        assert b"one" in httpx.post(base + "/hello").content


# --- mounting ------------------------------------------------------------------------------


def test_mounted_in_fastapi(site: Path) -> None:
    fastapi = pytest.importorskip("fastapi")
    api = fastapi.FastAPI()

    @api.get("/status")
    def status() -> dict[str, str]:
        return {"ok": "yes"}

    api.mount("/twiml", App(site, auth_token=TOKEN))
    with serving(api) as base:
        assert httpx.get(base + "/status").json() == {"ok": "yes"}
        r = signed_post(f"{base}/twiml/voice/menu", FIELDS)
        assert r.status_code == 200, r.text
        assert b"You pressed 42" in r.content
        # the signature covers the full URL, mount prefix included
        r = signed_post(f"{base}/twiml/voice/menu", FIELDS, signed_url=f"{base}/voice/menu")
        assert r.status_code == 403
        assert httpx.get(base + "/twiml/healthz").status_code == 200


def test_root_path_under_uvicorn(site: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(App(site, auth_token=TOKEN), root_path="/hooks", log_config=None, proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        base = f"http://127.0.0.1:{port}"
        # a proxy stripped /hooks: Twilio signed the URL with it
        r = signed_post(f"{base}/voice/menu", FIELDS, signed_url=f"{base}/hooks/voice/menu")
        assert r.status_code == 200, r.text
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@settings(derandomize=True, max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab=&+%2041éZ;"), max_size=40))
def test_form_parsing_equals_parse_qsl(text: str) -> None:
    from urllib.parse import parse_qsl

    from twimlc.serve import parse_form

    assert parse_form(text) == parse_qsl(text, keep_blank_values=True)
