"""Walking a keyset-paged list through its pager links, as a reader does."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from tests.helpers.queries import QueryCounter

_LINK = r'<a href="([^"]+)" rel="{rel}">'


def pager_link(page: str, rel: str) -> str | None:
    """The address of the pager's "prev" or "next" link on ``page``, or None."""
    found = re.search(_LINK.format(rel=rel), page)
    return html.unescape(found.group(1)) if found else None


def get_page(client, url: str) -> str:
    """The HTML of ``url``, which must answer 200."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def walk(client, url: str, ids: Callable[[str], list[int]], *,
         max_pages: int = 50) -> tuple[list[list[int]], list[list[int]]]:
    """The ids on each page from ``url`` following "Next" to the end, then from the
    last page following "Previous" back to the first (listed first page first)."""
    forward, page = [], get_page(client, url)
    forward.append(ids(page))
    while (link := pager_link(page, "next")) is not None:
        assert len(forward) < max_pages, "the pager never ends"
        page = get_page(client, link)
        forward.append(ids(page))
    backward = [ids(page)]
    while (link := pager_link(page, "prev")) is not None:
        assert len(backward) < max_pages, "the pager never ends"
        page = get_page(client, link)
        backward.insert(0, ids(page))
    assert pager_link(page, "prev") is None
    return forward, backward


def assert_walks_in_order(client, url: str, ids: Callable[[str], list[int]],
                          expected: list[int], per_page: int) -> None:
    """Forward and back, the pages of ``url`` show ``expected`` in order, each item
    once, ``per_page`` to a page (the last may hold fewer)."""
    forward, backward = walk(client, url, ids)
    assert [item for page in forward for item in page] == expected
    assert backward == forward
    assert all(len(page) == per_page for page in forward[:-1])


def skipping_offsets(counter: QueryCounter) -> list[str]:
    """The statements ``counter`` saw with an OFFSET other than 0. SQLAlchemy writes
    ``OFFSET ?`` after every LIMIT on SQLite, bound to 0; that skips nothing."""
    found = []
    for statement, parameters in zip(counter.statements, counter.parameters, strict=True):
        for offset in re.finditer(r"\bOFFSET (\?|%\((\w+)\)s)", statement, re.I):
            value = (parameters[offset.group(2)] if offset.group(2)
                     else parameters[statement[:offset.start(1)].count("?")])
            if value != 0:
                found.append(statement)
    return found


def deep_page_statements(client, url: str, ids: Callable[[str], list[int]],
                         pages: int) -> tuple[QueryCounter, QueryCounter]:
    """The SQL of ``url`` (page 1) and of the page ``pages`` - 1 "Next" links further.
    Page 1 is read once before it is counted, as the deep page has been: what a list
    keeps between views (a search's ranking) is kept for both."""
    get_page(client, url)
    with QueryCounter() as first:
        page = get_page(client, url)
    for _ in range(pages - 2):
        link = pager_link(page, "next")
        assert link is not None
        page = get_page(client, link)
    link = pager_link(page, "next")
    assert link is not None
    with QueryCounter() as deep:
        page = get_page(client, link)
    assert ids(page), "the deep page is empty"
    return first, deep


def assert_deep_page_seeks(client, url: str, ids: Callable[[str], list[int]],
                           pages: int) -> None:
    """Page ``pages`` of ``url`` runs as many statements as page 1, none with OFFSET."""
    first, deep = deep_page_statements(client, url, ids, pages)
    assert deep.count == first.count, (first.statements, deep.statements)
    offset = skipping_offsets(first) + skipping_offsets(deep)
    assert not offset, offset


FORGED = ["x", "WyJhZnRlciIsMSwxLDFd", "WyJhZnRlciIsMSwxLDFd.bad-signature", "%00", "a" * 700,
          "a" * 5000]


def assert_forged_cursors_refused(client, url: str) -> None:
    """Broken or forged cursors on ``url`` are a 400 page, never a 500; a cursor of
    another list too."""
    separator = "&" if "?" in url else "?"
    for cursor in FORGED:
        response = client.get(f"{url}{separator}cursor={cursor}")
        assert response.status_code == 400, (cursor, response.status_code)
        assert "page link is broken" in response.get_data(as_text=True)
