"""tools/update_vocabulary.py: the committed table is what the tool builds from the committed
raw data (offline, byte for byte); the extraction agrees with the shared reference; the
changelog and the stale-overlay report are exact; and the whole update runs against loopback
fakes of PyPI and the npm registry."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, shared_or_skip

TOOL = ROOT / "tools" / "update_vocabulary.py"
FIXTURES = ROOT / "tests" / "vocabulary"
NOWHERE = ["--pypi", "http://127.0.0.1:9", "--npm-registry", "http://127.0.0.1:9"]  # nothing listens


@cache
def tool() -> Any:
    spec = importlib.util.spec_from_file_location("update_vocabulary", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_vocabulary"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pinned_raw() -> tuple[dict[str, Any], dict[str, Any]]:
    uv = tool()
    pins = uv.pinned()
    return uv.load_raw("twilio-python", pins["twilio-python"]), uv.load_raw("twilio-node", pins["twilio-node"])


def overlay() -> dict[str, Any]:
    return json.loads(tool().OVERLAY.read_text(encoding="utf-8"))


# --- the committed files -------------------------------------------------------------------


def test_committed_files_are_built_from_the_committed_raw_data() -> None:
    uv = tool()
    py_raw, node_raw = pinned_raw()
    table, findings, files = uv.regenerate(py_raw, node_raw)
    assert findings.stale == []
    assert {p.relative_to(ROOT).as_posix() for p in files} == {
        "twimlc/vocabulary.json",
        "twimlc/vocabulary_table.py",
        "docs/vocabulary.md",
        "schemas/twiml-voice.xsd",
        "schemas/twiml-messaging.xsd",
        "schemas/twiml-fax.xsd",
        "schemas/xml.xsd",
    }
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, f"stale {path}: run python tools/update_vocabulary.py"
    assert table["_sources"] == uv.pinned()


def test_check_is_offline_and_passes() -> None:
    """The README's offline check, as written there."""
    assert "python tools/update_vocabulary.py --check " in (ROOT / "README.md").read_text(encoding="utf-8")
    r = subprocess.run(
        [sys.executable, str(TOOL), "--check", *NOWHERE], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "would regenerate" not in r.stdout


def test_pinned_node_release_is_the_closest_in_date() -> None:
    """twilio-node 6.2.0 (2026-10-12) is the release nearest twilio-python 9.13.0 (2026-11-06)."""
    py_raw, node_raw = pinned_raw()
    assert (py_raw["version"], node_raw["version"]) == ("9.13.0", "6.2.0")
    assert py_raw["released"].startswith("2026-11-06") and node_raw["released"].startswith("2026-10-12")


def test_raw_python_data_is_what_the_installed_twilio_holds() -> None:
    """The test dependency twilio-python is the same release: extracting its files again (read
    as text, never imported) gives exactly the committed raw data."""
    uv = tool()
    py_raw, _ = pinned_raw()
    if importlib.metadata.version("twilio") != py_raw["version"]:
        pytest.skip(f"installed twilio is not {py_raw['version']}")
    spec = importlib.util.find_spec("twilio")
    assert spec and spec.origin
    site = Path(spec.origin).parent.parent
    files = {p: (site / p).read_text(encoding="utf-8") for p in [*uv.PYTHON_MODULES.values(), uv.PYTHON_BASE]}
    extracted = uv.extract_python(files)
    assert extracted == {k: py_raw[k] for k in ("name_map", "kinds")}


@pytest.mark.parametrize("kind", ["messaging", "fax"])
def test_node_declarations_are_read_as_published(kind: str) -> None:
    """tests/vocabulary/*.d.ts are twilio-node 6.2.0's files, unchanged (MIT licence)."""
    _, node_raw = pinned_raw()
    text = (FIXTURES / f"{kind.capitalize()}Response.d.ts").read_text(encoding="utf-8")
    assert tool().extract_node_declarations(text) == node_raw["kinds"][kind]


def test_node_voice_declarations_read_every_attribute() -> None:
    _, node_raw = pinned_raw()
    voice = node_raw["kinds"]["voice"]
    gather = voice["classes"]["Gather"]["attributes"]
    assert gather["input"] == {"type": "GatherInput", "list": True, "doc": "Input type Twilio should accept"}
    assert gather["numDigits"]["type"] == "number" and gather["bargeIn"]["type"] == "boolean"
    assert voice["classes"]["SsmlLang"]["attributes"]["xml:lang"]["type"] == "SsmlLangXmlLang"
    assert voice["enums"]["RejectReason"] == ["rejected", "busy"]
    assert voice["classes"]["Echo"] == {"attributes": {}}
    assert sum(len(c["attributes"]) for c in voice["classes"].values()) == 283


# --- cross-check with ../shared/reference/twiml-elements.json ------------------------------

# What our extraction says differently from the reference, and why.
KNOWN_DIFFERENCES = {
    ("voice", "lang", "xml:lang", "doc"): (
        "twilio-python documents xml_lang as ':param xml:lang: Specify the language'; the "
        "reference's extractor looked the docstring up by the Python name only and found nothing"
    ),
}


def _reference_type(rt: dict[str, Any] | None) -> dict[str, Any]:
    """The reference's twilio-csharp type in the table's terms (python-only attributes: string)."""
    if rt is None:
        return {"type": "string"}
    kind = rt["type"]
    t: dict[str, Any]
    if kind == "http_method":
        t = {"type": "enum", "values": ["GET", "POST"]}
    elif kind == "enum":
        t = {"type": "enum", "values": rt["enum"]}
    elif kind == "phone_number":
        t = {"type": "phone"}
    else:
        t = {"type": kind}
    if rt.get("list"):
        t["separator"] = " "
    return t


def _specs(elements: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    for tag, e in elements.items():
        yield tag, e, None
        for parent, v in e.get("by_parent", {}).items():
            yield f"{tag} in {parent}", v, e


def test_extraction_agrees_with_the_shared_reference() -> None:
    reference = json.loads(shared_or_skip("reference", "twiml-elements.json").read_text(encoding="utf-8"))
    uv = tool()
    py_raw, node_raw = pinned_raw()
    # types before the curated ranges and extra values: only the libraries' facts and the URL,
    # method and phone types twilio-node spells as strings
    ov = overlay()
    ov["attributes"], ov["extra_values"] = {}, {}
    table, _ = uv.build(py_raw, node_raw, ov)
    differences = set()
    for kind in uv.KINDS:
        ours = uv.python_elements(py_raw["kinds"][kind])
        ref = reference[kind]
        assert sorted(ours) == sorted(ref), kind
        for where, e, _ in _specs(ours):
            tag = where.split()[0]
            r = ref[tag] if " in " not in where else ref[tag]["by_parent"][where.split()[-1]]
            for key in ("python_class", "children", "text", "text_required"):
                assert e[key] == r[key], (kind, where, key)
            assert list(e["attributes"]) == r["attributes"], (kind, where)
            assert {a: s["python"] for a, s in e["attributes"].items()} == r["python_kwargs"], (kind, where)
            if " in " not in where:
                assert e["parents"] == r["parents"], (kind, where)
            for a, s in e["attributes"].items():
                if s["doc"] != r["attribute_docs"][a]:
                    differences.add((kind, tag, a, "doc"))
        for where, e, _ in _specs(table["kinds"][kind]):
            tag = where.split()[0]
            r = ref[tag] if " in " not in where else ref[tag]["by_parent"][where.split()[-1]]
            for a, t in e["attributes"].items():
                ours_t = {k: v for k, v in t.items() if k in ("type", "values", "separator")}
                assert ours_t == _reference_type(r["attribute_types"].get(a)), (kind, where, a)
    assert differences == set(KNOWN_DIFFERENCES)


# --- a synthetic next version: the changelog --------------------------------------------------


def next_version() -> tuple[dict[str, Any], dict[str, Any]]:
    """9.13.0 with <Echo> removed and Gather's speechModelVersion added; 6.2.0 with Reject's
    reason "busy" renamed "user-busy"."""
    py_raw, node_raw = (copy.deepcopy(r) for r in pinned_raw())
    voice = py_raw["kinds"]["voice"]
    del voice["classes"]["Echo"]
    del voice["classes"]["VoiceResponse"]["builders"]["echo"]
    voice["classes"]["VoiceResponse"]["builders"]["gather"]["params"].append(
        {"python": "speech_model_version", "xml": "speechModelVersion", "doc": "Version of the speech model"}
    )
    py_raw["version"] = "9.14.0"
    reasons = node_raw["kinds"]["voice"]["enums"]["RejectReason"]
    reasons[reasons.index("busy")] = "user-busy"
    node_raw["version"] = "6.3.0"
    return py_raw, node_raw


def test_changelog_of_a_synthetic_next_version() -> None:
    uv = tool()
    old = json.loads(uv.OUTPUT.read_text(encoding="utf-8"))
    new, findings = uv.build(*next_version(), overlay())
    lines = uv.changes(old, new)
    assert lines == [
        "voice: removed <Echo> (echo)",
        "voice <Gather>: added attribute speechModelVersion (string)",
        "voice <Reject> reason: renamed value busy → user-busy",
        "voice <Response>: removed child <Echo>",
    ]
    assert findings.stale == ["elements.voice: <Echo> no longer exists"]
    assert uv.changelog_section(old, new, lines, findings) == (
        "## twilio-python 9.13.0, twilio-node 6.2.0 → twilio-python 9.14.0, twilio-node 6.3.0\n"
        "\n"
        "- voice: removed <Echo> (echo)\n"
        "- voice <Gather>: added attribute speechModelVersion (string)\n"
        "- voice <Reject> reason: renamed value busy → user-busy\n"
        "- voice <Response>: removed child <Echo>\n"
        "\n"
        "Overlay entries that no longer apply (tools/vocabulary-overlay.json):\n"
        "\n"
        "- elements.voice: <Echo> no longer exists\n"
    )


def test_changes_name_types_ranges_and_values() -> None:
    uv = tool()
    old = json.loads(uv.OUTPUT.read_text(encoding="utf-8"))
    new = copy.deepcopy(old)
    gather = new["kinds"]["voice"]["Gather"]
    gather["attributes"]["speechModel"] = {"type": "enum", "values": ["default", "numbers_and_commands"]}
    gather["attributes"]["timeout"]["max"] = 120
    gather["attributes"]["input"]["values"] = ["dtmf", "speech-v2", "dtmf-and-speech"]
    new["kinds"]["voice"]["Gather"]["attributes"]["finishOnKeys"] = gather["attributes"].pop("finishOnKey")
    new["kinds"]["messaging"]["Msg"] = new["kinds"]["messaging"].pop("Message")
    assert uv.changes(old, new) == [
        "voice <Gather>: renamed attribute finishOnKey → finishOnKeys",
        "voice <Gather> input: renamed value speech → speech-v2",
        "voice <Gather> input: added value(s) dtmf-and-speech",
        "voice <Gather> speechModel: type string → enum of 2",
        "voice <Gather> speechModel: description 'Specify the model that is best suited for your use case' → None",
        "voice <Gather> timeout: maximum None → 120",
        "messaging: renamed <Message> → <Msg>",
    ]


# --- stale overlay entries ------------------------------------------------------------------


def test_stale_overlay_entries_are_reported_not_dropped() -> None:
    uv = tool()
    py_raw, node_raw = (copy.deepcopy(r) for r in pinned_raw())
    # twilio-node now lists the ACH error types, and types Sms@from itself
    node_raw["kinds"]["voice"]["enums"]["PromptErrorType"].append("invalid-bank-routing-number")
    node_raw["kinds"]["voice"]["classes"]["Sms"]["attributes"]["from"]["type"] = "SmsFrom"
    node_raw["kinds"]["voice"]["enums"]["SmsFrom"] = ["+15005550006"]
    ov = overlay()
    ov["url_roles"]["flow"].append("Gather@actionn")
    ov["attributes"]["Dial@timeoutt"] = {"min": 1}
    ov["attributes"]["Gather@input"] = {"min": 1}
    ov["keywords"]["Assistant"] = "assistant"
    ov["ends"]["voice"]["Assistant"] = "always"
    ov["string_types"]["url"]["slots"].append("*@assistantUrl")
    table, findings = uv.build(py_raw, node_raw, ov)
    assert findings.stale == [
        "attributes: Dial@timeoutt matches no attribute",
        "attributes: Gather@input: a range, but the attribute is now enum",
        "ends.voice: <Assistant> no longer exists",
        "extra_values: Prompt@errorType: the libraries now list invalid-bank-routing-number",
        "keywords: <Assistant> no longer exists",
        "string_types.phone: Sms@from: twilio-node now types it (SmsFrom)",
        "string_types.url: *@assistantUrl matches no attribute",
        "url_roles: Gather@actionn matches no attribute",
    ]
    # the table is still built: with the libraries' facts where the overlay no longer fits
    assert table["kinds"]["voice"]["Sms"]["attributes"]["from"]["values"] == ["+15005550006"]


def test_a_class_no_builder_creates_is_no_element() -> None:
    """A release that drops the builder method but leaves the class drops the element."""
    uv = tool()
    py_raw, _ = (copy.deepcopy(r) for r in pinned_raw())
    voice = py_raw["kinds"]["voice"]
    del voice["classes"]["VoiceResponse"]["builders"]["echo"]
    voice["classes"]["Echo"]["builders"]["parameter"] = {"class": "Parameter", "params": []}
    elements = uv.python_elements(voice)
    assert "Echo" not in elements
    assert "Echo" not in elements["Parameter"]["parents"]


def test_a_new_element_without_a_description_is_noted() -> None:
    uv = tool()
    py_raw, node_raw = (copy.deepcopy(r) for r in pinned_raw())
    voice = py_raw["kinds"]["voice"]
    voice["classes"]["Denoise"] = {"tag": "Denoise", "doc": "<Denoise> TwiML Verb", "body": None, "builders": {}}
    voice["classes"]["VoiceResponse"]["builders"]["denoise"] = {"class": "Denoise", "params": []}
    table, findings = uv.build(py_raw, node_raw, overlay())
    assert findings.stale == []
    assert "elements.voice: <Denoise> has no curated description yet" in findings.notes
    denoise = table["kinds"]["voice"]["Denoise"]
    assert (denoise["keyword"], denoise["description"]) == ("denoise", "<Denoise> TwiML Verb")
    assert denoise["docs"] == "https://www.twilio.com/docs/voice/twiml"


def test_an_sdist_is_read_like_a_wheel() -> None:
    uv = tool()
    with zipfile.ZipFile(io.BytesIO(python_wheel("9.14.0"))) as z:
        members = {name: z.read(name) for name in z.namelist()}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(f"twilio-9.14.0/{name}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    from_sdist = uv.python_files(buf.getvalue(), "twilio-9.14.0.tar.gz")
    from_wheel = uv.python_files(python_wheel("9.14.0"), "twilio-9.14.0-py3-none-any.whl")
    assert from_sdist == from_wheel and len(from_wheel) == 4


def test_an_archive_without_the_twiml_modules_is_refused() -> None:
    uv = tool()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("twilio/__init__.py", "")
    with pytest.raises(uv.UpdateError, match=r"twilio-0\.whl: no twilio/twiml/__init__\.py, "):
        uv.python_files(buf.getvalue(), "twilio-0.whl")
    with pytest.raises(uv.UpdateError, match=r"twilio-0\.tgz: cannot read"):
        uv.node_files(b"not a tarball", "twilio-0.tgz")


# --- end to end, against loopback fakes of PyPI and npm ---------------------------------------


def render_dts(namespace: str, kind: dict[str, Any]) -> str:
    """TypeScript declarations shaped as twilio-node writes them, for the raw data ``kind``."""
    out = [f"declare class {namespace} extends TwiML {{", "    constructor();"]
    for cls, c in kind["classes"].items():
        if c["attributes"]:
            out.append(f"    m{cls}(attributes?: {namespace}.{cls}Attributes): {namespace}.{cls};")
    out += ["}", f"declare namespace {namespace} {{"]
    for name, values in kind["enums"].items():
        out.append(f"    type {name} = " + " | ".join(f'"{v}"' for v in values) + ";")
    for cls, c in kind["classes"].items():
        if c["attributes"]:
            out.append(f"    export interface {cls}Attributes {{")
            for name, a in c["attributes"].items():
                key = name if re.fullmatch(r"\w+", name) else f'"{name}"'
                out += [
                    f"        /** {name} - {a['doc']} */",
                    f"        {key}?: {a['type']}{'[]' if a['list'] else ''};",
                ]
            out.append("    }")
    for cls in kind["classes"]:
        if cls != namespace:
            out += [
                f"    export class {cls} extends TwiML {{",
                f"        constructor({cls.lower()}: XMLElement);",
                "    }",
            ]
    return "\n".join([*out, "}", f"export = {namespace};", ""])


def node_tarball(node_raw: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for kind, path in tool().NODE_FILES.items():
            data = render_dts(f"{kind.capitalize()}Response", node_raw["kinds"][kind]).encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def python_wheel(version: str) -> bytes:
    """The installed twilio's TwiML modules, with <Echo> taken out (class and builder)."""
    spec = importlib.util.find_spec("twilio")
    assert spec and spec.origin
    site = Path(spec.origin).parent.parent
    uv = tool()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in [*uv.PYTHON_MODULES.values(), uv.PYTHON_BASE]:
            text = (site / path).read_text(encoding="utf-8")
            if path.endswith("voice_response.py"):
                text, n1 = re.subn(r"\n    def echo\(self.*?(?=\n    def )", "\n", text, flags=re.S)
                text, n2 = re.subn(r"\nclass Echo\(TwiML\):.*?(?=\nclass )", "\n", text, flags=re.S)
                assert n1 == n2 == 1
            z.writestr(path, text)
        z.writestr(f"twilio-{version}.dist-info/METADATA", f"Name: twilio\nVersion: {version}\n")
    return buf.getvalue()


class FakeRegistries:
    """PyPI's JSON API and the npm registry, as far as the tool uses them, on 127.0.0.1."""

    def __init__(self, files: dict[str, bytes], documents: dict[str, Any]) -> None:
        self.files, self.documents, self.requests = files, documents, []  # type: ignore[var-annotated]
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path in owner.documents:
                    body, ctype = json.dumps(owner.documents[self.path]).encode(), "application/json"
                elif self.path in owner.files:
                    body, ctype = owner.files[self.path], "application/octet-stream"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pypi_file(name: str, data: bytes, when: str) -> dict[str, Any]:
    return {
        "filename": name,
        "packagetype": "bdist_wheel",
        "url": f"../../packages/{name}",  # relative, as some indexes serve it
        "digests": {"sha256": hashlib.sha256(data).hexdigest()},
        "upload_time": when[:19],
        "upload_time_iso_8601": when,
        "yanked": False,
    }


def _npm_version(name: str, data: bytes) -> dict[str, Any]:
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    return {"dist": {"tarball": f"/twilio/-/{name}", "integrity": integrity, "shasum": hashlib.sha1(data).hexdigest()}}


@pytest.fixture
def registries() -> Iterator[FakeRegistries]:
    py_raw, node_raw = pinned_raw()
    if importlib.metadata.version("twilio") != py_raw["version"]:
        pytest.skip(f"the fake next release is made from the installed twilio, which is not {py_raw['version']}")
    wheel = python_wheel("9.14.0")
    _, next_node = next_version()
    tgz = node_tarball(next_node)
    old_tgz = b"not used"
    files = {"/packages/twilio-9.14.0-py3-none-any.whl": wheel, "/twilio/-/twilio-6.3.0.tgz": tgz}
    documents = {
        "/pypi/twilio/json": {
            "info": {"version": "9.14.0"},
            "releases": {
                "9.13.0": [_pypi_file("twilio-9.13.0-py3-none-any.whl", b"", "2026-11-06T09:35:57Z")],
                "9.14.0": [_pypi_file("twilio-9.14.0-py3-none-any.whl", wheel, "2026-12-01T10:00:00Z")],
                "9.15.0rc1": [],
            },
        },
        "/twilio": {
            "dist-tags": {"latest": "6.3.0"},
            "versions": {
                "6.2.0": _npm_version("twilio-6.2.0.tgz", old_tgz),
                "6.3.0": _npm_version("twilio-6.3.0.tgz", tgz),
                "7.0.0-rc.1": _npm_version("twilio-7.0.0-rc.1.tgz", old_tgz),
            },
            "time": {
                "created": "2012-01-01T00:00:00.000Z",
                "6.2.0": node_raw["released"],
                "6.3.0": "2026-11-28T10:00:00.000Z",
                "7.0.0-rc.1": "2026-12-01T10:00:00.000Z",
            },
        },
    }
    fake = FakeRegistries(files, documents)
    yield fake
    fake.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what the tool reads and writes."""
    for folder in ("tools", "schemas", "docs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "twimlc").mkdir()
    shutil.copy(ROOT / "twimlc" / "vocabulary.json", tmp_path / "twimlc")
    shutil.copy(ROOT / "twimlc" / "vocabulary_table.py", tmp_path / "twimlc")
    return tmp_path


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "tools" / "update_vocabulary.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
        timeout=120,
    )


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()}


def test_check_latest_reports_and_writes_nothing(registries: FakeRegistries, repo: Path) -> None:
    before = snapshot(repo)
    r = run(repo, "--check-latest", "--pypi", registries.url, "--npm-registry", registries.url)
    assert r.returncode == 0, r.stderr
    assert "twilio-python: pinned 9.13.0, newest on PyPI 9.14.0" in r.stdout
    assert "twilio-node: pinned 6.2.0, newest on npm 6.3.0" in r.stdout
    assert "  voice: removed <Echo> (echo)\n" in r.stdout
    assert "  voice <Reject> reason: renamed value busy → user-busy\n" in r.stdout
    assert "overlay entry no longer applies: elements.voice: <Echo> no longer exists" in r.stdout
    assert "to update: python tools/update_vocabulary.py --twilio-python 9.14.0 --twilio-node 6.3.0" in r.stdout
    assert snapshot(repo) == before


def test_check_latest_never_fails(repo: Path) -> None:
    r = run(repo, "--check-latest", *NOWHERE)
    assert r.returncode == 0
    assert r.stdout.startswith("could not check for a newer release:")
    assert "Traceback" not in r.stderr


def test_update_fetches_extracts_and_regenerates(registries: FakeRegistries, repo: Path) -> None:
    r = run(repo, "--twilio-python", "9.14.0", "--pypi", registries.url, "--npm-registry", registries.url)
    # the stale <Echo> description makes the run fail, after writing everything
    assert r.returncode == 1, r.stderr
    assert "twilio-node 6.3.0: the release closest in date to twilio-python 9.14.0" in r.stderr
    sources = repo / "tools" / "vocabulary-sources"
    assert sorted(p.name for p in sources.iterdir()) == [
        "pinned.json",
        "twilio-node-6.3.0.json",
        "twilio-python-9.14.0.json",
    ]
    assert json.loads((sources / "pinned.json").read_text()) == {"twilio-python": "9.14.0", "twilio-node": "6.3.0"}
    # what was downloaded is the synthetic next version exactly
    py_next, node_next = next_version()
    written_py = json.loads((sources / "twilio-python-9.14.0.json").read_text())
    assert written_py["kinds"]["voice"]["classes"].keys() == py_next["kinds"]["voice"]["classes"].keys()
    written_node = json.loads((sources / "twilio-node-6.3.0.json").read_text())
    assert written_node["kinds"] == node_next["kinds"]
    assert written_node["released"] == "2026-11-28T10:00:00.000Z"
    table = json.loads((repo / "twimlc" / "vocabulary.json").read_text())
    assert "Echo" not in table["kinds"]["voice"]
    assert table["_sources"] == {"twilio-python": "9.14.0", "twilio-node": "6.3.0"}
    for path, mark in (("schemas/twiml-voice.xsd", 'name="Echo"'), ("docs/vocabulary.md", "`<Echo>`")):
        assert mark in (ROOT / path).read_text(encoding="utf-8")
        assert mark not in (repo / path).read_text(encoding="utf-8"), path
    changelog = (repo / "docs" / "vocabulary-changelog.md").read_text()
    assert changelog.startswith(tool().CHANGELOG_HEAD + "\n## twilio-python 9.13.0, twilio-node 6.2.0 → ")
    assert "- voice: removed <Echo> (echo)\n" in changelog
    assert "- elements.voice: <Echo> no longer exists\n" in changelog
    earlier = (ROOT / "docs" / "vocabulary-changelog.md").read_text(encoding="utf-8").count("\n## ")
    assert changelog.count("\n## ") == earlier + 1  # the new section above the earlier ones
    # after dropping the stale entry, the new state is consistent and offline
    ov = json.loads((repo / "tools" / "vocabulary-overlay.json").read_text())
    del ov["elements"]["voice"]["Echo"]
    (repo / "tools" / "vocabulary-overlay.json").write_text(json.dumps(ov), encoding="utf-8")
    assert run(repo, "--check", *NOWHERE).returncode == 0
    r = run(repo, *NOWHERE)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the vocabulary is up to date" in r.stdout


def test_a_digest_mismatch_writes_nothing(registries: FakeRegistries, repo: Path) -> None:
    registries.files["/twilio/-/twilio-6.3.0.tgz"] += b"tampered"
    before = snapshot(repo)
    r = run(repo, "--twilio-python", "9.14.0", "--pypi", registries.url, "--npm-registry", registries.url)
    assert r.returncode == 1
    assert "update_vocabulary: error: twilio-6.3.0.tgz: sha512 is " in r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(repo) == before


def test_unknown_version_is_a_clear_error(registries: FakeRegistries, repo: Path) -> None:
    r = run(repo, "--twilio-node", "6.30.0", "--pypi", registries.url, "--npm-registry", registries.url)
    assert r.returncode == 1
    assert "twilio on npm has no version 6.30.0 (did you mean 6.3.0" in r.stderr
