"""Translated labels for the resident codes: protection categories, sex, risk levels, discharge outcomes.

The codes are stored in English (``shelter.residents.models.PROTECTION_CATEGORIES``,
``shelter.stays.models.DischargeOutcome``); these tables give each one an English msgid that the
Indonesian catalogue translates into the words Dinas Sosial staff use. The residents blueprint
registers the ``*_label`` functions as Jinja globals, so every page (board, stays, …) can use them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shelter.residents.models import PROTECTION_CATEGORIES

# The 15 categories of UU 35/2014 Pasal 59 ayat (2), in the order of the law (a to o).
AMPK_CATEGORIES = {
    "ampk_emergency": _l("Child in an emergency situation"),
    "ampk_conflict_with_law": _l("Child in conflict with the law (ABH)"),
    "ampk_minority_isolated": _l("Child from a minority or isolated group"),
    "ampk_economic_sexual_exploitation": _l("Child exploited economically or sexually"),
    "ampk_drug_victim": _l("Child victim of drugs, alcohol or other addictive substances (NAPZA)"),
    "ampk_pornography_victim": _l("Child victim of pornography"),
    "ampk_hiv_aids": _l("Child with HIV/AIDS"),
    "ampk_abduction_trafficking": _l("Child victim of abduction, sale or trafficking"),
    "ampk_physical_psychological_violence": _l("Child victim of physical or psychological violence"),
    "ampk_sexual_crime_victim": _l("Child victim of a sexual crime"),
    "ampk_terrorism_network": _l("Child victim of a terrorism network"),
    "ampk_disability": _l("Child with a disability"),
    "ampk_abuse_neglect": _l("Child victim of mistreatment or neglect"),
    "ampk_deviant_social_behaviour": _l("Child with deviant social behaviour"),
    "ampk_parental_stigma": _l("Child stigmatised because of their parents' condition"),
}
ADULT_CATEGORIES = {
    "adult_domestic_violence": _l("Domestic violence (KDRT)"),
    "adult_trafficking": _l("Trafficking in persons (TPPO)"),
    "adult_sexual_violence": _l("Sexual violence"),
}
PPKS_CATEGORIES = {
    "ppks_homeless": _l("Homeless (gelandangan)"),
    "ppks_beggar": _l("Beggar (pengemis)"),
    "ppks_street_child": _l("Street child (anak jalanan)"),
    "ppks_neglected_elderly": _l("Neglected elderly person (lansia terlantar)"),
    "ppks_other": _l("Other social welfare need (PPKS)"),
}
CATEGORIES = {**AMPK_CATEGORIES, **ADULT_CATEGORIES, **PPKS_CATEGORIES}
assert tuple(CATEGORIES) == PROTECTION_CATEGORIES, "every protection category needs a label, in model order"

# (group key, legend, codes) for forms and pages that show the categories grouped.
CATEGORY_GROUPS = (
    ("ampk", _l("Children needing special protection (AMPK, UU 35/2014 Pasal 59)"), tuple(AMPK_CATEGORIES)),
    ("adult", _l("Adults: violence and exploitation"), tuple(ADULT_CATEGORIES)),
    ("ppks", _l("Street and social welfare categories (PPKS)"), tuple(PPKS_CATEGORIES)),
)

SEXES = {"female": _l("Female"), "male": _l("Male")}
RISK_LEVELS = {"low": _l("Low risk"), "medium": _l("Medium risk"), "high": _l("High risk")}
DISCHARGE_OUTCOMES = {
    "reunified": _l("Reunified with family"),
    "returned_home_region": _l("Returned to home region (pemulangan)"),
    "referred": _l("Referred to another service"),
    "moved_facility": _l("Moved to another facility"),
    "independent": _l("Independent living"),
    "left_without_notice": _l("Left without notice"),
    "died": _l("Died"),
    "other": _l("Other outcome"),
}
# The residents list's filter: where a resident stands now.
STAY_STATUSES = {
    "staying": _l("Currently staying"),
    "discharged": _l("Discharged"),
    "never": _l("Never admitted"),
}


def _lookup(table):
    def label(code):
        return table.get(code, code)
    return label


category_label = _lookup(CATEGORIES)
sex_label = _lookup(SEXES)
risk_label = _lookup(RISK_LEVELS)
discharge_outcome_label = _lookup(DISCHARGE_OUTCOMES)
stay_status_label = _lookup(STAY_STATUSES)

TEMPLATE_GLOBALS = {
    "category_label": category_label,
    "resident_sex_label": sex_label,
    "risk_label": risk_label,
    "discharge_outcome_label": discharge_outcome_label,
    "stay_status_label": stay_status_label,
}
