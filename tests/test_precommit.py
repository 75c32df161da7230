"""The pre-commit hook: the manifest validates, and the real hook runs under pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    return env


def test_manifest_is_valid(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    r = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_hook_runs_in_real_pre_commit(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = _env(tmp_path)
    # a copy of this repository as it is now (pre-commit installs the hook from a git repo)
    repo = tmp_path / "twimlc-repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True, env=env)
    for rel in subprocess.run(
        ["git", "ls-files", "-m", "-o", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "snapshot"], cwd=repo, check=True, env=env)

    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True, env=env)
    (project / "good.twl").write_text('say "Thanks for calling!"\n', encoding="utf-8")
    (project / "bad.twl").write_text("gather num_digits=1\n", encoding="utf-8")
    (project / "bad.xml").write_text("<Response><say>Hi</say></Response>\n", encoding="utf-8")
    (project / "pom.xml").write_text("<project/>\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, env=env)

    def run(*files: str, hook: str = "twimlc-check") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PRE_COMMIT, "try-repo", str(repo), hook, "--files", *files],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=600,
        )

    ok = run("good.twl", "pom.xml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run("good.twl", "bad.twl", "bad.xml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.twl:1:8: error[TWL103]" in bad.stdout
    assert "bad.xml:1:12: error[TWL101]" in bad.stdout
    assert "did you mean 'numDigits'?" in bad.stdout

    # twimlc-fmt rewrites a messy file (pre-commit then fails, as with black) and passes clean ones
    (project / "messy.twl").write_text('say   "x"    voice=alice\n', encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, env=env)
    fmt = run("messy.twl", "good.twl", hook="twimlc-fmt")
    assert fmt.returncode == 1, fmt.stdout + fmt.stderr
    assert (project / "messy.twl").read_text(encoding="utf-8") == 'say "x" voice=alice\n'
    assert run("messy.twl", "good.twl", hook="twimlc-fmt").returncode == 0
