"""twimlc benchmarks: ratios against named baselines, measured in one run.

    python benchmarks/run.py [--quick]

Each case alternates the two sides, reports medians and the ratio twimlc / baseline
(lower is better), and the goal from the issue that asked for it:

* start-up: ``twimlc check one.twl`` vs pre-commit-hooks' ``check-xml one.xml`` (goal ≤ 1.0)
* batch: ``twimlc check`` on 5,000 TwiML XML files vs ``xmllint --noout --schema`` (goal ≤ 4, in
  one process), and, as a separate figure, ``twimlc check --jobs 0`` (one process per CPU)
* compile: ``twimlc.compile`` of a ~60 kB document vs twilio-python building it (goal ≤ 3.5)
* render: ``Template.render`` of a 10-verb IVR with 3 parameters vs twilio-python building
  it (goal ≤ 1/5, i.e. 5 times faster) and vs a Jinja2 template with autoescape (goal ≤ 1/1.5)
* serve: requests per second for that IVR as a webhook route, signature verified:
  ``twimlc serve`` under uvicorn (one process, with httptools and uvloop as
  ``uvicorn[standard]`` installs them) vs a Flask app that verifies with
  twilio-python's ``RequestValidator`` and builds the TwiML with its builders, under
  gunicorn (one gthread worker, keep-alive); both on 127.0.0.1, driven in turn by the same
  client (``wrk``: one thread, 8 keep-alive connections; ``benchmarks/load.py``, asyncio,
  where wrk is missing), reported as time per request (goal ≤ 1/3, i.e. 3 times the
  throughput) with p50/p99 latency
* lsp: ``twimlc lsp`` (a real process, over stdio) from a one-character ``didChange`` of the
  ~60 kB document to its ``publishDiagnostics`` vs an in-process ``twimlc.checks`` of the same
  text (goal ≤ 1.5, and under 100 ms)

twimlc is measured as users run it, from an installed wheel: the script builds a wheel of
this checkout, installs it in a virtual environment of its own (in the user cache
directory, kept per checkout, twimlc reinstalled on every run) and runs itself there.
``--only`` picks cases (``--only startup,compile``).

Baselines missing from the machine are installed first (pre-commit-hooks, twilio, Jinja2,
Flask, gunicorn, uvicorn, httptools and uvloop from PyPI; xmllint from Debian's
libxml2-utils and wrk from Debian's wrk).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def ensure_baselines() -> None:
    need = [
        p
        for p, mod in (
            ("pre-commit-hooks", "pre_commit_hooks"),
            ("twilio", "twilio"),
            ("jinja2", "jinja2"),
            ("flask", "flask"),
            ("gunicorn", "gunicorn"),
            ("uvicorn", "uvicorn"),
            ("httptools", "httptools"),  # with uvloop: uvicorn[standard], as uvicorn is run in production
            ("uvloop", "uvloop"),
        )
        if importlib.util.find_spec(mod) is None
    ]
    if need:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *need], check=True)
    missing = [p for p, tool in (("libxml2-utils", "xmllint"), ("wrk", "wrk")) if shutil.which(tool) is None]
    if missing and shutil.which("apt-get"):
        subprocess.run(
            f"apt-get update -qq && apt-get install -y -qq {' '.join(missing)}",
            shell=True,
            check=False,
            capture_output=True,
        )


def _bench_venv() -> Path:
    """Where this checkout's wheel is installed for measuring: the user cache directory, one
    virtual environment per checkout."""
    import hashlib

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "twimlc"
    return cache / f"bench-venv-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"


def _wheel_venv() -> Path:
    """The virtual environment with a wheel of this checkout installed (not editable); twimlc
    is reinstalled from a fresh wheel on every run. Its Python."""
    venv = _bench_venv()
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)

    def pip(*args: str) -> None:
        r = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(f"pip {args[0]} failed:\n{r.stdout}{r.stderr}")

    with tempfile.TemporaryDirectory() as tmp:
        print(f"building a wheel of {ROOT} and installing it in {venv}", flush=True)
        left = not (ROOT / "build").exists()  # setuptools builds in ./build: leave no trace of it
        try:
            pip("wheel", "-q", "--no-deps", "-w", tmp, str(ROOT))
        finally:
            if left:
                shutil.rmtree(ROOT / "build", ignore_errors=True)
        (wheel,) = Path(tmp).glob("twimlc-*.whl")
        pip("install", "-q", "--upgrade", f"{wheel}[lsp,serve]")  # its dependencies, once (the cases' extras too)
        pip("install", "-q", "--force-reinstall", "--no-deps", str(wheel))  # this checkout's code, every run
    return python


def alternate(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median seconds of a and of b, run alternately."""
    ta, tb = [], []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb)


