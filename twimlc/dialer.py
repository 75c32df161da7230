"""Place a call with the Calls API, using TwiML twimlc has checked.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Calls.json``, form-encoded, HTTP basic
auth, with ``To``, ``From`` and ``Twiml`` (the checked document) or ``Url``.

Creating a call is not idempotent: a retry after the server may have received the request
can ring someone twice. So the only retries are after HTTP 429 (Twilio never processes
those; ``Retry-After`` honoured, bounded) and after a connection that failed before the
request was sent. A timeout or a dropped connection once the request was written ends
with a message that the call may or may not have been placed, and how to check.

Secrets (auth token, API secret) never appear in output, logs, exceptions or reprs.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .vocabulary import E164, suggest

if TYPE_CHECKING:
    import httpx

    from .ast import Document

DEFAULT_BASE = "https://api.twilio.com"
DEFAULT_TIMEOUT = 15.0
MAX_429_RETRIES = 3
MAX_RETRY_AFTER = 30.0
MAX_CONNECT_RETRIES = 2
INLINE_LIMIT = 4000

# Calls API parameters other than To, From, Twiml and Url (twiml-spec.md §8).
CALL_OPTIONS = (
    "ApplicationSid", "AsyncAmd", "AsyncAmdStatusCallback", "AsyncAmdStatusCallbackMethod", "Byoc", "CallReason",
    "CallToken", "CallerId", "ClientNotificationUrl", "FallbackMethod", "FallbackUrl", "MachineDetection",
    "MachineDetectionSilenceTimeout", "MachineDetectionSpeechEndThreshold", "MachineDetectionSpeechThreshold",
    "MachineDetectionTimeout", "Method", "Passports", "Record", "RecordingChannels", "RecordingConfigurationId",
    "RecordingStatusCallback", "RecordingStatusCallbackEvent", "RecordingStatusCallbackMethod", "RecordingTrack",
    "SendDigits", "SipAuthPassword", "SipAuthUsername", "StatusCallback", "StatusCallbackEvent",
    "StatusCallbackMethod", "TimeLimit", "Timeout", "Trim",
)  # fmt: skip
REPEATED_OPTIONS = {"StatusCallbackEvent"}  # one form field per event
SECRET_OPTIONS = {"SipAuthPassword"}

# What to do about Twilio's common errors.
HINTS = {
    20003: "authentication failed: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)",
    20404: "the account or resource was not found: check TWILIO_ACCOUNT_SID",
    20429: "too many requests: wait and try again",
    21210: "'From' must be a Twilio number of this account or a verified caller ID",
    21212: "'From' must be a Twilio number of this account or a verified caller ID",
    21211: "'To' is not a valid phone number: write it in E.164, e.g. +14155550100",
    21214: "'To' cannot be reached: check the number, or try another",
    21215: "your account's geographic permissions do not allow calling this country (Console: Voice > Settings > Geo permissions)",
    21219: "trial accounts can only call verified numbers: verify 'To' in the Console, or upgrade the account",
    21205: "the Url is not a valid URL",
    32018: "inline TwiML is over 4,000 characters: host it and pass --url",
}

# Final call statuses and the exit code each gives the CLI.
FINAL_STATUSES = {"completed": 0, "busy": 3, "no-answer": 4, "canceled": 5, "failed": 6}

_CLIENT = re.compile(r"^client:[A-Za-z0-9_.@\-]{1,121}$")
_SIP = re.compile(r"^sips?:[^\s@]+@[^\s]+$", re.I)


class DialError(Exception):
    """A call that was not placed (or may not have been). ``status`` is the HTTP status,
    ``code``/``message``/``more_info`` are Twilio's error fields when it sent them."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        more_info: str | None = None,
        hint: str | None = None,
        maybe_placed: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.more_info = more_info
        self.hint = hint
        self.maybe_placed = maybe_placed

    def __str__(self) -> str:
        parts = [f"Twilio error {self.code}: {self.message}" if self.code else self.message]
        if self.more_info:
            parts.append(f"more: {self.more_info}")
        if self.hint:
            parts.append(f"help: {self.hint}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Credentials:
    """Who places the call. ``repr`` and ``str`` never show the secret."""

    account_sid: str
    username: str  # the account SID, or an API key SID
    secret: str = field(repr=False)

    def __str__(self) -> str:
        return f"Credentials(account_sid={self.account_sid!r}, username={self.username!r}, secret=<redacted>)"

    __repr__ = __str__

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Credentials:
        """Read credentials as Twilio's own tools do: TWILIO_ACCOUNT_SID with
        TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID."""
        env = os.environ if env is None else env
        sid = env.get("TWILIO_ACCOUNT_SID", "")
        key, key_secret = env.get("TWILIO_API_KEY", ""), env.get("TWILIO_API_SECRET", "")
        token = env.get("TWILIO_AUTH_TOKEN", "")
        if sid and key and key_secret:
            return Credentials(sid, key, key_secret)
        if sid and token:
            return Credentials(sid, sid, token)
        missing = [n for n, v in (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token)) if not v]
        raise DialError(
            "missing Twilio credentials: set " + " and ".join(missing),
            hint="or TWILIO_API_KEY and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID",
        )


