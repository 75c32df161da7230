"""Templates: ``.twl`` documents with typed parameters, checked once, rendered fast.

    param name string default="friend"
    param menu_id integer
    say "Hello {{name}}!"
    gather action=/menu/{{menu_id}} numDigits=1

:func:`load` (a file) or :func:`loads` (source text) parses, checks (every check of
``twimlc check``; only the parameter values are left open) and precompiles a document
into static XML chunks and slots. ``render`` checks each value against its parameter's
type, escapes it for where it goes (element text or attribute value), percent-encodes
every value placed inside a URL (a path segment or a query value: all but the
unreserved characters, so ``+1415…`` is ``%2B1415…``; a ``url`` parameter that is the
whole URL or its start stays as is), judges every URL it fills in exactly as ``twimlc check``
judges a written one (:func:`twimlc.validate.url_problem`), enforces Twilio's length
limits, and joins. No value can inject markup or break the document; a value that does
not fit raises :class:`ParamError`, which names the template's file and the parameter's
declaration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as percent_encode

from .ast import NOWHERE, Element, Param, Span
from .diagnostics import TwimlcError, diag
from .generator import escape_attribute, escape_text
from .params import TOKEN, convert, show
from .values import SOCKET_TAGS, URL_TEXT, message_length, url_problem

if TYPE_CHECKING:
    from .ast import Document
    from .generator import Nodes

_MARK = re.compile("\ue000([0-9]+)\ue001")


class ParamError(TwimlcError, ValueError):
    """A parameter value missing, unknown, or of the wrong type at render time. Its one
    ``TWL606`` diagnostic carries the template's file and, where there is one, the
    parameter's declaration (or the element whose limit a value breaks)."""

    def __init__(self, name: str, message: str, span: Span = NOWHERE, path: str = "<string>") -> None:
        self.param = name
        self.message = message
        super().__init__([diag("TWL606", message, span, None, path)])

    def __str__(self) -> str:
        d = self.diagnostics[0]
        where = f"{d.path}:{d.span.line}:{d.span.column}" if d.span.line else d.path
        return f"{where}: error[TWL606] {self.message}"


_Key = tuple[str, bool, bool]  # (parameter, in an attribute, percent-encoded)


@dataclass(frozen=True, slots=True)
class _Slot:
    param: str
    attribute: bool  # in an attribute value (else element text)
    encode_url: bool  # percent-encode: a value inside a URL (not a url parameter that is its whole or start)
    int_range: tuple[int | None, int | None] | None  # for integer attributes
    limit_group: int | None  # index into the template's limit groups


@dataclass(frozen=True, slots=True)
class _UrlPlace:
    """A URL with placeholders in it, judged once filled in."""

    what: str  # "action of <Gather>", "<Play>"
    parts: tuple[str | _Key, ...]  # static text, or the slot filled in there
    sockets: bool  # ws/wss allowed
    strip: bool  # element text: judged without surrounding white space, as twimlc check does
    param: str  # the parameter an error names: the first url parameter, else the first


@dataclass(frozen=True, slots=True)
class _Limit:
    tag: str
    limit: int
    static: int  # characters of text besides the placeholders
    span: Span
    measure: Callable[[str], int] = len  # how the limit counts characters


