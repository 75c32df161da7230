"""Every .twl example in the README compiles, and its shell examples name real files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT

import twimlc

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
TWL_BLOCKS = [body for lang, body in BLOCKS if lang == "twl"]
SH_BLOCKS = [body for lang, body in BLOCKS if lang == "sh"]
SERVING = ("twimlc serve ", "twimlc invoke ")  # a server and its clients: run together below


def test_readme_has_examples() -> None:
    assert len(TWL_BLOCKS) >= 10


def test_readme_blocks_name_their_language() -> None:
    """```twl for .twl (GitHub, MkDocs and Sphinx highlight it with twimlc's Pygments
    lexer; these blocks are compiled below), ```console for output, and so on."""
    unnamed = [body.strip().splitlines()[0] for lang, body in BLOCKS if lang == ""]
    assert unnamed == [], "give these README code blocks a language (```twl for .twl)"


@pytest.mark.parametrize("body", TWL_BLOCKS, ids=lambda b: b.strip().splitlines()[0][:40])
def test_readme_twl_compiles(body: str) -> None:
    doc, diagnostics = twimlc.analyze(body, "README.md")
    assert doc is not None
    assert [d for d in diagnostics if d.is_error] == []


def test_readme_files_exist() -> None:
    for path in set(re.findall(r"\b((?:examples|tests/\w+|schemas|docs)/[\w.-]+\.(?:twl|xml|xsd|md))\b", README)):
        if "NAME" not in path:
            assert (ROOT / path).exists(), path


COMMANDS = [
    line.split("  #")[0].strip()
    for body in SH_BLOCKS
    for line in body.splitlines()
    if line.startswith(("twimlc ", "python -m twimlc ", "xmllint ")) and not line.startswith(SERVING)
]


def test_readme_has_commands() -> None:
    assert len(COMMANDS) >= 6


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(command: str, tmp_path: Path) -> None:
    import shlex
    import shutil
    import subprocess
    import sys

    argv = shlex.split(command)
    if argv[0] == "xmllint" and shutil.which("xmllint") is None:
        pytest.skip("xmllint is not installed (Debian package libxml2-utils)")
    if argv[0] == "twimlc":
        argv = [sys.executable, "-m", "twimlc", *argv[1:]]
    elif argv[:3] == ["python", "-m", "twimlc"]:
        argv = [sys.executable, *argv[1:]]
    # run in a copy, so that commands which write (fmt, decompile -o) touch nothing here
    for folder in ("examples", "tests/cases", "tests/errors", "tests/repo", "schemas", "docs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    # no credentials, and an API base where nothing listens: a README example never calls out
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["TWIMLC_API_BASE"] = "http://127.0.0.1:9"
    # placeholder credentials (missing ones are a usage error, exit 2): the call fails to connect
    env.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="readme-placeholder-token")
    r = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False, env=env)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr + r.stdout


SERVE_COMMANDS = [
    line.split("  #")[0].strip() for body in SH_BLOCKS for line in body.splitlines() if line.startswith(SERVING)
]


def test_readme_serve_session(tmp_path: Path) -> None:
    """The README's ``twimlc serve`` runs (on a free port instead of 8000), and each of
    its ``twimlc invoke`` commands gets valid TwiML from it."""
    import re
    import shlex
    import shutil
    import subprocess
    import sys
    import time

    pytest.importorskip("uvicorn")
    from twimlc.api import check_xml

    serves = [c for c in SERVE_COMMANDS if c.startswith("twimlc serve ")]
    invokes = [c for c in SERVE_COMMANDS if c.startswith("twimlc invoke ")]
    assert serves and invokes
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["TWILIO_AUTH_TOKEN"] = "readme_test_token_0123456789abcdef"
    for serve in serves:
        argv = [sys.executable, "-m", "twimlc", *shlex.split(serve)[1:], "--port", "0"]
        proc = subprocess.Popen(
            argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            assert proc.stderr is not None
            base, seen, deadline = None, [], time.monotonic() + 30
            while base is None and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line:
                    break
                seen.append(line)
                m = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
                base = m.group(1) if m else None
            assert base, "".join(seen)
            for command in invokes:
                argv = shlex.split(command.replace("http://127.0.0.1:8000", base))
                r = subprocess.run(
                    [sys.executable, "-m", "twimlc", *argv[1:]], cwd=tmp_path, env=env, capture_output=True, check=False
                )
                assert r.returncode == 0, (command, r.stderr)
                assert check_xml(r.stdout) == [], command
        finally:
            proc.terminate()
            proc.communicate(timeout=15)
