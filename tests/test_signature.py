"""Webhook signatures, with twilio-python's RequestValidator as the oracle (both
algorithms), and the reason a check fails, without ever showing a secret."""

from __future__ import annotations

import json

import pytest
from twilio.request_validator import RequestValidator

from twimlc.signature import HMAC_SHA1, HMAC_SHA256, algorithm_of, body_hash, sign, verify

TOKEN = "12345678901234567890123456789012"
SHARED = "whsk_0123456789abcdef0123456789abcdef"
URL = "https://mycompany.example.com/voice/menu?foo=1&bar=2"
PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675310"), ("Digits", "1234"), ("From", "+14158675310")]


@pytest.mark.parametrize("algorithm", [HMAC_SHA1, HMAC_SHA256])
@pytest.mark.parametrize(
    "url",
    [URL, "https://mycompany.example.com:443/voice", "http://127.0.0.1:8000/x", "https://h.example.com/é?q=ü"],
)
def test_signatures_equal_twilio_python(algorithm: str, url: str) -> None:
    secret = SHARED if algorithm == HMAC_SHA256 else TOKEN
    oracle = RequestValidator(secret)
    params = [*PARAMS, ("Repeated", "b"), ("Repeated", "a"), ("Repeated", "a")]
    multi: dict[str, list[str]] = {}
    for k, v in params:
        multi.setdefault(k, []).append(v)

    class MultiDict(dict):  # type: ignore[type-arg]
        def getall(self, name: str) -> list[str]:
            return multi[name]

    ours = sign(secret, url, params, algorithm)
    assert ours == oracle.compute_signature(url, MultiDict(multi), algorithm)
    settings = f"key=KS123,algorithm={algorithm}" if algorithm == HMAC_SHA256 else None
    verdict = verify(url, params, ours, token=TOKEN, shared_key=SHARED, settings_header=settings)
    assert verdict.ok
    assert oracle.validate(url, MultiDict(multi), ours, algorithm)


def test_the_default_port_is_accepted_both_ways() -> None:
    with_port = "https://mycompany.example.com:443/voice"
    without = "https://mycompany.example.com/voice"
    assert verify(without, PARAMS, sign(TOKEN, with_port, PARAMS), token=TOKEN).ok
    assert verify(with_port, PARAMS, sign(TOKEN, without, PARAMS), token=TOKEN).ok


def test_json_bodies_are_covered_by_body_sha256() -> None:
    body = json.dumps({"a": 1}).encode()
    url = f"https://example.com/hook?bodySHA256={body_hash(body)}"
    signature = sign(TOKEN, url)
    assert verify(url, [], signature, token=TOKEN, body=body).ok
    assert RequestValidator(TOKEN).validate(url, body.decode(), signature)
    bad = verify(url, [], signature, token=TOKEN, body=body + b" ")
    assert not bad.ok and "bodySHA256" in bad.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"signature": None}, "no X-Twilio-Signature"),
        ({"token": "wrong" * 6}, "signature does not match"),
        ({"params": [*PARAMS[:-1], ("From", "+10000000000")]}, "signature does not match"),
        ({"url": URL.replace("https", "http")}, "https://"),
        ({"url": "http://127.0.0.1:8000/voice/menu?foo=1&bar=2"}, "--public-url"),
        ({"settings": "key=KS1,algorithm=HMAC_SHA256", "shared": None}, "TWILIO_WEBHOOK_SHARED_KEY"),
        ({"settings": "key=KS1,algorithm=HMAC_SHA512"}, "unsupported"),
    ],
)
def test_failures_say_why_and_never_show_a_secret(change: dict[str, object], reason: str) -> None:
    signature = sign(TOKEN, URL, PARAMS)
    args: dict[str, object] = {
        "url": URL,
        "params": PARAMS,
        "signature": signature,
        "token": TOKEN,
        "shared": SHARED,
        "settings": None,
    }
    args.update(change)
    verdict = verify(
        str(args["url"]),
        args["params"],  # type: ignore[arg-type]
        args["signature"],  # type: ignore[arg-type]
        token=args["token"],  # type: ignore[arg-type]
        shared_key=args["shared"],  # type: ignore[arg-type]
        settings_header=args["settings"],  # type: ignore[arg-type]
    )
    assert not verdict.ok
    text = f"{verdict.reason} {verdict.cause} {verdict!r}"
    assert reason in text
    for secret in (TOKEN, SHARED, signature, sign(TOKEN, URL.replace("https", "http"), PARAMS)):
        assert secret not in text


def test_algorithm_of() -> None:
    assert algorithm_of(None) == HMAC_SHA1
    assert algorithm_of("key=KS1,algorithm=HMAC_SHA256") == HMAC_SHA256
    assert algorithm_of(" key = KS1 , algorithm = hmac_sha256 ") == HMAC_SHA256
    assert algorithm_of("key=KS1") == HMAC_SHA1
