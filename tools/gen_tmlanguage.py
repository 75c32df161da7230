"""Generate the TextMate grammar ``editors/vscode/syntaxes/twl.tmLanguage.json``.

The token patterns are not written here: they are read from the terminals of
``grammar/twl.lark`` (through lark), so the highlighter splits a line exactly where the
compiler's lexer does (``finishOnKey=#`` is a value, ``say "x" # note`` a comment,
``dial action=/after:`` a value and a block colon). The language words come from the
package (``twiml`` and the document kinds, ``param`` and its types, the ``{{name}}``
placeholder). Element keywords are matched generically, as the Lark grammar does: which
keywords exist depends on the document kind and the parent element, and ``!Tag`` passes
any element through, so a list here could only be wrong; ``twimlc check`` reports
unknown keywords. ``tests/test_editor_grammar.py`` fails when the committed file differs
from a fresh run::

    python tools/gen_tmlanguage.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twimlc.params import PARAM_KEYWORD, PARAM_TYPES, PLACEHOLDER  # noqa: E402
from twimlc.vocabulary import HEADER_KEYWORD, KINDS  # noqa: E402

OUTPUT = ROOT / "editors" / "vscode" / "syntaxes" / "twl.tmLanguage.json"
GRAMMAR = ROOT / "grammar" / "twl.lark"

# The string escapes the compiler accepts (twimlc/parser.py); test_editor_grammar.py checks
# every escape against the compiler.
HEX = "[0-9A-Fa-f]"
ESCAPE = (
    r'\\(?:["\\ntr0#]|\{\{'  # \{{ is a literal "{{", not a placeholder
    rf"|u\{{(?:{HEX}{{1,5}}|0{HEX}{{5}}|10{HEX}{{4}})\}}"  # \u{…}: up to U+10FFFF
    rf"|u{HEX}{{4}}"
    rf"|U(?:000{HEX}{{5}}|0010{HEX}{{4}}))"  # \UXXXXXXXX: up to U+10FFFF
)


def terminals() -> dict[str, str]:
    """The regular expressions of the Lark grammar's terminals, by name."""
    from lark import Lark

    parser = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr")
    return {t.name: t.pattern.to_regexp() for t in parser.terminals}


def onig(pattern: str) -> str:
    r"""A Python ``re`` pattern as Oniguruma reads it the same way, its groups made
    non-capturing (so that captures here can be numbered). Python's ``\s`` also matches
    the separators U+001C–U+001F, Oniguruma's does not."""
    out = []
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            escape = pattern[i : i + 2]
            out.append(r"\s\x{1c}-\x{1f}" if escape == r"\s" and in_class else escape)
            if escape == r"\s" and not in_class:
                raise SystemExit(r"grammar/twl.lark: \s outside a character class")
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        elif c == "(" and not in_class and not pattern.startswith("(?", i):
            c = "(?:"
        out.append(c)
        i += 1
    return "".join(out)


def patterns() -> dict[str, str]:
    t = terminals()
    attrname = t["ATTRNAME"]
    bare = t["BARE"]
    # KEYWORD is '!' and an escaped name (which may have a namespace prefix, !amazon:effect),
    # or a plain name
    hatch_keyword, _, keyword = t["KEYWORD"].partition("|")
    if not (hatch_keyword.startswith("!") and "!" not in keyword and "|" not in keyword):
        raise SystemExit(f"grammar/twl.lark: KEYWORD {t['KEYWORD']!r} changed shape")
    if not (attrname.startswith("!?") and attrname.endswith("=")):
        raise SystemExit(f"grammar/twl.lark: ATTRNAME {attrname!r} changed shape")
    # ATTRBARE is the name, '=' and a bare value in one token; the highlighter splits it.
    bare_after_equals = bare.replace("(?<==)", "", 1)
    if t["ATTRBARE"] != f"{attrname}({bare_after_equals})":
        raise SystemExit("grammar/twl.lark: ATTRBARE is no longer ATTRNAME followed by BARE")
    whitespace = t["__IGNORE_0"]
    continuation = t["__IGNORE_1"]
    if whitespace != "[\t \x0c]+" or not continuation.startswith("\\\\[\t ]*"):
        raise SystemExit("grammar/twl.lark: white space or line continuation changed")
    return {
        "keyword": onig(keyword),
        "hatch-keyword": onig(hatch_keyword[1:]),
        "attrname": onig(attrname[2:-1]),
        "bare": onig(bare),
        "string": onig(t["STRING"]),
    }


