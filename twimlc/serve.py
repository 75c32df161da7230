"""``twimlc serve``: a folder of checked ``.twl`` templates and TwiML files as a webhook
application, with Twilio's signatures verified and explained.

:class:`App` is a plain ASGI application (no web framework underneath): run it under
uvicorn (``twimlc serve DIR``), under uvicorn or gunicorn workers in production
(:func:`from_env` is the factory), or mount it in FastAPI/Starlette
(``app.mount("/twiml", App("dir"))``).

* Routes come from :mod:`twimlc.routes`: ``DIR/voice/menu.twl`` answers ``/voice/menu``,
  ``DIR/index.twl`` answers ``/``; ``.twiml`` and ``.xml`` files are served as they are.
  GET and POST. ``GET /healthz`` answers ``ok`` for load balancers.
* Every file is checked when the app is built: any error raises :class:`TwimlcError`
  with all of them. With ``reload=True`` a changed file is re-checked on the next request
  (a stat, at most every ``reload_interval`` seconds); a broken edit is logged with its
  diagnostics and the last good version keeps serving.
* A template's ``param`` names bind to the webhook's fields (form body, JSON object) and
  query string by name; fields it does not declare are ignored.
* Signatures (``X-Twilio-Signature``) are verified with :mod:`twimlc.signature`; a failed
  check answers 403 and logs why, never a secret. ``provider="signalwire"`` checks
  ``X-SignalWire-Signature`` (or ``X-Twilio-Signature``) the same way with the project's
  signing key; ``provider="telnyx"`` checks Telnyx's Ed25519 signature over
  ``timestamp|body`` with the account's public key, within a 300 s replay window.
* A value that does not fit its parameter answers 200 with a fallback TwiML and logs the
  coded diagnostic with the CallSid. Bodies over ``max_body`` answer 413; unknown paths 404.

Logs go to ``logging.getLogger("twimlc.serve")``; nothing is configured at import time.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_plus, urlsplit

from . import signature
from .routes import Route, Routes

if TYPE_CHECKING:
    from . import Diagnostic, Document, Template
    from .dialect import Dialect

log = logging.getLogger("twimlc.serve")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY = 64 * 1024
PROVIDERS = ("twilio", "signalwire", "telnyx")
SIGNERS = {"twilio": "Twilio", "signalwire": "SignalWire", "telnyx": "Telnyx"}  # who signs, as messages say
# Whose signatures serve verifies, and with what (for the start-up log).
VERIFIED = {
    "twilio": ("Twilio's", "TWILIO_AUTH_TOKEN (X-Twilio-Signature, HMAC over the URL and parameters)"),
    "signalwire": (
        "SignalWire's",
        "the Signing Key, SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN (X-SignalWire-Signature, HMAC over the URL "
        "and parameters)",
    ),
    "telnyx": (
        "Telnyx's",
        "TELNYX_PUBLIC_KEY (telnyx-signature-ed25519 over telnyx-timestamp and the body; the URL is not signed, "
        "so no --public-url is needed)",
    ),
}
HEALTH_PATH = "/healthz"
VOICE_FALLBACK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
    "  <Say>We are sorry, an application error has occurred. Goodbye.</Say>\n"
    "  <Hangup/>\n</Response>\n"
)
MESSAGING_FALLBACK = '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n'  # reply nothing
_XML = [(b"content-type", b"text/xml; charset=utf-8")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class ConfigError(ValueError):
    """A setting that keeps the app from starting (no token, a bad public URL, no such
    folder). The message never holds a secret."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """One route's answer, as last loaded: a template, or static TwiML bytes."""

    route: Route
    stamp: tuple[int, int, int]  # (mtime_ns, size, inode): a change means re-check
    template: Template | None = None
    body: bytes = b""
    kind: str = "voice"


@dataclass(slots=True)
class _State:
    """What is served now: the good entries by file, and their routes. Replaced whole."""

    entries: dict[str, _Entry]
    routes: Routes = field(init=False)

    def __post_init__(self) -> None:
        self.routes = Routes([e.route for e in self.entries.values()])

    def match(self, path: str) -> _Entry | None:
        route = self.routes.match(path)
        return self.entries.get(route.file) if route is not None else None


def _stamp(file: str) -> tuple[int, int, int]:
    st = os.stat(file)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _is_twiml(file: str) -> bool:
    """Whether an ``.xml`` file is TwiML (root ``<Response>`` in any case), as ``twimlc
    check`` decides; a file that is not well-formed counts, so that it gets checked."""
    from lxml import etree

    try:
        for _, element in etree.iterparse(
            file, events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        ):
            tag = element.tag
            return isinstance(tag, str) and etree.QName(tag).localname.lower() == "response"
    except (etree.XMLSyntaxError, OSError):
        return True
    return True


def _nowhere(code: str, message: str, path: str, hint: str | None = None, severity: str = "error") -> Diagnostic:
    """A problem with a whole file (no line to point at)."""
    from . import Diagnostic, Span

    return Diagnostic(code, message, Span(0, 0, 0, 0), severity, hint, path)


