"""The one sanitiser: Markdown rendered to HTML once, on write, and cleaned with bleach.

Every piece of user-written text (ideas, comments, outcomes, rationales shown as
rich text) goes through ``render_markdown``; its output is the only HTML a template
may mark ``|safe``. Raw HTML typed by a user is never passed through: bleach escapes
every tag outside the allow-list, so it shows as text.
"""

from __future__ import annotations

import html
import re
import threading

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, Linker

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "em", "strong", "del", "code", "pre", "blockquote",
        "ul", "ol", "li",
        "a",
        "h1", "h2", "h3",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

# Headings deeper than h3 are folded into h3 so a post cannot outshout the page.
_DEEP_HEADING = re.compile(r"<(/?)h[4-6]\b", re.IGNORECASE)

# A Markdown converter keeps state between calls, so each thread gets its own.
_local = threading.local()


def _converter() -> markdown.Markdown:
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(
            extensions=["fenced_code", "sane_lists"], output_format="html"
        )
    return converter.reset()


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href or href.startswith("#"):
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _CodeSafeLinkifyFilter(LinkifyFilter):
    """bleach's linkify filter, minus double escaping inside ``skip_tags``.

    bleach passes text inside skipped tags (our ``pre`` and ``code``) on with its
    entities still raw, so the serializer escapes them again: ``x < y`` in a code
    block would show as ``x &lt; y``. Decoding entities in every text token fixes
    that; text outside those tags was decoded already, and decoding twice is a no-op.
    """

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "Characters":
                yield from self.extract_entities(token)
            else:
                yield token


class _Linker(Linker):
    def linkify(self, text: str) -> str:
        if not text:
            return ""
        filtered = _CodeSafeLinkifyFilter(
            source=self.walker(self.parser.parseFragment(text)),
            callbacks=self.callbacks,
            skip_tags=self.skip_tags,
            parse_email=self.parse_email,
            url_re=self.url_re,
            email_re=self.email_re,
        )
        return self.serializer.render(filtered)


_linker = _Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)


def clean_html(fragment: str) -> str:
    """Clean an HTML fragment against the allow-list and give every link a safe rel."""
    cleaned = bleach.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
    )
    return _linker.linkify(cleaned)


def render_markdown(text: str) -> str:
    """Markdown source to safe HTML (the stored, displayed form)."""
    rendered = _converter().convert(text or "")
    rendered = _DEEP_HEADING.sub(lambda m: f"<{m.group(1)}h3", rendered)
    return clean_html(rendered)


# Block elements separate words; inline ones (strong, em, a, code, del) do not, so
# "**paper**." stays "paper." rather than "paper .".
_BLOCK_TAG = re.compile(r"</?(?:p|br|hr|pre|blockquote|ul|ol|li|h[1-6])\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(rendered_html: str) -> str:
    """The visible text of sanitised HTML, on one line."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", rendered_html))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def excerpt(rendered_html: str, length: int = 280) -> str:
    """A plain-text excerpt of at most ``length`` characters, cut at a word."""
    text = plain_text(rendered_html)
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0]
    return cut + "\u2026"
