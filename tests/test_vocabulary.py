from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import ROOT, shared_or_skip

from twimlc.vocabulary import KINDS, suggest, vocabulary


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_vocabulary", ROOT / "tools" / "gen_vocabulary.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_vocabulary_is_generated() -> None:
    source = shared_or_skip("reference", "twiml-elements.json")
    committed = (ROOT / "twimlc" / "vocabulary.json").read_text(encoding="utf-8")
    assert _generator().render(Path(source)) == committed, "run: python tools/gen_vocabulary.py"


def test_keywords_are_unique_per_kind_and_children_exist() -> None:
    for kind in KINDS:
        v = vocabulary(kind)
        keywords = [e.keyword for e in v.elements.values()]
        assert len(keywords) == len(set(keywords))
        for e in v.elements.values():
            for child in e.children:
                assert child in v.elements, f"{kind}:{e.tag} lists unknown child {child}"


def test_vocabulary_size() -> None:
    # twilio-python 9.13: 58 voice tags (Response included), 5 messaging, 2 fax.
    assert (
        len(vocabulary("voice").elements),
        len(vocabulary("messaging").elements),
        len(vocabulary("fax").elements),
    ) == (58, 5, 2)


def test_suggest() -> None:
    names = ["statusCallback", "statusCallbackEvent", "numDigits"]
    assert suggest("statusCallBack", names) == "statusCallback"
    assert suggest("status_callback", names) == "statusCallback"
    assert suggest("status-callback-event", names) == "statusCallbackEvent"
    assert suggest("numDigit", names) == "numDigits"
    assert suggest("zzz", names) is None
