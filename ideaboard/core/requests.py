"""The request class: text arrives without NUL characters.

No person types a NUL, PostgreSQL can neither store nor compare one, and a pasted
one would otherwise turn a search or a log-in into a database error. Removing it
where requests are parsed keeps every form and query safe, and keeps the rest of
what was typed.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

_Values = TypeVar("_Values", bound=MultiDict[str, str])


def without_nul(values: _Values) -> _Values:
    """The same keys and values, in the same kind of dict, with every NUL character removed."""
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return type(values)(
        [(key.replace("\x00", ""), value.replace("\x00", ""))
         for key, value in values.items(multi=True)]
    )


class IdeaboardRequest(Request):
    @cached_property
    def args(self) -> MultiDict[str, str]:  # an ImmutableMultiDict, typed as Request's
        return without_nul(super().args)

    @cached_property
    def form(self) -> ImmutableMultiDict[str, str]:
        return without_nul(super().form)
