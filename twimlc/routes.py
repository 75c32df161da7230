"""The route model: which URL path a file of a folder answers, and where a URL in a
document leads. Shared by ``serve`` (answering requests), ``graph`` and ``simulate``
(following a call), so that all three agree on what ``/voice/menu`` is.

* ``DIR/voice/menu.twl`` answers ``/voice/menu``; ``DIR/index.twl`` answers ``/`` and
  ``DIR/voice/index.twl`` answers ``/voice``.
* TwiML files (``.twiml``, and ``.xml`` whose root is TwiML) answer the path without their
  extension and also with it (``/hello`` and ``/hello.xml``), as a static host would.
* Relative URLs in a document resolve against the URL of the route that served it, as
  Twilio resolves them (RFC 3986): ``action=next`` in ``/voice/menu`` is ``/voice/next``,
  ``action=/next`` is ``/next``. Absolute URLs on the app's own public host are local.
* A URL with ``{{params}}`` is a pattern: each placeholder matches one path segment's text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

TEMPLATE_SUFFIX = ".twl"
STATIC_SUFFIXES = (".twiml", ".xml")
_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One file of the folder and the URL path it answers (its canonical path)."""

    path: str  # "/voice/menu"
    file: str  # the file, as found under the folder
    static: bool  # TwiML XML served as it is (else a .twl template)
    aliases: tuple[str, ...] = ()  # other paths it answers: "/hello.xml" for a static file


@dataclass(frozen=True, slots=True)
class RouteConflict:
    """Two files that would answer the same path."""

    path: str
    files: tuple[str, str]


def route_path(relative: str) -> str:
    """The canonical URL path of a file, given its path relative to the folder."""
    stem, _ = os.path.splitext(relative.replace(os.sep, "/"))
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "index":
        parts.pop()
    return "/" + "/".join(parts)


class Routes:
    """The routes of one folder. Build with :meth:`scan` (or from explicit routes)."""

    def __init__(self, routes: list[Route], conflicts: list[RouteConflict] | None = None) -> None:
        self.routes = sorted(routes, key=lambda r: r.path)
        self.conflicts = conflicts or []
        self._by_path: dict[str, Route] = {}
        for r in self.routes:
            self._by_path[r.path] = r
        for r in self.routes:
            for alias in r.aliases:
                self._by_path.setdefault(alias, r)

    @classmethod
    def scan(cls, directory: str, is_twiml: Callable[[str], bool] | None = None) -> Routes:
        """Every ``.twl``, ``.twiml`` and ``.xml`` file below ``directory`` (hidden folders
        skipped). ``is_twiml(path) -> bool`` decides whether an ``.xml`` file is TwiML (by
        default every one is); other files are not routes."""
        found: dict[str, Route] = {}
        conflicts: list[RouteConflict] = []
        for root, dirs, names in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or not name.endswith((TEMPLATE_SUFFIX, *STATIC_SUFFIXES)):
                    continue
                file = os.path.join(root, name)
                if name.endswith(".xml") and is_twiml is not None and not is_twiml(file):
                    continue
                relative = os.path.relpath(file, directory).replace(os.sep, "/")
                static = not name.endswith(TEMPLATE_SUFFIX)
                route = Route(route_path(relative), file, static, ("/" + relative,) if static else ())
                other = found.get(route.path)
                if other is not None:
                    conflicts.append(RouteConflict(route.path, (other.file, file)))
                    continue
                found[route.path] = route
        return cls(list(found.values()), conflicts)

    def match(self, path: str) -> Route | None:
        """The route answering a request path (a trailing slash is ignored)."""
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/") or "/"
        return self._by_path.get(path)

    def target(self, url: str, base: str, public_url: str | None = None) -> str | None:
        """The local path ``url`` (written in the document served at ``base``) leads to,
        or ``None`` when it leaves the app (another host). Query and fragment dropped."""
        resolved = resolve(url, base, public_url)
        return resolved[0] if resolved[1] else None

    def find(self, url: str, base: str, public_url: str | None = None) -> list[Route]:
        """The routes a URL can lead to: one for a plain URL, possibly several when it
        has ``{{params}}`` (a pattern), none for a dangling or external link."""
        path, local = resolve(url, base, public_url)
        if not local:
            return []
        if "{{" not in url:
            route = self.match(path)
            return [route] if route else []
        pattern = url_pattern(path)
        return [r for r in self.routes if pattern.fullmatch(r.path)]


def resolve(url: str, base: str, public_url: str | None = None) -> tuple[str, bool]:
    """(path, local): ``url`` resolved against the route path ``base`` as Twilio resolves
    a relative URL against the document's URL; ``local`` is False for another host."""
    root = public_url.rstrip("/") if public_url else "http://twimlc.invalid"
    if not url.strip():
        return base, True  # an empty URL (e.g. <Redirect/>) requests the same document
    absolute = urljoin(root + base, url.strip())
    parts, own = urlsplit(absolute), urlsplit(root)
    local = parts.scheme in ("http", "https") and parts.netloc.lower() == own.netloc.lower()
    path = parts.path or "/"
    prefix = own.path.rstrip("/")
    if local and prefix:
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
        else:
            local = False
    return path, local


def url_pattern(path: str) -> re.Pattern[str]:
    """A path with ``{{params}}`` as a regular expression: each placeholder stands for any
    text without a slash (URL-encoded placeholders, ``%7B%7Bx%7D%7D``, count too)."""
    text = path.replace("%7B%7B", "{{").replace("%7D%7D", "}}").replace("%7b%7b", "{{").replace("%7d%7d", "}}")
    pieces = _PLACEHOLDER.split(text)
    return re.compile("[^/]*".join(re.escape(p) for p in pieces))
