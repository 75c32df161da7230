"""The ``twimlc`` command. ``main(argv) -> int``: 0 ok, 1 problems found, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .diagnostics import Diagnostic, TwimlcError, write_all
from .files import line_ending, read_bytes, read_source, with_line_ending, write_atomic

TYPE_CHECKING = False  # typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .ast import Document
    from .dialect import Dialect

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _params(pairs: list[str] | None) -> dict[str, str]:
    """``--param`` pairs as a mapping (checked as they were parsed: see :class:`_Param`)."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, _, value = pair.partition("=")
        out[name.strip()] = value
    return out


class _Param(argparse.Action):
    """``--param NAME=VALUE``, repeatable: a pair without ``=`` or without a name, or a
    name given twice, is a usage error (exit 2) shown with the command's usage."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        pair = str(values)
        name, sep, _ = pair.partition("=")
        if not sep:
            raise argparse.ArgumentError(self, f"{pair!r} is not NAME=VALUE")
        if not name.strip():
            raise argparse.ArgumentError(self, f"{pair!r} has no NAME")
        given: list[str] = list(getattr(namespace, self.dest, None) or [])
        if name.strip() in _params(given):
            raise argparse.ArgumentError(self, f"{name.strip()} is given twice; give each parameter once")
        setattr(namespace, self.dest, [*given, pair])


def _render(doc: Document, path: str, pairs: list[str] | None) -> str:
    """A template's XML with ``--param`` values; ValueError for a malformed ``--param``,
    TwimlcError (ParamError, naming ``path``) for a value that does not fit."""
    from .template import Template

    return Template(doc, path).render(**_params(pairs))


def _is_input(path: str, output: str) -> bool:
    """Whether writing ``output`` would replace the input ``path``: the same file by its
    resolved path, or through a symlink or hard link (``-`` is never a file)."""
    if path == "-" or output == "-":
        return False
    if os.path.realpath(path) == os.path.realpath(output):
        return True
    try:
        return os.path.samefile(path, output)
    except OSError:
        return False  # the output does not exist yet (or the input does not)


def _refuse_output(command: str, path: str, output: str | None) -> bool:
    """Report, as a usage error, an ``-o`` that names the input file itself."""
    if output is None or not _is_input(path, output):
        return False
    sys.stderr.write(
        f"twimlc {command}: error: -o {output} is the input file {path}; "
        "writing there would replace it, so nothing was written\n"
    )
    return True


def _dialect(command: str, args: argparse.Namespace) -> Dialect | None:
    """The target: ``--target``, else ``[tool.twimlc] target`` in the nearest
    ``pyproject.toml``, else Twilio (a file's ``target=`` header overrides it). None after
    reporting a usage error."""
    from .dialect import TWILIO, dialect_named
    from .project import SettingsError, project_target

    if getattr(args, "target", None):
        return dialect_named(args.target) or TWILIO  # argparse checked the choice
    try:
        return project_target() or TWILIO
    except SettingsError as e:
        sys.stderr.write(f"twimlc {command}: error: {e}\n")
        return None


def _cmd_compile(args: argparse.Namespace) -> int:
    from .generator import generate

    path = args.file
    if path.endswith((".xml", ".twiml")):
        sys.stderr.write(
            f"twimlc compile: error: {path} is XML; compile reads .twl source. "
            f"To turn TwiML into .twl, run: twimlc decompile {path}\n"
        )
        return EXIT_USAGE
    if _refuse_output("compile", path, args.output):
        return EXIT_USAGE
    targets = _judged_for("compile", args)
    if targets is None:
        return EXIT_USAGE
    source, problems = read_source(path)
    if source is None:
        write_all(problems, {})
        return EXIT_PROBLEMS
    # with --portability, judged for every target as check judges it; the XML is the first's
    doc, found = _judge_source(source, path, False, targets)
    diagnostics = sorted(found, key=Diagnostic.sort_key)
    write_all(diagnostics, {path: source})
    if doc is None or any(d.is_error for d in diagnostics):
        return EXIT_PROBLEMS
    try:
        xml = _render(doc, path, args.param) if (doc.params or args.param) else generate(doc)
    except TwimlcError as e:
        write_all(e.diagnostics, {path: source})
        return EXIT_PROBLEMS
    except ValueError as e:
        sys.stderr.write(f"{path}: error: {e}\n")
        return EXIT_PROBLEMS
    if args.output and args.output != "-":
        try:
            from pathlib import Path

            write_atomic(Path(args.output), xml)
        except OSError as e:
            sys.stderr.write(f"{args.output}: error: cannot write: {e.strerror or e}\n")
            return EXIT_PROBLEMS
    else:
        sys.stdout.write(xml)
    return EXIT_OK


def _files(paths: list[str]) -> list[str]:
    """Files named (a FIFO too: editors pipe text so), and the regular .twl/.twiml/.xml
    files below directories named."""
    from .files import files_below
    from .sniff import TWL_SUFFIXES, XML_SUFFIXES

    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(files_below(p, TWL_SUFFIXES + XML_SUFFIXES))
        else:
            out.append(p)
    return out


def _unknown_file(command: str, paths: list[str]) -> str | None:
    """A usage error for a named file that is not .twl, .twiml or .xml (``README.md`` is
    not read as .twl); ``-`` is standard input, read as .twl."""
    from .sniff import TWL_SUFFIXES, XML_SUFFIXES

    for p in paths:
        if p != "-" and not p.endswith(TWL_SUFFIXES + XML_SUFFIXES) and not os.path.isdir(p):
            return f"twimlc {command}: error: {p}: not a .twl, .twiml or .xml file (nor a directory)\n"
    return None


def _portable(found: dict[str, list[Diagnostic]], dialects: list[Dialect]) -> list[Diagnostic]:
    """One file checked for several targets: one finding per problem and place, with the
    targets it is found for as data (``providers``), named in the message unless all are;
    where the targets' figures differ, each one's (``timeout: 700 is out of range; expected
    an integer for Twilio (1..600), SignalWire cXML (5..600) and Telnyx TeXML (1..600)``)."""
    if len(dialects) == 1:  # one target: nothing to merge (most runs, and per file)
        name = dialects[0].name
        if not found[name]:
            return found[name]
        return [d.replace(providers=(name,)) for d in found[name]]
    groups: dict[tuple[object, ...], list[tuple[Dialect, Diagnostic]]] = {}
    for dialect in dialects:
        seen: dict[tuple[object, ...], int] = {}
        for d in found[dialect.name]:
            key: tuple[object, ...] = (d.code, d.severity, d.span)
            seen[key] = seen.get(key, 0) + 1
            groups.setdefault((*key, seen[key]), []).append((dialect, d))
    out: list[Diagnostic] = []
    for group in groups.values():
        out.extend(_merged(group, len(dialects)))
    return out


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _merged(group: list[tuple[Dialect, Diagnostic]], targets: int) -> list[Diagnostic]:
    """The findings of one problem at one place for the targets in ``group``: one, unless
    their messages share nothing."""
    from .dialect import ASSUMED

    assumed: list[str] = []
    messages: dict[str, list[Dialect]] = {}
    for dialect, d in group:
        message = d.message
        for marker in (f", {ASSUMED} {dialect.title},", f" (Twilio's limit, {ASSUMED} {dialect.title})"):
            if marker in message:  # a Twilio figure the provider is assumed to share
                message = message.replace(marker, "")
                assumed.append(dialect.title)
        messages.setdefault(message, []).append(dialect)
    first = group[0][1]
    providers = tuple(dialect.name for dialect, _ in group)
    if len(messages) == 1:
        (message,) = messages
        titles = [dialect.title for dialect, _ in group]
        if len(group) < targets and not all(t in message for t in titles):
            message = f"on {_and(titles)}: {message}"
    else:
        words = {m: m.split(" ") for m in messages}
        prefix = _common([*words.values()])
        suffix = _common([w[len(prefix) :][::-1] for w in words.values()])
        if not prefix:  # different problems after all
            return [d.replace(providers=(dialect.name,)) for dialect, d in group]
        figures = [
            (dialect.title, " ".join(words[m][len(prefix) : len(words[m]) - len(suffix)]))
            for m, ds in messages.items()
            for dialect in ds
        ]
        order = {name: i for i, name in enumerate(providers)}
        figures.sort(key=lambda f: order[next(d.name for d, _ in group if d.title == f[0])])
        message = " ".join(
            [*prefix, "for", _and([f"{title} {figure}".rstrip() for title, figure in figures]), *suffix[::-1]]
        )
    if assumed:
        where = f"Twilio's limit, {ASSUMED} {_and(assumed)}"
        message = (
            message.replace("Twilio's limit", f"{where},", 1) if "Twilio's limit" in message else f"{message} ({where})"
        )
    return [first.replace(message=message, providers=providers)]


def _common(lists: list[list[str]]) -> list[str]:
    """The longest common start of the lists."""
    out: list[str] = []
    for items in zip(*lists, strict=False):
        if any(item != items[0] for item in items):
            break
        out.append(items[0])
    return out


def _targets(command: str, value: str) -> list[Dialect] | None:
    """``--portability twilio,telnyx``: the dialects named (two or more, each once), or None
    after reporting a usage error."""
    from .dialect import DIALECTS, dialect_named
    from .vocabulary import suggest

    names = [n for n in (x.strip() for x in value.split(",")) if n]
    dialects: list[Dialect] = []
    problem = None
    for name in names:
        dialect = dialect_named(name)
        if dialect is None:
            near = suggest(name.lower(), list(DIALECTS))
            problem = f": unknown target {name!r}" + (f"; did you mean {near!r}?" if near else "")
            break
        if dialect in dialects:
            problem = f": it names {dialect.name} twice"
            break
        dialects.append(dialect)
    if problem is not None or len(dialects) < 2:
        sys.stderr.write(
            f"twimlc {command}: error: --portability takes two or more of {', '.join(DIALECTS)}, "
            f"comma-separated (got {value!r}){problem or ''}\n"
        )
        return None
    return dialects


def _judged_for(command: str, args: argparse.Namespace) -> list[Dialect] | None:
    """The targets ``check`` and ``compile`` judge for: those of ``--portability``, else the
    one of :func:`_dialect`. None after reporting a usage error."""
    if args.portability is None:
        dialect = _dialect(command, args)
        return None if dialect is None else [dialect]
    if args.target:
        sys.stderr.write(f"twimlc {command}: error: --portability checks several targets; drop --target\n")
        return None
    return _targets(command, args.portability)


def _set_aside(path: str, header: str, targets: list[Dialect]) -> None:
    """Say that ``--portability`` judged a file for every target listed, not for the one its
    header names."""
    if header and len(targets) > 1:
        sys.stderr.write(
            f"{path}: note: its header's target={header} is set aside: --portability judges it for "
            f"{_and([d.title for d in targets])}\n"
        )


def _judge_source(
    source: str, path: str, inline: bool, targets: list[Dialect], say: bool = True
) -> tuple[Document, list[Diagnostic]]:
    """A ``.twl`` file judged for each target (for several, whatever its header says): the
    first target's document and the findings, each naming its target(s). ``say``: note a
    header's target set aside (check says it itself, in file order, as workers may run this)."""
    from .api import judge_twl

    pinned = len(targets) > 1
    judged = {d.name: judge_twl(source, path, inline, d, pinned=pinned) for d in targets}
    doc = judged[targets[0].name][0]
    if pinned:
        if say:
            _set_aside(path, doc.target, targets)
        return doc, _portable({name: found for name, (_, found) in judged.items()}, targets)
    return doc, [d.replace(providers=(doc.dialect.name,)) for d in judged[targets[0].name][1]]


def _checker(targets: list[Dialect], inline: bool) -> Callable[[str], tuple[str | None, list[Diagnostic], bool]]:
    """What checks one file for ``targets``: its text (None when it cannot be read), its
    diagnostics, and whether it was skipped (XML, but not TwiML). (Its imports are done
    once, here: an import statement costs about a microsecond a file.)"""
    from .api import judge_xml
    from .sniff import TWIML_SUFFIX, XML_SUFFIXES

    def check(path: str) -> tuple[str | None, list[Diagnostic], bool]:
        if path.endswith(XML_SUFFIXES):
            data, problems = read_bytes(path)
            if data is None:
                return None, problems, False
            per = {d.name: judge_xml(data, path, inline, path.endswith(TWIML_SUFFIX), d) for d in targets}
            if not per[targets[0].name][0]:
                return None, [], True
            found = _portable({name: found for name, (_, found) in per.items()}, targets)
            return data.decode("utf-8", errors="replace"), found, False
        source, problems = read_source(path)
        if source is None:
            return None, problems, False
        return source, _judge_source(source, path, inline, targets, say=False)[1], False

    return check


def _check_files(
    files: list[str], targets: list[Dialect], inline: bool, jobs: int
) -> list[tuple[str | None, list[Diagnostic], bool]]:
    """Each file checked (see :func:`_checker`), in order; with ``jobs`` over 1, shared
    among that many processes forked once the XML checks' modules and schemas are loaded."""
    check = _checker(targets, inline)
    if jobs == 1 or "-" in files:  # standard input is read by this process
        return [check(f) for f in files]
    from .parallel import cpus, map_forked
    from .xmlread import prepare

    for dialect in targets:
        prepare(dialect)
    return map_forked(check, files, jobs or cpus())


def _cmd_check(args: argparse.Namespace) -> int:
    from .diagnostics import render_github, render_json, render_text, use_colour
    from .sniff import XML_SUFFIXES

    usage = _unknown_file("check", args.paths)
    if usage:
        sys.stderr.write(usage)
        return EXIT_USAGE
    targets = _judged_for("check", args)
    if targets is None:
        return EXIT_USAGE
    diagnostics: list[Diagnostic] = []
    sources: dict[str, str] = {}
    skipped = 0
    files = _files(args.paths)
    for path, (source, found, skip) in zip(files, _check_files(files, targets, args.inline, args.jobs), strict=True):
        if skip:
            skipped += 1  # XML, but not TwiML
            continue
        if source is not None:
            sources[path] = source
            if len(targets) > 1 and not path.endswith(XML_SUFFIXES):
                from .editing import Text

                _set_aside(path, Text(source).header()[1] or "", targets)
        diagnostics.extend(found)
    diagnostics.sort(key=Diagnostic.sort_key)
    if args.format != "text" and skipped:
        sys.stderr.write(f"skipped {_plural(skipped, 'file')}: not TwiML\n")  # standard output stays machine-read
    if args.format == "json":
        sys.stdout.write(render_json(diagnostics) + "\n")
    elif args.format == "github":
        for d in diagnostics:
            sys.stdout.write(render_github(d) + "\n")
    else:
        colour = use_colour(sys.stdout)
        for d in diagnostics:
            sys.stdout.write(render_text(d, sources.get(d.path), colour) + "\n")
        sys.stderr.write(_summary(len(sources), diagnostics, skipped) + "\n")
    failing = any(d.is_error or args.strict for d in diagnostics)
    return EXIT_PROBLEMS if failing else EXIT_OK


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary(files: int, diagnostics: list[Diagnostic], skipped: int = 0) -> str:
    """The closing line of ``check``'s text output, on standard error. XML files that are
    not TwiML are counted, so that a file named and skipped is never passed over silently."""
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    found = ", ".join(_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n) or "no problems"
    skip = f"; skipped {_plural(skipped, 'file')}: not TwiML" if skipped else ""
    return f"checked {_plural(files, 'file')}: {found}{skip}"


def _is_twl_source(path: str) -> bool:
    """Whether the file holds ``.twl`` source rather than XML (its text does not start with
    ``<``); a file that cannot be read is left to the command to report."""
    try:
        with open(path, "rb") as f:
            start = f.read(4096)
    except OSError:
        return False
    return not start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _cmd_decompile(args: argparse.Namespace) -> int:
    """One file: to standard output or -o. Several files or a directory: NAME.twl next to
    each NAME.xml, never overwriting an existing file without --force."""
    from pathlib import Path

    from .decompiler import decompile_with_diagnostics
    from .sniff import TWIML_SUFFIX, XML_SUFFIXES, twiml_or_why

    for p in args.paths:
        if p.endswith(".twl") and _is_twl_source(p):
            sys.stderr.write(
                f"twimlc decompile: error: {p} is .twl source; decompile reads TwiML XML. "
                f"To turn .twl into TwiML, run: twimlc compile {p}\n"
            )
            return EXIT_USAGE
    paths: list[str] = []
    found: set[str] = set()  # files found in a directory: skipped, not refused, when not TwiML
    for p in args.paths:
        if os.path.isdir(p):
            inside = [f for f in _files([p]) if f.endswith(XML_SUFFIXES)]
            paths.extend(inside)
            found.update(inside)
        else:
            paths.append(p)
    beside = len(paths) > 1 or any(os.path.isdir(p) for p in args.paths)
    if args.output and beside:
        sys.stderr.write("twimlc decompile: error: -o takes a single input file\n")
        return EXIT_USAGE
    if paths and _refuse_output("decompile", paths[0], args.output):
        return EXIT_USAGE
    output = None if args.output == "-" else args.output
    status = EXIT_OK
    skipped = 0
    for path in paths:
        data, problems = read_bytes(path)
        if data is None:
            write_all(problems, {})
            status = EXIT_PROBLEMS
            continue
        twiml = path.endswith(TWIML_SUFFIX)
        if path in found and not twiml:
            why = twiml_or_why(data)
            if why:
                sys.stderr.write(f"{path}: skipped: not TwiML ({why})\n")
                skipped += 1
                continue
        text = data.decode("utf-8", errors="replace")
        source, warnings = decompile_with_diagnostics(data, path, twiml, args.bin_variables)
        write_all(warnings, {path: text})
        if source is None:
            status = EXIT_PROBLEMS
            continue
        target = Path(output) if output else (Path(path).with_suffix(".twl") if beside else None)
        if target is None:
            sys.stdout.write(source)
            continue
        if _is_input(path, str(target)):
            sys.stderr.write(f"{target}: error: is the input file; it was not overwritten\n")
            status = EXIT_PROBLEMS
            continue
        if target.exists() and not args.force and not output:
            sys.stderr.write(f"{target}: error: exists; use --force to overwrite\n")
            status = EXIT_PROBLEMS
            continue
        try:
            write_atomic(target, source)
        except OSError as e:
            sys.stderr.write(f"{target}: error: cannot write: {e.strerror or e}\n")
            status = EXIT_PROBLEMS
            continue
        if beside:
            sys.stderr.write(f"wrote {target}\n")
    if skipped:
        sys.stderr.write(f"skipped {_plural(skipped, 'file')}: not TwiML\n")
    return status


def _cmd_fmt(args: argparse.Namespace) -> int:
    import difflib
    from pathlib import Path

    from .fmt import format_with_diagnostics

    if "-" in args.paths or args.stdin_filename:
        if args.paths != ["-"]:
            sys.stderr.write("twimlc fmt: error: '-' (standard input) and --stdin-filename go alone, without paths\n")
            return EXIT_USAGE
        return _fmt_stdin(args)
    paths = [p for p in _files(args.paths) if p.endswith(".twl") or p in args.paths]
    changed = failed = skipped = 0
    for path in paths:
        if not path.endswith(".twl"):
            skipped += 1
            sys.stderr.write(f"{path}: skipped: fmt formats .twl files (to convert TwiML XML, use twimlc decompile)\n")
            continue
        source, problems = read_source(path)
        if source is None:
            write_all(problems, {})
            failed += 1
            continue
        formatted, found = format_with_diagnostics(source, path)
        if formatted is None:
            write_all(found, {path: source})
            failed += 1
            continue
        formatted = with_line_ending(formatted, line_ending(source))
        if formatted == source:
            continue
        changed += 1
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    source.splitlines(True), formatted.splitlines(True), f"{path}", f"{path} (formatted)"
                )
            )
        if args.check or args.diff:
            if args.check:
                sys.stderr.write(f"would reformat {path}\n")
            continue
        try:
            write_atomic(Path(path), formatted)
        except OSError as e:
            sys.stderr.write(f"{path}: error: cannot write: {e.strerror or e}\n")
            failed += 1
            continue
        sys.stderr.write(f"reformatted {path}\n")
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    left = len(paths) - changed - failed - skipped
    parts = [f"{_plural(changed, 'file')} {verb}"] if changed else []
    parts += [f"{_plural(left, 'file')} left unchanged"] if left else []
    parts += [f"{_plural(failed, 'file')} failed"] if failed else []
    sys.stderr.write((", ".join(parts) or "no .twl files") + "\n")
    if failed:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if args.check and changed else EXIT_OK


