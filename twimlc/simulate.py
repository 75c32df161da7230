"""Walk one call through a voice app as Twilio would, without a phone.

The app is a folder of ``.twl``/TwiML files (the routes of :mod:`twimlc.routes`, as
``serve`` answers them) or a running webhook app (``url=``: twimlc's ``serve`` or your
own Flask/FastAPI app, sent requests signed with ``TWILIO_AUTH_TOKEN`` as Twilio signs
them). Each document is executed verb by verb with the semantics of twiml-spec.md
section 5; where Twilio waits (``<Gather>``, ``<Dial>``, ``<Record>``, ``<Enqueue>``) the
call waits for an input; each request carries the parameters Twilio documents for it
(section 11). Everything that happens is an :class:`Event`.

>>> call = Call.start("examples/ivr", entry="/incoming")  # doctest: +SKIP
>>> call.press("2")  # doctest: +SKIP
>>> "Support is open" in call.prompt  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .ast import Document, Element, Span, Text
from .diagnostics import Diagnostic, diag

if TYPE_CHECKING:
    import httpx

    from .routes import Route, Routes
    from .template import Template

NOWHERE = Span(0, 0, 0, 0)
FILES_ROOT = "http://twimlc.invalid"  # the host of a folder's routes, never shown

# Deterministic identities, in Twilio's formats, so transcripts can be compared.
ACCOUNT_SID = "AC" + "0" * 32
CALL_SID = "CA" + "0" * 31 + "1"
DIAL_CALL_SID = "CA" + "0" * 31 + "2"
RECORDING_SID = "RE" + "0" * 31 + "1"
QUEUE_SID = "QU" + "0" * 31 + "1"
DEFAULT_FROM = "+14155550100"
DEFAULT_TO = "+14155550199"

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
QUEUE_RESULTS = (
    "bridged",
    "bridging-in-process",
    "error",
    "hangup",
    "leave",
    "redirected",
    "queue-full",
    "system-error",
)
RECORD_RESULTS = ("audio", "empty")
INPUT_KINDS = ("digits", "speech", "timeout", "dial", "record", "queue")
WAITS_FOR = {
    "gather": "digits:…, speech:… or timeout",
    "dial": "dial:STATUS",
    "record": "record:audio|empty",
    "enqueue": "queue:RESULT",
}
_DTMF = re.compile(r"^[0-9*#]*$")

# Verbs that cannot be simulated: stepped over with a note, per their documented
# fall-through (twiml-spec.md section 5): an action, when given, is requested next.
_STEP_OVER = {
    "Connect": "a <Connect> session",
    "Pay": "a <Pay> payment",
    "Refer": "a SIP <Refer>",
    "Echo": "an <Echo> test",
    "Sms": "an SMS",
    "Start": "a background <Start>",
    "Stop": "a <Stop>",
    "Prompt": "a <Prompt> outside <Pay>",
}


class SimulationError(ValueError):
    """A call driven the wrong way from Python: an input where the call does not wait
    for it, or after it ended. ``diagnostic`` is set when it carries one."""

    def __init__(self, message: str, diagnostic: Diagnostic | None = None) -> None:
        super().__init__(message)
        self.diagnostic = diagnostic


@dataclass(frozen=True, slots=True)
class Input:
    """One caller action: ``digits:123``, ``speech:some words``, ``timeout``,
    ``dial:busy``, ``record:audio``, ``record:empty``, ``queue:bridged``."""

    kind: str
    value: str = ""

    def __post_init__(self) -> None:
        problem = input_problem(self.kind, self.value)
        if problem is not None:
            raise SimulationError(f"input {self}: {problem}")

    def __str__(self) -> str:
        return self.kind if self.kind == "timeout" else f"{self.kind}:{self.value}"


_FORMS = "expected digits:KEYS, speech:WORDS, timeout, dial:STATUS, record:audio|empty or queue:RESULT"


def input_problem(kind: str, value: str) -> str | None:
    """What is wrong with an input, or None: the one check behind ``--input`` and
    :class:`Call`'s ``press``, ``say``… (an :class:`Input` cannot hold a bad one)."""
    if kind not in INPUT_KINDS:
        return _FORMS
    choices = {"dial": DIAL_STATUSES, "record": RECORD_RESULTS, "queue": QUEUE_RESULTS}.get(kind)
    if choices is not None and value not in choices:
        return f"{kind} takes one of {', '.join(choices)}"
    if kind == "digits" and not _DTMF.match(value):
        return "digits are 0-9, * and #"
    if kind == "speech" and not value.strip():
        return "speech needs words (for no input, use timeout)"
    return None


