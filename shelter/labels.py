"""Translated labels for the values stored in English codes (kinds, kota, roles, room rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FACILITY_KINDS = {"panti": _l("Panti (shelter)"), "rumah_aman": _l("Rumah Aman (safe house)")}
KOTA = {
    "jakarta_pusat": _l("Jakarta Pusat"),
    "jakarta_utara": _l("Jakarta Utara"),
    "jakarta_barat": _l("Jakarta Barat"),
    "jakarta_selatan": _l("Jakarta Selatan"),
    "jakarta_timur": _l("Jakarta Timur"),
    "kepulauan_seribu": _l("Kepulauan Seribu"),
}
ROLES = {
    "admin": _l("Administrator (Dinas)"),
    "facility_manager": _l("Facility manager"),
    "intake_staff": _l("Intake staff"),
    "case_manager": _l("Case manager"),
    "caseworker": _l("Caseworker (pekerja sosial)"),
}
ROOM_SEXES = {"female": _l("Female"), "male": _l("Male"), "mixed_family": _l("Mixed (family)")}
AGE_GROUPS = {"child": _l("Children"), "adult": _l("Adults"),
              "mother_with_children": _l("Mothers with children")}


def lookup(table, *, blank=None):
    """A label function for a table of code → translated label: an unknown code shows as itself, no
    code (None or "") as ``blank`` when given. Every feature's ``*_label`` is one of these."""
    def label(code):
        if not code and blank is not None:
            return blank
        return table.get(code, code)
    return label



facility_kind_label = lookup(FACILITY_KINDS)
kota_label = lookup(KOTA)
role_label = lookup(ROLES)
room_sex_label = lookup(ROOM_SEXES)
age_group_label = lookup(AGE_GROUPS)


def choices(table) -> list[tuple[str, str]]:
    return list(table.items())


def init_app(app) -> None:
    app.jinja_env.globals.update(
        facility_kind_label=facility_kind_label,
        kota_label=kota_label,
        role_label=role_label,
        room_sex_label=room_sex_label,
        age_group_label=age_group_label,
    )
