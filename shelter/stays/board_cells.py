"""What the board's bed cells need from the stays feature: who may admit, move or hold in a
facility (``Permissions``), and the out-of-band updates of the board's counters and cells after an
admission, transfer, discharge or hold made from the board (``oob_updates``, rendered with the board's
own partials). Here rather than in the board so the stays views, which act from the board, do not
import the board above them."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user

from shelter.access import visible_facility_ids
from shelter.db import utcnow
from shelter.stays import queries, service


class Permissions:
    """What the current user may see inside and do, per facility. No queries: roles and facility ids
    are loaded with the user."""

    def __init__(self, user):
        self.user = user
        self.visible = visible_facility_ids(user)
        self.resident_links = "residents.show" in current_app.view_functions

    def sees_inside(self, facility_id: int) -> bool:
        return self.visible is None or facility_id in self.visible

    def admit(self, facility_id: int) -> bool:
        return self.sees_inside(facility_id) and service.may_admit(self.user, facility_id)

    def move(self, facility_id: int) -> bool:
        return self.sees_inside(facility_id) and service.may_move(self.user, facility_id)

    def hold(self, facility_id: int) -> bool:
        return self.sees_inside(facility_id) and service.may_hold(self.user, facility_id)

    def resident_url(self, resident_id: int | None) -> str | None:
        if not self.resident_links or resident_id is None:
            return None
        return url_for("residents.show", resident_id=resident_id)


def oob_updates(facility_ids, bed_ids=()) -> str:
    """Out-of-band fragments for the board after an action: the facilities' counters and the beds
    that changed. Only call for elements the board shows (htmx logs an error for a missing target)."""
    now = utcnow()
    facility_ids = [f for f in facility_ids if f is not None]
    entries = queries.availability(facility_ids, now=now) if facility_ids else []
    beds = queries.bed_states(facility_ids, bed_ids=list(bed_ids), now=now) if bed_ids and facility_ids else []
    return render_template("board/_oob.html", entries=entries, beds=beds, perms=Permissions(current_user))

