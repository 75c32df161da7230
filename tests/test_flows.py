"""Golden call flows: each folder of tests/flows/ holds an app (or names one), case.json
(its entry and the simulations to run), and the expected graph and transcripts in
expected/. Adding a case is adding a folder. ``TWIMLC_UPDATE_FLOWS=1`` rewrites the
expected files (review the diff before committing)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from twimlc import flow
from twimlc.simulate import simulate, to_text

FLOWS = ROOT / "tests" / "flows"
CASES = sorted(p.name for p in FLOWS.iterdir() if (p / "case.json").is_file())
UPDATE = os.environ.get("TWIMLC_UPDATE_FLOWS") == "1"


def _case(name: str) -> tuple[dict[str, Any], Path]:
    case = json.loads((FLOWS / name / "case.json").read_text(encoding="utf-8"))
    return case, (FLOWS / name / case["app"]).resolve()


def _golden(path: Path, actual: Any) -> None:
    text = json.dumps(actual, ensure_ascii=False, indent=2) + "\n"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with TWIMLC_UPDATE_FLOWS=1 and review it"
    assert json.loads(path.read_text(encoding="utf-8")) == actual


SIMULATIONS = [(name, sim) for name in CASES for sim in sorted(_case(name)[0]["simulations"])]


def test_the_four_flows_of_the_issue_are_here() -> None:
    assert {"ivr", "forward", "loop", "dangling"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_graph(name: str) -> None:
    case, app = _case(name)
    graph = flow.build(str(app), case["entry"])
    _golden(FLOWS / name / "expected" / "graph.json", graph.as_dict())
    assert_mermaid(flow.to_mermaid(graph))
    assert_dot(flow.to_dot(graph))


@pytest.mark.parametrize(("name", "sim"), SIMULATIONS, ids=[f"{n}-{s}" for n, s in SIMULATIONS])
def test_simulation(name: str, sim: str) -> None:
    case, app = _case(name)
    spec = case["simulations"][sim]
    call = simulate(
        app,
        spec["inputs"],
        entry=case["entry"],
        params=spec.get("params"),
        max_requests=spec.get("max_requests", 50),
    )
    _golden(FLOWS / name / "expected" / f"{sim}.json", [e.as_dict() for e in call.events])
    text = to_text(call.events)
    assert "Traceback" not in text and text.endswith("\n")


def test_findings_of_the_golden_flows() -> None:
    """The findings the issue asks for, each in its flow."""
    codes = {}
    for name in CASES:
        case, app = _case(name)
        codes[name] = sorted({d.code for d in flow.build(str(app), case["entry"]).findings})
    assert codes["ivr"] == []
    assert codes["forward"] == []
    assert codes["loop"] == ["TWL703"]
    assert codes["dangling"] == ["TWL701", "TWL702", "TWL704"]


# --- tiny syntax checkers (no Mermaid or Graphviz here) ------------------------------------

_M_LABEL = r'"(?:[^"#<>&|`]|#\d+;)*"'
_M_ID = r"n\d+"
_M_NODE = re.compile(rf"^    {_M_ID}(?:\[{_M_LABEL}\]|\(\[{_M_LABEL}\]\)|\[/{_M_LABEL}/\])$")
_M_EDGE = re.compile(rf"^    {_M_ID} (?:-->|-\.->)(?:\|{_M_LABEL}\|)? {_M_ID}$")
_M_CLASSDEF = re.compile(r"^    classDef [a-z]+ [a-z-]+:[^;\s]+(?:,[a-z-]+:[^;\s]+| [0-9]+)*$")
_M_CLASS = re.compile(rf"^    class {_M_ID}(?:,{_M_ID})* [a-z]+$")


def assert_mermaid(text: str) -> None:
    """Every line is a Mermaid flowchart statement, labels quoted with entity codes for
    the characters that would break them (https://mermaid.js.org/syntax/flowchart.html)."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    declared: set[str] = set()
    for line in lines[1:]:
        assert any(p.match(line) for p in (_M_NODE, _M_EDGE, _M_CLASSDEF, _M_CLASS)), line
        m = re.match(rf"^    ({_M_ID})[\[(]", line)
        if m:
            declared.add(m.group(1))
        else:
            for used in re.findall(rf"\b{_M_ID}\b", line.split("classDef")[0]):
                assert used in declared, line


_DOT_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<id>[A-Za-z_][A-Za-z0-9_]*|-?\d+)|(?P<op>->|[{}\[\];,=]))'
)


