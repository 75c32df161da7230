"""twimlc benchmarks: ratios against named baselines, measured in one run.

    python benchmarks/run.py [--quick]

Each case alternates the two sides, reports medians and the ratio twimlc / baseline
(lower is better), and the goal from the issue that asked for it:

* start-up: ``twimlc check one.twl`` vs pre-commit-hooks' ``check-xml one.xml`` (goal ≤ 1.5)
* batch: ``twimlc check`` on 5,000 TwiML XML files vs ``xmllint --noout --schema`` (goal ≤ 3)
* compile: ``twimlc.compile`` of a ~60 kB document vs twilio-python building it (goal ≤ 10)
* render: ``Template.render`` of a 10-verb IVR with 3 parameters vs twilio-python building
  it (goal ≤ 1/5, i.e. 5 times faster) and vs a Jinja2 template with autoescape (goal ≤ 1/1.5)

Baselines missing from the machine are installed first (pre-commit-hooks and twilio from
PyPI, xmllint from Debian's libxml2-utils).
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
        for p, mod in (("pre-commit-hooks", "pre_commit_hooks"), ("twilio", "twilio"))
        if importlib.util.find_spec(mod) is None
    ]
    if need:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *need], check=True)
    if shutil.which("xmllint") is None and shutil.which("apt-get"):
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq libxml2-utils", shell=True, check=False, capture_output=True
        )


def alternate(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median seconds of a and of b, run alternately."""
    ta, tb = [], []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb)


def run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> Callable[[], None]:
    def go() -> None:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if r.returncode not in ok:
            raise SystemExit(f"benchmark command failed ({r.returncode}): {' '.join(cmd[:4])} …")

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
    row("start-up", ours, base, "pre-commit-hooks check-xml one.xml", 1.5)


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
    ours, base = alternate(
        run([str(BIN / "twimlc"), "check", str(folder)]),
        run(["xmllint", "--noout", "--schema", xsd, *paths]),
        rounds,
    )
    row(
        "batch", ours, base, f"xmllint --noout --schema on {files:,} files ({len(sources)} real documents)", 3.0, "s", 1
    )


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
    row("compile", ours, base, f"twilio-python builders + str() ({size / 1024:.0f} kB)", 10.0)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and files (a smoke run)")
    args = parser.parse_args()
    ensure_baselines()
    rounds = 5 if args.quick else 21
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; medians of {rounds} alternating runs")
    print(f"{'case':<10} {'twimlc':>14} {'baseline':>14} {'ratio':>7}  {'goal':<6} {'':<7}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        startup(work, rounds)
        batch(work, 500 if args.quick else 5000, 3 if args.quick else 5)
        compile_case(rounds)
        render_case(rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