def run(cmd: list[str], ok: tuple[int, ...] = (0,), check: Callable[[str], None] | None = None) -> Callable[[], None]:
    """The command, run to completion; a failure stops the benchmark. With ``check``, its
    standard error is captured and given to ``check`` (which stops the benchmark when the
    command did not do all its work)."""

    def go() -> None:
        stderr = subprocess.PIPE if check else subprocess.DEVNULL
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=stderr, check=False)
        if r.returncode not in ok:
            raise SystemExit(f"benchmark command failed ({r.returncode}): {' '.join(cmd[:4])} …")
        if check:
            check(r.stderr.decode("utf-8", errors="replace"))

    return go


def row(name: str, ours: float, base: float, baseline: str, goal: float, unit: str = "ms", scale: float = 1000) -> None:
    ratio = ours / base
    verdict = "ok" if ratio <= goal else "MISSED"
    print(
        f"{name:<10} {ours * scale:>10.2f} {unit:<3} {base * scale:>10.2f} {unit:<3} {ratio:>7.2f}  ≤{goal:<5g} {verdict:<7} vs {baseline}"
    )


def startup(work: Path, rounds: int) -> None:
    twl = work / "one.twl"
    twl.write_text((ROOT / "examples" / "hello.twl").read_text(encoding="utf-8"), encoding="utf-8")
    xml = work / "one.xml"
    xml.write_text((ROOT / "tests" / "cases" / "hello.xml").read_text(encoding="utf-8"), encoding="utf-8")
    ours, base = alternate(
        run([str(BIN / "twimlc"), "check", str(twl)]), run([str(BIN / "check-xml"), str(xml)]), rounds
    )
    row("start-up", ours, base, "pre-commit-hooks check-xml one.xml", 1.0)


def _voice_documents() -> list[str]:
    """Real voice TwiML: the shared corpus's documents that the voice XSD accepts (or, where
    the corpus is absent, the golden cases)."""
    from lxml import etree

    corpus = ROOT.parent / "shared" / "corpus" / "twiml"
    files = sorted(corpus.rglob("*.xml")) if corpus.is_dir() else sorted((ROOT / "tests" / "cases").glob("*.xml"))
    xsd = etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "twiml-voice.xsd")))
    out = []
    for f in files:
        try:
            if xsd.validate(etree.parse(str(f))):
                out.append(f.read_text(encoding="utf-8"))
        except etree.XMLSyntaxError:
            continue
    return out


