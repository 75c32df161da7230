"""The wheel carries the grammar, the vocabulary and py.typed, and works installed into a
fresh virtual environment outside the repository."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (whl,) = out.glob("twimlc-*.whl")
    return whl


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    needed_files = ["twimlc/grammar/twl.lark", "twimlc/vocabulary.json", "twimlc/py.typed", "twimlc/__main__.py"]
    needed_files += [
        f"twimlc/schemas/{n}" for n in ("twiml-voice.xsd", "twiml-messaging.xsd", "twiml-fax.xsd", "xml.xsd")
    ]
    for needed in needed_files:
        assert needed in names, f"{needed} missing from {wheel.name}"
    assert not any(n.startswith(("tests/", "grammar/", "schemas/")) for n in names)


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
