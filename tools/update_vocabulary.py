"""Keep twimlc's TwiML vocabulary current with Twilio's helper libraries.

No machine-readable TwiML definition is published: the generated helper libraries are the
source of truth. This tool reads them itself and rebuilds everything that follows from them::

    python tools/update_vocabulary.py                          # rebuild from the pinned raw data (offline)
    python tools/update_vocabulary.py --check                  # exit 1 when a generated file is stale
    python tools/update_vocabulary.py --twilio-python 9.14.0   # fetch, extract, regenerate, changelog
    python tools/update_vocabulary.py --check-latest           # is there a newer release? what would change?

1. Fetch (only when a version is asked for that has no raw data in ``tools/vocabulary-sources``):
   twilio-python's wheel from PyPI (its JSON API) and twilio-node's tarball from the npm
   registry, both checked against the digests the registry publishes. Nothing downloaded is
   imported or executed, nor written to disk: the archives are read in memory.
2. Extract: twilio-python's builders (``twilio/twiml/{voice,messaging,fax}_response.py``) by
   AST: classes, their tags, the builder methods that nest one in another, each method's
   keyword parameters (the attributes, with their Python names and docstrings) and the
   positional body. twilio-node's TypeScript declarations (``lib/twiml/*Response.d.ts``):
   the value type of every attribute (number, boolean, string, or a union of literals).
3. Write the raw data: ``tools/vocabulary-sources/twilio-python-VERSION.json`` and
   ``twilio-node-VERSION.json``, plus ``pinned.json`` naming the versions in use. These are
   committed, so tests and CI never need the network.
4. Build ``twimlc/vocabulary.json`` from the raw data and the curated overlay
   (``tools/vocabulary-overlay.json``: value types the libraries spell as plain strings,
   ranges, open enumerations, URL roles, descriptions, control flow), then the XSDs
   (``tools/gen_xsd.py``) and the generated element reference ``docs/vocabulary.md``.
5. Report: the changes between the old and the new table (elements, attributes, types,
   enumeration values added, removed or renamed) are printed and prepended to
   ``docs/vocabulary-changelog.md`` for review; every overlay entry that no longer applies
   is reported (and the run exits 1), never silently dropped.

``tests/test_update_vocabulary.py`` proves the committed table is exactly what step 4 builds
from the committed raw data.
"""

from __future__ import annotations

import argparse
import ast
import base64
import datetime as dt
import difflib
import hashlib
import importlib.util
import io
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tools" / "vocabulary-sources"
PINS = SOURCES / "pinned.json"
OVERLAY = ROOT / "tools" / "vocabulary-overlay.json"
OUTPUT = ROOT / "twimlc" / "vocabulary.json"
REFERENCE_DOC = ROOT / "docs" / "vocabulary.md"
CHANGELOG = ROOT / "docs" / "vocabulary-changelog.md"
PYPI = "https://pypi.org"
NPM = "https://registry.npmjs.org"
KINDS = ("voice", "messaging", "fax")
PYTHON_MODULES = {
    "voice": "twilio/twiml/voice_response.py",
    "messaging": "twilio/twiml/messaging_response.py",
    "fax": "twilio/twiml/fax_response.py",
}
PYTHON_BASE = "twilio/twiml/__init__.py"
NODE_FILES = {
    "voice": "package/lib/twiml/VoiceResponse.d.ts",
    "messaging": "package/lib/twiml/MessagingResponse.d.ts",
    "fax": "package/lib/twiml/FaxResponse.d.ts",
}
Json = dict[str, Any]


class UpdateError(Exception):
    """A problem the user must see (bad version, unreachable registry, unreadable package)."""


# --- extraction: twilio-python ------------------------------------------------------------


def _docstring_params(doc: str | None) -> dict[str, str]:
    """``:param name: text`` lines of a builder's docstring (names as the docstring spells them)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"^\s*:param ([\w:]+): ?(.*)$", doc or "", re.M):
        out[m.group(1)] = m.group(2).strip()
    return out


def _name_map(base_source: str) -> dict[str, str]:
    """``TwiML.MAP`` from ``twilio/twiml/__init__.py``: Python keyword → XML name, before camel-casing."""
    for node in ast.walk(ast.parse(base_source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "MAP" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    raise UpdateError(f"{PYTHON_BASE}: no TwiML.MAP found")


def xml_name(python: str, name_map: dict[str, str]) -> str:
    """What twilio-python's ``TwiML.__init__`` makes of a keyword: ``lower_camel(MAP.get(k, k))``."""
    name = name_map.get(python, python)
    if "_" not in name:
        return name
    camel = "".join(part.title() for part in name.split("_"))
    return camel[0].lower() + camel[1:]


def _nested_class(fn: ast.FunctionDef) -> str | None:
    """The class a builder method creates: ``return self.nest(Class(...))``."""
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "nest"
            and node.args
            and isinstance(node.args[0], ast.Call)
            and isinstance(node.args[0].func, ast.Name)
        ):
            return node.args[0].func.id
    return None