def _load(route: Route, dialect: Dialect) -> tuple[_Entry | None, list[Diagnostic]]:
    """The route's file, checked for the provider serving it (``dialect``, as ``check
    --target`` judges): an entry, or every diagnostic when it has errors. A ``.twl``
    whose header names another target is refused (TWL802)."""
    from . import TwimlcError, check, checks

    path = Path(route.file)
    try:
        stamp = _stamp(route.file)
    except OSError as e:
        return None, [_nowhere("TWL005", f"cannot read file: {e.strerror or e}", route.file)]
    if not route.static:
        from . import load

        try:
            template = load(path, target=dialect)
        except (TwimlcError, OSError, ValueError) as e:
            found = check(path, target=dialect)
            if any(d.is_error for d in found):
                return None, found + _header_target(route.file, dialect)
            if isinstance(e, TwimlcError):
                return None, list(e.diagnostics)
            return None, [_nowhere("TWL005", f"cannot read file: {e}", route.file)]
        mismatch = _wrong_target(template.document, dialect, route.file)
        if mismatch:
            return None, mismatch
        return _Entry(route, stamp, template, kind=template.document.kind), []
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None, check(path, target=dialect) or [_nowhere("TWL005", "cannot read file", route.file)]
    found = (
        checks(text, filename=route.file, target=dialect)
        if text.lstrip().startswith("<")
        else check(path, target=dialect)
    )
    if any(d.is_error for d in found):
        return None, found
    return _Entry(route, stamp, body=data), []


def _wrong_target(doc: Document, dialect: Dialect, path: str) -> list[Diagnostic]:
    from .api import wrong_target

    return wrong_target(doc, dialect, path, "it is served for", "serve")


def _header_target(file: str, dialect: Dialect) -> list[Diagnostic]:
    """TWL802 for a ``.twl`` file that has errors too: judged for the target its header
    names, they may not be the provider's (read again: only for a file that failed)."""
    from .api import read
    from .files import read_source

    text, _ = read_source(file)
    if text is None:
        return []
    doc, _ = read(text, file, dialect)
    return _wrong_target(doc, dialect, file)


