"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents.

Two capacity rules: the demo panti alerts its facility manager (who gets an invented phone number
in the +62 812-5550-1xx range, if they have none) when 5 or fewer beds are free, with a "back to
normal" message; the Rumah Aman RA-MERPATI alerts the demo case manager and the administrator at
80 % occupancy (neither has a phone in the demo: the page shows that they get no SMS, and the
alert still shows in Shelter).
"""

from __future__ import annotations

from shelter.auth.models import Role

MANAGER_PHONE = "+628125550110"


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    from shelter.alerts import service

    admin = users.get(Role.ADMIN)
    manager = users.get(Role.FACILITY_MANAGER)
    panti = facilities.get("PSBK-DEMO")
    if panti is not None and manager is not None:
        if not manager.phone:
            manager.phone = MANAGER_PHONE
        service.create_rule(panti, by=admin, max_free_beds=5, recipient_ids=[manager.id], notify_recovery=True)
    safe_house = facilities.get("RA-MERPATI")
    if safe_house is not None:
        recipients = [u for u in (users.get(Role.CASE_MANAGER), admin)
                      if u is not None and (u.is_admin or safe_house.id in u.facility_ids)]
        service.create_rule(safe_house, by=admin, min_occupancy_percent=80, recipient_ids=[u.id for u in recipients])
