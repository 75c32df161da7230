"""TwiML XML → idiomatic ``.twl``, with black's safety check.

The XML is read with the hardened parser into syntax nodes exactly as written (comments,
white space in speech, TwiML Bin variables: :func:`twimlc.xmlread.to_syntax` with
``exact``), then resolved as ``check`` resolves it, in keep mode: everything the resolver
accepts becomes ordinary ``.twl``; anything it would reject (an element outside the
vocabulary, in the wrong place or empty where Twilio needs something, an unknown
attribute, a value of the wrong type) comes through the escape hatch (``!Tag``,
``!name=value``) with a warning saying why, so that documents which break the rules still
decompile and can be fixed in ``.twl``. Before returning, the result is compiled again and
compared with the input as canonical XML; if they differ, decompile refuses (``TWL903``).
"""

from __future__ import annotations

from .ast import Document, Span
from .diagnostics import Diagnostic, TwimlcError, diag, stamped
from .dialect import TWILIO
from .resolve import resolve
from .xmlread import namespaced, parse_xml, to_syntax

# what decompile reports of the resolver's findings: what came through the escape hatch
# (the resolver's other warnings are check's business)
_KEPT = ("TWL901", "TWL902")


def read_document(
    data: bytes, path: str = "<string>", twiml: bool = False, bin_variables: bool = True
) -> tuple[Document | None, list[Diagnostic]]:
    """Any well-formed TwiML → a typed document that compiles back to it. XML that is not
    TwiML (see :func:`twimlc.api.sniff`; ``twiml``: it is, as a ``.twiml`` file is) is
    refused with TWL312 before the hardened parser sees it. With ``bin_variables``,
    ``{{Name}}`` becomes a template parameter (as in a TwiML Bin); without, it is literal
    text (written ``\\{{Name}}`` in ``.twl``). ``None`` (with the reason) when the XML
    cannot be read or is not TwiML; never raises for bad input."""
    from .sniff import sniff, wrong_root

    start = Span(1, 1, 1, 2)
    verdict, why = (True, "") if twiml else sniff(data)
    if verdict is False:
        return None, [diag("TWL312", f"not TwiML: {why}; nothing to decompile", start, None, path)]
    root, problems = parse_xml(data, path)
    if root is None:
        return None, problems
    if root.tag != "Response":
        return None, [wrong_root(root, data.decode("utf-8", errors="replace"), path)]
    what = namespaced(root)
    if what is not None:
        return None, [_cannot_write(what, path)]
    nodes, root_attrs = to_syntax(root, data.decode("utf-8", errors="replace"), TWILIO, True, bin_variables)
    doc, diagnostics = resolve(nodes, [], TWILIO, xml=True, keep=True, root=root_attrs)
    warnings = stamped((d for d in diagnostics if d.code in _KEPT), path, TWILIO)
    if doc.params:
        warnings.append(
            diag(
                "TWL905",
                "TwiML Bin variables became string parameters: " + ", ".join(p.name for p in doc.params),
                start,
                "give them values with --param NAME=VALUE, or Template.render()",
                path,
            )
        )
    return doc, warnings


def _cannot_write(what: str, path: str) -> Diagnostic:
    message = f"decompile could not reproduce this document: {what}, which .twl cannot keep; nothing was written"
    return diag(
        "TWL903",
        message,
        Span(1, 1, 1, 2),
        "remove the xmlns declarations (a prefix nothing declares, as in <amazon:effect>, is kept)",
        path,
    )


def decompile_with_diagnostics(
    xml: str | bytes, path: str = "<string>", twiml: bool = False, bin_variables: bool = True
) -> tuple[str | None, list[Diagnostic]]:
    """``.twl`` source for ``xml`` and the diagnostics; ``None`` (nothing to write) for XML
    that cannot be read or is not TwiML (``twiml``: it is, as a ``.twiml`` file is), or
    when the result would not compile back to the same TwiML. Never raises for bad input.
    ``bin_variables``: see :func:`read_document`."""
    from .api import read
    from .canonical import canonical
    from .generator import generate
    from .printer import print_document

    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    doc, warnings = read_document(data, path, twiml, bin_variables)
    if doc is None:
        return None, warnings
    source = print_document(doc)
    again, diagnostics = read(source, path)
    errors = [d for d in diagnostics if d.is_error]
    same = again is not None and not errors and canonical(generate(again)) == canonical(data)
    if not same:
        detail = f": {errors[0].code} {errors[0].message}" if errors else ""
        failed = diag(
            "TWL903",
            f"decompile could not reproduce this document{detail}; nothing was written",
            Span(1, 1, 1, 2),
            "please report it with the file",
            path,
        )
        return None, [failed]
    return source, sorted(warnings, key=Diagnostic.sort_key)


def decompile(xml: str | bytes, filename: str = "<string>", *, bin_variables: bool = True) -> str:
    """TwiML XML → ``.twl`` source (library API). TwiML Bin variables (``{{Name}}``)
    become template parameters; with ``bin_variables=False`` they are literal text."""
    from .api import require

    require("decompile", "xml", xml, (str, bytes, bytearray), "TwiML XML (str or bytes)")
    require("decompile", "filename", filename, str, "a name (str)")
    xml = bytes(xml) if isinstance(xml, bytearray) else xml
    source, diagnostics = decompile_with_diagnostics(xml, filename, bin_variables=bin_variables)
    if source is None:
        raise TwimlcError(diagnostics)
    return source
