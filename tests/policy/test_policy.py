"""The policy's checker(user, action) answers exactly as can(user, action, obj)."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from ideaboard.comments.services import add_comment
from ideaboard.core import permissions
from ideaboard.extensions import db
from tests.helpers.factories import IdeaFactory, UserFactory


def test_checker_agrees_with_can_on_every_rule(app, employee, manager, admin, it_department):
    gone = UserFactory(active=False)
    ideas = [
        IdeaFactory(author=employee, department=it_department),
        IdeaFactory(author=manager, department=it_department, is_anonymous=True),
        IdeaFactory(author=manager, department=it_department, hidden=True),
        IdeaFactory(author=manager, department=it_department, status="in_review"),
        IdeaFactory(author=admin, department=it_department, status="declined"),
    ]
    comments = [add_comment(manager, ideas[0], "A comment by the manager."),
                 add_comment(employee, ideas[1], "A comment by the employee.")]
    db.session.commit()
    users = [employee, manager, admin, gone, AnonymousUserMixin(), None]
    actions = [*permissions.RULES, permissions.PUBLIC, "no.such.action"]
    for user in users:
        for action in actions:
            check = permissions.checker(user, action)
            for obj in [*ideas, *comments, None]:
                assert _answer(check, obj) == _answer(permissions.can, user, action, obj), \
                    (user, action, obj)


def _answer(func, *args):
    """The answer, or the kind of error when the rule cannot read this kind of object."""
    try:
        return func(*args)
    except AttributeError:
        return AttributeError