def _dot_tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = _DOT_TOKEN.match(text, pos)
        assert m is not None and m.end() > pos, f"bad DOT at {text[pos : pos + 40]!r}"
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def assert_dot(text: str) -> None:
    """The DOT grammar (https://graphviz.org/doc/info/lang.html), for what twimlc writes:
    ``digraph ID { stmt; ... }`` with node statements, ``a -> b`` edge statements, and
    attribute statements, attribute lists of ``ID = ID`` separated by commas."""
    toks = _dot_tokens(text)
    i = 0

    def take(kind: str, value: str | None = None) -> str:
        nonlocal i
        k, v = toks[i]
        assert k == kind and (value is None or v == value), (toks[i], kind, value)
        i += 1
        return v

    def ident() -> str:
        nonlocal i
        k, v = toks[i]
        assert k in ("id", "str"), toks[i]
        i += 1
        return v

    def attr_list() -> None:
        nonlocal i
        take("op", "[")
        while toks[i] != ("op", "]"):
            ident()
            take("op", "=")
            ident()
            if toks[i] == ("op", ","):
                i += 1
        take("op", "]")

    take("id", "digraph")
    ident()
    take("op", "{")
    while toks[i] != ("op", "}"):
        if toks[i][1] in ("node", "edge", "graph") and toks[i + 1] == ("op", "["):
            i += 1
            attr_list()
        else:
            ident()
            if toks[i] == ("op", "="):
                i += 1
                ident()
            else:
                while toks[i] == ("op", "->"):
                    i += 1
                    ident()
                if toks[i] == ("op", "["):
                    attr_list()
        take("op", ";")
    take("op", "}")
    assert i == len(toks)


def test_checkers_reject_broken_output() -> None:
    with pytest.raises(AssertionError):
        assert_mermaid('flowchart TD\n    n0["a "quoted" label"]\n')
    with pytest.raises(AssertionError):
        assert_mermaid('flowchart TD\n    n0["a"]\n    n0 --> n1\n')
    with pytest.raises(AssertionError):
        assert_dot('digraph flow {\n    "a" -> "b" [label="x];\n}\n')
    with pytest.raises(AssertionError):
        assert_dot('digraph flow {\n    "a" -> ;\n}\n')


def test_labels_with_awkward_characters_stay_valid(tmp_path: Path) -> None:
    """Quotes, #, <, &, | and backslashes in URLs and prompts never break either syntax."""
    (tmp_path / "index.twl").write_text(
        'gather action="/x?a=1&b=\\"2\\"#frag" numDigits=1 hints="a|b, <c>":\n'
        '    say "Press # for \\"help\\", or * & 1 for <b>"\n'
        'redirect "https://example.com/a\\\\b?q=\\"x\\""\n',
        encoding="utf-8",
    )
    graph = flow.build(str(tmp_path))
    assert graph.edges
    assert_mermaid(flow.to_mermaid(graph))
    assert_dot(flow.to_dot(graph))


def test_dot_renders_with_graphviz_when_installed() -> None:
    import shutil
    import subprocess

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed (Debian package graphviz); the DOT syntax is checked by assert_dot")
    for name in CASES:
        case, app = _case(name)
        dot = flow.to_dot(flow.build(str(app), case["entry"]))
        r = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
        assert r.returncode == 0 and "<svg" in r.stdout, r.stderr