def parse_input(text: str) -> Input:
    """An ``--input`` step; ValueError with the accepted forms when it is not one."""
    kind, sep, value = text.partition(":")
    kind = kind.strip().lower()
    if kind == "timeout" and not value:
        return Input("timeout")
    problem = _FORMS if not sep else input_problem(kind, value)
    if problem is not None:
        raise ValueError(f"--input {text!r}: {problem}")
    return Input(kind, value)


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the call. ``kind`` is say, play, pause, gather, request, dial, record,
    enqueue, note, reject, hangup, input, finding or end; ``data`` its attributes."""

    kind: str
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.kind, **self.data}

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


@dataclass(frozen=True, slots=True)
class Request:
    """A request Twilio would make: ``url`` as requested (a path for a folder), ``params``
    the form (POST) or query (GET) parameters, exactly."""

    method: str
    url: str
    params: dict[str, str]


@dataclass(slots=True)
class Answer:
    """What a request got: a document, or the diagnostics saying why not."""

    document: Document | None
    where: str  # the file (a folder) or the URL (live)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # source line of each top-level element
    status: int = 200


# --- where documents come from -------------------------------------------------------


class FolderApp:
    """A folder of ``.twl`` templates and TwiML files, answered as ``serve`` answers them:
    a template's parameters bind by name to the request's parameters and query string."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        from .flow import scan

        self.directory = str(directory)
        if not os.path.isdir(self.directory):
            raise ValueError(f"{self.directory}: not a folder")
        self.routes: Routes = scan(self.directory)
        self._templates: dict[str, tuple[Template | None, Document | None, list[Diagnostic]]] = {}

    def display(self, url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def is_local(self, url: str) -> bool:
        parts, own = urlsplit(url), urlsplit(FILES_ROOT)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == own.netloc.lower()

    def fetch(self, method: str, url: str, params: dict[str, str]) -> Answer:
        path = urlsplit(url).path or "/"
        route = self.routes.match(path)
        if route is None:
            return Answer(None, path, [], [], 404)
        if route.static:
            return self._static(route)
        return self._render(route, url, params)

    def _static(self, route: Route) -> Answer:
        from .api import read_xml_document
        from .files import read_bytes

        data, problems = read_bytes(route.file)
        if data is None:
            return Answer(None, route.file, problems, [], 500)
        doc, diagnostics, _ = read_xml_document(data, route.file)
        errors = [d for d in diagnostics if d.is_error]
        if doc is None or errors:
            return Answer(None, route.file, errors, [], 500)
        return Answer(doc, route.file, [], [e.span.line for e in doc.elements])

    def _template(self, route: Route) -> tuple[Template | None, Document | None, list[Diagnostic]]:
        if route.file not in self._templates:
            from .api import load
            from .diagnostics import TwimlcError

            try:
                template = load(route.file)
            except TwimlcError as e:
                self._templates[route.file] = (None, None, [d for d in e.diagnostics if d.is_error])
            except OSError as e:
                problem = diag("TWL005", f"cannot read file: {e.strerror or e}", NOWHERE, None, route.file)
                self._templates[route.file] = (None, None, [problem])
            else:
                self._templates[route.file] = (template, template.document, [])
        return self._templates[route.file]

    def _render(self, route: Route, url: str, params: dict[str, str]) -> Answer:
        from .api import read_xml_document
        from .template import ParamError

        template, source, problems = self._template(route)
        if template is None or source is None:
            return Answer(None, route.file, problems, [], 500)
        values = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)) | params
        wanted = {p.name for p in template.params}
        try:
            xml = template.render(**{k: v for k, v in values.items() if k in wanted})
        except ParamError as e:
            span = next((p.span for p in template.params if p.name == e.param), NOWHERE)
            given = "" if e.param not in values else f" (the request has {e.param}={values[e.param]!r})"
            problem = diag("TWL707", f"rendering {route.path} failed: {e.message}{given}", span, None, route.file)
            return Answer(None, route.file, [problem], [], 500)
        doc, diagnostics, _ = read_xml_document(xml.encode("utf-8"), route.file)
        errors = [d for d in diagnostics if d.is_error]
        if doc is None or errors:
            return Answer(None, route.file, errors, [], 500)
        return Answer(doc, route.file, [], [e.span.line for e in source.elements])


# What signs a live app's requests, per provider (``--provider``), and what it must be.
SECRET_VARIABLES = {
    "twilio": "TWILIO_AUTH_TOKEN",
    "signalwire": "SIGNALWIRE_SIGNING_KEY",
    "telnyx": "TELNYX_PRIVATE_KEY",
}
KEY_OF = {
    "twilio": "its token",
    "signalwire": "the project's Signing Key",
    "telnyx": "a test private key whose public half is the app's TELNYX_PUBLIC_KEY",
}


