"""What the compiler's lexer makes of .twl text, character by character, to test that the
highlighters (the TextMate grammar and the Pygments lexer) split text where it does.

The reference is a Lark parser built from ``grammar/twl.lark`` that records every token
its contextual lexer produces. Each character gets a category: ``keyword``, ``hatch``
(the ``!`` of an escape hatch), ``attribute``, ``equals``, ``value``, ``string``,
``bracket``, ``colon``, ``comment``, ``continuation``, or ``None`` (white space)."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from conftest import ROOT
from lark import Lark, Token
from lark.exceptions import LarkError
from lark.indenter import Indenter

import twimlc

TWL_FILES = sorted(
    p
    for folder in ("examples", "tests/cases", "tests/errors", "tests/fmt", "editors/vscode/test/cases")
    for p in (ROOT / folder).glob("*.twl")
)


def meant_to_be_invalid(path: Path) -> bool:
    """tests/errors/*.twl, and the highlighters' own invalid-input cases."""
    return path.parent == ROOT / "tests" / "errors" or path.name.startswith("invalid")


CATEGORIES = ("keyword", "hatch", "attribute", "equals", "value", "string", "bracket", "colon", "comment")


class _Indenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LSQB"]  # noqa: RUF012 - lark reads class attributes
    CLOSE_PAREN_types = ["RSQB"]  # noqa: RUF012
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


_tokens: list[Token] = []


def _record(t: Token) -> Token:
    _tokens.append(t)
    return t


@lru_cache(maxsize=1)
def _parser() -> Lark:
    names = ["KEYWORD", "ATTRNAME", "ATTRBARE", "BARE", "STRING", "LSQB", "RSQB", "COLON", "_NL"]
    return Lark(
        (ROOT / "grammar" / "twl.lark").read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        postlex=_Indenter(),
        maybe_placeholders=False,
        lexer_callbacks=dict.fromkeys(names, _record),
    )


def lark_tokens(text: str) -> tuple[list[Token], bool]:
    """The tokens Lark's lexer produced for ``text`` (up to an error), and whether the
    text parsed."""
    _tokens.clear()
    try:
        _parser().parse(text if text.endswith("\n") else text + "\n")
        ok = True
    except LarkError:
        ok = False
    return list(_tokens), ok


def categories(text: str) -> list[str | None] | None:
    """The category of each character of ``text`` (line breaks included, as None), or
    None when the text does not parse."""
    tokens, ok = lark_tokens(text)
    if not ok:
        return None
    out: list[str | None] = [None] * len(text)

    def put(start: int, end: int, category: str) -> None:
        for i in range(start, min(end, len(text))):
            out[i] = category

    for t in tokens:
        start = t.start_pos or 0
        value = str(t)
        end = start + len(value)
        if t.type in ("KEYWORD", "ATTRNAME", "ATTRBARE") and value.startswith("!"):
            put(start, start + 1, "hatch")
            start += 1
            value = value[1:]
        if t.type == "KEYWORD":
            put(start, end, "keyword")
        elif t.type in ("ATTRNAME", "ATTRBARE"):
            eq = start + value.index("=")
            put(start, eq, "attribute")
            put(eq, eq + 1, "equals")
            put(eq + 1, end, "value")
        elif t.type == "BARE":
            put(start, end, "value")
        elif t.type == "STRING":
            put(start, end, "string")
        elif t.type in ("LSQB", "RSQB"):
            put(start, end, "bracket")
        elif t.type == "COLON":
            put(start, end, "colon")
        elif t.type == "_NL":
            at = start
            for piece in value.split("\n"):
                if "#" in piece:
                    put(at + piece.index("#"), at + len(piece.rstrip("\r")), "comment")
                at += len(piece) + 1
    for i, c in enumerate(text):  # outside every token: white space, or a '\' continuation
        if out[i] is None and c == "\\":
            out[i] = "continuation"
    return out


# Where the compiler stops reading (TWL001 syntax error, TWL002 unterminated string, TWL003
# invalid escape), the grammar marks the text invalid: source → the compiler's position.
LEXICAL_ERRORS = {
    'say "bad \\q escape"': (1, 10),
    'say "unterminated': (1, 5),
    'say "x" loop = 2': (1, 14),
    'say "a" \\ x': (1, 9),
    "say ]": (1, 5),
    "=x": (1, 1),
    "[a b]": (1, 1),
    "123 say": (1, 1),
    '"text" more': (1, 8),
    'say "x"\n"text" "more"': (2, 8),
    "dial [a :]": (1, 9),
}
LEXICAL_CODES = ("TWL001", "TWL002", "TWL003")


def lexical_errors(text: str) -> list[tuple[int, int]]:
    """Where the compiler reports that it could not read ``text``: (line, column)."""
    return [(d.span.line, d.span.column) for d in twimlc.analyze(text, "x.twl")[1] if d.code in LEXICAL_CODES]


# Backslash escapes to try in a string: every ASCII character and the \u and \U forms.
ESCAPES = [chr(c) for c in range(0x20, 0x7F)] + ["é", "🎉"]
ESCAPES += ["u0041", "u004", "u{41}", "u{}", "u{10FFFF}", "u{110000}", "u{0010FFFF}", "u{1234567}", "u{00000A}"]
ESCAPES += ["u{FFFFFF}", "u{0}", "U0001F600", "U00110000", "U0010FFFF", "UFFFFFFFF", "U1", "u{12", "uD800"]
ESCAPES += ["{{", "{{x}}", "{{{"]  # \{{ is a literal "{{"; a lone \{ is not an escape


def lines_of(text: str) -> list[tuple[int, str]]:
    """(offset, line) for each line of ``text``, without the line breaks."""
    out = []
    at = 0
    for line in text.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    if out and out[-1][1] == "" and len(out) > 1:
        out.pop()
    return out


def differences(text: str, want: list[str | None], got: list[str | None], limit: int = 8) -> list[str]:
    """Readable differences between two category lists, as ``line:col 'c' want → got``."""
    found = []
    for number, (offset, line) in enumerate(lines_of(text), 1):
        for col, c in enumerate(line):
            w, g = want[offset + col], got[offset + col]
            if w != g:
                found.append(f"{number}:{col + 1} {c!r} {w} → {g}: {line!r}")
                if len(found) >= limit:
                    return found
    return found


# --- random documents ------------------------------------------------------------------
# Text built from fragments that sit on the lexer's edges ('#' inside and after values,
# ':' inside and at the end of values, '=' in values, escapes, lists over lines, line
# continuations, inline blocks). Only the documents that parse are kept.

_KEYWORDS = "say gather say-as x.y _k Dial !Ninja !new-verb !amazon:effect !a:b.c:d twiml param number".split()
_WORDS = ["a", "voice", "messaging", "fax", "string", "url", "true", "false", "5", "-3.5", "+15558675310"]
_BARES = [
    *_WORDS,
    "/menu?x=1&y=2",
    "a#b",
    "a:b",
    "http://h:80/p",
    "500ms",
    "a\\b",
    "{{x}}",
    "a{{b}}c",
    "{x}",
    "{{ x",
    "é",
    "日本",
    "🎉",
    "x=1",
    "a=b=c",
    "Polly.Joanna",
    "1:",
    "true:x",
]
_STRING_PARTS = ["", "a", " ", "'", "{{ y }}"]
_STRING_PARTS += r"""\" \\ \n \t \u00e9 \u{1F600} \U0001F600 \0 \# \u{41} # : = [ ] { } {{x}} 🎉 日本語""".split()
_ATTRS = ["voice", "finishOnKey", "xml:lang", "a.b-c", "_x", "!newAttribute", "default", "numDigits"]


def _string(r: random.Random) -> str:
    return '"' + "".join(r.choice(_STRING_PARTS) for _ in range(r.randint(0, 5))) + '"'


def _list(r: random.Random, indent: str) -> str:
    items = []
    for _ in range(r.randint(0, 4)):
        items.append(r.choice([r.choice(_BARES), _string(r)]))
        sep = r.choice([" ", " ", " ", "\n" + indent + "  ", " # in a list\n" + indent + "  ", " \\\n" + indent])
        items.append(sep)
    return "[" + r.choice(["", " "]) + "".join(items).rstrip(" ") + "]"


def _value(r: random.Random, indent: str) -> str:
    return r.choice([r.choice(_BARES), _string(r), _string(r), _list(r, indent)])


def _arg(r: random.Random, indent: str) -> str:
    choice = r.randint(0, 9)
    if choice < 4:
        return _value(r, indent)
    name = r.choice(_ATTRS)
    if choice == 4:
        return f"{name}=#" + r.choice(["", "x", "a#"])
    if choice == 5:
        return f"{name}= " + r.choice(_BARES).lstrip("#")
    return f"{name}={_value(r, indent)}"


def _head(r: random.Random, indent: str) -> str:
    parts = [r.choice(_KEYWORDS)]
    for _ in range(r.randint(0, 4)):
        sep = r.choice([" ", " ", "  ", " \\\n" + indent + "    "])
        parts.append(sep + _arg(r, indent))
    return "".join(parts)


def _inline(r: random.Random, indent: str) -> str:
    choice = r.randint(0, 3)
    if choice == 0:
        return _string(r)
    if choice == 1:
        return _head(r, indent) + r.choice([":", ": ", " : "]) + _inline(r, indent)
    return _head(r, indent)


def _comment(r: random.Random) -> str:
    return r.choice(["", "", "", " # note", "  #x", "# tight", " #", " # a \\"])


def _statements(r: random.Random, depth: int, indent: str) -> list[str]:
    out = []
    for _ in range(r.randint(1, 4)):
        choice = r.randint(0, 9)
        if choice == 0:
            out.append(indent + _string(r) + _comment(r).lstrip("#"))
        elif choice == 1:
            out.append(indent + r.choice(["# a comment", "#", "#!", '# say "x"']))
        elif choice == 2:
            out.append("")
        elif choice == 3 and depth < 2:
            out.append(indent + _head(r, indent) + ":" + _comment(r))
            out.extend(_statements(r, depth + 1, indent + "    "))
        elif choice == 4:
            out.append(indent + _head(r, indent) + r.choice([":", ": ", ":  "]) + _inline(r, indent) + _comment(r))
        else:
            out.append(indent + _head(r, indent) + _comment(r))
    if all(not s.strip() or s.strip().startswith("#") for s in out):
        out.append(indent + "say " + _string(r))
    return out


def random_documents(count: int, seed: int = 20240601) -> list[str]:
    """``count`` documents that parse, the same ones on every run."""
    r = random.Random(seed)
    docs: list[str] = []
    while len(docs) < count:
        text = "\n".join(_statements(r, 0, "")) + "\n"
        if lark_tokens(text)[1]:
            docs.append(text)
    return docs


def write_documents(docs: list[str], folder: Path) -> list[Path]:
    paths = []
    for i, text in enumerate(docs):
        path = folder / f"random_{i:03d}.twl"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