def _fmt_stdin(args: argparse.Namespace) -> int:
    """``fmt -``, as editors format on save: standard input to standard output, nothing
    else on success. When fmt refuses, standard output stays empty (an editor must never
    receive a broken file): diagnostics on standard error, exit 1. ``--check`` and
    ``--diff`` work as for files. ``--stdin-filename`` names the text in messages."""
    import difflib

    from .fmt import format_with_diagnostics

    name = args.stdin_filename or "-"
    source, problems = read_source("-")
    if source is None:
        write_all([p.replace(path=name) for p in problems], {})
        return EXIT_PROBLEMS
    formatted, found = format_with_diagnostics(source, name)
    if formatted is None:
        write_all(found, {name: source})
        return EXIT_PROBLEMS
    formatted = with_line_ending(formatted, line_ending(source))
    if args.diff:
        diff = difflib.unified_diff(source.splitlines(True), formatted.splitlines(True), name, f"{name} (formatted)")
        sys.stdout.writelines(diff)
    if args.check:
        if formatted != source:
            sys.stderr.write(f"would reformat {name}\n")
            return EXIT_PROBLEMS
        return EXIT_OK
    if not args.diff:
        sys.stdout.write(formatted)
    return EXIT_OK


def _seconds(text: str) -> float:
    """An argparse type: seconds to wait, above 0."""
    from .dialer import seconds_problem

    problem = seconds_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return float(text)


