"""``twimlc graph`` and ``twimlc simulate`` on the command line: formats, findings, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT

from twimlc.cli import main

IVR = str(ROOT / "examples" / "ivr")
FLOWS = ROOT / "tests" / "flows"


def test_graph_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", IVR, "--entry", "/incoming"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("flowchart TD\n") and "8 routes, 14 edges: no problems" in err
    assert main(["graph", IVR, "--entry", "incoming", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph flow {")
    assert main(["graph", IVR, "--entry", "/incoming", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entry"] == "/incoming" and data["findings"] == []


def test_graph_findings_exit_1_with_positions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(FLOWS / "dangling" / "app")]) == 1
    err = capsys.readouterr().err
    assert "index.twl:1:8: error[TWL701]" in err and "help: write /voice/menu" in err
    assert main(["graph", str(FLOWS / "loop" / "app")]) == 1
    assert "error[TWL703]" in capsys.readouterr().err


def test_graph_warnings_only_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index.twl").write_text('say "hi"\n', encoding="utf-8")
    (tmp_path / "index.xml").write_text("<Response/>", encoding="utf-8")
    (tmp_path / "lonely.twl").write_text('say "alone"\n', encoding="utf-8")
    assert main(["graph", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning[TWL702]" in err and "warning[TWL705]" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["graph", "/nonexistent/folder"],
        ["graph", IVR, "--entry", "/nope"],
        ["graph", IVR, "--format", "svg"],
        ["simulate"],
        ["simulate", IVR, "--url", "http://127.0.0.1:9"],
        ["simulate", IVR, "--input", "press:1"],
        ["simulate", IVR, "--param", "From"],
        ["simulate", IVR, "--max-requests", "0"],
        ["simulate", "--url", "ftp://example.com"],
        ["simulate", "/nonexistent/folder"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        raise SystemExit(main(argv))
    assert e.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_simulate_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", IVR, "--entry", "/incoming", "--input", "digits:3", "--input", "record:audio"]
    assert main([*argv, "--param", "From=+442071838750"]) == 0
    out = capsys.readouterr().out
    assert "POST /saved  (saved.twl)" in out and "    From=+442071838750" in out and out.endswith("end: hangup\n")
    assert main([*argv, "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [e["event"] for e in events][-2:] == ["hangup", "end"]


def test_simulate_problems_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", IVR, "--entry", "/incoming", "--input", "digits:9"]) == 1
    assert "error[TWL707]" in capsys.readouterr().out
    assert main(["simulate", str(FLOWS / "loop" / "app"), "--max-requests", "3"]) == 1
    assert "error[TWL706]" in capsys.readouterr().out


def test_simulate_unknown_entry_is_a_404(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", IVR, "--entry", "/nope"]) == 1
    assert "no route answers /nope" in capsys.readouterr().out


def test_commands_do_not_import_web_clients() -> None:
    """graph and offline simulate need no httpx (start-up time)."""
    import subprocess
    import sys

    code = (
        f"import sys; from twimlc.cli import main; main(['graph', {IVR!r}]); "
        f"main(['simulate', {IVR!r}, '--entry', '/incoming']); sys.exit(1 if 'httpx' in sys.modules else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.getcwd(), check=False)
    assert r.returncode == 0, r.stderr


README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(lang: str, after: str) -> str:
    start = README.index(after)
    body = README[start:].split(f"```{lang}\n", 1)[1]
    return body.split("```", 1)[0]


def test_readme_mermaid_graph_is_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "examples/ivr", "--entry", "/incoming"]) == 0
    assert _block("mermaid", "### `twimlc graph`") == capsys.readouterr().out


def test_readme_transcript_is_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    """Every line the README shows (… stands for lines left out) is in the output, in order."""
    argv = ["simulate", "examples/ivr", "--entry", "/incoming", "--input", "digits:3", "--input", "record:audio"]
    assert main([*argv, "--param", "From=+442071838750"]) == 0
    actual = capsys.readouterr().out.splitlines()
    at = 0
    for line in _block("text", "### `twimlc simulate`").splitlines():
        if line.strip() == "…":
            continue
        at = actual.index(line, at) + 1


def test_readme_shows_the_ivr_tests() -> None:
    assert _block("python", "### Testing an IVR in pytest") == (ROOT / "tests" / "test_ivr_example.py").read_text(
        encoding="utf-8"
    )
