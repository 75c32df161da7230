"""Templates: ``.twl`` documents with typed parameters, checked once, rendered fast.

    param name string default="friend"
    param menu_id integer
    say "Hello {{name}}!"
    gather action=/menu/{{menu_id}} numDigits=1

:func:`load` parses, checks (every check of ``twimlc check``; only the parameter values
are left open) and precompiles a document into static XML chunks and slots. ``render``
checks each value against its parameter's type, escapes it for where it goes (element
text or attribute value), percent-encodes text parameters inside URLs, enforces Twilio's
length limits, and joins. No value can inject markup or break the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as percent_encode

from .ast import Param
from .diagnostics import TwimlcError
from .validate import _URL_TEXT, MAX_BODY_CHARS, MAX_DOCUMENT_BYTES, MAX_SAY_CHARS
from .vocabulary import E164, INTEGER, NOT_XML

if TYPE_CHECKING:
    from pathlib import Path

    from .ast import Document

_DIGITS = re.compile(r"^[0-9]+$")
_MARK = re.compile("\ue000([0-9]+)\ue001")
LIMITS = {"Say": MAX_SAY_CHARS, "Message": MAX_BODY_CHARS}  # characters of text, as twimlc check counts them


class ParamError(TwimlcError, ValueError):
    """A parameter value missing, unknown, or of the wrong type at render time."""

    def __init__(self, name: str, message: str) -> None:
        from .ast import Span
        from .diagnostics import diag

        self.param = name
        self.message = message
        super().__init__([diag("TWL606", message, Span(0, 0, 0, 0), None, "<render>")])

    def __str__(self) -> str:
        return f"TWL606 {self.message}"


def convert(param: Param, value: Any) -> tuple[str, str | None]:
    """``value`` as the text it renders to, and the problem if it does not fit the type."""
    t = param.type
    if t == "boolean":
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if value in ("true", "false"):
            return str(value), None
        return "", f"{value!r} is not a boolean (true or false)"
    if t == "integer":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or (isinstance(value, str) and not INTEGER.match(value))
        ):
            return "", f"{value!r} is not an integer"
        return str(int(value)), None
    if not isinstance(value, str):
        if t in ("digits", "string") and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        else:
            return "", f"{value!r} is not text"
    bad = NOT_XML.search(value)
    if bad:
        return "", f"character U+{ord(bad.group()):04X} cannot appear in XML"
    if t == "phone" and not E164.match(value):
        return "", f"{value!r} is not an E.164 phone number"
    if t == "digits" and not _DIGITS.match(value):
        return "", f"{value!r} is not digits"
    if t == "url" and (not value or any(c.isspace() for c in value)):
        return "", f"{value!r} is not a URL"
    if t == "enum" and value not in param.values:
        return "", f"{value!r} is not one of " + ", ".join(param.values)
    return value, None


@dataclass(frozen=True, slots=True)
class _Slot:
    param: str
    attribute: bool  # in an attribute value (else element text)
    encode_url: bool  # percent-encode: text parameter inside a URL
    int_range: tuple[int | None, int | None] | None  # for integer attributes
    limit_group: int | None  # index into the template's limit groups


class Template:
    """A checked, precompiled template. ``render(**values) -> str``; ``params``."""

    def __init__(self, doc: Document) -> None:
        from .generator import serialize, to_tree

        self.document = doc
        self.params: tuple[Param, ...] = doc.params
        self._by_name = {p.name: p for p in self.params}
        root, _ = to_tree(doc)
        self._slots: list[_Slot] = []
        self._limits: list[tuple[str, int, int]] = []  # (tag, limit, static length)
        self._mark(root)
        xml = serialize(root)
        pieces = _MARK.split(xml)
        self._static = pieces[0::2]
        order = [self._slots[int(i)] for i in pieces[1::2]]
        # The render plan: each distinct (parameter, context) is converted and escaped once.
        self._slot_keys = [(s.param, s.attribute, s.encode_url) for s in order]
        self._keys = sorted(set(self._slot_keys))
        self._ranges = sorted({(s.param, s.int_range) for s in order if s.int_range is not None}, key=str)
        self._group_params = [[s.param for s in order if s.limit_group == g] for g in range(len(self._limits))]

    # --- precompile ------------------------------------------------------------------

    def _mark(self, root: Any) -> None:
        from .placeholders import PLACEHOLDER
        from .vocabulary import vocabulary

        vocab = vocabulary(self.document.kind)

        def marked(text: str, attribute: bool, tag: str, attr_name: str | None, group: int | None) -> str:
            spec = vocab.elements.get(tag)
            t = spec.attributes.get(attr_name) if spec is not None and attr_name else None
            is_url = (t is not None and t.type == "url") or (attr_name is None and tag in _URL_TEXT)
            whole = PLACEHOLDER.fullmatch(text) is not None

            def one(m: re.Match[str]) -> str:
                p = self._by_name[m.group(1)]
                rng = (t.min, t.max) if t is not None and t.type == "int" else None
                self._slots.append(_Slot(p.name, attribute, is_url and not whole and p.type == "string", rng, group))
                return f"\ue000{len(self._slots) - 1}\ue001"

            return PLACEHOLDER.sub(one, text)

        groups: dict[Any, int] = {}
        for el in root.iter(*LIMITS):
            static = PLACEHOLDER.sub("", "".join(el.itertext()))
            groups[el] = len(self._limits)
            self._limits.append((el.tag, LIMITS[el.tag], len(static)))

        def owner(el: Any) -> int | None:
            while el is not None:
                if el in groups:
                    return groups[el]
                el = el.getparent()
            return None

        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            for name, value in list(el.attrib.items()):
                if "{{" in value:
                    el.set(name, marked(value, True, el.tag, _attr(str(name)), None))
            if el.text and "{{" in el.text:
                el.text = marked(el.text, False, el.tag, None, owner(el))
            parent = el.getparent()
            if el.tail and "{{" in el.tail and parent is not None:
                el.tail = marked(el.tail, False, parent.tag, None, owner(parent))

    # --- render -----------------------------------------------------------------------

    def render(self, **values: Any) -> str:
        """The document with ``values`` filled in; raises :class:`ParamError`."""
        by_name = self._by_name
        for k in values:
            if k not in by_name:
                raise ParamError(k, f"unknown parameter {k!r}; the template takes " + (", ".join(by_name) or "none"))
        texts: dict[str, str] = {}
        for p in self.params:
            value = values.get(p.name, _MISSING)
            if value is _MISSING:
                if p.default is None:
                    raise ParamError(p.name, f"parameter {p.name!r} is required ({p.type})")
                texts[p.name] = p.default
                continue
            text, problem = convert(p, value)
            if problem:
                raise ParamError(p.name, f"parameter {p.name!r}: {problem}")
            texts[p.name] = text
        if len(values) > len(texts) or any(k not in texts for k in values):
            name = sorted(set(values) - set(texts))[0]
            raise ParamError(
                name, f"unknown parameter {name!r}; the template takes " + (", ".join(self._by_name) or "none")
            )
        for name, (lo, hi) in self._ranges:
            _check_range(name, int(texts[name]), lo, hi)
        for (tag, limit, fixed), names in zip(self._limits, self._group_params, strict=True):
            total = fixed + sum(len(texts[n]) for n in names)
            if total > limit:
                raise ParamError("", f"<{tag}> text would be {total:,} characters; Twilio's limit is {limit:,}")
        pieces = {}
        for key in self._keys:
            name, attribute, encode = key
            text = percent_encode(texts[name], safe="") if encode else texts[name]
            pieces[key] = _escape_attr(text) if attribute else _escape_text(text)
        out = [""] * (2 * len(self._slot_keys) + 1)
        out[0::2] = self._static
        out[1::2] = [pieces[k] for k in self._slot_keys]
        xml = "".join(out)
        if len(xml) > MAX_DOCUMENT_BYTES // 4 and len(xml.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise ParamError("", "the rendered document is over Twilio's 64 kB limit (11750)")
        return xml


_MISSING = object()


def _check_range(name: str, n: int, lo: int | None, hi: int | None) -> None:
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        bounds = (
            f"{lo}..{hi}"
            if lo is not None and hi is not None
            else (f"at least {lo}" if lo is not None else f"at most {hi}")
        )
        raise ParamError(name, f"parameter {name!r}: {n} is out of range ({bounds})")


def _escape_text(s: str) -> str:
    """Element text as lxml writes it: & < > escaped, and CR kept as a reference."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def _escape_attr(s: str) -> str:
    """An attribute value (always double-quoted) as lxml writes it."""
    s = _escape_text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    if "\t" in s or "\n" in s:
        s = s.replace("\t", "&#9;").replace("\n", "&#10;")
    return s


def _attr(name: str) -> str:
    return "xml:" + name.split("}", 1)[1] if name.startswith("{http://www.w3.org/XML/1998/namespace}") else name


def load(path_or_source: str | Path, filename: str | None = None) -> Template:
    """Parse, check and precompile a template (a :class:`~pathlib.Path`, a path to an
    existing ``.twl`` file, or source text). Raises :class:`TwimlcError` with every
    diagnostic when the document has errors."""
    from pathlib import Path

    from .compiler import analyze

    if isinstance(path_or_source, Path) or (
        path_or_source.endswith(".twl") and "\n" not in path_or_source and Path(path_or_source).is_file()
    ):
        path = Path(path_or_source)
        source = path.read_text(encoding="utf-8")
        name = filename or str(path)
    else:
        source = str(path_or_source)
        name = filename or "<string>"
    doc, diagnostics = analyze(source, name)  # judged as twimlc check judges it
    problems = [d for d in diagnostics if d.is_error] if doc is not None else diagnostics
    if doc is None or problems:
        raise TwimlcError(problems)
    return Template(doc)
