"""Template parameters: their declaration (``param NAME TYPE``), their use as ``{{name}}``,
whether a type fits where it is used, and the conversion of a value when rendered.
One function per check, one message.

Shared by the resolver (declarations, uses, type fit), the checker, the template
renderer, the generator, the printer and decompile. A document with no placeholder is an
ordinary document.

A literal ``{{`` is written ``\\{{`` in a quoted string. In the tree it is held as
:data:`LITERAL`, ``{{'{{'}}`` (Jinja's spelling, also accepted in source), which no
placeholder can match; the generator writes it out as ``{{``, the printer as ``\\{{``."""

from __future__ import annotations

import re

from .ast import Invalid, ListValue, Param, Scalar, Span, Statement, SyntaxNode, TextLine
from .diagnostics import Diagnostic, diag
from .values import E164, INTEGER, NOT_XML, check_value, url_problem
from .vocabulary import ValueType, suggest

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
LITERAL = "{{'{{'}}"
# A placeholder (group 1: its name) or a literal "{{", whichever starts first.
TOKEN = re.compile(r"\{\{'\{\{'\}\}|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PARAM_KEYWORD = "param"
PARAM_TYPES = ("string", "integer", "boolean", "phone", "url", "digits", "dtmf", "enum")

# A value of each type that passes every check where that type fits: used to check the
# parts of a value around a placeholder.
SAMPLES = {
    "string": "x",
    "integer": "1",
    "boolean": "true",
    "phone": "+14155550100",
    "url": "/x",
    "digits": "1",
    "dtmf": "1",
}
# Every value of a parameter type that has only a few.
_CHOICES = {"boolean": ("true", "false")}


def names(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def mentioned(nodes: list[SyntaxNode] | tuple[SyntaxNode, ...]) -> set[str] | None:
    """The parameter names written as ``{{name}}`` anywhere in ``nodes`` (values, attributes,
    text lines, blocks; declarations aside), also in statements the resolver refuses;
    ``None`` when a part could not be read (an :class:`~twimlc.ast.Invalid` node): that
    part may mention any."""
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, Invalid):
            return None
        if isinstance(node, TextLine):
            found.update(names(node.text))
        elif isinstance(node, Statement) and node.keyword != PARAM_KEYWORD:
            for a in node.args:
                values = a.value.items if isinstance(a.value, ListValue) else (a.value,)
                for v in values:
                    found.update(names(v.text))
            stack.extend(node.body)
    return found


def is_whole(text: str) -> bool:
    m = PLACEHOLDER.fullmatch(text.strip())
    return m is not None and text == text.strip()


def literal_text(text: str) -> str:
    """Template text as it is written out when it has no placeholders: every literal
    ``{{`` (held as :data:`LITERAL`) as ``{{``."""
    return text.replace(LITERAL, "{{") if LITERAL in text else text


def escape_braces(text: str, placeholders: bool) -> str:
    """``text`` as template text that writes out exactly ``text`` (``literal_text``'s
    inverse): each ``{{`` that would start a :data:`LITERAL`, or a placeholder unless
    ``placeholders`` (then ``{{name}}`` stays a placeholder), becomes :data:`LITERAL`."""
    if "{{" not in text:
        return text
    found = TOKEN if not placeholders else _LITERAL_ONLY
    return found.sub(lambda m: LITERAL + m.group(0)[2:], text)


_LITERAL_ONLY = re.compile(re.escape(LITERAL))


def fits(param_type: str, values: tuple[str, ...], t: ValueType) -> bool:
    """Whether every value of the parameter type is a valid value of attribute type ``t``."""
    if t.type == "string" or (t.type == "enum" and t.open):
        return True
    choices = values if param_type == "enum" else _CHOICES.get(param_type)
    if choices is not None:
        from .values import check_value

        return all(check_value(t, v) is None for v in choices)
    allowed = {
        "int": {"integer"},
        "bool": set(),
        "enum": set(),
        "url": {"url"},
        "phone": {"phone"},
        "duration": set(),
        "dtmf": {"digits", "dtmf"},
        "senddigits": {"digits"},  # a dtmf parameter may hold A-D or W, which sendDigits refuses
        "recipient": {"phone", "string"},  # a string parameter can hold whatsapp:+1… and the like
        "sender": {"phone", "string"},
    }[t.type]
    return param_type in allowed


def sample(param_type: str, values: tuple[str, ...]) -> str:
    return values[0] if param_type == "enum" and values else SAMPLES.get(param_type, "x")


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def declare(s: Statement) -> tuple[Param | None, list[Diagnostic]]:
    """A parameter declaration, ``param NAME TYPE [default=VALUE]`` (TYPE a word or
    ``[choices]``, an enum), and what is wrong with it."""
    out: list[Diagnostic] = []

    def report(code: str, message: str, span: Span, hint: str | None = None, fix: str | None = None) -> None:
        out.append(diag(code, message, span, hint, fix=fix))

    positional = [a for a in s.args if a.name is None]
    named = {a.name: a for a in s.args if a.name is not None}
    usage = "write: param NAME TYPE [default=VALUE], TYPE one of " + ", ".join(PARAM_TYPES[:-1]) + " or [choices]"
    if len(positional) != 2 or not isinstance(positional[0].value, Scalar) or set(named) - {"default"} or s.body:
        report("TWL604", "invalid parameter declaration", s.span, usage)
        return None, out
    name_value, type_value = positional[0].value, positional[1].value
    if not _IDENTIFIER.match(name_value.text):
        report("TWL604", f"{name_value.text!r} is not a parameter name (letters, digits, _)", name_value.span)
        return None, out
    if isinstance(type_value, ListValue):
        ptype, values = "enum", tuple(i.text for i in type_value.items)
        if not values:
            report("TWL604", "an enum parameter lists at least one choice", type_value.span)
            return None, out
    elif type_value.text in PARAM_TYPES and type_value.text != "enum":
        ptype, values = type_value.text, ()
    else:
        near = suggest(type_value.text, list(PARAM_TYPES[:-1]))
        report(
            "TWL604",
            f"unknown parameter type {type_value.text!r}",
            type_value.span,
            f"did you mean {near!r}?" if near else usage,
            near,
        )
        return None, out
    default = None
    if "default" in named:
        d = named["default"].value
        if isinstance(d, ListValue):
            report("TWL604", "a default is one value", d.span)
            return None, out
        default = literal_text(d.text)  # a value, not template text: "\{{" is "{{"
        problem = convert(Param(name_value.text, ptype, values), default)[1]
        if problem:
            report("TWL605", f"default of {name_value.text!r}: {problem}", d.span)
            return None, out
    return Param(name_value.text, ptype, values, default, s.span, name_value.span), out


_DIGITS = re.compile(r"^[0-9]+$")
_DTMF = ValueType("dtmf")


def show(value: object) -> str:
    """``value`` for a message: its repr (control characters escaped), cut short."""
    r = repr(value)
    return r if len(r) <= 60 else r[:56] + "…" + r[-3:]


def convert(param: Param, value: Any) -> tuple[str, str | None]:
    """``value`` as the text it renders to, and the problem if it does not fit the type."""
    t = param.type
    if t == "boolean":
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if value in ("true", "false"):
            return str(value), None
        return "", f"{show(value)} is not a boolean (true or false)"
    if t == "integer":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or (isinstance(value, str) and not INTEGER.match(value))
        ):
            return "", f"{show(value)} is not an integer"
        return str(int(value)), None
    if not isinstance(value, str):
        if t in ("digits", "dtmf", "string") and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        else:
            return "", f"{show(value)} is not text"
    bad = NOT_XML.search(value)
    if bad:
        return "", f"character U+{ord(bad.group()):04X} cannot appear in XML"
    if t == "phone" and not E164.match(value):
        return "", f"{show(value)} is not an E.164 phone number"
    if t == "digits" and not _DIGITS.match(value):
        return "", f"{show(value)} is not digits"
    if t == "dtmf" and check_value(_DTMF, value) is not None:
        return "", f"{show(value)} is not {_DTMF.describe()}"
    if t == "url":
        # a URL for some place (a wss: one only for a stream): each place judges it again
        problem = url_problem(value)
        if problem and url_problem(value, sockets=True) is not None:
            return "", f"{show(value)} is not a URL: {problem}"
    if t == "enum" and value not in param.values:
        return "", f"{show(value)} is not one of " + ", ".join(param.values)
    return value, None
