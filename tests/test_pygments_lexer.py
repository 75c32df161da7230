"""The Pygments lexer (twimlc/pygments_lexer.py): its patterns are the Lark grammar's
terminals, it splits every .twl file of the repository and random documents where the
compiler's lexer does, marks what the compiler cannot read as Error, gives each construct
its token type, and is found by pygmentize through the ``pygments.lexers`` entry point.
pygments stays optional: no other twimlc module imports it."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

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
)

import twimlc
from twimlc import params as placeholders
from twimlc import vocabulary

pygments = pytest.importorskip("pygments")  # the test extra installs it
from pygments.token import (  # noqa: E402
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
    _TokenType,
)

from twimlc import pygments_lexer  # noqa: E402
from twimlc.pygments_lexer import TwlLexer  # noqa: E402

ALLOWED: dict[str | None, set[_TokenType]] = {
    "keyword": {Keyword, Keyword.Pseudo, Keyword.Namespace, Keyword.Declaration},
    "hatch": {Operator},
    "attribute": {Name.Attribute},
    "equals": {Operator},
    "value": {String.Other, Number, Keyword.Constant, String.Interpol, Name.Builtin, Name.Variable, Keyword.Type},
    "string": {String.Double, String.Escape, String.Interpol},
    "bracket": {Punctuation},
    "colon": {Punctuation},
    "comment": {Comment.Single},
    "continuation": {String.Escape},
    None: {Whitespace},
}


def lex(text: str) -> list[_TokenType]:
    """The token type of each character of ``text``."""
    types: list[_TokenType] = [Whitespace] * len(text)
    for index, ttype, value in TwlLexer().get_tokens_unprocessed(text):
        types[index : index + len(value)] = [ttype] * len(value)
    return types


def agreement(text: str) -> list[str]:
    """Where the lexer's token types do not fit the compiler's reading of ``text``."""
    want = categories(text)
    assert want is not None, f"does not parse: {text!r}"
    got: list[str | None] = [w if t in ALLOWED[w] else f"{t}" for w, t in zip(want, lex(text), strict=True)]
    return differences(text, want, got)


def errors(text: str) -> list[tuple[int, int]]:
    """(line, column) of the characters lexed as Error, 1-based."""
    out = []
    at = 0
    types = lex(text)
    for number, line in enumerate(text.split("\n"), 1):
        out += [(number, col + 1) for col in range(len(line)) if types[at + col] in Error]
        at += len(line) + 1
    return out


def _no_groups(pattern: str) -> str:
    return pattern.replace("(?:", "(")


def _escaped(pattern: str) -> str:
    """Lark's pattern text holds real tabs and line breaks where ours has escapes."""
    return pattern.replace("\t", r"\t").replace("\n", r"\n").replace("\r", r"\r")


def test_patterns_are_the_grammars_terminals() -> None:
    from lark import Lark

    grammar = (ROOT / "grammar" / "twl.lark").read_text(encoding="utf-8")
    terminals = {t.name: t.pattern.to_regexp() for t in Lark(grammar, parser="lalr").terminals}
    assert terminals["KEYWORD"] == f"!{_no_groups(pygments_lexer.HATCH_KEYWORD)}|{pygments_lexer.KEYWORD}"
    assert terminals["ATTRNAME"] == "!?" + pygments_lexer.ATTRNAME + "="
    assert terminals["BARE"] == _no_groups(pygments_lexer.BARE)
    assert _escaped(terminals["STRING"]) == _no_groups(pygments_lexer.STRING)
    # Pygments reads \r\n as \n before lexing
    assert _escaped(terminals["__IGNORE_1"]).replace(r"\r?", "") == re.sub(r"[()]", "", pygments_lexer.CONTINUATION)


