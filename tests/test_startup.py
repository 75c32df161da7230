"""Start-up of ``twimlc check one.twl`` (goal P1 of "Speed to the limit": at most what
pre-commit-hooks' ``check-xml`` takes). Time on a shared machine is not deterministic, so
these tests guard what was removed from it: the modules a check must not import, and the
work it must not do."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import pytest
from conftest import ROOT
from hypothesis import event, given, settings
from hypothesis import strategies as st

from twimlc.cli import COMMANDS, build_parser, main
from twimlc.project import _could_configure_twimlc

HELLO = ROOT / "examples" / "hello.twl"

# What `twimlc check one.twl` used to import and no longer needs: dataclasses (and the
# inspect, ast, dis and tokenize it imports), typing (annotations only), lark (the fast
# parser reads valid text), pathlib and tomllib (looking for [tool.twimlc] in a
# pyproject.toml that does not configure twimlc), shutil (argparse's help formatter asks
# it for the terminal's width), json (the vocabulary is loaded from its generated module).
NOT_IMPORTED = ("dataclasses", "inspect", "typing", "lark", "pathlib", "tomllib", "tomli", "shutil", "json")


def _modules_after(argv: list[str], cwd: Path) -> tuple[set[str], str]:
    """The modules imported by ``twimlc`` run with ``argv`` in a fresh interpreter (as the
    console script runs it), and its standard error. Those of :data:`NOT_IMPORTED` that
    ``site`` imported before (an editable install's finder imports pathlib) are forgotten
    first, so that importing them again shows."""
    code = (
        "import sys\n"
        f"for m in {NOT_IMPORTED!r}: sys.modules.pop(m, None)\n"
        "import re\n"  # what the console script imports before twimlc
        "from twimlc.cli import main\n"
        f"rc = main({argv!r})\n"
        "print(' '.join(sorted(sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split()), r.stderr


@pytest.mark.parametrize("project", ["none", "other-tools", "twimlc's own"])
def test_checking_one_twl_file_imports_only_what_it_needs(tmp_path: Path, project: str) -> None:
    if project == "other-tools":  # a Python project that does not configure twimlc
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 99\n')
    elif project == "twimlc's own":  # names twimlc (as a package, a script), sets no [tool.twimlc]
        (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    one = tmp_path / "one.twl"
    one.write_text(HELLO.read_text(encoding="utf-8"), encoding="utf-8")
    modules, err = _modules_after(["check", str(one)], tmp_path)
    assert "checked 1 file: no problems" in err
    assert "twimlc.fastparse" in modules  # it did check the file
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []


def test_a_pyproject_is_parsed_only_when_it_can_configure_twimlc(tmp_path: Path) -> None:
    from twimlc.project import SettingsError, project_target

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.twimlc]\ntarget = "telnyx"\n', encoding="utf-8")
    target = project_target(tmp_path)
    assert target is not None and target.name == "telnyx"
    # the table's name spelt with an escape is still found
    pyproject.write_text('[tool."\\u0074wimlc"]\ntarget = "signalwire"\n', encoding="utf-8")
    target = project_target(tmp_path)
    assert target is not None and target.name == "signalwire"
    pyproject.write_text("[tool.twimlc\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        project_target(tmp_path)
    # a file that cannot configure twimlc is not parsed (a broken one is its own tools' to report)
    pyproject.write_text("[tool.ruff\n", encoding="utf-8")
    assert project_target(tmp_path) is None
    # and the search goes on upwards past it, as past any pyproject.toml without the table
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    pyproject.write_text('[tool.twimlc]\ntarget = "telnyx"\n', encoding="utf-8")
    target = project_target(inner)
    assert target is not None and target.name == "telnyx"


def test_checking_twl_compiles_no_xml_sniffing_pattern(tmp_path: Path) -> None:
    one = tmp_path / "one.twl"
    one.write_text(HELLO.read_text(encoding="utf-8"), encoding="utf-8")
    xml = tmp_path / "one.xml"
    xml.write_text("<Response><Say>Hi</Say></Response>", encoding="utf-8")
    code = (
        "import sys\nfrom twimlc import sniff\nfrom twimlc.cli import main\n"
        "main(sys.argv[1:])\nprint(sniff._patterns.cache_info().currsize + sniff._plain_start.cache_info().currsize)\n"
    )
    for path, compiled in ((one, "0"), (xml, "1")):
        r = subprocess.run([sys.executable, "-c", code, "check", str(path)], capture_output=True, text=True, check=True)
        assert r.stdout.split() == [compiled], r.stderr


@pytest.mark.parametrize("file", ["vocabulary.json", "vocabulary-signalwire.json", "vocabulary-telnyx.json"])
def test_the_vocabulary_is_loaded_from_its_module_which_holds_the_json_table(file: str) -> None:
    """The tools write each table as JSON and as a module (tests/test_update_vocabulary.py and
    tests/test_dialects.py prove both are what they build); what is loaded is the module."""
    import importlib

    from twimlc import vocabulary

    table = json.loads((ROOT / "twimlc" / file).read_text(encoding="utf-8"))
    module = importlib.import_module(vocabulary.table_module(file))
    assert module.TABLE == table
    assert vocabulary._raw(file) is module.TABLE


def test_a_table_without_a_module_is_read_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twimlc import vocabulary

    path = ROOT / "twimlc" / "vocabulary.json"
    monkeypatch.setattr(vocabulary, "table_module", lambda file: "twimlc.no_such_table")
    vocabulary._raw.cache_clear()
    try:
        assert vocabulary._raw("vocabulary.json") == json.loads(path.read_text(encoding="utf-8"))
    finally:
        vocabulary._raw.cache_clear()


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_only_the_command_given_has_its_parser_built() -> None:
    full = _commands(build_parser())
    assert tuple(full) == COMMANDS  # every command is known before any parser is built
    for name in COMMANDS:
        only = _commands(build_parser(name))
        assert list(only) == [name]
        assert only[name].format_help() == full[name].format_help()
        assert only[name]._defaults["func"] is full[name]._defaults["func"]
        assert only[name]._defaults["usage_parser"] is only[name]


def test_a_command_parses_as_with_every_parser_built(capsys: pytest.CaptureFixture[str]) -> None:
    one = str(HELLO)
    assert main(["check", one]) == 0
    assert main(["check", "--format", "json", one]) == 0
    with pytest.raises(SystemExit) as e:
        main(["check", "--frmat", "json", one])
    assert e.value.code == 2
    assert "usage: twimlc check [-h]" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # options before the command, or an unknown one: all are built
        main(["chek", one])
    assert e.value.code == 2
    assert "invalid choice: 'chek' (choose from 'compile', 'check'," in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    listing = capsys.readouterr().out
    assert all(f"    {name}" in listing for name in COMMANDS)


@pytest.mark.parametrize("columns", [None, "50", "200", "0", "wide", "tty"])
def test_help_is_as_wide_as_argparse_makes_it(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    """argparse's formatter asks shutil for the terminal's width; ours finds the same one."""
    import os

    from twimlc import cli

    monkeypatch.delenv("COLUMNS", raising=False)
    if columns == "tty":  # standard output is a terminal 123 columns wide
        import fcntl
        import pty
        import struct
        import termios

        master, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 123, 0, 0))
        stdout = os.fdopen(terminal, "w")
        monkeypatch.setattr(sys, "__stdout__", stdout)
    elif columns is not None:
        monkeypatch.setenv("COLUMNS", columns)

    def helps() -> dict[str, str]:
        full = build_parser()
        return {"": full.format_help()} | {n: p.format_help() for n, p in _commands(full).items()}

    ours = helps()
    monkeypatch.setattr(cli, "_Formatter", argparse.HelpFormatter)
    assert ours == helps()
    if columns == "tty":
        assert max(len(line) for line in ours["serve"].splitlines()) > 100
        stdout.close()
        os.close(master)


# --- which pyproject.toml files are parsed: generated TOML against tomllib ------------------

_NAMES = ("tool", "twimlc", "twimlc.grammar", "twimlc-x", "project", "x")


@st.composite
def _key_part(draw: st.DrawFn, name: str | None = None) -> str:
    if name is None:
        name = draw(st.sampled_from(_NAMES))
    style = draw(st.sampled_from(("bare", "bare", "basic", "literal", "escaped")))
    if style == "bare" and "." not in name:
        return name
    if style == "literal":
        return f"'{name}'"
    if style == "escaped":  # one character as \uXXXX
        i = draw(st.integers(0, len(name) - 1))
        return '"' + name[:i] + f"\\u{ord(name[i]):04x}" + name[i + 1 :] + '"'
    return f'"{name}"'


def _dotted(draw: st.DrawFn, most: int = 3) -> str:
    """A dotted key, most often starting tool.twimlc (the case that matters)."""
    start = draw(st.sampled_from(((), ("tool",), ("tool", "twimlc"), ("tool", "twimlc"))))
    parts = [draw(_key_part(name)) for name in start]
    parts += draw(st.lists(_key_part(), min_size=0 if parts else 1, max_size=most - len(parts)))
    gap = draw(st.sampled_from(("", " ")))
    return f"{gap}.{gap}".join(parts)


_TRICKY = ("twimlc", "[tool.twimlc]", "tool.twimlc = 1", "# x", "'", '\\"', "a=b", "]", "{")
_SQ3 = "'" * 3
_DQ3 = '"' * 3


@st.composite
def _value(draw: st.DrawFn, depth: int = 0) -> str:
    text = "".join(draw(st.lists(st.sampled_from(_TRICKY), max_size=3)))
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    choices = [
        f'"{escaped}"',
        "'" + text.replace("'", "") + "'",
        _DQ3 + "\n" + escaped + "\n" + _DQ3,
        _SQ3 + text.replace("'", "") + "\n" + _SQ3,
        "42",
        "true",
        "1979-05-27 07:32:00",
    ]
    if depth < 2:
        items = draw(st.lists(_value(depth + 1), max_size=2))
        sep = draw(st.sampled_from((", ", ",\n  ")))
        choices.append("[" + sep.join(items) + "]")
        pairs = draw(st.lists(st.tuples(_key_part(), _value(depth + 1)), max_size=2, unique_by=lambda p: p[0]))
        choices.append("{" + ", ".join(f"{k} = {v}" for k, v in pairs) + "}")
    return draw(st.sampled_from(choices))


@st.composite
def _toml(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(("header", "header", "array", "pair", "pair", "comment")))
        if what == "header":
            lines.append(f"[{_dotted(draw)}]")
        elif what == "array":
            lines.append(f"[[{_dotted(draw)}]]")
        elif what == "comment":
            lines.append("# " + draw(st.sampled_from(_TRICKY)))
        else:
            lines.append(f"{_dotted(draw, 2)} = {draw(_value())}")
    return "\n".join(lines) + "\n"


def _configures_twimlc(text: str) -> bool | None:
    """tomllib's verdict: whether the text has a [tool.twimlc] table; None: not TOML."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = doc.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("twimlc"), dict)


@settings(derandomize=True, max_examples=600, deadline=None)
@given(_toml())
def test_a_pyproject_that_configures_twimlc_is_always_parsed(text: str) -> None:
    verdict = _configures_twimlc(text)
    event(f"tomllib: {verdict}")
    if verdict:
        assert _could_configure_twimlc(text.encode("utf-8")), text


def test_the_generated_documents_do_configure_twimlc_often() -> None:
    """The property above is not vacuous: generated documents are TOML, and some set the table."""
    seen: list[bool | None] = []

    @settings(derandomize=True, max_examples=300, deadline=None)
    @given(_toml())
    def collect(text: str) -> None:
        seen.append(_configures_twimlc(text))

    collect()
    assert seen.count(True) >= 30 and seen.count(False) >= 30, (seen.count(True), seen.count(False))


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "twimlc"\ndependencies = ["twimlc>=0.1"]\n',
        '[project.scripts]\ntwimlc = "twimlc.cli:main"\n[tool.setuptools.package-dir]\n"twimlc" = "twimlc"\n',
        '# [tool.twimlc]\nx = """\n[tool.twimlc]\n"""\n',
        "[tool]\nx = {twimlc = 1}\n",
    ],
)
def test_a_pyproject_naming_twimlc_elsewhere_is_not_parsed(text: str) -> None:
    assert _configures_twimlc(text) is False
    assert not _could_configure_twimlc(text.encode("utf-8"))
    assert not _could_configure_twimlc((ROOT / "pyproject.toml").read_bytes())  # twimlc's own