def _api_base(text: str) -> str:
    """An argparse type: an http(s) URL; credentials in it never shown."""
    from .dialer import base_problem

    problem = base_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _cmd_dial(args: argparse.Namespace) -> int:
    import json

    from . import dialer
    from .diagnostics import TwimlcError

    def usage(message: str) -> int:
        sys.stderr.write(f"twimlc dial: error: {message}\n")
        return EXIT_USAGE

    if args.file is not None and args.url is not None:
        return usage("give FILE or --url, not both")
    if args.file is None and args.url is None:
        return usage("FILE is required ('-' for standard input), unless --url gives the document's address")
    if args.url is not None and not args.url.strip():
        return usage("--url is empty")
    if args.url is not None and args.param:
        return usage("--param fills in a template FILE; with --url, Twilio fetches the document itself")
    if args.url is not None:
        from .dialer import redact_url
        from .values import absolute_url_problem

        problem = absolute_url_problem(args.url)
        if problem:  # Twilio would refuse it (21205): refused before anything is sent
            return usage(f"--url {redact_url(args.url)!r} is not a URL Twilio can fetch: {problem}")
    provider, origin = args.provider, "--provider"
    if provider is None:  # as check and serve read it: the option, else the project's target, else Twilio
        from pathlib import Path

        from .project import SettingsError, target_setting

        start = Path(args.file).parent if args.file not in (None, "-") else None
        if start is not None and not start.is_dir():
            start = None  # read_source says the file is missing
        try:
            chosen, where = target_setting(start)
        except SettingsError as e:
            return usage(str(e))
        provider = chosen.name if chosen is not None else "twilio"
        origin = f"[tool.twimlc] target in {where}" if chosen is not None else "the default"
    if args.space is not None and provider != "signalwire":
        return usage("--space is for --provider signalwire")
    if args.connection_id is not None and provider != "telnyx":
        return usage("--connection-id is for --provider telnyx")
    if args.wait and provider == "telnyx" and not args.dry_run:
        # the call's status is read by account, which the call's creation does not return
        problem = dialer.telnyx_account_problem(os.environ.get("TELNYX_ACCOUNT_SID", "").strip())
        if problem:
            return usage(f"--wait with --provider telnyx reads the call's status by account: {problem}")
    try:
        base = dialer.provider_base(provider, space=args.space, override=args.base_url)
    except dialer.DialError as e:  # TWIMLC_API_BASE, --space (--base-url is checked as it is parsed)
        return usage(str(e))
    from .dialect import DIALECTS

    dialect = DIALECTS[provider]
    try:
        twiml = None
        if args.file is not None:
            source, problems = read_source(args.file)
            if source is None:
                write_all(problems, {})
                return EXIT_PROBLEMS
            try:
                twiml, warnings = dialer.inline_twiml(source, args.file, _params(args.param), dialect)
            except TwimlcError as e:
                write_all(e.diagnostics, {args.file: source})
                return EXIT_PROBLEMS
            except ValueError as e:
                sys.stderr.write(f"{args.file}: error: {e}\n")
                return EXIT_PROBLEMS
            write_all(warnings, {args.file: source})
        options = dialer.parse_options(args.call_option or [], provider)
        if args.dry_run:
            creds = dialer.Credentials.from_env(None, provider, args.connection_id, placeholders=True)
            request = dialer.build_request(
                twiml, to=args.to, from_=args.from_, url=args.url, options=options, credentials=creds, base=base
            )
            sys.stdout.write(request.describe() + "\n")
            sys.stderr.write(f"dry run: nothing was sent (provider {provider}, from {origin})\n")
            return EXIT_OK
        creds = dialer.Credentials.from_env(None, provider, args.connection_id)
        request = dialer.build_request(
            twiml, to=args.to, from_=args.from_, url=args.url, options=options, credentials=creds, base=base
        )
        import httpx

        def tell(message: str) -> None:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

        with httpx.Client(timeout=httpx.Timeout(args.timeout)) as client:
            call = dialer.send(request, creds, client, notify=tell)
            if args.format == "json" and not args.wait:
                sys.stdout.write(json.dumps(call.resource, indent=2) + "\n")
            elif args.format == "json":  # stdout is the final resource alone, one JSON document
                tell(f"{call.sid}: {call.status}")
            else:
                sys.stdout.write(f"{call.sid} {call.status}\n")
            if not args.wait:
                return EXIT_OK
            live = sys.stderr.isatty()

            def show(c: dialer.Call) -> None:
                sys.stderr.write(f"\r{c.sid}: {c.status:<12}" if live else f"{c.sid}: {c.status}\n")
                sys.stderr.flush()

            final = dialer.wait(call, creds, client, base, show, interval=args.interval)
            if live:
                sys.stderr.write("\n")
            if args.format == "json":
                sys.stdout.write(json.dumps(final.resource, indent=2) + "\n")
            else:
                sys.stdout.write(f"{final.sid} {final.status}\n")
            return dialer.FINAL_STATUSES.get(final.status, EXIT_PROBLEMS)
    except dialer.DialError as e:
        # set up wrongly (an option, a variable): a usage error; the call itself failed: 1
        sys.stderr.write(f"twimlc dial: error: {e}\n")
        return EXIT_USAGE if e.usage else EXIT_PROBLEMS


