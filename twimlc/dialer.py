"""Place a call with the Calls API, using TwiML twimlc has checked.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Calls.json``, form-encoded, HTTP basic
auth, with ``To``, ``From`` and ``Twiml`` (the checked document) or ``Url``.

Creating a call is not idempotent: a retry after the server may have received the request
can ring someone twice. So the only retries are after HTTP 429 (Twilio never processes
those; ``Retry-After`` honoured, at most 60 s waited in all: a longer wait stops at once)
and after a connection that failed before the request was sent. A timeout or a dropped
connection once the request was written ends with a message that the call may or may not
have been placed, and how to check.

Nothing is sent that cannot place the intended call: the document is judged as ``twimlc
check`` judges it, and must be voice TwiML with at least one verb (TWL507); it is sent
compact (no XML declaration, no indentation) and the 4,000-character limit is counted on
exactly that text (TWL506).

Secrets (auth token, API secret, credentials inside a URL) never appear in output, logs,
exceptions or reprs.

Other providers (``provider=``): SignalWire's Compatibility API takes the same request at
``https://{space}.signalwire.com/api/laml/2010-04-01/Accounts/{ProjectID}/Calls.json``,
basic auth with the project ID and API token ("Base URL" and "AccountSid vs ProjectID" in
https://developer.signalwire.com/rest/compatibility-api/overview; @signalwire/compatibility-api,
a fork of twilio-node, keeps twilio-node's ``/Accounts/{AccountSid}/Calls.json`` in
lib/rest/api/v2010/account/call.js). Telnyx's TeXML takes a JSON body with ``To``,
``From`` and ``Texml`` or ``Url`` at ``POST https://api.telnyx.com/v2/texml/calls/{connection_id}``,
``Authorization: Bearer {API key}``, and answers a flat call object (``call_sid``, ``status``)
(https://developers.telnyx.com/api-reference/texml-rest-commands/create-a-connection-scoped-texml-call).
The same retry policy and the same secret handling apply to both. Following a Telnyx call
(``--wait``) reads it by account: see :func:`fetch`.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .values import E164
from .vocabulary import suggest

if TYPE_CHECKING:
    import httpx

    from .ast import Document, Span
    from .diagnostics import Diagnostic
    from .dialect import Dialect

DEFAULT_BASE = "https://api.twilio.com"
TELNYX_BASE = "https://api.telnyx.com/v2"
PROVIDERS = ("twilio", "signalwire", "telnyx")
TITLES = {"twilio": "Twilio", "signalwire": "SignalWire", "telnyx": "Telnyx"}
# The connection-scoped TeXML call documents Method besides To, From, Texml and Url.
TELNYX_OPTIONS = ("Method",)
_SPACE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DEFAULT_TIMEOUT = 15.0
MAX_429_RETRIES = 3
MAX_RETRY_WAIT = 60.0  # seconds waited on 429 answers, in all
MAX_SECONDS = 3600.0  # the largest --timeout and --interval
MAX_CONNECT_RETRIES = 2
INLINE_LIMIT = 4000
# Telnyx's "Fetch a call" is eventually consistent: a call just created may not be found for
# a moment. Polls answered 404 before the call was first seen, at most (then an error).
TELNYX_NOT_FOUND_POLLS = 3
_TELNYX_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")  # whole IDs only: fullmatch
# An account, project or connection ID as it goes into the URL path: no "/", "?", "%" or "..".
# ("$NAME" is --dry-run's placeholder for a variable that is not set.)
_PATH_ID = re.compile(r"\$?[A-Za-z0-9_-]{1,128}")

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
        code: int | str | None = None,
        more_info: str | None = None,
        hint: str | None = None,
        maybe_placed: bool = False,
        provider: str = "twilio",
        usage: bool = False,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.usage = usage  # the command was set up wrongly (options, variables): nothing was sent
        self.message = message
        self.status = status
        self.code = code
        self.more_info = more_info
        self.hint = hint
        self.maybe_placed = maybe_placed

    def __str__(self) -> str:
        title = TITLES.get(self.provider, self.provider)
        parts = [f"{title} error {self.code}: {self.message}" if self.code else self.message]
        if self.more_info:
            parts.append(f"more: {self.more_info}")
        if self.hint:
            parts.append(f"help: {self.hint}")
        return "\n".join(parts)


@dataclass(frozen=True)
class Credentials:
    """Who places the call. ``repr`` and ``str`` never show the secret. For SignalWire the
    account is the project ID; for Telnyx it is the TeXML connection ID (no user name: the
    secret, an API key, is a bearer token), and ``texml_account`` the account SID that
    reads a call's status (TELNYX_ACCOUNT_SID; empty when not set)."""

    account_sid: str
    username: str  # the account SID, or an API key SID
    secret: str = field(repr=False)
    provider: str = "twilio"
    texml_account: str = ""

    def __str__(self) -> str:
        shown = f", provider={self.provider!r}" if self.provider != "twilio" else ""
        shown += f", texml_account={self.texml_account!r}" if self.texml_account else ""
        return f"Credentials(account_sid={self.account_sid!r}, username={self.username!r}, secret=<redacted>{shown})"

    __repr__ = __str__

    @staticmethod
    def from_env(
        env: Mapping[str, str] | None = None,
        provider: str = "twilio",
        connection_id: str | None = None,
        placeholders: bool = False,
    ) -> Credentials:
        """Read credentials as each provider's own tools do. Twilio: TWILIO_ACCOUNT_SID with
        TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID.
        SignalWire: SIGNALWIRE_PROJECT_ID and SIGNALWIRE_TOKEN. Telnyx: TELNYX_API_KEY, and
        the connection from ``connection_id`` or TELNYX_CONNECTION_ID (and, to follow a
        call, the account SID from TELNYX_ACCOUNT_SID). Every ID is checked before it goes
        into a URL path. Missing or malformed values raise :class:`DialError` with
        ``usage`` set; with ``placeholders`` (``--dry-run``) a missing one is shown as its
        variable's name (``$TWILIO_ACCOUNT_SID``) instead, and nothing secret is read."""
        env = os.environ if env is None else env
        if provider == "signalwire":
            return _from_env(env, provider, "SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_TOKEN", placeholders)
        if provider == "telnyx":
            given = connection_id is not None
            connection = connection_id if connection_id is not None else env.get("TELNYX_CONNECTION_ID", "")
            key = env.get("TELNYX_API_KEY", "")
            where = "--connection-id" if given else "TELNYX_CONNECTION_ID"
            if connection and not _TELNYX_ID.fullmatch(connection):
                raise DialError(
                    f"the Telnyx connection ID {connection!r} ({where}) is not an ID",
                    hint="the ID of the TeXML connection (application): letters, digits, - and _",
                    provider=provider,
                    usage=True,
                )
            missing = [n for n, v in (("TELNYX_API_KEY", key), ("TELNYX_CONNECTION_ID", connection)) if not v]
            if missing and placeholders:
                return Credentials(connection or "$TELNYX_CONNECTION_ID", "", "", provider)
            if missing:
                raise DialError(
                    "missing Telnyx credentials: set " + " and ".join(missing),
                    hint="the connection ID (of the TeXML application) may also be given with --connection-id",
                    provider=provider,
                    usage=True,
                )
            return Credentials(connection, "", key, provider, env.get("TELNYX_ACCOUNT_SID", "").strip())
        sid = env.get("TWILIO_ACCOUNT_SID", "")
        _check_id(sid, "TWILIO_ACCOUNT_SID", provider)
        key, key_secret = env.get("TWILIO_API_KEY", ""), env.get("TWILIO_API_SECRET", "")
        token = env.get("TWILIO_AUTH_TOKEN", "")
        if sid and key and key_secret:
            return Credentials(sid, key, key_secret)
        if sid and token:
            return Credentials(sid, sid, token)
        if placeholders:
            return Credentials(sid or "$TWILIO_ACCOUNT_SID", "$TWILIO_ACCOUNT_SID", "", provider)
        missing = [n for n, v in (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token)) if not v]
        raise DialError(
            "missing Twilio credentials: set " + " and ".join(missing),
            hint="or TWILIO_API_KEY and TWILIO_API_SECRET with TWILIO_ACCOUNT_SID",
            usage=True,
        )


