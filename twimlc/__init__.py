"""twimlc: a compact language for Twilio TwiML, a validator, and a dialer.

>>> import twimlc
>>> print(twimlc.compile('say "Hello"'))  # doctest: +NORMALIZE_WHITESPACE
<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Hello</Say>
</Response>
"""

from __future__ import annotations

from .ast import Attribute, Comment, Document, Element, Span, Text
from .compiler import analyze, compile, parse
from .diagnostics import Diagnostic, TwimlcError
from .generate import generate

__all__ = [
    "Attribute",
    "Comment",
    "Diagnostic",
    "Document",
    "Element",
    "Span",
    "Text",
    "TwimlcError",
    "analyze",
    "compile",
    "generate",
    "parse",
]
__version__ = "0.1.0"
