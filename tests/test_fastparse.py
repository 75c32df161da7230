"""The fast path for valid .twl (twimlc/fastparse.py) against lark, the reference.

Wherever the fast path gives a result, it must be exactly what the lark path gives: the
same nodes, spans and comments, and no diagnostics. Falling back (``None``) is always
allowed; but where lark finds nothing wrong the fast path must not fall back either, or it
would be no fast path. Checked on the whole corpus (decompiled), examples/, tests/cases,
tests/fmt and tests/errors, on generated documents, and on tens of thousands of mutated
sources. And the terminals it reads from grammar/twl.lark are lark's own, in lark's order,
per parser state."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_roundtrip_hypothesis import documents

import twimlc
from twimlc import fastparse, larkparser, parser
from twimlc.ast import CommentLine, Document, SyntaxNode
from twimlc.diagnostics import Diagnostic
from twimlc.printer import print_document

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "twiml"


@contextmanager
def _lark_only() -> Iterator[None]:
    saved = fastparse.parse, fastparse.attempt
    fastparse.parse = lambda source: None  # type: ignore[assignment]
    fastparse.attempt = lambda source: fastparse.Attempt(None)  # type: ignore[assignment]
    try:
        yield
    finally:
        fastparse.parse, fastparse.attempt = saved  # type: ignore[assignment]


def lark_syntax(source: str) -> tuple[list[SyntaxNode], list[CommentLine], list[Diagnostic]]:
    with _lark_only():
        return parser.parse_syntax(source)


def compare(source: str) -> str:
    """'fast' (both paths agree), 'fallback' (the fast path declined, lark found problems);
    fails on any difference, and on a fallback where lark found nothing wrong."""
    fast = fastparse.parse(source)
    nodes, comments, problems = lark_syntax(source)
    if fast is None:
        assert problems, f"the fast path declined valid source:\n{source}"
        # what the fast path read before it declined, and what it reads after an error
        # lark's path skipped, change nothing
        assert parser.parse_syntax(source) == (nodes, comments, problems), f"with the fast path:\n{source!r}"
        return "fallback"
    assert problems == [], f"the fast path accepted source lark rejects ({problems[0]}):\n{source!r}"
    assert fast[0] == nodes, f"trees differ:\n{source!r}"
    assert fast[1] == comments, f"comments differ:\n{source!r}"
    return "fast"


# --- the grammar's terminals, as lark reads them -------------------------------------


def test_terminals_are_read_from_the_grammar_as_lark_reads_them() -> None:
    lark = larkparser.parser()
    ours, digest = fastparse.read_grammar(larkparser.grammar_text())
    assert digest == fastparse.RULES_DIGEST, (
        "grammar/twl.lark's rules changed: update twimlc/fastparse.py to follow them, then RULES_DIGEST"
    )
    theirs = {t.name: t for t in lark.terminals}
    assert set(ours) == set(theirs)
    for name, t in theirs.items():
        assert (ours[name].value, ours[name].priority) == (t.pattern.value, t.priority), name
    root = lark.parser.lexer.lexer.root_lexer.terminals
    assert fastparse.lexer_order(ours) == [t.name for t in root]


def test_no_terminal_starts_with_a_blank() -> None:
    """What lets the fast path skip blanks with a prefix of its regexes: lark tries the
    ignored blanks last, which is the same only when nothing else can start there."""
    terminals, _ = fastparse.read_grammar(larkparser.grammar_text())
    blanks = [n for n, t in terminals.items() if re.fullmatch(t.regex, fastparse._BLANK)]
    assert len(blanks) == 1
    for name, t in terminals.items():
        if name not in blanks:
            for c in fastparse._BLANK:
                assert re.match(t.regex, c + "a:=#\n") is None, (name, c)


def test_contexts_are_the_lexer_sets_of_the_parser_states() -> None:
    """Every terminal set lark's contextual lexer uses is one of the fast path's contexts
    (same members; the order is lark's, checked above)."""
    lexers = larkparser.parser().parser.lexer.lexer.lexers
    theirs = {frozenset(t.name for t in lx.terminals if not t.name.startswith("__IGNORE_")) for lx in lexers.values()}
    ours = {frozenset(names) for names in fastparse._CONTEXTS.values()}
    # lark also has states only reached by a reduction (never lexed in): ':' or end of line
    # after a complete head, '_INDENT' after a block opener's line end
    assert ours <= theirs
    assert theirs - ours <= {frozenset({"_NL", "COLON"})}


def test_limits_agree() -> None:
    assert fastparse.MAX_NESTING == parser.MAX_NESTING
    assert fastparse._TAB_LEN == larkparser._TwlIndenter.tab_len


# --- real documents -------------------------------------------------------------------


def _sources() -> Iterator[tuple[str, str]]:
    for folder in ("examples", "tests/cases", "tests/fmt", "tests/errors", "tests/flows"):
        for f in sorted((ROOT / folder).rglob("*.twl")):
            yield str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")
    if CORPUS.is_dir():
        for f in sorted(CORPUS.rglob("*.xml")):
            try:
                yield f"decompiled {f.name}", twimlc.decompile(f.read_text(encoding="utf-8"))
            except Exception:
                continue  # not TwiML decompile can read (see the corpus README)


def test_corpus_examples_and_cases_parse_identically() -> None:
    outcomes = {name: compare(source) for name, source in _sources()}
    fast = [n for n, o in outcomes.items() if o == "fast"]
    assert len(fast) > 400, outcomes  # the decompiled corpus and the examples do take the fast path
    assert any(o == "fallback" for o in outcomes.values())  # tests/errors do not


# --- generated documents --------------------------------------------------------------

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents())
def test_printed_documents_parse_identically(doc: Document) -> None:
    compare(print_document(doc))


