"""Dialects are data: the Twilio dialect bundles the vocabulary, limits, schemas and
Twilio's error codes; a second provider is a new Dialect value, not edits across modules."""

from __future__ import annotations

import os

from twimlc.dialect import DIALECTS, TWILIO, Limits


def test_twilio_is_the_default_and_its_vocabulary_is_the_table() -> None:
    assert DIALECTS["twilio"] is TWILIO
    assert TWILIO.vocabulary("voice").elements.keys() == TWILIO.vocabulary("voice").elements.keys()
    assert TWILIO.vocabulary("voice") is TWILIO.vocabulary("voice")  # loaded once


def test_codes_are_data() -> None:
    assert TWILIO.code("TWL502") == "13521"
    assert TWILIO.code("TWL301") == "12200"
    assert TWILIO.code("TWL301", "Gather") == "13320"
    assert TWILIO.code("TWL301", "Dial") == "12200"
    assert TWILIO.code("TWL999") is None


def test_kind_inference_lives_in_one_place() -> None:
    assert TWILIO.infer_kind(["Redirect", "Message"]) == ("messaging", 1)
    assert TWILIO.infer_kind(["Say"]) == ("voice", 0)
    assert TWILIO.infer_kind(["Receive"]) == ("fax", 0)
    assert TWILIO.infer_kind(["Redirect"]) == ("voice", None)
    assert TWILIO.infer_kind([]) == ("voice", None)


def test_schemas_ship_in_the_package() -> None:
    for kind in ("voice", "messaging", "fax"):
        assert os.path.isfile(TWILIO.schema_path(kind))


def test_a_provider_is_a_value() -> None:
    strict = TWILIO.replace(name="strict", title="Strict", limits=Limits(say_chars=100), codes={"TWL502": "1"})
    assert strict.limits.say_chars == 100 and TWILIO.limits.say_chars == 4096
    assert strict.code("TWL502") == "1"
    assert strict.vocabulary("messaging").elements.keys() == TWILIO.vocabulary("messaging").elements.keys()
