"""The sanitiser's cost is linear in its input for every adversarial shape (issue 11, defect 2).

Python-Markdown took 1.2 s for 1,000 unclosed "[" and 6 s for 2,000; nested quotes and
lists hit its recursion limit; bleach's HTML5 parser is quadratic in nesting depth.
bench/markdown.py reports the times; these checks cannot flake: a size ratio with a
generous factor, and the nesting depth of the output, counted.
"""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest

from bench.markdown import SHAPES
from ideaboard.sanitize import MAX_DEPTH, render_markdown
from tests.helpers.xss import assert_nothing_executable

SMALL, FACTOR = 200, 16
# Linear work grows about FACTOR times (up to 3x that on a busy machine, whose caches favour
# small inputs); quadratic work FACTOR**2 = 256 times; the old renderer 190 to 1,000 times.
LIMIT = 100


def _fastest(text: str, runs: int = 7) -> float:
    """The least CPU time of ``runs`` renders: time spent waiting for a core is not counted."""
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        render_markdown(text)
        best = min(best, time.thread_time() - start)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_render_time_grows_linearly(shape):
    small, large = SHAPES[shape](SMALL), SHAPES[shape](SMALL * FACTOR)
    render_markdown(small)  # warm up: the first call pays for loading
    # Fastest of several runs each: the least disturbed by whatever else the machine does.
    ratio = _fastest(large) / max(_fastest(small), 1e-6)
    assert ratio < LIMIT, f"{shape}: {FACTOR}x the text took {ratio:.0f}x the time"


class _Depth(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "input"})

    def __init__(self):
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.depth -= 1


def deepest(html: str) -> int:
    parser = _Depth()
    parser.feed(html)
    parser.close()
    return parser.deepest


@pytest.mark.parametrize("source", [
    "> " * 3000 + "x",
    "- " * 3000 + "x",
    "".join("  " * n + "- x\n" for n in range(300)),
    "<ul><li>" * 3000,
    "<blockquote>" * 3000 + "x" + "</blockquote>" * 3000,
    "*a " * 3000,
    '<em title="</em>">' * 3000,  # a fake end tag in an attribute must not hide an open tag
    "<em><strong>x</em>" * 3000,
])
def test_nesting_is_bounded(source):
    html = render_markdown(source)
    assert deepest(html) <= MAX_DEPTH
    assert_nothing_executable(html)


def test_text_beyond_the_depth_bound_is_kept():
    html = render_markdown("> " * 100 + "the point")
    assert "the point" in html
    assert html.count("<blockquote>") == html.count("</blockquote>") < 100


@pytest.mark.parametrize("source, shown, hidden", [
    ("a <!-- note --> b", "a  b", "note"),
    ("a <!-- never closed", "&lt;!-- never closed", None),
    ("<!-- x --> then <!-- open", "&lt;!-- open", " x "),
    ("<em>open\n\nnext", "<em>open</em>", None),
    ("text</strong> more", "text more", "</strong>"),
    ('<a href="https://x.example" title="t" onclick="y">l</a>', 'title="t"', "onclick"),
    ("<div>x</div>", "&lt;div&gt;x&lt;/div&gt;", None),
])
def test_raw_html_is_balanced_and_unknown_tags_show_as_text(source, shown, hidden):
    html = render_markdown(source)
    assert shown in html
    if hidden is not None:
        assert hidden not in html
    assert_nothing_executable(html)