def _check_id(value: str, variable: str, provider: str) -> None:
    """A usage error for an account or project ID that cannot go into the URL path as it is."""
    if value and not _TELNYX_ID.fullmatch(value):
        raise DialError(
            f"{variable} {value!r} is not an ID: it goes into the request's path as it is",
            hint="letters, digits, - and _ only; copy it from the provider's console",
            provider=provider,
            usage=True,
        )


def _from_env(
    env: Mapping[str, str], provider: str, account_var: str, secret_var: str, placeholders: bool = False
) -> Credentials:
    account, secret = env.get(account_var, ""), env.get(secret_var, "")
    _check_id(account, account_var, provider)
    missing = [n for n, v in ((account_var, account), (secret_var, secret)) if not v]
    if missing and placeholders:
        return Credentials(account or f"${account_var}", f"${account_var}", "", provider)
    if missing:
        raise DialError(
            f"missing {TITLES[provider]} credentials: set " + " and ".join(missing), provider=provider, usage=True
        )
    return Credentials(account, account, secret, provider)


def provider_base(
    provider: str, *, space: str | None = None, env: Mapping[str, str] | None = None, override: str | None = None
) -> str:
    """The API base of ``provider``: Twilio's from :func:`base_url`; SignalWire's
    ``https://{space}.signalwire.com/api/laml``; Telnyx's ``https://api.telnyx.com/v2``.

    ``override`` (``--base-url``) means the same for every provider: the API's
    ``scheme://host[:port]`` (a test server, a proxy, an edge), to which the provider's
    own path is added (:data:`API_PATHS`: none for Twilio, ``/api/laml`` for SignalWire,
    ``/v2`` for Telnyx), so ``https://api.telnyx.com`` is Telnyx's API. A URL with a path
    of its own is the whole base, used as it is (``https://api.telnyx.com/v2``, or a
    proxy's ``https://proxy.example.com/telnyx``)."""
    if provider == "twilio":
        return base_url(env, override)
    if provider not in PROVIDERS:
        raise DialError(f"unknown provider {provider!r}", hint="one of " + ", ".join(PROVIDERS), usage=True)
    if override is not None:
        problem = base_problem(override)
        if problem:
            raise DialError(f"the API base {problem}", provider=provider, usage=True)
        return with_api_path(override, provider)
    if provider == "telnyx":
        return TELNYX_BASE
    if not space:
        raise DialError(
            "SignalWire needs the Space: give --space NAME (NAME.signalwire.com)", provider=provider, usage=True
        )
    name = space.strip().lower().removesuffix(".signalwire.com")
    if not _SPACE.match(name):
        raise DialError(
            f"--space {space!r} is not a Space name",
            hint="the NAME of NAME.signalwire.com",
            provider=provider,
            usage=True,
        )
    return f"https://{name}.signalwire.com{API_PATHS[provider]}"


