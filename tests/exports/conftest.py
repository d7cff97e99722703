"""Two facilities, their staff and residents, for the export tests; helpers to ask for an export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from shelter.extensions import db

NIK = "3171015503950001"


@pytest.fixture
def world(app, make_facility, make_user, make_resident):
    a, b = make_facility(name="Panti Uji Anggrek"), make_facility(name="Panti Uji Bakung")
    people = {
        "siti": make_resident(a, full_name="Siti Rahayu Rekaan", nik=NIK, kota_of_origin="jakarta_timur"),
        "dewi": make_resident(a, full_name="Dewi Lestari Rekaan"),
        "ani": make_resident(b, full_name="Ani Wulandari Rekaan"),
    }
    return dict(
        a=a, b=b, people=people,
        caseworker=make_user(roles=("caseworker",), facilities=(a,)),
        manager=make_user(roles=("facility_manager",), facilities=(a,)),
        other=make_user(roles=("caseworker",), facilities=(a,)),
    )


def export(client, kind="residents", fmt="csv", **fields):
    return client.post("/exports/", data={"kind": kind, "format": fmt, **fields})


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def export_files(app) -> set[str]:
    folder = Path(app.instance_path) / "exports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def jobs():
    from shelter.exports.models import ExportJob

    db.session.commit()  # a new transaction: what the requests and the scheduler's job wrote since
    return list(db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id)))


@pytest.fixture(autouse=True)
def own_instance_folder(app, tmp_path):
    """Each test's exports in a folder of its own: the xdist workers' tests would otherwise write side by
    side in the project's instance/exports and see each other's files."""
    app.instance_path = str(tmp_path)
