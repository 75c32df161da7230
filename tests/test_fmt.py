"""fmt: golden cases in tests/fmt (NAME.in.twl → NAME.out.twl), its run-time guarantees,
and the CLI's --check, --diff and atomic rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, ROOT

import twimlc
from twimlc.api import check_twl
from twimlc.cli import main
from twimlc.fmt import format_as_written

FMT = ROOT / "tests" / "fmt"
INPUTS = sorted(FMT.glob("*.in.twl"))


@pytest.mark.parametrize("case", INPUTS, ids=lambda p: p.name.removesuffix(".in.twl"))
def test_golden(case: Path) -> None:
    expected = case.with_name(case.name.replace(".in.twl", ".out.twl")).read_text(encoding="utf-8")
    source = case.read_text(encoding="utf-8")
    assert twimlc.format(source) == expected
    assert twimlc.format(expected) == expected  # idempotent
    assert twimlc.parse(expected) == twimlc.parse(source)  # same meaning


@pytest.mark.parametrize(
    "case", sorted(CASES.glob("*.twl")) + sorted((ROOT / "examples").glob("*.twl")), ids=lambda p: p.stem
)
def test_every_case_formats_stably(case: Path) -> None:
    source = case.read_text(encoding="utf-8")
    once = twimlc.format(source)
    assert twimlc.format(once) == once
    assert twimlc.parse(once) == twimlc.parse(source)


def test_guarantee_failure_leaves_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import twimlc.printer

    f = tmp_path / "a.twl"
    f.write_text('say   "x"\n', encoding="utf-8")
    monkeypatch.setattr(twimlc.printer, "quote", lambda text: '"changed"')
    assert main(["fmt", str(f)]) == 1
    assert f.read_text(encoding="utf-8") == 'say   "x"\n'
    assert "TWL904" in capsys.readouterr().err


def test_check_diff_and_rewrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.twl"
    messy.write_text('say   "x"\n', encoding="utf-8")
    clean = tmp_path / "clean.twl"
    clean.write_text('say "x"\n', encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert f"would reformat {messy}" in capsys.readouterr().err
    assert messy.read_text(encoding="utf-8") == 'say   "x"\n'
    assert main(["fmt", "--diff", str(messy)]) == 0
    out = capsys.readouterr().out
    assert '-say   "x"' in out and '+say "x"' in out
    assert main(["fmt", str(tmp_path)]) == 0
    assert messy.read_text(encoding="utf-8") == 'say "x"\n'
    assert main(["fmt", "--check", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_file_with_a_syntax_error_is_reported_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_text('say   "x" loop=many\nsay "y\n', encoding="utf-8")
    assert main(["fmt", str(bad)]) == 1
    assert bad.read_text(encoding="utf-8") == 'say   "x" loop=many\nsay "y\n'
    err = capsys.readouterr().err
    assert "TWL002" in err and "1 file failed" in err
    assert "TWL202" not in err  # only what stops fmt: as ruff format, nothing of check's


# fmt formats any file that parses, as black and ruff format do: what check would say about
# it (a bad value, an unknown keyword) is check's business. The resolver drops what it
# cannot type, so these are printed as written, never from what it kept.
AS_WRITTEN = [
    ('say   "x"   loop=many\n', 'say "x" loop=many\n'),  # TWL202: the value is kept
    ("sya   x\n", "sya x\n"),  # TWL101
    ('say "x"   lop=2\n', 'say "x" lop=2\n'),  # TWL103
    ("pause   x\n", "pause x\n"),  # TWL302
    ('say "a"    "b"\n', 'say "a" "b"\n'),  # TWL304: the second value is kept, not joined to the first
    ("say   [a   b]\n", "say [a b]\n"),  # TWL209
    ('hangup:\n      say   "x"\n', 'hangup:\n    say "x"\n'),  # TWL305
    ("param   1x   strng\nsay   hi\n", 'param 1x strng\nsay "hi"\n'),  # TWL604, TWL601-free
    ("twiml   vioce\nsay   hi\n", 'twiml vioce\nsay "hi"\n'),  # TWL105
    ('twiml messaging\nsay   "x"\n', 'twiml messaging\nsay "x"\n'),  # TWL102
    ('say:\n    "Hi"\n\n\n\nsay "x" loop=x\n', 'say "Hi"\n\nsay "x" loop=x\n'),  # the layout of a valid file
    (
        "# menu\ngather   numDigits=x:  # one key\n  # ask\n  say   'Press 1'\n\n  play   a.mp3 lop=1\n".replace(
            "'", '"'
        ),
        '# menu\ngather numDigits=x:  # one key\n    # ask\n    say "Press 1"\n\n    play a.mp3 lop=1\n',
    ),
    ("dial:\n  number   +15558675310 sendDigits=ABC\n", "dial:\n    number +15558675310 sendDigits=ABC\n"),
    ('!Future   "x"   !a=1 b=[x y]\nsay "y"  loop=z\n', '!Future "x" !a=1 !b=[x y]\nsay "y" loop=z\n'),
    (
        "say   x loop=many " + " ".join(f"a{i}=1" for i in range(20)) + "\n",
        'say "x" \\\n    loop=many \\\n' + "".join(f"    a{i}=1 \\\n" for i in range(19)) + "    a19=1\n",
    ),
]


@pytest.mark.parametrize(("source", "expected"), AS_WRITTEN)
def test_a_file_with_errors_other_than_syntax_is_formatted_as_written(source: str, expected: str) -> None:
    assert [d for d in check_twl(source) if d.is_error]  # each has an error check reports
    assert twimlc.format(source) == expected
    assert twimlc.format(expected) == expected


def test_fmt_reformats_a_file_with_a_value_error_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new user's report: `say "x" loop=many` got TWL202 and "1 file failed"."""
    f = tmp_path / "a.twl"
    f.write_text('say   "x"   loop=many\n', encoding="utf-8")
    assert main(["fmt", str(f)]) == 0
    assert f.read_text(encoding="utf-8") == 'say "x" loop=many\n'
    assert capsys.readouterr() == ("", f"reformatted {f}\n1 file reformatted\n")
    _stdin(monkeypatch, b'say "x" loop=many\n')
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr() == ('say "x" loop=many\n', "")