def test_words_are_the_packages() -> None:
    assert pygments_lexer.HEADER == vocabulary.HEADER_KEYWORD
    assert pygments_lexer.KINDS == vocabulary.KINDS
    assert pygments_lexer.PARAM == placeholders.PARAM_KEYWORD
    assert pygments_lexer.PARAM_TYPES == tuple(t for t in placeholders.PARAM_TYPES if t != "enum")
    assert pygments_lexer.PLACEHOLDER == placeholders.PLACEHOLDER.pattern.replace(
        "([A-Za-z_][A-Za-z0-9_]*)", "[A-Za-z_][A-Za-z0-9_]*"
    )


def test_repository_files_lex_as_the_compiler_lexes() -> None:
    checked = 0
    for path in TWL_FILES:
        if meant_to_be_invalid(path):
            continue
        text = path.read_text(encoding="utf-8")
        assert agreement(text) == [], path
        assert errors(text) == [], path
        checked += 1
    assert checked >= 25


def test_random_documents_lex_as_the_compiler_lexes() -> None:
    for text in random_documents(250):
        assert agreement(text) == [], text


def test_lexical_errors_are_error_tokens() -> None:
    for text, at in LEXICAL_ERRORS.items():
        assert lexical_errors(text) == [at], text
        assert at in errors(text), text


def test_files_meant_to_be_invalid_have_errors_where_the_compiler_stops() -> None:
    for path in TWL_FILES:
        if not meant_to_be_invalid(path):
            continue
        text = path.read_text(encoding="utf-8")
        found, lexical = errors(text), lexical_errors(text)
        assert all(at in found for at in lexical), (path, lexical, found)
        assert bool(found) == bool(lexical), path


def test_escapes_are_judged_as_the_compiler_judges_them() -> None:
    text = "".join(f'say "a\\{e}b"\n' for e in ESCAPES)
    marked = {line for line, _ in errors(text)}
    rejected = {d.span.line for d in twimlc.analyze(text, "escapes.twl")[1] if d.code == "TWL003"}
    assert rejected
    assert {ESCAPES[n - 1] for n in marked} == {ESCAPES[n - 1] for n in rejected}


CONSTRUCTS = [
    ("say", 'say "Hi"', [("say", Keyword), ('"', String.Double), ("Hi", String.Double)]),
    ("escape hatch", "!Ninja !rank=ten", [("!", Operator), ("Ninja", Keyword.Pseudo), ("rank", Name.Attribute)]),
    ("prefixed hatch", '!amazon:effect: "x"', [("amazon:effect", Keyword.Pseudo), (":", Punctuation)]),
    ("attribute", "say voice=alice", [("voice", Name.Attribute), ("=", Operator), ("alice", String.Other)]),
    ("spaced value", 'say "x" loop= 2', [("loop", Name.Attribute), ("=", Operator), ("2", Number)]),
    ("quoted value", 'say x="a b"', [("x", Name.Attribute), ('"', String.Double), ("a b", String.Double)]),
    ("boolean", "say x=true", [("true", Keyword.Constant)]),
    ("hash value", "gather finishOnKey=# # c", [("#", String.Other), ("# c", Comment.Single)]),
    ("escapes", r'say "\" \u{1F600} \q"', [(r"\"", String.Escape), (r"\u{1F600}", String.Escape), (r"\q", Error)]),
    ("unterminated", 'say "open', [('"open', Error)]),
    ("placeholders", 'say "{{ a }}" x=/p?c={{b}}', [("{{ a }}", String.Interpol), ("{{b}}", String.Interpol)]),
    ("list", "x input=[dtmf speech]", [("[", Punctuation), ("dtmf", String.Other), ("]", Punctuation)]),
    ("list over lines", "x a=[b # c\n d]", [("# c", Comment.Single), ("d", String.Other), ("]", Punctuation)]),
    ("comment", "# note\nsay a#b", [("# note", Comment.Single), ("a#b", String.Other)]),
    ("continuation", "record \\\n  maxLength=20", [("\\", String.Escape), ("maxLength", Name.Attribute)]),
    ("block colon", "dial action=/after:", [("/after", String.Other), (":", Punctuation)]),
    ("inline block", 'gather: say "x"', [(":", Punctuation), ("say", Keyword)]),
    ("text line", '"Hello" # c', [('"', String.Double), ("Hello", String.Double), ("# c", Comment.Single)]),
    ("header", "twiml messaging", [("twiml", Keyword.Namespace), ("messaging", Name.Builtin)]),
    ("param", "param n string default=x", [("param", Keyword.Declaration), ("n", Name.Variable)]),
    ("param type", "param n string", [("string", Keyword.Type)]),
    ("enum param", "param l [a b]", [("l", Name.Variable), ("[", Punctuation), ("a", String.Other)]),
    ("stray", 'say "x" loop = 2', [("=", Error)]),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CONSTRUCTS], ids=[n for n, _, _ in CONSTRUCTS])