KEYWORDS = ["say", "play", "gather", "dial", "number", "pause", "!Tag", "!amazon:effect", "say-as", "p", "twiml"]
NAMES = ["voice=", "action=", "xml:lang=", "!new=", "numDigits=", "a.b-c="]
VALUES = ["x", "/menu", "#", "#1", "a:b", "12", "Polly.Joanna", "https://e.com/?a=1&b=2", "{{n}}", "w\\"]
STRINGS = ['"hi"', '""', '"a \\" b"', '"\\u00e9\\n\\t"', '"\\{{x}}"', '"# not a comment"', '"bad \\q"', '"日本"']
SPACES = [" ", "  ", "\t", " \\\n    ", " \f "]


@st.composite
def _head(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(KEYWORDS))]
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 4))
        if choice == 0:
            parts.append(draw(st.sampled_from(NAMES)) + draw(st.sampled_from(VALUES)))
        elif choice == 1:
            parts.append(draw(st.sampled_from(NAMES)) + draw(st.sampled_from(STRINGS)))
        elif choice == 2:
            items = draw(st.lists(st.sampled_from(VALUES + STRINGS), max_size=3))
            seps = draw(st.sampled_from([" ", "\n  ", " # c\n "]))
            parts.append(draw(st.sampled_from(["", *NAMES])) + "[" + seps.join(items) + "]")
        else:
            parts.append(draw(st.sampled_from(VALUES + STRINGS)))
    return "".join(p + draw(st.sampled_from(SPACES)) for p in parts[:-1]) + parts[-1]


@st.composite
def _lines(draw: st.DrawFn, depth: int = 0) -> list[str]:
    out: list[str] = []
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            out.append(draw(st.sampled_from(STRINGS)))
        elif kind == 1:
            out.append(draw(st.sampled_from(["# a comment", "#", "", "   ", "#  x  "])))
        elif kind <= 3 and depth < 3:
            out.append(draw(_head()) + ":")
            out.extend(indent + line for line in draw(_lines(depth + 1)))
        elif kind == 4:
            out.append(draw(_head()) + ": " + draw(st.sampled_from([*STRINGS, "say", 'p: "x"', "s x=1: b"])))
        else:
            out.append(draw(_head()) + draw(st.sampled_from(["", "  # trailing", " #", "\t"])))
    return out


