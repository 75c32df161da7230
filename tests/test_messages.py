"""Messages the new user found wrong: escapes shown as written (not as Python repr), a
code point out of range said so, brackets in an unquoted value, a line continuation at
the end of the file, and an escape-hatch attribute with no name."""

from __future__ import annotations

import pytest

import twimlc
from twimlc.ast import Span
from twimlc.diagnostics import Diagnostic


def only(source: str) -> Diagnostic:
    _, diagnostics = twimlc.analyze(source)
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def test_invalid_escape_is_shown_as_written() -> None:
    d = only('say "\\q"')
    assert (d.code, d.message, d.span) == ("TWL003", "invalid escape \\q in a string", Span(1, 6, 1, 8))


@pytest.mark.parametrize("escape", ["\\u{110000}", "\\U00110000"])
def test_code_point_out_of_range_says_so(escape: str) -> None:
    d = only(f'say "{escape}"')
    assert d.code == "TWL003"
    assert d.message == f"invalid escape {escape}: U+110000 is out of range (the last code point is U+10FFFF)"
    assert d.span == Span(1, 6, 1, 6 + len(escape))


def test_brackets_in_an_unquoted_value_hint_at_quoting() -> None:
    d = only("play https://x.com/a[1].mp3")
    assert d.code == "TWL304"
    assert d.hint == 'unquoted, [ ] make a list: quote a value with [ ] in it ("…")'
    assert "spaces" not in (d.hint or "")


def test_second_value_with_a_space_still_hints_at_quoting_spaces() -> None:
    assert only("say hello world").hint == "quote text that contains spaces"


@pytest.mark.parametrize(
    ("source", "span"),
    [
        ('say "x" \\', Span(1, 9, 1, 10)),
        ('say "x" \\\n', Span(1, 9, 1, 10)),
        ("dial:\n    number +15558675310 \\  \n", Span(2, 25, 2, 26)),
    ],
)
def test_line_continuation_at_end_of_file_points_at_the_backslash(source: str, span: Span) -> None:
    d = only(source)
    assert d.code == "TWL001"
    assert d.span == span
    assert d.message.startswith("unexpected end of file after '\\'")
    assert d.hint == "a '\\' at the end of a line continues the statement on the next line; nothing follows it"


@pytest.mark.parametrize("source", ['say "x" !=1', "!Foo !=1"])
def test_escape_hatch_attribute_with_no_name(source: str) -> None:
    _, diagnostics = twimlc.analyze(source)
    d = next(d for d in diagnostics if d.code != "TWL901")
    assert d.code == "TWL211"
    assert d.message == "'!=1' is an attribute through the escape hatch (!name=value) with an empty name"
    assert d.span.column == source.index("!=1") + 1
    assert not any(d.code == "TWL304" for d in diagnostics)


def test_quoted_text_that_looks_like_a_nameless_attribute_is_text() -> None:
    assert twimlc.analyze('say "!=1"')[1] == []


@pytest.mark.parametrize(
    ("source", "span"),
    [
        ("gather input=[dtmf\n", Span(1, 19, 1, 20)),
        ("gather input=[dtmf", Span(1, 19, 1, 20)),
        ("gather input=[\n\n", Span(1, 15, 1, 16)),
        ('say "x"\ngather input=[dtmf  # a note\n', Span(2, 19, 2, 20)),
        ("gather input=[dtmf\n    speech\n", Span(2, 11, 2, 12)),
    ],
)
def test_end_of_file_is_reported_at_the_end(source: str, span: Span) -> None:
    """Where the file ends (after its last token), not on the last token, once."""
    d = only(source)
    assert d.code == "TWL001"
    assert d.message.startswith("unexpected end of file; expected ']'")
    assert d.span == span