class LiveApp:
    """A running webhook app at ``base``: requests signed as the provider signs them
    (Twilio's and SignalWire's HMAC with ``token``; Telnyx's Ed25519 with ``private_key``,
    a test key whose public half the app verifies with)."""

    def __init__(
        self,
        base: str,
        token: str | None = None,
        client: httpx.Client | None = None,
        provider: str = "twilio",
        private_key: Any = None,
    ) -> None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--url {base!r} is not an http(s) URL")
        self.base = base.rstrip("/")
        self.token = token
        self.provider = provider
        self.private_key = private_key
        self._client = client

    def display(self, url: str) -> str:
        return url

    def is_local(self, url: str) -> bool:
        parts, own = urlsplit(url), urlsplit(self.base)
        return (parts.scheme, parts.netloc.lower()) == (own.scheme, own.netloc.lower())

    def fetch(self, method: str, url: str, params: dict[str, str]) -> Answer:
        import httpx

        from . import signature
        from .api import judge_xml, read_xml_document

        if method == "GET":
            parts = urlsplit(url)
            query = "&".join(q for q in (parts.query, urlencode(params)) if q)
            url = urlunsplit(parts._replace(query=query))
        headers = {"User-Agent": "TwilioProxy/1.1 (twimlc simulate)"}
        body = b"" if method == "GET" else urlencode(list(params.items())).encode("ascii")
        if method != "GET":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.provider == "telnyx":
            if self.private_key is not None:
                import time

                stamp = str(int(time.time()))
                headers[signature.TELNYX_TIMESTAMP_HEADER] = stamp
                headers[signature.TELNYX_SIGNATURE_HEADER] = signature.telnyx_sign(self.private_key, stamp, body)
        elif self.token:
            signed = [] if method == "GET" else list(params.items())
            name = signature.SIGNALWIRE_HEADER if self.provider == "signalwire" else signature.SIGNATURE_HEADER
            headers[name] = signature.sign(self.token, url, signed)
        client = self._client or httpx.Client(timeout=10.0)
        try:
            if method == "GET":
                r = client.get(url, headers=headers)
            else:
                r = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            return Answer(None, url, [diag("TWL707", f"{method} {url} failed: {e}", NOWHERE, None, url)], [], 0)
        finally:
            if self._client is None:
                client.close()
        if r.status_code >= 400:
            why = ""
            variable = SECRET_VARIABLES.get(self.provider, SECRET_VARIABLES["twilio"])
            is_signed = self.private_key is not None if self.provider == "telnyx" else bool(self.token)
            if r.status_code == 403:  # the usual 403: a signature the app refuses
                why = (
                    f" (the request was unsigned: {variable} is not set)"
                    if not is_signed
                    else f" (if the app checks signatures: is {variable} {KEY_OF.get(self.provider, 'its token')}?)"
                )
            problem = diag(
                "TWL707",
                f"{method} {url} answered HTTP {r.status_code}{why}; Twilio would say 'an application error has "
                "occurred' and hang up (11200)",
                NOWHERE,
                f"a 403 from an app that checks signatures: set {variable} to {KEY_OF.get(self.provider, 'its token')}"
                if r.status_code == 403
                else None,
                url,
            )
            return Answer(None, url, [problem], [], r.status_code)
        body = r.content
        twiml, found = judge_xml(body, url)
        if not twiml:
            problem = diag(
                "TWL707", f"{method} {url} answered XML that is not TwiML (no <Response>)", NOWHERE, None, url
            )
            return Answer(None, url, [problem], [], r.status_code)
        doc, _, _ = read_xml_document(body, url)
        if doc is None or any(d.is_error for d in found):
            if not any(d.is_error for d in found):
                found.append(diag("TWL707", f"{method} {url} answered something that is not TwiML", NOWHERE, None, url))
            return Answer(None, url, found, [], r.status_code)
        return Answer(doc, url, found, [e.span.line for e in doc.elements], r.status_code)


# --- the call --------------------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    doc: Document
    url: str  # absolute, as requested (with its query)
    where: str
    lines: list[int]
    index: int = 0


@dataclass(frozen=True, slots=True)
class _Wait:
    kind: str  # gather, dial, record, enqueue
    element: Element
    line: int