def render_diagnostics(diagnostics: Iterable[Diagnostic], colour: bool = False) -> str:
    """Diagnostics as ``twimlc check`` prints them, with each file's source line."""
    from .diagnostics import render_text  # the public renderer: twimlc.diagnostics.render_text

    sources: dict[str, str | None] = {}
    out = []
    for d in diagnostics:
        if d.path not in sources and d.span.line > 0:  # the source line is shown: read the file once
            try:
                sources[d.path] = Path(d.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                sources[d.path] = None
        out.append(render_text(d, sources.get(d.path), colour))
    return "\n".join(out)


def _check_public_url(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # an unmatched [ or ] in the host
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"--public-url {_redact(url)!r} is not an http(s) URL of the form https://host[:port][/prefix] "
            "(no query, no fragment)"
        )
    return url.rstrip("/")


class App:
    """The webhook application (ASGI 3). Building it scans and checks ``directory``:
    :class:`TwimlcError` with every diagnostic when a file has errors, :class:`ConfigError`
    when verification is on and neither an auth token nor a shared key is configured.

    ``auth_token`` defaults to ``TWILIO_AUTH_TOKEN`` and ``shared_key`` to
    ``TWILIO_WEBHOOK_SHARED_KEY``. ``public_url`` (``https://host[/prefix]``) is the base
    of the URL Twilio signed; without it the URL is rebuilt from the request (and from
    ``X-Forwarded-Proto``/``X-Forwarded-Host`` only when ``trust_proxy``). ``fallback``
    is the TwiML (XML or ``.twl`` source) answered when a template cannot be rendered;
    ``fallback_path``, the file it was read from, is the name its diagnostics carry.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        auth_token: str | None = None,
        shared_key: str | None = None,
        public_url: str | None = None,
        verify: bool = True,
        trust_proxy: bool = False,
        reload: bool = False,
        reload_interval: float = 0.5,
        fallback: str | None = None,
        fallback_path: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        provider: str = "twilio",
        public_key: str | None = None,
    ) -> None:
        self.directory = os.fspath(directory)
        if not os.path.isdir(self.directory):
            raise ConfigError(f"{self.directory} is not a directory")
        from .dialect import dialect_named, unknown_name

        named = dialect_named(provider) if isinstance(provider, str) else None  # any case: "Telnyx"
        if named is None:
            raise ConfigError(unknown_name(str(provider)))
        provider = named.name
        self.provider = provider
        self.dialect = named  # every file is judged for the provider serving it
        self._public_key: Any = None
        self.verify = verify
        if provider == "twilio":
            self._token = auth_token if auth_token is not None else os.environ.get("TWILIO_AUTH_TOKEN") or None
            self._shared_key = (
                shared_key if shared_key is not None else os.environ.get("TWILIO_WEBHOOK_SHARED_KEY") or None
            )
        else:
            self._token, self._shared_key = self._provider_secrets(provider, auth_token, public_key, verify)
        if verify and provider == "twilio" and not self._token and not self._shared_key:
            raise ConfigError(
                "no auth token: set TWILIO_AUTH_TOKEN (and TWILIO_WEBHOOK_SHARED_KEY for HMAC-SHA256 webhooks) "
                "so that Twilio's signatures can be verified, or turn verification off explicitly (--no-verify)"
            )
        self.public_url = _check_public_url(public_url)
        self.trust_proxy = trust_proxy
        self.reload = reload
        self.reload_interval = reload_interval
        self.max_body = max_body
        self._fallback = self._compile_fallback(fallback, fallback_path or "<fallback>", self.dialect)
        self._twiml_cache: dict[str, tuple[tuple[int, int, int], bool]] = {}
        self._failed: dict[str, tuple[int, int, int]] = {}  # broken files as last seen: re-checked once changed
        self._reported: set[str] = set()  # route problems (conflicts, /healthz) already logged
        self._next_scan = 0.0
        self._state = self._load_all()
        self._next_scan = time.monotonic() + reload_interval

    def __repr__(self) -> str:
        shown = f", provider={self.provider!r}" if self.provider != "twilio" else ""
        return f"App({self.directory!r}, routes={len(self._state.entries)}, verify={self.verify}{shown})"

    def _provider_secrets(
        self, provider: str, auth_token: str | None, public_key: str | None, verify: bool
    ) -> tuple[str | None, None]:
        """SignalWire: the signing key (SIGNALWIRE_SIGNING_KEY, else SIGNALWIRE_TOKEN).
        Telnyx: the account's Ed25519 public key (TELNYX_PUBLIC_KEY), loaded once."""
        if provider == "signalwire":
            env = os.environ
            token = auth_token or env.get("SIGNALWIRE_SIGNING_KEY") or env.get("SIGNALWIRE_TOKEN") or None
            if verify and not token:
                raise ConfigError(
                    "no signing key: set SIGNALWIRE_SIGNING_KEY (the project's Signing Key, Dashboard > API) "
                    "or SIGNALWIRE_TOKEN so that SignalWire's signatures can be verified, or turn verification "
                    "off explicitly (--no-verify)"
                )
            return token, None
        key_text = public_key if public_key is not None else os.environ.get("TELNYX_PUBLIC_KEY") or None
        if not verify:
            return None, None
        if not key_text:
            raise ConfigError(
                "no public key: set TELNYX_PUBLIC_KEY (Mission Control > Keys & Credentials > Public Key) so that "
                "Telnyx's Ed25519 signatures can be verified, or turn verification off explicitly (--no-verify)"
            )
        try:
            self._public_key = signature.telnyx_public_key(key_text)
        except ImportError:
            raise ConfigError(
                "verifying Telnyx's Ed25519 signatures needs cryptography, which is not installed: "
                "pip install 'twimlc[telnyx]'"
            ) from None
        except ValueError as e:
            raise ConfigError(str(e)) from None
        return None, None

    @property
    def routes(self) -> Routes:
        """The routes served now."""
        return self._state.routes

    # --- loading -------------------------------------------------------------------------

    @staticmethod
    def _compile_fallback(fallback: str | None, name: str, dialect: Dialect) -> bytes | None:
        if fallback is None:
            return None
        from . import TwimlcError, checks

        if fallback.lstrip().startswith("<"):
            found = checks(fallback, filename=name, target=dialect)
            if any(d.is_error for d in found):
                raise TwimlcError(found)
            return fallback.encode("utf-8")
        from . import analyze

        doc, found = analyze(fallback, name, dialect)  # judged as checks judges it
        found += _wrong_target(doc, dialect, name)
        if any(d.is_error for d in found):
            raise TwimlcError(found)
        if doc.params:
            from . import Template

            return Template(doc, name).render().encode("utf-8")
        from .generator import generate

        return generate(doc).encode("utf-8")

    def _is_twiml(self, file: str) -> bool:
        try:
            stamp = _stamp(file)
        except OSError:
            return True
        cached = self._twiml_cache.get(file)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        answer = _is_twiml(file)
        self._twiml_cache[file] = (stamp, answer)
        return answer

    def _scan(self) -> tuple[Routes, list[Diagnostic]]:
        routes = Routes.scan(self.directory, self._is_twiml)
        problems = []
        for conflict in routes.conflicts:
            first, second = conflict.files
            problems.append(  # as graph and simulate report it: the first file (in name order) is served
                _nowhere(
                    "TWL705",
                    f"{second} and {first} both answer {conflict.path}; only the first is used",
                    second,
                    "rename or remove one of them",
                    "warning",
                )
            )
        for route in routes.routes:
            if HEALTH_PATH in (route.path, *route.aliases):
                problems.append(
                    _nowhere(
                        "TWL801",
                        f"{route.file} would answer {HEALTH_PATH}, which twimlc serve keeps for health checks",
                        route.file,
                        "rename the file",
                    )
                )
        return routes, problems

    def _load_all(self) -> _State:
        from . import TwimlcError

        routes, problems = self._scan()
        entries: dict[str, _Entry] = {}
        for route in routes.routes:
            entry, found = _load(route, self.dialect)
            problems.extend(found)
            if entry is not None:
                entries[route.file] = entry
        if any(d.is_error for d in problems):
            raise TwimlcError(problems)
        for d in problems:
            log.warning("%s", render_diagnostics([d]))
        return _State(entries)

    def _maybe_reload(self) -> None:
        """Re-check what changed since the last scan, at most every ``reload_interval``:
        changed, new and removed files. A broken file is logged once (until it changes
        again) and its last good version keeps serving."""
        now = time.monotonic()
        if now < self._next_scan:
            return
        self._next_scan = now + self.reload_interval
        try:
            routes, problems = self._scan()
        except OSError as e:
            log.error("cannot scan %s: %s", self.directory, e.strerror or e)
            return
        for p in problems:
            if p.message not in self._reported:
                self._reported.add(p.message)
                log.log(logging.ERROR if p.is_error else logging.WARNING, "%s", render_diagnostics([p]))
        old = self._state.entries
        entries: dict[str, _Entry] = {}
        for route in routes.routes:
            if HEALTH_PATH in (route.path, *route.aliases):
                continue
            previous = old.get(route.file)
            try:
                stamp = _stamp(route.file)
            except OSError:
                continue  # removed since the scan
            if previous is not None and previous.stamp == stamp and previous.route == route:
                entries[route.file] = previous
                continue
            if self._failed.get(route.file) == stamp:  # the broken version already reported
                if previous is not None:
                    entries[route.file] = previous
                continue
            entry, found = _load(route, self.dialect)
            if entry is not None:
                self._failed.pop(route.file, None)
                entries[route.file] = entry
                log.info("%s %s (%s)", "reloaded" if previous else "added", route.path, route.file)
                continue
            self._failed[route.file] = stamp
            keep = "the last good version keeps serving" if previous is not None else "it is not served"
            log.error("%s has errors; %s:\n%s", route.file, keep, render_diagnostics(found))
            if previous is not None:
                entries[route.file] = previous
        for file, entry in old.items():
            if file not in entries:
                log.info("removed %s (%s)", entry.route.path, file)
        if entries != old:
            self._state = _State(entries)

    # --- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                log.info("serving %d routes from %s", len(self._state.entries), self.directory)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        method: str = scope["method"]
        full_path: str = scope["path"]
        root: str = scope.get("root_path", "") or ""
        path = full_path[len(root) :] if root and full_path.startswith(root) else full_path
        path = path or "/"
        status, sid, route_path = 500, "-", _printable(path)
        try:
            if path == HEALTH_PATH and method in ("GET", "HEAD"):
                status = await _respond(send, 200, _TEXT, b"ok\n")
                return
            if self.reload:
                self._maybe_reload()
            entry = self._state.match(path)
            if entry is None:
                status = await _respond(send, 404, _TEXT, b"Not Found\n")
                return
            route_path = entry.route.path
            if method not in ("GET", "POST"):
                status = await _respond(send, 405, [*_TEXT, (b"allow", b"GET, POST")], b"Method Not Allowed\n")
                return
            headers = _headers(scope)
            body, status = await _read_body(receive, headers, self.max_body)
            if status:
                text = b"Payload Too Large\n" if status == 413 else b""
                if status != 499:
                    await _respond(send, status, _TEXT, text)
                return
            query = scope.get("query_string", b"").decode("latin-1")
            form, posted, json_body, problem = _parse_body(body, headers.get("content-type", ""))
            if problem:
                status = await _respond(send, problem[0], _TEXT, problem[1].encode() + b"\n")
                return
            fields = _fields(parse_form(query) if query else [], posted)
            sid = _printable(fields.get("CallSid") or fields.get("MessageSid") or fields.get("SmsSid") or "-")
            if self.verify and not self._verified(scope, headers, query, form, json_body, method, route_path, body):
                title = {"twilio": b"Twilio", "signalwire": b"SignalWire", "telnyx": b"Telnyx"}[self.provider]
                status = await _respond(send, 403, _TEXT, b"Forbidden: the " + title + b" signature does not verify\n")
                return
            if entry.template is None:
                status = await _respond(send, 200, _XML, entry.body)
                return
            status = await _respond(send, 200, _XML, self._render(entry, entry.template, fields, sid))
        finally:
            if log.isEnabledFor(logging.INFO):
                ms = (time.perf_counter() - start) * 1000
                log.info("%s %s %s %d %.2fms", method, route_path, sid, status, ms)

    def _render(self, entry: _Entry, template: Template, fields: dict[str, str], sid: str) -> bytes:
        from . import TwimlcError

        values = {}
        for p in template.params:
            value = fields.get(p.name)
            if value is None or (value == "" and p.default is not None):
                continue  # absent, or empty where the template has a default
            values[p.name] = value
        try:
            return template.render(**values).encode("utf-8")
        except TwimlcError as e:
            where = [d.replace(path=entry.route.file) for d in e.diagnostics]
            log.error(
                "render failed for %s (sid %s), answered the fallback: %s",
                entry.route.path,
                sid,
                render_diagnostics(where),
            )
        except Exception:
            log.exception("render failed for %s (sid %s), answered the fallback", entry.route.path, sid)
        if self._fallback is not None:
            return self._fallback
        return (MESSAGING_FALLBACK if entry.kind == "messaging" else VOICE_FALLBACK).encode("utf-8")

    # --- signatures ----------------------------------------------------------------------

    @property
    def _signer(self) -> str:
        return SIGNERS[self.provider]

    def request_url(self, scope: Scope, headers: dict[str, str] | None = None) -> str:
        """The URL Twilio requested, as it signed it: ``public_url`` + path + query when
        configured; else scheme and host from the request (``X-Forwarded-Proto`` and
        ``X-Forwarded-Host`` with ``trust_proxy``)."""
        headers = _headers(scope) if headers is None else headers
        path = _raw_path(scope)
        query = scope.get("query_string", b"").decode("latin-1")
        tail = path + ("?" + query if query else "")
        if self.public_url is not None:
            return self.public_url + tail
        scheme = scope.get("scheme", "http")
        host = headers.get("host") or _server(scope)
        if self.trust_proxy:
            scheme = _first(headers.get("x-forwarded-proto")) or scheme
            host = _first(headers.get("x-forwarded-host")) or host
        return f"{scheme}://{host}{tail}"

    def _verified(
        self,
        scope: Scope,
        headers: dict[str, str],
        query: str,
        form: list[tuple[str, str]],
        json_body: bytes | None,
        method: str,
        route: str,
        body: bytes = b"",
    ) -> bool:
        url = self.request_url(scope, headers)
        given = headers.get("x-twilio-signature")
        if self.provider == "signalwire":
            given = headers.get("x-signalwire-signature") or given
        settings = headers.get("x-twilio-webhooks-signature-settings")
        if self.provider == "telnyx":
            verdict = signature.verify_telnyx(
                url,
                body,
                headers.get(signature.TELNYX_SIGNATURE_HEADER),
                headers.get(signature.TELNYX_TIMESTAMP_HEADER),
                public_key=self._public_key,
                names=tuple(sorted({n for n, _ in form})),
            )
            given = None  # the URL is not signed: nothing to diagnose about it
        elif json_body is not None and "bodySHA256=" not in query:
            verdict = signature.Verdict(
                False,
                signature.algorithm_of(settings),
                url,
                (),
                "a JSON body without bodySHA256 in the URL is not covered by the signature",
                "Twilio adds bodySHA256 to the URL of every JSON webhook",
            )
        else:
            verdict = signature.verify(
                url,
                form,
                given,
                token=self._token,
                shared_key=self._shared_key,
                settings_header=settings,
                body=json_body,
                public_url=self.public_url,
                provider=self.provider,
            )
        if verdict.ok:
            return True
        cause = verdict.cause
        if self.provider == "signalwire" and not given:
            reason = f"the request has no {signature.SIGNALWIRE_HEADER} (or {signature.SIGNATURE_HEADER}) header"
            cause = "it did not come from SignalWire (or a proxy dropped the header)"
            verdict = signature.Verdict(False, verdict.algorithm, verdict.url, verdict.names, reason, cause)
        if given and "does not match" in verdict.reason:
            cause = self._diagnose(scope, headers, form, given, settings, json_body) or cause
        if self.provider == "telnyx":  # the URL is not signed: say what is
            log.warning(
                "403 %s %s: %s. Signed: telnyx-timestamp|body (%d bytes); parameters: %s; algorithm: %s. "
                "Likely cause: %s",
                method,
                route,
                verdict.reason,
                len(body),
                _printable(", ".join(verdict.names)) or "(none)",
                verdict.algorithm,
                cause,
            )
            return False
        log.warning(
            "403 %s %s: %s. Signed URL: %s; parameters: %s; algorithm: %s. Likely cause: %s",
            method,
            route,
            self._shown(verdict.reason),
            self._shown(verdict.url),
            _printable(", ".join(verdict.names)) or "(none)",
            verdict.algorithm,
            self._shown(cause),
        )
        return False

    def _shown(self, text: str) -> str:
        """``text`` as a log line may show it: the password of any URL in it redacted (the
        public URL's, also as the likely causes rewrite it: http:// for https://)."""
        return _redact_all(text)

    def _diagnose(
        self,
        scope: Scope,
        headers: dict[str, str],
        form: list[tuple[str, str]],
        given: str,
        settings: str | None,
        json_body: bytes | None,
    ) -> str | None:
        """When the signature matches another URL or key, say which (never the signature):
        the certain cause instead of a list of likely ones."""
        url = self.request_url(scope, headers)
        parts = urlsplit(url)
        tail = url[len(f"{parts.scheme}://{parts.netloc}") :]
        tries: list[tuple[str, str]] = []
        other = "https" if parts.scheme == "http" else "http"
        tries.append(
            (
                f"{other}://{parts.netloc}{tail}",
                f"the signature matches {other}://{parts.netloc}{tail}: {self._signer} requested {other}://"
                + (" (TLS ended at a proxy): give --public-url https://…" if other == "https" else ""),
            )
        )
        proto = _first(headers.get("x-forwarded-proto"))
        fhost = _first(headers.get("x-forwarded-host"))
        if not self.trust_proxy and (proto or fhost):
            forwarded = f"{proto or parts.scheme}://{fhost or parts.netloc}{tail}"
            tries.append(
                (
                    forwarded,
                    f"the signature matches {forwarded}, from the proxy's X-Forwarded headers: "
                    "run with --trust-proxy (or give --public-url)",
                )
            )
        for candidate, cause in tries:
            v = signature.verify(
                candidate,
                form,
                given,
                token=self._token,
                shared_key=self._shared_key,
                settings_header=settings,
                body=json_body,
            )
            if v.ok:
                return cause
        algorithm = signature.algorithm_of(settings)
        if algorithm == signature.HMAC_SHA1 and self._shared_key:
            v = signature.verify(url, form, given, token=self._shared_key, body=json_body)
            if v.ok:
                return "the request is signed with the webhook shared key but has no X-Twilio-Webhooks-Signature-Settings header"
        return None


def _redact_all(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` in it redacted."""
    if "@" not in text:
        return text
    import re

    return re.sub(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@]*@", lambda m: _redact(m.group(0)), text)


def _redact(url: str) -> str:
    """``url`` with the password in it (``https://user:password@host``) redacted."""
    from .dialer import redact_url

    return redact_url(url)


def _printable(text: str) -> str:
    """Text from the request as it may appear in a log line: control characters escaped,
    so that a field cannot forge a line of its own."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _first(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(",", 1)[0].strip() or None


def _server(scope: Scope) -> str:
    server = scope.get("server")
    if not server:
        return "localhost"
    host, port = server[0], server[1]
    if port is None:
        return str(host)
    return f"{host}:{port}"


def _raw_path(scope: Scope) -> str:
    """The path as the client sent it (percent-encoding kept), mount prefix included."""
    raw = scope.get("raw_path")
    if raw:
        return str(raw.decode("latin-1"))
    return quote(scope["path"], safe="/:@!$&'()*+,;=-._~")


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name (the first of repeated ones)."""
    out: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        key = name.decode("latin-1").lower()
        if key not in out:
            out[key] = value.decode("latin-1")
    return out


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> tuple[bytes, int]:
    """(body, 0), or (b"", 413) past ``limit``, or (b"", 499) when the client went away."""
    length = headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        return b"", 413
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", 499
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return b"", 413
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), 0


def _parse_body(
    body: bytes, content_type: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bytes | None, tuple[int, str] | None]:
    """(signed form pairs, fields to bind, JSON body, problem): Twilio posts forms, and
    JSON (covered by ``bodySHA256`` rather than by the parameters) for some products."""
    if not body:
        return [], [], None, None
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return [], [], None, (400, "Bad Request: the form body is not UTF-8")
        pairs = parse_form(text)
        return pairs, pairs, None, None
    if media == "application/json" or media.endswith("+json"):
        return [], _json_fields(body), body, None
    return [], [], None, (415, "Unsupported Media Type: Twilio posts application/x-www-form-urlencoded (or JSON)")


def parse_form(text: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, as ``parse_qsl(text,
    keep_blank_values=True)`` reads them, without unquoting what has nothing to unquote
    (most of Twilio's fields): this runs on every request."""
    out = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in name or "%" in name:
            name = unquote_plus(name)
        if "+" in value or "%" in value:
            value = unquote_plus(value)
        out.append((name, value))
    return out


def _fields(query: list[tuple[str, str]], posted: list[tuple[str, str]]) -> dict[str, str]:
    """The values a template binds: the first of each name, posted fields before the query."""
    out: dict[str, str] = {}
    for name, value in posted:
        out.setdefault(name, value)
    for name, value in query:
        out.setdefault(name, value)
    return out


def _json_fields(body: bytes) -> list[tuple[str, str]]:
    """A JSON object's scalar members, as fields a template can bind (not signed: the
    body is covered by ``bodySHA256``)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    out = []
    for k, v in data.items():
        if isinstance(v, bool):
            out.append((str(k), "true" if v else "false"))
        elif isinstance(v, str | int | float):
            out.append((str(k), str(v)))
    return out


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode("ascii"))],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status


# --- production: a factory for uvicorn and gunicorn workers -------------------------------


def from_env() -> App:
    """The app configured from the environment, for workers started by uvicorn or
    gunicorn: ``TWIMLC_SERVE_DIR`` (the folder), ``TWIMLC_PUBLIC_URL``,
    ``TWIMLC_TRUST_PROXY=1``, ``TWIMLC_RELOAD=1``, ``TWIMLC_NO_VERIFY=1``,
    ``TWIMLC_FALLBACK`` (a file), ``TWIMLC_MAX_BODY``, ``TWIMLC_PROVIDER``; and
    ``TWILIO_AUTH_TOKEN``, ``TWILIO_WEBHOOK_SHARED_KEY`` (or the provider's own variables).

        uvicorn --factory twimlc.serve:from_env --workers 4
        gunicorn -k uvicorn.workers.UvicornWorker -w 4 'twimlc.serve:from_env()'
    """
    env = os.environ

    def flag(name: str) -> bool:
        return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")

    directory = env.get("TWIMLC_SERVE_DIR")
    if not directory:
        raise ConfigError("TWIMLC_SERVE_DIR is not set: the folder of .twl files to serve")
    fallback = env.get("TWIMLC_FALLBACK")
    max_body = env.get("TWIMLC_MAX_BODY") or str(DEFAULT_MAX_BODY)
    if not max_body.isdigit() or int(max_body) < 1:
        raise ConfigError(f"TWIMLC_MAX_BODY={max_body!r} is not a number of bytes")
    text = None
    if fallback:
        text, problems = _read_fallback(fallback)
        if text is None:
            raise ConfigError(f"TWIMLC_FALLBACK={fallback}: {problems[0].message}")
    return App(
        directory,
        public_url=env.get("TWIMLC_PUBLIC_URL") or None,
        trust_proxy=flag("TWIMLC_TRUST_PROXY"),
        reload=flag("TWIMLC_RELOAD"),
        verify=not flag("TWIMLC_NO_VERIFY"),
        fallback=text,
        fallback_path=fallback or None,
        max_body=int(max_body),
        provider=env.get("TWIMLC_PROVIDER") or "twilio",
    )


def _read_fallback(file: str) -> tuple[str | None, list[Diagnostic]]:
    """The fallback file's text, or its TWL005 (``no such file``, not UTF-8…)."""
    from .files import explain_missing, read_source

    text, problems = read_source(file)
    if text is None:
        return None, explain_missing(file, problems, "give --fallback a .twl or TwiML file")
    return text, []


# --- the commands ----------------------------------------------------------------------------


def logging_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration, with ``twimlc.serve`` logging beside it (the same
    format, standard error). Given to uvicorn so that every worker process uses it."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["twimlc.serve"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def cli_serve(args: Any) -> int:
    """``twimlc serve``: 0 after a clean shutdown, 1 when a file has errors (all listed)
    or the server could not start, 2 for a usage or configuration error."""
    import sys

    from . import TwimlcError
    from .diagnostics import use_colour

    try:
        import uvicorn
    except ImportError:
        sys.stderr.write(
            "twimlc serve: error: serving needs uvicorn, which is not installed: pip install 'twimlc[serve]'\n"
        )
        return 2
    if args.workers < 1 or args.max_body < 1:
        sys.stderr.write("twimlc serve: error: --workers and --max-body must be at least 1\n")
        return 2
    if not 0 <= args.port <= 65535:
        sys.stderr.write(f"twimlc serve: error: --port {args.port} is not a port (0-65535; 0 picks a free one)\n")
        return 2
    import logging.config

    logging.config.dictConfig(logging_config(args.log_level))
    provider = getattr(args, "provider", None)
    if provider is None:  # as ruff reads its settings: the option, else the files' project's, else Twilio
        from pathlib import Path

        from .project import SettingsError, target_setting

        start = Path(args.directory) if os.path.isdir(args.directory) else None  # else App says it is not one
        try:
            chosen, where = target_setting(start)
        except SettingsError as e:
            sys.stderr.write(f"twimlc serve: error: {e}\n")
            return 2
        provider = chosen.name if chosen is not None else "twilio"
        if chosen is not None:
            log.info("provider %s (from [tool.twimlc] target in %s)", provider, where)
    fallback = None
    if args.fallback:
        fallback, problems = _read_fallback(args.fallback)
        if fallback is None:
            sys.stderr.write(render_diagnostics(problems, use_colour(sys.stderr)) + "\n")
            return 2
    try:
        app = App(
            args.directory,
            public_url=args.public_url,
            verify=not args.no_verify,
            trust_proxy=args.trust_proxy,
            reload=args.reload,
            fallback=fallback,
            fallback_path=args.fallback,
            max_body=args.max_body,
            provider=provider,
        )
    except ConfigError as e:
        sys.stderr.write(f"twimlc serve: error: {e}\n")
        return 2
    except TwimlcError as e:
        sys.stderr.write(render_diagnostics(e.diagnostics, use_colour(sys.stderr)) + "\n")
        errors = [d for d in e.diagnostics if d.is_error]
        files = len({d.path for d in errors})
        sys.stderr.write(
            f"twimlc serve: refusing to start: {len(errors)} error{'s' * (len(errors) != 1)} "
            f"in {files} file{'s' * (files != 1)}\n"
        )
        return 1
    for route in app.routes.routes:
        log.info("route %s -> %s", route.path, route.file)
    log.info("provider %s: files are checked as %s", app.provider, app.dialect.title)
    if not app.verify:
        log.warning(
            "%s signatures are NOT verified (--no-verify): anyone can call these webhooks", VERIFIED[app.provider][0]
        )
    else:
        log.info("%s signatures are verified with %s", *VERIFIED[app.provider])
        if app.provider != "telnyx" and app.public_url is None and not app.trust_proxy:
            log.info(
                "signatures cover the URL: they are verified against the URL of each request; behind a tunnel "
                "or proxy, give --public-url (or --trust-proxy)"
            )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "proxy_headers": False,  # twimlc reads X-Forwarded-* itself, and only with --trust-proxy
        "server_header": False,
        "access_log": False,  # twimlc.serve logs one line per request
        "log_config": logging_config(args.log_level),
        "lifespan": "on",
    }
    try:
        if args.workers > 1:
            os.environ.update(
                {
                    "TWIMLC_SERVE_DIR": args.directory,
                    "TWIMLC_PUBLIC_URL": args.public_url or "",
                    "TWIMLC_TRUST_PROXY": "1" if args.trust_proxy else "",
                    "TWIMLC_RELOAD": "1" if args.reload else "",
                    "TWIMLC_NO_VERIFY": "1" if args.no_verify else "",
                    "TWIMLC_FALLBACK": args.fallback or "",
                    "TWIMLC_MAX_BODY": str(args.max_body),
                    "TWIMLC_PROVIDER": app.provider,
                }
            )
            uvicorn.run("twimlc.serve:from_env", factory=True, workers=args.workers, **options)
        else:
            uvicorn.run(app, **options)
    except SystemExit as e:  # uvicorn exits when it cannot start (a port in use…)
        return 1 if e.code not in (0, None) else 0
    return 0


VOICE_FIELDS = (
    ("CallSid", "CA" + "0" * 32),
    ("AccountSid", "AC" + "0" * 32),
    ("From", "+15005550006"),
    ("To", "+15005550006"),
    ("Caller", "+15005550006"),
    ("Called", "+15005550006"),
    ("CallStatus", "ringing"),
    ("Direction", "inbound"),
    ("ApiVersion", "2010-04-01"),
)
MESSAGING_FIELDS = (
    ("MessageSid", "SM" + "0" * 32),
    ("SmsSid", "SM" + "0" * 32),
    ("AccountSid", "AC" + "0" * 32),
    ("From", "+15005550006"),
    ("To", "+15005550006"),
    ("Body", "Hello"),
    ("NumMedia", "0"),
    ("NumSegments", "1"),
    ("ApiVersion", "2010-04-01"),
)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request as Twilio would send it. ``headers`` hold the signature, never a secret."""

    method: str
    url: str  # where it is sent
    signed_url: str  # the URL the signature covers
    headers: dict[str, str]
    body: bytes


def signed_request(
    url: str,
    fields: Iterable[tuple[str, str]],
    *,
    method: str = "POST",
    secret: str | None,
    algorithm: str = signature.HMAC_SHA1,
    public_url: str | None = None,
    key_sid: str = "twimlc-invoke",
    provider: str = "twilio",
    private_key: Any = None,
    now: float | None = None,
) -> SignedRequest:
    """``fields`` posted (or, for GET, put in the query string) to ``url``, signed with
    ``secret`` as Twilio signs (unsigned when ``secret`` is None). ``public_url``: sign as
    if Twilio had requested that base plus ``url``'s path and query (a server behind a
    tunnel, tried from its own machine). ``provider="signalwire"`` signs the same way with
    the Signing Key as ``secret``, in ``X-SignalWire-Signature``; ``provider="telnyx"``
    signs ``timestamp|body`` with the Ed25519 ``private_key`` (``telnyx-signature-ed25519``
    and ``telnyx-timestamp``; unsigned without one)."""
    from urllib.parse import urlencode

    pairs = list(fields)
    method = method.upper()
    body = b""
    if method == "GET":
        if pairs:
            url = url + ("&" if urlsplit(url).query else "?") + urlencode(pairs)
        signed_pairs: list[tuple[str, str]] = []
    else:
        body = urlencode(pairs).encode("ascii")
        signed_pairs = pairs
    signed_url = url
    if public_url:
        parts = urlsplit(url)
        signed_url = public_url.rstrip("/") + (parts.path or "/") + ("?" + parts.query if parts.query else "")
    headers = {"User-Agent": "TwilioProxy/1.1 (twimlc invoke)"}
    if method != "GET":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if provider == "telnyx":
        if private_key is not None:
            stamp = str(int(time.time() if now is None else now))
            headers[signature.TELNYX_TIMESTAMP_HEADER] = stamp
            headers[signature.TELNYX_SIGNATURE_HEADER] = signature.telnyx_sign(private_key, stamp, body)
        return SignedRequest(method, url, signed_url, headers, body)
    if secret is not None and provider == "signalwire":
        headers[signature.SIGNALWIRE_HEADER] = signature.sign(secret, signed_url, signed_pairs, signature.HMAC_SHA1)
    elif secret is not None:
        headers[signature.SIGNATURE_HEADER] = signature.sign(secret, signed_url, signed_pairs, algorithm)
        if algorithm != signature.HMAC_SHA1:
            headers[signature.SETTINGS_HEADER] = f"key={key_sid},algorithm={algorithm}"
    return SignedRequest(method, url, signed_url, headers, body)


# The variable whose value invoke sends as AccountSid, per provider.
ACCOUNT_VARIABLES = {
    "twilio": "TWILIO_ACCOUNT_SID",
    "signalwire": "SIGNALWIRE_PROJECT_ID",
    "telnyx": "TELNYX_ACCOUNT_SID",
}


def _telnyx_test_key(text: str | None) -> tuple[Any, str | None]:
    """The Ed25519 private key invoke signs with as Telnyx would, or why there is none."""
    if text is None:
        return None, (
            "TELNYX_PRIVATE_KEY is not set: Telnyx signs with its own private key, which it never gives out, "
            "so a test request is signed with a test key pair: TELNYX_PRIVATE_KEY here, its public half as the "
            "server's TELNYX_PUBLIC_KEY (see the README); or give --no-sign to send it unsigned"
        )
    try:
        return signature.telnyx_private_key(text), None
    except ImportError:
        return None, "signing as Telnyx needs cryptography, which is not installed: pip install 'twimlc[telnyx]'"
    except ValueError as e:
        return None, str(e)


def cli_invoke(args: Any) -> int:
    """``twimlc invoke``: the answer's body on standard output; 0 for a 2xx answer, 1
    otherwise (the status on standard error), 2 for a usage error."""
    import sys

    import httpx

    env = os.environ
    fields: list[tuple[str, str]] = []
    given: list[tuple[str, str]] = []
    for pair in args.data or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            sys.stderr.write(f"twimlc invoke: error: -d {pair!r} is not NAME=VALUE\n")
            return 2
        given.append((name, value))
    provider = getattr(args, "provider", None)
    if provider is None:  # as serve: the option, else [tool.twimlc] target, else Twilio
        from .project import SettingsError, project_target

        try:
            chosen = project_target()
        except SettingsError as e:
            sys.stderr.write(f"twimlc invoke: error: {e}\n")
            return 2
        provider = chosen.name if chosen is not None else "twilio"
    names = {n for n, _ in given}
    defaults = {"voice": VOICE_FIELDS, "messaging": MESSAGING_FIELDS, "none": ()}[args.webhook]
    account = env.get(ACCOUNT_VARIABLES[provider])
    for name, value in defaults:
        if name not in names:
            fields.append((name, account if name == "AccountSid" and account else value))
    fields.extend(given)
    try:
        parts = urlsplit(args.url)
    except ValueError:  # an unmatched [ or ] in the host
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        sys.stderr.write(f"twimlc invoke: error: {_redact(args.url)!r} is not an http(s) URL\n")
        return 2
    if args.sha256 and provider != "twilio":
        sys.stderr.write(
            f"twimlc invoke: error: --sha256 is Twilio's webhook SharedKey; not for --provider {provider}\n"
        )
        return 2
    algorithm = signature.HMAC_SHA256 if args.sha256 else signature.HMAC_SHA1
    secret = None
    private_key = None
    if not args.no_sign and provider == "telnyx":
        private_key, problem = _telnyx_test_key(env.get("TELNYX_PRIVATE_KEY") or None)
        if problem:
            sys.stderr.write(f"twimlc invoke: error: {problem}\n")
            return 2
        algorithm = signature.ED25519
    elif not args.no_sign:
        if provider == "signalwire":
            variable = "SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN"
            secret = env.get("SIGNALWIRE_SIGNING_KEY") or env.get("SIGNALWIRE_TOKEN") or None
        else:
            variable = "TWILIO_WEBHOOK_SHARED_KEY" if args.sha256 else "TWILIO_AUTH_TOKEN"
            secret = env.get(variable) or None
        if secret is None:
            sys.stderr.write(
                f"twimlc invoke: error: {variable} is not set: the request cannot be signed as "
                f"{SIGNERS[provider]} signs it (give --no-sign to send it unsigned)\n"
            )
            return 2
    try:
        public_url = _check_public_url(args.public_url)
    except ConfigError as e:
        sys.stderr.write(f"twimlc invoke: error: {e}\n")
        return 2
    request = signed_request(
        args.url,
        fields,
        method=args.method,
        secret=secret,
        algorithm=algorithm,
        public_url=public_url,
        key_sid=env.get("TWILIO_WEBHOOK_SHARED_KEY_SID") or "twimlc-invoke",
        provider=provider,
        private_key=private_key,
    )
    try:
        with httpx.Client(timeout=args.timeout, follow_redirects=False) as client:
            response = client.request(request.method, request.url, headers=request.headers, content=request.body)
    except httpx.HTTPError as e:
        sys.stderr.write(
            f"twimlc invoke: error: {request.method} {_redact(request.url)}: {_redact_all(str(e or type(e).__name__))}\n"
        )
        return 1
    sys.stdout.write(response.text)
    if response.text and not response.text.endswith("\n"):
        sys.stdout.write("\n")
    if not response.is_success:
        sys.stderr.write(
            f"twimlc invoke: {request.method} {_redact(request.url)}: HTTP {response.status_code} "
            f"{response.reason_phrase}\n"
        )
        if response.status_code == 403 and provider == "telnyx" and private_key is not None:
            sys.stderr.write(
                "  signed: telnyx-timestamp|body (Ed25519, TELNYX_PRIVATE_KEY); the server's TELNYX_PUBLIC_KEY "
                "must be its public half; the server's log says why it refused\n"
            )
        elif response.status_code == 403:
            shown = _redact(request.signed_url)
            sys.stderr.write(f"  signed URL: {shown} ({algorithm}); the server's log says why it refused\n")
        return 1
    return 0
