"""Initials avatars: a small coloured circle with a person's initials, made from their
display name alone (no pictures to store, upload or moderate).

The circle is decoration: it is ``aria-hidden`` and always sits beside the name written
out as text, so a screen reader reads the name once. Its colour is one of
``AVATAR_COLOURS`` picked by a stable hash of the name (CRC-32, the same in every
process, unlike ``hash()``), so a person keeps their colour on every page; each colour
has white text at a contrast of at least 5:1 (WCAG AA) (static/css/app.css).
"""

from __future__ import annotations

import zlib

from markupsafe import Markup, escape

AVATAR_COLOURS = 8  # the classes avatar-0 .. avatar-7 in app.css


def initials(name: str | None) -> str:
    """Up to two capital letters: the first letter or digit of the first and the last
    word ("Ada King Lovelace" is "AL", "Ada" is "A"); "?" for a name without any."""
    firsts = [next((c for c in word if c.isalnum()), "") for word in (name or "").split()]
    firsts = [c for c in firsts if c]
    if not firsts:
        return "?"
    picked = firsts[0] + (firsts[-1] if len(firsts) > 1 else "")
    return picked.upper()


def avatar_colour(name: str | None) -> int:
    """The colour class number (0 .. AVATAR_COLOURS - 1) of ``name``, stable everywhere."""
    return zlib.crc32((name or "").casefold().encode("utf-8")) % AVATAR_COLOURS


def avatar(name: str | None, size: str = "") -> Markup:
    """The avatar's markup (a template global): ``size`` "large" for a profile's header.
    Hidden from assistive technology: the caller writes the name beside it."""
    classes = f"avatar avatar-{avatar_colour(name)}" + (f" avatar-{escape(size)}" if size else "")
    # Escaped parts only.
    return Markup(  # nosec B704
        f'<span class="{classes}" aria-hidden="true">{escape(initials(name))}</span>')
