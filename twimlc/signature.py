"""Twilio's webhook signatures: computing them (``twimlc invoke`` signs as Twilio does)
and verifying them (``twimlc serve``), with the reason a check failed, in words.

``X-Twilio-Signature`` is the base64 HMAC of the full URL Twilio requested followed, for a
form POST, by every parameter name and value in sorted order (each distinct value of a
repeated name). The key is the account's auth token (HMAC-SHA1), or the webhook SharedKey
secret when the request carries ``X-Twilio-Webhooks-Signature-Settings:
key=…,algorithm=HMAC_SHA256``. The URL is accepted with and without its default port.
A JSON body is covered by ``bodySHA256`` in the query instead. This is twilio-python 9.13's
``RequestValidator`` (its tests are the oracle), plus the explanation. Secrets and the
expected signature never appear in a result or a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"
_HASHES = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}


def algorithm_of(settings_header: str | None) -> str:
    """The algorithm named by ``X-Twilio-Webhooks-Signature-Settings`` (HMAC_SHA1 without
    one), upper-cased; an unknown name is returned as it is (and never verifies)."""
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return HMAC_SHA1


def signed_string(url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """What Twilio signs: the URL, then each name+value, names sorted, each name's distinct values sorted."""
    return url + _params_string(params)


def _params_string(params: Iterable[tuple[str, str]]) -> str:
    # distinct (name, value) pairs sorted: names in order, each name's values in order
    return "".join(name + value for name, value in sorted(set(params)))


def sign(secret: str, url: str, params: Iterable[tuple[str, str]] = (), algorithm: str = HMAC_SHA1) -> str:
    """The signature Twilio would send for this request."""
    return _mac(secret, signed_string(url, params), algorithm)


def _mac(secret: str, text: str, algorithm: str) -> str:
    digest = hmac.digest(secret.encode("utf-8"), text.encode("utf-8"), _HASHES[algorithm])
    return base64.b64encode(digest).decode("ascii")


@lru_cache(maxsize=256)  # a server sees the same few URLs again and again
def url_variants(url: str) -> tuple[str, str]:
    """The URL without its port and with the scheme's default port (Twilio signs either)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a number: leave the URL as it is
        return url, url
    if port is not None:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])), url
    default = 443 if parts.scheme == "https" else 80
    return url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}"))


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a check: ``ok``, and when not, ``reason`` (what failed, in words)
    and ``cause`` (the likely cause). ``url`` is the URL the check used (it is public)."""

    ok: bool
    algorithm: str
    url: str
    names: tuple[str, ...]
    reason: str = ""
    cause: str = ""


def verify(
    url: str,
    params: Iterable[tuple[str, str]],
    signature: str | None,
    *,
    token: str | None,
    shared_key: str | None = None,
    settings_header: str | None = None,
    body: bytes | None = None,
    public_url: str | None = None,
    provider: str = "twilio",
) -> Verdict:
    """Check a request as Twilio signed it. ``params`` are the form parameters (empty for
    GET and for JSON, whose ``body`` is checked against ``bodySHA256`` in the URL).
    ``public_url``: the configured base ``url`` was built from, named in the likely cause.
    ``provider``: who signed it (``"signalwire"`` signs as Twilio does, with its Signing
    Key), named in the likely cause with that provider's advice."""
    pairs = list(params)
    algorithm = algorithm_of(settings_header)
    names = tuple(sorted({n for n, _ in pairs}))

    def fail(reason: str, cause: str = "") -> Verdict:
        return Verdict(False, algorithm, url, names, reason, cause)

    if not signature:
        return fail(
            f"the request has no {SIGNATURE_HEADER} header",
            "it did not come from Twilio (or a proxy dropped the header)",
        )
    if algorithm not in _HASHES:
        return fail(f"unsupported signature algorithm {algorithm!r}", "twimlc knows HMAC_SHA1 and HMAC_SHA256")
    secret = shared_key if algorithm == HMAC_SHA256 else token
    if not secret:
        if algorithm == HMAC_SHA256:
            return fail(
                "the request is signed with HMAC-SHA256 and a webhook SharedKey, but no shared key is configured",
                "set TWILIO_WEBHOOK_SHARED_KEY to the SharedKey secret",
            )
        return fail("no auth token is configured", "set TWILIO_AUTH_TOKEN")
    query = parse_qs(urlsplit(url).query) if body is not None else {}
    if "bodySHA256" in query and body is not None:
        if not hmac.compare_digest(body_hash(body), query["bodySHA256"][0]):
            return fail("the body does not match the bodySHA256 in the URL", "the body was changed on the way")
        pairs = []
    suffix = _params_string(pairs)  # the same for both URLs: built once (serve verifies every request)
    candidates = [_mac(secret, u + suffix, algorithm) for u in url_variants(url)]
    if any(hmac.compare_digest(c.encode("ascii"), signature.encode("utf-8", "replace")) for c in candidates):
        return Verdict(True, algorithm, url, names)
    return fail(
        f"the {algorithm} signature does not match the URL and parameters",
        _likely_cause(url, algorithm, public_url, provider),
    )