def extract_python_module(source: str, name_map: dict[str, str]) -> Json:
    """Every TwiML class of one twilio-python module, as facts read from its AST."""
    classes: Json = {}
    root = None
    for cls in ast.parse(source).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        if not any(isinstance(b, ast.Name) and b.id == "TwiML" for b in cls.bases):
            continue
        entry: Json = {"tag": None, "doc": ast.get_docstring(cls), "body": None, "builders": {}}
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            if fn.name == "__init__":
                for st in ast.walk(fn):
                    if (
                        isinstance(st, ast.Assign)
                        and isinstance(st.targets[0], ast.Attribute)
                        and st.targets[0].attr == "name"
                        and isinstance(st.value, ast.Constant)
                    ):
                        entry["tag"] = st.value.value
                positional = fn.args.args[1:]
                if positional:
                    entry["body"] = {
                        "python": positional[0].arg,
                        "required": len(fn.args.defaults) < len(positional),
                    }
                continue
            created = _nested_class(fn)
            if created is None:
                continue
            docs = _docstring_params(ast.get_docstring(fn))
            params = []
            for a in fn.args.args[1:] + fn.args.kwonlyargs:
                # the docstring names ``from_`` "from" and ``xml_lang`` "xml:lang"
                doc = docs.get(a.arg) or docs.get(a.arg.rstrip("_")) or docs.get(name_map.get(a.arg, a.arg))
                params.append({"python": a.arg, "xml": xml_name(a.arg, name_map), "doc": doc})
            entry["builders"][fn.name] = {"class": created, "params": params}
        if entry["tag"] is None:
            raise UpdateError(f"class {cls.name}: no tag (self.name) in __init__")
        if root is None:
            root = cls.name
        classes[cls.name] = entry
    if root is None:
        raise UpdateError("no TwiML classes found")
    return {"root": root, "classes": classes}


def extract_python(files: dict[str, str]) -> Json:
    """``files``: path in the package → text (the three response modules and the TwiML base)."""
    name_map = _name_map(files[PYTHON_BASE])
    kinds = {}
    for kind, path in PYTHON_MODULES.items():
        if path not in files:
            raise UpdateError(f"twilio-python: {path} is missing")
        try:
            kinds[kind] = extract_python_module(files[path], name_map)
        except SyntaxError as e:
            raise UpdateError(f"twilio-python: {path}:{e.lineno}: cannot parse: {e.msg}") from e
        except UpdateError as e:
            raise UpdateError(f"twilio-python: {path}: {e}") from e
    return {"name_map": name_map, "kinds": kinds}


# --- extraction: twilio-node --------------------------------------------------------------

_TYPE_ALIAS = re.compile(r"^\s*type (\w+) = ((?:\"[^\"]*\"(?: \| )?)+);$", re.M)
_INTERFACE = re.compile(r"^\s*(?:export )?interface (\w+) \{\n(.*?)^\s*\}", re.M | re.S)
_FIELD = re.compile(r"^\s*/\*\* [^\n]*? - (.*?) \*/\n\s*\"?([\w:-]+)\"?\?: ([\w.]+)(\[\])?;", re.M)
_CLASS = re.compile(r"^(?:declare |\s*(?:export )?)class (\w+) extends TwiML \{\n(.*?)^\s*\}", re.M | re.S)
_METHOD = re.compile(r"^\s*\w+\(attributes\??: \w+\.(\w+)(?:, [^)]*)?\): \w+\.(\w+);", re.M)


def extract_node_declarations(text: str) -> Json:
    """Attribute types of one twilio-node ``*Response.d.ts``, keyed by class. The classes are
    generated from the same definitions as twilio-python's and carry the same names; their
    tags come from twilio-python (not every twilio-node class names its tag)."""
    enums = {m.group(1): re.findall(r"\"([^\"]*)\"", m.group(2)) for m in _TYPE_ALIAS.finditer(text)}
    interfaces: dict[str, Json] = {}
    for m in _INTERFACE.finditer(text):
        fields = interfaces.setdefault(m.group(1), {})
        for f in _FIELD.finditer(m.group(2)):
            doc, name, ts_type, is_list = f.groups()
            fact: Json = {"type": ts_type, "list": bool(is_list), "doc": doc}
            if fields.get(name, fact) != fact:
                raise UpdateError(f"interface {m.group(1)} declares {name} twice, differently")
            fields[name] = fact
    classes: Json = {}
    uses: dict[str, set[str]] = {}
    for m in _CLASS.finditer(text):
        name, body = m.groups()
        classes[name] = {"attributes": {}}
        for method in _METHOD.finditer(body):
            uses.setdefault(method.group(2), set()).add(method.group(1))
    for cls, names in uses.items():
        if cls not in classes:
            raise UpdateError(f"a method returns {cls}, which is not declared")
        merged: Json = {}
        for iface in sorted(names):
            if iface not in interfaces:
                raise UpdateError(f"interface {iface} is used but not declared")
            merged.update(interfaces[iface])
        classes[cls]["attributes"] = dict(sorted(merged.items()))
    used = {t["type"] for c in classes.values() for t in c["attributes"].values()}
    return {
        "enums": {k: v for k, v in sorted(enums.items()) if k in used},
        "classes": dict(sorted(classes.items())),
    }


def extract_node(files: dict[str, str]) -> Json:
    kinds = {}
    for kind, path in NODE_FILES.items():
        if path not in files:
            raise UpdateError(f"twilio-node: {path} is missing")
        try:
            kinds[kind] = extract_node_declarations(files[path])
        except UpdateError as e:
            raise UpdateError(f"twilio-node: {path}: {e}") from e
    return {"kinds": kinds}


# --- elements from the raw data ----------------------------------------------------------