def batch(work: Path, files: int, rounds: int) -> None:
    sources = _voice_documents()
    folder = work / "batch"
    folder.mkdir()
    paths = []
    for i in range(files):
        p = folder / f"doc{i:05d}.xml"
        p.write_text(sources[i % len(sources)], encoding="utf-8")
        paths.append(str(p))
    xsd = str(ROOT / "schemas" / "twiml-voice.xsd")

    # Speed is measured, not verdicts: a rule may flag some real documents (exit 1), but
    # both sides must have processed every file.
    def ours_all(stderr: str) -> None:
        if f"checked {files} files:" not in stderr:
            raise SystemExit(f"twimlc check did not check all {files} files: {stderr.strip()[-300:]}")

    def base_all(stderr: str) -> None:
        done = stderr.count(" validates\n") + stderr.count(" fails to validate\n")
        if done != files:
            raise SystemExit(f"xmllint processed {done} of {files} files: {stderr.strip()[-300:]}")

    ours, base = alternate(
        run([str(BIN / "twimlc"), "check", str(folder)], ok=(0, 1), check=ours_all),
        run(["xmllint", "--noout", "--schema", xsd, *paths], ok=(0, 3), check=base_all),
        rounds,
    )
    row(
        "batch", ours, base, f"xmllint --noout --schema on {files:,} files ({len(sources)} real documents)", 4.0, "s", 1
    )
    # a separate figure, not the goal's (which is for one process): twimlc check --jobs 0,
    # one process per CPU, forked once the modules and schemas are loaded
    ours, base = alternate(
        run([str(BIN / "twimlc"), "check", "--jobs", "0", str(folder)], ok=(0, 1), check=ours_all),
        run(["xmllint", "--noout", "--schema", xsd, *paths], ok=(0, 3), check=base_all),
        rounds,
    )
    row("batch -j0", ours, base, f"the same, twimlc forked into {_cpus()} processes (--jobs 0)", 4.0, "s", 1)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def big_document() -> tuple[str, Callable[[], str]]:
    """~60 kB of TwiML (~760 elements), as .twl and as twilio-python builder calls."""
    from twilio.twiml.voice_response import VoiceResponse

    lines, n = [], 0
    while True:
        lines.append(
            f'say "Option {n}: thank you for calling our support line, all of our agents are busy right now, please stay on the line." voice=Polly.Joanna language=en-US'
        )
        lines.append(f"gather input=[dtmf speech] action=/menu/{n} numDigits=1 timeout=5:")
        lines.append(f'    say "Press {n % 10} to continue."')
        lines.append("    pause length=1")
        n += 1
        if n * 4 >= 760:
            break
    lines.append("hangup")

    def build() -> str:
        r = VoiceResponse()
        for i in range(n):
            r.say(
                f"Option {i}: thank you for calling our support line, all of our agents are busy right now, please stay on the line.",
                voice="Polly.Joanna",
                language="en-US",
            )
            g = r.gather(input="dtmf speech", action=f"/menu/{i}", num_digits=1, timeout=5)
            g.say(f"Press {i % 10} to continue.")
            g.pause(length=1)
        r.hangup()
        return str(r)

    return "\n".join(lines) + "\n", build


def compile_case(rounds: int) -> None:
    import twimlc

    source, build = big_document()
    xml = twimlc.compile(source)
    twimlc.compile(source)  # warm: grammar loaded once per process
    ours, base = alternate(lambda: twimlc.compile(source), build, rounds)
    size = len(xml.encode())
    row("compile", ours, base, f"twilio-python builders + str() ({size / 1024:.0f} kB)", 3.5)


IVR_TWL = """\
param name string
param call_sid string
param agent phone
say "Hello {{name}}, thanks for calling Example Co." voice=Polly.Joanna
pause length=1
gather input=[dtmf speech] action=/menu?call={{call_sid}} numDigits=1 timeout=5:
    say "Press 1 for sales, 2 for support, or stay on the line." voice=Polly.Joanna
say "Connecting you now, {{name}}." voice=Polly.Joanna
dial callerId=+14155550111 timeout=20 action=/after-dial:
    number {{agent}}
say "Sorry, nobody could take your call." voice=Polly.Joanna
record action=/voicemail maxLength=60 playBeep=true
say "Goodbye." voice=Polly.Joanna
hangup
"""

IVR_JINJA = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
    '  <Say voice="Polly.Joanna">Hello {{ name }}, thanks for calling Example Co.</Say>\n  <Pause length="1"/>\n'
    '  <Gather input="dtmf speech" action="/menu?call={{ call_sid|urlencode }}" numDigits="1" timeout="5">\n'
    '    <Say voice="Polly.Joanna">Press 1 for sales, 2 for support, or stay on the line.</Say>\n  </Gather>\n'
    '  <Say voice="Polly.Joanna">Connecting you now, {{ name }}.</Say>\n'
    '  <Dial callerId="+14155550111" timeout="20" action="/after-dial">\n    <Number>{{ agent }}</Number>\n  </Dial>\n'
    '  <Say voice="Polly.Joanna">Sorry, nobody could take your call.</Say>\n'
    '  <Record action="/voicemail" maxLength="60" playBeep="true"/>\n'
    '  <Say voice="Polly.Joanna">Goodbye.</Say>\n  <Hangup/>\n</Response>\n'
)

