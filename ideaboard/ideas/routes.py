"""The idea list and idea pages."""

from flask import Blueprint, render_template

from ideaboard.policy import requires

bp = Blueprint("ideas", __name__)


@bp.get("/")
@requires("idea.browse")
def index():
    return render_template("ideas/index.html")


@bp.get("/ideas/new")
@requires("idea.create")
def new():
    return render_template("ideas/index.html")
