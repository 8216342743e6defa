"""A person's page: their ideas or their comments, as any colleague may see them."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.permissions import requires
from ideaboard.core.urls import links_with
from ideaboard.ideas.display import cards
from ideaboard.people import services

bp = Blueprint("people", __name__)

TABS = {"ideas": _l("Ideas"), "comments": _l("Comments")}


@bp.get("/people/<int:user_id>")
@requires("person.view")
def profile(user_id: int):
    person = services.get_person(user_id)
    if person is None:
        abort(404)
    show = request.args.get("show", "")
    show = show if show in TABS else "ideas"
    per_page = current_app.config["PAGE_SIZE"]
    if show == "comments":
        pagination = services.comments_page(person, per_page)
        idea_cards = []
    else:
        pagination = services.ideas_page(person, current_user, per_page)
        idea_cards = cards(current_user, pagination.items)
    tab_links = links_with("show", list(TABS))
    tabs = [(key, str(label), tab_links[key]) for key, label in TABS.items()]
    return render_template("people/profile.html", person=person, show=show, tabs=tabs,
                           pagination=pagination, cards=idea_cards)
