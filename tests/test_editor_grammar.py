"""The VS Code extension's TextMate grammar, run in the engine VS Code uses
(vscode-textmate + vscode-oniguruma, from npm): golden token files for every construct,
every .twl file of the repository and random documents tokenized the way the compiler's
Lark lexer reads them, string escapes judged as the compiler judges them, and the
language client's start-up. Needs node and npm (``npm ci`` runs in editors/vscode)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from twl_lexing import (
    ESCAPES,
    LEXICAL_ERRORS,
    TWL_FILES,
    categories,
    differences,
    lexical_errors,
    meant_to_be_invalid,
    random_documents,
    write_documents,
)

import twimlc

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "twl.tmLanguage.json"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_tmlanguage", ROOT / "tools" / "gen_tmlanguage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_grammar_is_generated() -> None:
    assert GRAMMAR.read_text(encoding="utf-8") == _generator().render(), "run: python tools/gen_tmlanguage.py"


def test_the_extension_uses_the_grammar() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "twl"
    assert ".twl" in language["extensions"]
    assert grammar["scopeName"] == json.loads(GRAMMAR.read_text(encoding="utf-8"))["scopeName"] == "source.twl"
    assert (VSCODE / grammar["path"]).resolve() == GRAMMAR
    assert (VSCODE / language["configuration"]).is_file()


# --- node ------------------------------------------------------------------------------


def _installed_matches_lock() -> bool:
    hidden = VSCODE / "node_modules" / ".package-lock.json"
    if not hidden.exists():
        return False
    lock = json.loads((VSCODE / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    have = json.loads(hidden.read_text(encoding="utf-8"))["packages"]
    return {k: v.get("version") for k, v in lock.items() if k} == {k: v.get("version") for k, v in have.items()}


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable, with editors/vscode's packages installed from package-lock.json."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the VS Code extension's tests need them")
    if not _installed_matches_lock():
        r = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=VSCODE, capture_output=True, text=True, check=False
        )
        assert r.returncode == 0, "npm ci failed in editors/vscode:\n" + r.stdout[-3000:] + r.stderr[-3000:]
    return node


def _tokenize(node: str, paths: list[Path]) -> dict[str, list[list[list[Any]]]]:
    r = subprocess.run(
        [node, "test/tokenize.js", *map(str, paths)], cwd=VSCODE, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr[-3000:]
    result: dict[str, list[list[list[Any]]]] = json.loads(r.stdout)
    return result


def _category(scopes: list[str]) -> str | None:
    """The twl_lexing category of a character with these TextMate scopes."""
    if any(s.startswith("invalid.") for s in scopes):
        return "invalid"
    for whole, category in (("comment.line.", "comment"), ("string.quoted.", "string")):
        if any(s.startswith(whole) for s in scopes):
            return category
    for scope in reversed(scopes):
        for prefix, category in (
            ("punctuation.definition.escape-hatch.", "hatch"),
            ("keyword.other.element.", "keyword"),
            ("keyword.control.directive.header.", "keyword"),
            ("storage.type.param.", "keyword"),
            ("entity.other.attribute-name.", "attribute"),
            ("punctuation.separator.key-value.", "equals"),
            ("punctuation.section.list.", "bracket"),
            ("punctuation.section.block.", "colon"),
            ("punctuation.separator.continuation.line.", "continuation"),
            ("string.unquoted.", "value"),
            ("constant.language.boolean.", "value"),
            ("constant.numeric.", "value"),
            ("meta.template.expression.", "value"),
            ("constant.language.kind.", "value"),
            ("variable.parameter.", "value"),
            ("support.type.", "value"),
        ):
            if scope.startswith(prefix):
                return category
    return None


def _char_categories(text: str, lines: list[list[list[Any]]]) -> list[str | None]:
    """Per character of ``text``: the category of its TextMate scopes (columns are UTF-16)."""
    out: list[str | None] = []
    for line, tokens in zip(text.split("\n"), lines, strict=False):
        units: list[str | None] = []
        for start, end, scopes in tokens:
            units.extend([_category(scopes)] * (end - start))
        at = 0
        for c in line:
            out.append(units[at] if at < len(units) else None)
            at += 2 if ord(c) > 0xFFFF else 1
        out.append(None)  # the line break
    return out[: len(text)]


def _invalid_columns(text: str, lines: list[list[list[Any]]]) -> list[tuple[int, int]]:
    """(line, column) of the characters with an invalid scope, 1-based."""
    cats = _char_categories(text, lines)
    found = []
    at = 0
    for number, line in enumerate(text.split("\n"), 1):
        found += [(number, col + 1) for col in range(len(line)) if cats[at + col] == "invalid"]
        at += len(line) + 1
    return found


def test_golden_cases_cover_every_construct() -> None:
    scopes = set()
    for tokens in (VSCODE / "test" / "cases").glob("*.tokens"):
        for line in tokens.read_text(encoding="utf-8").splitlines():
            if not line.startswith(">"):
                scopes.update(s.rsplit(".twl", 1)[0] for s in line.split()[2:])
    names = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "name" and isinstance(value, str):
                    names.add(value.rsplit(".twl", 1)[0])
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(GRAMMAR.read_text(encoding="utf-8"))["repository"])
    assert names - scopes == set(), "scopes of the grammar that no golden case shows"


def test_repository_files_tokenize_as_the_compiler_lexes(node: str) -> None:
    tokens = _tokenize(node, TWL_FILES)
    checked = 0
    for path in TWL_FILES:
        if meant_to_be_invalid(path):  # see test_lexical_errors_are_marked_invalid
            continue
        text = path.read_text(encoding="utf-8")
        lines = tokens[str(path)]
        want = categories(text)
        assert want is not None, f"{path} does not parse"
        got = _char_categories(text, lines)
        assert differences(text, want, got) == [], path
        assert _invalid_columns(text, lines) == [], path
        checked += 1
    assert checked >= 25


def test_random_documents_tokenize_as_the_compiler_lexes(node: str, tmp_path: Path) -> None:
    docs = random_documents(250)
    paths = write_documents(docs, tmp_path)
    tokens = _tokenize(node, paths)
    for path, text in zip(paths, docs, strict=True):
        want = categories(text)
        assert want is not None
        assert differences(text, want, _char_categories(text, tokens[str(path)])) == [], text


def test_lexical_errors_are_marked_invalid(node: str, tmp_path: Path) -> None:
    sources = list(LEXICAL_ERRORS)
    paths = write_documents(sources, tmp_path)
    tokens = _tokenize(node, paths)
    for path, text in zip(paths, sources, strict=True):
        assert lexical_errors(text) == [LEXICAL_ERRORS[text]], text
        assert LEXICAL_ERRORS[text] in _invalid_columns(text, tokens[str(path)]), text


def test_files_meant_to_be_invalid_are_marked_where_the_compiler_stops(node: str) -> None:
    files = [p for p in TWL_FILES if meant_to_be_invalid(p)]
    tokens = _tokenize(node, files)
    for path in files:
        text = path.read_text(encoding="utf-8")
        invalid = _invalid_columns(text, tokens[str(path)])
        lexical = lexical_errors(text)
        assert all(at in invalid for at in lexical), (path, lexical, invalid)
        if not lexical:  # semantic errors, or indentation: nothing for a highlighter to mark
            assert invalid == [], path
        else:
            assert invalid, path


def test_escapes_are_judged_as_the_compiler_judges_them(node: str, tmp_path: Path) -> None:
    text = "".join(f'say "a\\{e}b"\n' for e in ESCAPES)
    lines = _tokenize(node, write_documents([text], tmp_path))[str(tmp_path / "random_000.twl")]
    marked = {line for line, _ in _invalid_columns(text, lines)}
    rejected = {d.span.line for d in twimlc.analyze(text, "escapes.twl")[1] if d.code == "TWL003"}
    assert rejected, "the compiler rejects some of these escapes"
    assert {ESCAPES[n - 1] for n in marked} == {ESCAPES[n - 1] for n in rejected}


def test_npm_test(node: str) -> None:
    """`npm test` in editors/vscode: the golden token files (test/run.js), the client's
    start-up against real processes (this environment's `twimlc lsp` in a whole session,
    a missing command, and a small stdio language server), what the
    extension tells the user (test/extension.test.js), and a type check of the JavaScript
    against the VS Code API."""
    npm = shutil.which("npm")
    assert npm is not None
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(Path(node).parent), env.get("PATH", "")])
    env["TWIMLC_TEST_REQUIRE"] = "1"  # twimlc missing from PATH fails instead of skipping
    env["TWIMLC_TEST_PYTHON"] = sys.executable
    r = subprocess.run([npm, "test"], cwd=VSCODE, capture_output=True, text=True, check=False, env=env)
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-3000:]
    assert re.findall(r"^# skipped (\d+)$", r.stdout, re.M) == ["0", "0"], r.stdout[-8000:]


def _code_categories(cats: list[str | None]) -> list[str]:
    return [c for c in cats if c not in (None, "comment")]


def test_indentation_rules_follow_the_grammar(tmp_path: Path) -> None:
    """language-configuration.json: a line opens an indented block (indent after Enter)
    exactly when the compiler reads a block colon at its end, and continues on the next
    line exactly when it ends in a '\\' continuation. (VS Code runs these as JavaScript
    regular expressions; these use nothing whose meaning differs in Python.)"""
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    head = re.compile(config["indentationRules"]["increaseIndentPattern"])
    rules = config["onEnterRules"]
    assert [r["action"]["indent"] for r in rules] == ["none", "none", "outdent", "indent", "indent"]
    assert rules[4]["beforeText"] == head.pattern == rules[1]["beforeText"]
    continued = re.compile(rules[3]["beforeText"])
    assert rules[0]["beforeText"] == rules[0]["previousLineText"] == continued.pattern
    assert rules[1]["previousLineText"] == rules[2]["previousLineText"] == continued.pattern
    texts = [p.read_text(encoding="utf-8") for p in TWL_FILES if not meant_to_be_invalid(p)]
    texts += random_documents(250)
    texts += ['say "x"# note:\n', "gather input=[a]# note \\\n", 'say "a:" # b:\n', "gather:# c\n    say a:b\n"]
    checked = 0
    for text in texts:
        cats = categories(text)
        assert cats is not None, text
        at = 0
        for line in text.split("\n"):
            code = _code_categories(cats[at : at + len(line)])
            assert bool(head.match(line)) == (code[-1:] == ["colon"]), line
            assert bool(continued.match(line)) == (code[-1:] == ["continuation"]), line
            at += len(line) + 1
            checked += 1
    assert checked > 1500
