"""twimlc: a compact language for Twilio TwiML, a validator, and a dialer.

>>> import twimlc
>>> print(twimlc.compile('say "Hello"'))  # doctest: +NORMALIZE_WHITESPACE
<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Hello</Say>
</Response>

The public names are imported on first use, so ``import twimlc`` (and every CLI command)
loads only the modules it needs: start-up time matters for a pre-commit hook.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "Attribute": "ast",
    "Comment": "ast",
    "Document": "ast",
    "Element": "ast",
    "Span": "ast",
    "Text": "ast",
    "Diagnostic": "diagnostics",
    "TwimlcError": "diagnostics",
    "analyze": "api",
    "compile": "api",
    "parse": "api",
    "generate": "generator",
    "check": "api",
    "checks": "api",
    "format": "fmt",
    "decompile": "decompiler",
    "dial": "dialer",
    "load": "api",
    "loads": "api",
    "Template": "template",
}

__all__ = [
    "Attribute",
    "Comment",
    "Diagnostic",
    "Document",
    "Element",
    "Span",
    "Template",
    "Text",
    "TwimlcError",
    "analyze",
    "check",
    "checks",
    "compile",
    "decompile",
    "dial",
    "format",
    "generate",
    "load",
    "loads",
    "parse",
]

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from .api import analyze, check, checks, compile, load, loads, parse
    from .ast import Attribute, Comment, Document, Element, Span, Text
    from .decompiler import decompile
    from .diagnostics import Diagnostic, TwimlcError
    from .dialer import dial
    from .fmt import format
    from .generator import generate
    from .template import Template


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'twimlc' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
