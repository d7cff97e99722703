from flask import Blueprint, render_template
from flask_login import current_user

from shelter.access import scoped_facilities_query
from shelter.extensions import db

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    facilities = db.session.scalars(scoped_facilities_query(current_user)).all()
    return render_template("home.html", facilities=facilities)