def _cmd_graph(args: argparse.Namespace) -> int:
    from . import flow
    from .diagnostics import render_text, use_colour

    if not os.path.isdir(args.dir):
        sys.stderr.write(f"twimlc graph: error: {args.dir} is not a folder\n")
        return EXIT_USAGE
    routes = flow.scan(args.dir)
    entry = args.entry
    if entry is not None:
        entry = entry if entry.startswith("/") else "/" + entry
        if routes.match(entry) is None:
            known = ", ".join(r.path for r in routes.routes) or "none"
            sys.stderr.write(f"twimlc graph: error: --entry {entry}: no route answers it (routes: {known})\n")
            return EXIT_USAGE
        entry = routes.match(entry).path  # type: ignore[union-attr]
    graph = flow.build(args.dir, entry, routes)
    render = {"mermaid": flow.to_mermaid, "dot": flow.to_dot, "json": flow.to_json}[args.format]
    sys.stdout.write(render(graph))
    if args.format != "json":
        colour = use_colour(sys.stderr)
        sources: dict[str, str | None] = {}
        for d in graph.findings:
            if d.path not in sources:
                sources[d.path] = read_source(d.path)[0] if os.path.isfile(d.path) else None
            sys.stderr.write(render_text(d, sources[d.path], colour) + "\n")
        routes_n = sum(n.kind == "route" for n in graph.nodes)
        sys.stderr.write(
            f"{_plural(routes_n, 'route')}, {_plural(len(graph.edges), 'edge')}: " + _found(graph.findings) + "\n"
        )
    return EXIT_PROBLEMS if any(d.is_error for d in graph.findings) else EXIT_OK


