"""Differential test: twilio-python's builders, driven from the same documents, produce
canonical-XML-equal TwiML. The oracle's vocabulary (builder methods, kwargs) comes from
the shared reference, not from twimlc's table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, shared_or_skip

import twimlc
from twimlc.ast import Element, Text
from twimlc.canonical import canonical
from twimlc.dialect import TWILIO

twiml_mod = pytest.importorskip("twilio.twiml")
from twilio.twiml.fax_response import FaxResponse  # noqa: E402
from twilio.twiml.messaging_response import MessagingResponse  # noqa: E402
from twilio.twiml.voice_response import VoiceResponse  # noqa: E402

MODULES = {
    "voice": __import__("twilio.twiml.voice_response", fromlist=["x"]),
    "messaging": __import__("twilio.twiml.messaging_response", fromlist=["x"]),
    "fax": __import__("twilio.twiml.fax_response", fromlist=["x"]),
}
ROOTS = {"voice": VoiceResponse, "messaging": MessagingResponse, "fax": FaxResponse}


def _reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_or_skip("reference", "twiml-elements.json").read_text(encoding="utf-8"))
    return data


def _kwarg(name: str, kwargs_map: dict[str, str]) -> str:
    if name in kwargs_map:
        return kwargs_map[name]
    return name.replace(":", "_").replace("-", "_")  # xml:lang -> xml_lang, interpret-as


def _py_value(kind: str, e: Element, name: str, rendered: str, raw: bool) -> Any:
    t = None if raw or e.raw else TWILIO.vocabulary(kind).elements[e.tag].attributes.get(name)
    if t is not None and t.type == "bool":
        return rendered == "true"
    if t is not None and t.type == "int" and not t.is_list:
        return int(rendered)
    return rendered


def _build(ref: dict[str, Any], kind: str, parent_obj: Any, parent_tag: str, children: tuple[Any, ...]) -> None:
    for child in children:
        if isinstance(child, Text):
            parent_obj.nest(child.value)
            continue
        if not isinstance(child, Element):
            continue
        kw: dict[str, Any] = {}
        # Names no keyword argument can spell (amazon:effect's "name" clashes with
        # add_child's parameter; a prefix has no kwarg form) go into the node's attrs as is.
        verbatim = {a.name: a.rendered() for a in child.attributes if a.raw and (":" in a.name or a.name == "name")}
        if child.raw:
            for a in child.attributes:
                if a.name not in verbatim:
                    kw[_kwarg(a.name, {})] = a.rendered()
            first_text = child.children[0].value if child.children and isinstance(child.children[0], Text) else None
            obj = parent_obj.add_child(child.tag, first_text, **kw)
            obj.attrs.update(verbatim)
            _build(ref, kind, obj, child.tag, child.children[1:] if first_text is not None else child.children)
            continue
        spec = ref[kind][child.tag]
        variant = spec.get("by_parent", {}).get(parent_tag, spec)
        for a in child.attributes:
            if a.name not in verbatim:
                kw[_kwarg(a.name, variant["python_kwargs"])] = _py_value(kind, child, a.name, a.rendered(), a.raw)
        if parent_tag in ref[kind]:
            methods = {tag: m for m, tag in ref[kind][parent_tag]["builder_methods"].items()}
            method = getattr(parent_obj, methods[child.tag])
        else:  # under a raw element: build the class and nest it
            cls = getattr(MODULES[kind], variant.get("python_class", spec["python_class"]))

            def method(*args: Any, _cls: Any = cls, **kwargs: Any) -> Any:
                return parent_obj.nest(_cls(*args, **kwargs))

        rest = child.children
        if spec["text"] and rest and isinstance(rest[0], Text):
            obj = method(rest[0].value, **kw)
            rest = rest[1:]
        else:
            obj = method(**kw)
        obj.attrs.update(verbatim)
        _build(ref, kind, obj, child.tag, rest)


@pytest.mark.parametrize("twl", sorted(CASES.glob("*.twl")), ids=lambda p: p.stem)
def test_same_as_twilio_python(twl: Path) -> None:
    ref = _reference()
    doc = twimlc.parse(twl.read_text(encoding="utf-8"), str(twl))
    root = ROOTS[doc.kind](**{_kwarg(a.name, {}): a.rendered() for a in doc.attributes})
    _build(ref, doc.kind, root, "Response", doc.body)
    assert canonical(str(root)) == canonical(twimlc.generate(doc))
