"""The README's webhook examples answer a Twilio-style request with valid TwiML."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
from conftest import ROOT
from lxml import etree

from twimlc.checker import check_xml

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
