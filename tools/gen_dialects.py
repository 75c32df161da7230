"""Generate each provider's dialect table and schemas from Twilio's table and an overlay.

A dialect (SignalWire cXML, Telnyx TeXML) is Twilio's table (``twimlc/vocabulary.json``)
with the differences in ``tools/dialects/<name>.json``: elements and attributes the
provider lacks (kept in the table, flagged ``unsupported`` with the source, so that twimlc
names the provider instead of calling them unknown: TWL107, TWL108), extra elements,
changed attributes (ranges), children and per-parent variants. Every change names its
source; what could not be verified is listed in the overlay's ``unverified``. Writes
``twimlc/vocabulary-<name>.json`` and ``schemas/<prefix>-<kind>.xsd``;
``tests/test_dialects.py`` fails when the committed files differ from a fresh run::

    python tools/gen_dialects.py
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OVERLAYS = ROOT / "tools" / "dialects"
TWILIO_TABLE = ROOT / "twimlc" / "vocabulary.json"


class OverlayError(ValueError):
    pass


def _tool(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gen_xsd() -> Any:
    return _tool("gen_xsd")


def _source(overlay: dict[str, Any], entry: dict[str, Any], where: str) -> str:
    key = entry.get("source")
    if key not in overlay["sources"]:
        raise OverlayError(f"{overlay['name']}: {where}: every fact needs a source from 'sources' (got {key!r})")
    text: str = overlay["sources"][key]
    return text.split(" ", 1)[0]  # the URL


def apply(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Twilio's table with ``overlay``'s differences: the dialect's table."""
    kinds: dict[str, Any] = copy.deepcopy(base["kinds"])
    title = overlay["title"]
    for kind, changes in overlay["kinds"].items():
        elements = kinds[kind]
        # additions first, so that changes can refer to added elements
        for tag, entry in changes.items():
            if "add" in entry:
                if tag in elements:
                    raise OverlayError(f"{overlay['name']}: {kind} <{tag}> is already in Twilio's table")
                elements[tag] = dict(entry["add"], source=_source(overlay, entry, tag))
        for key, entry in changes.items():
            if "add" in entry:
                continue
            tag, _, parent = key.partition("/")
            if tag not in elements:
                raise OverlayError(f"{overlay['name']}: {kind} <{tag}> is not in the table")
            spec = elements[tag]
            if entry.keys() - {"attributes", "note", "unverified"}:  # a change of the element itself
                url = _source(overlay, entry, key)
            if entry.get("supported") is False:
                spec["unsupported"] = f"{title} does not support it ({url})"
            if "variant" in entry:
                spec.setdefault("by_parent", {})[parent] = dict(entry["variant"], keyword=spec["keyword"])
            for name, change in entry.get("attributes", {}).items():
                attr_url = _source(overlay, change, f"{key}@{name}")
                if change.get("supported") is False:
                    spec["attributes"][name]["unsupported"] = f"{title} does not support it ({attr_url})"
                elif "set" in change:
                    spec["attributes"][name].update(change["set"])
                elif "add" in change:
                    spec["attributes"][name] = dict(change["add"])
            for field in ("children", "parents"):
                for added in entry.get(field, {}).get("add", []):
                    if added not in spec.get(field, []):
                        spec[field] = [*spec.get(field, []), added]
    return {
        "_generated_by": "tools/gen_dialects.py from twimlc/vocabulary.json and tools/dialects/"
        + overlay["name"]
        + ".json",
        "_sources": {**base.get("_sources", {}), "title": title, "overlay": f"tools/dialects/{overlay['name']}.json"},
        "kinds": kinds,
    }


def overlays() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(OVERLAYS.glob("*.json"))]


def generate() -> dict[Path, str]:
    """Every file this tool writes, by path, with its content."""
    base = json.loads(TWILIO_TABLE.read_text(encoding="utf-8"))
    gen_xsd = _gen_xsd()
    as_module = _tool("vocabulary_module")
    out: dict[Path, str] = {}
    for overlay in overlays():
        table = apply(base, overlay)
        path = ROOT / "twimlc" / f"vocabulary-{overlay['name']}.json"
        out[path] = json.dumps(table, indent=1, ensure_ascii=False) + "\n"
        out[as_module.module_path(path)] = as_module.module_text(
            table, path.relative_to(ROOT).as_posix(), "tools/gen_dialects.py"
        )
        for name, text in gen_xsd.generate(table, overlay["schema_prefix"]).items():
            if name != "xml.xsd":  # shared by every dialect
                out[ROOT / "schemas" / name] = text
    return out


def main() -> int:
    try:
        files = generate()
    except OverlayError as e:
        sys.stderr.write(f"gen_dialects: error: {e}\n")
        return 1
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