@SETTINGS
@given(_lines(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_generated_syntax_parses_identically(lines: list[str], newline: str, final: bool) -> None:
    compare(newline.join(lines) + (newline if final else ""))


# --- mutations ------------------------------------------------------------------------

ALPHABET = [*' \t\n\r#"\\[]:=!.-_/', "a", "Z", "9", "é", "{{", "\\\n", "    "]
MUTANTS = 30_000


def test_mutated_sources_parse_identically() -> None:
    """Insertions and deletions of characters from the grammar's alphabet in valid files."""
    seeds = [s for _, s in _sources() if fastparse.parse(s) is not None and len(s) < 4000]
    rng = random.Random(20240611)
    outcomes = {"fast": 0, "fallback": 0}
    for _ in range(MUTANTS):
        source = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(source) + 1)
            if rng.random() < 0.5 and source:
                source = source[:at] + source[at + rng.randint(1, 3) :]
            else:
                source = source[:at] + rng.choice(ALPHABET) + source[at:]
        outcomes[compare(source)] += 1
    assert outcomes["fast"] > MUTANTS // 10 and outcomes["fallback"] > MUTANTS // 10, outcomes


def test_mutations_after_valid_statements_read_as_lark_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error after statements the fast path read (as when a line is half typed in a long
    file): lark reads only from the last of them on, and the fast path reads what follows
    an error lark's path skipped. The result must be lark's for the whole text."""
    seeds = [s for _, s in _sources() if fastparse.parse(s) is not None and len(s) < 4000]
    rng = random.Random(20250207)
    reads = {"after": 0, "whole": 0}
    real = parser._read_with_lark

    def counted(text: str, before: object) -> object:
        found = real(text, before)  # type: ignore[arg-type]
        if before is not None and found is not None:
            reads["after"] += 1
        elif before is None:
            reads["whole"] += 1
        return found

    monkeypatch.setattr(parser, "_read_with_lark", counted)
    compared = 0
    for _ in range(MUTANTS // 10):
        head = "".join(s if s.endswith("\n") else s + "\n" for s in (rng.choice(seeds), rng.choice(seeds)))
        tail = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(tail) + 1)
            if rng.random() < 0.5 and tail:
                tail = tail[:at] + tail[at + rng.randint(1, 3) :]
            else:
                tail = tail[:at] + rng.choice(ALPHABET) + tail[at:]
        source = head + tail
        if fastparse.parse(source) is None:
            assert parser.parse_syntax(source) == lark_syntax(source), f"with the fast path:\n{source!r}"
            compared += 1
    assert compared > MUTANTS // 40 and reads["after"] > compared * 3 // 4, (compared, reads)


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\n",
        "\ufeffsay hi\n",
        "  say hi\n",
        "# only a comment",
        "say hi\n    ",
        "gather:\n  say x\n  ",
        "say [a\n  b # c\n  ]\n",
        'say x=[a "b c"] !y=#:\n    "t"\n',
        "a: b: c: d\n",
        'say: "x"\n',
        "say x \\\n  y\n",
        "say x\n\f\nsay y\n",
        "dial action=/after:\n    number +1\n  say x\n",
        "say \\q\n",
        'say "\\q"\n',
        "gather:\n\tsay x\n        say y\n",
        "!amazon:effect: say\n",
        "sаy hi\n",  # a Cyrillic a
        ("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 70))) + " " * 70 + "c\n",
    ],
)
def test_edge_cases_parse_identically(source: str) -> None:
    compare(source)


# --- start-up ---------------------------------------------------------------------------


def _run_check(path: str) -> tuple[int, set[str]]:
    import subprocess
    import sys

    code = (
        "import sys; from twimlc.cli import main; code = main(['check', sys.argv[1]]); "
        "print(' '.join(sys.modules)); raise SystemExit(code)"
    )
    r = subprocess.run([sys.executable, "-c", code, path], cwd=ROOT, capture_output=True, text=True, check=False)
    return r.returncode, set(r.stdout.split())


def test_checking_a_valid_file_does_not_import_lark(tmp_path: Path) -> None:
    code, modules = _run_check("examples/hello.twl")
    assert code == 0 and not any(m.split(".")[0] == "lark" for m in modules)
    bad = tmp_path / "bad.twl"
    bad.write_text('say "unterminated\n', encoding="utf-8")
    code, modules = _run_check(str(bad))
    assert code == 1 and "lark" in modules  # errors are found and worded by lark
