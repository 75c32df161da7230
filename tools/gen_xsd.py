"""Generate the published TwiML schemas in ``schemas/`` from ``twimlc/vocabulary.json``.

One XSD 1.0 file per kind of document (voice, messaging, fax), plus a local ``xml.xsd``
for ``xml:lang`` (so nothing is ever fetched over the network). libxml2 (lxml,
``xmllint --schema``) and xmlschema both load them. ``tests/test_schema.py`` fails when
the committed files differ from a fresh run::

    python tools/gen_xsd.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = ROOT / "twimlc" / "vocabulary.json"
SCHEMAS = ROOT / "schemas"
XS = "http://www.w3.org/2001/XMLSchema"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("xs", XS)

E164 = r"\+[1-9][0-9]{1,14}"
NATIONAL = r"\+?\(?[0-9][0-9 ().\-]*"  # accepted with a warning (twimlc: TWL213)
SIM_SID = "DE[0-9a-fA-F]{32}"
# 1 to 11 of A-Z a-z 0-9 and space with at least one letter (XSD regexes have no lookahead:
# one branch per position of the first letter).
ALPHANUMERIC = "|".join(f"[0-9 ]{{{k}}}[A-Za-z][A-Za-z0-9 ]{{0,{10 - k}}}" for k in range(11))
RECIPIENT = [E164, NATIONAL, SIM_SID, "whatsapp:" + E164, "messenger:[0-9]+", "rcs:" + E164]
PATTERNS = {
    "url": r"\S*",
    "phone": f"{E164}|{NATIONAL}",
    "recipient": "|".join(RECIPIENT),
    "sender": "|".join([*RECIPIENT, r"rcs:[A-Za-z0-9_.\-]+", ALPHANUMERIC]),
    "duration": r"[0-9]+(\.[0-9]+)?(ms|s)",
    "dtmf": r"[0-9A-DwW#*]*",
    "senddigits": r"[0-9#*w]*",
}


def q(name: str) -> str:
    return f"{{{XS}}}{name}"


class Builder:
    def __init__(self, kind: str, elements: dict[str, Any], sources: str = "") -> None:
        self.kind = kind
        self.elements = elements
        self.sources = sources
        self.root = ET.Element(q("schema"), {"elementFormDefault": "unqualified"})
        self.simple_types: dict[str, ET.Element] = {}
        self.complex_types: dict[str, ET.Element] = {}

    # --- value types ----------------------------------------------------------------

    def simple_type(self, t: dict[str, Any]) -> str:
        """The name of a simple type for ``t`` (declared once, by content)."""
        kind = t["type"]
        if kind == "string" or (kind == "enum" and t.get("open")):
            base = "xs:string"
        elif kind == "bool":
            base = self._declare("Boolean", {"enum": ["true", "false"]})
        elif kind == "int":
            lo, hi = t.get("min"), t.get("max")
            name = "Integer" + (f"_from{lo}" if lo is not None else "") + (f"_to{hi}" if hi is not None else "")
            base = self._declare(name.replace("-", "m"), {"int": (lo, hi)})
        elif kind == "enum":
            values = t["values"]
            base = self._declare(
                "Enum_" + "_".join(v.replace("/", "-").replace(".", "-") for v in values)[:80] + f"_{len(values)}",
                {"enum": values},
            )
        else:
            base = self._declare(kind.capitalize(), {"pattern": PATTERNS[kind]})
        separator = t.get("separator")
        if separator == " ":
            return self._declare(base.split(":")[-1] + "List", {"list": base})
        return base if separator is None else "xs:string"

    def _declare(self, name: str, how: dict[str, Any]) -> str:
        if name in self.simple_types:
            return name
        st = ET.Element(q("simpleType"), {"name": name})
        if "list" in how:
            ET.SubElement(st, q("list"), {"itemType": how["list"]})
        else:
            r = ET.SubElement(st, q("restriction"), {"base": "xs:integer" if "int" in how else "xs:string"})
            if "int" in how:
                lo, hi = how["int"]
                if lo is not None:
                    ET.SubElement(r, q("minInclusive"), {"value": str(lo)})
                if hi is not None:
                    ET.SubElement(r, q("maxInclusive"), {"value": str(hi)})
            for v in how.get("enum", ()):
                ET.SubElement(r, q("enumeration"), {"value": v})
            if "pattern" in how:
                ET.SubElement(r, q("pattern"), {"value": how["pattern"]})
        self.simple_types[name] = st
        return name

    # --- elements -----------------------------------------------------------------------

    def complex_type(self, tag: str, parent: str | None) -> str:
        spec = self.elements[tag]
        variant = spec.get("by_parent", {}).get(parent) if parent else None
        name = f"{tag}_in_{parent}" if variant else tag
        name = "T_" + name.replace("-", "_")
        if name in self.complex_types:
            return name
        s = variant or spec
        ct = ET.Element(q("complexType"), {"name": name})
        self.complex_types[name] = ct  # before children: recursion (prosody in prosody)
        attrs = s["attributes"]
        if s["children"]:
            if s["text"]:
                ct.set("mixed", "true")
            choice = ET.SubElement(ct, q("choice"), {"minOccurs": "0", "maxOccurs": "unbounded"})
            for child in s["children"]:
                if self.elements[child].get("unsupported"):
                    continue  # a dialect's table keeps what its provider lacks, flagged (twimlc: TWL107)
                ET.SubElement(choice, q("element"), {"name": child, "type": self.complex_type(child, tag)})
            holder = ct
        elif s["text"]:
            sc = ET.SubElement(ct, q("simpleContent"))
            base = (
                self._declare("NonEmptyString", {"pattern": r"(.|\s)*\S(.|\s)*"}) if s["text_required"] else "xs:string"
            )
            holder = ET.SubElement(sc, q("extension"), {"base": base})
        else:
            holder = ct
        for attr, t in attrs.items():
            if t.get("unsupported"):
                continue  # twimlc: TWL108
            if attr.startswith("xml:"):
                ET.SubElement(holder, q("attribute"), {"ref": attr})
            else:
                ET.SubElement(holder, q("attribute"), {"name": attr, "type": self.simple_type(t)})
        return name

    def build(self) -> ET.Element:
        ET.SubElement(self.root, q("annotation")).append(self._doc())
        if any(a.startswith("xml:") for e in self.elements.values() for a in e["attributes"]):
            self.root.set("xmlns:xml", XML_NS)
            ET.SubElement(self.root, q("import"), {"namespace": XML_NS, "schemaLocation": "xml.xsd"})
        ET.SubElement(self.root, q("element"), {"name": "Response", "type": self.complex_type("Response", None)})
        for name in sorted(self.simple_types):
            self.root.append(self.simple_types[name])
        for name in sorted(self.complex_types):
            self.root.append(self.complex_types[name])
        return self.root

    def _doc(self) -> ET.Element:
        d = ET.Element(q("documentation"))
        d.text = (
            f"TwiML ({self.kind}) schema, generated by twimlc's tools/gen_xsd.py from its vocabulary table "
            f"({self.sources}). Tag and attribute names "
            "are case-sensitive. Do not edit by hand."
        )
        return d


def xml_xsd(elements: dict[str, Any]) -> ET.Element:
    """A local schema for the xml namespace: only what TwiML uses (xml:lang on <lang>)."""
    schema = ET.Element(q("schema"), {"targetNamespace": XML_NS})
    ET.SubElement(schema, q("annotation")).append(ET.Element(q("documentation")))
    schema[0][0].text = "xml:lang as used by TwiML's <lang>; local so that no schema is fetched over the network."
    values = elements["lang"]["attributes"]["xml:lang"]["values"]
    attr = ET.SubElement(schema, q("attribute"), {"name": "lang"})
    st = ET.SubElement(attr, q("simpleType"))
    r = ET.SubElement(st, q("restriction"), {"base": "xs:string"})
    for v in values:
        ET.SubElement(r, q("enumeration"), {"value": v})
    return schema


def render(el: ET.Element) -> str:
    ET.indent(el, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(el, encoding="unicode") + "\n"


def sources(table: dict[str, Any]) -> str:
    """Where the table comes from, for the schemas' documentation."""
    versions = table.get("_sources", {})
    if "overlay" in versions:  # a dialect's table
        return f"{versions['title']}: Twilio's table with the differences in {versions['overlay']}"
    py, node = versions.get("twilio-python", "?"), versions.get("twilio-node", "?")
    return f"twilio-python {py} builders, twilio-node {node} value types, curated overlay"


def generate(table: dict[str, Any] | None = None, prefix: str = "twiml") -> dict[str, str]:
    """The schema files for ``table`` (by default the committed ``twimlc/vocabulary.json``);
    a dialect's table (``tools/gen_dialects.py``) gives its own ``prefix``."""
    if table is None:
        table = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    kinds = table["kinds"]
    about = sources(table)
    out = {f"{prefix}-{kind}.xsd": render(Builder(kind, elements, about).build()) for kind, elements in kinds.items()}
    out["xml.xsd"] = render(xml_xsd(kinds["voice"]))
    return out


def main() -> int:
    for name, text in generate().items():
        (SCHEMAS / name).write_text(text, encoding="utf-8")
        print(f"wrote schemas/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
