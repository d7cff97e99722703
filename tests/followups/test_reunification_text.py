"""The reunification plan's one-line fields follow the text rules of names (issue 9, finding 8): NFKC
before they are stored, and no bidi controls or zero-width characters; the assessment, a free text,
is kept as typed."""

from __future__ import annotations

import pytest

from shelter.extensions import db
from shelter.followups import reunification


@pytest.mark.parametrize("field", ["relation", "destination"])
@pytest.mark.parametrize("hidden", ["\u202e", "\u200b"])
def test_hidden_characters_in_a_place_or_relation_are_refused(app, make_resident, admin, field, hidden):
    resident = make_resident()
    data = dict(relation="Ibu", destination="Kabupaten Bogor")
    data[field] = data[field][:3] + hidden + data[field][3:]
    with pytest.raises(reunification.PlanInvalid) as refused:
        reunification.save_plan(resident, reunification.PlanInput(**data), by=admin)
    assert refused.value.problems == {field: "hidden_characters"}
    db.session.rollback()
    assert reunification.plan_of(resident.id) is None


def test_full_width_letters_are_stored_plain(app, make_resident, admin):
    resident = make_resident()
    plan = reunification.save_plan(resident, reunification.PlanInput(
        relation="Ｉｂｕ", destination="Ｂｏｇｏｒ", family_assessment="Ｔｅｋｓ bebas"), by=admin)
    assert (plan.relation, plan.destination, plan.family_assessment) == ("Ibu", "Bogor", "Ｔｅｋｓ bebas")
