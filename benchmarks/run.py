"""twimlc benchmarks: ratios against named baselines, measured in one run.

    python benchmarks/run.py [--quick]

Each case alternates the two sides, reports medians and the ratio twimlc / baseline
(lower is better), and the goal from the issue that asked for it:

* start-up: ``twimlc check one.twl`` vs pre-commit-hooks' ``check-xml one.xml`` (goal ≤ 1.5)
* batch: ``twimlc check`` on 5,000 TwiML XML files vs ``xmllint --noout --schema`` (goal ≤ 3)
* compile: ``twimlc.compile`` of a ~60 kB document vs twilio-python building it (goal ≤ 10)

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
            f'say "Option {n}: thank you for calling our support line, please hold." voice=Polly.Joanna language=en-US'
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
                f"Option {i}: thank you for calling our support line, please hold.",
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
    print("render     (templates are not built yet: the render ratios come with them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
