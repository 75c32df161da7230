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


def changes_since_head(root: Path) -> tuple[list[str], list[str]]:
    """What a snapshot of ``root`` takes over a clone of its HEAD, as ``pre-commit try-repo`` does
    (``git add -u``): tracked files (in HEAD or the index) changed in the working tree, and
    tracked files deleted from it. Untracked and ignored files (a ``venv/``, build output,
    scratch files) are never part of it."""
    out = subprocess.run(
        ["git", "diff", "--name-only", "--no-renames", "-z", "HEAD", "--"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    changed: list[str] = []
    deleted: list[str] = []
    for rel in sorted(filter(None, out.split("\0"))):
        (changed if (root / rel).is_file() or (root / rel).is_symlink() else deleted).append(rel)
    return changed, deleted


def snapshot_repo(root: Path, dest: Path, env: dict[str, str]) -> Path:
    """A git repository at ``dest`` whose HEAD is ``root``'s working tree (see ``changes_since_head``)."""
    subprocess.run(["git", "clone", "-q", str(root), str(dest)], check=True, env=env)
    changed, deleted = changes_since_head(root)
    for rel in changed:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copy2(root / rel, target, follow_symlinks=False)
    for rel in deleted:
        (dest / rel).unlink(missing_ok=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "snapshot"], cwd=dest, check=True, env=env)
    return dest


def test_snapshot_takes_tracked_changes_and_never_untracked_clutter(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = _env(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=src, check=True, env=env)
    for name in ("kept.py", "edited.py", "removed.py", ".gitignore"):
        (src / name).write_text("*.log\n" if name == ".gitignore" else f"# {name}\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=src, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=src, check=True, env=env)
    (src / "edited.py").write_text("# edited, not staged\n", encoding="utf-8")
    (src / "removed.py").unlink()
    (src / "staged.py").write_text("# new and staged\n", encoding="utf-8")
    subprocess.run(["git", "add", "staged.py"], cwd=src, check=True, env=env)
    # clutter beside the code: a virtual environment named venv/ (not ignored), scratch and ignored files
    (src / "venv" / "bin").mkdir(parents=True)
    (src / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (src / "venv" / "bin" / "python").symlink_to(sys.executable)
    (src / "venv" / "lib" / "site-packages" / "pkg").mkdir(parents=True)
    (src / "venv" / "lib" / "site-packages" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (src / "scratch.py").write_text("# untracked\n", encoding="utf-8")
    (src / "debug.log").write_text("ignored\n", encoding="utf-8")

    assert changes_since_head(src) == (["edited.py", "staged.py"], ["removed.py"])
    dest = snapshot_repo(src, tmp_path / "dest", env)
    files = subprocess.run(["git", "ls-files"], cwd=dest, capture_output=True, text=True, check=True).stdout.split()
    assert sorted(files) == [".gitignore", "edited.py", "kept.py", "staged.py"]
    assert (dest / "edited.py").read_text(encoding="utf-8") == "# edited, not staged\n"
    assert not (dest / "venv").exists() and not (dest / "scratch.py").exists()


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
    repo = snapshot_repo(ROOT, tmp_path / "twimlc-repo", env)

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