# The path of each provider's API under its host, added to a --base-url without a path.
API_PATHS = {"twilio": "", "signalwire": "/api/laml", "telnyx": "/v2"}


def with_api_path(base: str, provider: str) -> str:
    """``base`` (``--base-url``) as the provider's API base: the provider's path added to
    a bare ``scheme://host[:port]``, a URL with a path of its own kept as it is."""
    base = base.rstrip("/")
    _, sep, rest = base.partition("://")
    if sep and "/" not in rest:
        return base + API_PATHS.get(provider, "")
    return base


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
    provider: str = "twilio"

    @property
    def is_json(self) -> bool:
        """Telnyx takes a JSON object with a bearer token; the others a form with basic auth."""
        return self.provider == "telnyx"

    def describe(self) -> str:
        if self.is_json:
            import json

            head = [f"{self.method} {redact_url(self.url)}", "Authorization: Bearer <redacted>"]
            body = json.dumps(dict(self._shown_form()), indent=2, ensure_ascii=False)
            return "\n".join([*head, "Content-Type: application/json", "", body])
        lines = [
            f"{self.method} {redact_url(self.url)}",
            f"Authorization: Basic {self.username}:<redacted>",
            "Content-Type: application/x-www-form-urlencoded",
            "",
        ]
        for k, shown in self._shown_form():
            lines.append(f"{k}={shown}" if "\n" not in shown else f"{k}=<<EOF\n{shown.rstrip()}\nEOF")
        return "\n".join(lines)

    def _shown_form(self) -> list[tuple[str, str]]:
        """The form with secret options and credentials inside URLs redacted."""
        return [
            (k, "<redacted>" if k in SECRET_OPTIONS else redact_url(v) if v.startswith(("http://", "https://")) else v)
            for k, v in self.form
        ]

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={redact_url(self.url)!r}, form={self._shown_form()!r}, "
            f"username={self.username!r}, provider={self.provider!r})"
        )


