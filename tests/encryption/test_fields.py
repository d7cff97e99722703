"""Field-level encryption (issue 14): a copied database shows no NIK, safe-house address, family phone or
address, or note text; the app shows the same values as before; NIK duplicate detection still works."""

from __future__ import annotations



import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.localtime import local_today
from tests.referrals.conftest import make_partner, partner, referral_input  # noqa: F401 - fixtures

NIK = "3174051203950002"
SAFE_ADDRESS = "Jl. Kenanga Tersembunyi No. 12"
CONTACT_PHONE = "+6281255501234"
CONTACT_ADDRESS = "Gang Mawar 3, Cilincing"
NOTE = "Menceritakan ancaman dari suaminya pada malam hari."
OLD_NOTE = "Teks catatan sebelum disunting."
DISCHARGE_NOTE = "Pulang ke rumah kakaknya di Bekasi."
ASSESSMENT = "Kakak kandung bersedia menerima dan menjaga."
REFERRAL_NIK = "3174051203950077"


def raw(sql: str) -> list:
    """What a copy of the database file shows: the stored text, not through the models."""
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql))]


@pytest.fixture
def everything(make_facility, make_room, make_bed, make_resident, make_user, partner):  # noqa: F811
    from shelter.assessments import service as assessments
    from shelter.followups import reunification
    from shelter.referrals import service as referrals
    from shelter.residents.models import FamilyContact
    from shelter.stays import service as stays

    safe_house = make_facility(kind="rumah_aman", address=SAFE_ADDRESS)
    admin = make_user(roles=("admin",))
    resident = make_resident(safe_house, nik=NIK)
    resident.family_contacts.append(FamilyContact(name="Kakak Rekaan", relationship_to_resident="kakak",
                                                  phone=CONTACT_PHONE, address=CONTACT_ADDRESS))
    stay = stays.admit(resident, make_bed(make_room(safe_house)), by=admin)
    db.session.flush()
    note = assessments.add_note(stay, assessments.NoteInput(noted_on=local_today(), kind="visit", body=OLD_NOTE),
                                by=admin)
    db.session.flush()
    assessments.edit_note(note, assessments.NoteInput(noted_on=local_today(), kind="visit", body=NOTE),
                          by=admin, stay=stay)
    stays.discharge(stay, outcome="reunified", note=DISCHARGE_NOTE, by=admin)
    reunification.save_plan(resident, reunification.PlanInput(relation="kakak", destination="Kota Bekasi",
                                                                      family_assessment=ASSESSMENT), by=admin)
    referral = referrals.create(referral_input(partner.id, person_nik=REFERRAL_NIK), by=admin)
    db.session.commit()
    return dict(resident=resident, admin=admin, safe_house=safe_house, referral=referral, stay=stay)


STORED = [
    ("SELECT nik FROM residents WHERE nik IS NOT NULL", NIK),
    ("SELECT address FROM facilities WHERE kind = 'rumah_aman'", SAFE_ADDRESS),
    ("SELECT phone FROM family_contacts", CONTACT_PHONE),
    ("SELECT address FROM family_contacts", CONTACT_ADDRESS),
    ("SELECT body FROM case_notes", NOTE),
    ("SELECT body FROM case_note_revisions", OLD_NOTE),
    ("SELECT discharge_note FROM stays", DISCHARGE_NOTE),
    ("SELECT family_assessment FROM reunification_plans", ASSESSMENT),
    ("SELECT person_nik FROM referrals", REFERRAL_NIK),
]


def test_a_raw_select_shows_no_plaintext_and_the_app_reads_the_same_values(everything):
    for sql, plaintext in STORED:
        rows = raw(sql)
        assert rows, sql
        for (stored,) in rows:
            assert plaintext not in stored and plaintext[:8] not in stored, sql
            assert ":" in stored and len(stored) > len(plaintext), sql
    # the NIK hashes do not give the NIK away either (keyed: not a plain SHA-256 of it)
    import hashlib

    hashes = raw("SELECT nik_hash FROM residents WHERE nik_hash IS NOT NULL")
    assert hashes and hashes[0][0] != hashlib.sha256(NIK.encode()).hexdigest()

    db.session.expire_all()
    resident, stay = everything["resident"], everything["stay"]
    assert resident.nik == NIK
    assert (resident.family_contacts[0].phone, resident.family_contacts[0].address) == (CONTACT_PHONE, CONTACT_ADDRESS)
    assert everything["safe_house"].address == SAFE_ADDRESS
    assert stay.discharge_note == DISCHARGE_NOTE
    assert everything["referral"].person_nik == REFERRAL_NIK


def test_the_resident_page_shows_the_decrypted_values(everything, login_as):
    client = login_as(everything["admin"])
    html = client.get(f"/residents/{everything['resident'].id}").get_data(as_text=True)
    assert NIK in html
    assert CONTACT_PHONE[-8:] in html.replace(" ", "").replace("-", "")


def test_duplicate_detection_and_search_find_the_nik(everything):
    from shelter.referrals.service import possible_residents
    from shelter.residents import service as residents

    probe = residents.ResidentInput(full_name="Nama Lain Sekali", sex="female", nik="3174 0512 0395 0002")
    assert [r.id for r in residents.likely_duplicates(probe)] == [everything["resident"].id]
    other = residents.ResidentInput(full_name="Nama Lain Sekali", sex="female", nik="3174051203950003")
    assert residents.likely_duplicates(other) == []
    # a referral carrying the resident's NIK proposes them
    referral = everything["referral"]
    referral.person_nik = NIK
    assert everything["resident"] in possible_residents(referral, sa.true())


def test_a_value_moved_into_another_column_does_not_decrypt(everything):
    from shelter.encryption import UndecryptableValue, keyring

    (stored,) = raw("SELECT address FROM facilities WHERE kind = 'rumah_aman'")[0]
    with pytest.raises(UndecryptableValue) as error:
        keyring().decrypt(stored, "family_contacts.address")
    assert SAFE_ADDRESS not in str(error.value)
    assert keyring().decrypt(stored, "facilities.address") == SAFE_ADDRESS
