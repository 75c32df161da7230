"""CI runs what the README tells a new user to run: .ci/run reads the Quick start commands from
README.md (no copy of its own), runs them, then ruff and mypy from the virtual environment those
commands made; any failure, pytest's "no tests collected" (5) included, fails it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("quickstart", ROOT / ".ci" / "quickstart.py")
assert _spec is not None and _spec.loader is not None
quickstart = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quickstart)

CI_RUN = ROOT / ".ci" / "run"
FENCE = "```"


def readme(*blocks: str, heading: str = "## Quick start") -> str:
    body = "".join(f"{FENCE}sh\n{b}\n{FENCE}\n\n" for b in blocks)
    return f"# demo\n\n```sh\necho not-quick-start\n```\n\n{heading}\n\n{body}## Next\n\n```sh\necho later\n```\n"


def test_quickstart_blocks_are_the_sh_fences_of_that_section_only() -> None:
    text = readme("echo one", "echo two &&\n  echo three")
    assert quickstart.quickstart_blocks(text) == ["echo one\n", "echo two &&\n  echo three\n"]
    # a heading inside a fence is code, and other fences in the section are not commands
    text = "## Quick start\n\n```\n## not a heading\n```\n\n```python\nprint(1)\n```\n\n```sh\necho a\n```\n"
    assert quickstart.quickstart_blocks(text) == ["echo a\n"]
    assert quickstart.quickstart_blocks(readme("echo x", heading="## Quick start, later")) == []


def test_ci_keeps_no_copy_of_the_readme_commands() -> None:
    blocks = quickstart.quickstart_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2
    assert any("pip install" in b for b in blocks) and any("pytest" in b for b in blocks)
    ci = CI_RUN.read_text(encoding="utf-8")
    assert "README.md" in ci and ".ci/quickstart.py" in ci
    for line in (ln.strip() for b in blocks for ln in b.splitlines()):
        if line:
            assert line not in ci, f".ci/run keeps its own copy of a Quick start command: {line}"
    # CI installs nothing by itself (no apt-get, no pip of its own)
    assert "apt-get" not in ci and "pip install" not in ci


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project with this .ci/, and a virtual environment holding the real ruff and mypy."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed (.ci/run is a bash script)")
    tools = Path(sys.prefix) / "bin"
    if not ((tools / "ruff").exists() and (tools / "mypy").exists()):
        pytest.skip(f"ruff and mypy are not in {tools} (install the test extra: pip install -e '.[test]')")
    shutil.copytree(ROOT / ".ci", tmp_path / ".ci", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pyproject.toml").write_text('[tool.mypy]\nstrict = true\nfiles = ["ok.py"]\n', encoding="utf-8")
    (tmp_path / "ok.py").write_text("def double(x: int) -> int:\n    return 2 * x\n", encoding="utf-8")
    env_bin = tmp_path / "env" / "bin"
    env_bin.mkdir(parents=True)
    for tool in ("ruff", "mypy"):
        (env_bin / tool).symlink_to(tools / tool)
    return tmp_path


def run_ci(project: Path, text: str) -> subprocess.CompletedProcess[str]:
    (project / "README.md").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run(
        ["bash", ".ci/run"], cwd=project, capture_output=True, text=True, env=env, check=False, timeout=300
    )


def test_ci_runs_the_readme_quick_start_then_ruff_and_mypy_from_its_venv(project: Path) -> None:
    # "activating" the environment is what bin/activate does: setting VIRTUAL_ENV
    r = run_ci(project, readme("echo one > first.txt", 'echo two > second.txt && export VIRTUAL_ENV="$PWD/env"'))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / "first.txt").read_text() == "one\n" and (project / "second.txt").read_text() == "two\n"
    assert not (project / "later").exists()
    assert f"== ruff ({project / 'env'})" in r.stdout
    assert "Success: no issues found in 1 source file" in r.stdout  # mypy ran, on this project

    # change the README's quick start, and CI runs the new commands
    r = run_ci(project, readme('echo changed > third.txt && export VIRTUAL_ENV="$PWD/env"'))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / "third.txt").read_text() == "changed\n"

    # ruff's verdict counts
    (project / "bad.py").write_text("import os\n", encoding="utf-8")
    r = run_ci(project, readme('export VIRTUAL_ENV="$PWD/env"'))
    assert r.returncode == 1 and "F401" in r.stdout, r.stdout + r.stderr


def test_ci_fails_when_a_quick_start_command_fails(project: Path) -> None:
    activate = 'export VIRTUAL_ENV="$PWD/env"'
    # pytest's exit code 5, "no tests collected", fails CI, and nothing runs after it
    r = run_ci(project, readme(f"{activate} && python3 -c 'raise SystemExit(5)'", "touch after.txt"))
    assert r.returncode == 5 and "pytest collected no tests" in r.stderr, r.stdout + r.stderr
    assert not (project / "after.txt").exists() and "== ruff" not in r.stdout
    # a failing command in the middle of a block stops it
    r = run_ci(project, readme(f"{activate}\nfalse\ntouch after.txt"))
    assert r.returncode == 1 and "Quick start 1 failed" in r.stderr, r.stdout + r.stderr
    assert not (project / "after.txt").exists()
    # a README without Quick start commands is not a passing CI
    r = run_ci(project, readme("echo x", heading="## Install"))
    assert r.returncode == 1 and "no sh blocks under '## Quick start'" in r.stderr
    # commands that leave no virtual environment active leave nothing to run ruff and mypy from
    r = run_ci(project, readme("true"))
    assert r.returncode == 1 and "activated no virtual environment" in r.stderr