def redact_url(url: str) -> str:
    """``url`` with any credentials in it (``scheme://user:password@host``) redacted, as
    pip shows index URLs: the user name stays when there is a password, else it goes too."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = min([i for i in (rest.find("?"), rest.find("#")) if i >= 0] or [len(rest)])
    at = rest.rfind("@", 0, end)
    if at < 0:
        return url
    user, colon, _ = rest[:at].partition(":")
    shown = f"{user}:<redacted>" if colon and "/" not in user else "<redacted>"
    return scheme + sep + shown + rest[at:]


def base_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the API base, or None. Never shows credentials."""
    import httpx

    try:
        parsed: httpx.URL | None = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        return f"{redact_url(url)!r} is not an http:// or https:// URL"
    if parsed.query or parsed.fragment:
        return f"{redact_url(url)!r} has a query or fragment; give the API base only, e.g. https://api.twilio.com"
    return None


def seconds_problem(value: float | str) -> str | None:
    """What is wrong with ``value`` as a number of seconds to wait, or None."""
    try:
        n = float(value)
    except (TypeError, ValueError):
        n = math.nan
    if not 0 < n <= MAX_SECONDS:  # also NaN
        return f"expected a number of seconds above 0 and at most {MAX_SECONDS:g}, not {value!r}"
    return None


def base_url(env: Mapping[str, str] | None = None, override: str | None = None) -> str:
    """``--base-url``/``TWIMLC_API_BASE``, else Twilio's host for TWILIO_REGION and
    TWILIO_EDGE as the SDKs build it (``api.{edge}.{region}.twilio.com``; an edge alone
    implies region us1)."""
    env = os.environ if env is None else env
    if override is not None:
        chosen, what = override, "the API base"
    else:
        chosen, what = env.get("TWIMLC_API_BASE", ""), "TWIMLC_API_BASE"
    if chosen or override is not None:
        problem = base_problem(chosen)
        if problem:
            raise DialError(f"{what} {problem}", hint="e.g. https://api.twilio.com", usage=True)
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
        raise DialError(
            f"{what} {value!r} is not a possible phone number", hint="check the country code and length", usage=True
        )
    if allow_client and (_CLIENT.match(value) or _SIP.match(value)):
        return
    raise DialError(
        f"{what} {value!r} is not an E.164 phone number" + (", client:NAME or a SIP URI" if allow_client else ""),
        hint="write + country code and number, e.g. +14155550100",
        usage=True,
    )


def parse_options(pairs: list[str] | Mapping[str, str], provider: str = "twilio") -> list[tuple[str, str]]:
    """``NAME=VALUE`` call options, names checked against the provider's documented list."""
    items = list(pairs.items()) if isinstance(pairs, Mapping) else [_split_option(p) for p in pairs]
    known = TELNYX_OPTIONS if provider == "telnyx" else CALL_OPTIONS
    out: list[tuple[str, str]] = []
    for name, value in items:
        if name not in known:
            if provider == "telnyx":
                raise DialError(
                    f"call option {name!r} is not one the Telnyx TeXML call takes here",
                    hint="Telnyx's connection-scoped TeXML call documents: " + ", ".join(TELNYX_OPTIONS),
                    provider=provider,
                    usage=True,
                )
            near = suggest(name, CALL_OPTIONS)
            raise DialError(
                f"unknown call option {name!r}",
                hint=f"did you mean {near!r}?" if near else "see the Calls API parameters",
                provider=provider,
                usage=True,
            )
        if name in REPEATED_OPTIONS:
            out.extend((name, v) for v in value.replace(",", " ").split())
        else:
            out.append((name, value))
    return out


def _split_option(pair: str) -> tuple[str, str]:
    if "=" not in pair:
        raise DialError(f"call option {pair!r} is not NAME=VALUE", usage=True)
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
    if not _PATH_ID.fullmatch(credentials.account_sid):
        raise DialError(
            f"the {TITLES.get(credentials.provider, credentials.provider)} account ID {credentials.account_sid!r} "
            "is not an ID: it goes into the request's path as it is",
            provider=credentials.provider,
            usage=True,
        )
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
        form.append(("Texml" if credentials.provider == "telnyx" else "Twiml", twiml))
    form.extend(options)
    if credentials.provider == "telnyx":
        url = f"{base}/texml/calls/{credentials.account_sid}"
    else:
        url = f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Calls.json"
    return Request("POST", url, form, credentials.username, credentials.provider)


AUTH_HINTS = {
    "signalwire": "authentication failed: check SIGNALWIRE_PROJECT_ID, SIGNALWIRE_TOKEN and --space",
    "telnyx": "authentication failed: check TELNYX_API_KEY",
}


def _twilio_error(response: httpx.Response, provider: str = "twilio") -> DialError:
    """The API's error, explained: Twilio's (and SignalWire's) ``code``/``message``/``more_info``,
    or Telnyx's ``errors: [{code, title, detail}]``."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = body.get("errors")
    if provider == "telnyx" and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        body = {"code": first.get("code"), "message": first.get("detail") or first.get("title")}
        meta = first.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("url"), str):
            body["more_info"] = meta["url"]
    code = body.get("code")
    message = body.get("message")
    more = body.get("more_info")
    if not isinstance(message, str) or not message:
        message = f"the API answered HTTP {response.status_code}"
    hint = HINTS.get(code) if isinstance(code, int) and provider == "twilio" else None
    if hint is None and (response.status_code == 401 or (response.status_code == 403 and provider != "twilio")):
        hint = AUTH_HINTS.get(provider, HINTS[20003])
    maybe = response.status_code >= 500
    if maybe:
        hint = (hint + "; " if hint else "") + check_hint(provider)
    return DialError(
        message,
        status=response.status_code,
        code=code if isinstance(code, (int, str)) and code != "" else None,
        more_info=more if isinstance(more, str) else None,
        hint=hint,
        maybe_placed=maybe,
        provider=provider,
    )


CALL_LOGS = {
    "twilio": "the call log (Console > Monitor > Calls, or GET …/Calls.json)",
    "signalwire": "the Space's call logs (SignalWire Dashboard, or GET …/api/laml/2010-04-01/Accounts/{project}/Calls.json)",
    "telnyx": "the TeXML call logs in Telnyx Mission Control",
}


def check_hint(provider: str = "twilio") -> str:
    """What to do when the call may or may not have been placed: the provider's call log."""
    return f"the call may or may not have been placed: check {CALL_LOGS.get(provider, CALL_LOGS['twilio'])} before trying again"


