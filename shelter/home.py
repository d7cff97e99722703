"""The home page: the worklist (a caseworker's own, or a case manager's across their facilities)
above the list of the user's facilities. An htmx request (filter, page) gets the worklist alone."""

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_login import current_user

from shelter.access import public, scoped_facilities_query
from shelter.extensions import db
from shelter.fragments import wants_fragment
from shelter.worklists import queries as worklists

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    worklist = worklists.worklist_for(
        current_user, today=worklists.local_today(), page=request.args.get("page", 1, type=int) or 1,
        caseworker=worklists.parse_filter(request.args.get("caseworker")),
    )
    if wants_fragment() and worklist is not None:
        return render_template("worklists/_worklist.html", worklist=worklist)
    facilities = db.session.scalars(scoped_facilities_query(current_user)).all()
    return render_template("home.html", facilities=facilities, worklist=worklist)


@bp.get("/sw.js")
@public
def service_worker():
    """The service worker, served from the root so that its scope covers the board (static/js/sw.js)."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@public
def offline():
    """The notice the service worker shows offline for every page but the board (no data in it)."""
    return render_template("offline/notice.html")