class Call:
    """One simulated call. Start it with :meth:`start`; drive it with :meth:`press`,
    :meth:`say`, :meth:`silence`, :meth:`dial_result`, :meth:`record` and
    :meth:`queue_result`; read :attr:`events`, :attr:`heard`, :attr:`prompt`,
    :attr:`requests`, :attr:`diagnostics`, :attr:`waiting` and :attr:`ended`."""

    def __init__(
        self,
        app: FolderApp | LiveApp,
        entry: str = "/",
        params: Mapping[str, str] | None = None,
        max_requests: int = 50,
    ) -> None:
        self.app = app
        self.entry = entry if entry.startswith("/") else "/" + entry
        self.max_requests = max_requests
        self.events: list[Event] = []
        self.diagnostics: list[Diagnostic] = []
        self.requests: list[Request] = []
        self.heard: list[str] = []
        self.ended = False
        self.end_reason: str | None = None
        self._since_input = 0  # index into heard
        self._frame: _Frame | None = None
        self._wait: _Wait | None = None
        self._last_where = self.entry
        self._wait_line = 0
        self._params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": CALL_SID,
            "CallStatus": "ringing",
            "Called": DEFAULT_TO,
            "Caller": DEFAULT_FROM,
            "Direction": "inbound",
            "From": DEFAULT_FROM,
            "To": DEFAULT_TO,
        }
        given = dict(params or {})
        if "From" in given:
            self._params["Caller"] = given["From"]
        if "To" in given:
            self._params["Called"] = given["To"]
        self._params.update(given)

    # --- starting ---------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        app: str | os.PathLike[str] | None = None,
        *,
        url: str | None = None,
        entry: str = "/",
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        max_requests: int = 50,
        client: httpx.Client | None = None,
        provider: str = "twilio",
        private_key: Any = None,
    ) -> Call:
        """Ring the app: a folder (``app``), or a running webhook app (``url``, signed
        with ``token``, by default ``TWILIO_AUTH_TOKEN``; as SignalWire signs with
        ``provider="signalwire"``, by default with ``SIGNALWIRE_SIGNING_KEY`` or
        ``SIGNALWIRE_TOKEN``; as Telnyx signs with ``provider="telnyx"`` and an Ed25519
        ``private_key``). Runs until the call first waits for the caller, or ends."""
        if (app is None) == (url is None):
            raise ValueError("give a folder or url=, not both")
        source: FolderApp | LiveApp
        if url is not None:
            if token is None and provider == "signalwire":
                token = os.environ.get("SIGNALWIRE_SIGNING_KEY") or os.environ.get("SIGNALWIRE_TOKEN")
            elif token is None and provider == "twilio":
                token = os.environ.get("TWILIO_AUTH_TOKEN")
            source = LiveApp(url, token, client, provider, private_key)
        else:
            assert app is not None
            source = FolderApp(app)
        call = cls(source, entry, params, max_requests)
        call.run()
        return call

    def run(self) -> None:
        """Make the first request and run to the first wait (or the end)."""
        if self.requests or self.ended:
            return
        base = FILES_ROOT if isinstance(self.app, FolderApp) else self.app.base
        self._request("POST", base + self.entry, {})
        self._run()

    # --- reading ----------------------------------------------------------------------

    @property
    def waiting(self) -> str | None:
        """What the call waits for (gather, dial, record, enqueue), or None."""
        return None if self._wait is None else self._wait.kind

    @property
    def prompt(self) -> str:
        """What the caller heard since their last input, as one text."""
        return " ".join(self.heard[self._since_input :])

    @property
    def last_request(self) -> Request | None:
        return self.requests[-1] if self.requests else None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    # --- driving ----------------------------------------------------------------------

    def press(self, digits: str) -> Call:
        """The caller presses keys (``"1"``, ``"1234#"``); keys other than 0-9, ``*``
        and ``#`` raise :class:`SimulationError`, as ``--input`` refuses them."""
        return self.send(Input("digits", digits))

    def say(self, words: str) -> Call:
        """The caller speaks."""
        return self.send(Input("speech", words))

    def silence(self) -> Call:
        """The caller does nothing until the timeout."""
        return self.send(Input("timeout"))

    def dial_result(self, status: str) -> Call:
        """The dialed party's outcome: completed, busy, no-answer, failed, canceled."""
        return self.send(parse_input(f"dial:{status}"))

    def record(self, empty: bool = False) -> Call:
        """The caller leaves a message (or an empty recording)."""
        return self.send(Input("record", "empty" if empty else "audio"))

    def queue_result(self, result: str) -> Call:
        """How the call left an ``<Enqueue>`` queue (bridged, hangup, leave…)."""
        return self.send(parse_input(f"queue:{result}"))

    def send(self, step: Input) -> Call:
        """Give the waiting call one input and run to the next wait (or the end)."""
        problem = self.feed(step)
        if problem is not None:
            raise SimulationError(problem.message, problem)
        return self

    def feed(self, step: Input) -> Diagnostic | None:
        """As :meth:`send`, but a misfit is returned (and recorded as a finding), not raised."""
        if self._wait is None or self._frame is None:
            ended = f"the call has ended ({self.end_reason})" if self.ended else "the call does not wait for input"
            return self._misfit(step, ended, NOWHERE, self._where())
        wait = self._wait
        why = _misfit_reason(wait.kind, wait.element, step)
        if why is not None:
            return self._misfit(step, why, *self._at(wait))
        self._event("input", input=str(step))
        self._since_input = len(self.heard)
        self._wait = None
        self._wait_line = wait.line
        handler: Callable[[Element, Input], None] = {
            "gather": self._gather_input,
            "dial": self._dial_input,
            "record": self._record_input,
            "enqueue": self._queue_input,
        }[wait.kind]
        handler(wait.element, step)
        self._run()
        return None

    def finish(self, unused: Iterable[Input] = ()) -> None:
        """For a script: report inputs left over (TWL709), and where the call still waits."""
        left = list(unused)
        if left:
            where = self._where()
            self._finding(
                diag(
                    "TWL709",
                    f"the call ended ({self.end_reason}) before the inputs "
                    + " ".join(str(i) for i in left)
                    + " were used"
                    if self.ended
                    else "inputs left unused: " + " ".join(str(i) for i in left),
                    NOWHERE,
                    None,
                    where,
                )
            )
        if not self.ended and self._wait is not None:
            self._event(
                "end",
                reason="waiting",
                waits_for=WAITS_FOR[self._wait.kind],
                where=self._location(self._wait.line),
            )

    # --- machinery --------------------------------------------------------------------

    def _where(self) -> str:
        return self._frame.where if self._frame is not None else self._last_where

    def _at(self, wait: _Wait) -> tuple[Span, str]:
        return Span.point(wait.line, 1) if wait.line else NOWHERE, self._where()

    def _location(self, line: int) -> str:
        where = self._where()
        if isinstance(self.app, FolderApp):
            where = os.path.relpath(where, self.app.directory).replace(os.sep, "/")
        return f"{where}:{line}" if line else where

    def _misfit(self, step: Input, why: str, span: Span, where: str) -> Diagnostic:
        d = diag("TWL708", f"input {step} does not fit: {why}", span, None, where)
        self._finding(d)
        return d

    def _event(self, kind: str, **data: Any) -> None:
        self.events.append(Event(kind, data))

    def _finding(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)
        where = d.path
        if isinstance(self.app, FolderApp) and os.path.exists(where):
            where = os.path.relpath(where, self.app.directory).replace(os.sep, "/")
        self._event(
            "finding", code=d.code, severity=d.severity, message=d.message, where=where, line=d.span.line or None
        )

    def _end(self, reason: str, **data: Any) -> None:
        self.ended = True
        self.end_reason = reason
        self._frame = None
        self._wait = None
        self._event("end", reason=reason, **data)

    def _resolve(self, url: str) -> str:
        assert self._frame is not None
        return urljoin(self._frame.url, url.strip()) if url.strip() else self._frame.url

    def _request(self, method: str, url: str, extra: dict[str, str], line: int = 0) -> None:
        """Request ``url`` as Twilio would; ``line`` is the verb asking for it (for findings)."""
        if len(self.requests) >= self.max_requests:
            self._finding(
                diag(
                    "TWL706",
                    f"the call made {self.max_requests} requests without ending; it loops "
                    f"(the next would be {method} {self.app.display(url)})",
                    Span.point(line, 1) if line else NOWHERE,
                    "raise --max-requests if the call is really this long",
                    self._where(),
                )
            )
            self._end("step bound")
            return
        if not self.app.is_local(url):
            self._event("note", text=f"the call leaves the app: {method} {url} is on another host; not followed")
            self._end("external", url=url)
            return
        params = self._params | extra
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        self.requests.append(Request(method, self.app.display(url), params))
        self._params["CallStatus"] = "in-progress"
        answer = self.app.fetch(method, url, params)
        data: dict[str, Any] = {"method": method, "url": self.app.display(url), "params": params}
        if answer.status != 200:
            data["status"] = answer.status
        if isinstance(self.app, FolderApp) and answer.status != 404:
            data["file"] = os.path.relpath(answer.where, self.app.directory).replace(os.sep, "/")
        self._event("request", **data)
        if answer.status == 404:
            self._frame = None
            self._finding(
                diag(
                    "TWL707",
                    f"no route answers {self.app.display(url)} (HTTP 404); Twilio would say 'an application error "
                    "has occurred' and hang up (11200)",
                    Span.point(line, 1) if line else NOWHERE,
                    None,
                    self._last_where,
                )
            )
            self._end("error")
            return
        if answer.status != 404:
            self._last_where = answer.where
        for d in answer.diagnostics:
            self._finding(d)
        if answer.document is None:
            self._end("error")
            return
        self._frame = _Frame(answer.document, url, answer.where, answer.lines)
        self._last_where = answer.where

    def _run(self) -> None:
        while not self.ended and self._wait is None:
            frame = self._frame
            if frame is None:
                return
            elements = frame.doc.elements
            if frame.index >= len(elements):
                self._end("end of document")
                return
            el = elements[frame.index]
            line = frame.lines[frame.index] if frame.index < len(frame.lines) else 0
            frame.index += 1
            self._verb(el, line)

    def _verb(self, el: Element, line: int) -> None:
        tag = el.tag
        if el.raw:
            self._event("note", text=f"<{tag}> is outside twimlc's vocabulary; skipped", where=self._location(line))
        elif tag in ("Say", "Play", "Pause"):
            self._speak(el)
        elif tag == "Gather":
            for child in el.elements:
                self._speak(child)
            self._event("gather", **_gather_attributes(el), where=self._location(line))
            self._wait = _Wait("gather", el, line)
        elif tag == "Dial":
            self._event("dial", **_dial_attributes(el), where=self._location(line))
            self._wait = _Wait("dial", el, line)
        elif tag == "Record":
            shown = _attributes(el, "maxLength", "timeout", "finishOnKey", "playBeep", "transcribe")
            self._event("record", **shown, where=self._location(line))
            self._wait = _Wait("record", el, line)
        elif tag == "Enqueue":
            shown = _attributes(el, "waitUrl", "workflowSid")
            self._event("enqueue", queue=el.text.strip(), **shown, where=self._location(line))
            self._wait = _Wait("enqueue", el, line)
        elif tag == "Redirect":
            self._request(_method(el), self._resolve(el.text), {}, line)
        elif tag == "Hangup":
            self._event("hangup", where=self._location(line))
            self._end("hangup")
        elif tag == "Reject":
            reason = _attr(el, "reason") or "rejected"
            self._event("reject", reason=reason, where=self._location(line))
            self._end("reject")
        elif tag == "Leave":
            self._event("note", text="<Leave> outside a queue's wait music: the call ends", where=self._location(line))
            self._end("leave")
        elif tag in _STEP_OVER:
            action = _attr(el, "action") if tag in ("Connect", "Pay", "Refer") else None
            then = f"then Twilio requests its action {action}" if action is not None else "then the next verb"
            self._event("note", text=f"{_STEP_OVER[tag]} is not simulated; {then}", where=self._location(line))
            if action is not None:
                self._request(_method(el), self._resolve(action), {}, line)
        else:
            self._event("note", text=f"<{tag}> is not simulated; skipped", where=self._location(line))

    def _speak(self, el: Element) -> None:
        if el.tag == "Say":
            text = _spoken(el)
            data: dict[str, Any] = {"text": text}
            data |= _attributes(el, "voice", "language", "loop")
            if any(isinstance(c, Element) for c in el.children):
                data["ssml"] = _inner_xml(el)
            self._event("say", **data)
            self.heard.append(text)
        elif el.tag == "Play":
            url = el.text.strip()
            data = {"url": url} if url else {}
            data |= _attributes(el, "digits", "loop")
            self._event("play", **data)
            self.heard.append(f"[play {url}]" if url else f"[tones {data.get('digits', '')}]")
        elif el.tag == "Pause":
            self._event("pause", length=int(_attr(el, "length") or "1"))

    # --- inputs at each kind of wait ----------------------------------------------------

    def _gather_input(self, el: Element, step: Input) -> None:
        """twiml-spec.md section 5, <Gather>: input received → request action (default:
        the current document), following verbs skipped; no input → next verb, unless
        actionOnEmptyResult="true"."""
        accepts = (_attr(el, "input") or "dtmf").split()
        extra: dict[str, str] = {}
        if step.kind == "digits":
            digits, key = _collect(step.value, _attr(el, "numDigits"), _attr(el, "finishOnKey"))
            if digits:
                extra = {"Digits": digits, "FinishedOnKey": key or ""}
        elif step.kind == "speech":
            extra = {"SpeechResult": step.value, "Confidence": "0.9"}
        if not extra and (_attr(el, "actionOnEmptyResult") or "").lower() != "true":
            self._event("note", text="no input: Twilio goes on with the next verb")
            return
        if not extra:
            extra = {"Digits": "", "FinishedOnKey": ""} if "dtmf" in accepts else {"SpeechResult": ""}
        self._request(_method(el), self._resolve(_attr(el, "action") or ""), extra, self._wait_line)

    def _dial_input(self, el: Element, step: Input) -> None:
        """twiml-spec.md section 5, <Dial>: with action, the outcome is posted there (verbs
        after are unreachable); without, the call goes on with the next verb."""
        action = _attr(el, "action")
        if action is None:
            self._event("note", text=f"the dialed call ended ({step.value}); no action: the next verb")
            return
        extra = {"DialCallStatus": step.value, "DialCallSid": DIAL_CALL_SID}
        if step.value == "completed":
            extra["DialCallDuration"] = "42"
        self._request(_method(el), self._resolve(action), extra, self._wait_line)

    def _record_input(self, el: Element, step: Input) -> None:
        """twiml-spec.md section 5, <Record>: always requests action (default: the current
        document), except an empty recording, which goes on with the next verb."""
        if step.value == "empty":
            self._event("note", text="empty recording: Twilio goes on with the next verb")
            return
        extra = {
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}",
            "RecordingSid": RECORDING_SID,
            "RecordingDuration": "7",
        }
        self._request(_method(el), self._resolve(_attr(el, "action") or ""), extra, self._wait_line)

    def _queue_input(self, el: Element, step: Input) -> None:
        """twiml-spec.md section 5, <Enqueue>: with action, requested when the call leaves
        the queue; without, the next verb."""
        action = _attr(el, "action")
        if action is None:
            self._event("note", text=f"the call left the queue ({step.value}); no action: the next verb")
            return
        extra = {"QueueResult": step.value, "QueueSid": QUEUE_SID, "QueueTime": "30"}
        self._request(_method(el), self._resolve(action), extra, self._wait_line)