def rx_words(words: tuple[str, ...] | list[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


def build() -> dict[str, Any]:
    p = patterns()
    word_end = r"(?![A-Za-z0-9_.\-])"  # a KEYWORD ends here (its characters are greedy)
    bare_end = r"(?=:*(?:[\s\x{1c}-\x{1f}\"\[\]]|$))"  # a BARE ends here (it never ends in ':')
    ws = r"[\t\f ]"
    placeholder = PLACEHOLDER.pattern
    if placeholder != r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}":
        raise SystemExit(f"twimlc/params.py: PLACEHOLDER changed: {placeholder!r}")
    value_start = r"(?<![^\s\x{1c}-\x{1f}\"\[\]=])"  # at the start of a bare value

    def keyword_rule(scope: str, hatch_scope: str) -> list[dict[str, Any]]:
        """A statement: a keyword, then its arguments to the end of the line (or further,
        after a '\\' continuation or inside a list)."""
        return [
            {
                "begin": f"((!)({p['hatch-keyword']}))",
                "beginCaptures": {
                    "1": {"name": hatch_scope},
                    "2": {"name": "punctuation.definition.escape-hatch.twl"},
                },
                "end": "$",
                "patterns": [{"include": "#arguments"}],
            },
            {
                "begin": f"({p['keyword']})",
                "beginCaptures": {"1": {"name": scope}},
                "end": "$",
                "patterns": [{"include": "#arguments"}],
            },
        ]

    param_types = [t for t in PARAM_TYPES if t != "enum"]  # enum is written as a list: [a b]
    repository: dict[str, Any] = {
        "comment": {
            "comment": "'#' where a token could start: at the start of a line, after white space, a string, ']' or ':'.",
            "match": "(#).*$",
            "name": "comment.line.number-sign.twl",
            "captures": {"1": {"name": "punctuation.definition.comment.twl"}},
        },
        "continuation": {
            "comment": "A '\\' at the end of a line: the statement goes on on the next line.",
            "begin": r"(\\)(?=[\t ]*$)",
            "beginCaptures": {"1": {"name": "punctuation.separator.continuation.line.twl"}},
            "end": "^",
        },
        "header": {
            "comment": "twiml voice|messaging|fax: the document kind, on the first line.",
            "begin": f"({re.escape(HEADER_KEYWORD)}){word_end}",
            "beginCaptures": {"1": {"name": "keyword.control.directive.header.twl"}},
            "end": "$",
            "patterns": [
                {"match": f"{value_start}{rx_words(KINDS)}{bare_end}", "name": "constant.language.kind.twl"},
                {"include": "#arguments"},
            ],
        },
        "param": {
            "comment": "param NAME TYPE [default=VALUE]: a template parameter.",
            "begin": (
                f"({re.escape(PARAM_KEYWORD)}){word_end}"
                f"(?:({ws}+)([A-Za-z_][A-Za-z0-9_]*){bare_end}"
                f"(?:({ws}+)({rx_words(param_types)}){bare_end})?)?"
            ),
            "beginCaptures": {
                "1": {"name": "storage.type.param.twl"},
                "3": {"name": "variable.parameter.twl"},
                "5": {"name": "support.type.twl"},
            },
            "end": "$",
            "patterns": [{"include": "#arguments"}],
        },
        "statement": {"patterns": keyword_rule("keyword.other.element.twl", "keyword.other.element.escape-hatch.twl")},
        "text-line": {
            "comment": "A quoted string on its own line is text; only a comment may follow it.",
            "begin": f"({p['string']})",
            "beginCaptures": {"1": {"patterns": [{"include": "#string"}]}},
            "end": "$",
            "patterns": [
                {"include": "#continuation"},
                {"include": "#comment"},
                {"match": r"\S+", "name": "invalid.illegal.twl"},
            ],
        },
        "arguments": {
            "patterns": [
                {"include": "#continuation"},
                {"include": "#comment"},
                {"include": "#attribute"},
                {"include": "#string"},
                {"include": "#list"},
                {"include": "#bare"},
                {"include": "#block"},
                {"match": r"[=\]\\]", "name": "invalid.illegal.twl"},
            ]
        },
        "attribute": {
            "patterns": [
                {
                    "comment": "name=value in one token (Lark's ATTRBARE): the value may start with '#'.",
                    "match": f"(?:((!)({p['attrname']}))|({p['attrname']}))(=)({p['bare']})",
                    "captures": {
                        "1": {"name": "entity.other.attribute-name.escape-hatch.twl"},
                        "2": {"name": "punctuation.definition.escape-hatch.twl"},
                        "4": {"name": "entity.other.attribute-name.twl"},
                        "5": {"name": "punctuation.separator.key-value.twl"},
                        "6": {"patterns": [{"include": "#bare-value"}]},
                    },
                },
                {
                    "comment": "name= (Lark's ATTRNAME): a string, a list or, after white space, a bare value follows.",
                    "match": f"(?:((!)({p['attrname']}))|({p['attrname']}))(=)(?:{ws}+({p['bare']}))?",
                    "captures": {
                        "1": {"name": "entity.other.attribute-name.escape-hatch.twl"},
                        "2": {"name": "punctuation.definition.escape-hatch.twl"},
                        "4": {"name": "entity.other.attribute-name.twl"},
                        "5": {"name": "punctuation.separator.key-value.twl"},
                        "6": {"patterns": [{"include": "#bare-value"}]},
                    },
                },
            ]
        },
        "bare": {
            "match": p["bare"],
            "captures": {"0": {"patterns": [{"include": "#bare-value"}]}},
        },
        "bare-value": {
            "comment": "Inside a bare value (a capture, so '$' is the value's end).",
            "patterns": [
                {"match": f"{value_start}(?:true|false)$", "name": "constant.language.boolean.twl"},
                {"match": rf"{value_start}[+-]?[0-9]+(?:\.[0-9]+)?$", "name": "constant.numeric.twl"},
                {"include": "#placeholder"},
                {"match": r"(?:[^{]|\{(?!\{))+", "name": "string.unquoted.twl"},
                {"match": r"\{", "name": "string.unquoted.twl"},
            ],
        },
        "string": {
            "patterns": [
                {
                    "begin": f'(?={p["string"]})(")',
                    "beginCaptures": {"1": {"name": "punctuation.definition.string.begin.twl"}},
                    "end": '(")',
                    "endCaptures": {"1": {"name": "punctuation.definition.string.end.twl"}},
                    "name": "string.quoted.double.twl",
                    "patterns": [
                        {"match": ESCAPE, "name": "constant.character.escape.twl"},
                        {"match": r"\\.", "name": "invalid.illegal.escape.twl"},
                        {"include": "#placeholder"},
                    ],
                },
                {
                    "comment": "No closing quote on this line (strings are one line; write a line break as \\n).",
                    "match": '".*$',
                    "name": "invalid.illegal.unterminated-string.twl",
                },
            ]
        },
        "placeholder": {
            "match": r"(\{\{)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\}\})",
            "name": "meta.template.expression.twl",
            "captures": {
                "1": {"name": "punctuation.definition.template-expression.begin.twl"},
                "2": {"name": "variable.other.placeholder.twl"},
                "3": {"name": "punctuation.definition.template-expression.end.twl"},
            },
        },
        "list": {
            "comment": "[a b]: may span lines; a '#' inside starts a comment, as between statements.",
            "begin": r"\[",
            "beginCaptures": {"0": {"name": "punctuation.section.list.begin.twl"}},
            "end": r"\]",
            "endCaptures": {"0": {"name": "punctuation.section.list.end.twl"}},
            "name": "meta.list.twl",
            "patterns": [
                {"include": "#continuation"},
                {"include": "#comment"},
                {"include": "#string"},
                {"include": "#bare"},
                {"match": r"[=:\[\\]", "name": "invalid.illegal.twl"},
            ],
        },
        "block": {
            "comment": "':' opens a block; on the same line, a keyword or a string may follow (an inline block).",
            "begin": ":",
            "beginCaptures": {"0": {"name": "punctuation.section.block.begin.twl"}},
            "end": (
                f"((!)({p['hatch-keyword']}))|({p['keyword']})"
                r"|(?=[^\s\x{1c}-\x{1f}\\]|\\(?![\t ]*$)|$)"
            ),
            "endCaptures": {
                "1": {"name": "keyword.other.element.escape-hatch.twl"},
                "2": {"name": "punctuation.definition.escape-hatch.twl"},
                "4": {"name": "keyword.other.element.twl"},
            },
            "patterns": [{"include": "#continuation"}],
        },
    }
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "TwiML (twimlc)",
        "scopeName": "source.twl",
        "fileTypes": ["twl"],
        "comment": "Generated by tools/gen_tmlanguage.py from grammar/twl.lark; do not edit.",
        "patterns": [
            {"include": "#comment"},
            {"include": "#continuation"},
            {"include": "#text-line"},
            {"include": "#header"},
            {"include": "#param"},
            {"include": "#statement"},
            {"include": "#string"},
            {"match": r"\S+", "name": "invalid.illegal.twl"},
        ],
        "repository": repository,
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
