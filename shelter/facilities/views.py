from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from shelter.access import can_manage_facility, can_see_address, get_facility_or_404, scoped_facilities_query
from shelter.audit import service as audit
from shelter.extensions import db

bp = Blueprint("facilities", __name__, url_prefix="/facilities")


@bp.get("/")
def index():
    facilities = db.session.scalars(scoped_facilities_query(current_user)).all()
    return render_template("facilities/index.html", facilities=facilities)


@bp.get("/<int:facility_id>")
def show(facility_id: int):
    facility = get_facility_or_404(facility_id)
    show_address = can_see_address(current_user, facility)
    if facility.is_safe_house and show_address:
        audit.record("facility.address_viewed", target=facility)
        db.session.commit()
    return render_template(
        "facilities/show.html",
        facility=facility,
        show_address=show_address,
        can_manage=can_manage_facility(current_user, facility),
    )