def python_elements(kind_raw: Json) -> dict[str, Json]:
    """One entry per tag from twilio-python's classes: attributes (XML name → Python name and
    docstring), children, body text, parents and the per-parent variants (``by_parent``)."""
    classes: Json = kind_raw["classes"]
    creators: dict[str, list[tuple[str, str]]] = {name: [] for name in classes}
    for name, c in classes.items():
        for method, b in c["builders"].items():
            if b["class"] not in classes:
                raise UpdateError(f"{name}.{method} creates {b['class']}, which is not a TwiML class")
            creators[b["class"]].append((name, method))
    reachable, todo = set(), [kind_raw["root"]]
    while todo:  # a class no builder creates is no part of the vocabulary
        name = todo.pop()
        if name not in reachable:
            reachable.add(name)
            todo += [b["class"] for b in classes[name]["builders"].values()]
    creators = {name: [(p, m) for p, m in made if p in reachable] for name, made in creators.items()}
    by_tag: dict[str, list[str]] = {}
    for name, c in classes.items():
        if name in reachable:
            by_tag.setdefault(c["tag"], []).append(name)

    def spec(cls: str) -> Json:
        c = classes[cls]
        body = c["body"]
        attributes: Json = {}
        for parent, method in sorted(creators[cls], key=lambda pm: f"{pm[0]}.{pm[1]}"):
            for p in classes[parent]["builders"][method]["params"]:
                if body is not None and p["python"] == body["python"]:
                    continue
                slot = attributes.setdefault(p["xml"], {"python": p["python"], "doc": None})
                if slot["doc"] is None:
                    slot["doc"] = p["doc"]
        children = list(dict.fromkeys(classes[b["class"]]["tag"] for b in c["builders"].values()))
        return {
            "python_class": cls,
            "attributes": dict(sorted(attributes.items())),
            "children": children,
            "text": body is not None,
            "text_required": bool(body and body["required"]),
        }

    elements: dict[str, Json] = {}
    for tag, names in by_tag.items():
        primary = next((n for n in names if n == tag), max(names, key=lambda n: len(creators[n])))
        e = spec(primary)
        e["parents"] = sorted({classes[p]["tag"] for n in names for p, _ in creators[n]})
        variants = {}
        for n in names:
            if n != primary:
                for parent in sorted({classes[p]["tag"] for p, _ in creators[n]}):
                    variants[parent] = spec(n)
        if variants:
            e["by_parent"] = variants
        elements[tag] = e
    return elements


# --- the table: raw data + overlay --------------------------------------------------------


@dataclass
class Findings:
    """What a build noticed. ``stale``: overlay entries that no longer apply (the run fails);
    ``notes``: facts to know (attributes twilio-node does not type, elements not yet described)."""

    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _notes_removed(d: Json) -> Json:
    return {k: v for k, v in d.items() if not k.startswith("_")}


class _Slots:
    """``Tag@attribute`` keys (``*`` for any tag) and which of them matched something."""

    def __init__(self, entries: Json) -> None:
        self.entries = _notes_removed(entries)
        self.used: set[str] = set()

    def get(self, tag: str, slot: str) -> tuple[str, Any] | None:
        for key in (f"{tag}{slot}", f"*{slot}"):
            if key in self.entries:
                return key, self.entries[key]
        return None

    def unused(self) -> list[str]:
        return sorted(set(self.entries) - self.used)


def keyword(tag: str, overrides: dict[str, str]) -> str:
    if tag in overrides:
        return overrides[tag]
    if tag[:1].islower():  # SSML tags are already what people write
        return tag
    return re.sub(r"(?<!^)(?=[A-Z])", "-", tag).lower()


