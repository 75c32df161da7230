"""Start-up of ``twimlc check one.twl`` (goal P1 of "Speed to the limit": at most what
pre-commit-hooks' ``check-xml`` takes). Time on a shared machine is not deterministic, so
these tests guard what was removed from it: the modules a check must not import, and the
work it must not do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

HELLO = ROOT / "examples" / "hello.twl"

# What `twimlc check one.twl` used to import and no longer needs: dataclasses (and the
# inspect, ast, dis and tokenize it imports), typing (annotations only), lark (the fast
# parser reads valid text).
NOT_IMPORTED = ("dataclasses", "inspect", "typing", "lark")


def _modules_after(argv: list[str], cwd: Path) -> tuple[set[str], str]:
    """The modules imported by ``twimlc`` run with ``argv`` in a fresh interpreter (as the
    console script runs it), and its standard error."""
    code = (
        "import re, sys\n"  # what the console script imports before twimlc
        "from twimlc.cli import main\n"
        f"rc = main({argv!r})\n"
        "print(' '.join(sorted(sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split()), r.stderr


@pytest.mark.parametrize("project", ["none", "other-tools"])
def test_checking_one_twl_file_imports_only_what_it_needs(tmp_path: Path, project: str) -> None:
    if project == "other-tools":  # a Python project that does not configure twimlc
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 99\n')
    one = tmp_path / "one.twl"
    one.write_text(HELLO.read_text(encoding="utf-8"), encoding="utf-8")
    modules, err = _modules_after(["check", str(one)], tmp_path)
    assert "checked 1 file: no problems" in err
    assert "twimlc.fastparse" in modules  # it did check the file
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []
