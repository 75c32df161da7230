"""Call flows: the graph of a folder of TwiML documents, and what is wrong with it.

A Twilio voice app is a state machine spread over documents. The nodes of the graph are
the routes of a folder (the route model of :mod:`twimlc.routes`, shared with ``serve``
and ``simulate``) and the places a call ends (hangup, end of document, reject, leaving a
queue). The edges are the vocabulary's *flow* URLs, followed as Twilio follows them
(twiml-spec.md section 5): a ``<Gather action>`` (labelled with the digits or speech its
prompts ask for, and ``timeout`` for the fall-through), a ``<Redirect>``, the ``action``
of ``<Dial>``/``<Record>``/``<Enqueue>``/``<Pay>``/``<Connect>``/``<Refer>`` (labelled with
the parameter that reports the outcome), side flows such as a ``waitUrl``, and the
fall-through to the next verb where Twilio continues. Callback URLs are edges too, drawn
dashed; they never carry the call.

Findings are diagnostics (TWL701-TWL705): a flow URL no route answers, a route the entry
never reaches, a loop with no way out, a relative URL that resolves elsewhere than its
author likely meant, and two files answering one path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .ast import Document, Element, Param, Span, walk
from .diagnostics import Diagnostic, diag
from .dialect import TWILIO
from .params import convert
from .routes import Route, Routes, resolve
from .vocabulary import ElementSpec

FLOW, SIDE, CALLBACK = "flow", "side", "callback"  # edge kinds
HANGUP, END, REJECT, LEAVE = "(hangup)", "(end)", "(reject)", "(leave)"  # terminal node ids
TERMINALS = {HANGUP: "hangup", END: "end of document", REJECT: "reject", LEAVE: "leave queue"}

# The parameter each verb's action request reports its outcome with (twiml-spec.md section 11).
OUTCOME = {
    "Dial": "DialCallStatus",
    "Record": "RecordingUrl",
    "Enqueue": "QueueResult",
    "Pay": "Result",
    "Connect": "connect ended",
    "Refer": "ReferCallStatus",
}
# Verbs whose action URL defaults to the current document (the Gather and Record pages).
SELF_DEFAULT = ("Gather", "Record")
NOWHERE = Span(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Node:
    """``id`` is the route path (``/voice/menu``), a terminal (``(hangup)``), a path no
    route answers (``missing:/x``) or a URL on another host (``external:https://…``)."""

    id: str
    kind: str  # route, terminal, missing, external
    label: str
    file: str | None = None  # for a route, relative to the folder

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "kind": self.kind, "label": self.label}
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str  # flow, side, callback
    label: str
    verb: str  # the element whose URL (or fall-through) it is
    attribute: str | None  # the attribute holding the URL; None for <Redirect> text and fall-through
    url: str | None  # as written
    line: int

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "label": self.label,
            "verb": self.verb,
            "attribute": self.attribute,
            "url": self.url,
            "line": self.line,
        }


@dataclass(slots=True)
class Graph:
    directory: str
    entry: str | None
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    findings: list[Diagnostic] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    looping: set[str] = field(default_factory=set)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def as_dict(self) -> dict[str, object]:
        """The graph as JSON data; finding paths are relative to the folder."""
        findings = []
        for d in self.findings:
            item = d.as_dict()
            item["path"] = _relative(d.path, self.directory)
            findings.append(item)
        return {
            "entry": self.entry,
            "nodes": [n.as_dict() for n in self.nodes],
            "edges": [e.as_dict() for e in self.edges],
            "findings": findings,
        }


def _relative(path: str, directory: str) -> str:
    try:
        return os.path.relpath(path, directory).replace(os.sep, "/")
    except ValueError:
        return path


# --- reading the folder ------------------------------------------------------------------


def is_twiml_file(path: str) -> bool:
    """Whether an ``.xml`` file is TwiML, as ``twimlc check`` decides it
    (:func:`twimlc.api.sniff`); a file that cannot be read counts, so that its problem
    is reported."""
    from .files import read_bytes
    from .sniff import twiml_or_why

    data, _ = read_bytes(path)
    if data is None:
        return True
    return not twiml_or_why(data)


def scan(directory: str) -> Routes:
    """The routes of a folder, as ``serve`` answers them."""
    return Routes.scan(directory, is_twiml=is_twiml_file)


def read_route(route: Route) -> tuple[Document | None, list[Diagnostic]]:
    """The document a route's file holds, unrendered (a template keeps its ``{{params}}``)."""
    from .api import analyze, read_xml_document
    from .files import read_bytes, read_source

    if route.static:
        data, problems = read_bytes(route.file)
        if data is None:
            return None, problems
        doc, diagnostics, _ = read_xml_document(data, route.file)
        return doc, diagnostics
    text, problems = read_source(route.file)
    if text is None:
        return None, problems
    return analyze(text, route.file)


# --- what a document does with the call ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exit:
    """One way a document hands the call on: to a URL, or to a terminal."""

    url: str | None  # None: a terminal
    terminal: str | None
    kind: str
    label: str
    verb: str
    attribute: str | None
    span: Span


_PRESS = re.compile(r"\b(?:press|dial|enter|push|key in)\s+([0-9*#])", re.I)
_CHOICE = re.compile(r"(?:^|[\s,;(])([0-9*#])(?=\s+(?:for|to)\b)", re.I)
_KEY_WORDS = {"star": "*", "pound": "#", "hash": "#", "zero": "0"}
_PRESS_WORD = re.compile(r"\b(?:press|dial|enter|push)\s+(star|pound|hash|zero)\b", re.I)


def prompt_choices(gather: Element) -> tuple[str, ...]:
    """The keys a ``<Gather>``'s spoken prompts ask for ("Press 1 for sales, 2 for
    support" → 1, 2), in the order asked; empty when they do not say."""
    text = " ".join(e.text + " ".join(c.text for c in walk(e.children)) for e in gather.elements if e.tag == "Say")
    if not re.search(r"\b(?:press|dial|enter|push)\b", text, re.I):
        return ()
    found: list[str] = []
    for m in sorted(
        [*_PRESS.finditer(text), *_CHOICE.finditer(text), *_PRESS_WORD.finditer(text)], key=lambda m: m.start(1)
    ):
        key = _KEY_WORDS.get(m.group(1).lower(), m.group(1))
        if key not in found:
            found.append(key)
    return tuple(found)


def gather_label(gather: Element) -> str:
    """What input leads to the action: the digits the prompts ask for, the speech hints."""
    inputs = _attr(gather, "input") or "dtmf"
    parts = []
    if "dtmf" in inputs:
        keys = prompt_choices(gather)
        parts.append("digits " + ", ".join(keys) if keys else "digits")
    if "speech" in inputs:
        hints = _attr(gather, "hints")
        parts.append("speech " + hints if hints else "speech")
    return " or ".join(parts) or "input"


def _attr(el: Element, name: str) -> str | None:
    a = el.attribute(name)
    return None if a is None else a.rendered()


def _spec(kind: str, el: Element, parent: str | None = None) -> ElementSpec | None:
    spec = TWILIO.vocabulary(kind).elements.get(el.tag)
    return spec.variant(parent) if spec is not None else None


def _then(condition: str | None, label: str) -> str:
    return f"{condition}, then {label}" if condition else label


def exits(doc: Document) -> Iterator[Exit]:
    """Every way the call leaves this document, in document order (twiml-spec.md section 5)."""
    condition: str | None = None
    for el in doc.elements:
        yield from _urls_inside(doc.kind, el)
        tag = el.tag
        if el.raw:
            continue
        if tag == "Gather":
            target = _attr(el, "action") or ""
            span = _span_of(el, "action")
            empty = (_attr(el, "actionOnEmptyResult") or "").lower() == "true"
            yield Exit(target, None, FLOW, _then(condition, gather_label(el)), tag, "action", span)
            if empty:
                yield Exit(target, None, FLOW, _then(condition, "timeout"), tag, "action", span)
                return
            condition = "timeout"
        elif tag == "Redirect":
            yield Exit(el.text.strip(), None, FLOW, condition or "redirect", tag, None, el.span)
            return
        elif tag in OUTCOME:
            action = _attr(el, "action")
            if action is None and tag in SELF_DEFAULT:
                action = ""
            if action is not None:
                yield Exit(action, None, FLOW, _then(condition, OUTCOME[tag]), tag, "action", _span_of(el, "action"))
                if tag != "Record":
                    return
            condition = {"Dial": "after dial", "Record": "empty recording", "Enqueue": "left queue"}.get(tag, condition)
        elif tag in ("Hangup", "Reject", "Leave"):
            terminal = {"Hangup": HANGUP, "Reject": REJECT, "Leave": LEAVE}[tag]
            yield Exit(None, terminal, FLOW, condition or "", tag, None, el.span)
            return
    last = doc.elements[-1].span if doc.elements else NOWHERE
    yield Exit(None, END, FLOW, condition or "", "", None, last)


def _span_of(el: Element, attribute: str) -> Span:
    a = el.attribute(attribute)
    return a.span if a is not None and a.span.line else el.span


def _urls_inside(kind: str, top: Element) -> Iterator[Exit]:
    """Callback URLs of an element and its children, and the flow URLs that do not carry
    the call on (a ``<Number url>`` whisper, a ``waitUrl``): side flows."""
    stack: list[tuple[Element, str | None]] = [(top, None)]
    while stack:
        el, parent = stack.pop()
        stack.extend((c, el.tag) for c in reversed(el.elements))
        spec = _spec(kind, el, parent)
        if spec is None or el.raw:
            continue
        for a in el.attributes:
            t = spec.attributes.get(a.name)
            if t is None or a.raw or not isinstance(a.value, str):
                continue
            main = el is top and a.name == "action" and el.tag in ("Gather", *OUTCOME)
            if t.role == CALLBACK:
                yield Exit(a.value, None, CALLBACK, a.name, el.tag, a.name, a.span if a.span.line else el.span)
            elif t.role == "flow" and not main:
                yield Exit(a.value, None, SIDE, a.name, el.tag, a.name, a.span if a.span.line else el.span)


# --- the graph --------------------------------------------------------------------------


def build(directory: str, entry: str | None = None, routes: Routes | None = None) -> Graph:
    """The call-flow graph of a folder. ``entry`` is a route path; without one, ``/`` is
    the entry when a route answers it (else no route is reported unreachable)."""
    routes = routes or scan(directory)
    if entry is None and routes.match("/") is not None:
        entry = "/"
    graph = Graph(directory, entry)
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str, str], Edge] = {}
    for c in routes.conflicts:
        graph.findings.append(
            diag(
                "TWL705",
                f"{c.files[1]} and {c.files[0]} both answer {c.path}; only the first is used",
                Span.point(1, 1),
                "rename or remove one of them",
                c.files[1],
            )
        )
    for r in routes.routes:
        nodes[r.path] = Node(r.path, "route", r.path, _relative(r.file, directory))
    for r in routes.routes:
        doc, problems = read_route(r)
        graph.findings.extend(d for d in problems if d.is_error)
        if doc is None or any(d.is_error for d in problems):
            continue
        params = {p.name: p for p in doc.params}
        for x in exits(doc):
            for target, label in _targets(graph, routes, nodes, r, x, params):
                key = (r.path, target, x.kind, label)
                if key not in edges:
                    edges[key] = Edge(r.path, target, x.kind, label, x.verb, x.attribute, x.url, x.span.line)
    graph.nodes = sorted(nodes.values(), key=lambda n: (_ORDER[n.kind], n.id))
    graph.edges = sorted(edges.values(), key=lambda e: (e.source, e.line, e.target, e.label))
    _reachability(graph, routes)
    _loops(graph, routes)
    graph.findings.sort(key=Diagnostic.sort_key)
    return graph


