"""The one sanitiser: Markdown rendered to HTML once, on write, and cleaned against an allow-list.

Every piece of user-written text (ideas, comments, outcomes, rationales shown as
rich text) goes through ``render_markdown``; its output is the only HTML a template
may mark ``|safe``. Raw HTML typed by a user is never passed through: every tag
outside the allow-list is escaped, so it shows as text.

The cost is linear in the input for every shape of text, because each stage is:

1. ``cmarkgfm`` (GitHub's C implementation of CommonMark, fuzzed for pathological
   input) renders the Markdown, bare URLs linked by its autolink extension.
   Python-Markdown, used before, took seconds on a few thousand unclosed ``[``.
2. ``_normalise`` rewrites the result in one pass into canonical, balanced markup of
   allow-listed tags only, at most ``MAX_DEPTH`` elements deep. HTML5 tree building
   scans the stack of open elements for many tags, so unbounded nesting
   (``> > > ...``, ``<ul><li>`` runs) costs time quadratic in the depth.
3. ``nh3`` (the Rust ``ammonia`` sanitiser) is the security boundary: it parses the
   markup as a browser would, keeps only the allow-list, checks URL schemes and sets
   ``rel`` on links. Step 2 only shapes its input; it is never relied on for safety.

``bench/markdown.py`` measures each stage against adversarial shapes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "em", "strong", "del", "code", "pre", "blockquote",
        "ul", "ol", "li",
        "a",
        "h1", "h2", "h3",
    }
)
# The attributes the output may carry. "rel" is never taken from the input: nh3 drops the
# user's and sets LINK_REL on every link.
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# Deeper elements lose their tags (their text stays): real posts nest a handful deep.
MAX_DEPTH = 32

# Raw HTML goes on to step 2, which escapes what is not allowed; a single "~" stays a tilde.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
_CMARK_EXTENSIONS = ["autolink", "strikethrough"]

_VOID_TAGS = frozenset({"br", "hr"})
# Headings deeper than h3 are folded into h3 so a post cannot outshout the page.
_TAG_NAMES = {name: name for name in ALLOWED_TAGS} | {"h4": "h3", "h5": "h3", "h6": "h3"}
_START = {name: f"<{name}>" for name in ALLOWED_TAGS}
_END = {name: f"</{name}>" for name in ALLOWED_TAGS}
_NH3_ATTRIBUTES = {tag: set(names) - {"rel"} for tag, names in ALLOWED_ATTRIBUTES.items()}

# A comment, or a start or end tag as CommonMark defines one except that "<" may not
# appear inside it, or any other "<". Keeping "<" out of tags keeps every failed match
# short (it stops at the next "<"), so trying each "<" costs linear time in total; a tag
# with "<" in an attribute value is rare and simply shows as text. Comments are matched
# only where one can close (see _normalise), so the lazy scan never runs to the end twice.
_TOKEN = re.compile(
    r"""<!--(?:-?>|[\s\S]*?-->)"""
    r"""|<(/?)([A-Za-z][A-Za-z0-9-]*)"""
    r"""((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"<]*"|'[^'<]*'|[^\s"'=<>`]+))?)*)\s*/?>"""
    r"""|<"""
)
_ATTRIBUTE = re.compile(
    r"""\s+([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"<]*)"|'([^'<]*)'|([^\s"'=<>`]+)))?""")


# How cmark writes a link: the common case, taken without parsing each attribute.
_PLAIN_LINK = re.compile(r'\s+href="([^"<]*)"(\s+title="[^"<]*")?')


def _link_tag(attributes: str) -> str:
    """``<a>`` with only its first href and title, re-quoted (their entities stay as typed)."""
    if _PLAIN_LINK.fullmatch(attributes):
        return f"<a{attributes}>"
    kept: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(attributes):
        name = match.group(1).lower()
        if name in _NH3_ATTRIBUTES["a"] and name not in kept:  # the first one wins, as in HTML
            value = next((v for v in match.groups()[1:] if v is not None), "")
            kept[name] = value.replace('"', "&quot;")
    return "<a" + "".join(f' {name}="{value}"' for name, value in kept.items()) + ">"


def _normalise(rendered: str) -> str:
    """Rendered HTML as canonical, balanced, allow-listed tags at most MAX_DEPTH deep.

    One pass over the text. Comments are dropped; every other "<" that does not start
    an allowed tag is escaped; allowed tags lose their attributes (links keep href and
    title); end tags close what they match and whatever is open inside it, and stray
    ones are dropped; tags opened beyond MAX_DEPTH are dropped with their end tags.
    """
    stack: list[str] = []
    overflow: list[str] = []  # names opened beyond MAX_DEPTH, whose tags are dropped

    def token(match: re.Match) -> str:
        closing, name, attributes = match.group(1, 2, 3)
        if name is None:  # a comment, or a "<" that starts no tag
            return "" if match.end() - match.start() > 1 else "&lt;"
        name = _TAG_NAMES.get(name.lower())
        if name is None:
            return "&lt;" + match.group()[1:]
        if name in _VOID_TAGS:
            return _START[name]
        if not closing:
            if len(stack) >= MAX_DEPTH:
                overflow.append(name)
                return ""
            stack.append(name)
            return _link_tag(attributes) if name == "a" else _START[name]
        if overflow:
            if overflow[-1] == name:
                overflow.pop()
            return ""
        if name not in stack:  # at most MAX_DEPTH to search
            return ""
        closed = []
        while (top := stack.pop()) != name:
            closed.append(_END[top])
        closed.append(_END[name])
        return "".join(closed)

    # No comment can close after the last "-->": an opening there shows as text.
    last_close = rendered.rfind("-->")
    cut = last_close + 3 if last_close >= 0 else 0
    tail = rendered[cut:].replace("<!--", "&lt;!--")
    out = _TOKEN.sub(token, rendered[:cut]) + _TOKEN.sub(token, tail)
    return out + "".join(_END[name] for name in reversed(stack))


# Characters some browsers have skipped while reading a URL's scheme ("java\u200bscript:").
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _safe_href(element: str, attribute: str, value: str) -> str | None:
    """Drop a link whose scheme, read past invisible characters, is not allowed.

    nh3 checks schemes as the URL standard parses them, which takes
    "\u2028javascript:" for a relative path; reading it the lenient way costs nothing.
    """
    if attribute == "href":
        scheme = _SCHEME.match(_IGNORED_IN_URL.sub("", value))
        if scheme and scheme.group(1).lower() not in ALLOWED_PROTOCOLS:
            return None
    return value


def _render(text: str) -> str:
    """Markdown to HTML, raw HTML included (``_normalise`` and ``_clean`` deal with it)."""
    return cmarkgfm.markdown_to_html_with_extensions(
        text, options=_CMARK_OPTIONS, extensions=_CMARK_EXTENSIONS
    )


def _clean(normalised: str) -> str:
    """The security boundary: nh3 keeps the allow-list, safe URLs and gives links LINK_REL."""
    return nh3.clean(
        normalised,
        tags=set(ALLOWED_TAGS),
        attributes=_NH3_ATTRIBUTES,
        url_schemes=set(ALLOWED_PROTOCOLS),
        attribute_filter=_safe_href,
        link_rel=LINK_REL,
        strip_comments=True,
    )


# The stages of render_markdown in order, named for bench/markdown.py, which times each.
STAGES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("cmark", _render), ("normalise", _normalise), ("nh3", _clean),
)


def clean_html(fragment: str) -> str:
    """Clean an HTML fragment against the allow-list and give every link a safe rel."""
    return _clean(_normalise(fragment))


def render_markdown(text: str) -> str:
    """Markdown source to safe HTML (the stored, displayed form), in time linear in the text."""
    return clean_html(_render(text or ""))


# Block elements separate words; inline ones (strong, em, a, code, del) do not, so
# "**paper**." stays "paper." rather than "paper .".
_BLOCK_TAG = re.compile(r"</?(?:p|br|hr|pre|blockquote|ul|ol|li|h[1-6])\b[^>]*>", re.IGNORECASE)
_TAG_ANY = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


# Control characters have no place in stored text (PostgreSQL even refuses NUL); tab,
# line feed and carriage return are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str | None) -> str:
    """``text`` (None for empty) without its control characters, tabs and line breaks
    kept: what is stored of a title, body, comment or reason a person typed."""
    return _CONTROL.sub("", text or "")


def plain_text(rendered_html: str) -> str:
    """The visible text of sanitised HTML, on one line."""
    text = _TAG_ANY.sub("", _BLOCK_TAG.sub(" ", rendered_html))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def excerpt(rendered_html: str, length: int = 280) -> str:
    """A plain-text excerpt of at most ``length`` characters, cut at a word."""
    text = plain_text(rendered_html)
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0]
    return cut + "\u2026"
