"""The README's webhook examples answer a Twilio-style request with valid TwiML."""

from __future__ import annotations

import importlib.util
import logging
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from lxml import etree

from twimlc.api import check_xml

FORM = {"CallSid": "CA123", "From": "+14155550100", "CallerName": "Ann & <Bo>"}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_answer(body: bytes) -> None:
    assert check_xml(body) == []
    root = etree.fromstring(body)
    assert root.find("Say").text == "Hello Ann & <Bo>, thanks for calling."
    assert root.find("Gather").get("action") == "/menu?call=CA123"


def test_flask_example() -> None:
    pytest.importorskip("flask")
    client = _load("webhook_flask").app.test_client()
    r = client.post("/voice", data=FORM)
    assert r.status_code == 200 and r.mimetype == "text/xml"
    _assert_answer(r.data)


def test_fastapi_example() -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("multipart")
    from fastapi.testclient import TestClient

    client = TestClient(_load("webhook_fastapi").app)
    r = client.post("/voice", data=FORM)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    _assert_answer(r.content)


# Hostile or broken requests: each must get valid TwiML (never an HTTP 500), and a log line.
URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}
HOSTILE: dict[str, tuple[dict[str, Any], bool]] = {  # request, whether the fallback answers it
    "control characters": ({"data": {"CallSid": "CA1", "CallerName": "Ann\x07\x1b[31m\x00"}}, True),
    "a huge name": ({"data": {"CallSid": "CA1", "CallerName": "A" * 100_000}}, True),
    "a huge call id": ({"data": {"CallSid": "C" * 70_000, "CallerName": "Ann"}}, True),
    "a newline": ({"data": {"CallSid": "CA1", "CallerName": "Ann\nBo\r\n"}}, False),
    "invalid percent-encoded UTF-8": (
        {"content": b"CallSid=CA1&CallerName=%FF%FEAnn%ED%A0%80", "headers": URLENCODED},
        False,
    ),
    "raw non-UTF-8 bytes": ({"content": b"CallSid=CA1&CallerName=\xff\xfeAnn", "headers": URLENCODED}, False),
    "a latin-1 charset": (
        {
            "content": b"CallSid=CA1&CallerName=Jos%E9",
            "headers": {"Content-Type": URLENCODED["Content-Type"] + "; charset=latin-1"},
        },
        False,
    ),
}


def _assert_valid(body: bytes) -> None:
    assert check_xml(body) == []
    root = etree.fromstring(body)
    assert [c.tag for c in root] == ["Say", "Gather", "Say", "Hangup"]


def _check_hostile(status: int, body: bytes, fallback: bool, caplog: pytest.LogCaptureFixture) -> None:
    assert status == 200
    _assert_valid(body)
    logged = [r for r in caplog.records if "fallback" in r.getMessage()]
    if fallback:
        (record,) = logged
        assert record.levelno == logging.WARNING and "TWL606" in record.getMessage()
        assert len(record.getMessage()) < 300 and "\x07" not in record.getMessage()
        assert b"Hello friend, thanks for calling." in body
    else:
        assert logged == []


@pytest.mark.parametrize("case", HOSTILE)
def test_flask_example_answers_hostile_requests(case: str, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("flask")
    request, fallback = HOSTILE[case]
    kwargs = dict(request)
    if "content" in kwargs:
        kwargs["data"] = kwargs.pop("content")
    client = _load("webhook_flask").app.test_client()
    r = client.post("/voice", **kwargs)
    _check_hostile(r.status_code, r.data, fallback, caplog)


@pytest.mark.parametrize("case", HOSTILE)
def test_fastapi_example_answers_hostile_requests(case: str, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("multipart")
    from fastapi.testclient import TestClient

    request, fallback = HOSTILE[case]
    client = TestClient(_load("webhook_fastapi").app)  # a server error would raise here
    r = client.post("/voice", **request)
    _check_hostile(r.status_code, r.content, fallback, caplog)


def test_fastapi_example_takes_only_text_values() -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("multipart")
    from fastapi.testclient import TestClient

    client = TestClient(_load("webhook_fastapi").app)
    r = client.post("/voice", data={"CallSid": "CA1"}, files={"CallerName": ("name.txt", b"Ann")})
    assert r.status_code == 200 and b"Hello friend, thanks for calling." in r.content
