"""The route model shared by serve, graph and simulate: file ↔ URL path, and where a URL
written in a document leads (relative URLs resolved as Twilio resolves them, RFC 3986)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twimlc.routes import Routes, resolve, route_path, url_pattern


@pytest.mark.parametrize(
    ("relative", "path"),
    [
        ("index.twl", "/"),
        ("menu.twl", "/menu"),
        ("voice/menu.twl", "/voice/menu"),
        ("voice/index.twl", "/voice"),
        ("hello.xml", "/hello"),
        ("a/b/c.twiml", "/a/b/c"),
    ],
)
def test_route_path(relative: str, path: str) -> None:
    assert route_path(relative) == path


def _tree(tmp_path: Path, files: list[str]) -> Path:
    for f in files:
        p = tmp_path / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text('say "x"\n' if f.endswith(".twl") else "<Response/>", encoding="utf-8")
    return tmp_path


def test_scan_and_match(tmp_path: Path) -> None:
    root = _tree(
        tmp_path, ["index.twl", "voice/menu.twl", "voice/index.twl", "static/hello.xml", ".hidden/x.twl", "notes.txt"]
    )
    routes = Routes.scan(str(root))
    assert [r.path for r in routes.routes] == ["/", "/static/hello", "/voice", "/voice/menu"]
    assert routes.match("/voice/menu").file.endswith("menu.twl")  # type: ignore[union-attr]
    assert routes.match("/voice/menu/") is routes.match("/voice/menu")
    assert routes.match("/static/hello.xml") is routes.match("/static/hello")
    assert routes.match("/voice/menu.twl") is None  # a template answers its path only
    assert routes.match("/nothing") is None
    assert routes.conflicts == []


def test_two_files_for_one_path_conflict(tmp_path: Path) -> None:
    root = _tree(tmp_path, ["menu.twl", "menu.xml"])
    routes = Routes.scan(str(root))
    assert [c.path for c in routes.conflicts] == ["/menu"]


def test_xml_that_is_not_twiml_is_not_a_route(tmp_path: Path) -> None:
    root = _tree(tmp_path, ["pom.xml", "a.xml"])
    routes = Routes.scan(str(root), is_twiml=lambda f: not f.endswith("pom.xml"))
    assert [r.path for r in routes.routes] == ["/a"]


@pytest.mark.parametrize(
    ("url", "base", "public", "expected"),
    [
        ("next", "/voice/menu", None, ("/voice/next", True)),
        ("/next", "/voice/menu", None, ("/next", True)),
        ("../x", "/voice/menu", None, ("/x", True)),
        ("next?a=1", "/voice/menu", None, ("/voice/next", True)),
        ("", "/voice/menu", None, ("/voice/menu", True)),  # <Redirect/>: the same document again
        ("https://example.com/next", "/menu", None, ("/next", False)),
        ("https://app.example.com/next", "/menu", "https://app.example.com", ("/next", True)),
        ("https://APP.example.com/next", "/menu", "https://app.example.com", ("/next", True)),
        ("https://app.example.com/twiml/next", "/menu", "https://app.example.com/twiml", ("/next", True)),
        ("https://app.example.com/other/next", "/menu", "https://app.example.com/twiml", ("/other/next", False)),
        ("menu2", "/", "https://app.example.com/twiml/", ("/menu2", True)),
    ],
)
def test_resolve(url: str, base: str, public: str | None, expected: tuple[str, bool]) -> None:
    assert resolve(url, base, public) == expected


def test_patterns_with_params(tmp_path: Path) -> None:
    root = _tree(tmp_path, ["menu/sales.twl", "menu/support.twl", "other.twl"])
    routes = Routes.scan(str(root))
    assert [r.path for r in routes.find("/menu/{{choice}}", "/")] == ["/menu/sales", "/menu/support"]
    assert [r.path for r in routes.find("/menu/sales?call={{sid}}", "/")] == ["/menu/sales"]
    assert routes.find("/missing", "/") == []
    assert url_pattern("/a/%7B%7Bx%7D%7D").fullmatch("/a/b")
    assert not url_pattern("/a/{{x}}").fullmatch("/a/b/c")
