"""Usage errors the new user met: malformed or repeated ``--param`` (exit 2, argparse
style, every command taking it), a subcommand's own usage line, ``decompile`` of a .twl
file, and GitHub annotations for problems that have no position."""

from __future__ import annotations

from pathlib import Path

import pytest

from twimlc.cli import main


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's own usage errors
        return int(e.code or 0)


@pytest.fixture
def greet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "greet.twl"
    f.write_text('param From phone\nsay "Hi {{From}}"\n', encoding="utf-8")
    (tmp_path / "flow").mkdir()
    (tmp_path / "flow" / "index.twl").write_text('say "x"\n', encoding="utf-8")
    return f


COMMANDS = {
    "compile": ["compile", "greet.twl"],
    "dial": ["dial", "greet.twl", "--to", "+15558675310", "--from", "+15558675311", "--dry-run"],
    "simulate": ["simulate", "flow"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_malformed_param_is_a_usage_error(command: str, greet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([*COMMANDS[command], "--param", "From"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"usage: twimlc {command} ")
    assert f"twimlc {command}: error: argument --param: 'From' is not NAME=VALUE" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_repeated_param_is_a_usage_error(command: str, greet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*COMMANDS[command], "--param", "From=+15558675310", "--param", "From=+15558675312"]
    assert _exit_code(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"usage: twimlc {command} ")
    assert f"twimlc {command}: error: argument --param: From is given twice" in err


def test_param_without_a_name_is_a_usage_error(greet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["compile", "greet.twl", "--param", "=+15558675310"]) == 2
    assert "argument --param: '=+15558675310' has no NAME" in capsys.readouterr().err


def test_distinct_params_still_compile(greet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "greet.twl", "--param", "From=+15558675310"]) == 0
    assert "Hi +15558675310" in capsys.readouterr().out


def test_subcommand_usage_error_shows_that_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["compile", "--bogus", "x.twl"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: twimlc compile [-h]")
    assert "twimlc compile: error: unrecognized arguments: --bogus" in err
    assert _exit_code(["--bogus"]) == 2  # no command: the top-level usage
    assert capsys.readouterr().err.startswith("usage: twimlc [-h]")


def test_decompile_of_twl_source_says_use_compile(greet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (greet.parent / "menu.twl").write_text('say "hi"\n', encoding="utf-8")
    assert main(["decompile", "menu.twl"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "twimlc decompile: error: menu.twl is .twl source; decompile reads TwiML XML. "
        "To turn .twl into TwiML, run: twimlc compile menu.twl\n"
    )
    assert not (greet.parent / "menu.xml").exists()


def test_github_format_omits_position_of_file_level_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.twl").write_text("sya\n", encoding="utf-8")
    assert main(["check", "--format", "github", "missing.twl", "bad.twl"]) == 1
    lines = capsys.readouterr().out.splitlines()
    missing = next(line for line in lines if "missing.twl" in line)
    assert missing.startswith("::error file=missing.twl,title=TWL005::")
    bad = next(line for line in lines if "bad.twl" in line)
    assert bad.startswith("::error file=bad.twl,line=1,col=1,endLine=1,endColumn=4,title=TWL101::")
