from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from twimlc.canonical import canonical
from twimlc.cli import main

HELLO = ROOT / "examples" / "hello.twl"


def test_compile_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(HELLO)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<Say voice="Polly.Joanna">Thanks for calling!</Say>' in out
    assert err == ""


def test_compile_to_file_is_atomic_and_keeps_old_file_on_error(tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    assert main(["compile", str(HELLO), "-o", str(out)]) == 0
    first = out.read_text(encoding="utf-8")
    assert canonical(first) == canonical(first)
    bad = tmp_path / "bad.twl"
    bad.write_text('say "x" loop=many\n', encoding="utf-8")
    assert main(["compile", str(bad), "-o", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == first  # untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["compile"])
    assert e.value.code == 2
    assert main([]) == 2
    with pytest.raises(SystemExit) as e:
        main(["nonsense"])
    assert e.value.code == 2


def test_unreadable_and_binary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(tmp_path / "missing.twl")]) == 1
    binary = tmp_path / "bin.twl"
    binary.write_bytes(b'say "\xff\xfe"\n')
    assert main(["compile", str(binary)]) == 1
    err = capsys.readouterr().err
    assert "TWL005" in err and "Traceback" not in err
    assert f"{binary}:1:6:" in err


def test_python_dash_m(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "twimlc", "compile", str(HELLO)], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    assert "<Hangup/>" in r.stdout


def test_no_colour_when_not_a_tty(tmp_path: Path) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_text("sya\n", encoding="utf-8")
    env = dict(os.environ, NO_COLOR="")
    r = subprocess.run(
        [sys.executable, "-m", "twimlc", "compile", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert r.returncode == 1
    assert "\033[" not in r.stderr
    assert "did you mean 'say'?" in r.stderr
