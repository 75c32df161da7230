"""A wrong type passed to the public API is a TypeError that names the function, the
parameter and the types it takes, never an internal error from deep inside."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import twimlc


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: twimlc.compile(5), "twimlc.compile(source=…) takes .twl source text (str), not int"),
        (lambda: twimlc.compile(b'say "x"'), "twimlc.compile(source=…) takes .twl source text (str), not bytes"),
        (lambda: twimlc.compile('say "x"', filename=3), "twimlc.compile(filename=…) takes a name (str), not int"),
        (lambda: twimlc.parse(None), "twimlc.parse(source=…) takes .twl source text (str), not NoneType"),
        (lambda: twimlc.analyze(5), "twimlc.analyze(source=…) takes .twl source text (str), not int"),
        (lambda: twimlc.checks(b'say "x"'), "twimlc.checks(source=…) takes .twl or TwiML XML source text (str)"),
        (lambda: twimlc.check(b"x.twl"), "twimlc.check(path=…) takes a path (str or os.PathLike), not bytes"),
        (lambda: twimlc.check(5), "twimlc.check(path=…) takes a path (str or os.PathLike), not int"),
        (lambda: twimlc.load(b"x.twl"), "twimlc.load(path=…) takes a path (str or os.PathLike), not bytes"),
        (lambda: twimlc.loads(5), "twimlc.loads(source=…) takes .twl source text (str), not int"),
        (lambda: twimlc.format(b'say "x"'), "twimlc.format(source=…) takes .twl source text (str), not bytes"),
        (lambda: twimlc.decompile(5), "twimlc.decompile(xml=…) takes TwiML XML (str or bytes), not int"),
        (
            lambda: twimlc.dial(5, to="+15558675310", from_="+15558675311"),
            "twimlc.dial(source_or_document=…) takes .twl source or TwiML XML (str) or a Document, not int",
        ),
        (
            lambda: twimlc.dial('say "x"', to=15558675310, from_="+15558675311"),
            "twimlc.dial(to=…) takes a number or address (str), not int",
        ),
    ],
)
def test_wrong_type_is_a_clear_type_error(call: Callable[[], Any], expected: str) -> None:
    with pytest.raises(TypeError, match=re.escape(expected)):
        call()


def test_checks_of_bytes_says_to_decode() -> None:
    with pytest.raises(TypeError, match=r"not bytes; decode it first"):
        twimlc.checks(b'say "x"')


def test_right_types_still_work(tmp_path: Path) -> None:
    f = tmp_path / "x.twl"
    f.write_text('say "x"\n', encoding="utf-8")
    assert twimlc.check(f) == [] and twimlc.check(str(f)) == []
    assert twimlc.decompile(b"<Response><Hangup/></Response>") == "hangup\n"
    assert twimlc.decompile(bytearray(b"<Response><Hangup/></Response>")) == "hangup\n"
    assert twimlc.format('say  "x"') == 'say "x"\n'