class Builder:
    def __init__(self, py_raw: Json, node_raw: Json, overlay: Json) -> None:
        self.py, self.node, self.overlay = py_raw, node_raw, overlay
        self.findings = Findings()
        self.threshold: int = overlay["open_enum_threshold"]
        self.string_types = {
            name: (_notes_removed(spec["as"]), _Slots({s: name for s in spec["slots"]}))
            for name, spec in _notes_removed(overlay["string_types"]).items()
        }
        self.attributes = _Slots(overlay["attributes"])
        self.extra = _Slots(overlay["extra_values"])
        self.roles = _Slots({s: role for role, slots in overlay["url_roles"].items() for s in slots})
        self.untyped: list[str] = []

    def value_type(self, kind: str, tag: str, cls: str, name: str) -> Json:
        node_kind = self.node["kinds"][kind]
        fact = node_kind["classes"].get(cls, {}).get("attributes", {}).get(name)
        t: Json
        if fact is None:
            self.untyped.append(f"{tag}@{name}")
            t = {"type": "string"}
        elif fact["type"] == "boolean":
            t = {"type": "bool"}
        elif fact["type"] == "number":
            t = {"type": "int"}
        elif fact["type"] == "string":
            t = {"type": "string"}
        elif fact["type"] in node_kind["enums"]:
            values = list(node_kind["enums"][fact["type"]])
            t = {"type": "enum", "values": values}
            if len(values) > self.threshold:
                t["open"] = True
        else:
            raise UpdateError(f"twilio-node: {cls}.{name} has an unknown type {fact['type']!r}")
        for type_name, (as_type, slots) in self.string_types.items():
            hit = slots.get(tag, "@" + name)
            if hit is None:
                continue
            if t["type"] == "string" and "values" not in t:
                slots.used.add(hit[0])
                t = dict(as_type)
            elif not hit[0].startswith("*"):
                slots.used.add(hit[0])
                self.findings.stale.append(
                    f"string_types.{type_name}: {hit[0]}: twilio-node now types it ({fact and fact['type']})"
                )
        if fact is not None and fact["list"]:
            t["separator"] = " "
        patch = self.attributes.get(tag, "@" + name)
        if patch is not None:
            self.attributes.used.add(patch[0])
            facts = _notes_removed(patch[1])
            if ("min" in facts or "max" in facts) and t["type"] != "int":
                self.findings.stale.append(f"attributes: {patch[0]}: a range, but the attribute is now {t['type']}")
            elif "type" in facts and t["type"] != "string":
                self.findings.stale.append(f"attributes: {patch[0]}: overrides a {t['type']} the libraries now declare")
            else:
                t.update(facts)
        extra = self.extra.get(tag, "@" + name)
        if extra is not None:
            self.extra.used.add(extra[0])
            known = [v for v in extra[1] if v in t.get("values", [])]
            if "values" not in t:
                self.findings.stale.append(f"extra_values: {extra[0]}: the attribute is no longer an enumeration")
            elif known:
                self.findings.stale.append(f"extra_values: {extra[0]}: the libraries now list {', '.join(known)}")
            else:
                t["values"] = t["values"] + list(extra[1])
        role = self.roles.get(tag, "@" + name)
        if role is not None:
            self.roles.used.add(role[0])
            t["role"] = role[1]
        return t

    def element(self, kind: str, tag: str, spec: Json) -> Json:
        attributes = {}
        for name, a in spec["attributes"].items():
            t = self.value_type(kind, tag, spec["python_class"], name)
            if a["doc"]:
                t["description"] = a["doc"]
            attributes[name] = t
        out: Json = {
            "keyword": keyword(tag, self.overlay["keywords"]),
            "attributes": attributes,
            "children": list(spec["children"]),
            "text": spec["text"],
            "text_required": spec["text_required"] and tag not in self.overlay["text_optional"],
            "parents": list(spec.get("parents", [])),
        }
        if spec["text"]:
            role = self.roles.get(tag, "#text")
            if role is not None:
                self.roles.used.add(role[0])
                out["text_role"] = role[1]
        variants = {parent: self.element(kind, tag, v) for parent, v in spec.get("by_parent", {}).items()}
        for v in variants.values():
            v.pop("parents")
        if variants:
            out["by_parent"] = variants
        return out

    def build(self) -> Json:
        kinds: Json = {}
        docs_base = self.overlay["docs_base"]
        for kind in KINDS:
            classes = self.py["kinds"][kind]["classes"]
            specs = python_elements(self.py["kinds"][kind])
            elements = {tag: self.element(kind, tag, spec) for tag, spec in specs.items()}
            for tag, ends in _notes_removed(self.overlay["ends"][kind]).items():
                if tag in elements:
                    elements[tag]["ends"] = ends
                else:
                    self.findings.stale.append(f"ends.{kind}: <{tag}> no longer exists")
            described = self.overlay["elements"][kind]
            for tag, e in elements.items():
                if tag in described:
                    e["description"], page = described[tag]
                else:  # the library's docstring until someone writes a better line
                    e["description"] = classes[specs[tag]["python_class"]]["doc"] or f"<{tag}>"
                    page = "voice/twiml" if kind == "voice" else f"{kind}/twiml"
                    self.findings.notes.append(f"elements.{kind}: <{tag}> has no curated description yet")
                e["docs"] = docs_base + page
            for tag in sorted(set(described) - set(elements)):
                self.findings.stale.append(f"elements.{kind}: <{tag}> no longer exists")
            kinds[kind] = dict(sorted(elements.items()))
        all_tags = {tag for k in kinds.values() for tag in k}
        for tag in sorted(set(self.overlay["keywords"]) - all_tags):
            self.findings.stale.append(f"keywords: <{tag}> no longer exists")
        for tag in sorted(set(self.overlay["text_optional"]) - all_tags):
            self.findings.stale.append(f"text_optional: <{tag}> no longer exists")
        for name, (_, slots) in self.string_types.items():
            self.findings.stale += [f"string_types.{name}: {s} matches no attribute" for s in slots.unused()]
        for section, slots in (
            ("attributes", self.attributes),
            ("extra_values", self.extra),
            ("url_roles", self.roles),
        ):
            self.findings.stale += [f"{section}: {s} matches no attribute" for s in slots.unused()]
        self.findings.stale.sort()
        if self.untyped:
            self.findings.notes.append(
                f"twilio-node {self.node['version']} declares no type for {len(self.untyped)} attribute(s), "
                f"taken as strings: {', '.join(sorted(set(self.untyped)))}"
            )
        return {
            "_generated_by": "tools/update_vocabulary.py from tools/vocabulary-sources and tools/vocabulary-overlay.json",
            "_sources": {"twilio-python": self.py["version"], "twilio-node": self.node["version"]},
            "kinds": kinds,
        }


def build(py_raw: Json, node_raw: Json, overlay: Json) -> tuple[Json, Findings]:
    b = Builder(py_raw, node_raw, overlay)
    table = b.build()
    return table, b.findings


def render_json(data: Json) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


# --- what changed ---------------------------------------------------------------------------


def _pairs(removed: Sequence[str], added: Sequence[str]) -> list[tuple[str, str]]:
    """Likely renames: a single value swapped for another, or names that are each other's
    closest match (difflib ratio ≥ 0.75)."""
    if len(removed) == 1 and len(added) == 1:
        return [(removed[0], added[0])]

    def best(name: str, among: Sequence[str]) -> str | None:
        scored = [(difflib.SequenceMatcher(None, name.lower(), o.lower()).ratio(), o) for o in among]
        scored = [s for s in scored if s[0] >= 0.75]
        return max(scored)[1] if scored else None

    out = []
    for r in removed:
        a = best(r, added)
        if a is not None and best(a, removed) == r:
            out.append((r, a))
    return out


