"""The sanitiser against a corpus of XSS payloads, and its allow-list behaviour."""

from __future__ import annotations

import re

import pytest

from ideaboard.sanitize import LINK_REL, excerpt, plain_text, render_markdown, strip_control
from tests.helpers.xss import assert_nothing_executable, load_payloads, problems, url_scheme

PAYLOADS = load_payloads()


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 200
    joined = "\n".join(PAYLOADS).lower()
    for vector in ("<script", "onerror", "javascript:", "data:", "jav&#x09;ascript", "<svg",
                   "<math", "expression(", "<iframe", "<object", "<embed", "<base", "<meta",
                   "<form", "<link", "<style", "](javascript:", "![", "<javascript:", "&#106;"):
        assert vector in joined, vector


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_renders_to_nothing_executable(payload):
    assert_nothing_executable(render_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_stays_safe_when_its_output_is_rendered_again(payload):
    """Escaped text fed back in (quoted, copied into a comment) must not come alive."""
    assert_nothing_executable(render_markdown(render_markdown(payload)))


# The checker itself must catch what it is meant to catch, or the tests above prove nothing.
@pytest.mark.parametrize("html", [
    '<script>alert(1)</script>',
    '<img src="x">',
    '<p onclick="alert(1)">x</p>',
    '<p style="color:red">x</p>',
    f'<a href="javascript:alert(1)" rel="{LINK_REL}">x</a>',
    f'<a href="jav&#x09;ascript:alert(1)" rel="{LINK_REL}">x</a>',
    f'<a href=" JaVaScRiPt:alert(1)" rel="{LINK_REL}">x</a>',
    f'<a href="data:text/html,x" rel="{LINK_REL}">x</a>',
    '<a href="https://example.com">no rel</a>',
    '<a href="https://example.com" title="t" id="x" rel="nofollow noopener noreferrer">x</a>',
    '<!-- comment -->',
    '<h4>too deep</h4>',
])
def test_checker_catches_unsafe_html(html):
    assert problems(html)


def test_checker_accepts_safe_html():
    assert_nothing_executable(
        f'<h1>a</h1><p><strong>b</strong> <a href="https://x.example" rel="{LINK_REL}">c</a>'
        f' <a href="mailto:a@example.com" rel="{LINK_REL}">d</a> &lt;script&gt;</p>'
    )


@pytest.mark.parametrize("url, scheme", [
    ("javascript:alert(1)", "javascript"),
    (" \tjava\nscript:x", "javascript"),
    ("\x01JAVASCRIPT:x", "javascript"),
    ("java\u200bscript:x", "javascript"),
    ("https://example.com", "https"),
    ("/relative", None),
    ("#frag", None),
])
def test_url_scheme_sees_what_a_browser_sees(url, scheme):
    assert url_scheme(url) == scheme


def test_markdown_formatting_survives():
    html = render_markdown("# Title\n\nSome **bold**, *em*, `code` and ~~x~~.\n\n"
                           "- one\n- two\n\n> quoted\n\n```\nx < y\n```")
    for tag in ("<h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>",
                "<ul>", "<li>one</li>", "<blockquote>", "<pre><code>x &lt; y"):
        assert tag in html
    assert_nothing_executable(html)


@pytest.mark.parametrize("source, expected", [
    ("`a < b & c`", "<code>a &lt; b &amp; c</code>"),
    ("```\nif x < 5 && y > 2:\n```", "<pre><code>if x &lt; 5 &amp;&amp; y &gt; 2:\n</code></pre>"),
    ("    indented < code", "<pre><code>indented &lt; code\n</code></pre>"),
    ("a &amp;lt; b", "<p>a &amp;lt; b</p>"),
    ("x &lt; y & z", "<p>x &lt; y &amp; z</p>"),
])
def test_special_characters_are_escaped_exactly_once(source, expected):
    """Code shows what was typed: no double escaping (once a bleach linkify quirk in pre/code)."""
    assert expected in render_markdown(source)


def test_urls_in_code_stay_text():
    html = render_markdown("`www.example.com` and www.example.com")
    assert "<code>www.example.com</code>" in html
    assert html.count("<a ") == 1


def test_links_get_the_safe_rel():
    html = render_markdown("[a](https://example.com) and <https://example.org> and "
                           "www.example.net and [m](mailto:x@example.com)")
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 4
    for link in links:
        assert f'rel="{LINK_REL}"' in link
    assert_nothing_executable(html)


def test_a_user_supplied_rel_is_replaced():
    html = render_markdown('<a href="https://example.com" rel="opener">x</a>')
    assert f'rel="{LINK_REL}"' in html
    assert "opener\"" not in html


@pytest.mark.parametrize("source", [
    "#### four", "##### five", "###### six", "<h4>four</h4>", "<H5>five</H5>", "<h6 id=x>six</h6>",
])
def test_deep_headings_are_folded_to_h3(source):
    html = render_markdown(source)
    assert "<h3>" in html
    assert not re.search(r"<h[4-6]", html, re.IGNORECASE)


@pytest.mark.parametrize("source", ["javascript:alert(1)", "[x](javascript:alert(1))",
                                    "<a href='javascript:alert(1)'>x</a>"])
def test_dangerous_links_keep_their_text_but_lose_the_url(source):
    html = render_markdown(source)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only in text, never a URL
    assert_nothing_executable(html)


def test_raw_html_outside_the_allow_list_shows_as_text():
    html = render_markdown("<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_style_attributes_are_dropped():
    html = render_markdown('<p style="color:red">x</p><strong style="x">y</strong>')
    assert "style" not in html
    assert "<strong>y</strong>" in html


def test_excerpt_is_plain_text_cut_at_a_word():
    html = render_markdown("**Bold** start. " + "word " * 100)
    text = excerpt(html, length=50)
    assert text.startswith("Bold start.")
    assert len(text) <= 50 and text.endswith("\u2026")
    assert "<" not in text
    assert plain_text("<p>a &amp; b</p>") == "a & b"


@pytest.mark.parametrize("source, text", [
    ("Saves **paper**.", "Saves paper."),
    ("# Plan\n\nStep *one*, [two](https://x.example).", "Plan Step one, two."),
    ("- a\n- b", "a b"),
    ("line one  \nline two", "line one line two"),
    ("`x < y` & z", "x < y & z"),
])
def test_plain_text_keeps_words_and_punctuation_together(source, text):
    assert plain_text(render_markdown(source)) == text


def test_strip_control_keeps_text_and_its_line_breaks():
    """The one control-character rule for what people type (ideas, comments, reports)."""
    assert strip_control("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert strip_control("one\ttwo\r\nthree\n") == "one\ttwo\r\nthree\n"
    assert strip_control(None) == ""
