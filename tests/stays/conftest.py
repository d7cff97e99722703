from datetime import date

import pytest

from shelter.extensions import db
from shelter.residents.models import Resident


@pytest.fixture
def make_resident(app, make_facility):
    def make(facility=None, **overrides):
        values = dict(full_name="Penghuni Rekaan", sex="female", birth_date=date(1995, 3, 14), risk_level="low")
        values.update(overrides)
        resident = Resident(registered_facility_id=(facility or make_facility()).id, **values)
        db.session.add(resident)
        db.session.commit()
        return resident

    return make