VALUES = {"name": "Ann & Bo", "call_sid": "CA0123456789abcdef0123456789abcdef", "agent": "+14155550100"}


def per_call(fn: Callable[[], object], rounds: int, inner: int = 2000) -> Callable[[], None]:
    def go() -> None:
        for _ in range(inner):
            fn()

    return go


def render_case(rounds: int) -> None:
    import jinja2
    from twilio.twiml.voice_response import VoiceResponse

    import twimlc

    template = twimlc.loads(IVR_TWL)
    jinja = jinja2.Environment(autoescape=True).from_string(IVR_JINJA)

    def build() -> str:
        r = VoiceResponse()
        r.say(f"Hello {VALUES['name']}, thanks for calling Example Co.", voice="Polly.Joanna")
        r.pause(length=1)
        g = r.gather(input="dtmf speech", action=f"/menu?call={VALUES['call_sid']}", num_digits=1, timeout=5)
        g.say("Press 1 for sales, 2 for support, or stay on the line.", voice="Polly.Joanna")
        r.say(f"Connecting you now, {VALUES['name']}.", voice="Polly.Joanna")
        d = r.dial(caller_id="+14155550111", timeout=20, action="/after-dial")
        d.number(VALUES["agent"])
        r.say("Sorry, nobody could take your call.", voice="Polly.Joanna")
        r.record(action="/voicemail", max_length=60, play_beep=True)
        r.say("Goodbye.", voice="Polly.Joanna")
        r.hangup()
        return str(r)

    inner = 2000
    ours, base = alternate(
        per_call(lambda: template.render(**VALUES), rounds, inner), per_call(build, rounds, inner), rounds
    )
    row("render", ours / inner, base / inner, "twilio-python builders + str()", 1 / 5, "µs", 1e6)
    ours, base = alternate(
        per_call(lambda: template.render(**VALUES), rounds, inner),
        per_call(lambda: jinja.render(**VALUES), rounds, inner),
        rounds,
    )
    row("render", ours / inner, base / inner, "Jinja2 template, autoescape", 1 / 1.5, "µs", 1e6)


FLASK_IVR = """\
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

app = Flask(__name__)
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])


@app.post("/ivr")
def ivr():
    if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
        return Response("Forbidden", status=403)
    name, call_sid, agent = request.form["name"], request.form["call_sid"], request.form["agent"]
    r = VoiceResponse()
    r.say(f"Hello {name}, thanks for calling Example Co.", voice="Polly.Joanna")
    r.pause(length=1)
    g = r.gather(input="dtmf speech", action=f"/menu?call={call_sid}", num_digits=1, timeout=5)
    g.say("Press 1 for sales, 2 for support, or stay on the line.", voice="Polly.Joanna")
    r.say(f"Connecting you now, {name}.", voice="Polly.Joanna")
    d = r.dial(caller_id="+14155550111", timeout=20, action="/after-dial")
    d.number(agent)
    r.say("Sorry, nobody could take your call.", voice="Polly.Joanna")
    r.record(action="/voicemail", max_length=60, play_beep=True)
    r.say("Goodbye.", voice="Polly.Joanna")
    r.hangup()
    return Response(str(r), mimetype="text/xml")
"""