_ORDER = {"route": 0, "missing": 1, "external": 2, "terminal": 3}


def _binding(x: Exit, route: Route, target: Route) -> list[tuple[str, str]]:
    """The values a URL pattern's placeholders take to reach ``target``:
    ``redirect option/{{Digits}}`` reaches ``/option/1`` with ``Digits=1``."""
    path, _ = resolve(x.url or "", route.path)
    names = _PLACEHOLDER.findall(path.replace("%7B%7B", "{{").replace("%7D%7D", "}}"))
    values = _pattern_values(path, target.path)
    return list(zip(names, values, strict=True)) if names and len(values) == len(names) else []


def _bound(x: Exit, route: Route, target: Route) -> str:
    """An edge's label, with the values a URL pattern takes to reach ``target``."""
    if "{{" not in (x.url or ""):
        return x.label
    binding = _binding(x, route, target)
    if not binding:
        return x.label
    bound = ", ".join(f"{name}={value}" for name, value in binding)
    return f"{x.label} ({bound})" if x.label and x.label != "redirect" else bound


def _can_reach(x: Exit, route: Route, target: Route, params: dict[str, Param]) -> bool:
    """Whether a URL pattern can lead to ``target`` with values its parameters take: an
    enum's choices, digits' ``[0-9]+``, an integer's number… (as ``render`` would take
    them, :func:`twimlc.params.convert`). A placeholder with no declaration is open."""
    binding = _binding(x, route, target)
    if not binding:
        return True
    return all(name not in params or convert(params[name], value)[1] is None for name, value in binding)


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _pattern_values(pattern_path: str, path: str) -> list[str]:
    text = pattern_path.replace("%7B%7B", "{{").replace("%7D%7D", "}}")
    pieces = _PLACEHOLDER.split(text)
    regex = "".join(re.escape(p) if i % 2 == 0 else "([^/]*)" for i, p in enumerate(pieces))
    m = re.fullmatch(regex, path)
    return list(m.groups()) if m else []


def _targets(
    graph: Graph, routes: Routes, nodes: dict[str, Node], route: Route, x: Exit, params: dict[str, Param]
) -> list[tuple[str, str]]:
    if x.terminal is not None:
        nodes.setdefault(x.terminal, Node(x.terminal, "terminal", TERMINALS[x.terminal]))
        return [(x.terminal, x.label)]
    assert x.url is not None
    found = routes.find(x.url, route.path)
    if "{{" in x.url:
        found = [f for f in found if _can_reach(x, route, f, params)]
    if found:
        return [(f.path, _bound(x, route, f)) for f in found]
    path, local = resolve(x.url, route.path)
    if not local:
        target = "external:" + x.url.strip()
        nodes.setdefault(target, Node(target, "external", x.url.strip()))
        return [(target, x.label)]
    target = "missing:" + path
    nodes.setdefault(target, Node(target, "missing", path))
    if x.kind != CALLBACK:
        graph.findings.append(_dangling(routes, route, x, path))
    return [(target, x.label)]


def _dangling(routes: Routes, route: Route, x: Exit, path: str) -> Diagnostic:
    """TWL704 when a likely reading of the URL is answered, else TWL701."""
    where = f"<{x.verb} {x.attribute}>" if x.attribute else f"<{x.verb}>"
    url = (x.url or "").strip()
    meant = _likely_meant(routes, route, url)
    if meant is not None:
        reading, why = meant
        return diag(
            "TWL704",
            f"{where} URL {url!r} resolves to {path}, which no route answers; {why}",
            x.span,
            f"write {reading}",
            route.file,
        )
    known = ", ".join(r.path for r in routes.routes[:8]) + (", …" if len(routes.routes) > 8 else "")
    return diag(
        "TWL701",
        f"{where} URL {url!r} leads to {path}, which no route answers (Twilio: 11200, HTTP 404)",
        x.span,
        f"routes: {known}" if known else "the folder has no routes",
        route.file,
    )


