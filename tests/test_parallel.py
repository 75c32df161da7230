"""``twimlc check --jobs N``: the files shared among processes forked from this one, with
the output and exit code of a single run, whatever happens to a child."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, SHARED

from twimlc import parallel
from twimlc.cli import main

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="this platform does not fork safely")


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_results_come_back_in_order() -> None:
    items = list(range(200))
    assert parallel.map_forked(lambda x: (x, x * x), items, 4) == [(x, x * x) for x in items]
    assert _no_children_left()


def test_a_part_whose_process_fails_is_worked_here() -> None:
    here = os.getpid()

    def work(x: int) -> int:
        if os.getpid() != here and x % 2:
            raise RuntimeError("a child fails")
        return x + 1

    items = list(range(150))
    assert parallel.map_forked(work, items, 3) == [x + 1 for x in items]
    assert _no_children_left()


def test_an_error_of_the_work_is_raised_as_in_a_single_run() -> None:
    def work(x: int) -> int:
        if x == 120:
            raise ValueError("item 120")
        return x

    with pytest.raises(ValueError, match="item 120"):
        parallel.map_forked(work, list(range(150)), 3)
    assert _no_children_left()


def test_few_items_are_not_worth_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", refuse)
    assert parallel.map_forked(lambda x: x, list(range(40)), 4) == list(range(40))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("output", ["text", "json", "github"])
def test_check_with_jobs_says_what_one_process_says(
    output: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PER_PROCESS", 2)  # the tests' folders are small: fork anyway
    folders = [str(ROOT / "tests" / "repo"), str(ROOT / "tests" / "errors"), str(ROOT / "tests" / "cases")]
    if (SHARED / "corpus").is_dir():
        folders.append(str(SHARED / "corpus" / "twiml"))
    single = _run(capsys, "--format", output, *folders)
    assert single[0] == 1 and single[1]
    for jobs in ("2", "3", "0"):
        assert _run(capsys, "--format", output, "--jobs", jobs, *folders) == single, jobs
    assert _run(capsys, "--format", output, "-j", "3", "--strict", "--portability", "twilio,telnyx", *folders) == (
        _run(capsys, "--format", output, "--strict", "--portability", "twilio,telnyx", *folders)
    )
    assert _no_children_left()


def test_jobs_is_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["check", "--jobs", "many", str(ROOT / "examples")])
    assert stopped.value.code == 2
    assert "'many' is not a number of processes" in capsys.readouterr().err


def test_notes_come_in_file_order_whatever_the_jobs(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    # --portability notes a header's target set aside; workers must not print it out of order
    from pathlib import Path

    folder = Path(str(tmp_path))
    for i in range(200):
        (folder / f"f{i:03d}.twl").write_text('twiml voice target=telnyx\nsay "hi"\n', encoding="utf-8")
    runs = []
    for jobs in ("1", "4"):
        assert main(["check", "--portability", "twilio,telnyx", "-j", jobs, str(folder)]) == 0
        runs.append(capsys.readouterr())
    assert runs[0] == runs[1]
    notes = [line for line in runs[0].err.splitlines() if "note:" in line]
    assert len(notes) == 200 and notes == sorted(notes)