def _found(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    return ", ".join(_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n) or "no problems"


def _cmd_simulate(args: argparse.Namespace) -> int:
    from . import simulate

    if (args.dir is None) == (args.url is None):
        sys.stderr.write("twimlc simulate: error: give a folder or --url BASE (one of them)\n")
        return EXIT_USAGE
    if args.dir is not None and not os.path.isdir(args.dir):
        sys.stderr.write(f"twimlc simulate: error: {args.dir} is not a folder\n")
        return EXIT_USAGE
    if args.url is not None:
        from .values import absolute_url_problem

        problem = absolute_url_problem(args.url)
        if problem:
            sys.stderr.write(f"twimlc simulate: error: --url {args.url!r} is not a URL to call: {problem}\n")
            return EXIT_USAGE
    try:
        steps = [simulate.parse_input(s) for s in args.input or []]
        params = _params(args.param)
    except ValueError as e:
        sys.stderr.write(f"twimlc simulate: error: {e}\n")
        return EXIT_USAGE
    provider, token, private_key = args.provider or "twilio", None, None
    if args.url is None and args.provider is not None:
        sys.stderr.write("twimlc simulate: error: --provider signs the requests to --url; a folder is not signed\n")
        return EXIT_USAGE
    if provider == "telnyx":
        text = os.environ.get("TELNYX_PRIVATE_KEY")
        if text:
            from .signature import telnyx_private_key

            try:
                private_key = telnyx_private_key(text)
            except ImportError:
                sys.stderr.write(
                    "twimlc simulate: error: signing as Telnyx needs cryptography: pip install 'twimlc[telnyx]'\n"
                )
                return EXIT_USAGE
            except ValueError as e:
                sys.stderr.write(f"twimlc simulate: error: {e}\n")
                return EXIT_USAGE
    elif provider == "signalwire":
        token = os.environ.get("SIGNALWIRE_SIGNING_KEY") or os.environ.get("SIGNALWIRE_TOKEN")
    else:
        token = os.environ.get("TWILIO_AUTH_TOKEN")
    if args.url is not None and not token and private_key is None:
        variable = {"twilio": "TWILIO_AUTH_TOKEN", "signalwire": "SIGNALWIRE_SIGNING_KEY (or SIGNALWIRE_TOKEN)"}.get(
            provider, "TELNYX_PRIVATE_KEY (a test key whose public half is the app's TELNYX_PUBLIC_KEY)"
        )
        sys.stderr.write(f"twimlc simulate: note: {variable} is not set; requests are sent unsigned\n")
    if args.max_requests < 1:
        sys.stderr.write("twimlc simulate: error: --max-requests must be at least 1\n")
        return EXIT_USAGE
    try:
        call = simulate.simulate(
            args.dir,
            steps,
            url=args.url,
            entry=args.entry,
            params=params,
            token=token,
            max_requests=args.max_requests,
            provider=provider,
            private_key=private_key,
        )
    except ValueError as e:
        sys.stderr.write(f"twimlc simulate: error: {e}\n")
        return EXIT_USAGE
    sys.stdout.write(simulate.to_json(call.events) if args.format == "json" else simulate.to_text(call.events))
    return EXIT_PROBLEMS if call.errors else EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import cli_serve

    return cli_serve(args)


def _cmd_invoke(args: argparse.Namespace) -> int:
    from .serve import cli_invoke

    return cli_invoke(args)


def _cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from .lsp import main as serve
    except ImportError as e:
        if (e.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        sys.stderr.write(
            "twimlc lsp: error: the language server needs pygls, which is not installed: pip install 'twimlc[lsp]'\n"
        )
        return EXIT_USAGE
    return serve()


def _columns() -> int:
    """The terminal's width as argparse asks ``shutil.get_terminal_size`` for it: $COLUMNS,
    else standard output's terminal, else 80; without importing shutil (~2 ms of start-up)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80 if stdout is not None else 80
    except (ValueError, OSError):  # closed, detached, not a terminal
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, given the width it would find (see :func:`_columns`)."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, prog: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(prog, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _jobs(text: str) -> int:
    """``--jobs``: a whole number of processes, 0 for one per CPU."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (0: one per CPU)")
    return int(text)


def _target_name(text: str) -> str:
    """An argparse type: a target's name in any case (``Telnyx``), did-you-mean when unknown."""
    return _dialect_name(text, "target")


def _provider_name(text: str) -> str:
    """An argparse type: a provider's name in any case (``SignalWire``), did-you-mean when unknown."""
    return _dialect_name(text, "provider")


def _dialect_name(text: str, what: str) -> str:
    from .dialect import dialect_named, unknown_name

    dialect = dialect_named(text)
    if dialect is None:
        raise argparse.ArgumentTypeError(unknown_name(text, what))
    return dialect.name


def _provider_names() -> list[str]:
    """What ``--target`` and ``--provider`` take (their choices in ``--help``)."""
    from .dialect import DIALECTS

    return list(DIALECTS)


def _target_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        type=_target_name,
        choices=_provider_names(),
        help="the provider whose TwiML to check against (default: [tool.twimlc] target in pyproject.toml, else twilio)",
    )