WEBHOOK_FIELDS = {
    "CallSid": VALUES["call_sid"],
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+14155550100",
    "To": "+14155550111",
    "CallStatus": "ringing",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
    **VALUES,
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}) before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def _signed_request(port: int, path: str, token: str) -> bytes:
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    url = f"http://127.0.0.1:{port}{path}"
    signature = RequestValidator(token).compute_signature(url, WEBHOOK_FIELDS)
    body = urlencode(WEBHOOK_FIELDS).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Twilio-Signature: {signature}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _wrk(wrk: str, port: int, request: Path, seconds: float) -> dict[str, float]:
    """The same signed request, sent by wrk (one thread, 8 keep-alive connections)."""
    import re

    raw = request.read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    path = lines[0].split()[1]
    headers = dict(
        line.split(": ", 1) for line in lines[1:] if not line.lower().startswith(("host:", "content-length:"))
    )
    script = request.with_suffix(".lua")
    script.write_text(
        'wrk.method = "POST"\n'
        + f"wrk.body = {json_lua(body.decode())}\n"
        + "".join(f"wrk.headers[{json_lua(k)}] = {json_lua(v)}\n" for k, v in headers.items()),
        encoding="utf-8",
    )
    cmd = [
        wrk,
        "-t1",
        "-c8",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    if "Non-2xx" in out or "Requests/sec" not in out:
        raise SystemExit(f"wrk: not every answer was 200:\n{out}")

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            raise SystemExit(f"wrk: no {label}% latency in:\n{out}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps is not None
    return {"rps": float(rps.group(1)), "p50_ms": ms("50"), "p99_ms": ms("99")}


def json_lua(text: str) -> str:
    """A Lua string literal (JSON's escapes are valid Lua for this ASCII text)."""
    import json

    return json.dumps(text)


def serve_case(work: Path, rounds: int, seconds: float) -> None:
    import json

    token = "bench_token_0123456789abcdef0123"
    site = work / "site"
    site.mkdir()
    (site / "ivr.twl").write_text(IVR_TWL, encoding="utf-8")
    (work / "flask_ivr.py").write_text(FLASK_IVR, encoding="utf-8")
    env = {**os.environ, "TWILIO_AUTH_TOKEN": token}
    ours_port, base_port = _free_port(), _free_port()
    gunicorn = [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{base_port}"]
    servers = [
        subprocess.Popen(
            [str(BIN / "twimlc"), "serve", str(site), "--port", str(ours_port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*gunicorn, "--chdir", str(work), "--log-level", "warning", "flask_ivr:app"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        _wait_listening(ours_port, servers[0])
        _wait_listening(base_port, servers[1])
        ours_req, base_req = work / "ours.http", work / "base.http"
        ours_req.write_bytes(_signed_request(ours_port, "/ivr", token))
        base_req.write_bytes(_signed_request(base_port, "/ivr", token))

        wrk = shutil.which("wrk")

        def load(port: int, request: Path, secs: float) -> dict[str, float]:
            if wrk:
                return _wrk(wrk, port, request, secs)
            cmd = [sys.executable, str(ROOT / "benchmarks" / "load.py"), str(port), str(request)]
            out = subprocess.run([*cmd, "--seconds", str(secs)], capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise SystemExit(f"load generator failed: {out.stderr.strip() or out.stdout.strip()}")
            result: dict[str, float] = json.loads(out.stdout)
            return result

        load(ours_port, ours_req, 0.5)  # warm up both (and check that both answer 200)
        load(base_port, base_req, 0.5)
        ours_runs, base_runs = [], []
        for _ in range(rounds):
            ours_runs.append(load(ours_port, ours_req, seconds))
            base_runs.append(load(base_port, base_req, seconds))
    finally:
        for p in servers:
            p.terminate()
            p.wait(timeout=15)

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    ours_rps, base_rps = med(ours_runs, "rps"), med(base_runs, "rps")
    client = "wrk -t1 -c8" if shutil.which("wrk") else "benchmarks/load.py, 8 connections"
    row(
        "serve",
        1 / ours_rps,
        1 / base_rps,
        f"Flask + RequestValidator + builders, gunicorn gthread; {client}",
        1 / 3,
        "µs",
        1e6,
    )
    print(
        f"{'':<10} twimlc {ours_rps:,.0f} req/s, p50 {med(ours_runs, 'p50_ms'):.2f} ms, "
        f"p99 {med(ours_runs, 'p99_ms'):.2f} ms; Flask {base_rps:,.0f} req/s, p50 {med(base_runs, 'p50_ms'):.2f} ms, "
        f"p99 {med(base_runs, 'p99_ms'):.2f} ms ({ours_rps / base_rps:.1f}x the throughput)"
    )


class _Lsp:
    """A minimal LSP client over a server's standard input and output."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.next_id = 0

    def send(self, method: str, params: object, request: bool = False) -> int:
        import json

        message: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return self.next_id

    def receive(self) -> dict[str, object]:
        import json

        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the language server stopped")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, object] = json.loads(self.process.stdout.read(length))
        return message

    def until(self, match: Callable[[dict[str, object]], bool]) -> dict[str, object]:
        while True:
            message = self.receive()
            if match(message):
                return message

    def close(self) -> None:
        ident = self.send("shutdown", None, request=True)
        self.until(lambda m: m.get("id") == ident)
        self.send("exit", None)
        self.process.wait(timeout=10)


def lsp_case(rounds: int) -> None:
    import twimlc

    source, _ = big_document()
    uri = "file:///bench/big.twl"
    server = _Lsp([str(BIN / "twimlc"), "lsp"])
    ident = server.send("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}}, request=True)
    server.until(lambda m: m.get("id") == ident)
    server.send("initialized", {})

    def published(version: int) -> Callable[[dict[str, object]], bool]:
        def match(m: dict[str, object]) -> bool:
            params = m.get("params")
            return (
                m.get("method") == "textDocument/publishDiagnostics"
                and isinstance(params, dict)
                and params.get("version") == version
            )

        return match

    server.send(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "twl", "version": 1, "text": source}}
    )
    server.until(published(1))
    lines = source.split("\n")
    line = len(lines) // 2
    column = len(lines[line]) // 2
    state = {"version": 1, "text": source}

    def one_character() -> None:
        # insert a character in the middle of the document, then take it out again
        version = state["version"] = int(state["version"]) + 1
        inserting = version % 2 == 0
        end = column + (0 if inserting else 1)
        change = {"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": end}}}
        change["text"] = "x" if inserting else ""
        server.send(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        )
        server.until(published(version))

    try:
        twimlc.checks(source)  # warm: grammar loaded once per process
        ours, base = alternate(one_character, lambda: twimlc.checks(source), rounds)
    finally:
        server.close()
    row("lsp", ours, base, f"in-process twimlc.checks of the same {len(source.encode()) / 1024:.0f} kB", 1.5)
    print(
        f"{'':<10} didChange → publishDiagnostics {ours * 1000:.1f} ms: {'ok' if ours < 0.1 else 'MISSED'} (goal < 100 ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and files (a smoke run)")
    parser.add_argument(
        "--only", metavar="CASES", help=f"run these cases (comma-separated) of: {', '.join(CASES)} (default: all)"
    )
    args = parser.parse_args()
    only = [c.strip() for c in args.only.split(",") if c.strip()] if args.only else list(CASES)
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)} (choose from {', '.join(CASES)})")
    if Path(sys.prefix).resolve() != _bench_venv().resolve():
        python = _wheel_venv()
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    ensure_baselines()
    rounds = 5 if args.quick else 21
    import twimlc

    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; medians of {rounds} alternating runs")
    print(f"twimlc {twimlc.__version__} from {Path(twimlc.__file__).parent} (wheel install)")
    print(f"{'case':<10} {'twimlc':>14} {'baseline':>14} {'ratio':>7}  {'goal':<6} {'':<7}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases: dict[str, Callable[[], None]] = {
            "startup": lambda: startup(work, rounds),
            "batch": lambda: batch(work, 500 if args.quick else 5000, 3 if args.quick else 5),
            "compile": lambda: compile_case(rounds),
            "render": lambda: render_case(rounds),
            "serve": lambda: serve_case(work, 3 if args.quick else 7, 1.0 if args.quick else 3.0),
            "lsp": lambda: lsp_case(rounds),
        }
        for name, case in cases.items():
            if name in only:
                case()
    return 0


CASES = ("startup", "batch", "compile", "render", "serve", "lsp")


if __name__ == "__main__":
    raise SystemExit(main())
