"""Live mode: ``simulate --url`` against real webhook apps on 127.0.0.1 (the README's Flask
and FastAPI examples, under werkzeug's server and uvicorn), with requests signed as Twilio
signs them: twilio-python's RequestValidator is the oracle."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT

from twimlc.simulate import Call, simulate

TOKEN = "0123456789abcdef0123456789abcdef"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def wsgi_server(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def asgi_server(app: Any) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def _check_greeting_call(call: Call, base: str) -> None:
    """The greeting template answers /voice; its Gather posts to /menu, which the example
    app answers from menu.twl with the key pressed."""
    assert call.requests[0].url == base + "/voice"
    assert call.heard == ["Hello Ann & <Bo>, thanks for calling.", "Press 1 for sales, 2 for support."]
    assert call.waiting == "gather"
    call.press("1")
    assert call.requests[-1].url == base + "/menu?call=CA00000000000000000000000000000001"
    assert call.requests[-1].params["Digits"] == "1"
    assert call.errors == []
    assert call.prompt.startswith("You pressed 1.") and call.waiting == "dial"


def test_flask_example_live() -> None:
    pytest.importorskip("flask")
    with wsgi_server(_load("webhook_flask").app) as base:
        call = Call.start(url=base, entry="/voice", params={"CallerName": "Ann & <Bo>"}, token=TOKEN)
        _check_greeting_call(call, base)


def test_fastapi_example_live() -> None:
    pytest.importorskip("fastapi")
    with asgi_server(_load("webhook_fastapi").app) as base:
        call = Call.start(url=base, entry="/voice", params={"CallerName": "Ann & <Bo>"}, token=TOKEN)
        _check_greeting_call(call, base)


def _verifying_app(seen: list[tuple[str, bool]]) -> Any:
    """A Flask app that checks every request with twilio-python's RequestValidator and
    answers a small IVR: / gathers into /next (POST), /next redirects by GET to /last."""
    from flask import Flask, Response, request
    from twilio.request_validator import RequestValidator

    app = Flask("verifying")
    validator = RequestValidator(TOKEN)

    def verified() -> bool:
        ok = validator.validate(request.url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", ""))
        seen.append((request.path, bool(ok)))
        return bool(ok)

    @app.route("/", methods=["POST"])
    def index() -> Response:
        if not verified():
            return Response("forbidden", status=403)
        return Response(
            '<Response><Gather action="next" numDigits="1"><Say>Press a key</Say></Gather></Response>',
            mimetype="text/xml",
        )

    @app.route("/next", methods=["POST"])
    def after() -> Response:
        if not verified():
            return Response("forbidden", status=403)
        digits = request.form["Digits"]
        return Response(
            f'<Response><Say>You pressed {digits}</Say><Redirect method="GET">last?x=1</Redirect></Response>',
            mimetype="text/xml",
        )

    @app.route("/last", methods=["GET"])
    def last() -> Response:
        if not verified():
            return Response("forbidden", status=403)
        assert request.args["CallSid"].startswith("CA") and request.args["x"] == "1"
        return Response("<Response><Sya>typo</Sya><Hangup/></Response>", mimetype="text/xml")

    return app


def test_requests_are_signed_as_twilio_signs_them() -> None:
    """POST form and GET query, each accepted by twilio-python's RequestValidator; the
    answered TwiML is checked, and its findings are reported at the step."""
    pytest.importorskip("flask")
    seen: list[tuple[str, bool]] = []
    with wsgi_server(_verifying_app(seen)) as base:
        call = simulate(url=base, inputs=["digits:4"], token=TOKEN)
    assert seen == [("/", True), ("/next", True), ("/last", True)]
    assert "You pressed 4" in call.heard
    assert call.requests[-1].method == "GET"
    codes = [d.code for d in call.diagnostics]
    assert "TWL101" in codes and all(d.path.startswith(base) for d in call.diagnostics)


def test_a_wrong_token_gets_403_explained() -> None:
    pytest.importorskip("flask")
    seen: list[tuple[str, bool]] = []
    with wsgi_server(_verifying_app(seen)) as base:
        call = Call.start(url=base, token="not-the-token")
    (d,) = call.errors
    assert d.code == "TWL707" and "403" in d.message and "TWILIO_AUTH_TOKEN" in (d.hint or "")
    assert seen == [("/", False)]


def test_cli_live_mode_never_prints_the_token() -> None:
    pytest.importorskip("flask")
    seen: list[tuple[str, bool]] = []
    with wsgi_server(_verifying_app(seen)) as base:
        env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN)
        r = subprocess.run(
            [sys.executable, "-m", "twimlc", "simulate", "--url", base, "--input", "digits:2", "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    assert r.returncode == 1, r.stderr  # the last answer has an unknown element (TWL101)
    assert TOKEN not in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert seen == [("/", True), ("/next", True), ("/last", True)]
    assert '"reason": "error"' in r.stdout  # Twilio fails on TwiML with errors (12200)


def test_unreachable_app_is_reported() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    call = Call.start(url=f"http://127.0.0.1:{port}", token=TOKEN)
    (d,) = call.errors
    assert d.code == "TWL707" and call.end_reason == "error"


@pytest.mark.parametrize(
    "steps",
    [
        [("press", "1"), ("dial_result", "busy")],
        [("silence",), ("silence",)],
        [("press", "3"), ("record",)],
        [("press", "2")],
    ],
    ids=["sales-busy", "silence-twice", "voicemail", "support"],
)
def test_live_against_serve_matches_the_offline_walk(steps: list[tuple[str, ...]]) -> None:
    """The same IVR folder walked offline and live against ``twimlc serve`` (signatures
    verified): serve answers what the files say, so both walks hear the same words, make
    the same requests (paths and parameters) and end the same way."""
    from twimlc.serve import App

    ivr = str(ROOT / "examples" / "ivr")

    def walk(call: Call) -> Call:
        for name, *args in steps:
            getattr(call, name)(*args)
        return call

    offline = walk(Call.start(ivr, entry="/incoming"))
    with asgi_server(App(ivr, auth_token=TOKEN)) as base:
        live = walk(Call.start(url=base, entry="/incoming", token=TOKEN))
    assert live.errors == offline.errors == []
    assert live.heard == offline.heard
    assert [r.url.removeprefix(base) for r in live.requests] == [r.url for r in offline.requests]
    assert [r.params for r in live.requests] == [r.params for r in offline.requests]
    assert live.end_reason == offline.end_reason
