"""A real HTTP server on 127.0.0.1 that behaves like the Calls API, for the dialer tests.

Each POST takes the next behaviour from a script (``ok``, ``400``, ``401``, ``429``,
``500``, ``slow``, ``drop``; ``429:VALUE`` answers 429 with ``Retry-After: VALUE``, and
``429:`` with no ``Retry-After`` at all); GETs of a call return the next status from
``statuses`` (``404``: not found). Every request that reached the server is recorded,
with its exact body.

``style="telnyx"`` behaves like Telnyx's TeXML call API instead: a JSON body in, a flat
call object (``call_sid``) out, errors as ``{"errors": [{code, title, detail}]}``; a GET
answers as its "Fetch a call" does (a flat call resource with ``sid`` and ``status``).
SignalWire's Compatibility API answers as Twilio's does."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

ACCOUNT = "AC00000000000000000000000000000000"
TOKEN = "s3cr3t-auth-token-value-0123456789"
CALL_SID = "CA11111111111111111111111111111111"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: list[tuple[str, str]]
    body: str = ""  # exactly as received (form-encoded)


@dataclass
class Script:
    posts: list[str] = field(default_factory=lambda: ["ok"])
    statuses: list[str] = field(default_factory=lambda: ["completed"])
    slow_seconds: float = 2.0
    seen: list[Seen] = field(default_factory=list)
    style: str = "twilio"


def _error(code: int, message: str, status: int) -> bytes:
    return json.dumps(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    ).encode()


TELNYX_CALL = "v3:call-control-id-0001"


def _telnyx_error(code: str, title: str, detail: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "title": title, "detail": detail}]}).encode()


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a "slow" answer)
                self.close_connection = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            telnyx = script.style == "telnyx"
            if telnyx:
                try:
                    sent = json.loads(body)
                except ValueError:
                    sent = {}
                pairs = [(str(k), str(v)) for k, v in sent.items()] if isinstance(sent, dict) else []
            else:
                pairs = parse_qsl(body, keep_blank_values=True)
            script.seen.append(Seen("POST", self.path, dict(self.headers), pairs, body))
            behaviour = script.posts.pop(0) if script.posts else "ok"
            form = dict(pairs)
            if telnyx and behaviour == "ok":
                resource = {"call_sid": TELNYX_CALL, "status": "queued", "to": form.get("To"), "from": form.get("From")}
                self._send(200, json.dumps(resource).encode())
            elif telnyx and behaviour == "401":
                self._send(401, _telnyx_error("10009", "Authentication failed", "The API key is not valid."))
            elif telnyx and behaviour == "400":
                self._send(422, _telnyx_error("10015", "Invalid value", "The 'To' number is not valid."))
            elif telnyx and (behaviour == "429" or behaviour.startswith("429:")):
                retry_after = behaviour.partition(":")[2] if ":" in behaviour else "0"
                headers = {"Retry-After": retry_after} if retry_after else {}
                self._send(429, _telnyx_error("10011", "Too many requests", "Slow down."), headers)
            elif behaviour == "ok":
                resource = {
                    "sid": CALL_SID,
                    "status": "queued",
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "account_sid": ACCOUNT,
                }
                self._send(201, json.dumps(resource).encode())
            elif behaviour == "400":
                self._send(400, _error(21211, "The 'To' number +1555 is not a valid phone number.", 400))
            elif behaviour == "401":
                self._send(401, _error(20003, "Authenticate", 401))
            elif behaviour == "429" or behaviour.startswith("429:"):
                retry_after = behaviour.partition(":")[2] if ":" in behaviour else "0"
                headers = {"Retry-After": retry_after} if retry_after else {}
                self._send(429, _error(20429, "Too Many Requests", 429), headers)
            elif behaviour == "500":
                self._send(500, b'{"message": "internal error"}')
            elif behaviour == "slow":
                time.sleep(script.slow_seconds)
                self._send(201, b'{"sid": "CAslow", "status": "queued"}')
            elif behaviour == "drop":
                self.close_connection = True
                self.connection.shutdown(2)

        def do_GET(self) -> None:
            script.seen.append(Seen("GET", self.path, dict(self.headers), []))
            status = script.statuses.pop(0) if len(script.statuses) > 1 else script.statuses[0]
            telnyx = script.style == "telnyx"
            if status == "404":  # Telnyx: as its "Fetch a call" documents its 404
                body = b'{"errors": [{"detail": "Resource not found"}]}' if telnyx else _error(20404, "Not found", 404)
                self._send(404, body)
                return
            sid = TELNYX_CALL if telnyx else CALL_SID
            self._send(200, json.dumps({"sid": sid, "status": status}).encode())

    return Handler


class FakeTwilio:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