def send(
    request: Request,
    credentials: Credentials,
    client: httpx.Client,
    sleep: Callable[[float], None] = time.sleep,
    notify: Callable[[str], None] | None = None,
) -> Call:
    """Send the create-call request once, retrying only where no call can have been made.
    ``notify`` is told, in words, of every wait before a retry."""
    import httpx

    attempts_429 = attempts_connect = 0
    waited = 0.0
    while True:
        try:
            if request.is_json:
                response = client.post(
                    request.url, json=dict(request.form), headers={"Authorization": f"Bearer {credentials.secret}"}
                )
            else:
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
                hint=check_hint(request.provider),
                maybe_placed=True,
                provider=request.provider,
            ) from None
        if response.status_code == 429 and attempts_429 < MAX_429_RETRIES:
            attempts_429 += 1
            delay, asked = _retry_after(response, attempts_429)
            if waited + delay > MAX_RETRY_WAIT:
                raise _wait_too_long(response, delay, waited, request.provider)
            waited += delay
            if notify is not None:
                notify(
                    f"{TITLES[request.provider]} asked to retry after {_secs(delay)} s; waiting…"
                    if asked
                    else f"{TITLES[request.provider]} answered 429 (too many requests); retrying in {_secs(delay)} s…"
                )
            sleep(delay)
            continue
        if response.status_code >= 400:
            raise _twilio_error(response, request.provider)
        try:
            resource = response.json()
            sid = resource["call_sid"] if request.is_json else resource["sid"]
            return Call(sid, resource.get("status", ""), resource.get("to"), resource.get("from"), resource)
        except (ValueError, KeyError, TypeError):
            raise DialError(
                f"the API answered HTTP {response.status_code} without a call resource",
                hint=check_hint(request.provider),
                maybe_placed=True,
                provider=request.provider,
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


def _retry_after(response: httpx.Response, attempt: int) -> tuple[float, bool]:
    """Seconds to wait before the next try, and whether Twilio said so (``Retry-After`` in
    seconds or as an HTTP date); without it 1, 2, 4 s."""
    value = response.headers.get("Retry-After", "").strip()
    seconds: float | None = None
    if value:
        try:
            seconds = float(value)
        except ValueError:
            seconds = _until(value)
    if seconds is None or math.isnan(seconds):
        return float(2 ** (attempt - 1)), False
    return max(0.0, seconds), True


def _until(http_date: str) -> float | None:
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return float(math.ceil((when - datetime.now(timezone.utc)).total_seconds()))


def _secs(seconds: float) -> str:
    return f"{seconds:g}" if math.isinf(seconds) or seconds == int(seconds) else f"{seconds:.1f}"


def _wait_too_long(response: httpx.Response, delay: float, waited: float, provider: str = "twilio") -> DialError:
    twilio = _twilio_error(response, provider)
    already = f", after {_secs(waited)} s of waiting already" if waited else ""
    return DialError(
        f"{TITLES[provider]} asked to retry after {_secs(delay)} s{already}; twimlc waits at most {MAX_RETRY_WAIT:g} s "
        "in all, so it stopped: no call was placed",
        status=response.status_code,
        code=twilio.code,
        more_info=twilio.more_info,
        hint="try again later",
        provider=provider,
    )


def telnyx_account_problem(account: str) -> str | None:
    """What keeps ``account`` (TELNYX_ACCOUNT_SID) from reading a Telnyx call's status, or
    None. The connection-scoped create call answers only ``call_sid``, ``from``, ``to`` and
    ``status`` (no account), and the status is read by account: see :func:`fetch`."""
    where = "your Telnyx account's ID, a UUID: the AccountSid of every TeXML webhook Telnyx posts"
    if not account:
        return f"set TELNYX_ACCOUNT_SID to {where}"
    if not _TELNYX_ID.fullmatch(account):
        return f"TELNYX_ACCOUNT_SID {account!r} is not an account ID ({where})"
    return None


def fetch(call_sid: str, credentials: Credentials, client: httpx.Client, base: str) -> Call:
    """The call's current resource (GET is safe to retry).

    Telnyx: ``GET {base}/texml/Accounts/{account_sid}/Calls/{call_sid}`` with the bearer
    token, answered with a flat call resource (``sid``, ``status``: ringing, in-progress,
    canceled, completed, failed, busy, no-answer), and "eventually consistent"
    (https://developers.telnyx.com/api-reference/texml-rest-commands/fetch-a-call;
    telnyx-python's ``texml.accounts.calls.retrieve(call_sid, account_sid=…)``, in
    src/telnyx/resources/texml/accounts/calls/calls.py). The account SID is
    ``credentials.texml_account`` (TELNYX_ACCOUNT_SID): the create call does not return it
    (https://developers.telnyx.com/api-reference/texml-rest-commands/create-a-connection-scoped-texml-call)."""
    import httpx

    if credentials.provider == "telnyx":
        from urllib.parse import quote

        problem = telnyx_account_problem(credentials.texml_account)
        if problem:
            raise DialError(f"cannot read the Telnyx call's status: {problem}", provider="telnyx")
        url = f"{base}/texml/Accounts/{credentials.texml_account}/Calls/{quote(call_sid, safe=':')}"
        auth: dict[str, Any] = {"headers": {"Authorization": f"Bearer {credentials.secret}"}}
    else:
        url = f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Calls/{call_sid}.json"
        auth = {"auth": (credentials.username, credentials.secret)}
    for attempt in range(3):
        try:
            response = client.get(url, **auth)
        except httpx.HTTPError as e:
            if attempt == 2:
                raise DialError(f"could not read the call's status: {type(e).__name__}") from None
            continue
        if response.status_code >= 400:
            raise _twilio_error(response, credentials.provider)
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
    """Poll the call until it reaches a final status. A Telnyx call not found yet (its
    status is eventually consistent) is polled again, :data:`TELNYX_NOT_FOUND_POLLS` times
    at most, until it is first seen."""
    if credentials.provider == "telnyx":
        problem = telnyx_account_problem(credentials.texml_account)
        if problem:  # before any request: say what is missing
            raise DialError(f"cannot follow the Telnyx call {call.sid}: {problem}", provider="telnyx")
    current = call
    seen = False
    not_found = 0
    while current.status not in FINAL_STATUSES:
        sleep(interval)
        try:
            current = fetch(call.sid, credentials, client, base)
        except DialError as e:
            if credentials.provider != "telnyx" or e.status != 404:
                raise
            not_found += 1
            if seen or not_found >= TELNYX_NOT_FOUND_POLLS:
                raise DialError(
                    f"Telnyx has no call {call.sid} in account {credentials.texml_account} "
                    f"(HTTP 404{'' if seen else f' {not_found} times'}); the call was placed",
                    status=404,
                    hint="check TELNYX_ACCOUNT_SID: the account that owns the TeXML connection (the AccountSid "
                    "of its webhooks); follow the call in Mission Control's call logs",
                    provider="telnyx",
                ) from None
            continue
        seen = True
        if on_status:
            on_status(current)
    return current


def inline_twiml(
    source_or_document: str | Document,
    filename: str = "<string>",
    params: Mapping[str, Any] | None = None,
    dialect: Dialect | None = None,
) -> tuple[str, list[Diagnostic]]:
    """The TwiML ``dial`` sends inline, and the document's warnings.

    ``.twl`` source, TwiML XML (a string starting with ``<``) or a Document is judged as
    ``twimlc check`` judges it (:func:`~twimlc.api.check_twl`,
    :func:`~twimlc.api.check_xml`), and must be voice TwiML with at least one verb
    (TWL507). A template is rendered with ``params``. The result is compact: no XML
    declaration, no comments, no indentation; the Calls API's 4,000-character limit (TWL506) is counted
    on exactly that text. Raises :class:`~twimlc.diagnostics.TwimlcError` with every
    diagnostic, warnings included, when anything refuses the call: then nothing is sent.
    ``dialect`` is the provider the call is placed with (default Twilio): the document is
    judged against it, and a header naming another target is refused (TWL802)."""
    from .ast import Document
    from .diagnostics import TwimlcError
    from .dialect import TWILIO

    dialect = dialect or TWILIO

    doc: Document | None = None
    xml: bytes | None = None
    if isinstance(source_or_document, Document):
        from .diagnostics import stamped
        from .validate import validate

        doc = source_or_document
        found = stamped(validate(doc), filename, doc.dialect)
    elif source_or_document.lstrip("\ufeff \t\r\n").startswith("<"):
        from .api import analyze_xml

        xml = source_or_document.encode("utf-8")
        doc, found, is_twiml = analyze_xml(xml, filename, dialect=dialect)  # read once: the document and its judgement
        if not is_twiml:
            raise TwimlcError([_not_twiml(xml, filename)])
    else:
        from .api import analyze

        doc, found = analyze(source_or_document, filename, dialect)  # read once: the document and its judgement
    if doc is not None:
        from .api import wrong_target

        found += _call_problems(doc, filename) + wrong_target(doc, dialect, filename, "the call is placed with", "dial")
    if doc is None or any(d.is_error for d in found):
        raise TwimlcError(found)
    if xml is not None and not params:
        from lxml import etree

        from .canonical import without_layout

        # as written, less the XML declaration, comments and layout (white space in <Say> is spoken)
        twiml = etree.tostring(without_layout(xml), encoding="unicode")
    else:
        twiml = _compact(doc, params, filename)
    too_long = _inline_limit(twiml, filename, doc.dialect)
    if too_long:
        raise TwimlcError(found + too_long)
    return twiml, found


def twiml_for(
    source_or_document: str | Document, filename: str = "<string>", params: Mapping[str, Any] | None = None
) -> str:
    """The TwiML ``dial`` sends inline (see :func:`inline_twiml`), without the warnings."""
    return inline_twiml(source_or_document, filename, params)[0]


def _call_problems(doc: Document, path: str) -> list[Diagnostic]:
    """TWL507: a call needs voice TwiML with at least one verb."""
    from .ast import Span
    from .diagnostics import diag

    if doc.kind != "voice":
        voice = doc.dialect.vocabulary("voice").elements
        where: Span | None = None
        if doc.kind_explicit and doc.header_line:
            where = Span(doc.header_line, 1, doc.header_line, len("twiml") + 1)
        else:
            where = next((e.span for e in doc.elements if e.tag not in voice), None)
        use = "text messages are sent with the Messages API" if doc.kind == "messaging" else "fax TwiML answers faxes"
        return [
            diag(
                "TWL507",
                f"this is {doc.kind} TwiML; only voice TwiML can place a call",
                where if where is not None else Span(1, 1, 1, 2),
                f"{use}; a call needs voice verbs (say, play, gather, dial…)",
                path,
            )
        ]
    if not doc.elements:
        return [
            diag(
                "TWL507",
                "the document has no verbs: the call would be answered and would end at once",
                Span(1, 1, 1, 2),
                'say what the callee hears, e.g. say "Hello"',
                path,
            )
        ]
    return []


def _not_twiml(data: bytes, path: str) -> Diagnostic:
    from .ast import Span
    from .diagnostics import diag
    from .xmlread import element_name, parse_xml

    root, _ = parse_xml(data, path)
    line = root.sourceline if root is not None and isinstance(root.sourceline, int) else 1
    tag = f"<{element_name(root)}>" if root is not None and isinstance(root.tag, str) else "not <Response>"
    return diag(
        "TWL312",
        f"the root element is {tag}: this XML is not TwiML",
        Span(line, 1, line, 2),
        "a TwiML document is <Response> with verbs inside",
        path,
    )


def _compact(doc: Document, params: Mapping[str, Any] | None, filename: str = "<string>") -> str:
    """The document (a template rendered with ``params``) as XML without a declaration
    and without indentation; text, including white space in mixed content, untouched."""
    from lxml import etree

    from .generator import to_tree

    root, _ = to_tree(doc, layout=False)
    if not (doc.params or params):
        return etree.tostring(root, encoding="unicode")
    from .template import Template
    from .xmlread import parse_xml

    # The template renders laid-out XML. Its elements are those of the compact unrendered
    # tree (a value cannot add markup); an element that holds elements and no text there
    # holds only layout in the rendering, which goes.
    filled, _ = parse_xml(Template(doc, filename).render(**(params or {})).encode("utf-8"), "<render>")
    if filled is None:  # pragma: no cover - a rendered template is always well-formed
        raise DialError("the rendered template is not well-formed XML")
    for plain, out in zip(root.iter(), filled.iter(), strict=True):
        if len(plain) and plain.text is None and all(c.tail is None for c in plain):
            out.text = None
            for c in out:
                c.tail = None
    return etree.tostring(filled, encoding="unicode")


def _inline_limit(twiml: str, path: str, dialect: Dialect | None = None) -> list[Diagnostic]:
    from .diagnostics import stamped
    from .dialect import TWILIO
    from .validate import size_limits

    dialect = dialect or TWILIO
    return [
        d.replace(hint="host the document and pass its address with --url (url= in twimlc.dial)")
        if d.code == "TWL506"
        else d
        for d in stamped(size_limits(twiml, dialect, inline=True), path, dialect)
    ]


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
    notify: Callable[[str], None] | None = None,
    provider: str = "twilio",
    space: str | None = None,
    connection_id: str | None = None,
) -> Call:
    """Place a call. The document (``.twl`` source, TwiML XML or a Document) is checked
    (see :func:`inline_twiml`) and sent inline as ``Twiml``; or give ``url`` instead of a
    document. Bring your own ``httpx.Client`` for custom transports; ``notify`` hears of
    waits before a retry. Raises ``TwimlcError`` (the document) or :class:`DialError`,
    before anything is sent when the call could not be the one intended.

    ``provider`` is ``"twilio"``, ``"signalwire"`` (with ``space``, the NAME of
    NAME.signalwire.com) or ``"telnyx"`` (with ``connection_id``, else
    TELNYX_CONNECTION_ID); the document is judged against that provider's dialect and
    credentials come from its variables (see :meth:`Credentials.from_env`)."""
    import httpx

    from .api import require
    from .ast import Document

    if source_or_document is not None:
        takes = ".twl source or TwiML XML (str) or a Document"
        require("dial", "source_or_document", source_or_document, (str, Document), takes)
    require("dial", "to", to, str, "a number or address (str)")
    require("dial", "from_", from_, str, "a number (str)")
    if url is not None:
        require("dial", "url", url, str, "a URL (str)")

    from .dialect import dialect_named, did_you_mean

    dialect = dialect_named(provider) if isinstance(provider, str) else None  # any case: "Telnyx"
    if dialect is None:
        raise DialError(
            f"unknown provider {provider!r}{did_you_mean(str(provider))}", hint="one of " + ", ".join(PROVIDERS)
        )
    provider = dialect.name

    if url is not None and source_or_document is not None:
        raise DialError("give a document or url=, not both")
    if url is None and source_or_document is None:
        raise DialError("nothing to send: give a document, or url= with the address of one")
    if url is not None and not url.strip():
        raise DialError("url= is empty")
    problem = seconds_problem(timeout)
    if problem:
        raise DialError(f"timeout: {problem}")
    address = provider_base(provider, space=space, env=env, override=base)
    twiml = inline_twiml(source_or_document, filename, params, dialect)[0] if source_or_document is not None else None
    creds = credentials or Credentials.from_env(env, provider, connection_id)
    if creds.provider != provider:
        raise DialError(f"the credentials are {TITLES[creds.provider]}'s, not {TITLES[provider]}'s")
    request = build_request(
        twiml,
        to=to,
        from_=from_,
        url=url,
        options=parse_options(call_options or [], provider),
        credentials=creds,
        base=address,
    )
    if client is not None:
        return send(request, creds, client, notify=notify)
    with httpx.Client(timeout=httpx.Timeout(timeout)) as own:
        return send(request, creds, own, notify=notify)
