"""The vocabulary table as twimlc reads it. How it is built: tests/test_update_vocabulary.py."""

from __future__ import annotations

from twimlc.dialect import TWILIO
from twimlc.vocabulary import KINDS, suggest


def test_keywords_are_unique_per_kind_and_children_exist() -> None:
    for kind in KINDS:
        v = TWILIO.vocabulary(kind)
        keywords = [e.keyword for e in v.elements.values()]
        assert len(keywords) == len(set(keywords))
        for e in v.elements.values():
            for child in e.children:
                assert child in v.elements, f"{kind}:{e.tag} lists unknown child {child}"


def test_vocabulary_size() -> None:
    # twilio-python 9.13: 58 voice tags (Response included), 5 messaging, 2 fax.
    assert (
        len(TWILIO.vocabulary("voice").elements),
        len(TWILIO.vocabulary("messaging").elements),
        len(TWILIO.vocabulary("fax").elements),
    ) == (58, 5, 2)


def test_suggest() -> None:
    names = ["statusCallback", "statusCallbackEvent", "numDigits"]
    assert suggest("statusCallBack", names) == "statusCallback"
    assert suggest("status_callback", names) == "statusCallback"
    assert suggest("status-callback-event", names) == "statusCallbackEvent"
    assert suggest("numDigit", names) == "numDigits"
    assert suggest("zzz", names) is None


def _all_specs():  # type: ignore[no-untyped-def]
    for kind in KINDS:
        for e in TWILIO.vocabulary(kind).elements.values():
            yield e
            yield from e.by_parent.values()


def test_every_url_has_a_role() -> None:
    """Each URL-valued attribute says what Twilio does with it (flow, callback, media,
    stream): call-flow graphs, simulation and serve read these roles."""
    from twimlc.vocabulary import URL_ROLES

    for e in _all_specs():
        for name, t in e.attributes.items():
            if t.type == "url" or name in ("url", "statusCallbackUrl", "amdStatusCallback"):
                assert t.role in URL_ROLES, f"{e.kind} <{e.tag}> {name} has no URL role"
            if t.role is not None:
                assert t.role in URL_ROLES
    voice, messaging = TWILIO.vocabulary("voice").elements, TWILIO.vocabulary("messaging").elements
    assert voice["Gather"].attributes["action"].role == "flow"
    assert voice["Redirect"].text_role == "flow"
    assert voice["Play"].text_role == "media"
    assert messaging["Media"].text_role == "media"
    assert voice["Stream"].attributes["url"].role == "stream"
    assert voice["Dial"].attributes["recordingStatusCallback"].role == "callback"
    assert messaging["Message"].attributes["action"].role == "callback"  # status of the sent message


def test_every_element_is_described_with_its_docs_page() -> None:
    for e in _all_specs():
        assert e.description and e.description[0].isupper(), f"{e.kind} <{e.tag}>"
        assert e.docs.startswith("https://www.twilio.com/docs/"), f"{e.kind} <{e.tag}>"
    gather = TWILIO.vocabulary("voice").elements["Gather"]
    assert gather.attributes["numDigits"].description == "Number of digits to collect"