@dataclass(frozen=True)
class Call:
    """A call resource, as the API returned it."""

    sid: str
    status: str
    to: str | None
    from_: str | None
    resource: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Request:
    """The request ``dial`` sends (``--dry-run`` prints it)."""

    method: str
    url: str
    form: list[tuple[str, str]]
    username: str

    def describe(self) -> str:
        lines = [
            f"{self.method} {self.url}",
            f"Authorization: Basic {self.username}:<redacted>",
            "Content-Type: application/x-www-form-urlencoded",
            "",
        ]
        for k, v in self.form:
            shown = "<redacted>" if k in SECRET_OPTIONS else v
            lines.append(f"{k}={shown}" if "\n" not in shown else f"{k}=<<EOF\n{shown.rstrip()}\nEOF")
        return "\n".join(lines)


def base_url(env: Mapping[str, str] | None = None, override: str | None = None) -> str:
    """``--base-url``/``TWIMLC_API_BASE``, else Twilio's host for TWILIO_REGION and
    TWILIO_EDGE as the SDKs build it (``api.{edge}.{region}.twilio.com``; an edge alone
    implies region us1)."""
    env = os.environ if env is None else env
    chosen = override or env.get("TWIMLC_API_BASE")
    if chosen:
        return chosen.rstrip("/")
    region, edge = env.get("TWILIO_REGION", ""), env.get("TWILIO_EDGE", "")
    if not region and not edge:
        return DEFAULT_BASE
    region = region or "us1"
    return "https://" + ".".join(p for p in ("api", edge, region, "twilio.com") if p)


def check_number(value: str, what: str, allow_client: bool = True) -> None:
    """E.164 (a number that can exist), ``client:NAME`` or a SIP URI."""
    if E164.match(value):
        import phonenumbers

        try:
            ok = phonenumbers.is_possible_number(phonenumbers.parse(value, None))
        except phonenumbers.NumberParseException:
            ok = False
        if ok:
            return
        raise DialError(f"{what} {value!r} is not a possible phone number", hint="check the country code and length")
    if allow_client and (_CLIENT.match(value) or _SIP.match(value)):
        return
    raise DialError(
        f"{what} {value!r} is not an E.164 phone number" + (", client:NAME or a SIP URI" if allow_client else ""),
        hint="write + country code and number, e.g. +14155550100",
    )


def parse_options(pairs: list[str] | Mapping[str, str]) -> list[tuple[str, str]]:
    """``NAME=VALUE`` call options, names checked against the documented list."""
    items = list(pairs.items()) if isinstance(pairs, Mapping) else [_split_option(p) for p in pairs]
    out: list[tuple[str, str]] = []
    for name, value in items:
        if name not in CALL_OPTIONS:
            near = suggest(name, CALL_OPTIONS)
            raise DialError(
                f"unknown call option {name!r}",
                hint=f"did you mean {near!r}?" if near else "see the Calls API parameters",
            )
        if name in REPEATED_OPTIONS:
            out.extend((name, v) for v in value.replace(",", " ").split())
        else:
            out.append((name, value))
    return out


def _split_option(pair: str) -> tuple[str, str]:
    if "=" not in pair:
        raise DialError(f"call option {pair!r} is not NAME=VALUE")
    name, value = pair.split("=", 1)
    return name.strip(), value


def build_request(
    twiml: str | None,
    *,
    to: str,
    from_: str,
    url: str | None,
    options: list[tuple[str, str]],
    credentials: Credentials,
    base: str,
) -> Request:
    check_number(to, "--to")
    check_number(from_, "--from", allow_client=to.startswith(("client:", "sip:", "sips:")))
    form = [("To", to), ("From", from_)]
    if url:
        form.append(("Url", url))
    else:
        assert twiml is not None
        if len(twiml) > INLINE_LIMIT:
            raise DialError(
                f"the TwiML is {len(twiml):,} characters; the Calls API takes at most {INLINE_LIMIT:,} inline (32018)",
                hint="host the document and pass its address with --url",
            )
        form.append(("Twiml", twiml))
    form.extend(options)
    return Request(
        "POST", f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Calls.json", form, credentials.username
    )


def _twilio_error(response: httpx.Response) -> DialError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    more = body.get("more_info") if isinstance(body, dict) else None
    if not message:
        message = f"the API answered HTTP {response.status_code}"
    hint = HINTS.get(code) if isinstance(code, int) else None
    if hint is None and response.status_code == 401:
        hint = HINTS[20003]
    maybe = response.status_code >= 500
    if maybe:
        hint = (hint + "; " if hint else "") + _CHECK_HINT
    return DialError(
        message,
        status=response.status_code,
        code=code if isinstance(code, int) else None,
        more_info=more,
        hint=hint,
        maybe_placed=maybe,
    )


_CHECK_HINT = "the call may or may not have been placed: check the call log (Console > Monitor > Calls, or GET …/Calls.json) before trying again"