def _split(old: Sequence[str], new: Sequence[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    removed = [v for v in old if v not in new]
    added = [v for v in new if v not in old]
    renamed = _pairs(removed, added)
    removed = [v for v in removed if v not in {r for r, _ in renamed}]
    added = [v for v in added if v not in {a for _, a in renamed}]
    return removed, added, renamed


def describe_type(t: Json) -> str:
    kind = str(t["type"])
    if kind == "enum":
        kind = f"enum of {len(t['values'])}" + (", open" if t.get("open") else "")
    if "min" in t or "max" in t:
        kind += f" {t.get('min', '')}..{t.get('max', '')}"
    if t.get("separator"):
        kind += f" list ({t['separator']!r})"
    return kind


def _attribute_changes(where: str, name: str, old: Json, new: Json) -> Iterator[str]:
    at = f"{where} {name}"
    if old["type"] != new["type"]:
        yield f"{at}: type {describe_type(old)} → {describe_type(new)}"
        old, new = (
            {**old, "min": None, "max": None, "separator": None},
            {**new, "min": None, "max": None, "separator": None},
        )
    elif old["type"] == "enum":
        removed, added, renamed = _split(old["values"], new["values"])
        for r, a in renamed:
            yield f"{at}: renamed value {r} → {a}"
        if added:
            yield f"{at}: added value(s) {', '.join(added)}"
        if removed:
            yield f"{at}: removed value(s) {', '.join(removed)}"
        if old.get("open") != new.get("open"):
            yield f"{at}: now {'an open' if new.get('open') else 'a closed'} enumeration"
    for key, what in (("min", "minimum"), ("max", "maximum"), ("separator", "list separator"), ("role", "URL role")):
        if old.get(key) != new.get(key):
            yield f"{at}: {what} {old.get(key)!r} → {new.get(key)!r}"
    if old.get("description") != new.get("description"):
        yield f"{at}: description {old.get('description')!r} → {new.get('description')!r}"


def _element_changes(where: str, old: Json, new: Json) -> Iterator[str]:
    if old["keyword"] != new["keyword"]:
        yield f"{where}: keyword {old['keyword']} → {new['keyword']}"
    removed, added, renamed = _split(list(old["attributes"]), list(new["attributes"]))
    for r, a in renamed:
        yield f"{where}: renamed attribute {r} → {a}"
        yield from _attribute_changes(where, a, old["attributes"][r], new["attributes"][a])
    for a in added:
        yield f"{where}: added attribute {a} ({describe_type(new['attributes'][a])})"
    for r in removed:
        yield f"{where}: removed attribute {r}"
    for name in old["attributes"]:
        if name in new["attributes"]:
            yield from _attribute_changes(where, name, old["attributes"][name], new["attributes"][name])
    for child in new["children"]:
        if child not in old["children"]:
            yield f"{where}: added child <{child}>"
    for child in old["children"]:
        if child not in new["children"]:
            yield f"{where}: removed child <{child}>"
    for key in ("text", "text_required", "text_role", "ends", "description", "docs"):
        if old.get(key) != new.get(key):
            yield f"{where}: {key} {old.get(key)!r} → {new.get(key)!r}"
    old_v, new_v = old.get("by_parent", {}), new.get("by_parent", {})
    for parent in new_v:
        if parent not in old_v:
            yield f"{where}: added a variant in <{parent}>"
    for parent in old_v:
        if parent not in new_v:
            yield f"{where}: removed the variant in <{parent}>"
        else:
            yield from _element_changes(f"{where} in <{parent}>", old_v[parent], new_v[parent])


def changes(old: Json, new: Json) -> list[str]:
    """Every difference between two tables that matters to a reviewer, one line each."""
    out: list[str] = []
    for kind in KINDS:
        o, n = old["kinds"].get(kind, {}), new["kinds"].get(kind, {})
        removed, added = [t for t in o if t not in n], [t for t in n if t not in o]
        # an element is renamed only when it kept its attributes and children
        renamed = [
            (r, a)
            for r, a in _pairs(removed, added)
            if (o[r]["attributes"].keys(), o[r]["children"]) == (n[a]["attributes"].keys(), n[a]["children"])
        ]
        removed = [t for t in removed if t not in {r for r, _ in renamed}]
        added = [t for t in added if t not in {a for _, a in renamed}]
        for r, a in renamed:
            out.append(f"{kind}: renamed <{r}> → <{a}>")
            out += _element_changes(f"{kind} <{a}>", o[r], n[a])
        out += [f"{kind}: added <{t}> ({n[t]['keyword']}): {n[t]['description']}" for t in sorted(added)]
        out += [f"{kind}: removed <{t}> ({o[t]['keyword']})" for t in sorted(removed)]
        for tag in sorted(set(o) & set(n)):
            out += _element_changes(f"{kind} <{tag}>", o[tag], n[tag])
    return out


def changelog_section(old: Json, new: Json, lines: Sequence[str], findings: Findings) -> str:
    def versions(t: Json) -> str:
        s = t.get("_sources")
        if s is None:  # a table made before this tool
            return str(t.get("_generated_by", "an unknown table"))
        return f"twilio-python {s['twilio-python']}, twilio-node {s['twilio-node']}"

    out = [f"## {versions(old)} → {versions(new)}", ""]
    out += [f"- {line}" for line in lines] or ["- no change to the table"]
    if findings.stale:
        out += ["", "Overlay entries that no longer apply (tools/vocabulary-overlay.json):", ""]
        out += [f"- {s}" for s in findings.stale]
    return "\n".join(out) + "\n"


CHANGELOG_HEAD = """# Vocabulary changelog

What changed in twimlc's TwiML vocabulary (`twimlc/vocabulary.json`) at each update from
Twilio's helper libraries, newest first. Written by `tools/update_vocabulary.py`; review it
with the diff of the table before committing.
"""


def prepend_changelog(text: str, section: str) -> str:
    body = text[len(CHANGELOG_HEAD) :] if text.startswith(CHANGELOG_HEAD) else ""
    return CHANGELOG_HEAD + "\n" + section + body


# --- the generated element reference ------------------------------------------------------


def _value_words(t: Json) -> str:
    kind = t["type"]
    if kind == "enum":
        values = t["values"]
        if t.get("open"):
            words = f"one of {len(values)} known values (others warn), e.g. {', '.join(values[:3])}"
        else:
            words = "one of " + ", ".join(f"`{v}`" for v in values)
    else:
        words = kind
    if "min" in t or "max" in t:
        words += f" {t.get('min', '')}..{t.get('max', '')}"
    if t.get("separator"):
        words += f", a list separated by {'spaces' if t['separator'] == ' ' else repr(t['separator'])}"
    if t.get("role"):
        words += f" ({t['role']} URL)"
    return words


def reference_doc(table: Json) -> str:
    """``docs/vocabulary.md``: every element and attribute the table knows, for people."""
    s = table["_sources"]
    out = [
        "# TwiML vocabulary",
        "",
        f"Generated by `tools/update_vocabulary.py` from twilio-python {s['twilio-python']} and "
        f"twilio-node {s['twilio-node']} with the curated overlay: do not edit by hand. "
        "Keywords are what you write in `.twl`; tags and attributes are TwiML's.",
    ]
    for kind, elements in table["kinds"].items():
        out += ["", f"## {kind.capitalize()}"]
        for tag, e in elements.items():
            out += ["", f"### `{e['keyword']}` — `<{tag}>`", "", f"{e['description']} ([Twilio docs]({e['docs']}))", ""]
            facts = []
            if e["parents"]:
                facts.append("inside " + ", ".join(f"`<{p}>`" for p in e["parents"]))
            if e["children"]:
                facts.append("holds " + ", ".join(f"`<{c}>`" for c in e["children"]))
            if e["text"]:
                facts.append("text " + ("required" if e["text_required"] else "optional"))
            if e.get("ends"):
                facts.append("ends the document" + (" when it has an action" if e["ends"] == "action" else ""))
            if facts:
                out += ["- " + "; ".join(facts)]
            for name, t in e["attributes"].items():
                line = f"- `{name}`: {_value_words(t)}"
                if t.get("description"):
                    line += f". {t['description']}"
                out.append(line)
            for parent, v in e.get("by_parent", {}).items():
                shape = "text " + ("required" if v["text_required"] else "optional") if v["text"] else "no text"
                attrs = ", ".join(f"`{a}`" for a in v["attributes"]) or "no attributes"
                out.append(f"- inside `<{parent}>`: {attrs}; {shape}")
    return "\n".join(out) + "\n"


# --- the registries -----------------------------------------------------------------------

MAX_DOWNLOAD = 64 * 1024 * 1024  # twilio's wheel is ~2.5 MB, its npm tarball ~1.2 MB
MAX_MEMBER = 16 * 1024 * 1024  # voice_response.py is ~100 kB, VoiceResponse.d.ts ~230 kB


@dataclass(frozen=True)
class Release:
    package: str  # twilio-python or twilio-node
    version: str
    released: str  # ISO 8601, as the registry says
    url: str
    filename: str
    digest: tuple[str, str]  # (sha256 | sha512 | sha1, the registry's value: hex, or base64 for sha512)

    @property
    def when(self) -> dt.datetime:
        return parse_time(self.released)


def parse_time(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("-")[0].split("rc")[0]))


def is_final(version: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)*", version) is not None


def _client() -> Any:
    import httpx  # only when a registry is asked

    return httpx.Client(
        timeout=httpx.Timeout(60.0, connect=15.0),
        follow_redirects=True,
        headers={"User-Agent": "twimlc tools/update_vocabulary.py"},
    )


def _get_json(client: Any, url: str) -> Any:
    r = client.get(url)
    if r.status_code == 404:
        raise UpdateError(f"{url}: not found (404)")
    r.raise_for_status()
    return r.json()


def pypi_index(client: Any, base: str) -> tuple[str, dict[str, Release]]:
    """twilio's newest release on PyPI and every release with a wheel (or sdist), from the JSON API."""
    import httpx

    url = f"{base.rstrip('/')}/pypi/twilio/json"
    data = _get_json(client, url)
    releases = {}
    for version, files in data["releases"].items():
        usable = [f for f in files if not f.get("yanked")]
        pick = [f for f in usable if f["packagetype"] == "bdist_wheel"] or [
            f for f in usable if f["packagetype"] == "sdist"
        ]
        if pick:
            f = pick[0]
            when = f.get("upload_time_iso_8601") or f["upload_time"]
            target = str(httpx.URL(url).join(f["url"]))
            releases[version] = Release(
                "twilio-python", version, when, target, f["filename"], ("sha256", f["digests"]["sha256"])
            )
    return str(data["info"]["version"]), releases


def npm_index(client: Any, base: str) -> tuple[str, dict[str, Release]]:
    """twilio's ``latest`` dist-tag on the npm registry and every version with its tarball."""
    import httpx

    url = f"{base.rstrip('/')}/twilio"
    data = _get_json(client, url)
    releases = {}
    for version, meta in data["versions"].items():
        dist = meta["dist"]
        integrity = str(dist.get("integrity", ""))
        digest = ("sha512", integrity[7:]) if integrity.startswith("sha512-") else ("sha1", str(dist["shasum"]))
        target = str(httpx.URL(url).join(dist["tarball"]))
        filename = target.rsplit("/", 1)[-1]
        releases[version] = Release("twilio-node", version, data["time"][version], target, filename, digest)
    return str(data["dist-tags"]["latest"]), releases


def closest(releases: dict[str, Release], when: dt.datetime) -> Release:
    """The final release nearest in time (twilio-python and twilio-node are generated and
    released together from the same API definitions)."""
    final = [r for r in releases.values() if is_final(r.version)]
    if not final:
        raise UpdateError("the registry lists no final release")
    return min(final, key=lambda r: (abs(r.when - when), r.when))


def download(client: Any, release: Release) -> bytes:
    with client.stream("GET", release.url) as r:
        r.raise_for_status()
        chunks, size = [], 0
        for chunk in r.iter_bytes():
            size += len(chunk)
            if size > MAX_DOWNLOAD:
                raise UpdateError(f"{release.url}: larger than {MAX_DOWNLOAD} bytes")
            chunks.append(chunk)
    content = b"".join(chunks)
    algorithm, expected = release.digest
    h = hashlib.new(algorithm, content)
    actual = base64.b64encode(h.digest()).decode() if algorithm == "sha512" else h.hexdigest()
    if actual != expected:
        raise UpdateError(f"{release.filename}: {algorithm} is {actual}, the registry says {expected}")
    return content


def _fits(archive: str, member: str, size: int) -> None:
    if size > MAX_MEMBER:
        raise UpdateError(f"{archive}: {member} is {size} bytes, more than any TwiML module needs")


def python_files(archive: bytes, filename: str) -> dict[str, str]:
    """The TwiML modules inside a twilio-python wheel or sdist, read in memory (never run)."""
    wanted = {*PYTHON_MODULES.values(), PYTHON_BASE}
    out = {}
    try:
        if filename.endswith(".whl"):
            with zipfile.ZipFile(io.BytesIO(archive)) as z:
                for name in wanted & set(z.namelist()):
                    _fits(filename, name, z.getinfo(name).file_size)
                    out[name] = z.read(name).decode("utf-8")
        else:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as t:
                for m in t.getmembers():
                    inner = m.name.split("/", 1)[-1]
                    if inner in wanted and m.isfile():
                        _fits(filename, m.name, m.size)
                        f = t.extractfile(m)
                        if f is not None:
                            out[inner] = f.read().decode("utf-8")
    except (zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as e:
        raise UpdateError(f"{filename}: cannot read: {e}") from e
    missing = wanted - set(out)
    if missing:
        raise UpdateError(f"{filename}: no {', '.join(sorted(missing))}")
    return out


def node_files(archive: bytes, filename: str) -> dict[str, str]:
    """The TwiML declarations inside a twilio-node tarball, read in memory."""
    out = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as t:
            for m in t.getmembers():
                if m.name in NODE_FILES.values() and m.isfile():
                    _fits(filename, m.name, m.size)
                    f = t.extractfile(m)
                    if f is not None:
                        out[m.name] = f.read().decode("utf-8")
    except (tarfile.TarError, UnicodeDecodeError, OSError) as e:
        raise UpdateError(f"{filename}: cannot read: {e}") from e
    missing = set(NODE_FILES.values()) - set(out)
    if missing:
        raise UpdateError(f"{filename}: no {', '.join(sorted(missing))}")
    return out


def raw_python(release: Release, files: dict[str, str]) -> Json:
    return {
        "_about": "Extracted by tools/update_vocabulary.py from the package below (its AST); do not edit.",
        "package": "twilio",
        "registry": "PyPI",
        "version": release.version,
        "released": release.released,
        "file": release.filename,
        release.digest[0]: release.digest[1],
        **extract_python(files),
    }


def raw_node(release: Release, files: dict[str, str]) -> Json:
    return {
        "_about": "Extracted by tools/update_vocabulary.py from the package below (its .d.ts); do not edit.",
        "package": "twilio",
        "registry": "npm",
        "version": release.version,
        "released": release.released,
        "file": release.filename,
        release.digest[0]: release.digest[1],
        **extract_node(files),
    }


# --- files --------------------------------------------------------------------------------


def raw_path(package: str, version: str) -> Path:
    return SOURCES / f"{package}-{version}.json"


def load_json(path: Path) -> Json:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UpdateError(f"{path.relative_to(ROOT)}: {e}") from e
    if not isinstance(data, dict):
        raise UpdateError(f"{path.relative_to(ROOT)}: not a JSON object")
    return data


def pinned() -> dict[str, str]:
    pins = load_json(PINS)
    return {"twilio-python": str(pins["twilio-python"]), "twilio-node": str(pins["twilio-node"])}


def load_raw(package: str, version: str) -> Json:
    return load_json(raw_path(package, version))


def gen_xsd() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_xsd", ROOT / "tools" / "gen_xsd.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vocabulary_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vocabulary_module", ROOT / "tools" / "vocabulary_module.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(table: Json) -> dict[Path, str]:
    """Every generated file, by path, for ``table``."""
    out = {OUTPUT: render_json(table), REFERENCE_DOC: reference_doc(table)}
    as_module = vocabulary_module()
    out[as_module.module_path(OUTPUT)] = as_module.module_text(
        table, OUTPUT.relative_to(ROOT).as_posix(), "tools/update_vocabulary.py"
    )
    for name, text in gen_xsd().generate(table).items():
        out[ROOT / "schemas" / name] = text
    return out


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def regenerate(py_raw: Json, node_raw: Json) -> tuple[Json, Findings, dict[Path, str]]:
    table, findings = build(py_raw, node_raw, load_json(OVERLAY))
    return table, findings, outputs(table)


# --- the command --------------------------------------------------------------------------


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _report(findings: Findings, out: Any) -> None:
    for note in findings.notes:
        print(f"note: {note}", file=out)
    for stale in findings.stale:
        print(f"overlay entry no longer applies: {stale}", file=out)


def _fetch(client: Any, release: Release, kind: str) -> Json:
    print(f"fetching {release.package} {release.version} ({release.filename})", file=sys.stderr)
    archive = download(client, release)
    if kind == "python":
        return raw_python(release, python_files(archive, release.filename))
    return raw_node(release, node_files(archive, release.filename))


class Registries:
    """The two indexes, asked once each and only when needed."""

    def __init__(self, pypi: str, npm: str) -> None:
        self.pypi, self.npm = pypi, npm
        self._client: Any = None
        self._py: tuple[str, dict[str, Release]] | None = None
        self._node: tuple[str, dict[str, Release]] | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _client()
        return self._client

    def python(self) -> tuple[str, dict[str, Release]]:
        if self._py is None:
            self._py = pypi_index(self.client, self.pypi)
        return self._py

    def node(self) -> tuple[str, dict[str, Release]]:
        if self._node is None:
            self._node = npm_index(self.client, self.npm)
        return self._node

    def release(self, kind: str, version: str) -> Release:
        _, releases = self.python() if kind == "python" else self.node()
        if version not in releases:
            name = "twilio-python on PyPI" if kind == "python" else "twilio on npm"
            near = difflib.get_close_matches(version, list(releases), n=3)
            raise UpdateError(
                f"{name} has no version {version}" + (f" (did you mean {', '.join(near)}?)" if near else "")
            )
        return releases[version]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _raw(registries: Registries, kind: str, version: str) -> tuple[Json, bool]:
    """The raw data for a version: committed, or fetched (then True)."""
    package = "twilio-python" if kind == "python" else "twilio-node"
    path = raw_path(package, version)
    if path.exists():
        return load_json(path), False
    return _fetch(registries.client, registries.release(kind, version), kind), True


def check_latest(registries: Registries) -> int:
    """Information only: always exits 0."""
    import httpx

    pins = pinned()
    try:
        py_latest, _ = registries.python()
        node_latest, _ = registries.node()
        print(f"twilio-python: pinned {pins['twilio-python']}, newest on PyPI {py_latest}")
        print(f"twilio-node: pinned {pins['twilio-node']}, newest on npm {node_latest}")
        newer = [
            (package, latest)
            for package, latest in (("twilio-python", py_latest), ("twilio-node", node_latest))
            if version_key(latest) > version_key(pins[package])
        ]
        if not newer:
            print("the vocabulary is up to date")
            return 0
        want = {package: pins[package] for package in pins} | dict(newer)
        py_raw, _ = _raw(registries, "python", want["twilio-python"])
        node_raw, _ = _raw(registries, "node", want["twilio-node"])
    except (httpx.HTTPError, UpdateError, ValueError, KeyError) as e:
        print(f"could not check for a newer release: {e}")
        return 0
    old = load_json(OUTPUT)
    table, findings = build(py_raw, node_raw, load_json(OVERLAY))
    lines = changes(old, table)
    print(f"updating to twilio-python {want['twilio-python']} and twilio-node {want['twilio-node']} would change:")
    for line in lines or ["nothing in the table"]:
        print(f"  {line}")
    _report(findings, sys.stdout)
    print(
        "to update: python tools/update_vocabulary.py "
        f"--twilio-python {want['twilio-python']} --twilio-node {want['twilio-node']}"
    )
    return 0


def update(args: argparse.Namespace, registries: Registries) -> int:
    pins = pinned()
    py_version = args.twilio_python or pins["twilio-python"]
    if args.twilio_node:
        node_version = args.twilio_node
    elif py_version != pins["twilio-python"]:
        node_version = closest(registries.node()[1], registries.release("python", py_version).when).version
        print(f"twilio-node {node_version}: the release closest in date to twilio-python {py_version}", file=sys.stderr)
    else:
        node_version = pins["twilio-node"]
    py_raw, py_new = _raw(registries, "python", py_version)
    node_raw, node_new = _raw(registries, "node", node_version)
    old = load_json(OUTPUT)
    table, findings, files = regenerate(py_raw, node_raw)
    lines = changes(old, table)
    new_pins = {"twilio-python": py_version, "twilio-node": node_version}
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"would regenerate {_rel(p)}")
        _report(findings, sys.stdout)
        return 1 if stale or findings.stale else 0
    # everything is computed: now write, each file whole
    if py_new:
        write_atomic(raw_path("twilio-python", py_version), render_json(py_raw))
    if node_new:
        write_atomic(raw_path("twilio-node", node_version), render_json(node_raw))
    if new_pins != pins:
        write_atomic(PINS, render_json(new_pins))
        for package, version in pins.items():
            if version != new_pins[package]:
                raw_path(package, version).unlink(missing_ok=True)
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
            print(f"wrote {_rel(path)}")
    if lines or findings.stale:
        section = changelog_section(old, table, lines, findings)
        current = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else ""
        write_atomic(CHANGELOG, prepend_changelog(current, section))
        print(f"wrote {_rel(CHANGELOG)}:")
        print(section)
    else:
        print(f"twilio-python {py_version}, twilio-node {node_version}: the vocabulary is up to date")
    _report(findings, sys.stdout)
    return 1 if findings.stale else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/update_vocabulary.py",
        description="Regenerate twimlc's TwiML vocabulary from twilio-python and twilio-node.",
    )
    parser.add_argument("--twilio-python", metavar="VERSION", help="twilio-python release to use (default: pinned)")
    parser.add_argument(
        "--twilio-node",
        metavar="VERSION",
        help="twilio-node release to use (default: pinned, or the one closest in date to --twilio-python)",
    )
    parser.add_argument(
        "--check-latest", action="store_true", help="report whether newer releases exist and what they would change"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--pypi", default=PYPI, metavar="URL", help=f"PyPI base URL (default {PYPI})")
    parser.add_argument("--npm-registry", default=NPM, metavar="URL", help=f"npm registry URL (default {NPM})")
    args = parser.parse_args(argv)
    if args.check_latest and (args.check or args.twilio_python or args.twilio_node):
        parser.error("--check-latest takes no other option but --pypi and --npm-registry")
    registries = Registries(args.pypi, args.npm_registry)
    try:
        if args.check_latest:
            return check_latest(registries)
        return update(args, registries)
    except UpdateError as e:
        print(f"update_vocabulary: error: {e}", file=sys.stderr)
        return 1
    except (KeyError, TypeError) as e:  # a raw or overlay file without what it must hold
        print(f"update_vocabulary: error: malformed data: {type(e).__name__} {e}", file=sys.stderr)
        return 1
    except Exception as e:  # network failures: say what, without a traceback
        if type(e).__module__.startswith("httpx"):
            print(f"update_vocabulary: error: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        raise
    finally:
        registries.close()


if __name__ == "__main__":
    raise SystemExit(main())