class Template:
    """A checked, precompiled template. ``render(**values) -> str``; ``params``; ``path``
    (the file name its errors carry)."""

    def __init__(self, doc: Document, path: str = "<string>") -> None:
        from .generator import serialize, to_tree

        self.document = doc
        self.path = path
        self.params: tuple[Param, ...] = doc.params
        self._by_name = {p.name: p for p in self.params}
        root, nodes = to_tree(doc, template=True)
        self._slots: list[_Slot] = []
        self._limits: list[_Limit] = []
        self._urls: list[_UrlPlace] = []
        self._mark(root, nodes)
        xml = serialize(root)
        pieces = _MARK.split(xml)
        self._static = pieces[0::2]
        order = [self._slots[int(i)] for i in pieces[1::2]]
        # The render plan: each distinct (parameter, context) is converted and escaped once.
        self._slot_keys: list[_Key] = [(s.param, s.attribute, s.encode_url) for s in order]
        self._keys = sorted(set(self._slot_keys))
        self._ranges = sorted({(s.param, s.int_range) for s in order if s.int_range is not None}, key=str)
        self._group_params = [[s.param for s in order if s.limit_group == g] for g in range(len(self._limits))]

    # --- precompile ------------------------------------------------------------------

    def _mark(self, root: Any, nodes: Nodes) -> None:
        """Replace each placeholder in the tree with a numbered mark (and each literal
        ``{{`` with ``{{``), noting what each slot needs: its context, its integer range,
        the length limit it counts against, the URL it is part of. URLs are judged where
        ``twimlc check`` judges them: not in raw (``!``) elements and attributes."""
        from .values import is_url_attribute

        vocab = self.document.dialect.vocabulary(self.document.kind)
        limits = self.document.dialect.limits
        text_limits = {"Say": limits.say_chars, "Message": limits.body_chars}  # as twimlc check counts them

        def marked(text: str, attribute: bool, el: Any, attr_name: str | None, group: int | None) -> str:
            tag = el.tag
            spec = vocab.elements.get(tag)
            t = spec.attributes.get(attr_name) if spec is not None and attr_name else None
            if attr_name is None:
                is_url = tag in URL_TEXT
            else:
                is_url = spec is not None and is_url_attribute(spec, attr_name)
            node = nodes.get(el)
            checked = (
                isinstance(node, Element)
                and not node.raw
                and not any(a.raw and a.name == attr_name for a in node.attributes)
            )
            whole = TOKEN.fullmatch(text) is not None
            rng = (t.min, t.max) if t is not None and t.type == "int" else None
            out: list[str] = []
            parts: list[str | _Key] = []
            used: list[Param] = []
            pos = 0
            for m in TOKEN.finditer(text):
                static = text[pos : m.start()] + ("{{" if m.group(1) is None else "")  # a literal "{{"
                pos = m.end()
                out.append(static)
                parts.append(static)
                if m.group(1) is None:
                    continue
                p = self._by_name[m.group(1)]
                # A value inside a URL is percent-encoded (a phone's "+" would be read as a
                # space in a query), whatever its type; a url parameter that is the whole
                # URL, or its start (the base a path is added to), is a URL and stays as is.
                base = p.type == "url" and not text[: m.start()].strip()
                encode = is_url and not whole and not base
                self._slots.append(_Slot(p.name, attribute, encode, rng, group))
                out.append(f"\ue000{len(self._slots) - 1}\ue001")
                parts.append((p.name, attribute, encode))
                used.append(p)
            out.append(text[pos:])
            parts.append(text[pos:])
            if is_url and checked and used:
                first = next((p for p in used if p.type == "url"), used[0])
                what = f"<{tag}>" if attr_name is None else f"{attr_name} of <{tag}>"
                place = _UrlPlace(what, tuple(x for x in parts if x), tag in SOCKET_TAGS, attr_name is None, first.name)
                self._urls.append(place)
            return "".join(out)

        groups: dict[Any, int] = {}
        for el in root.iter(*text_limits):
            static = TOKEN.sub(lambda m: "" if m.group(1) else "{{", "".join(el.itertext()))
            groups[el] = len(self._limits)
            node = nodes.get(el)
            measure = message_length if el.tag == "Message" else len  # as twimlc check counts them
            span = node.span if node else NOWHERE
            self._limits.append(_Limit(el.tag, text_limits[el.tag], measure(static), span, measure))

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
                    el.set(name, marked(value, True, el, _attr(str(name)), None))
            if el.text and "{{" in el.text:
                el.text = marked(el.text, False, el, None, owner(el))
            parent = el.getparent()
            if el.tail and "{{" in el.tail and parent is not None:
                el.tail = marked(el.tail, False, parent, None, owner(parent))

    # --- render -----------------------------------------------------------------------

    def _error(self, name: str, message: str, span: Span | None = None) -> ParamError:
        if span is None:
            p = self._by_name.get(name)
            span = NOWHERE if p is None else (p.name_span if p.name_span.line else p.span)
        return ParamError(name, message, span, self.path)

    def render(self, **values: Any) -> str:
        """The document with ``values`` filled in; raises :class:`ParamError`."""
        by_name = self._by_name
        for k in values:
            if k not in by_name:
                takes = ", ".join(by_name) or "none"
                raise self._error(k, f"unknown parameter {k!r}; the template takes {takes}", NOWHERE)
        texts: dict[str, str] = {}
        for p in self.params:
            value = values.get(p.name, _MISSING)
            if value is _MISSING:
                if p.default is None:
                    raise self._error(p.name, f"parameter {p.name!r} is required ({p.type})")
                texts[p.name] = p.default
                continue
            text, problem = convert(p, value)
            if problem:
                raise self._error(p.name, f"parameter {p.name!r}: {problem}")
            texts[p.name] = text
        for name, (lo, hi) in self._ranges:
            n = int(texts[name])
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                raise self._error(name, f"parameter {name!r}: {n} is out of range ({_bounds(lo, hi)})")
        raw: dict[_Key, str] = {}
        for key in self._keys:
            name, _, encode = key
            raw[key] = percent_encode(texts[name], safe="") if encode else texts[name]
        for place in self._urls:
            url = "".join(part if isinstance(part, str) else raw[part] for part in place.parts)
            problem = url_problem(url.strip() if place.strip else url, place.sockets)
            if problem:
                message = f"parameter {place.param!r}: {place.what} would be {show(url)}, not a URL: {problem}"
                raise self._error(place.param, message)
        for limit, names in zip(self._limits, self._group_params, strict=True):
            total = limit.static + sum(limit.measure(texts[n]) for n in names)
            if total > limit.limit:
                message = f"<{limit.tag}> text would be {total:,} characters; Twilio's limit is {limit.limit:,}"
                raise self._error(names[0] if names else "", message, limit.span)
        pieces = {key: escape_attribute(text) if key[1] else escape_text(text) for key, text in raw.items()}
        out = [""] * (2 * len(self._slot_keys) + 1)
        out[0::2] = self._static
        out[1::2] = [pieces[k] for k in self._slot_keys]
        xml = "".join(out)
        most = self.document.dialect.limits.document_bytes
        if len(xml) > most // 4 and len(xml.encode("utf-8")) > most:
            raise self._error("", "the rendered document is over Twilio's 64 kB limit (11750)", NOWHERE)
        return xml


_MISSING = object()


def _bounds(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo}..{hi}"
    return f"at least {lo}" if lo is not None else f"at most {hi}"


def _attr(name: str) -> str:
    return "xml:" + name.split("}", 1)[1] if name.startswith("{http://www.w3.org/XML/1998/namespace}") else name