def send(
    request: Request, credentials: Credentials, client: httpx.Client, sleep: Callable[[float], None] = time.sleep
) -> Call:
    """Send the create-call request once, retrying only where no call can have been made."""
    import httpx

    attempts_429 = attempts_connect = 0
    while True:
        try:
            response = client.post(
                request.url, data=_form(request.form), auth=(credentials.username, credentials.secret)
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            # the connection never opened: nothing was sent
            attempts_connect += 1
            if attempts_connect > MAX_CONNECT_RETRIES:
                raise DialError(
                    f"could not connect to {httpx.URL(request.url).host}: {type(e).__name__}; no call was placed"
                ) from None
            sleep(0.5 * attempts_connect)
            continue
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
            raise DialError(
                f"no answer from the API ({type(e).__name__}) after the request was sent",
                hint=_CHECK_HINT,
                maybe_placed=True,
            ) from None
        if response.status_code == 429 and attempts_429 < MAX_429_RETRIES:
            attempts_429 += 1
            sleep(_retry_after(response, attempts_429))
            continue
        if response.status_code >= 400:
            raise _twilio_error(response)
        try:
            resource = response.json()
            return Call(resource["sid"], resource.get("status", ""), resource.get("to"), resource.get("from"), resource)
        except (ValueError, KeyError, TypeError):
            raise DialError(
                f"the API answered HTTP {response.status_code} without a call resource",
                hint=_CHECK_HINT,
                maybe_placed=True,
            ) from None


def _form(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form fields for httpx: a repeated field becomes a list (sent once per value)."""
    out: dict[str, str | list[str]] = {}
    for k, v in pairs:
        if k in out:
            prev = out[k]
            out[k] = [*prev, v] if isinstance(prev, list) else [prev, v]
        else:
            out[k] = v
    return out


def _retry_after(response: httpx.Response, attempt: int) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        seconds = float(2 ** (attempt - 1))
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def fetch(call_sid: str, credentials: Credentials, client: httpx.Client, base: str) -> Call:
    """The call's current resource (GET is safe to retry)."""
    import httpx

    url = f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Calls/{call_sid}.json"
    for attempt in range(3):
        try:
            response = client.get(url, auth=(credentials.username, credentials.secret))
        except httpx.HTTPError as e:
            if attempt == 2:
                raise DialError(f"could not read the call's status: {type(e).__name__}") from None
            continue
        if response.status_code >= 400:
            raise _twilio_error(response)
        resource = response.json()
        return Call(resource["sid"], resource.get("status", ""), resource.get("to"), resource.get("from"), resource)
    raise DialError("could not read the call's status")  # pragma: no cover - loop always returns or raises


def wait(
    call: Call,
    credentials: Credentials,
    client: httpx.Client,
    base: str,
    on_status: Callable[[Call], None] | None = None,
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Call:
    """Poll the call until it reaches a final status."""
    current = call
    while current.status not in FINAL_STATUSES:
        sleep(interval)
        current = fetch(call.sid, credentials, client, base)
        if on_status:
            on_status(current)
    return current


def twiml_for(
    source_or_document: str | Document, filename: str = "<string>", params: Mapping[str, Any] | None = None
) -> str:
    """Checked TwiML for a ``.twl`` source, a TwiML XML string, or a Document; raises
    :class:`~twimlc.diagnostics.TwimlcError` (nothing is sent) on any error."""
    from .ast import Document
    from .diagnostics import TwimlcError

    if isinstance(source_or_document, Document):
        from .generator import generate
        from .validate import validate

        problems = [d for d in validate(source_or_document, filename) if d.is_error]
        if problems:
            raise TwimlcError(problems)
        return generate(source_or_document)
    text = source_or_document
    if text.lstrip().startswith("<"):
        from .checker import check_xml

        problems = [d for d in check_xml(text.encode("utf-8"), filename) or [] if d.is_error]
        if problems:
            raise TwimlcError(problems)
        return text
    from .checker import check_twl
    from .compiler import compile

    problems = [d for d in check_twl(text, filename) if d.is_error]
    if problems:
        raise TwimlcError(problems)
    return compile(text, filename, params)


def dial(
    source_or_document: str | Document | None,
    *,
    to: str,
    from_: str,
    url: str | None = None,
    call_options: Mapping[str, str] | list[str] | None = None,
    client: httpx.Client | None = None,
    credentials: Credentials | None = None,
    base: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    filename: str = "<string>",
    params: Mapping[str, Any] | None = None,
) -> Call:
    """Place a call. The document (``.twl`` source, TwiML XML or a Document) is checked
    and sent inline as ``Twiml``, unless ``url`` is given. Bring your own ``httpx.Client``
    for custom transports. Raises :class:`DialError` or ``TwimlcError``."""
    import httpx

    twiml = None if url else twiml_for(source_or_document if source_or_document is not None else "", filename, params)
    creds = credentials or Credentials.from_env(env)
    request = build_request(
        twiml,
        to=to,
        from_=from_,
        url=url,
        options=parse_options(call_options or []),
        credentials=creds,
        base=base_url(env, base),
    )
    if client is not None:
        return send(request, creds, client)
    with httpx.Client(timeout=httpx.Timeout(timeout)) as own:
        return send(request, creds, own)
