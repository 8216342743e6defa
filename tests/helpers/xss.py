"""Checks that sanitised HTML cannot run anything, shared by the idea and comment tests.

``assert_nothing_executable(html)`` parses the HTML the way a browser tokenises
it (Python's html.parser, attribute values unescaped) and fails on any element
outside the sanitiser's allow-list, any event-handler or style attribute, any
link whose scheme is not http, https or mailto, any link without the safe rel,
and any comment, declaration or processing instruction.
``load_payloads()`` reads tests/helpers/xss_payloads.txt.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ideaboard.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
SAFE_SCHEMES = {"http", "https", "mailto"}
# Browsers ignore these anywhere in a URL before deciding its scheme.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_ESCAPES = re.compile(r"\\(n|t|0|x[0-9a-fA-F]{2})")


def _unescape_line(line: str) -> str:
    r"""A payload line may spell a newline, tab or control character as \n, \t, \0, \xHH."""

    def replace(match: re.Match) -> str:
        code = match.group(1)
        return {"n": "\n", "t": "\t", "0": "\x00"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPES.sub(replace, line)


def load_payloads() -> list[str]:
    """Every payload of tests/helpers/xss_payloads.txt (one per line, escapes decoded)."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    return [_unescape_line(line) for line in lines if line.strip()]


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in an (already entity-decoded) URL, lower-cased."""
    match = _SCHEME.match(_IGNORED_IN_URL.sub("", url))
    return match.group(1).lower() if match else None


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}> outside the allow-list")

    def handle_comment(self, data):
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl):
        self.problems.append(f"declaration <!{decl}>")

    def unknown_decl(self, data):
        self.problems.append(f"declaration <![{data}]>")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction <?{data}>")

    def _check(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element <{tag}> outside the allow-list")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name not in allowed:
                self.problems.append(f"attribute {name}= not allowed on <{tag}>")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"}:
                scheme = url_scheme(value or "")
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} with scheme {scheme}:")
        if (tag == "a" and values.get("href") and not values["href"].startswith("#")
                and values.get("rel") != LINK_REL):
            self.problems.append(f"link {values['href']!r} has rel={values.get('rel')!r}")


def problems(html: str) -> list[str]:
    """Everything in ``html`` that could execute or escape the allow-list."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.problems


def assert_nothing_executable(html: str) -> None:
    """Fail with a readable list if sanitised ``html`` could run script or break out."""
    found = problems(html)
    assert not found, f"unsafe HTML {html!r}: {found}"