# Who signs, as messages name them, and which secret a mismatch may mean.
SIGNERS = {"twilio": "Twilio", "signalwire": "SignalWire"}
WRONG_SECRET = {
    "twilio": "or the token is not this account's (a subaccount's, or rotated)",
    "signalwire": "or the key is not this project's Signing Key (SIGNALWIRE_SIGNING_KEY, from the Dashboard's "
    "API page; SIGNALWIRE_TOKEN only where the project signs with its API token), or it was rotated",
}


def _likely_cause(url: str, algorithm: str = HMAC_SHA1, public_url: str | None = None, provider: str = "twilio") -> str:
    """The likely causes of a mismatch, as one sentence: the request was signed for
    another URL (why, when it can be told), or with another secret."""
    parts = urlsplit(url)
    who = SIGNERS.get(provider, "Twilio")
    hints = []
    if public_url is not None:
        hints.append(
            f"the request was signed for another URL than {url}: with --public-url {public_url}, {who} must "
            f"have requested exactly {public_url} followed by the path and query (check the webhook URL "
            f"configured in {who})"
        )
    else:
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            hints.append(f"{who} may have requested https:// (TLS ended at a proxy: give --public-url https://…)")
        if parts.hostname in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
            hints.append(
                f"the URL is the local address, not the one {who} requested: give --public-url with your public "
                "(tunnel) URL, or --trust-proxy behind a proxy that sets X-Forwarded-Proto/Host"
            )
        if parts.port is not None:
            hints.append(f"the port :{parts.port} may differ from what {who} requested")
        if not hints:
            hints.append(f"the request may have been signed for another URL than {url} ({who} signs the exact URL)")
    if algorithm == HMAC_SHA256:
        hints.append("or the webhook shared key is not this account's (a subaccount's, or rotated)")
    else:
        hints.append(WRONG_SECRET.get(provider, WRONG_SECRET["twilio"]))
    return "; ".join(hints)


# --- SignalWire and Telnyx ------------------------------------------------------------------

# SignalWire signs cXML webhooks as Twilio does (HMAC-SHA1 of the URL and the sorted form
# parameters, base64) in X-SignalWire-Signature, and keeps X-Twilio-Signature as an alias;
# the key is the project's Signing Key (https://developer.signalwire.com/guides/webhook-security;
# https://signalwire.com/docs/server-sdks/reference/python/core/security).
SIGNALWIRE_HEADER = "X-SignalWire-Signature"