def _portability_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--portability", metavar="A,B", help=f"{what} and report what would break moving between them")


class _Unused(_Parser):
    """Stands for the parser of a command this run was not given: nothing is built, what
    is added to it is dropped (each parser costs start-up, ~0.5 ms)."""

    def __init__(self) -> None:  # no argparse.ArgumentParser.__init__: that is the cost
        pass

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def set_defaults(self, **kwargs: Any) -> None:
        return None


def _command(sub: argparse._SubParsersAction[_Parser], only: str | None, name: str, **kwargs: Any) -> _Parser:
    """The parser of command ``name`` (``sub.add_parser``), or, when this run was given
    another command (``only``), a stand-in for it."""
    if only is not None and name != only:
        return _Unused()
    return sub.add_parser(name, **kwargs)


COMMANDS = ("compile", "check", "decompile", "fmt", "dial", "graph", "simulate", "serve", "invoke", "lsp")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line. With ``only`` (the command given), that command's parser is the
    only one built, as pip builds only its command's; ``None`` builds all of them, for the
    top-level help and usage errors."""
    p = _Parser(prog="twimlc", description="Compile, check and dial Twilio TwiML written in .twl.")
    p.add_argument("--version", action="version", version=f"twimlc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    c = _command(sub, only, "compile", help="compile a .twl file to TwiML XML")
    c.add_argument("file", metavar="FILE.twl", help="the source ('-' for standard input)")
    c.add_argument("-o", "--output", metavar="OUT.xml", help="write here (atomically) instead of standard output")
    c.add_argument("--param", action=_Param, metavar="NAME=VALUE", help="a template parameter's value (repeatable)")
    _target_option(c)
    _portability_option(c, "write the XML only if every one of these providers (e.g. twilio,telnyx) accepts it")
    c.set_defaults(func=_cmd_compile)
    k = _command(sub, only, "check", help="check .twl files and TwiML XML (.xml, .twiml)")
    k.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    k.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    k.add_argument("--strict", action="store_true", help="warnings fail the check too")
    k.add_argument(
        "--inline", action="store_true", help="also apply the Calls API's 4,000-character limit on inline TwiML"
    )
    k.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="check in N processes forked from this one (0: one per CPU; default: 1); output and exit code stay the same",
    )
    _target_option(k)
    _portability_option(k, "check for each of these providers (e.g. twilio,telnyx)")
    k.set_defaults(func=_cmd_check)
    d = _command(sub, only, "decompile", help="turn TwiML XML into .twl")
    d.add_argument("paths", nargs="+", metavar="FILE.xml", help="files or directories ('-' for standard input)")
    d.add_argument(
        "-o", "--output", metavar="OUT.twl", help="for one file: write here (atomically) instead of standard output"
    )
    d.add_argument("--force", action="store_true", help="overwrite .twl files that already exist")
    d.add_argument(
        "--no-bin-variables",
        dest="bin_variables",
        action="store_false",
        help="keep {{Name}} as literal text (written \\{{Name}}), not a TwiML Bin variable made a template parameter",
    )
    d.set_defaults(func=_cmd_decompile)
    f = _command(sub, only, "fmt", help="format .twl files in the canonical layout")
    f.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or directories ('-': standard input to standard output)"
    )
    f.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    f.add_argument("--diff", action="store_true", help="change nothing; print a unified diff")
    f.add_argument("--stdin-filename", metavar="NAME", help="with '-': the file name to use in messages")
    f.set_defaults(func=_cmd_fmt)
    c = _command(sub, only, "dial", help="place a call with the Calls API, using checked TwiML")
    c.add_argument(
        "file", metavar="FILE", nargs="?", help=".twl or TwiML .xml ('-' for standard input); not with --url"
    )
    c.add_argument("--to", required=True, help="E.164 number, client:NAME or SIP URI to call")
    c.add_argument("--from", dest="from_", required=True, metavar="FROM", help="your number with the provider (E.164)")
    c.add_argument("--url", help="a URL returning the TwiML, instead of sending FILE inline")
    c.add_argument(
        "--call-option", action="append", metavar="NAME=VALUE", help="another Calls API parameter (repeatable)"
    )
    c.add_argument("--param", action=_Param, metavar="NAME=VALUE", help="a template parameter's value (repeatable)")
    c.add_argument("--dry-run", action="store_true", help="print the request (credentials redacted) and send nothing")
    c.add_argument("--wait", action="store_true", help="follow the call until it ends; the exit code tells the outcome")
    c.add_argument("--interval", type=_seconds, default=2.0, help=argparse.SUPPRESS)
    c.add_argument(
        "--base-url",
        type=_api_base,
        metavar="URL",
        help="the API's scheme://host[:port] instead of the provider's (https://api.twilio.com, "
        "https://SPACE.signalwire.com, https://api.telnyx.com); the provider's path (/api/laml, /v2) is kept; "
        "a URL with a path is the whole base (Twilio: also TWIMLC_API_BASE)",
    )
    c.add_argument("--timeout", type=_seconds, default=15.0, help="seconds to wait for the API (default 15)")
    c.add_argument(
        "--provider",
        type=_provider_name,
        choices=_provider_names(),
        help="whose Calls API places the call, in any case; the document is checked for that provider "
        "(default: [tool.twimlc] target in pyproject.toml, else twilio)",
    )
    c.add_argument("--space", metavar="NAME", help="with --provider signalwire: your Space, NAME.signalwire.com")
    c.add_argument(
        "--connection-id", metavar="ID", help="with --provider telnyx: the TeXML connection (or TELNYX_CONNECTION_ID)"
    )
    c.add_argument(
        "--format", choices=("text", "json"), default="text", help="text: SID and status; json: the call resource"
    )
    c.set_defaults(func=_cmd_dial)
    g = _command(sub, only, "graph", help="draw the call flow of a folder of .twl/TwiML files, with its problems")
    g.add_argument("dir", metavar="DIR", help="the folder (its files are routes: DIR/voice/menu.twl is /voice/menu)")
    g.add_argument("--entry", metavar="PATH", help="the route a call starts at (default: / when a file answers it)")
    g.add_argument(
        "--format", choices=("mermaid", "dot", "json"), default="mermaid", help="output format (default: mermaid)"
    )
    g.set_defaults(func=_cmd_graph)
    m = _command(sub, only, "simulate", help="walk one call through a folder or a running webhook app")
    m.add_argument("dir", metavar="DIR", nargs="?", help="the folder of .twl/TwiML files (or give --url)")
    m.add_argument("--entry", metavar="PATH", default="/", help="the route the call starts at (default: /)")
    m.add_argument(
        "--input",
        action="append",
        metavar="STEP",
        help="the caller's next action where the call waits: digits:123, speech:WORDS, timeout, "
        "dial:completed|busy|no-answer|failed|canceled, record:audio|empty, queue:RESULT (repeatable)",
    )
    m.add_argument("--param", action=_Param, metavar="NAME=VALUE", help="a request parameter (From, To…; repeatable)")
    m.add_argument(
        "--url", metavar="BASE", help="simulate against a running webhook app (signed with TWILIO_AUTH_TOKEN)"
    )
    m.add_argument(
        "--provider",
        type=_provider_name,
        choices=_provider_names(),
        help="with --url: sign as this provider does (SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN; Telnyx: a test key, "
        "TELNYX_PRIVATE_KEY); default twilio (TWILIO_AUTH_TOKEN)",
    )
    m.add_argument("--max-requests", type=int, default=50, help="stop after this many requests (default 50)")
    m.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    m.set_defaults(func=_cmd_simulate)
    _add_serve_parsers(sub, only)
    s = _command(
        sub,
        only,
        "lsp",
        help="run the language server for editors (LSP over standard input and output)",
        description="The twimlc language server: diagnostics, quick fixes, completion, hover, formatting, "
        "outline and parameter rename for .twl (diagnostics for TwiML XML), over standard input and output. "
        "Needs pip install 'twimlc[lsp]'.",
    )
    s.add_argument(
        "--stdio",
        action="store_true",
        help="accepted and ignored: standard input and output is the only transport "
        "(some clients pass it, e.g. vscode-languageclient with TransportKind.stdio)",
    )
    s.set_defaults(func=_cmd_lsp)
    for command in sub.choices.values():  # a usage error after the command shows that command's usage
        command.set_defaults(usage_parser=command)
    return p


def _add_serve_parsers(sub: argparse._SubParsersAction[_Parser], only: str | None = None) -> None:
    s = _command(sub, only, "serve", help="serve a folder of .twl and TwiML files as signed webhooks (uvicorn)")
    s.add_argument("directory", metavar="DIR", help="the folder: DIR/voice/menu.twl answers /voice/menu")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to bind (default 8000; 0 picks a free one)")
    s.add_argument(
        "--public-url",
        metavar="URL",
        help="the https://host[/prefix] the provider requests (Twilio and SignalWire sign the URL; Telnyx does not)",
    )
    s.add_argument(
        "--trust-proxy", action="store_true", help="take scheme and host from X-Forwarded-Proto/X-Forwarded-Host"
    )
    s.add_argument("--reload", action="store_true", help="re-check changed files on the next request")
    s.add_argument(
        "--no-verify",
        action="store_true",
        help="do not verify the provider's webhook signatures (needed without its secret: TWILIO_AUTH_TOKEN, "
        "SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN, TELNYX_PUBLIC_KEY)",
    )
    s.add_argument("--fallback", metavar="FILE", help="TwiML (.twl or .xml) answered when a template cannot render")
    s.add_argument("--max-body", type=int, default=64 * 1024, metavar="BYTES", help="larger bodies get 413 (64 kB)")
    s.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    s.add_argument(
        "--provider",
        type=_provider_name,
        choices=_provider_names(),
        help="the provider served: files are checked for its TwiML, and its webhook signatures verified: Twilio's "
        "(TWILIO_AUTH_TOKEN), SignalWire's (SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN) or Telnyx's Ed25519 "
        "(TELNYX_PUBLIC_KEY); default: [tool.twimlc] target in pyproject.toml, else twilio",
    )
    s.add_argument(
        "--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info", help="default info"
    )
    s.set_defaults(func=_cmd_serve)
    v = _command(sub, only, "invoke", help="send a request signed as the provider signs it, and print the TwiML answer")
    v.add_argument("url", metavar="URL", help="the webhook URL, e.g. http://127.0.0.1:8000/voice/menu")
    v.add_argument("-d", "--data", action="append", metavar="NAME=VALUE", help="a webhook field (repeatable)")
    v.add_argument("-X", "--method", choices=("POST", "GET"), default="POST", help="POST (default) or GET")
    v.add_argument(
        "--webhook",
        choices=("voice", "messaging", "none"),
        default="voice",
        help="the default fields sent (CallSid, From, To… for voice); -d adds or replaces",
    )
    v.add_argument("--public-url", metavar="URL", help="sign for this base URL (the server's --public-url)")
    v.add_argument(
        "--sha256", action="store_true", help="sign with HMAC-SHA256 and TWILIO_WEBHOOK_SHARED_KEY (else SHA1)"
    )
    v.add_argument(
        "--provider",
        type=_provider_name,
        choices=_provider_names(),
        help="sign as this provider does: Twilio (TWILIO_AUTH_TOKEN), SignalWire (X-SignalWire-Signature with "
        "SIGNALWIRE_SIGNING_KEY or SIGNALWIRE_TOKEN) or Telnyx (Ed25519 with a test key, TELNYX_PRIVATE_KEY, whose "
        "public half is the server's TELNYX_PUBLIC_KEY); default: [tool.twimlc] target in pyproject.toml, else twilio",
    )
    v.add_argument("--no-sign", action="store_true", help="send the request without a signature")
    v.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (default 10)")
    v.set_defaults(func=_cmd_invoke)


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    # the command named first (`twimlc check …`): only its parser is built; anything else
    # (options first, no command, an unknown one) builds them all, for help and errors
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "usage_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return result