def _likely_meant(routes: Routes, route: Route, url: str) -> tuple[str, str] | None:
    """A reading of a URL that resolves to nothing, which a route does answer: without a
    ``.twl`` extension (a template answers its path only), against the document's folder
    (an index file's URL has no trailing slash), or from the root."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme or parts.netloc or "{{" in url or not parts.path:
        return None
    stem, ext = os.path.splitext(parts.path)
    variants = [(parts.path, "")]
    if ext == ".twl" and stem:
        variants.append((stem, "a .twl template answers its path without the extension"))
    for written, why in variants:
        relative = not written.startswith("/")
        readings = [(written, route.path, "")]
        if relative:
            readings += [
                (
                    written,
                    route.path.rstrip("/") + "/",
                    f"relative URLs resolve against the document's URL {route.path} (RFC 3986), not its folder",
                ),
                ("/" + written, route.path, f"a relative URL resolves against {route.path}"),
            ]
        for text, base, how in readings:
            path, _ = resolve(text, base)
            if (why or how) and routes.match(path) is not None:
                reasons = "; ".join(r for r in (why, how) if r)
                return path, f"{reasons}: {path} is answered"
    return None


def _flow_edges(graph: Graph) -> dict[str, list[Edge]]:
    out: dict[str, list[Edge]] = {}
    for e in graph.edges:
        if e.kind != CALLBACK:
            out.setdefault(e.source, []).append(e)
    return out


def _reachability(graph: Graph, routes: Routes) -> None:
    if graph.entry is None:
        return
    out = _flow_edges(graph)
    seen = {graph.entry}
    todo = [graph.entry]
    while todo:
        for e in out.get(todo.pop(), []):
            if e.target not in seen:
                seen.add(e.target)
                todo.append(e.target)
    for r in routes.routes:
        if r.path not in seen:
            graph.unreachable.add(r.path)
            graph.findings.append(
                diag(
                    "TWL702",
                    f"route {r.path} is not reached from the entry {graph.entry}",
                    Span.point(1, 1),
                    "link to it, or remove it",
                    r.file,
                )
            )


def _loops(graph: Graph, routes: Routes) -> None:
    """Routes on a cycle from which no way out (a terminal, another host, a dangling
    link) can be reached along flow edges (a side flow such as a waitUrl does not carry
    the call on, so it is no way out)."""
    out = {s: [e for e in es if e.kind == FLOW] for s, es in _flow_edges(graph).items()}
    can_leave: set[str] = {n.id for n in graph.nodes if n.kind != "route"}
    changed = True
    while changed:
        changed = False
        for source, es in out.items():
            if source not in can_leave and any(e.target in can_leave for e in es):
                can_leave.add(source)
                changed = True
    stuck = [r for r in routes.routes if r.path not in can_leave and r.path in out]
    reported: set[str] = set()
    for r in stuck:
        if r.path in reported:
            continue
        group = _cycle_group(r.path, out)
        if not group:
            continue
        reported |= group
        graph.looping |= group
        edge = next(e for e in out[r.path] if e.target in group)
        members = " → ".join(sorted(group))
        graph.findings.append(
            diag(
                "TWL703",
                f"the call loops with no way out: {members} only lead to each other",
                Span.point(edge.line, 1) if edge.line else Span.point(1, 1),
                "add a way out: a <Hangup>, a menu choice that leads on, or an end to the retries",
                r.file,
            )
        )


def _cycle_group(start: str, out: dict[str, list[Edge]]) -> set[str]:
    """The routes on a cycle through ``start`` (its strongly connected part)."""

    def reach(a: str) -> set[str]:
        seen = {a}
        todo = [a]
        while todo:
            for e in out.get(todo.pop(), []):
                if e.target not in seen:
                    seen.add(e.target)
                    todo.append(e.target)
        return seen

    forward = reach(start)
    group = {n for n in forward if start in reach(n) and n != start}
    if group or any(e.target == start for e in out.get(start, [])):
        group.add(start)
    return group


# --- pictures ---------------------------------------------------------------------------


def _mermaid_text(s: str) -> str:
    """A label inside Mermaid's double quotes: its own entity codes for the characters
    that would end or confuse it."""
    out = []
    for ch in s:
        if ch in '"#<>&|`':
            out.append(f"#{ord(ch)};")
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (GitHub renders it in a ```mermaid block)."""
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    for n in graph.nodes:
        label = _mermaid_text(_node_label(graph, n))
        i = ids[n.id]
        if n.kind == "terminal":
            lines.append(f'    {i}(["{label}"])')
        elif n.kind == "external":
            lines.append(f'    {i}[/"{label}"/]')
        else:
            lines.append(f'    {i}["{label}"]')
    for e in graph.edges:
        arrow = "-.->" if e.kind == CALLBACK else "-->"
        label = f'|"{_mermaid_text(e.label)}"|' if e.label else ""
        lines.append(f"    {ids[e.source]} {arrow}{label} {ids[e.target]}")
    styles = {
        "entry": "stroke-width:3px",
        "missing": "fill:#fdd,stroke:#c00,stroke-dasharray:4 2",
        "unreachable": "fill:#eee,stroke:#999,stroke-dasharray:4 2",
        "loop": "fill:#fed,stroke:#c60",
        "terminal": "fill:#efe,stroke:#393",
    }
    used: dict[str, list[str]] = {}
    for n in graph.nodes:
        for cls in _classes(graph, n):
            used.setdefault(cls, []).append(ids[n.id])
    for cls, members in used.items():
        lines.append(f"    classDef {cls} {styles[cls]}")
        lines.append(f"    class {','.join(members)} {cls}")
    return "\n".join(lines) + "\n"


