"""The wheel carries the grammar, the vocabulary and py.typed, and works installed into a
fresh virtual environment outside the repository.

Builds run with build isolation, as pip builds for a new user: the build requirements come
from pyproject.toml's ``build-system``, never from whatever setuptools this environment
happens to have (a new ``python3 -m venv`` has an old one)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


def build_wheel(out: Path, env: dict[str, str] | None = None) -> Path:
    """Build the sdist, then the wheel from it (as pip does from PyPI), each in an isolated
    environment holding only ``build-system.requires``. Nothing is built inside the checkout:
    a ``build/`` folder there would be mistaken for a first-party package by ruff."""
    had_build_dir = (ROOT / "build").exists()
    r = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert had_build_dir or not (ROOT / "build").exists(), "the build wrote build/ into the checkout"
    (whl,) = out.glob("twimlc-*.whl")
    return whl


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


def test_oldest_declared_setuptools_builds(tmp_path: Path) -> None:
    """``build-system.requires`` names a setuptools that understands this pyproject.toml:
    the oldest release it admits builds the wheel (``license = "MIT"`` needs >= 77)."""
    from build import ProjectBuilder
    from packaging.requirements import Requirement

    (setuptools,) = [r for r in map(Requirement, ProjectBuilder(ROOT).build_system_requires) if r.name == "setuptools"]
    floors = [s.version for s in setuptools.specifier if s.operator == ">="]
    assert floors, f"build-system.requires should give setuptools a lower bound: {setuptools}"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"setuptools=={floors[0]}\n", encoding="utf-8")
    whl = build_wheel(tmp_path / "dist", env={**os.environ, "PIP_CONSTRAINT": str(constraints)})
    assert "twimlc/grammar/twl.lark" in zipfile.ZipFile(whl).namelist()


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    needed_files = ["twimlc/grammar/twl.lark", "twimlc/vocabulary.json", "twimlc/py.typed", "twimlc/__main__.py"]
    needed_files += [
        f"twimlc/schemas/{n}" for n in ("twiml-voice.xsd", "twiml-messaging.xsd", "twiml-fax.xsd", "xml.xsd")
    ]
    for needed in needed_files:
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert not any(n.startswith(("tests/", "grammar/", "schemas/")) for n in names)
    # the VS Code extension (and its node_modules) is not part of the Python package
    assert not any(n.startswith(("editors/", "tools/")) or "node_modules" in n for n in names)
    assert "twimlc/pygments_lexer.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "twl = twimlc.pygments_lexer:TwlLexer" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_wheel_installed_outside_the_repo_compiles(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "hi.twl").write_text('say "こんにちは" language=ja-JP\n', encoding="utf-8")
    r = subprocess.run(
        [str(env_dir / "bin" / "twimlc"), "compile", "hi.twl"], cwd=work, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    assert '<Say language="ja-JP">こんにちは</Say>' in r.stdout
    # the installed copy, not the repository, was used
    r = subprocess.run(
        [str(py), "-c", "import twimlc, sys; print(twimlc.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert str(env_dir) in r.stdout
