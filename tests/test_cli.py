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


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "hard link"])
def test_compile_refuses_to_write_over_its_input(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compile a.twl -o a.twl` would replace the source with its XML: refused before
    anything is read or written (usage error, exit 2)."""
    source = tmp_path / "a.twl"
    source.write_text('say "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    target = {"same path": str(source), "relative path": "./a.twl", "symlink": "link.xml", "hard link": "hard.xml"}[how]
    if how == "symlink":
        os.symlink(source, tmp_path / "link.xml")
    if how == "hard link":
        os.link(source, tmp_path / "hard.xml")
    assert main(["compile", str(source), "-o", target]) == 2
    assert source.read_text(encoding="utf-8") == 'say "x"\n'
    out, err = capsys.readouterr()
    assert out == ""
    assert f"twimlc compile: error: -o {target} is the input file {source}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"a.twl", Path(target).name})


def test_compile_output_dash_is_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compile", str(HELLO), "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_decompile_refuses_to_write_over_its_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = tmp_path / "a.xml"
    xml.write_bytes(b"<Response><Say>Hi</Say></Response>")
    monkeypatch.chdir(tmp_path)
    assert main(["decompile", "a.xml", "-o", str(xml)]) == 2
    assert xml.read_bytes() == b"<Response><Say>Hi</Say></Response>"
    assert f"twimlc decompile: error: -o {xml} is the input file a.xml" in capsys.readouterr().err
    assert main(["decompile", "a.xml", "-o", "-"]) == 0
    assert capsys.readouterr().out == 'say "Hi"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]
    # NAME.twl beside NAME.xml: an input already named .twl is not overwritten, even with --force
    twl = tmp_path / "b.twl"
    twl.write_bytes(b"<Response><Hangup/></Response>")
    assert main(["decompile", "--force", "a.xml", "b.twl"]) == 1
    assert twl.read_bytes() == b"<Response><Hangup/></Response>"
    assert "b.twl: error: is the input file" in capsys.readouterr().err
    assert (tmp_path / "a.twl").read_text(encoding="utf-8") == 'say "Hi"\n'


@pytest.mark.parametrize(
    "source",
    [
        "dial:\n    number +15558675310\n    conference room\n",
        "dial:\n" + "".join(f"    number +155586753{i:02d}\n" for i in range(11)),
        'say "' + "a" * 200_000 + '"\n',
        'say "x" loop=many\ndial 4155550100\nhangup\nsay "never"\n',
        # a template: compiled with its values, judged as check judges it
        'param who string\nsay "Hi {{who}}"\ndial:\n    conference room\n    number +15558675310\n',
    ],
    ids=["conference-and-number", "eleven-numbers", "long-say", "bad-value-and-rules", "template"],
)
def test_compile_refuses_what_check_refuses(source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.twl"
    f.write_text(source, encoding="utf-8")
    assert main(["check", str(f)]) == 1
    reported = capsys.readouterr().out
    assert main(["compile", str(f), "--param", "who=Ann"] if "param" in source else ["compile", str(f)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == reported  # the same diagnostics, rendered the same way


def test_compile_prints_warnings_and_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "w.twl"
    f.write_text('hangup\nsay "x"\n', encoding="utf-8")
    assert main(["compile", str(f)]) == 0
    out, err = capsys.readouterr()
    assert "<Hangup/>" in out
    assert "warning[TWL401]" in err and err.count("\n") > 1


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


@pytest.mark.parametrize(
    ("source", "shown", "not_shown"),
    [
        # a fix that would write 'loop' twice is not suggested as if it were one
        (
            'say "x" loop=2 Loop=3\n',
            "help: did you mean 'loop'? 'loop' is given already: keep one of them",
            "help: did you mean 'loop'?\n",
        ),
        # a bad value does not hide that there is nothing to play (README)
        ("play loop=many\n", "error[TWL303] <Play> has nothing to play", "Traceback"),
        ("dial timeout=abc\n", "error[TWL303] <Dial> has nothing to dial", "Traceback"),
        # the no-break space is named, not the vertical tab beside it
        ("\x0b\u00a0\n", "x.twl:1:2: error[TWL010] '\\x0b\\xa0' contains U+00A0 NO-BREAK SPACE", "None"),
        # the end of the file is where it ends
        ("gather input=[dtmf\n", "x.twl:1:19: error[TWL001] unexpected end of file", "1:15"),
        # {{caller}} is used, in a statement that is refused
        ('param caller string\nSay "Hello {{caller}}"\n', "error[TWL101] unknown keyword 'Say'", "TWL602"),
    ],
)
def test_check_shows_what_the_trial_found(
    source: str,
    shown: str,
    not_shown: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "x.twl").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "x.twl"]) == 1
    out = capsys.readouterr().out
    assert shown in out and not_shown not in out, out