def test_token_types(text: str, expected: list[tuple[str, _TokenType]]) -> None:
    tokens = [(v, t) for t, v in TwlLexer().get_tokens(text) if t not in Whitespace]
    position = 0
    for pair in expected:  # in this order, not necessarily adjacent
        assert pair in tokens[position:], (pair, tokens)
        position = tokens.index(pair, position) + 1


def _pygmentize() -> list[str]:
    script = Path(sys.executable).with_name("pygmentize")
    return [str(script)] if script.exists() else [shutil.which("pygmentize") or "pygmentize"]


def test_pygmentize_finds_the_lexer_through_the_entry_point(tmp_path: Path) -> None:
    """Needs the package installed (pip install -e ".[test]"): entry points are read from
    the installed metadata."""
    sample = tmp_path / "hello.twl"
    sample.write_text('say "Hi" voice=alice # greet\n', encoding="utf-8")
    r = subprocess.run([*_pygmentize(), "-N", str(sample)], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "twl", r.stdout + r.stderr
    for alias in ("twl", "twimlc"):
        r = subprocess.run(
            [*_pygmentize(), "-l", alias, "-f", "raw", str(sample)], capture_output=True, text=True, check=False
        )
        assert r.returncode == 0, r.stderr
        assert "Token.Keyword\t'say'" in r.stdout
        assert "Token.Name.Attribute\t'voice'" in r.stdout
        assert "Token.Comment.Single\t'# greet'" in r.stdout
    r = subprocess.run(
        [*_pygmentize(), "-l", "twl", "-f", "html", str(ROOT / "examples" / "greeting.twl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0 and '<span class="k">say</span>' in r.stdout and 'class="err"' not in r.stdout


def test_pygments_is_optional() -> None:
    """No module but pygments_lexer imports pygments; it is an extra, not a dependency."""
    code = (
        "import pkgutil, importlib, sys, twimlc\n"
        "for m in pkgutil.iter_modules(twimlc.__path__):\n"
        "    if m.name not in ('pygments_lexer', '__main__'): importlib.import_module('twimlc.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'pygments'))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_pygments_is_an_extra_with_an_entry_point() -> None:
    """From the installed metadata (pyproject.toml, as pip installed it)."""
    requires = [r.replace(" ", "") for r in importlib.metadata.requires("twimlc") or []]
    pygments_requires = [r for r in requires if r.lower().startswith("pygments")]
    assert all(";" in r for r in pygments_requires), "pygments must not be a core dependency"
    assert any('extra=="pygments"' in r for r in pygments_requires)
    assert any('extra=="test"' in r for r in pygments_requires)
    (entry,) = [e for e in importlib.metadata.entry_points(group="pygments.lexers") if e.name == "twl"]
    assert entry.value == "twimlc.pygments_lexer:TwlLexer"
    assert entry.load() is TwlLexer


README_TWL = [
    body
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    if lang == "twl"
]


def test_readme_twl_blocks_highlight_without_errors() -> None:
    assert len(README_TWL) >= 10
    for body in README_TWL:
        assert errors(body) == [], body
        assert agreement(body) == [], body