def _classes(graph: Graph, n: Node) -> list[str]:
    out = []
    if n.kind in ("missing", "terminal"):
        out.append(n.kind)
    if n.id == graph.entry:
        out.append("entry")
    if n.id in graph.unreachable:
        out.append("unreachable")
    if n.id in graph.looping:
        out.append("loop")
    return out


def _node_label(graph: Graph, n: Node) -> str:
    if n.kind == "missing":
        return f"{n.label} (no route)"
    if n.id in graph.unreachable:
        return f"{n.label} (unreachable)"
    if n.id in graph.looping:
        return f"{n.label} (loop)"
    return n.label


def _dot_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def to_dot(graph: Graph) -> str:
    """Graphviz DOT (``twimlc graph DIR --format dot | dot -Tsvg > flow.svg``)."""
    lines = [
        "digraph flow {",
        "    rankdir=TB;",
        '    node [fontname="Helvetica"];',
        '    edge [fontname="Helvetica"];',
    ]
    for n in graph.nodes:
        attrs = {"label": _node_label(graph, n), "shape": "box"}
        if n.kind == "terminal":
            attrs |= {"shape": "ellipse", "color": "darkgreen"}
        elif n.kind == "external":
            attrs |= {"shape": "parallelogram"}
        if n.kind == "missing":
            attrs |= {"color": "red", "style": "dashed"}
        if n.id in graph.unreachable:
            attrs |= {"color": "gray", "style": "dashed"}
        if n.id in graph.looping:
            attrs |= {"color": "orange"}
        if n.id == graph.entry:
            attrs |= {"penwidth": "3"}
        lines.append(f"    {_dot_string(n.id)} [{_dot_attrs(attrs)}];")
    for e in graph.edges:
        attrs = {"label": e.label} if e.label else {}
        if e.kind == CALLBACK:
            attrs["style"] = "dashed"
        suffix = f" [{_dot_attrs(attrs)}]" if attrs else ""
        lines.append(f"    {_dot_string(e.source)} -> {_dot_string(e.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={_dot_string(v)}" for k, v in attrs.items())


def to_json(graph: Graph) -> str:
    return json.dumps(graph.as_dict(), ensure_ascii=False, indent=2) + "\n"
