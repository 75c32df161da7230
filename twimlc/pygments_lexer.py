"""A Pygments lexer for ``.twl``, so ``pygmentize -l twl``, Sphinx and MkDocs highlight it.

Registered as a ``pygments.lexers`` entry point (aliases ``twl`` and ``twimlc``, files
``*.twl``); install it with ``pip install "twimlc[pygments]"``. This is the only module
that imports pygments, and nothing else in twimlc imports this one.

It splits a line where the compiler's lexer does: the token patterns below are the
terminals of ``grammar/twl.lark`` (``tests/test_pygments_lexer.py`` checks that they
still are), so ``finishOnKey=#`` is a value, ``say "x" # note`` ends in a comment and
``dial action=/after:`` is a value and a block colon. Keywords are matched generically,
as the grammar does (which keywords exist depends on the document kind and the parent,
and ``!Tag`` passes any element through); ``twimlc check`` reports unknown ones. What
the compiler rejects while reading (a string with no closing quote, an invalid escape,
a character no token starts with) is an ``Error`` token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from pygments import lexer as _lexer
from pygments.lexer import RegexLexer, default, include, this
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["TwlLexer"]

# The terminals of grammar/twl.lark (groups made non-capturing, for bygroups): KEYWORD as
# its two forms, '!' and an escaped name (which may have a namespace prefix: !amazon:effect)
# or a plain name; ATTRNAME without its leading '!?' and its '='; BARE and STRING.
HATCH_KEYWORD = r"[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)*"
KEYWORD = r"[A-Za-z_][A-Za-z0-9_.-]*"
ATTRNAME = r"[A-Za-z_][A-Za-z0-9_.:-]*"
BARE = r'(?<==)#(?:[^\s"\[\]]*[^\s"\[\]:])?|[^\s"\[\]#=:\\](?:[^\s"\[\]]*[^\s"\[\]:])?'
STRING = r'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"'
CONTINUATION = r"(\\)([\t ]*)(\n)"

# Words of the language itself (twimlc/vocabulary.py and twimlc/params.py; the test
# checks them too).
HEADER = "twiml"
KINDS = ("voice", "messaging", "fax")
PARAM = "param"
PARAM_TYPES = ("string", "integer", "boolean", "phone", "url", "digits", "dtmf")
PLACEHOLDER = r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}"

# The escapes the compiler accepts: \" \\ \n \t \r \0 \#, \{{, \uXXXX, \u{X…} and
# \UXXXXXXXX up to U+10FFFF.
HEX = "[0-9A-Fa-f]"
ESCAPE = (
    r'\\(?:["\\ntr0#]|\{\{'  # \{{ is a literal "{{", not a placeholder
    rf"|u\{{(?:{HEX}{{1,5}}|0{HEX}{{5}}|10{HEX}{{4}})\}}"
    rf"|u{HEX}{{4}}"
    rf"|U(?:000{HEX}{{5}}|0010{HEX}{{4}}))"
)

WORD_END = r"(?![A-Za-z0-9_.\-])"  # a KEYWORD ends here
BARE_END = r'(?=:*(?:[\s"\[\]]|$))'  # a BARE ends here (it never ends in ':')
WS = r"[\t\f ]"

# pygments' stubs leave these two untyped
_Callback = Callable[..., Iterator[tuple[int, Any, str]]]
bygroups: Callable[..., _Callback] = _lexer.bygroups
using: Callable[..., _Callback] = _lexer.using


class TwlLexer(RegexLexer):
    """``.twl``, the compact TwiML language compiled by twimlc."""

    name = "TwiML (twimlc)"
    aliases: ClassVar[list[str]] = ["twl", "twimlc"]
    filenames: ClassVar[list[str]] = ["*.twl"]
    mimetypes: ClassVar[list[str]] = ["text/x-twl"]
    url = "https://github.com/twimlc/twimlc"

    tokens: ClassVar[dict[str, list[Any]]] = {
        # the start of a statement
        "root": [
            (r"\s+", Whitespace),
            include("comment"),
            (CONTINUATION, bygroups(String.Escape, Whitespace, Whitespace)),
            # a quoted string on its own line is text
            (rf"(?={STRING})\"", String.Double, ("text-line", "string")),
            (rf"({HEADER}){WORD_END}", Keyword.Namespace, "header"),
            (
                rf"({PARAM}){WORD_END}(?:({WS}+)([A-Za-z_][A-Za-z0-9_]*){BARE_END}"
                rf"(?:({WS}+)({'|'.join(PARAM_TYPES)}){BARE_END})?)?",
                bygroups(Keyword.Declaration, Whitespace, Name.Variable, Whitespace, Keyword.Type),
                "arguments",
            ),
            (rf"(!)({HATCH_KEYWORD})", bygroups(Operator, Keyword.Pseudo), "arguments"),
            (KEYWORD, Keyword, "arguments"),
            (r'"[^\n]*', Error),  # no closing quote on the line
            (r"\S+", Error),
        ],
        "comment": [
            (r"#[^\n]*", Comment.Single),
        ],
        "string": [
            (r'"', String.Double, "#pop"),
            (ESCAPE, String.Escape),
            (r"\\[^\n]", Error),
            (PLACEHOLDER, String.Interpol),
            (r'[^"\\{]+|\{', String.Double),
        ],
        "quoted": [
            (rf"(?={STRING})\"", String.Double, "string"),
            (r'"[^\n]*', Error),
        ],
        # a bare value, lexed on its own (through using())
        "bare": [
            (r"\A(?:true|false)\Z", Keyword.Constant),
            (r"\A[+-]?[0-9]+(?:\.[0-9]+)?\Z", Number),
            (PLACEHOLDER, String.Interpol),
            (r"[^{]+|\{", String.Other),
        ],
        # after a keyword: values, attributes, a block colon, to the end of the line
        "arguments": [
            (r"\n", Whitespace, "#pop"),
            (rf"{WS}+", Whitespace),
            (CONTINUATION, bygroups(String.Escape, Whitespace, Whitespace)),
            include("comment"),
            # name=value in one token (the value may start with '#'), then name= alone
            (
                rf"(!?)({ATTRNAME})(=)({BARE})",
                bygroups(Operator, Name.Attribute, Operator, using(this, state="bare")),
            ),
            (
                rf"(!?)({ATTRNAME})(=)(?:({WS}+)({BARE}))?",
                bygroups(Operator, Name.Attribute, Operator, Whitespace, using(this, state="bare")),
            ),
            include("quoted"),
            (r"\[", Punctuation, "list"),
            (BARE, using(this, state="bare")),
            (r":", Punctuation, "after-colon"),
            (r"\S", Error),
        ],
        "header": [
            (rf'(?<![^\s"\[\]=])(?:{"|".join(KINDS)}){BARE_END}', Name.Builtin),
            include("arguments"),
        ],
        # [a b]: may span lines
        "list": [
            (r"\s+", Whitespace),
            (CONTINUATION, bygroups(String.Escape, Whitespace, Whitespace)),
            include("comment"),
            (r"\]", Punctuation, "#pop"),
            include("quoted"),
            (BARE, using(this, state="bare")),
            (r"\S", Error),
        ],
        # after ':' an inline block may start with a keyword
        "after-colon": [
            (rf"{WS}+", Whitespace),
            (CONTINUATION, bygroups(String.Escape, Whitespace, Whitespace)),
            (rf"(!)({HATCH_KEYWORD})", bygroups(Operator, Keyword.Pseudo), "#pop"),
            (KEYWORD, Keyword, "#pop"),
            default("#pop"),
        ],
        # after a text line's string: only a comment
        "text-line": [
            (r"\n", Whitespace, "#pop"),
            (rf"{WS}+", Whitespace),
            (CONTINUATION, bygroups(String.Escape, Whitespace, Whitespace)),
            include("comment"),
            (r"\S+", Error),
        ],
    }
