"""The idea page is assembled from sections that each capability contributes.

A capability registers a loader with ``@idea_page_section("name")``; the loader
gets the idea and the viewer and returns the template variables its partial
needs (``templates/<capability>/_idea_*.html``), loading them in a fixed number
of queries. The ideas view merges them, so the page knows nothing of comments
or reviews, and its query count stays constant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Loader = Callable[[Any, Any], dict[str, Any]]
_SECTIONS: dict[str, Loader] = {}


def idea_page_section(name: str) -> Callable[[Loader], Loader]:
    """Register the loader of one section of the idea page."""

    def register(loader: Loader) -> Loader:
        _SECTIONS[name] = loader
        return loader

    return register


def idea_page_context(idea, viewer) -> dict[str, Any]:
    """Every registered section's template variables for this idea and viewer."""
    context: dict[str, Any] = {}
    for loader in _SECTIONS.values():
        context.update(loader(idea, viewer))
    return context