# Telnyx signs each webhook, TeXML's form-encoded ones included, with Ed25519 over
# "{telnyx-timestamp}|{raw body}": the base64 signature in telnyx-signature-ed25519, Unix
# seconds in telnyx-timestamp, checked with the account's public key (Mission Control >
# Keys & Credentials > Public Key), rejecting timestamps outside a replay window
# (https://developers.telnyx.com/docs/development/api-fundamentals/webhooks;
# https://developers.telnyx.com/api-reference/callbacks/texml-http-request).
TELNYX_SIGNATURE_HEADER = "telnyx-signature-ed25519"
TELNYX_TIMESTAMP_HEADER = "telnyx-timestamp"
TELNYX_TOLERANCE = 300  # seconds either way: Telnyx's SDKs' default replay window
ED25519 = "Ed25519"
MAX_TIMESTAMP_DIGITS = 11  # Unix seconds up to the year 5138


def telnyx_public_key(text: str) -> Any:
    """The Ed25519 public key from TELNYX_PUBLIC_KEY (base64 of the 32 raw bytes, as Mission
    Control shows it). Needs ``cryptography`` (``pip install 'twimlc[telnyx]'``); raises
    ImportError without it and ValueError for a value that is not such a key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError("TELNYX_PUBLIC_KEY is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"TELNYX_PUBLIC_KEY is {len(raw)} bytes; an Ed25519 public key is 32")
    return Ed25519PublicKey.from_public_bytes(raw)


def telnyx_private_key(text: str) -> Any:
    """An Ed25519 private key from TELNYX_PRIVATE_KEY (base64 of the 32 raw bytes), for
    signing test requests as Telnyx would (``twimlc invoke --provider telnyx``): Telnyx
    never hands out its own private key, so this is a test pair whose public half the
    server is given as TELNYX_PUBLIC_KEY. Raises ImportError without ``cryptography`` and
    ValueError (never showing the key) for a value that is not such a key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError("TELNYX_PRIVATE_KEY is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"TELNYX_PRIVATE_KEY is {len(raw)} bytes; an Ed25519 private key is 32")
    return Ed25519PrivateKey.from_private_bytes(raw)


def telnyx_sign(private_key: Any, timestamp: str, body: bytes) -> str:
    """The signature Telnyx would send (for tests and ``invoke``): base64 Ed25519."""
    return base64.b64encode(private_key.sign(timestamp.encode("ascii") + b"|" + body)).decode("ascii")


def verify_telnyx(
    url: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    public_key: Any,
    now: float | None = None,
    tolerance: int = TELNYX_TOLERANCE,
    names: tuple[str, ...] = (),
) -> Verdict:
    """Check a request as Telnyx signed it: the timestamp inside the replay window, then
    Ed25519 over ``timestamp|body`` with the account's public key."""
    import time

    from cryptography.exceptions import InvalidSignature

    def fail(reason: str, cause: str = "") -> Verdict:
        return Verdict(False, ED25519, url, names, reason, cause)

    if not signature or not timestamp:
        missing = TELNYX_SIGNATURE_HEADER if not signature else TELNYX_TIMESTAMP_HEADER
        return fail(
            f"the request has no {missing} header", "it did not come from Telnyx (or a proxy dropped the header)"
        )
    stamp = timestamp.strip()
    # ASCII digits only (str.isdigit() takes "²", which int() refuses), and no more of them than
    # a time this side of the year 5000 has (a longer one overflows float arithmetic)
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_TIMESTAMP_DIGITS):
        return fail(f"the {TELNYX_TIMESTAMP_HEADER} header is not Unix seconds", "it did not come from Telnyx")
    age = (time.time() if now is None else now) - int(stamp)
    if abs(age) > tolerance:
        when = f"{int(age)} s old" if age > 0 else f"{int(-age)} s in the future"
        return fail(
            f"the {TELNYX_TIMESTAMP_HEADER} is {when}; twimlc accepts {tolerance} s either way (replay window)",
            "a replayed request, or this machine's clock is wrong (check NTP)",
        )
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        public_key.verify(raw, timestamp.strip().encode("ascii") + b"|" + body)
    except (ValueError, InvalidSignature):
        return fail(
            "the Ed25519 signature does not match the timestamp and body",
            "the body was changed on the way, or TELNYX_PUBLIC_KEY is not this account's public key",
        )
    return Verdict(True, ED25519, url, names)