# --- helpers ------------------------------------------------------------------------------


def _misfit_reason(kind: str, el: Element, step: Input) -> str | None:
    """Why an input cannot be given where the call waits, or None when it fits."""
    if kind == "gather":
        accepts = (_attr(el, "input") or "dtmf").split()
        if step.kind == "digits" and "dtmf" not in accepts:
            return "this <Gather> takes speech only (input=speech)"
        if step.kind == "speech" and "speech" not in accepts:
            return "this <Gather> takes keys only (input=[dtmf speech] would take speech too)"
        if step.kind in ("digits", "speech", "timeout"):
            return None
    elif step.kind == {"dial": "dial", "record": "record", "enqueue": "queue"}[kind]:
        return None
    return f"a <{el.tag}> waits for {WAITS_FOR[kind]}"


def _attr(el: Element, name: str) -> str | None:
    a = el.attribute(name)
    return None if a is None else a.rendered()


def _method(el: Element) -> str:
    return (_attr(el, "method") or "POST").upper()


def _attributes(el: Element, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        v = _attr(el, n)
        if v is not None:
            out[n] = v
    return out


def _gather_attributes(el: Element) -> dict[str, Any]:
    out: dict[str, Any] = {"input": (_attr(el, "input") or "dtmf").split()}
    out |= _attributes(
        el, "numDigits", "finishOnKey", "timeout", "speechTimeout", "actionOnEmptyResult", "hints", "language"
    )
    return out


def _dial_attributes(el: Element) -> dict[str, Any]:
    targets = [f"{c.tag.lower()}:{c.text.strip()}" for c in el.elements if c.text.strip()]
    if el.text.strip():
        targets.insert(0, el.text.strip())
    out: dict[str, Any] = {"to": targets}
    out |= _attributes(el, "timeout", "callerId", "action", "record")
    return out


def _spoken(el: Element) -> str:
    """The text of a <Say>, SSML elements flattened to their text."""
    parts: list[str] = []

    def visit(e: Element) -> None:
        for c in e.children:
            if isinstance(c, Text):
                parts.append(c.value)
            elif isinstance(c, Element):
                visit(c)

    visit(el)
    return "".join(parts)


def _inner_xml(el: Element) -> str:
    from xml.sax.saxutils import escape, quoteattr

    def render(e: Element) -> str:
        out = []
        for c in e.children:
            if isinstance(c, Text):
                out.append(escape(c.value))
            elif isinstance(c, Element):
                attrs = "".join(f" {a.name}={quoteattr(a.rendered())}" for a in c.attributes)
                inner = render(c)
                out.append(f"<{c.tag}{attrs}>{inner}</{c.tag}>" if inner else f"<{c.tag}{attrs}/>")
        return "".join(out)

    return render(el)


def _collect(keys: str, num_digits: str | None, finish_on_key: str | None) -> tuple[str, str | None]:
    """(Digits, FinishedOnKey) for keys pressed at a <Gather> (twiml-spec.md, <Gather>):
    collection stops at ``numDigits`` keys, or at ``finishOnKey`` (default ``#``, not
    included; an empty value disables it); keys short of numDigits are submitted at the
    timeout (partial input)."""
    finish = "#" if finish_on_key is None else finish_on_key
    limit = int(num_digits) if num_digits and num_digits.isdigit() else None
    digits = ""
    for k in keys:
        if finish and k == finish:
            return digits, k
        digits += k
        if limit is not None and len(digits) >= limit:
            return digits, None
    return digits, None


# --- rendering ------------------------------------------------------------------------------


def to_json(events: Iterable[Event]) -> str:
    import json

    return json.dumps([e.as_dict() for e in events], ensure_ascii=False, indent=2) + "\n"


def to_text(events: Iterable[Event]) -> str:
    """A transcript: what the caller hears, each request with its parameters, each wait."""
    out: list[str] = []
    for e in events:
        d = e.data
        if e.kind == "request":
            status = f"  → HTTP {d['status']}" if "status" in d else ""
            file = f"  ({d['file']})" if "file" in d else ""
            out.append(f"{d['method']} {d['url']}{file}{status}")
            out.extend(f"    {k}={v}" for k, v in sorted(d["params"].items()))
        elif e.kind == "say":
            how = ", ".join(f"{k} {d[k]}" for k in ("voice", "language", "loop") if k in d)
            out.append(f"  say: {d['text']!r}" + (f" ({how})" if how else ""))
            if "ssml" in d:
                out.append(f"       ssml: {d['ssml']}")
        elif e.kind == "play":
            extra = ", ".join(f"{k} {d[k]}" for k in ("digits", "loop") if k in d)
            out.append(f"  play: {d.get('url', '')}" + (f" ({extra})" if extra else ""))
        elif e.kind == "pause":
            out.append(f"  pause: {d['length']}s")
        elif e.kind == "gather":
            shown = ", ".join(f"{k}={v}" for k, v in d.items() if k not in ("where", "input"))
            out.append(f"  gather ({' '.join(d['input'])}{', ' + shown if shown else ''}): waits at {d['where']}")
        elif e.kind == "dial":
            out.append(f"  dial {' '.join(d['to'])}: waits at {d['where']}")
        elif e.kind in ("record", "enqueue"):
            shown = ", ".join(f"{k}={v}" for k, v in d.items() if k != "where")
            out.append(f"  {e.kind}{' (' + shown + ')' if shown else ''}: waits at {d['where']}")
        elif e.kind == "input":
            out.append(f"> {d['input']}")
        elif e.kind == "note":
            out.append(f"  note: {d['text']}")
        elif e.kind in ("hangup", "reject"):
            out.append(f"  {e.kind}" + (f" ({d['reason']})" if "reason" in d else ""))
        elif e.kind == "finding":
            line = f":{d['line']}" if d.get("line") else ""
            out.append(f"{d['where']}{line}: {d['severity']}[{d['code']}] {d['message']}")
        elif e.kind == "end":
            extra = f" at {d['where']} (give an input: {d['waits_for']})" if d["reason"] == "waiting" else ""
            out.append(f"end: {d['reason']}{extra}")
    return "\n".join(out) + "\n"


def simulate(
    app: str | os.PathLike[str] | None = None,
    inputs: Iterable[str | Input] = (),
    *,
    url: str | None = None,
    entry: str = "/",
    params: Mapping[str, str] | None = None,
    token: str | None = None,
    max_requests: int = 50,
    provider: str = "twilio",
    private_key: Any = None,
) -> Call:
    """Run a whole script: start the call, feed each input where it waits; stop at the
    first input that does not fit (TWL708); report inputs left over (TWL709)."""
    steps = [s if isinstance(s, Input) else parse_input(s) for s in inputs]
    call = Call.start(
        app,
        url=url,
        entry=entry,
        params=params,
        token=token,
        max_requests=max_requests,
        provider=provider,
        private_key=private_key,
    )
    for i, step in enumerate(steps):
        if call.ended:
            call.finish(steps[i:])
            return call
        if call.feed(step) is not None:
            call.finish()
            return call
    call.finish()
    return call
