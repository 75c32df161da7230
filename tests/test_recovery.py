"""The parser recovers: after a syntax error it resumes at the next statement, so every
syntax error of a file is reported (each at its position) and the statements around them
are still resolved and checked. Positions convert to LSP's UTF-16 code units."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES

import twimlc
from twimlc.api import analyze
from twimlc.parser import MAX_SYNTAX_ERRORS
from twimlc.positions import from_utf16, to_utf16


def codes(source: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in analyze(source)[1]]


def test_three_syntax_errors_and_a_semantic_error_in_one_run() -> None:
    source = (
        'say "Welcome" =oops\n'  # 1: syntax
        "gather numDigits=1 action=/menu:\n"
        '    say "Press 1" "and" ]\n'  # 3: syntax, inside a block
        "    play https://example.com/a.mp3\n"
        'say "unterminated\n'  # 5: syntax
        "say Bye lop=2\n"  # 6: unknown attribute
    )
    found = [(d.code, d.span.line, d.span.column) for d in twimlc.checks(source)]
    assert found == [("TWL001", 1, 15), ("TWL001", 3, 25), ("TWL002", 5, 5), ("TWL103", 6, 9)]


def test_the_rest_of_the_file_is_still_read() -> None:
    doc, diagnostics = analyze('say "a"\nsay "b" =x\ngather:\n    say "c"\n    say "d" ]\n    play /e.mp3\nhangup\n')
    assert [d.code for d in diagnostics] == ["TWL001", "TWL001"]
    assert [e.tag for e in doc.elements] == ["Say", "Gather", "Hangup"]
    (gather,) = [e for e in doc.elements if e.tag == "Gather"]
    assert [c.tag for c in gather.elements] == ["Say", "Play"]


@pytest.mark.parametrize(
    ("source", "expected", "tags"),
    [
        # a block opener with no block: the opener is skipped, what follows is read
        ('gather:\nsay "x"\n', [("TWL004", 2)], ["Say"]),
        ("gather:\n", [("TWL004", 1)], []),
        # unexpected indentation: the indented lines are skipped
        ('say "a"\n    say "b"\n    say "c"\nhangup\n', [("TWL004", 2)], ["Say", "Hangup"]),
        # an unindent to no known level
        ('gather:\n    say "a"\n  say "b"\nhangup\n', [("TWL004", 3)], ["Gather", "Hangup"]),
        # a broken block header: its block goes with it
        ('gather numDigits=1 =:\n    say "a"\n    say "b"\nhangup\n', [("TWL001", 1)], ["Hangup"]),
        # a continued statement is skipped whole
        ('say "a" \\\n    =x\nhangup\n', [("TWL001", 2)], ["Hangup"]),
        # invalid escapes no longer hide the rest
        ('say "\\q"\nsay "ok" bogus=1\n', [("TWL003", 1), ("TWL103", 2)], ["Say", "Say"]),
    ],
)
def test_recovery_cases(source: str, expected: list[tuple[str, int]], tags: list[str]) -> None:
    doc, diagnostics = analyze(source)
    assert [(d.code, d.span.line) for d in diagnostics] == expected
    assert [e.tag for e in doc.elements] == tags


def test_a_skipped_line_does_not_make_its_block_empty() -> None:
    # the only child of the block is broken: one error, not also "say needs text"
    assert codes('say:\n    "text" =\n') == [("TWL001", 2)]
    assert codes('gather:\n    say "x" =\n') == [("TWL001", 2)]


def test_errors_are_capped() -> None:
    source = 'say "x" =\n' * (MAX_SYNTAX_ERRORS + 30)
    found = codes(source)
    assert len(found) == MAX_SYNTAX_ERRORS
    assert found == [("TWL001", n) for n in range(1, MAX_SYNTAX_ERRORS + 1)]


def _code_lines(source: str) -> list[int]:
    lines = source.split("\n")
    out = []
    for n, text in enumerate(lines, 1):
        stripped = text.strip()
        continued = n > 1 and lines[n - 2].rstrip().endswith("\\")
        if stripped and not stripped.startswith("#") and not continued and not stripped.startswith('"'):
            out.append(n)
    return out


@pytest.mark.parametrize("twl", sorted(CASES.glob("*.twl")), ids=lambda p: p.stem)
def test_a_broken_line_anywhere_costs_only_itself(twl: Path) -> None:
    """Insert a broken statement before each statement of every golden case: exactly one
    more diagnostic (the syntax error, at the inserted line), and the same document."""
    source = twl.read_text(encoding="utf-8")
    doc, diagnostics = analyze(source)
    lines = source.split("\n")
    for n in _code_lines(source):
        indent = lines[n - 1][: len(lines[n - 1]) - len(lines[n - 1].lstrip())]
        broken = "\n".join([*lines[: n - 1], indent + 'say "x" =broken', *lines[n - 1 :]])
        doc2, diagnostics2 = analyze(broken)
        syntax = [d for d in diagnostics2 if d.code == "TWL001"]
        assert [(d.span.line) for d in syntax] == [n], (twl.name, n)
        assert doc2 == doc, (twl.name, n)
        assert [d.code for d in diagnostics2 if d.code != "TWL001"] == [d.code for d in diagnostics], (twl.name, n)


@pytest.mark.parametrize(
    ("line", "column", "utf16"),
    [
        ('say "abc"', 6, 5),
        ('say "お電話"', 8, 7),  # BMP: one unit each
        ('say "😀x" =', 7, 7),  # 😀 is two UTF-16 units
        ('say "😀😀" =', 10, 11),
        ('say "😀"', 20, 20),  # past the end
    ],
)
def test_utf16_positions(line: str, column: int, utf16: int) -> None:
    assert to_utf16(line, column) == utf16
    assert from_utf16(line, utf16) == column


def test_positions_after_multibyte_text_are_code_points() -> None:
    source = 'say "お電話ありがとう😀" =x\n'
    (d,) = analyze(source)[1]
    line = source.split("\n")[0]
    assert line[d.span.column - 1] == "="
    assert to_utf16(line, d.span.column) == line.encode("utf-16-le").find("=".encode("utf-16-le")) // 2
