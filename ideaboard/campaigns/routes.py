"""The campaign list, a campaign's page and its answers, and the sponsor's forms."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.campaigns import queries, services
from ideaboard.campaigns.forms import AnswerForm, CampaignForm, StateForm
from ideaboard.campaigns.models import Campaign, CampaignState
from ideaboard.core import throttling
from ideaboard.core.forms import form_status, preview_of, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import seek_page
from ideaboard.core.permissions import authorize, can, requires, visible_or_404
from ideaboard.database import utcnow
from ideaboard.ideas import services as ideas
from ideaboard.ideas.display import cards, sort_tabs

bp = Blueprint("campaigns", __name__)


def _campaign_or_404(campaign_id: int) -> Campaign:
    return visible_or_404(queries.get_campaign(campaign_id), "campaign.view")


@bp.get("/campaigns")
@requires("campaign.browse")
def index():
    groups = queries.campaign_groups(current_user, can(current_user, "campaign.create"))
    return render_template("campaigns/index.html", groups=groups, now=utcnow())


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires("campaign.create")
def new():
    form = CampaignForm()
    if request.method == "GET":
        form.sponsor.data = current_user.email
    preview = preview_of(form.brief)
    if preview is None and form.validate_on_submit():
        try:
            campaign = services.create_campaign(current_user, form.fields())
        except services.CampaignError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The campaign is saved as a draft. It opens by itself at its opening "
                    "time."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None,
                           preview=preview), form_status()


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires("campaign.browse")
def edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    authorize("campaign.edit", campaign)
    form = CampaignForm()
    if request.method == "GET":
        form.fill_from(campaign)
    preview = preview_of(form.brief)
    if preview is None and form.validate_on_submit():
        try:
            changed = services.update_campaign(campaign, current_user, form.fields())
        except services.CampaignError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The campaign is saved.") if changed else _("Nothing was changed."),
                  "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign,
                           preview=preview), form_status()


@bp.post("/campaigns/<int:campaign_id>/state")
@requires("campaign.browse")
def change_state(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    authorize("campaign.edit", campaign)
    form = StateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.close_by_hand(campaign, CampaignState(required(form.to.data)), current_user)
    except services.CampaignError as error:
        flash(str(error), "error")
    else:
        flash(_("The campaign is now: %(state)s.", state=campaign.state_enum.label), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
@requires("campaign.browse")
def detail(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    sort = request.args.get("sort", "")
    filters = ideas.IdeaFilters(sort=sort if sort in ideas.SORTS else ideas.DEFAULT_SORT,
                                campaign_id=campaign.id)
    query = ideas.list_query(current_user, filters)
    pagination = seek_page(query.keyset, query.statements, current_app.config["PAGE_SIZE"],
                           query.params)
    return render_template(
        "campaigns/detail.html", campaign=campaign, filters=filters, pagination=pagination,
        cards=cards(current_user, pagination.items), sorts=sort_tabs(),
        funnel=queries.funnel(campaign.id), now=utcnow(),
        results=queries.results(campaign.id) if campaign.state_enum in services.FINISHED
        else (),
        refusal=services.answer_refusal(campaign, current_user),
        state_form=StateForm(), next_states=sorted(
            services.TRANSITIONS[campaign.state_enum] & services.BY_HAND))


@bp.route("/campaigns/<int:campaign_id>/answer", methods=["GET", "POST"])
@requires("idea.create")
def answer(campaign_id: int):
    """Post an idea in answer to the campaign. The rules are the server's: a closed
    campaign, or one for another department, refuses with a message and keeps the text."""
    campaign = _campaign_or_404(campaign_id)
    form = AnswerForm()
    status = form_status()
    preview = preview_of(form.body)
    refusal = services.answer_refusal(campaign, current_user)
    if preview is None and form.validate_on_submit():
        try:
            throttling.spend("idea", current_user)
            idea = services.submit_answer(
                campaign, current_user, required(form.title.data), required(form.body.data),
                form.tag_names, form.anonymous.data)
        except throttling.Throttled as error:
            form.form_errors.append(error.description)
            status = error.code
        except (services.CampaignError, ideas.IdeaError) as error:
            form.form_errors.append(str(error))
        else:
            flash(services.posted_message(campaign), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id))
    return render_template("campaigns/answer.html", form=form, campaign=campaign,
                           preview=preview, refusal=refusal), status
