"""fmt: golden cases in tests/fmt (NAME.in.twl → NAME.out.twl), its run-time guarantees,
and the CLI's --check, --diff and atomic rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, ROOT

import twimlc
from twimlc.cli import main

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


def test_file_with_errors_is_reported_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.twl"
    bad.write_text("sya   x\n", encoding="utf-8")
    assert main(["fmt", str(bad)]) == 1
    assert bad.read_text(encoding="utf-8") == "sya   x\n"
    assert "TWL101" in capsys.readouterr().err


def test_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.twl").write_text('say   "x"\n', encoding="utf-8")
    (tmp_path / "b.twl").write_text('say "x"\n', encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "1 file would be reformatted, 1 file left unchanged"
    assert main(["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "1 file reformatted, 1 file left unchanged"
