"""Asking the permission policy: ``can``, ``checker``, ``authorize``, ``visible_or_404``
and ``@requires`` (and ``@gate`` for the few actions of machines, not people).

The rules themselves are one table in ``ideaboard.policy``, one rule per action,
registered here with ``@rule`` when the application is built. This module is the
foundation's half, so every capability (and every template, through
``core.templating``) may ask the policy without importing the modules its rules read
(the state machine among them): see the layers in README.md. An action no rule decides
is refused: the policy fails closed, also before the rules are registered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import abort, has_request_context
from flask_login import current_user

from ideaboard.extensions import login_manager


class Viewer(Protocol):
    """Whoever asks: a signed-in person, or Flask-Login's anonymous user (which has no
    ``id``). Rules are only asked for a viewer that is signed in and active."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


# A rule gets a signed-in, active viewer and the object asked about (None for actions on
# no object); each rule's own signature names the kind of object it judges.
Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}

# Actions anyone may take, signed in or not.
PUBLIC = "public"

# Actions a machine takes rather than a person (a Prometheus server reading /metrics):
# decided by the request itself (a token it sends, the address it comes from), signed
# in or not. A view of one answers 404 to a refused request: to anyone else it is not
# there. Registered with ``@gate``, in ``ideaboard.policy`` like every rule.
Gate = Callable[[], bool]
GATES: dict[str, Gate] = {}

T = TypeVar("T")


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register the function deciding ``actions``."""

    def register(func: Rule) -> Rule:
        for action in actions:
            if action in RULES or action in GATES:
                raise RuntimeError(f"permission rule {action!r} declared twice")
            RULES[action] = func
        return func

    return register


def gate(*actions: str) -> Callable[[Gate], Gate]:
    """Register the function deciding ``actions`` from the current request alone."""

    def register(func: Gate) -> Gate:
        for action in actions:
            if action in RULES or action in GATES:
                raise RuntimeError(f"permission rule {action!r} declared twice")
            GATES[action] = func
        return func

    return register


def signed_in(user: Viewer | None) -> bool:
    """True for a signed-in person whose account is active."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def can(user: Viewer | None, action: str, obj: object = None) -> bool:
    """True if ``user`` may take ``action`` on ``obj``; False for unknown actions."""
    if action == PUBLIC:
        return True
    if action in GATES:  # the request's own, whoever is signed in
        return has_request_context() and GATES[action]()
    decide = RULES.get(action)
    if decide is None or not signed_in(user):
        return False
    return bool(decide(user, obj))


def checker(user: Viewer | None, action: str) -> Callable[[Any], bool]:
    """``can(user, action, obj)`` as a function of ``obj``, for asking about many objects
    (the cards of a list, the comments of a page): the rule is looked up and the user's
    sign-in checked once, not once per object. Same answers as ``can``."""
    if action == PUBLIC:
        return lambda _obj: True
    if action in GATES:
        allowed = can(user, action)
        return lambda _obj: allowed
    decide = RULES.get(action)
    if decide is None or not signed_in(user):
        return lambda _obj: False
    return lambda obj: bool(decide(user, obj))


def authorize(action: str, obj: object = None) -> None:
    """Abort the request unless the current user may take ``action`` on ``obj``."""
    if can(current_user, action, obj):
        return
    if not signed_in(current_user):
        abort(login_manager.unauthorized())
    abort(403)


def visible_or_404(obj: T | None, action: str, *, through: object = None) -> T:
    """``obj`` if the current user may take ``action`` on it (or on ``through``, the
    thing that governs it, such as a comment's idea); otherwise 404: what someone may
    not see does not exist for them."""
    subject = through if through is not None else obj
    if obj is None or not can(current_user, action, subject):
        abort(404)
    return obj


def requires(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce the action a view needs (checked before the view runs)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if action in GATES:
                if not GATES[action]():
                    abort(404)
            elif action != PUBLIC:
                authorize(action)
            return view(*args, **kwargs)

        guarded.required_action = action  # type: ignore[attr-defined]  # read by the URL-map test
        return guarded

    return decorate