def test_guarantees_hold_for_a_file_with_value_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import twimlc.printer

    f = tmp_path / "a.twl"
    f.write_text('say   "x" loop=many\n', encoding="utf-8")
    monkeypatch.setattr(twimlc.printer, "quote", lambda text: '"changed"')
    assert main(["fmt", str(f)]) == 1
    assert f.read_text(encoding="utf-8") == 'say   "x" loop=many\n'
    assert "TWL904" in capsys.readouterr().err


@pytest.mark.parametrize(
    "case",
    sorted(CASES.glob("*.twl")) + sorted((ROOT / "examples").glob("*.twl")) + INPUTS,
    ids=lambda p: p.name,
)
def test_as_written_and_typed_layouts_agree(case: Path) -> None:
    """A file is laid out the same whether or not it has an error elsewhere."""
    source = case.read_text(encoding="utf-8")
    assert format_as_written(source) == twimlc.format(source)


def test_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.twl").write_text('say   "x"\n', encoding="utf-8")
    (tmp_path / "b.twl").write_text('say "x"\n', encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "1 file would be reformatted, 1 file left unchanged"
    assert main(["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "1 file reformatted, 1 file left unchanged"


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin_to_stdout(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`fmt -`, as editors format on save: the formatted text on standard output, quietly."""
    _stdin(monkeypatch, b'say   "x"\n')
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr() == ('say "x"\n', "")
    _stdin(monkeypatch, b'say "x"\n')  # already formatted: the same text back
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr() == ('say "x"\n', "")


def test_stdin_check_and_diff(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, b'say   "x"\n')
    assert main(["fmt", "--check", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "would reformat -" in err
    _stdin(monkeypatch, b'say "x"\n')
    assert main(["fmt", "--check", "-"]) == 0
    assert capsys.readouterr().out == ""
    _stdin(monkeypatch, b'say   "x"\n')
    assert main(["fmt", "--diff", "--stdin-filename", "menu.twl", "-"]) == 0
    out = capsys.readouterr().out
    assert '-say   "x"' in out and '+say "x"' in out and "menu.twl" in out


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"say   x\n???\n", "TWL001"), (b'say "x\n', "TWL002"), (b"say \xff\n", "TWL005"), (b'say   "x"\n', "TWL904")],
)
def test_stdin_refused_writes_nothing_to_stdout(
    data: bytes, code: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor must never receive a broken or empty file: diagnostics on standard error,
    exit 1, standard output empty."""
    import twimlc.printer

    if code == "TWL904":
        monkeypatch.setattr(twimlc.printer, "quote", lambda text: '"changed"')
    _stdin(monkeypatch, data)
    assert main(["fmt", "--stdin-filename", "ivr/menu.twl", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert code in err and "ivr/menu.twl:" in err


def test_stdin_is_alone(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", "-", "examples"]) == 2
    assert main(["fmt", "--stdin-filename", "a.twl", "examples"]) == 2
    assert "standard input" in capsys.readouterr().err


def test_stdin_through_a_real_pipe() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "twimlc", "fmt", "-"],
        input="gather numDigits=1: say   'x'\n".replace("'", '"').encode(),
        capture_output=True,
        check=False,
    )
    assert (r.returncode, r.stdout, r.stderr) == (0, b'gather numDigits=1:\n    say "x"\n', b"")
